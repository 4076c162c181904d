"""The production set-up of docs/production.md, for real: Debian's nginx with the shipped
docs/production/nginx.conf (TLS lines aside) in front of `support-server serve`."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ..servers import ServerProcess, free_port, init_data_dir

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PARTIAL = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: "


def render(conf: str, port: int, upstream: int, tmp: Path) -> str:
    site = "\n".join(line for line in conf.splitlines() if "# tls" not in line)
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{upstream}")
    site = site.replace(
        "server_name support.example.com;", f"listen 127.0.0.1:{port};\n    server_name _;"
    )
    (tmp / "support.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"user root;\ndaemon off;\nworker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {tmp / 'support.conf'};\n}}\n"
    )


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ServerProcess, str]]:
    if not Path(NGINX).exists():
        missing = pytest.fail if os.environ.get("CI") else pytest.skip
        missing("nginx is not installed (apt-get install nginx-light; .ci/run does)")
    tmp = tmp_path_factory.mktemp("nginx")
    data_dir = tmp / "data"
    creds = init_data_dir(data_dir)
    env = {
        "SUPPORT_TRUSTED_PROXIES": "1",
        "SUPPORT_RATE_LIMITS_ENABLED": "true",
        "SUPPORT_RATE_ANON_TICKETS": "2/hour",
    }
    server = ServerProcess(data_dir, creds, mode="serve", workers=2, env=env).start()
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(
        render((ROOT / "docs/production/nginx.conf").read_text(), port, server.port, tmp)
    )
    check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen([NGINX, "-c", str(conf)], start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/api/v1/health", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    try:
        yield url, server, creds["app_id"]
    finally:
        os.killpg(proxy.pid, signal.SIGTERM)
        proxy.wait(timeout=20)
        server.stop()


def test_requests_pass_and_slow_clients_wait_in_nginx(
    stack: tuple[str, ServerProcess, str],
) -> None:
    url, _, _ = stack
    host, port = url.removeprefix("http://").split(":")
    stalled = []
    for _ in range(60):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(PARTIAL)
        stalled.append(sock)
    try:
        for _ in range(20):
            health = requests.get(url + "/api/v1/health", timeout=5)
            assert health.status_code == 200 and health.json()["status"] == "ok"
    finally:
        for sock in stalled:
            sock.close()


def test_the_client_address_is_the_one_nginx_saw(stack: tuple[str, ServerProcess, str]) -> None:
    # A client cannot dodge the per-IP limit by sending its own X-Forwarded-For: nginx appends
    # the real address and the server (SUPPORT_TRUSTED_PROXIES=1) takes that last hop.
    url, _, app_id = stack
    statuses = []
    for n in range(3):
        response = requests.post(
            url + "/api/v1/tickets",
            json={"body": f"ticket {n}", "email": "ada@example.com"},
            headers={"X-Support-App": app_id, "X-Forwarded-For": f"203.0.113.{n}"},
            timeout=10,
        )
        statuses.append(response.status_code)
    assert statuses == [201, 201, 429]


def test_bodies_over_either_limit_are_413_in_the_envelope(
    stack: tuple[str, ServerProcess, str],
) -> None:
    url, _, app_id = stack
    headers = {"X-Support-App": app_id, "Content-Type": "application/json"}
    for size in (2 * 1024 * 1024, 7 * 1024 * 1024):  # over the server's limit, then nginx's
        response = requests.post(
            url + "/api/v1/tickets", data=b"x" * size, headers=headers, timeout=20
        )
        assert response.status_code == 413, size
        assert response.json()["error"]["code"] == "payload_too_large"


def test_a_server_that_is_down_is_a_503_with_retry_after(
    stack: tuple[str, ServerProcess, str],
) -> None:
    url, server, _ = stack
    server.stop()
    response = requests.get(url + "/api/v1/health", timeout=20)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "unavailable"
