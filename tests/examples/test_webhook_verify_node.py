"""examples/webhook_receiver/verify.mjs (plain node:crypto) verifies a real delivery captured
from a running server, signed by its worker, and refuses the same request tampered with."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from support_sdk.testing import SupportServer

from ..conftest import ROOT
from ..worker.receivers import http_receiver

NODE = shutil.which("node")
SCRIPT = ROOT / "examples" / "webhook_receiver" / "verify.mjs"
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def _node(captured: dict[str, object], secret: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "request.json"
    path.write_text(json.dumps(captured), encoding="utf-8")
    return subprocess.run(
        [str(NODE), str(SCRIPT), str(path)],
        env={"WEBHOOK_SECRET": secret},
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_node_verifies_a_real_delivery_and_refuses_a_tampered_one(tmp_path: Path) -> None:
    server = SupportServer.start_new(
        tmp_path / "data", env={"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}
    )
    try:
        with http_receiver() as receiver:
            admin = {"Authorization": f"Bearer {server.admin_api_key}"}
            endpoint = requests.post(
                f"{server.url}/api/v1/webhooks",
                json={"url": receiver.url, "events": ["ticket.created"]},
                headers=admin,
                timeout=10,
            ).json()
            requests.post(
                f"{server.url}/api/v1/tickets",
                json={"body": "Ünïcode in the body 🙃 survives", "email": "ana@example.com"},
                headers=admin,
                timeout=10,
            ).raise_for_status()
            got = receiver.wait_for(1)[0]
    finally:
        server.stop()
    captured = {"headers": got.headers, "body": got.body.decode("utf-8")}
    ok = _node(captured, endpoint["secret"], tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == f"verified ticket.created {got.headers['webhook-id']}"

    tampered = {**captured, "body": captured["body"].replace("survives", "is changed")}
    bad = _node(tampered, endpoint["secret"], tmp_path)
    assert bad.returncode == 1 and "no matching signature" in bad.stderr
    other = "whsec_" + "A" * 43 + "="
    assert _node(captured, other, tmp_path).returncode == 1
    stale = {**captured, "headers": {**got.headers, "webhook-timestamp": "1000000000"}}
    assert "timestamp" in _node(stale, endpoint["secret"], tmp_path).stderr
