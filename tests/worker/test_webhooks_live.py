"""Webhooks end to end, with real parts: the server process and its worker, a real HTTP
receiver on 127.0.0.1 that checks every signature with the standardwebhooks package, and
worker processes killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from standardwebhooks.webhooks import Webhook

from support_sdk import webhooks
from tests.servers import ServerProcess, init_data_dir

from .receivers import Receiver, http_receiver

ALLOW = {"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


def _admin(server: ServerProcess) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_api_key}"}


def _endpoint(server: ServerProcess, url: str, events: list[str] | None = None) -> dict:
    r = requests.post(
        f"{server.url}/api/v1/webhooks",
        json={"url": url, "events": events or ["*"], "description": "test receiver"},
        headers=_admin(server),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _file(server: ServerProcess, body: str) -> dict:
    r = requests.post(
        f"{server.url}/api/v1/tickets",
        json={"body": body, "email": "ana@example.com"},
        headers=_admin(server),
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_a_filed_ticket_reaches_the_receiver_signed_as_standard_webhooks_say(
    tmp_path: Path, receiver: Receiver
) -> None:
    server = ServerProcess.start_new(tmp_path / "data", env=ALLOW)
    try:
        endpoint = _endpoint(server, receiver.url, ["ticket.created", "message.created"])
        assert endpoint["secret"].startswith("whsec_")
        ticket = _file(server, "The export button does nothing 🙃")
        got = receiver.wait_for(1)[0]
        # the reference implementation accepts it, and so does the SDK
        payload = Webhook(endpoint["secret"]).verify(got.body, got.headers)
        event = webhooks.verify(got.body, got.headers, endpoint["secret"])
        assert payload["type"] == event.type == "ticket.created"
        assert event.id == got.headers["webhook-id"] and event.id.startswith("evt_")
        assert event.data["id"] == ticket["id"]
        assert event.data["body"] == "The export button does nothing 🙃"
        assert event.app_id == server.app_id
        # a forged body, another secret, or a stale timestamp is refused
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(got.body.replace(b"export", b"import"), got.headers, endpoint["secret"])
        other = _endpoint(server, receiver.url + "/other", ["ticket.rated"])["secret"]
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(got.body, got.headers, other)
        stale = {**got.headers, "webhook-timestamp": str(int(time.time()) - 3600)}
        with pytest.raises(webhooks.WebhookVerificationError):
            webhooks.verify(got.body, stale, endpoint["secret"])
        # the delivery log shows the attempt
        log = requests.get(
            f"{server.url}/api/v1/webhooks/{endpoint['id']}/deliveries",
            headers=_admin(server),
            timeout=10,
        ).json()["items"]
        deadline = time.monotonic() + 10
        while log[0]["state"] != "delivered" and time.monotonic() < deadline:
            time.sleep(0.1)
            log = requests.get(
                f"{server.url}/api/v1/webhooks/{endpoint['id']}/deliveries",
                headers=_admin(server),
                timeout=10,
            ).json()["items"]
        assert log[0]["state"] == "delivered" and log[0]["event_type"] == "ticket.created"
        assert log[0]["attempts"][0]["status_code"] == 200
        assert log[0]["attempts"][0]["response_excerpt"] == "ok"
    finally:
        server.stop()


def test_a_failing_receiver_is_retried_with_the_same_webhook_id_and_every_attempt_is_logged(
    tmp_path: Path, receiver: Receiver
) -> None:
    receiver.script = [500, 302]  # a 5xx, then a redirect (not followed), then 200
    server = ServerProcess.start_new(tmp_path / "data", env=ALLOW)
    try:
        endpoint = _endpoint(server, receiver.url)
        _file(server, "Please call me back")
        # at once, after ~5 s, after ~5 min: the third would take too long; retry by hand
        got = receiver.wait_for(2, timeout=30)
        assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
        url = f"{server.url}/api/v1/webhooks/{endpoint['id']}/deliveries"
        deadline = time.monotonic() + 10
        while True:
            delivery = requests.get(url, headers=_admin(server), timeout=10).json()["items"][0]
            if len(delivery["attempts"]) == 2 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        first, second = delivery["attempts"]
        assert (first["status_code"], first["error"]) == (500, "HTTP 500")
        assert first["response_excerpt"] == "receiver says no"
        assert second["status_code"] == 302 and "not followed" in second["error"]
        assert delivery["state"] == "failing" and delivery["next_attempt_at"]
        retried = requests.post(f"{url}/{delivery['id']}/retry", headers=_admin(server), timeout=10)
        assert retried.status_code == 202, retried.text
        third = receiver.wait_for(3)[2]
        assert third.headers["webhook-id"] == got[0].headers["webhook-id"]
        webhooks.verify(third.body, third.headers, endpoint["secret"])
    finally:
        server.stop()


def _worker(data_dir: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            [
                str(Path(sys.executable).parent / "support-server"),
                "worker",
                "--data-dir",
                str(data_dir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **env},
            start_new_session=True,
        )


def test_sigkilled_workers_lose_no_event_and_invent_none(
    tmp_path: Path, receiver: Receiver
) -> None:
    """Events committed while no worker runs, then workers killed with SIGKILL while they
    deliver: after a restart every event arrives (at least once), and nothing else does."""
    data_dir = tmp_path / "data"
    # a short lease, so the killed worker's job is taken up again within the test
    env = {**ALLOW, "SUPPORT_JOB_LEASE": "15", "SUPPORT_WEBHOOK_TIMEOUT": "2"}
    server = ServerProcess(data_dir, init_data_dir(data_dir), env=env)
    with open(tmp_path / "run.log", "ab") as log:
        # `run --no-worker`: the web side alone, as with a worker on another machine
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "support-server"),
                "run",
                "--no-worker",
                "--data-dir",
                str(data_dir),
                "--port",
                str(server.port),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **server.env},
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(server.url + "/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
            time.sleep(0.1)
        receiver.delay = 0.05
        endpoint = _endpoint(server, receiver.url, ["ticket.created"])
        filed = {_file(server, f"ticket {n}")["id"] for n in range(30)}
        assert receiver.requests == []  # no worker yet: the events wait in the outbox
        worker = _worker(data_dir, tmp_path / "worker.log", env)
        receiver.wait_for(5, timeout=30)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        # two workers take over; the killed one's job comes back when its lease runs out
        workers = [_worker(data_dir, tmp_path / "worker.log", env) for _ in range(2)]
        try:
            deadline = time.monotonic() + 180
            while True:
                with receiver.lock:
                    seen = {json.loads(r.body)["data"]["id"] for r in receiver.requests}
                if seen >= filed or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
        finally:
            for w in workers:
                w.send_signal(signal.SIGTERM)
            for w in workers:
                assert w.wait(timeout=30) == 0
        with receiver.lock:
            got = list(receiver.requests)
        assert seen == filed  # every event, and no other
        for r in got:
            webhooks.verify(r.body, r.headers, endpoint["secret"])
        ids = [r.headers["webhook-id"] for r in got]
        assert len(set(ids)) == len(filed)  # one event id per ticket, stable across retries
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
