"""The workspace admin pages (saved replies and ticket fields) through Flask's test client, in
process: who may read and who may change them, CSRF, refused forms shown again as typed with
the service's messages beside their fields, another app's items never shown, hostile text shown
as text, and a deleted field archived (tickets keep its value) and restored."""

from __future__ import annotations

import html
import re
from typing import Any

from flask import Flask
from markupsafe import escape

from support_server.services import apps as app_service
from support_server.services.macros import KNOWN
from support_server.web.admin.saved_replies import PLACEHOLDER_WORDS, preview

from . import test_service_levels_admin as levels
from .test_service_levels_admin import Person, _file, _value, text_of
from .test_service_levels_inbox import XSS

# the service levels tests' fixtures: an app in process, and ada (admin), ana (agent) and wes
# (writer) signed in through the real sign-in form
app, app_id, people, rt = levels.app, levels.app_id, levels.people, levels.rt
REPLIES = "/admin/saved-replies"
FIELDS = "/admin/ticket-fields"


def errors_of(page: str, element_id: str) -> list[str]:
    """The messages of the error block #``element_id``, one per entry."""
    found = re.search(rf'<div class="error" id="{element_id}">((?:<div>.*?</div>)+)</div>', page)
    assert found, f"no #{element_id} on the page"
    return [html.unescape(m) for m in re.findall(r"<div>(.*?)</div>", found.group(1))]


