"""Signed traits: the claims a host app's backend puts in a user token reach agents with the
ticket as it was filed, never the requester, and older databases gain them empty."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import itsdangerous
import pytest
import requests

from support_sdk import SupportClient
from support_server.store import Database
from support_server.store import tickets as ticket_store

from ..conftest import LiveServer
from ..servers import ServerProcess, create_staff_key, init_data_dir

API = "/api/v1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, str]]:
    data_dir = tmp_path_factory.mktemp("traits") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    agent = create_staff_key(data_dir, "agent", creds["app_id"])
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds), agent


def get(server: LiveServer, path: str, credential: str) -> dict[str, Any]:
    response = requests.get(
        server.url + API + path, headers={"Authorization": f"Bearer {credential}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def file(server: LiveServer, credential: str | None, **body: Any) -> dict[str, Any]:
    headers = {"X-Support-App": server.app_id}
    if credential:
        headers["Authorization"] = f"Bearer {credential}"
    response = requests.post(
        server.url + API + "/tickets",
        json={"body": "Export fails 😬", **body},
        headers=headers,
        timeout=10,
    )
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


TRAITS = {"plan": "pro", "seats": 12, "admin": True, "trial_ends": None, "mrr": 49.5}


def test_signed_traits_reach_agents_and_never_the_requester(
    server: tuple[LiveServer, str],
) -> None:
    live, agent = server
    token = live.client().user_token("u-traits", email="t@example.com", traits=TRAITS)
    filed = file(live, token, context={"custom": {"plan": "enterprise"}})
    assert "traits" not in filed  # the requester's own copy
    assert "traits" not in get(live, f"/tickets/{filed['id']}", token)
    assert all("traits" not in t for t in get(live, "/tickets", token)["items"])

    seen = get(live, f"/tickets/{filed['id']}", agent)
    assert seen["traits"] == TRAITS
    assert seen["context"]["custom"] == {"plan": "enterprise"}  # what the browser said, apart
    listed = next(t for t in get(live, "/tickets", agent)["items"] if t["id"] == filed["id"])
    assert listed["traits"] == TRAITS
    with SupportClient(live.url, app_id=live.app_id, api_key=agent) as staff:
        assert dict(staff.ticket(filed["id"]).traits) == TRAITS  # the SDK's model keeps them


def test_traits_are_those_signed_when_the_ticket_was_filed(
    server: tuple[LiveServer, str],
) -> None:
    live, agent = server
    client = live.client()
    filed = file(live, client.user_token("u-upgrade", traits={"plan": "free"}))
    later = client.user_token("u-upgrade", traits={"plan": "pro"})
    client.reply(filed["id"], "I upgraded meanwhile.", user_token=later)
    assert get(live, f"/tickets/{filed['id']}", agent)["traits"] == {"plan": "free"}


def test_visitors_and_staff_have_no_signed_traits(server: tuple[LiveServer, str]) -> None:
    live, agent = server
    visitor = file(live, None, email="visitor@example.com", context={"custom": {"plan": "pro"}})
    on_behalf = file(live, agent, email="caller@example.com")
    for ticket in (visitor, on_behalf):
        assert get(live, f"/tickets/{ticket['id']}", agent)["traits"] == {}


def test_nested_traits_from_another_minter_are_kept_as_their_json(
    server: tuple[LiveServer, str],
) -> None:
    """A backend that mints tokens without the SDK may nest a trait: kept, flattened to text."""
    live, agent = server
    claims = {
        "app": live.app_id,
        "sub": "u-nested",
        "exp": int(time.time()) + 600,
        "traits": {"plan": "pro", "flags": ["beta", "sso"], "org": {"id": 7}},
    }
    signer = itsdangerous.URLSafeTimedSerializer(live.app_secret, salt="support-sdk.user-token.v1")
    filed = file(live, "ut_" + signer.dumps(claims))
    assert get(live, f"/tickets/{filed['id']}", agent)["traits"] == {
        "plan": "pro",
        "flags": '["beta", "sso"]',
        "org": '{"id": 7}',
    }


def test_the_openapi_document_describes_traits(server: tuple[LiveServer, str]) -> None:
    live, _ = server
    spec = requests.get(live.url + API + "/openapi.json", timeout=10).json()
    traits = spec["components"]["schemas"]["TicketOut"]["properties"]["traits"]
    assert traits["type"] == "object" and traits["readOnly"] is True
    assert "Agents only" in traits["description"] and "signed" in traits["description"]


def test_an_old_database_gains_empty_traits(tmp_path: Path) -> None:
    path = tmp_path / "support.db"
    migrations = resources.files("support_server").joinpath("migrations")
    conn = sqlite3.connect(path)
    for name in ("0001_initial.sql", "0002_article_listing_index.sql", "0003_staff_web.sql"):
        conn.executescript(migrations.joinpath(name).read_text())
    conn.execute("PRAGMA user_version = 3")
    conn.execute(
        "INSERT INTO apps (id, name, secrets, created_at) VALUES ('app_1', 'Old', '[\"s\"]', 'now')"
    )
    conn.execute(
        "INSERT INTO tickets (public_id, app_id, requester_kind, requester_id, subject, body,"
        " status, priority, source, created_at, updated_at) VALUES ('tkt_old', 'app_1', 'user',"
        " 'u1', 'Old', 'Filed before traits', 'new', 'normal', 'api', 'now', 'now')"
    )
    conn.commit()
    conn.close()

    db = Database(path)
    assert db.migrate() >= 4
    with db.read() as read:
        old = ticket_store.get_ticket(read, "app_1", "tkt_old")
    assert old is not None and old["traits"] == {} and old["body"] == "Filed before traits"
