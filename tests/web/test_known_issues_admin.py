"""Known issues in the admin: a new one prefilled from the query string (how the "Repeated
issues" and "Spikes" views link to it), refused input shown again with its message, the list,
Resolve telling the linked requesters once, and the ticket page naming the issue. Through
Flask's test client on a real SQLite file, an agent signed in."""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import escape

from . import test_service_levels_inbox as levels
from .test_service_levels_inbox import XSS, Desk

desk = levels.desk  # the fixture: an app in process and an agent (not an admin) signed in


def test_a_known_issue_is_made_from_a_prefilled_form_listed_and_resolved(desk: Desk) -> None:
    first = desk.file("Export is empty", context={"context_key": "reports.export"})
    second = desk.file("Blank CSV")
    query = urlencode(
        {
            "title": f"CSV export is empty {XSS}",
            "contexts": "reports.export, reports.csv",
            "app_versions": "2.3.1,2.3.2",
            "ticket_ids": f"{first['id']},{second['id']}",
            "message": "We are fixing it.",
        }
    )
    r = desk.agent.get(f"/admin/known-issues/new?{query}")
    assert r.status_code == 200
    form = r.get_data(as_text=True)
    assert f'value="CSV export is empty {escape(XSS)}"' in form
    assert XSS not in form
    assert 'value="reports.export, reports.csv"' in form
    assert 'value="2.3.1, 2.3.2"' in form
    assert f'value="{first["id"]}, {second["id"]}"' in form
    assert ">We are fixing it.</textarea>" in form
    assert 'name="global"' not in form  # an agent cannot mark one global

    refused = desk.post(
        "/admin/known-issues/", {"title": "Everywhere", "message": "m", "contexts": ""}
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "would show everywhere" in page and 'value="Everywhere"' in page
    assert desk.api("GET", "/known-issues")["items"] == []

    made = desk.post(
        "/admin/known-issues/",
        {
            "title": "CSV export is empty",
            "message": "We are fixing it.",
            "contexts": "reports.export, reports.csv",
            "app_versions": "2.3.1, 2.3.2",
            "ticket_ids": f"{first['id']}, {second['id']}",
            "resolution": "Fixed in 2.3.3.",
        },
    )
    assert made.status_code == 303, made.get_data(as_text=True)
    (issue,) = desk.api("GET", "/known-issues")["items"]
    assert issue["contexts"] == ["reports.export", "reports.csv"]
    assert issue["app_versions"] == ["2.3.1", "2.3.2"]
    assert issue["ticket_ids"] == [first["id"], second["id"]]
    listed = desk.page("/admin/known-issues/")
    assert 'data-list="open"' in listed and issue["id"] in listed
    assert "Known issues</a>" in listed  # the nav entry
    ticket_page = desk.page(f"/admin/tickets/{first['id']}")
    assert "Linked to known issue" in ticket_page and "CSV export is empty" in ticket_page

    for _ in range(2):  # resolving twice tells nobody twice
        done = desk.post(f"/admin/known-issues/{issue['id']}/resolve", {})
        assert done.status_code == 303
    got = desk.api("GET", f"/known-issues/{issue['id']}")
    assert got["status"] == "resolved"
    for ticket in (first, second):
        messages = desk.api("GET", f"/tickets/{ticket['id']}")["messages"]
        assert [m["body"] for m in messages if m["author"]["kind"] == "agent"] == [
            "Fixed in 2.3.3."
        ]
    listed = desk.page("/admin/known-issues/", notice="resolved")
    assert 'data-list="resolved"' in listed and 'data-list="open"' not in listed
    assert "Each linked requester was told, once" in listed
