"""The worker as a process: `serve` starts one beside gunicorn, SIGTERM lets the job in hand
finish, and `support-server webhooks` manages endpoints from scripts."""

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

from support_sdk import webhooks
from tests.servers import ServerProcess, init_data_dir

from .receivers import Receiver, http_receiver

ALLOW = {"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}
SUPPORT_SERVER = str(Path(sys.executable).parent / "support-server")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SUPPORT_SERVER, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, **ALLOW},
        timeout=60,
    )


def test_serve_starts_a_worker_that_delivers_and_stops_with_it(
    tmp_path: Path, receiver: Receiver
) -> None:
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, init_data_dir(data_dir), mode="serve", env=ALLOW).start()
    try:
        made = _cli(data_dir, "webhooks", "create", receiver.url, "--json")
        assert made.returncode == 0, made.stderr
        secret = json.loads(made.stdout)["secret"]
        r = requests.post(
            f"{server.url}/api/v1/tickets",
            json={"body": "Served by gunicorn", "email": "a@example.com"},
            headers={"Authorization": f"Bearer {server.admin_api_key}"},
            timeout=10,
        )
        assert r.status_code == 201
        got = receiver.wait_for(1)[0]
        assert webhooks.verify(got.body, got.headers, secret).type == "ticket.created"
        # the worker child dies (SIGKILL): serve starts another, and nothing is lost
        child = subprocess.run(
            ["pgrep", "-f", f"worker --data-dir {data_dir}"], capture_output=True, text=True
        ).stdout.split()
        assert len(child) == 1
        os.kill(int(child[0]), signal.SIGKILL)
        r = requests.post(
            f"{server.url}/api/v1/tickets",
            json={"body": "Filed while the worker was down", "email": "a@example.com"},
            headers={"Authorization": f"Bearer {server.admin_api_key}"},
            timeout=10,
        )
        assert r.status_code == 201
        again = receiver.wait_for(2, timeout=90)[1]  # a new worker starts from cold
        assert webhooks.verify(again.body, again.headers, secret).data["id"] == r.json()["id"]
    finally:
        server.stop()
    # the worker child went with the server: nothing of ours is left on the data dir
    out = subprocess.run(["pgrep", "-f", f"worker --data-dir {data_dir}"], capture_output=True)
    assert out.stdout.strip() == b""


def test_sigterm_stops_serve_its_web_workers_and_its_worker_cleanly(tmp_path: Path) -> None:
    """The service manager's SIGTERM to serve's group: the job worker is not started again,
    and no web worker lingers until gunicorn kills it (each forked worker used to wait in
    serve's own clean-up for the job worker, which was not its child, until SIGKILLed)."""
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, init_data_dir(data_dir), mode="serve", workers=2).start()
    assert server.proc is not None
    requests.get(f"{server.url}/api/v1/health", timeout=10)
    os.killpg(server.proc.pid, signal.SIGTERM)
    # a web worker that hangs is killed by gunicorn after its graceful timeout (30 s): a stop
    # that ends well before it had no worker hanging (a clean one takes a few seconds)
    assert server.proc.wait(timeout=20) == 0
    out = subprocess.run(["pgrep", "-f", f"--data-dir {data_dir}"], capture_output=True)
    assert out.stdout.strip() == b""
    server.proc = None


def test_sigterm_lets_the_delivery_in_hand_finish(tmp_path: Path, receiver: Receiver) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    receiver.delay = 2.0  # the receiver takes its time answering
    assert _cli(data_dir, "webhooks", "create", receiver.url).returncode == 0
    with open(tmp_path / "worker.log", "ab") as log:
        worker = subprocess.Popen(
            [SUPPORT_SERVER, "worker", "--data-dir", str(data_dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **ALLOW},
        )
    try:
        server = ServerProcess(data_dir, creds, env=ALLOW)
        # a real server without a worker of its own: the one above does the work
        proc = subprocess.Popen(
            [
                SUPPORT_SERVER,
                "run",
                "--no-worker",
                "--data-dir",
                str(data_dir),
                "--port",
                str(server.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
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
                assert time.monotonic() < deadline
                time.sleep(0.1)
            requests.post(
                f"{server.url}/api/v1/tickets",
                json={"body": "slow receiver", "email": "a@example.com"},
                headers={"Authorization": f"Bearer {creds['admin_api_key']}"},
                timeout=10,
            ).raise_for_status()
            receiver.wait_for(1)  # the request is in the receiver's hands now
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    listed = _cli(data_dir, "webhooks", "list", "--json")
    endpoint = json.loads(listed.stdout)[0]["id"]
    log = json.loads(_cli(data_dir, "webhooks", "deliveries", endpoint, "--json").stdout)
    assert log[0]["state"] == "delivered"  # finished before the worker exited, and recorded
    assert log[0]["attempts"][0]["duration_ms"] >= 2000


def test_the_webhooks_command_refuses_bad_input_with_one_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init_data_dir(data_dir)
    bad = subprocess.run(
        [SUPPORT_SERVER, "webhooks", "create", "http://127.0.0.1:9/x", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )  # without SUPPORT_WEBHOOK_ALLOW_PRIVATE
    assert bad.returncode == 1 and "https://" in bad.stderr
    assert "Traceback" not in bad.stderr
    unknown = _cli(data_dir, "webhooks", "create", "http://127.0.0.1:9/x", "--event", "nope")
    assert unknown.returncode == 1 and "unknown event type" in unknown.stderr
    missing = _cli(data_dir, "webhooks", "deliveries", "whk_nope")
    assert missing.returncode == 1 and "no such webhook endpoint" in missing.stderr
