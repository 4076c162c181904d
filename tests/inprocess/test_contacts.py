"""Contacts over the API, in process: one per app and person (a signed-in user by user id,
everyone else by lowercased email), the latest token's signed traits, a user who signs in with
an email that wrote before joining that email's contact, another app's contacts hidden, and
the person's tickets with their ratings. Also the migration's backfill from older tickets."""

from __future__ import annotations

import sqlite3
from importlib import resources
from typing import Any

from support_sdk.tokens import mint_user_token
from support_server.services import apps as app_service

from .conftest import ORIGIN, InProcess


def api(server: InProcess, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
    r = server.http.open(f"/api/v1{path}", method=method, headers=server.staff_headers(), **kwargs)
    assert r.status_code == want, (r.status_code, r.get_json())
    return r.get_json()


def user_token(server: InProcess, user_id: str, **claims: Any) -> str:
    return mint_user_token(server.app_id, server.creds["app_secret"], user_id, **claims)


def file_as_user(server: InProcess, token: str, **data: Any) -> dict[str, Any]:
    body = {"subject": "Export is empty", "body": "The CSV is blank.", **data}
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    r = server.http.post("/api/v1/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def file_as_visitor(server: InProcess, email: str, **data: Any) -> dict[str, Any]:
    body = {"subject": "Cannot sign in", "body": "Locked out.", "email": email, **data}
    headers = {"X-Support-App": server.app_id, "Origin": ORIGIN}
    r = server.http.post("/api/v1/tickets", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def contact_of(server: InProcess, email: str) -> dict[str, Any]:
    found = api(server, "GET", "/contacts", query_string={"email": email})["items"]
    assert len(found) == 1, found
    return dict(found[0])


def test_a_user_contact_keeps_the_latest_tokens_name_email_and_signed_traits(
    server: InProcess,
) -> None:
    first = user_token(
        server, "u-42", email="Ada@Example.com", name="Ada", traits={"plan": "free", "seats": 1}
    )
    filed = file_as_user(server, first, context={"url": "https://shop.example/billing"})
    contact = contact_of(server, "ada@example.com")
    assert contact["id"].startswith("con_")
    assert (contact["kind"], contact["external_id"]) == ("user", "u-42")
    assert (contact["name"], contact["email"]) == ("Ada", "ada@example.com")
    assert contact["traits"] == {"plan": "free", "seats": 1}
    assert [t["id"] for t in contact["tickets"]] == [filed["id"]]
    assert contact["tickets"][0]["context"]["url"] == "https://shop.example/billing"
    assert contact["pages"] == [{"url": "https://shop.example/billing", "title": None}]

    server.clock.advance(60)
    later = user_token(server, "u-42", name="Ada L.", traits={"plan": "pro"})
    file_as_user(server, later)
    again = api(server, "GET", f"/contacts/{contact['id']}")
    assert again["traits"] == {"plan": "pro"}  # the latest token wins, whole
    assert again["name"] == "Ada L."
    assert again["email"] == "ada@example.com"  # a claim left out keeps the earlier one
    assert again["ticket_count"] == 2
    assert again["last_seen"] > again["first_seen"]
    # each ticket keeps the traits it was filed with
    oldest = api(server, "GET", f"/tickets/{filed['id']}")
    assert oldest["traits"] == {"plan": "free", "seats": 1}


def test_visitors_are_one_contact_per_email_and_staff_filed_tickets_join_it(
    server: InProcess,
) -> None:
    first = file_as_visitor(server, "Cleo@Example.com", name="Cleo")
    second = file_as_visitor(server, "cleo@example.COM")
    staff = api(
        server,
        "POST",
        "/tickets",
        201,
        json={"subject": "Phoned in", "body": "Refund?", "email": "CLEO@example.com"},
    )
    contact = contact_of(server, "cleo@EXAMPLE.com")
    assert (contact["kind"], contact["external_id"], contact["traits"]) == ("email", None, {})
    assert contact["name"] == "Cleo"
    assert {t["id"] for t in contact["tickets"]} == {first["id"], second["id"], staff["id"]}
    assert not any(t["signed_in"] for t in contact["tickets"])


def test_staff_filed_tickets_for_an_email_create_its_contact(server: InProcess) -> None:
    filed = api(
        server,
        "POST",
        "/tickets",
        201,
        json={"body": "Called about an invoice", "email": "dan@example.com", "name": "Dan"},
    )
    contact = contact_of(server, "dan@example.com")
    assert (contact["kind"], contact["name"]) == ("email", "Dan")
    assert [t["id"] for t in contact["tickets"]] == [filed["id"]]


def test_mail_senders_are_their_emails_contact(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    with rt.db.write() as conn:
        ticket = rt.tickets.open_from_email(
            conn,
            server.app_id,
            email="Erin@Example.com",
            name="Erin",
            subject="Invoice",
            mail={"body": "Where is it?", "original": "Where is it?", "html": ""},
        )
    contact = contact_of(server, "erin@example.com")
    assert [t["id"] for t in contact["tickets"]] == [ticket["public_id"]]


def test_signing_in_with_the_same_verified_email_joins_the_email_contact(
    server: InProcess,
) -> None:
    before = file_as_visitor(server, "fay@example.com", name="Fay")
    email_contact = contact_of(server, "fay@example.com")
    server.clock.advance(60)
    token = user_token(server, "u-7", email="Fay@example.com", traits={"plan": "team"})
    signed = file_as_user(server, token)
    joined = contact_of(server, "fay@example.com")  # one contact now, the user's
    assert (joined["kind"], joined["external_id"]) == ("user", "u-7")
    assert joined["name"] == "Fay"  # the token named no one; the email contact did
    assert joined["first_seen"] == email_contact["first_seen"]
    assert [t["id"] for t in joined["tickets"]] == [signed["id"], before["id"]]
    assert [t["signed_in"] for t in joined["tickets"]] == [True, False]
    api(server, "GET", f"/contacts/{email_contact['id']}", 404)  # merged away
    # writing by email again, later: the user's contact
    after = file_as_visitor(server, "FAY@example.com")
    again = api(server, "GET", f"/contacts/{joined['id']}")
    assert [t["id"] for t in again["tickets"]] == [after["id"], signed["id"], before["id"]]
    assert again["traits"] == {"plan": "team"}  # a visitor's ticket changes no signed traits


def test_the_contacts_tickets_carry_status_and_rating(server: InProcess) -> None:
    token = user_token(server, "u-9", email="gus@example.com")
    filed = file_as_user(server, token, context={"context_key": "checkout"})
    api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "solved"})
    headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
    rated = server.http.post(
        f"/api/v1/tickets/{filed['id']}/rating",
        json={"score": 5, "comment": "Quick!"},
        headers=headers,
    )
    assert rated.status_code == 201, rated.get_json()
    other = file_as_user(server, token, subject="Another one")
    tickets = contact_of(server, "gus@example.com")["tickets"]
    assert [(t["id"], t["status"], t["rating"]) for t in tickets] == [
        (other["id"], "new", None),
        (filed["id"], "solved", {"score": 5, "comment": "Quick!"}),
    ]
    assert tickets[1]["subject"] == "Export is empty"
    assert tickets[1]["context"]["context_key"] == "checkout"
    assert tickets[1]["created_at"] == filed["created_at"]


def test_another_apps_contact_is_not_found(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    other = app_service.create_app(rt.db, "Other app", [ORIGIN])
    key, _ = app_service.create_key(rt.db, other["id"], "admin", "other admin")
    theirs = {"Authorization": f"Bearer {key}"}
    r = server.http.post(
        "/api/v1/tickets", json={"body": "Hi", "email": "hal@example.com"}, headers=theirs
    )
    assert r.status_code == 201, r.get_json()
    r = server.http.get(
        "/api/v1/contacts", query_string={"email": "hal@example.com"}, headers=theirs
    )
    [contact] = r.get_json()["items"]
    api(server, "GET", f"/contacts/{contact['id']}", 404)
    assert api(server, "GET", "/contacts", query_string={"email": "hal@example.com"}) == {
        "items": []
    }
    assert server.http.get(f"/api/v1/contacts/{contact['id']}", headers=theirs).status_code == 200


def test_the_email_query_is_required_and_end_users_are_refused(server: InProcess) -> None:
    api(server, "GET", "/contacts", 422)
    token = user_token(server, "u-1", email="u@example.com")
    r = server.http.get(
        "/api/v1/contacts",
        query_string={"email": "u@example.com"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code in {401, 403}


def test_the_migration_fills_contacts_from_earlier_tickets(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    visitor = file_as_visitor(server, "ivy@example.com", name="Ivy")
    server.clock.advance(60)
    token = user_token(server, "u-3", email="ivy@example.com", traits={"vip": True})
    signed = file_as_user(server, token)
    staff = api(server, "POST", "/tickets", 201, json={"body": "Hi", "email": "jo@example.com"})
    script = resources.files("support_server").joinpath("migrations/0011_contacts.sql")
    conn = sqlite3.connect(rt.db.path)  # as before migration 0011, then 0011 again
    try:
        conn.executescript(
            "DROP TABLE contact_tickets; DROP TABLE contacts;" + script.read_text(encoding="utf-8")
        )
    finally:
        conn.close()
    ivy = contact_of(server, "ivy@example.com")
    assert (ivy["kind"], ivy["external_id"], ivy["traits"]) == ("user", "u-3", {"vip": True})
    assert [t["id"] for t in ivy["tickets"]] == [signed["id"], visitor["id"]]
    assert ivy["first_seen"] == visitor["created_at"]
    assert ivy["name"] == "Ivy"  # the token named no one; the visitor did
    jo = contact_of(server, "jo@example.com")
    assert (jo["kind"], [t["id"] for t in jo["tickets"]]) == ("email", [staff["id"]])