def textarea(page: str, element_id: str) -> str:
    found = re.search(rf'<textarea id="{element_id}"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, f"no textarea #{element_id}"
    return html.unescape(found.group(1))


def reply_id(rt: Any, app_id: str, name: str) -> str:
    return str(next(m["id"] for m in rt.macros.items(app_id) if m["name"] == name))


def field_of(rt: Any, app_id: str, key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        f for f in rt.tickets.fields.items(app_id, archived=True) if f["key"] == key
    )
    return found


# -- who may do what ---------------------------------------------------------------------------
def test_writers_are_kept_out_and_agents_read_without_changing(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    writer, agent, admin = people["wes"], people["ana"], people["ada"]
    reply = rt.macros.create(app_id, {"name": "Agents read me", "body": "Hello"})
    field = rt.tickets.fields.create(
        app_id, {"key": "roles_probe", "label": "Probe", "type": "text"}
    )
    for path in (REPLIES + "/", FIELDS + "/", f"{REPLIES}/{reply['id']}"):
        assert writer.get(path).status_code == 403, path
    assert "Workspace" not in text_of(writer.get("/admin/profile/").text)

    for path, shows in ((REPLIES + "/", "Agents read me"), (FIELDS + "/", "roles_probe")):
        page = agent.get(path)
        assert page.status_code == 200, path
        assert "Workspace" in text_of(page.text) and shows in page.text, path
    assert "Add saved reply" not in agent.get(REPLIES + "/").text
    assert "Add field" not in agent.get(FIELDS + "/").text
    shown = agent.get(f"{REPLIES}/{reply['id']}").text  # read, in a disabled fieldset
    assert '<fieldset class="bare" disabled>' in shown and "Only admins change" in shown
    assert "Save saved reply" not in shown and "Delete the saved reply" not in shown
    assert agent.get(REPLIES + "/new").status_code == 403
    assert agent.get(FIELDS + "/new").status_code == 403
    assert agent.get(f"{FIELDS}/{field['id']}").status_code == 403
    for path, data in (
        (REPLIES + "/", {"name": "Sneaky", "body": "x"}),
        (f"{REPLIES}/{reply['id']}", {"name": "Sneaky", "body": "x"}),
        (f"{REPLIES}/{reply['id']}/delete", {}),
        (FIELDS + "/", {"key": "sneaky", "label": "Sneaky", "type": "text"}),
        (f"{FIELDS}/{field['id']}", {"label": "Sneaky"}),
        (f"{FIELDS}/{field['id']}/delete", {}),
        (f"{FIELDS}/{field['id']}/restore", {}),
    ):
        refused = agent.post(path, data)
        assert refused.status_code == 403, path
        assert "Only admins change" in text_of(refused.text), path
    assert rt.macros.get(app_id, reply["id"])["name"] == "Agents read me"
    assert field_of(rt, app_id, "roles_probe") == field  # unchanged, not archived

    for path in (REPLIES + "/", REPLIES + "/new", FIELDS + "/", FIELDS + "/new"):
        page = admin.get(path)
        assert page.status_code == 200, path
        nav = re.search(r'<a href="/admin/saved-replies/" aria-current="page">', page.text)
        assert nav, path  # the Workspace entry of the sidebar, marked as the current one
    rt.macros.delete(app_id, reply["id"])
    rt.tickets.fields.delete(app_id, field["id"])


def test_a_form_without_its_csrf_token_is_refused(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    for path, data in (
        (REPLIES + "/", {"name": "Forged", "body": "x"}),
        (FIELDS + "/", {"key": "forged", "label": "Forged", "type": "text"}),
    ):
        forged = admin.post(path, data, csrf=False)
        assert forged.status_code == 403, path
        assert "The form expired" in forged.text
    assert all(m["name"] != "Forged" for m in rt.macros.items(app_id))
    assert all(f["key"] != "forged" for f in rt.tickets.fields.items(app_id, archived=True))


def test_what_another_app_holds_is_neither_shown_nor_found(
    people: dict[str, Person], rt: Any
) -> None:
    other = app_service.create_app(rt.db, "Their app")["id"]
    reply = rt.macros.create(other, {"name": "Theirs only", "body": "Their text"})
    field = rt.tickets.fields.create(
        other, {"key": "theirs", "label": "Their field", "type": "text"}
    )
    gone = rt.tickets.fields.create(
        other, {"key": "theirs_old", "label": "Their old", "type": "text"}
    )
    rt.tickets.fields.delete(other, gone["id"])
    admin = people["ada"]
    assert "Theirs only" not in admin.get(REPLIES + "/").text
    listed = admin.get(FIELDS + "/").text
    assert "Their field" not in listed and "Their old" not in listed
    for path in (f"{REPLIES}/{reply['id']}", f"{FIELDS}/{field['id']}", f"{FIELDS}/{gone['id']}"):
        assert admin.get(path).status_code == 404, path
        assert admin.post(path, {"name": "Mine", "body": "x", "label": "Mine"}).status_code == 404
        assert admin.post(path + "/delete").status_code == 404, path
    assert admin.post(f"{FIELDS}/{gone['id']}/restore").status_code == 404
    assert rt.macros.get(other, reply["id"])["name"] == "Theirs only"  # untouched
    assert [f["archived"] for f in rt.tickets.fields.items(other, archived=True)] == [False, True]


# -- saved replies -----------------------------------------------------------------------------
def test_every_placeholder_the_service_knows_is_explained() -> None:
    assert list(PLACEHOLDER_WORDS) == list(KNOWN)


def test_the_preview_is_one_line_with_its_placeholders_marked() -> None:
    assert preview("Hi {{requester.name}},\n\nthanks!") == [
        ("Hi ", False),
        ("{{requester.name}}", True),
        (", thanks!", False),
    ]
    long = preview("word " * 100)
    assert len(long) == 1 and long[0][0].endswith("word…") and len(long[0][0]) <= 161


def test_a_saved_reply_is_refused_beside_its_fields_then_added_edited_and_deleted(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    form = admin.get(REPLIES + "/new").text
    for name in KNOWN:  # the placeholders, listed as help
        assert "{{" + name + "}}" in html.unescape(form), name
    typed = {"name": "   ", "body": "Hi {{customer.name}}, see {{ticket.url}} or {{oops"}
    refused = admin.post(REPLIES + "/", typed)
    assert refused.status_code == 422
    page = refused.text
    assert errors_of(page, "e-name") == ["a name of 1 to 120 characters"]
    body_errors = errors_of(page, "e-body")
    assert body_errors[:2] == [
        "unknown placeholder {{customer.name}}",
        "unknown placeholder {{ticket.url}}",
    ]
    assert body_errors[-1].startswith("known: {{requester.name}}")
    assert 'aria-describedby="e-body"' in page and "2 things need fixing" in page
    assert _value(page, "f-name") == "   "
    assert textarea(page, "f-body") == typed["body"]  # kept as typed
    assert rt.macros.items(app_id) == []

    body = "Hi {{requester.name}},\n\nYour refund for {{ticket.id}} is on its way."
    added = admin.post(REPLIES + "/", {"name": "Refund sent", "body": body})
    assert added.status_code == 303 and added.headers["Location"].endswith("?notice=added")
    listed = admin.get(REPLIES + "/?notice=added").text
    assert "Saved reply added." in listed
    assert '<span class="chip mono">{{requester.name}}</span>' in listed
    assert "Your refund for" in listed
    made = reply_id(rt, app_id, "Refund sent")
    assert rt.macros.get(app_id, made)["body"] == body

    taken = admin.post(REPLIES + "/", {"name": "refund SENT", "body": "Again"})
    assert taken.status_code == 409
    assert errors_of(taken.text, "e-name") == ["there is already a saved reply named refund SENT"]
    assert textarea(taken.text, "f-body") == "Again"

    edit = admin.get(f"{REPLIES}/{made}").text
    assert _value(edit, "f-name") == "Refund sent" and textarea(edit, "f-body") == body
    bad = admin.post(f"{REPLIES}/{made}", {"name": "Refund sent", "body": "Hi {{agent.nam}}"})
    assert bad.status_code == 422
    assert errors_of(bad.text, "e-body")[0] == "unknown placeholder {{agent.nam}}"
    assert textarea(bad.text, "f-body") == "Hi {{agent.nam}}"
    saved = admin.post(
        f"{REPLIES}/{made}", {"name": "Refund  issued", "body": "Done, {{agent.name}}"}
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith("?notice=saved")
    assert rt.macros.get(app_id, made)["name"] == "Refund issued"  # the service's clean-up

    rule = rt.automations.create(
        app_id,
        {
            "name": "Auto refund answer",
            "when": {"event": "ticket.created"},
            "then": [{"action": "reply", "macro": made}],
        },
    )
    assert "Auto refund answer" in text_of(admin.get(REPLIES + "/").text)  # sent by
    warned = text_of(admin.get(f"{REPLIES}/{made}").text)
    assert "Sent by the automation Auto refund answer: deleting it switches it off." in warned
    assert "Delete the saved reply “Refund issued”" in warned
    deleted = admin.post(f"{REPLIES}/{made}/delete")
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("?notice=deleted")
    assert rt.macros.items(app_id) == []
    assert "No saved replies yet" in admin.get(REPLIES + "/").text
    assert admin.get(f"{REPLIES}/{made}").status_code == 404
    rt.automations.delete(app_id, rule["id"])


def test_hostile_text_is_shown_as_text(people: dict[str, Person], rt: Any, app_id: str) -> None:
    admin, agent = people["ada"], people["ana"]
    assert (
        admin.post(REPLIES + "/", {"name": XSS, "body": XSS + " {{app.name}}"}).status_code == 303
    )
    field = {"key": "xss_probe", "label": XSS, "type": "select", "options": f"{XSS}\nSafe"}
    assert admin.post(FIELDS + "/", field).status_code == 303
    made = reply_id(rt, app_id, " ".join(XSS.split()))
    fields_id = field_of(rt, app_id, "xss_probe")["id"]
    for person, path in (
        (admin, REPLIES + "/"),
        (agent, REPLIES + "/"),
        (admin, f"{REPLIES}/{made}"),
        (agent, f"{REPLIES}/{made}"),
        (admin, FIELDS + "/"),
        (agent, FIELDS + "/"),
        (admin, f"{FIELDS}/{fields_id}"),
    ):
        page = person.get(path).text
        assert XSS not in page and "<script>" not in page, path
        assert str(escape(XSS)) in page, path
    refused = admin.post(REPLIES + "/", {"name": "", "body": XSS + "{{" + XSS + "}}"})
    assert refused.status_code == 422 and XSS not in refused.text
    assert textarea(refused.text, "f-body") == XSS + "{{" + XSS + "}}"
    rt.macros.delete(app_id, made)
    rt.tickets.fields.delete(app_id, fields_id)


# -- ticket fields -----------------------------------------------------------------------------
def test_a_field_is_refused_beside_its_inputs_and_kept_as_typed(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    before = rt.tickets.fields.items(app_id, archived=True)
    typed = {"key": "Issue Type", "label": "", "type": "select", "options": "\n\n", "required": "1"}
    refused = admin.post(FIELDS + "/", typed)
    assert refused.status_code == 422
    page = refused.text
    assert errors_of(page, "e-key") == [
        "1 to 40 lowercase letters, digits or _, starting with a letter"
    ]
    assert errors_of(page, "e-label") == ["a label of 1 to 120 characters"]
    assert errors_of(page, "e-options") == ["1 to 100 options of 1 to 120 characters"]
    assert _value(page, "f-key") == "Issue Type"
    assert '<option value="select" selected>' in page
    assert 'id="f-required" type="checkbox" name="required" value="1" checked' in page
    assert 'name="visible_to_requester" value="1" aria' not in page  # left unchecked
    assert 'name="visible_to_requester" value="1" checked' not in page

    wrong = {"key": "seats_x", "label": "Seats", "type": "number", "options": "One\nTwo"}
    refused = admin.post(FIELDS + "/", wrong)
    assert refused.status_code == 422
    assert errors_of(refused.text, "e-options") == ["only select fields have options"]
    assert textarea(refused.text, "f-options") == "One\nTwo"
    twice = admin.post(
        FIELDS + "/", {"key": "tw", "label": "T", "type": "select", "options": "A\nA"}
    )
    assert errors_of(twice.text, "e-options") == ["each option once"]
    unknown = admin.post(FIELDS + "/", {"key": "odd", "label": "Odd", "type": "colour"})
    assert unknown.status_code == 422
    assert errors_of(unknown.text, "e-type") == ["one of text, number, select, checkbox, date"]
    assert '<option value="colour" selected>' in unknown.text
    assert rt.tickets.fields.items(app_id, archived=True) == before  # nothing saved


def test_a_select_field_is_added_edited_archived_with_its_values_kept_and_restored(
    app: Flask, people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    form = {
        "key": "plan_tier",
        "label": "Plan tier",
        "type": "select",
        "options": "Free\r\n Team \r\n\r\nEnterprise\r\n",
        "required": "1",
    }
    added = admin.post(FIELDS + "/", form)
    assert added.status_code == 303 and added.headers["Location"].endswith("?notice=added")
    field = field_of(rt, app_id, "plan_tier")
    assert field["options"] == ["Free", "Team", "Enterprise"]
    assert field["required"] is True and field["visible_to_requester"] is False
    assert field["type"] == "select"
    listed = admin.get(FIELDS + "/").text
    row = re.search(r'<tr data-field="plan_tier">.*?</tr>', listed, re.S)
    assert row
    cells = text_of(row.group(0))
    assert "Plan tier plan_tier select Free Team Enterprise Required No: agents only" in cells

    taken = admin.post(FIELDS + "/", {**form, "label": "Again"})
    assert taken.status_code == 409
    assert errors_of(taken.text, "e-key") == ["there is already a field plan_tier"]
    assert _value(taken.text, "f-label") == "Again"

    edit = admin.get(f"{FIELDS}/{field['id']}").text
    assert "f-key" not in edit and "f-type" not in edit  # fixed once made, and said so
    assert "Its key and type stay as they were made" in text_of(edit)
    assert textarea(edit, "f-options") == "Free\nTeam\nEnterprise"
    refused = admin.post(f"{FIELDS}/{field['id']}", {"label": "Plan", "options": ""})
    assert refused.status_code == 422
    assert errors_of(refused.text, "e-options") == ["1 to 100 options of 1 to 120 characters"]
    assert _value(refused.text, "f-label") == "Plan"
    changes = {
        "key": "renamed",  # ignored: the form has no such input for a made field
        "type": "text",
        "label": "Plan",
        "options": "Free\nPro",
        "visible_to_requester": "1",
    }
    saved = admin.post(f"{FIELDS}/{field['id']}", changes)
    assert saved.status_code == 303 and saved.headers["Location"].endswith("?notice=saved")
    field = field_of(rt, app_id, "plan_tier")
    assert (field["label"], field["options"], field["type"]) == ("Plan", ["Free", "Pro"], "select")
    assert field["required"] is False and field["visible_to_requester"] is True

    ticket = _file(app, fields={"plan_tier": "Pro"})
    archived = admin.post(f"{FIELDS}/{field['id']}/delete")
    assert archived.status_code == 303 and archived.headers["Location"].endswith("notice=archived")
    assert field_of(rt, app_id, "plan_tier")["archived"] is True
    listed = admin.get(FIELDS + "/?notice=archived").text
    assert "Tickets keep their values" in listed
    archived_rows = re.search(r'<tbody class="archived-fields".*?</tbody>', listed, re.S)
    assert archived_rows and 'data-field="plan_tier"' in archived_rows.group(0)
    assert "Restore" in archived_rows.group(0)
    assert '<tr data-field="plan_tier">' not in listed  # not among the fields in use
    kept = app.test_client().get(
        f"/api/v1/tickets/{ticket['id']}",
        headers={"Authorization": f"Bearer {app.config['ADMIN_KEY']}"},
    )
    assert kept.status_code == 200 and kept.get_json()["fields"] == {"plan_tier": "Pro"}

    again = admin.post(FIELDS + "/", {"key": "plan_tier", "label": "New plan", "type": "text"})
    assert again.status_code == 409
    assert "was deleted and tickets still hold its values" in errors_of(again.text, "e-key")[0]
    assert f'action="{FIELDS}/{field["id"]}/restore"' in again.text  # a way back, offered

    restored = admin.post(f"{FIELDS}/{field['id']}/restore")
    assert restored.status_code == 303 and restored.headers["Location"].endswith("=restored")
    assert field_of(rt, app_id, "plan_tier")["archived"] is False
    assert '<tr data-field="plan_tier">' in admin.get(FIELDS + "/").text
    rt.tickets.fields.delete(app_id, field["id"])


def test_fields_are_listed_in_their_order(people: dict[str, Person], rt: Any, app_id: str) -> None:
    for key in ("order_c", "order_a", "order_b"):
        rt.tickets.fields.create(app_id, {"key": key, "label": key.upper(), "type": "text"})
    listed = people["ana"].get(FIELDS + "/").text
    keys = [k for k in re.findall(r'<tr data-field="([a-z_]+)">', listed) if k.startswith("order")]
    assert keys == ["order_c", "order_a", "order_b"]
    for key in keys:
        rt.tickets.fields.delete(app_id, field_of(rt, app_id, key)["id"])
