"""Text stored before the edge refused lone surrogates can never break a page: the inbox and
the ticket page show U+FFFD in their place instead of answering 500 on every load."""

from __future__ import annotations

import sqlite3
from typing import Any

from ..conftest import LiveServer


def test_a_ticket_stored_with_lone_surrogates_still_opens(web: LiveServer, staff: Any) -> None:
    ticket = web.writer().create_ticket(
        "Export is broken", email="old@example.com", context={"title": "placeholder"}
    )
    with sqlite3.connect(web.data_dir / "support.db") as db:  # as an older version stored it
        db.execute(
            "UPDATE tickets SET context = ?, tags = ? WHERE public_id = ?",
            (
                '{"title": "Report \\ud83d", "custom": {"\\udc00k": "v\\ud800"}}',
                '["bad\\udfff"]',
                ticket.id,
            ),
        )
    agent = staff("agent")
    page = agent.get(f"/admin/tickets/{ticket.id}")
    assert page.status_code == 200, page.text[:500]
    assert "Report \ufffd" in page.text
    inbox = agent.get("/admin/tickets/?view=all&q=Export+is+broken")
    assert inbox.status_code == 200
    assert web.writer().ticket(ticket.id).context["title"] == "Report \ufffd"
