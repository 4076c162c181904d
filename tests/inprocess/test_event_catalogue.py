"""docs/webhooks.md's event catalogue against real events: every type the server knows has a
section, and each example payload has exactly the keys (at every depth) of the event a real
run of the API writes to the outbox, which is the body the worker signs and POSTs.

``SUPPORT_EVENT_EXAMPLES=FILE`` writes the captured payloads to FILE (to refresh the doc)."""

from __future__ import annotations

import json
import os
import re
from typing import Any

from support_sdk.tokens import mint_user_token
from support_server.services.outbox import EVENT_TYPES
from support_server.services.webhooks import TEST_EVENT

from ..conftest import ROOT
from .conftest import InProcess

DOC = ROOT / "docs" / "webhooks.md"
# In the catalogue for what is coming; no part of the server writes them yet.
NOT_YET_SENT = {"ticket.merged", "sla.warning", "sla.breached"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    found: dict[str, Any] = response.get_json()
    return found


def capture(server: InProcess) -> dict[str, dict[str, Any]]:
    """Do what makes each event happen, through the API; the last payload of each type."""
    http, admin = server.http, server.staff_headers()
    rt = server.app.extensions["support"]
    user = {
        "Authorization": "Bearer "
        + mint_user_token(
            server.app_id,
            server.creds["app_secret"],
            "u-42",
            email="grace@example.com",
            name="Grace Hopper",
        )
    }
    endpoint = (
        _ok(
            http.post(
                "/api/v1/webhooks",
                json={"url": "https://127.0.0.1/support", "events": ["*"]},
                headers=admin,
            ),
            201,
        )
        if rt.webhooks.allow_private
        else None
    )
    ticket = _ok(
        http.post(
            "/api/v1/tickets",
            json={
                "subject": "Export is empty",
                "body": "The CSV export has no rows.",
                "context": {"url": "https://app.example.com/reports", "app_version": "2.3.1"},
            },
            headers=user,
        ),
        201,
    )
    _ok(
        http.post(
            f"/api/v1/tickets/{ticket['id']}/messages",
            json={"body": "Thanks, we are on it."},
            headers=admin,
        ),
        201,
    )
    _ok(
        http.patch(
            f"/api/v1/tickets/{ticket['id']}",
            json={"status": "solved", "priority": "high"},
            headers=admin,
        )
    )
    _ok(
        http.post(
            f"/api/v1/tickets/{ticket['id']}/rating",
            json={"score": 5, "comment": "Quick and kind"},
            headers=user,
        ),
        201,
    )
    article = _ok(
        http.post(
            "/api/v1/articles",
            json={"title": "Export to CSV", "body": "Open **Reports**.", "status": "published"},
            headers=admin,
        ),
        201,
    )
    _ok(
        http.patch(
            f"/api/v1/articles/{article['id']}",
            json={"title": "Export reports to CSV"},
            headers=admin,
        )
    )
    _ok(
        http.post(
            f"/api/v1/help/articles/{article['slug']}/feedback",
            json={"helpful": False, "comment": "No word on Excel"},
            headers=user,
        ),
        201,
    )
    rt.articles.set_status(server.app_id, article["id"], "archived", "Ada Admin")
    issue = _ok(
        http.post(
            "/api/v1/known-issues",
            json={
                "title": "CSV export is empty",
                "message": "We are fixing it.",
                "contexts": ["reports.export"],
                "app_versions": ["2.3.1"],
                "ticket_ids": [ticket["id"]],
            },
            headers=admin,
        ),
        201,
    )
    _ok(
        http.patch(
            f"/api/v1/known-issues/{issue['id']}",
            json={"status": "resolved", "resolution": "Fixed in 2.3.2."},
            headers=admin,
        )
    )
    if endpoint is not None:
        _ok(http.post(f"/api/v1/webhooks/{endpoint['id']}/test", headers=admin), 202)
    with rt.db.read() as conn:
        rows = conn.execute("SELECT type, payload FROM outbox_events ORDER BY id").fetchall()
    return {row[0]: json.loads(row[1]) for row in rows}


def shape(value: Any) -> Any:
    """The keys of ``value`` at every depth (lists by their first item)."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [shape(value[0])]
    return None


def doc_examples() -> dict[str, dict[str, Any]]:
    text = DOC.read_text(encoding="utf-8")
    return {
        name: json.loads(body)
        for name, body in re.findall(r"<!-- example:([\w.]+) -->\n```json\n(.*?)```", text, re.S)
    }


def test_every_event_type_has_a_section_in_the_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    headings = set(re.findall(r"^### `([\w.]+)`", text, re.M))
    assert headings == {*EVENT_TYPES, TEST_EVENT}


def test_the_doc_examples_have_the_keys_of_real_events(server: InProcess) -> None:
    server.app.extensions["support"].webhooks.allow_private = True  # no DNS for the test URL
    real = capture(server)
    if os.environ.get("SUPPORT_EVENT_EXAMPLES"):
        with open(os.environ["SUPPORT_EVENT_EXAMPLES"], "w", encoding="utf-8") as out:
            json.dump(real, out, indent=2, ensure_ascii=False)
    assert set(real) == {*EVENT_TYPES, TEST_EVENT} - NOT_YET_SENT
    documented = doc_examples()
    for type, payload in real.items():
        assert type in documented, f"docs/webhooks.md has no example for {type}"
        assert shape(documented[type]) == shape(payload), type
        assert documented[type]["type"] == type
