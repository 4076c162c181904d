"""Service levels and automation: what rules and policies cost a new ticket, and what SLA
timers cost the worker.

In-process (``create_app`` on a fresh data directory, real SQLite in WAL with
``synchronous=FULL``), two apps in one database:

(a) **Filing, side by side**: ``POST /api/v1/tickets`` through Flask's test client (the whole
    request: auth, validation, the ticket, its event, in one durable transaction), on

    * ``plain``: an app with no rules, policies or teams (the baseline);
    * ``automated``: an app with ``--rules`` (50) ``ticket.created`` rules (conditions on
      context prefix, priority, traits, text; each sets a field or adds a tag, a few match
      each ticket), ``--policies`` (10) SLA policies (the last one matching everything),
      Paris business hours with holidays, and two teams routing by context.

    ``--tickets`` (300) per side per round, alternating sides in batches of 25; one warm-up
    round, then ``--rounds`` (3). p50/p99 per request over every round; rate per round, the
    median round kept; the ratio is automated / plain.

(b) **Timers**: ``--open`` (100,000) open tickets with SLA clocks (rows written directly),
    their due times spread evenly over the next 24 hours. The worker's SLA sweep
    (``rt.sla.sweep``, as ``Lifecycle.tick`` calls it) is run every 10 s of pinned clock for
    ``--minutes`` (10) minutes, as the worker does: the seconds of sweep per minute of clock
    are reported (with the warnings and breaches recorded), beside the baseline of the same
    sweep when nothing is due. Then the **outage** case: the clock jumps 24 hours (every
    worker was down) and sweeps run until every breach is recorded: breaches per second.

    .venv/bin/python benchmarks/service_levels_bench.py [--tickets 300] [--rounds 3]
        [--rules 50] [--policies 10] [--open 100000] [--minutes 10] [--json] [--out FILE]

Nothing is asserted about time; every ticket's outcome is checked (the automated app's
tickets get a policy and a team, the plain app's none).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support_server import bootstrap, clock  # noqa: E402
from support_server.app import create_app  # noqa: E402
from support_server.services import apps as app_service  # noqa: E402

CONTEXTS = ["billing.invoices", "billing.vat", "reports.export", "settings.team", "onboarding"]
PRIORITIES = ["low", "normal", "high", "urgent"]
START = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc).timestamp()  # a Monday


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rules(n: int) -> list[dict[str, Any]]:
    made = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            condition = {"field": "context_key", "op": "starts_with", "value": CONTEXTS[i % 5]}
        elif kind == 1:
            condition = {"field": "priority", "op": "is", "value": PRIORITIES[i % 4]}
        elif kind == 2:
            condition = {"field": "traits.plan", "op": "in", "value": ["pro", "enterprise"]}
        elif kind == 3:
            condition = {"field": "subject", "op": "contains", "value": f"word{i % 7}"}
        else:
            condition = {"field": "app_version", "op": "gte", "value": f"2.{i % 9}.0"}
        action = (
            {"action": "add_tags", "tags": [f"rule{i}"]}
            if i % 2
            else {"action": "set", "field": "priority", "value": PRIORITIES[(i + 1) % 4]}
        )
        made.append(
            {
                "name": f"Rule {i}",
                "when": {"event": "ticket.created"},
                "if": [condition],
                "then": [action],
            }
        )
    return made


def _setup(data_dir: Path, rules: int, policies: int) -> tuple[Any, Any, dict[str, str]]:
    creds = bootstrap.initialise(data_dir, ["http://bench.example"])
    app = create_app(data_dir=data_dir, overrides={"SUPPORT_RATE_LIMITS_ENABLED": False})
    rt = app.extensions["support"]
    second = app_service.create_app(rt.db, "Automated", ["http://bench.example"])
    raw, _ = app_service.create_key(rt.db, second["id"], "admin", "bench")
    keys = {"plain": creds["admin_api_key"], "automated": raw}
    for name in ("maya", "sam", "lee"):
        rt.staff.create_user(name, f"pw-{name}-bench-long", "agent", display_name=name)
    rt.sla.set_business_hours(
        second["id"],
        {
            "timezone": "Europe/Paris",
            "weekly": {
                d: [["09:00", "12:30"], ["13:30", "18:00"]]
                for d in ("mon", "tue", "wed", "thu", "fri")
            },
            "holidays": ["2026-12-25", "2027-01-01"],
        },
    )
    rt.teams.create(
        second["id"], {"name": "Billing", "members": ["maya", "sam"], "contexts": ["billing."]}
    )
    rt.teams.create(second["id"], {"name": "Everyone", "members": ["lee", "maya"]})
    vocabulary = rt.automations.vocabulary_of(second["id"])
    for i in range(policies):
        last = i == policies - 1
        conditions = (
            [] if last else [{"field": "context_key", "op": "starts_with", "value": f"area{i}."}]
        )
        rt.sla.create_policy(
            second["id"],
            {
                "name": f"Policy {i}",
                "if": conditions,
                "targets": {"first_response": 60 + i, "resolution": 480},
            },
            vocabulary,
        )
    for rule in _rules(rules):
        rt.automations.create(second["id"], rule)
    return app, rt, keys


def _file(client: Any, key: str, n: int) -> tuple[float, dict[str, Any]]:
    body = {
        "subject": f"Export word{n % 7} is empty {n}",
        "body": "The CSV export has no rows.",
        "email": f"user{n}@example.com",
        "priority": PRIORITIES[n % 4],
        "context": {"context_key": CONTEXTS[n % 5], "app_version": f"2.{n % 10}.1"},
    }
    started = time.perf_counter()
    r = client.post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {key}"})
    took = time.perf_counter() - started
    assert r.status_code == 201, r.get_json()
    return took, r.get_json()


def filing(app: Any, keys: dict[str, str], tickets: int, rounds: int) -> dict[str, Any]:
    client = app.test_client()
    times: dict[str, list[float]] = {"plain": [], "automated": []}
    rates: dict[str, list[float]] = {"plain": [], "automated": []}
    n = 0
    for round_no in range(rounds + 1):
        spent = {"plain": 0.0, "automated": 0.0}
        for batch in range(tickets // 25):
            order = ["plain", "automated"] if batch % 2 == 0 else ["automated", "plain"]
            for side in order:
                for _ in range(25):
                    n += 1
                    took, out = _file(client, keys[side], n)
                    if side == "automated":
                        assert out["sla"] and out["team"], out
                    else:
                        assert out["sla"] is None and out["team"] is None, out
                    spent[side] += took
                    if round_no:
                        times[side].append(took)
        if round_no:
            for side in spent:
                rates[side].append(tickets / spent[side])
        _say(f"filing round {round_no}{' (warm-up)' if not round_no else ''} done")
    out: dict[str, Any] = {}
    for side in times:
        out[side] = {
            "p50_ms": round(_pct(times[side], 0.5) * 1000, 2),
            "p99_ms": round(_pct(times[side], 0.99) * 1000, 2),
            "per_s": round(statistics.median(rates[side]), 1),
        }
    out["ratio_p50"] = round(out["automated"]["p50_ms"] / out["plain"]["p50_ms"], 2)
    out["ratio_rate"] = round(out["automated"]["per_s"] / out["plain"]["per_s"], 2)
    return out


def _seed_clocks(rt: Any, app_id: str, count: int, now: float) -> None:
    iso = clock.iso
    with rt.db.write() as conn:
        policy = conn.execute(
            "SELECT id, name FROM sla_policies WHERE app_id = ? LIMIT 1", (app_id,)
        ).fetchone()
        base = conn.execute("SELECT COALESCE(MAX(id), 0) FROM tickets").fetchone()[0]
        tickets = []
        clocks = []
        for i in range(count):
            tid = base + i + 1
            due = now + 86400 * (i + 1) / count
            tickets.append(
                (
                    tid,
                    f"tkt_bench{tid:010d}",
                    app_id,
                    "visitor",
                    f"v{i}",
                    "Timer",
                    "x",
                    "open",
                    "normal",
                    "api",
                    iso(now),
                    iso(now),
                )
            )
            clocks.append(
                (
                    tid,
                    policy[0],
                    policy[1],
                    json.dumps({"first_response": 60, "next_response": None, "resolution": None}),
                    iso(due),
                    iso(due),
                    iso(due - 720),
                    iso(now),
                )
            )
        conn.executemany(
            "INSERT INTO tickets (id, public_id, app_id, requester_kind, requester_id, subject,"
            " body, status, priority, source, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tickets,
        )
        conn.executemany(
            "INSERT INTO ticket_sla (ticket_id, policy_id, policy_name, targets,"
            " first_response_due, next_due, next_check, running_since)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            clocks,
        )


def timers(rt: Any, app_id: str, count: int, minutes: int) -> dict[str, Any]:
    from support_server.store import tickets as ticket_store

    now = START
    with clock.pinned(now):
        _seed_clocks(rt, app_id, count, now)
    present: Callable[..., Any] = rt.tickets.agent_view
    get = ticket_store.ticket_by_row_id

    def sweep_at(ts: float) -> tuple[float, int]:
        with clock.pinned(ts):
            started = time.perf_counter()
            recorded = rt.sla.sweep(present, get)
            return time.perf_counter() - started, recorded

    # baseline: the same sweep with nothing due (the clock before the first check)
    idle = [sweep_at(now - 3600)[0] for _ in range(6 * minutes)]
    busy: list[float] = []
    recorded = 0
    per_minute: list[float] = []
    for minute in range(minutes):
        spent = 0.0
        for tick in range(6):
            took, n = sweep_at(now + minute * 60 + tick * 10)
            spent += took
            recorded += n
            busy.append(took)
        per_minute.append(spent)
    _say(f"timers: {minutes} minutes swept, {recorded} recorded")
    # the outage: 24 hours later, everything fell due
    outage_started = time.perf_counter()
    breaches = 0
    while True:
        _, n = sweep_at(now + 86400 + 60)
        if n == 0:
            break
        breaches += n
    outage = time.perf_counter() - outage_started
    with rt.db.read() as conn:
        total = conn.execute("SELECT COUNT(*) FROM sla_events WHERE kind = 'breach'").fetchone()[0]
    assert total >= count * 0.99, total
    return {
        "open_tickets": count,
        "sweep_seconds_per_minute_median": round(statistics.median(per_minute), 4),
        "sweep_ms_p50": round(_pct(busy, 0.5) * 1000, 2),
        "sweep_ms_p99": round(_pct(busy, 0.99) * 1000, 2),
        "idle_sweep_ms_p50": round(_pct(idle, 0.5) * 1000, 3),
        "recorded_in_window": recorded,
        "outage_breaches": breaches,
        "outage_seconds": round(outage, 1),
        "outage_breaches_per_s": round(breaches / outage, 1) if outage else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--policies", type=int, default=10)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sla-bench-") as tmp:
        app, rt, keys = _setup(Path(tmp) / "data", args.rules, args.policies)
        automated_app = next(
            a["id"] for a in app_service.list_apps(rt.db) if a["name"] == "Automated"
        )
        report = {
            "machine": {"cpus": os.cpu_count()},
            "filing": filing(app, keys, args.tickets, args.rounds),
            "timers": timers(rt, automated_app, args.open, args.minutes),
        }
        rt.index.close()
        rt.db.close()
    if args.out:
        args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    f, t = report["filing"], report["timers"]
    print(f"filing ({args.rules} rules, {args.policies} policies, 2 teams) vs plain:")
    for side in ("plain", "automated"):
        row = f[side]
        print(
            f"  {side:<10} p50 {row['p50_ms']:>7} ms  p99 {row['p99_ms']:>7} ms"
            f"  {row['per_s']:>7}/s"
        )
    print(f"  ratio p50 {f['ratio_p50']}x, rate {f['ratio_rate']}x")
    print(f"timers over {t['open_tickets']} open tickets:")
    print(
        f"  sweep per minute of clock: {t['sweep_seconds_per_minute_median']} s"
        f" (per sweep p50 {t['sweep_ms_p50']} ms, p99 {t['sweep_ms_p99']} ms;"
        f" nothing due: {t['idle_sweep_ms_p50']} ms)"
    )
    print(
        f"  outage (24 h of breaches at once): {t['outage_breaches']} in"
        f" {t['outage_seconds']} s = {t['outage_breaches_per_s']}/s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
