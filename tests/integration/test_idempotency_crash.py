"""The server SIGKILLed in the middle of a storm of ticket creations: every client retries
with its Idempotency-Key after the restart, and each key ends in exactly one ticket, at once
(no key left "in flight" by a dead worker, no duplicate, no ticket without its key)."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
import requests

from support_sdk.tokens import mint_user_token

from ..servers import ServerProcess, create_staff_key, init_data_dir
from .test_tickets import all_tickets

pytestmark = pytest.mark.slow


def test_sigkill_mid_storm_leaves_every_key_retryable_and_single(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    agent = create_staff_key(data_dir, "agent", creds["app_id"])
    token = mint_user_token(creds["app_id"], creds["app_secret"], "storm", expires_in=3600)
    sent: dict[str, dict[str, str]] = {}  # key -> body
    answered: dict[str, str] = {}  # key -> ticket id, for requests answered before the kill
    lock = threading.Lock()
    rounds = 3
    for _ in range(rounds):
        server = ServerProcess(data_dir, mode="serve", workers=2).start()
        url = server.url
        stop = threading.Event()

        def storm(url: str = url, stop: threading.Event = stop) -> None:
            session = requests.Session()
            while not stop.is_set():
                key = str(uuid.uuid4())
                body = {"subject": f"Storm {key[:8]}", "body": "filed during a crash"}
                with lock:
                    sent[key] = body
                try:
                    response = session.post(
                        url + "/api/v1/tickets",
                        json=body,
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                        timeout=5,
                    )
                except requests.RequestException:
                    return  # the server died under us: this key's fate is unknown
                if response.status_code == 201:
                    with lock:
                        answered[key] = response.json()["id"]

        threads = [threading.Thread(target=storm) for _ in range(6)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        server.crash()  # SIGKILL, mid-request for several of the six clients
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    with ServerProcess(data_dir, mode="serve", workers=2) as server:
        retried: dict[str, str] = {}
        for key, body in sent.items():
            response = requests.post(
                server.url + "/api/v1/tickets",
                json=body,
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                timeout=10,
            )
            assert response.status_code == 201, (key, response.status_code, response.text)
            retried[key] = response.json()["id"]
        tickets = all_tickets(server.url, agent)
    assert len(sent) > rounds * 6
    for key, ticket_id in answered.items():
        assert retried[key] == ticket_id  # a lost response is replayed, never refiled
    assert len(tickets) == len(sent)  # one ticket per key: none lost, none duplicated
    assert {t["id"] for t in tickets} == set(retried.values())
