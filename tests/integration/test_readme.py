"""The README's tour runs for real and prints what the README says it prints."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from ..conftest import ROOT, LiveServer


def tour_blocks() -> tuple[str, str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("<!-- tour:start -->", 1)[1].split("<!-- tour:end -->", 1)[0]
    code = re.search(r"```python\n(.*?)```", tour, re.S)
    output = re.search(r"```text\n(.*?)```", tour, re.S)
    assert code and output
    return code.group(1), output.group(1)


def test_the_tour_prints_what_the_readme_shows(help_center_server: LiveServer) -> None:
    code, expected = tour_blocks()
    env = {
        **os.environ,
        "SUPPORT_URL": help_center_server.url,
        "SUPPORT_APP_ID": help_center_server.app_id,
        "SUPPORT_APP_SECRET": help_center_server.app_secret,
    }
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected
