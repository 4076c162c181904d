"""The agent's ticket page for a long-standing customer: what 500 tickets and 50 attachments
of one contact cost the page (its Customer card lists the person's other tickets), side by
side with today's page for a customer with one ticket.

In-process (``create_app`` on a fresh data directory, real SQLite in WAL with
``synchronous=FULL``), one app, two contacts in the same database:

* ``heavy``: a signed-in user with ``--tickets`` (500) tickets, each with a customer message,
  an agent reply and an internal note, filed and answered through the ticket service (so
  contacts, events and SLA state are what the server leaves), and ``--attachments`` (50)
  small PNGs in message_attachments (``store.tickets.insert_attachment``), 5 of them on the
  measured ticket (its newest) and the rest spread over the person's other tickets;
* ``single``: a user with one ticket and no attachment (the baseline: today's page).

Measured through Flask's test client, the whole request each time:

(a) **Ticket page**: ``GET /admin/tickets/<id>``, signed in as an agent (session cookie);
(b) **API**: ``GET /api/v1/tickets/<id>`` with an agent's API key.

``--requests`` (40) per side per round, alternating sides in batches of 10; one warm-up
round, then ``--rounds`` (5). p50/p99 per request over every round; the ratio is heavy /
single, of the medians (each round's, and their median: the two sides share every moment of
load). The load average is recorded at the start and the end. ``--profile`` prints a
cProfile of the heavy page; ``--quick`` is a small run for the test suite (40 tickets, 10
attachments, 1 round of 4 requests).

    .venv/bin/python benchmarks/ticket_page_bench.py [--tickets 500] [--attachments 50]
        [--requests 40] [--rounds 5] [--profile] [--quick] [--json] [--out FILE]

Nothing is asserted about time; each answer is checked (status 200, the Customer card and
the ticket's attachments on the page, the attachment count in the API's answer).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import re
import sqlite3
import statistics
import struct
import sys
import tempfile
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support_server import bootstrap  # noqa: E402
from support_server.app import create_app  # noqa: E402
from support_server.ids import new_id  # noqa: E402
from support_server.principal import Principal  # noqa: E402
from support_server.services import apps as app_service  # noqa: E402
from support_server.store import tickets as ticket_store  # noqa: E402

PASSWORD = "bench password long enough"
ORIGIN = "http://bench.example"
SIDES = ("heavy", "single")
BATCH = 10
ON_TICKET = 5  # of the attachments, those on the measured ticket


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def png(seed: int, side: int = 8) -> bytes:
    """A small valid PNG (``side`` x ``side``, one colour from ``seed``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixel = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    rows = b"".join(b"\x00" + pixel * side for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Desk:
    """The app, an agent signed in to /admin, and an agent API key."""

    def __init__(self, data_dir: Path) -> None:
        creds = bootstrap.initialise(data_dir, [ORIGIN], name="Bench Shop")
        self.app = create_app(data_dir=data_dir, overrides={"SUPPORT_RATE_LIMITS_ENABLED": False})
        self.app.config["TESTING"] = True
        self.rt = self.app.extensions["support"]
        self.app_id: str = creds["app_id"]
        self.rt.staff.create_user("ana", PASSWORD, "agent", display_name="Ana Agent")
        self.key, _ = app_service.create_key(self.rt.db, self.app_id, "agent", "bench")
        self.agent = Principal(app_id=self.app_id, kind="staff", id="ana", name="Ana", role="agent")
        self.page = self.app.test_client()
        self.api = self.app.test_client()
        self._sign_in()

    def _sign_in(self) -> None:
        form = self.page.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="login_token" value="([^"]+)"', form)
        assert token, "no login form"
        signed = self.page.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": "ana", "password": PASSWORD},
            headers={"Origin": "http://localhost"},
        )
        assert signed.status_code == 303, signed.get_data(as_text=True)

    def close(self) -> None:
        self.rt.index.close()
        self.rt.db.close()

    # -- data, through the services and the store --------------------------------------------
    def customer(self, user_id: str, tickets: int) -> list[str]:
        """File ``tickets`` tickets for one signed-in user, each answered and noted; returns
        their public ids, oldest first."""
        person = Principal(
            app_id=self.app_id,
            kind="user",
            id=user_id,
            email=f"{user_id}@example.com",
            name=f"Customer {user_id}",
            traits={"plan": "pro", "seats": 12},
        )
        made = []
        for n in range(tickets):
            data = {
                "subject": f"Export number {n} is empty",
                "body": f"The CSV export of report {n} has no rows. " * 4,
                "context": {
                    "url": f"https://app.example/reports/{n % 25}",
                    "title": f"Report {n % 25}",
                    "context_key": "reports.export",
                    "app_version": "3.2.1",
                },
            }
            status, ticket, _ = self.rt.tickets.create(
                person,
                data,
                source="api",
                idempotency_key=None,
                fingerprint="",
                scope=person.key,
            )
            assert status == 201, ticket
            self.rt.tickets.reply(self.agent, ticket["id"], "Could you send a screenshot?", False)
            self.rt.tickets.reply(person, ticket["id"], "Here it is, see attached.", False)
            self.rt.tickets.reply(self.agent, ticket["id"], "Looks like the old filter.", True)
            made.append(str(ticket["id"]))
            if n and n % 100 == 0:
                _say(f"  {user_id}: {n} tickets")
        return made

    def attach(self, ticket_ids: list[str], count: int, on_last: int) -> None:
        """``count`` PNGs in message_attachments: ``on_last`` on the last ticket's customer
        message, the rest spread evenly over the others."""
        spread = ticket_ids[:-1] or ticket_ids
        with self.rt.db.write() as conn:
            for n in range(count):
                public_id = ticket_ids[-1] if n < on_last else spread[n * len(spread) // count]
                ticket = ticket_store.get_ticket(conn, self.app_id, public_id)
                assert ticket is not None
                message = conn.execute(
                    "SELECT id, created_at FROM ticket_messages WHERE ticket_id = ?"
                    " AND author_kind = 'requester' ORDER BY id LIMIT 1",
                    (ticket["id"],),
                ).fetchone()
                ticket_store.insert_attachment(
                    conn,
                    {
                        "public_id": new_id("att_"),
                        "ticket_id": ticket["id"],
                        "message_id": message["id"],
                        "filename": f"screenshot-{n}.png",
                        "content_type": "image/png",
                        "declared_type": "image/png",
                        "data": png(n),
                        "inline": False,
                        "content_id": None,
                        "note": "",
                        "created_at": message["created_at"],
                    },
                )


def _get(client: Any, path: str, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(path, **kwargs)
    took = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return took, response


def _check_page(response: Any, files: int) -> None:
    page = response.get_data(as_text=True)
    assert "data-customer" in page, "no Customer card"
    assert page.count("screenshot-") >= files, "the ticket's attachments are not on the page"


def _check_api(response: Any, files: int) -> None:
    ticket = response.get_json()
    shown = sum(len(m.get("attachments") or []) for m in ticket["messages"])
    assert shown + len(ticket.get("attachments") or []) == files, ticket["id"]


def _per_side(surfaces: dict[str, Any]) -> dict[str, dict[str, list[float]]]:
    return {surface: {side: [] for side in SIDES} for surface in surfaces}


def measure(
    desk: Desk, tickets: dict[str, str], files: dict[str, int], requests: int, rounds: int
) -> dict[str, Any]:
    """Both surfaces, both sides, interleaved in batches, one warm-up round first."""
    surfaces = {
        "page": (desk.page, "/admin/tickets/{}", {}, _check_page),
        "api": (
            desk.api,
            "/api/v1/tickets/{}",
            {"headers": {"Authorization": f"Bearer {desk.key}"}},
            _check_api,
        ),
    }
    times, medians = _per_side(surfaces), _per_side(surfaces)
    for round_no in range(rounds + 1):
        spent = _per_side(surfaces)
        for batch in range(max(1, requests // BATCH)):
            order = SIDES if batch % 2 == 0 else SIDES[::-1]
            for surface, (client, path, kwargs, check) in surfaces.items():
                for side in order:
                    for _ in range(min(BATCH, requests)):
                        took, response = _get(client, path.format(tickets[side]), **kwargs)
                        spent[surface][side].append(took)
                    check(response, files[side])
        if round_no:
            for surface in surfaces:
                for side in SIDES:
                    times[surface][side] += spent[surface][side]
                    medians[surface][side].append(statistics.median(spent[surface][side]))
        _say(f"round {round_no}{' (warm-up)' if not round_no else ''} done")
    out: dict[str, Any] = {}
    for surface in surfaces:
        figures: dict[str, Any] = {}
        for side in SIDES:
            figures[side] = {
                "p50_ms": round(_pct(times[surface][side], 0.5) * 1000, 2),
                "p99_ms": round(_pct(times[surface][side], 0.99) * 1000, 2),
                "requests": len(times[surface][side]),
            }
        ratios = [
            h / s
            for h, s in zip(medians[surface]["heavy"], medians[surface]["single"], strict=True)
        ]
        figures["ratio_p50"] = round(statistics.median(ratios), 2)
        figures["ratio_p50_by_round"] = [round(r, 2) for r in ratios]
        out[surface] = figures
    return out


def profile(desk: Desk, ticket_id: str, requests: int = 20) -> str:
    """A cProfile of the heavy ticket page, the 25 costliest functions by cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        _get(desk.page, f"/admin/tickets/{ticket_id}")
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
    return text.getvalue()


def environment() -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "loadavg_at_start": os.getloadavg(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--attachments", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--quick", action="store_true", help="a small run, for the test suite")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.attachments, args.requests, args.rounds = 40, 10, 4, 1
    report: dict[str, Any] = {"environment": environment()}
    with tempfile.TemporaryDirectory(prefix="ticket-page-bench-") as tmp:
        desk = Desk(Path(tmp) / "data")
        try:
            started = time.perf_counter()
            heavy = desk.customer("longtime", args.tickets)
            desk.attach(heavy, args.attachments, min(ON_TICKET, args.attachments))
            single = desk.customer("newcomer", 1)
            _say(f"data written in {time.perf_counter() - started:.1f} s")
            report["data"] = {
                "heavy": {"tickets": args.tickets, "attachments": args.attachments},
                "single": {"tickets": 1, "attachments": 0},
                "measured_ticket_attachments": {
                    "heavy": min(ON_TICKET, args.attachments),
                    "single": 0,
                },
            }
            files = {"heavy": min(ON_TICKET, args.attachments), "single": 0}
            report.update(
                measure(
                    desk,
                    {"heavy": heavy[-1], "single": single[-1]},
                    files,
                    args.requests,
                    args.rounds,
                )
            )
            if args.profile:
                print(profile(desk, heavy[-1]), file=sys.stderr)
        finally:
            desk.close()
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(
        f"ticket of a contact with {args.tickets} tickets and {args.attachments} attachments"
        " (heavy) vs one ticket, none (single):"
    )
    for surface, label in (
        ("page", "GET /admin/tickets/<id>"),
        ("api", "GET /api/v1/tickets/<id>"),
    ):
        row = report[surface]
        print(f"  {label}")
        for side in SIDES:
            print(f"    {side:<7} p50 {row[side]['p50_ms']:>7} ms  p99 {row[side]['p99_ms']:>7} ms")
        print(f"    ratio of medians heavy / single: {row['ratio_p50']}x")
    env = report["environment"]
    print(f"  load average: {env['loadavg_at_start']} at start, {env['loadavg_at_end']} at end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
