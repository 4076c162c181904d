"""The job runner and webhook delivery in process, with a pinned clock and a real HTTP
receiver: leases and fencing, retries on the schedule, rotation, auto-disable, SSRF rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from support_sdk import webhooks as sdk_webhooks
from support_server.errors import ValidationFailed
from support_server.services import apps as app_service
from support_server.services import outbound, webhooks
from tests.worker.receivers import Receiver, http_receiver

from .conftest import InProcess


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


@pytest.fixture
def rt(server: InProcess) -> Any:
    runtime = server.app.extensions["support"]
    runtime.webhooks.allow_private = True  # the receiver is on 127.0.0.1
    # these tests count webhook jobs: no acknowledgement mail to the requester among them
    app_service.set_mail_settings(runtime.db, server.app_id, acknowledge=False)
    return runtime


def _drain(rt: Any, name: str = "w1") -> int:
    runner = rt.job_runner(name)
    ran = 0
    while runner.run_one():
        ran += 1
    return ran


def _file(server: InProcess, body: str = "Help") -> dict[str, Any]:
    r = server.http.post(
        "/api/v1/tickets",
        json={"body": body, "email": "ana@example.com"},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def test_an_event_is_delivered_once_signed_and_the_job_is_done(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    _file(server)
    assert _drain(rt) == 2  # the fan-out, then the delivery
    (got,) = receiver.requests
    Webhook(endpoint["secret"]).verify(got.body, got.headers)
    assert got.headers["user-agent"].startswith("SupportSDK-Webhooks/")
    assert _drain(rt) == 0  # nothing left, nothing sent twice
    items, _ = rt.webhooks.deliveries(server.app_id, endpoint["id"], cursor=None, limit=10)
    assert [d["state"] for d in items] == ["delivered"]


def test_a_second_worker_cannot_take_a_leased_job_until_the_lease_runs_out(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    _file(server)
    first, second = rt.job_runner("first"), rt.job_runner("second")
    job = first.claim()
    assert job is not None and job["kind"] == "fanout"
    assert second.claim() is None  # leased to the first
    server.clock.advance(first.lease + 1)  # the first worker "died"
    taken = second.claim()
    assert taken is not None and taken["id"] == job["id"]
    first.run(job)  # the late first worker: fenced off, its fan-out is not recorded
    second.run(taken)
    assert _drain(rt, "second") == 1  # exactly one delivery job came of the fan-out
    assert len(receiver.requests) == 1


def test_failures_follow_the_retry_schedule_with_the_same_webhook_id(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    receiver.script = [503, 500]
    rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["ticket.created"]})
    _file(server)
    _drain(rt)
    assert len(receiver.requests) == 1  # the next attempt waits ~5 s
    server.clock.advance(4)
    assert _drain(rt) == 0
    server.clock.advance(2)  # 6 s: past 5 s plus jitter (10 %)
    assert _drain(rt) == 1
    server.clock.advance(300 * 1.1 + 1)
    assert _drain(rt) == 1
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert len(receiver.requests) == 3 and len(ids) == 1


def test_every_attempt_failing_for_five_days_switches_the_endpoint_off_and_tells_admins(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    receiver.script = [500] * 100
    rt.staff.create_user("boss", "correct horse battery", "admin", email="boss@example.com")
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    for _ in range(6):  # a ticket a day, each failing
        _file(server)
        _drain(rt)
        server.clock.advance(86400)
        _drain(rt)
    found = rt.webhooks.get(server.app_id, endpoint["id"])
    assert found["enabled"] is False and "switched off" in found["disabled_reason"]
    mails = rt.mailer.sent([server.app_id])
    assert [m["kind"] for m in mails if m["to_address"] == "boss@example.com"].count(
        "webhook_disabled"
    ) == 1
    before = len(receiver.requests)
    _file(server)
    _drain(rt)
    assert len(receiver.requests) == before  # nothing more is sent to it


def test_a_rotated_secret_signs_beside_the_old_one_for_a_day(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    old = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})["secret"]
    new = rt.webhooks.rotate_secret(server.app_id, rt.webhooks.endpoints(server.app_id)[0]["id"])
    assert new["secret"] != old
    _file(server)
    _drain(rt)
    got = receiver.requests[-1]
    assert len(got.headers["webhook-signature"].split(" ")) == 2
    sdk_webhooks.verify(got.body, got.headers, old)
    sdk_webhooks.verify(got.body, got.headers, new["secret"])
    server.clock.advance(webhooks.ROTATION_GRACE + 1)
    _file(server)
    _drain(rt)
    got = receiver.requests[-1]
    # one signature now, by the new secret (checked directly: the pinned clock is a day
    # ahead of the real one, so verify() would call the timestamp too new)
    stamp = datetime.fromtimestamp(int(got.headers["webhook-timestamp"]), tz=timezone.utc)
    expected = Webhook(new["secret"]).sign(got.headers["webhook-id"], stamp, got.body.decode())
    assert got.headers["webhook-signature"] == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",  # not https
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data",  # the cloud metadata address
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::127.0.0.1]/hook",  # IPv4-compatible
        "https://[::ffff:0:7f00:1]/hook",  # SIIT
        "https://[64:ff9b::a00:1]/hook",  # NAT64 to 10.0.0.1
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "https://[fec0::1]/hook",  # site-local
        "https://0177.0.0.1/hook",  # octal loopback
        "https://2130706433/hook",  # decimal loopback
        "https://localhost/hook",
        "https://user:pass@example.com/hook",
        "ftp://example.com/hook",
        "https:///nohost",
    ],
)
def test_unsafe_urls_are_refused_at_creation_with_a_reason(server: InProcess, url: str) -> None:
    r = server.http.post(
        "/api/v1/webhooks",
        json={"url": url, "events": ["*"]},
        headers=server.staff_headers(),
    )
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["details"]["url"]


def test_an_address_that_turns_private_after_creation_is_refused_at_delivery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: the name resolved to a public address when saved, to loopback now."""
    monkeypatch.setattr(
        outbound.socket,
        "getaddrinfo",
        lambda *a, **k: [(2, 1, 6, "", ("127.0.0.1", 443))],
    )
    answer = outbound.post("https://hooks.example.com/x", b"{}", {}, allow_private=False)
    assert answer.status_code is None and "loopback" in (answer.error or "")


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name resolves to one public address (this machine has no DNS)."""
    monkeypatch.setattr(
        outbound.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 443))]
    )


def test_unknown_events_and_missing_fields_are_clear_errors(
    server: InProcess, rt: Any, public_dns: None
) -> None:
    with pytest.raises(ValidationFailed, match="unknown event type"):
        rt.webhooks.create(server.app_id, {"url": "https://example.com", "events": ["nope"]})
    r = server.http.post("/api/v1/webhooks", json={"events": ["*"]}, headers=server.staff_headers())
    assert r.status_code == 422 and "url" in r.get_json()["error"]["details"]


def test_only_admin_keys_manage_webhooks_and_apps_never_see_each_others(
    server: InProcess, rt: Any, public_dns: None
) -> None:
    endpoint = rt.webhooks.create(server.app_id, {"url": "https://example.com/h", "events": ["*"]})
    assert server.http.get("/api/v1/webhooks").status_code == 401
    other = rt.webhooks.endpoints("app_other")
    assert other == []
    with pytest.raises(Exception, match="no such webhook"):
        rt.webhooks.get("app_other", endpoint["id"])


@pytest.mark.parametrize(
    ("delay", "drip", "error"),
    [(3.0, 0.0, "no answer within 1 s"), (0.0, 0.3, "no complete answer within 2 s")],
)
def test_a_slow_or_dripping_receiver_is_bounded_and_recorded(
    server: InProcess, rt: Any, receiver: Receiver, delay: float, drip: float, error: str
) -> None:
    receiver.delay, receiver.drip = delay, drip
    rt.webhooks.timeout = 1.0
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    _file(server)
    _drain(rt)
    (delivery,), _ = rt.webhooks.deliveries(server.app_id, endpoint["id"], cursor=None, limit=5)
    (attempt,) = delivery["attempts"]
    assert attempt["error"] == error and attempt["status_code"] is None
    assert attempt["duration_ms"] < 2500
    assert delivery["state"] == "failing"  # and retried on the schedule


def test_retry_of_a_failing_delivery_moves_its_schedule_instead_of_starting_a_second_one(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    """ "Retry" on a delivery that still waits for its next attempt sends it now; the waiting
    attempt must not also run later, or the delivery has two schedules from then on (twice
    the requests, its attempts used up twice as fast)."""
    receiver.script = [500, 500, 500, 500]
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    delivery = rt.webhooks.send_test(server.app_id, endpoint["id"])
    assert _drain(rt) == 1  # the first attempt fails; the next waits ~5 s
    rt.webhooks.retry(server.app_id, endpoint["id"], delivery["id"])
    assert _drain(rt) == 1  # the retry, now: fails again, next in ~5 s
    assert len(receiver.requests) == 2
    server.clock.advance(6)
    assert _drain(rt) == 1  # one attempt falls due, not two
    assert len(receiver.requests) == 3
    with rt.db.read() as conn:
        (waiting,) = conn.execute(
            "SELECT count(*) FROM jobs WHERE kind = 'webhook' AND state != 'done'"
        ).fetchone()
    assert waiting == 1


def test_a_too_long_description_is_refused_on_change_as_on_creation(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    """Not cut short in silence: the admin's edit form and the service say what is wrong."""
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    too_long = "x" * (webhooks.MAX_DESCRIPTION + 1)
    for attempt in (
        lambda: rt.webhooks.create(
            server.app_id, {"url": receiver.url, "events": ["*"], "description": too_long}
        ),
        lambda: rt.webhooks.update(server.app_id, endpoint["id"], {"description": too_long}),
    ):
        with pytest.raises(ValidationFailed) as caught:
            attempt()
        assert "description" in caught.value.details
    assert rt.webhooks.get(server.app_id, endpoint["id"])["description"] == ""


