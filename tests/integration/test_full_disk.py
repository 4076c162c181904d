"""A full disk, for real: the data directory on a small tmpfs, filled to the last byte.

Writes answer 503 storage_full with Retry-After (which the SDK and the widget retry later),
/health says the storage is full, nothing half-written is left, rate limits keep applying,
and once room is freed the server works again by itself.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ..servers import ServerProcess, init_data_dir

pytestmark = pytest.mark.slow


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        # CI runs as root and can mount: there a missing tmpfs is a failure, never a skip.
        missing = pytest.fail if os.environ.get("CI") else pytest.skip
        missing(f"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {mounted.stderr}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def fill(path: Path) -> Path:
    filler = path / "filler"
    with open(filler, "wb") as handle, contextlib.suppress(OSError):
        while True:
            handle.write(b"\0" * 65536)
            handle.flush()
    return filler


def test_a_full_disk_is_a_clear_503_and_the_server_recovers(small_disk: Path) -> None:
    data_dir = small_disk / "data"
    creds = init_data_dir(data_dir)
    env = {"SUPPORT_RATE_LIMITS_ENABLED": "true", "SUPPORT_RATE_SEARCH": "3/minute"}
    with ServerProcess(data_dir, creds, env=env) as server:
        anon = {"X-Support-App": creds["app_id"]}
        staff = {"Authorization": f"Bearer {creds['admin_api_key']}"}
        before = requests.post(
            server.url + "/api/v1/tickets",
            json={"body": "filed before the disk filled", "email": "a@b.co"},
            headers=staff,
            timeout=10,
        )
        assert before.status_code == 201
        filler = fill(small_disk)

        filed_meanwhile = 0
        for _ in range(200):  # until the last free pages of the database file are used up
            refused = requests.post(
                server.url + "/api/v1/tickets",
                json={"body": "x" * 19_000, "email": "a@b.co"},
                headers=staff,
                timeout=30,
            )
            if refused.status_code != 201:
                break
            filed_meanwhile += 1
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "storage_full"
        assert refused.headers["Retry-After"] == "60"
        health = requests.get(server.url + "/api/v1/health", timeout=10)
        assert health.status_code == 503
        assert health.json()["storage"]["status"] == "full"
        searches = [
            requests.get(
                server.url + "/api/v1/help/search", params={"q": "x"}, headers=anon, timeout=10
            ).status_code
            for _ in range(4)
        ]
        assert searches[:3] == [200, 200, 200] and searches[3] == 429  # limits still apply

        filler.unlink()
        after = requests.post(
            server.url + "/api/v1/tickets",
            json={"body": "filed once there was room again", "email": "a@b.co"},
            headers=staff,
            timeout=10,
        )
        assert after.status_code == 201, after.text
        assert requests.get(server.url + "/api/v1/health", timeout=10).status_code == 200
        tickets = requests.get(server.url + "/api/v1/tickets", headers=staff, timeout=10).json()
        bodies = [t["body"] for t in tickets["items"]]
        assert bodies[0] == "filed once there was room again"
        assert bodies[-1] == "filed before the disk filled"
        assert len(bodies) == 2 + filed_meanwhile  # every 201 was kept, no refused one was
        log = server.log.read_text(errors="replace")
    assert "the disk is full" in log
