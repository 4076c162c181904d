"""`serve` keeps answering while hundreds of idle or slow clients are connected, and answers
the broken requests gunicorn itself refuses in the API's JSON envelope.

Real sockets against `support-server serve --workers 2`: before the buffering worker, eight
half-sent requests took every thread (2 workers x 4) and normal traffic timed out.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from ..servers import ServerProcess, init_data_dir

pytestmark = pytest.mark.slow
PARTIAL = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: "


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, str]]:
    data_dir = tmp_path_factory.mktemp("slow") / "data"
    creds = init_data_dir(data_dir)
    with ServerProcess(data_dir, mode="serve", workers=2) as process:
        yield process, creds["app_id"]


def connect(process: ServerProcess, first: bytes = b"") -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", process.port), timeout=15)
    if first:
        sock.sendall(first)
    return sock


def raw(process: ServerProcess, data: bytes) -> bytes:
    with connect(process, data) as sock:
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        return received


def test_normal_traffic_is_served_while_hundreds_of_clients_stall(
    served: tuple[ServerProcess, str],
) -> None:
    process, app_id = served
    stalled = [connect(process, PARTIAL) for _ in range(40)]
    stalled += [connect(process) for _ in range(400)]  # connected, saying nothing
    try:
        session = requests.Session()
        for n in range(30):
            health = session.get(process.url + "/api/v1/health", timeout=5)
            assert health.status_code == 200
            filed = requests.post(
                process.url + "/api/v1/tickets",
                json={"body": f"filed past the stall {n}", "email": "ada@example.com"},
                headers={"X-Support-App": app_id},
                timeout=5,
            )
            assert filed.status_code == 201, filed.text
    finally:
        for sock in stalled:
            sock.close()


def test_a_half_sent_request_gets_408_and_an_idle_one_is_closed(
    served: tuple[ServerProcess, str],
) -> None:
    process, _ = served
    partial, idle = connect(process, PARTIAL), connect(process)
    try:
        started = time.monotonic()
        answer = partial.recv(4096)
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert b'"code": "request_timeout"' in answer
        assert idle.recv(4096) == b""  # closed without a word
        assert time.monotonic() - started < 30  # a deadline exists (10 s, checked each second)
    finally:
        partial.close()
        idle.close()


def test_a_chunked_body_over_the_limit_is_413_before_it_is_read(
    served: tuple[ServerProcess, str],
) -> None:
    process, app_id = served
    response = requests.post(
        process.url + "/api/v1/tickets",
        data=(b"x" * 65536 for _ in range(32)),  # 2 MiB, chunked: no Content-Length
        headers={"X-Support-App": app_id, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    small = requests.post(
        process.url + "/api/v1/tickets",
        data=(part for part in [b'{"body": "in two chunks", ', b'"email": "a@b.co"}']),
        headers={"X-Support-App": app_id, "Content-Type": "application/json"},
        timeout=10,
    )
    assert small.status_code == 201, small.text


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GARBAGE\r\n\r\n", 400, "bad_request"),
        (b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: y\r\n" % n for n in range(200))
            + b"\r\n",
            431,
            "headers_too_large",
        ),
    ],
)
def test_requests_gunicorn_refuses_are_answered_in_the_json_envelope(
    served: tuple[ServerProcess, str], request_bytes: bytes, status: int, code: str
) -> None:
    process, _ = served
    answer = raw(process, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 %d " % status), answer[:200]
    assert b"Content-Type: application/json" in head
    assert f'"code": "{code}"'.encode() in body


def test_expect_100_continue_is_answered_by_the_loop(served: tuple[ServerProcess, str]) -> None:
    process, app_id = served
    body = b'{"body": "sent after 100 Continue", "email": "a@b.co"}'
    with connect(
        process,
        b"POST /api/v1/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"X-Support-App: " + app_id.encode() + b"\r\nExpect: 100-continue\r\n"
        b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body),
    ) as sock:
        assert sock.recv(4096).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:300]


def test_the_ticket_path_still_works_with_keep_alive(served: tuple[ServerProcess, str]) -> None:
    process, _ = served
    with requests.Session() as session:
        for _ in range(20):  # one connection, kept alive between requests
            assert session.get(process.url + "/api/v1/health", timeout=5).status_code == 200


def test_files_and_mail_get_their_own_larger_limits_under_serve(
    served: tuple[ServerProcess, str],
) -> None:
    """An upload of a few MB passes the serving loop (which refuses any other 3 MB body
    before reading it); the upload view still applies the attachment limit itself."""
    process, app_id = served
    screenshot = b"\x89PNG\r\n\x1a\n" + b"\x00" * (3 * 1_048_576)
    up = requests.post(
        process.url + "/api/v1/uploads",
        files={"file": ("big screen.png", screenshot, "image/png")},
        headers={"X-Support-App": app_id},
        timeout=30,
    )
    assert up.status_code == 201, up.text
    assert up.json()["size"] == len(screenshot)
    refused = requests.post(
        process.url + "/api/v1/tickets",
        data=b"x" * (3 * 1_048_576),
        headers={"X-Support-App": app_id, "Content-Type": "application/json"},
        timeout=30,
    )
    assert refused.status_code == 413
    too_big = requests.post(
        process.url + "/api/v1/uploads",
        files={"file": ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (11 * 1_048_576))},
        headers={"X-Support-App": app_id},
        timeout=30,
    )
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "payload_too_large"