def test_a_worker_whose_lease_ran_out_mid_delivery_records_nothing(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    """A is slow (its receiver takes 2 s), its lease runs out, B takes the job over and
    delivers; A's late failure must not be written over B's success."""
    import threading

    receiver.script, receiver.delay = [500], 1.0
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    _file(server)
    fan = rt.job_runner("F")
    fanout = fan.claim()
    assert fanout is not None and fanout["kind"] == "fanout"
    fan.run(fanout)  # the delivery's job is due now
    slow = rt.job_runner("A", lease=1)
    job_a = slow.claim()
    assert job_a is not None and job_a["kind"] == "webhook"
    a = threading.Thread(target=slow.run, args=(job_a,))
    a.start()
    receiver.wait_for(1)  # A's request is at the receiver
    server.clock.advance(5)  # A's lease is over
    b = rt.job_runner("B")
    job_b = b.claim()
    assert job_b is not None and job_b["id"] == job_a["id"]
    b.run(job_b)
    a.join()
    (delivery,), _ = rt.webhooks.deliveries(server.app_id, endpoint["id"], cursor=None, limit=5)
    assert delivery["state"] == "delivered"
    assert [x["status_code"] for x in delivery["attempts"]] == [200]  # A's 500 is not recorded
    assert rt.webhooks.get(server.app_id, endpoint["id"])["enabled"]


def test_retry_pressed_again_and_again_keeps_one_schedule(
    server: InProcess, rt: Any, receiver: Receiver
) -> None:
    receiver.script = [500] * 10
    endpoint = rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["*"]})
    _file(server)
    _drain(rt)
    (delivery,), _ = rt.webhooks.deliveries(server.app_id, endpoint["id"], cursor=None, limit=5)
    for _ in range(3):
        rt.webhooks.retry(server.app_id, endpoint["id"], delivery["id"])
    import sqlite3

    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        waiting = conn.execute(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'webhook' AND state != 'done'"
        ).fetchone()[0]
    finally:
        conn.close()
    assert waiting == 1
    assert _drain(rt) == 1  # one attempt now, then the schedule from the start (5 s)
    (delivery,), _ = rt.webhooks.deliveries(server.app_id, endpoint["id"], cursor=None, limit=5)
    assert delivery["state"] == "failing" and len(delivery["attempts"]) == 2


