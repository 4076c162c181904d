"""The README's Node.js verification accepts what the server signs and refuses forgeries:
the README's own code, run by the machine's node against a signature made the server's way."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from support_server.services.webhooks import WebhookService, new_secret

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_js() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## After the ticket") :]
    found = re.search(r"```js\n(.*?)```", section, re.S)
    assert found, "the README shows verification in Node.js"
    return found.group(1)


def _run(tmp_path: Path, body: str, headers: dict[str, str], secret: str) -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for this test (the JavaScript tools use it too)")
    (tmp_path / "verify.mjs").write_text(_readme_js(), encoding="utf-8")
    (tmp_path / "main.mjs").write_text(
        'import { verify } from "./verify.mjs";\n'
        "const [body, headers, secret] = JSON.parse(process.argv[2]);\n"
        "try { console.log(verify(body, headers, secret).id); }"
        ' catch (e) { console.log("refused: " + e.message); }\n',
        encoding="utf-8",
    )
    out = subprocess.run(
        [node, str(tmp_path / "main.mjs"), json.dumps([body, headers, secret])],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


def test_the_readme_node_snippet_verifies_the_servers_signature(tmp_path: Path) -> None:
    secret, old = new_secret(), new_secret()
    body = json.dumps(
        {"id": "evt_1", "type": "ticket.created", "data": {"body": "é 🧾"}}, ensure_ascii=False
    )
    now = time.time()
    service = WebhookService.__new__(WebhookService)  # signing needs no database
    endpoint = {
        "secret": secret,
        "previous_secret": old,
        "previous_secret_until": datetime.fromtimestamp(now + 3600, tz=timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        ),
    }
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(now)),
        "webhook-signature": service.signatures(endpoint, "evt_1", now, body),
    }
    assert _run(tmp_path, body, headers, secret) == "evt_1"
    assert _run(tmp_path, body, headers, old) == "evt_1"  # during a rotation, either works
    assert _run(tmp_path, body.replace("é", "e"), headers, secret).startswith("refused")
    assert _run(tmp_path, body, headers, new_secret()).startswith("refused")
    stale = {**headers, "webhook-timestamp": str(int(now) - 600)}
    assert _run(tmp_path, body, stale, secret).startswith("refused")
