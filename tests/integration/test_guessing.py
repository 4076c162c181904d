"""Credentials and keys that cannot be guessed or borrowed at request speed: wrong API keys
are counted per address, and anonymous Idempotency-Keys are scoped by address."""

from __future__ import annotations

import uuid
from pathlib import Path

import requests

from ..servers import ServerProcess, init_data_dir
from .api import call


def test_wrong_api_keys_are_counted_and_then_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    env = {"SUPPORT_RATE_LIMITS_ENABLED": "true", "SUPPORT_RATE_FAILED_KEYS": "3/minute"}
    with ServerProcess(data_dir, creds, env=env) as server:
        statuses = [call(server, "GET", "/articles", f"sk_guess{n}").status_code for n in range(4)]
        assert statuses == [401, 401, 401, 429]
        # Even a right key, from this address, for now.
        blocked = call(server, "GET", "/articles", creds["admin_api_key"])
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0
        log = server.log.read_text(errors="replace")
    assert log.count("wrong API key from 127.0.0.1") == 3
    assert "sk_guess" not in log  # the keys tried are never logged


def test_anonymous_idempotency_keys_are_scoped_by_address(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    with ServerProcess(data_dir, creds, env={"SUPPORT_TRUSTED_PROXIES": "1"}) as server:
        key = str(uuid.uuid4())
        body = {"body": "help", "email": "vera@example.com"}

        def post(address: str) -> requests.Response:
            headers = {"Idempotency-Key": key, "X-Forwarded-For": address}
            return call(server, "POST", "/tickets", app=creds["app_id"], body=body, headers=headers)

        first, replay, other = post("198.51.100.1"), post("198.51.100.1"), post("198.51.100.2")
    assert first.status_code == replay.status_code == other.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.json()["visitor_token"] == first.json()["visitor_token"]
    assert "Idempotent-Replayed" not in other.headers  # not the first visitor's response
    assert other.json()["visitor_token"] != first.json()["visitor_token"]
