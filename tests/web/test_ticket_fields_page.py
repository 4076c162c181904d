"""Custom fields on the agent's ticket page (the Fields card: shown, changed, checked by type),
and a deleted field archived: tickets keep its values, agents still see them marked so, and
nothing else uses it. Through Flask's test client on a real SQLite file."""

from __future__ import annotations

import re

from markupsafe import escape

from . import test_service_levels_inbox as levels
from .test_service_levels_inbox import XSS, Desk

desk = levels.desk  # the fixture: an app in process and an agent signed in


def define(desk: Desk) -> None:
    for body in (
        {"key": "issue_type", "label": "Issue type", "type": "select", "required": True,
         "options": ["Bug", "Billing", XSS]},
        {"key": "seats", "label": "Seats", "type": "number"},
        {"key": "vip", "label": "VIP", "type": "checkbox", "visible_to_requester": False},
        {"key": "since", "label": "Customer since", "type": "date"},
        {"key": "note", "label": "Account note", "type": "text", "visible_to_requester": False},
    ):  # fmt: skip
        desk.api("POST", "/ticket-fields", 201, json=body)


def card(page: str) -> str:
    found = re.search(r"<section[^>]*data-fields>.*?</section>", page, re.S)
    assert found, "no Fields card"
    return found.group(0)


def test_agents_see_and_change_the_fields_on_the_ticket_page(desk: Desk) -> None:
    define(desk)
    ticket = desk.file("Export", fields={"issue_type": XSS, "seats": 3})
    path = f"/admin/tickets/{ticket['id']}"
    fields = card(desk.page(path))
    assert f'<option value="{escape(XSS)}" selected>' in fields  # text, never markup
    assert XSS not in fields
    assert 'name="field.seats" type="number" step="any" value="3"' in fields
    saved = desk.post(
        f"{path}/fields",
        {
            "field.issue_type": "Billing",
            "field.seats": "12",
            "shown.vip": "1",
            "field.vip": "1",
            "field.since": "2024-02-29",
            "field.note": "  pays yearly ",
        },
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    got = desk.api("GET", f"/tickets/{ticket['id']}")["fields"]
    assert got == {
        "issue_type": "Billing",
        "seats": 12,
        "vip": True,
        "since": "2024-02-29",
        "note": "pays yearly",
    }
    # unticking a box that was ticked sets it false; an empty input clears the value
    desk.post(f"{path}/fields", {"shown.vip": "1", "field.seats": ""})
    got = desk.api("GET", f"/tickets/{ticket['id']}")["fields"]
    assert got["vip"] is False and "seats" not in got


def test_a_wrong_value_is_refused_naming_the_field_and_changes_nothing(desk: Desk) -> None:
    define(desk)
    ticket = desk.file("Export", fields={"issue_type": "Bug"})
    path = f"/admin/tickets/{ticket['id']}/fields"
    for form, named in (
        ({"field.seats": "twelve"}, "Seats"),
        ({"field.since": "2023-02-30", "field.seats": "4"}, "since"),
        ({"field.issue_type": "Nope"}, "issue_type"),
    ):
        refused = desk.post(path, form)
        assert refused.status_code == 422, form
        assert named in refused.get_data(as_text=True)
    assert desk.api("GET", f"/tickets/{ticket['id']}")["fields"] == {"issue_type": "Bug"}


def test_a_deleted_field_is_archived_and_its_values_stay_with_the_agents(desk: Desk) -> None:
    define(desk)
    ticket = desk.file("Export", fields={"issue_type": "Bug", "seats": 7})
    seats = next(f for f in desk.api("GET", "/ticket-fields")["items"] if f["key"] == "seats")
    desk.api("DELETE", f"/ticket-fields/{seats['id']}", 204)

    assert "seats" not in [f["key"] for f in desk.api("GET", "/ticket-fields")["items"]]
    listed = desk.api("GET", "/ticket-fields?archived=true")["items"]
    assert [f["archived"] for f in listed if f["key"] == "seats"] == [True]
    assert desk.api("GET", f"/tickets/{ticket['id']}")["fields"]["seats"] == 7
    page = card(desk.page(f"/admin/tickets/{ticket['id']}"))
    archived = re.search(r'data-archived-field="seats".*?</div>', page, re.S)
    assert archived and "Archived" in archived.group(0) and ">7<" in archived.group(0)
    assert 'name="field.seats"' not in page
    # no new value for it; its key stays taken until it is restored
    refused = desk.api("PATCH", f"/tickets/{ticket['id']}", 422, json={"fields": {"seats": 8}})
    assert "fields.seats" in refused["error"]["details"]
    again = {"key": "seats", "label": "Seats", "type": "number"}
    conflict = desk.api("POST", "/ticket-fields", 409, json=again)
    assert conflict["error"]["code"] == "field_archived"
    assert seats["id"] in conflict["error"]["message"]
    # another ticket's other fields still change through the page; the archived value stays
    desk.post(f"/admin/tickets/{ticket['id']}/fields", {"field.issue_type": "Billing"})
    assert desk.api("GET", f"/tickets/{ticket['id']}")["fields"] == {
        "issue_type": "Billing",
        "seats": 7,
    }
    restored = desk.api("PATCH", f"/ticket-fields/{seats['id']}", json={"archived": False})
    assert restored["archived"] is False
    desk.api("PATCH", f"/tickets/{ticket['id']}", json={"fields": {"seats": 8}})


def test_requesters_never_see_archived_or_agent_only_fields(desk: Desk) -> None:
    define(desk)
    anonymous = {"X-Support-App": desk.app_id}
    r = desk.http.get("/api/v1/ticket-fields?archived=true", headers=anonymous)
    keys = [f["key"] for f in r.get_json()["items"]]
    assert keys == ["issue_type", "seats", "since"]
    seats = next(f for f in desk.api("GET", "/ticket-fields")["items"] if f["key"] == "seats")
    desk.api("DELETE", f"/ticket-fields/{seats['id']}", 204)
    r = desk.http.get("/api/v1/ticket-fields?archived=true", headers=anonymous)
    assert [f["key"] for f in r.get_json()["items"]] == ["issue_type", "since"]