def test_a_reply_that_reopens_a_ticket_is_a_ticket_updated_event(
    server: InProcess, rt: Any
) -> None:
    from support_sdk import tokens

    user = {
        "Authorization": "Bearer "
        + tokens.mint_user_token(server.app_id, server.creds["app_secret"], "u1")
    }
    ticket = server.http.post("/api/v1/tickets", json={"body": "Broken"}, headers=user).get_json()
    h = server.staff_headers()
    server.http.patch(f"/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=h)
    assert (
        server.http.post(
            f"/api/v1/tickets/{ticket['id']}/messages", json={"body": "Still broken"}, headers=user
        ).status_code
        == 201
    )
    import sqlite3

    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        rows = conn.execute(
            "SELECT payload FROM outbox_events WHERE type = 'ticket.updated' ORDER BY id"
        ).fetchall()
    finally:
        conn.close()
    import json

    changes = [json.loads(r[0])["changes"]["status"] for r in rows]
    assert changes == [{"from": "new", "to": "solved"}, {"from": "solved", "to": "open"}]


def test_fan_outs_run_in_batches_and_a_failing_one_is_retried_alone(
    server: InProcess, rt: Any, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support_server.services import jobs

    rt.webhooks.create(server.app_id, {"url": receiver.url, "events": ["ticket.created"]})
    filed = [_file(server, f"Help {n}") for n in range(jobs.FANOUT_BATCH + 5)]
    runner = rt.job_runner("w1")
    writes: list[str] = []
    conn = rt.db.connection()
    conn.set_trace_callback(lambda sql: writes.append(sql) if sql == "BEGIN IMMEDIATE" else None)
    try:
        assert runner.run_one()  # one claim, then 20 fan-outs in one transaction
    finally:
        conn.set_trace_callback(None)
    assert len(writes) == 2
    with rt.db.read() as c:
        pending = c.execute(
            "SELECT count(*) FROM jobs WHERE kind = 'fanout' AND state != 'done'"
        ).fetchone()[0]
    assert pending == 5
    # One event whose fan-out fails in the middle of the next batch: rolled back alone.
    broken = filed[-3]["id"]
    real = rt.webhooks.fan_out

    def flaky(conn: Any, event: dict[str, Any]) -> None:
        if event["payload"]["data"]["id"] == broken and not failed:
            failed.append(event["id"])
            raise RuntimeError("a bug")
        real(conn, event)

    failed: list[int] = []
    monkeypatch.setattr(rt.webhooks, "fan_out", flaky)
    while runner.run_one():
        pass
    assert failed  # it failed once, in a batch, and ran alone after
    with rt.db.read() as c:
        states = c.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall()
    assert dict(states) == {"done": 2 * len(filed)}  # every fan-out and every delivery
    assert len(receiver.requests) == len(filed)  # each ticket delivered once
