"""Absolute links never come from a request's Host header, and HTTPS deployments say so
with Strict-Transport-Security."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from ..conftest import HELP_CENTER
from ..servers import ServerProcess, cli, init_data_dir

PUBLIC = "https://support.example.com"


def test_serve_refuses_to_start_without_a_public_url(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    init_data_dir(data_dir)
    done = cli(
        "serve",
        "--data-dir",
        str(data_dir),
        "--port",
        "0",
        check=False,
        env={"SUPPORT_PUBLIC_URL": ""},
        timeout=60,
    )
    assert done.returncode != 0
    assert "SUPPORT_PUBLIC_URL" in done.stderr and "Host header" in done.stderr


def test_a_forged_host_never_reaches_links_and_https_sends_hsts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    env = {"SUPPORT_PUBLIC_URL": PUBLIC}
    with ServerProcess(data_dir, creds, mode="serve", workers=1, env=env) as server:
        forged = {"Host": "evil.example"}
        page = requests.get(f"{server.url}/help/{creds['app_id']}/en/", headers=forged, timeout=10)
        assert page.status_code == 200
        links = re.findall(r'(?:href|content)="(https?://[^"]+)"', page.text)
        assert links and all(link.startswith(PUBLIC) for link in links), links
        assert "evil.example" not in page.text
        sitemap = requests.get(
            f"{server.url}/help/{creds['app_id']}/sitemap.xml", headers=forged, timeout=10
        )
        assert "evil.example" not in sitemap.text and PUBLIC in sitemap.text
        for path in ("/api/v1/health", f"/help/{creds['app_id']}/en/", "/admin/login"):
            response = requests.get(server.url + path, timeout=10)
            assert response.headers["Strict-Transport-Security"] == "max-age=31536000", path


def test_plain_http_sends_no_hsts(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    with ServerProcess(data_dir, creds) as server:
        assert (
            "Strict-Transport-Security"
            not in requests.get(server.url + "/api/v1/health", timeout=10).headers
        )
