"""Rate limits on a real gunicorn server with two workers: the limit holds in total, whichever
worker answers, a refused request is a 429 with Retry-After and creates nothing.

Which worker answers is not left to chance: each request goes over a kept-alive connection,
and the test reads from /proc which worker process holds the server end of that connection.
"""

from __future__ import annotations

import http.client
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from support_sdk import SupportClient
from support_sdk.errors import RateLimited

from .api import API, Env, call, started_env

pytestmark = pytest.mark.skipif(
    not Path("/proc/net/tcp").exists(), reason="maps connections to workers through /proc"
)

ANON_TICKETS = 3  # per hour
SEARCHES = 5  # per minute


def _workers(master: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                found.add(int(entry))
    return found


def _server_end_inode(server_port: int, client_port: int) -> str | None:
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote = fields[1], fields[2]
            if (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)) == (
                server_port,
                client_port,
            ):
                return fields[9]
    return None


def worker_of(env: Env, conn: http.client.HTTPConnection) -> int:
    """The pid of the worker holding the server end of ``conn`` (open, kept alive)."""
    assert conn.sock is not None
    inode = _server_end_inode(env.process.port, conn.sock.getsockname()[1])
    assert inode is not None
    target = f"socket:[{inode}]"
    assert env.process.proc is not None
    for pid in _workers(env.process.proc.pid):
        fd_dir = Path(f"/proc/{pid}/fd")
        for fd in os.listdir(fd_dir):
            try:
                if os.readlink(fd_dir / fd) == target:
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds this connection")


def send(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    sent = {"Content-Type": "application/json", **(headers or {})}
    conn.request(method, API + path, body=None if body is None else json.dumps(body), headers=sent)
    response = conn.getresponse()
    data = json.loads(response.read())
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def one_connection_per_worker(
    env: Env, connections: dict[int, http.client.HTTPConnection]
) -> list[http.client.HTTPConnection]:
    """Kept-alive connections, one to each of the two workers (``connections`` keeps them, by
    worker pid, for the next test)."""
    spare = []
    for _ in range(40):
        if len(connections) == 2:
            break
        conn = http.client.HTTPConnection("127.0.0.1", env.process.port, timeout=30)
        send(conn, "GET", "/health")
        pid = worker_of(env, conn)
        if pid in connections:
            spare.append(conn)
        else:
            connections[pid] = conn
    for conn in spare:
        conn.close()
    assert len(connections) == 2, "could not reach both workers"
    return list(connections.values())


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    settings = {
        "SUPPORT_RATE_LIMITS_ENABLED": "true",
        "SUPPORT_RATE_ANON_TICKETS": f"{ANON_TICKETS}/hour",
        "SUPPORT_RATE_SEARCH": f"{SEARCHES}/minute",
    }
    with started_env(tmp_path_factory, "rates", mode="serve", workers=2, env=settings) as started:
        # The key is made now, not when ticket_count first needs it: that CLI run between two
        # tests would leave the kept-alive connections idle past the workers' keep-alive.
        assert started.agent
        yield started


@pytest.fixture(scope="module")
def by_worker(env: Env) -> Iterator[dict[int, http.client.HTTPConnection]]:
    """The kept-alive connection to each worker of ``env``, by pid, for the module's tests."""
    kept: dict[int, http.client.HTTPConnection] = {}
    yield kept
    for conn in kept.values():
        conn.close()


def ticket_count(env: Env) -> int:
    return len(call(env, "GET", "/tickets?limit=200", env.agent).json()["items"])


def assert_rate_limited(status: int, headers: Mapping[str, str], data: Any, period: int) -> int:
    assert status == 429, data
    assert data["error"]["code"] == "rate_limited"
    retry_after = headers["retry-after"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= period
    return int(retry_after)


def test_anonymous_ticket_limit_holds_across_both_workers(
    env: Env, by_worker: dict[int, http.client.HTTPConnection]
) -> None:
    connections = one_connection_per_worker(env, by_worker)
    results: list[tuple[int, int]] = []  # (worker, status)
    for i in range(4 * ANON_TICKETS):
        conn = connections[i % 2]
        status, headers, data = send(
            conn,
            "POST",
            "/tickets",
            {"body": f"anonymous ticket {i}", "email": f"visitor{i}@example.com"},
            {"X-Support-App": env.app_a},
        )
        results.append((worker_of(env, conn), status))
        if status != 201:
            assert_rate_limited(status, headers, data, 3600)
    assert len({worker for worker, _ in results}) == 2  # both workers answered
    assert [status for _, status in results] == [201] * ANON_TICKETS + [429] * (3 * ANON_TICKETS)
    assert ticket_count(env) == ANON_TICKETS  # the refused ones created nothing


def test_a_spoofed_forwarded_for_does_not_reset_the_limit(
    env: Env, by_worker: dict[int, http.client.HTTPConnection]
) -> None:
    # No trusted proxy is configured: X-Forwarded-For is the client's word, not its address.
    before = ticket_count(env)
    for conn in one_connection_per_worker(env, by_worker):
        status, headers, data = send(
            conn,
            "POST",
            "/tickets",
            {"body": "again", "email": "spoof@example.com"},
            {"X-Support-App": env.app_a, "X-Forwarded-For": "203.0.113.9"},
        )
        assert_rate_limited(status, headers, data, 3600)
    assert ticket_count(env) == before


def test_sdk_sees_rate_limited_with_retry_after(env: Env) -> None:
    waits: list[float] = []
    with (
        SupportClient(env.url, app_id=env.app_a, sleep=waits.append) as client,
        pytest.raises(RateLimited) as caught,
    ):
        client.create_ticket("from the SDK", email="sdk-visitor@example.com")
    assert caught.value.status == 429
    assert caught.value.retry_after is not None and caught.value.retry_after > 0
    assert waits == []  # far longer than the SDK waits for: raised at once


def test_identified_users_have_their_own_allowance(env: Env) -> None:
    with SupportClient(env.url, app_id=env.app_a, app_secret=env.secret_a) as client:
        token = client.user_token("rate-user")
        ticket = client.create_ticket("I am logged in", user_token=token)
    assert ticket.requester is not None and ticket.requester.id == "rate-user"


def test_search_limit_holds_across_both_workers(
    env: Env, by_worker: dict[int, http.client.HTTPConnection]
) -> None:
    connections = one_connection_per_worker(env, by_worker)
    results: list[tuple[int, int]] = []
    for i in range(4 * SEARCHES):
        conn = connections[i % 2]
        status, headers, data = send(
            conn, "GET", f"/help/search?q=refund{i}", headers={"X-Support-App": env.app_a}
        )
        results.append((worker_of(env, conn), status))
        if status != 200:
            assert_rate_limited(status, headers, data, 60)
    assert len({worker for worker, _ in results}) == 2
    assert [status for _, status in results] == [200] * SEARCHES + [429] * (3 * SEARCHES)
