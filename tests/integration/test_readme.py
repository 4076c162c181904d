"""The README's 5-minute tour, run as a newcomer runs it: after `pip install`, outside the repo.

The wheel is built from this checkout and installed into a fresh virtual environment in a
temporary folder; the tour's shell steps and its Python block then run in an empty folder, with
the `support-server` and `python` of that environment, exactly as the README prints them. Two
things differ, and only these: `pip install 'support-sdk[server]'` installs the wheel just
built (its dependencies come from this test run's environment, so it works offline), and port
8000 becomes a free port.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from ..conftest import ROOT
from ..servers import free_port

PIP_STEP = "pip install 'support-sdk[server]'"
TOUR_PORT = "8000"
NOT_SOURCES = (
    ".git",
    ".venv",
    "node_modules",
    ".demo-data",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
)


@dataclass
class Tour:
    server_steps: list[str]  # the first shell block: install, set up, serve
    client_steps: list[str]  # the second shell block: the backend's side
    code: str  # the Python block, saved as tour.py
    output: str  # what the README says it prints


def read_tour() -> Tour:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    tour = readme.split("<!-- tour:start -->", 1)[1].split("<!-- tour:end -->", 1)[0]
    shells = [
        [line for line in block.splitlines() if line.strip()]
        for block in re.findall(r"```sh\n(.*?)```", tour, re.S)
    ]
    code = re.search(r"```python\n(.*?)```", tour, re.S)
    output = re.search(r"```text\n(.*?)```", tour, re.S)
    assert len(shells) == 2 and code and output, "the tour has two sh blocks, python and text"
    return Tour(shells[0], shells[1], code.group(1), output.group(1))


def build_wheel(out: Path) -> Path:
    """The wheel `pip install` would get, built from a copy of this checkout (so no build/
    folder is left in it); the build needs no network (setuptools and wheel are in [dev])."""
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_SOURCES))
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--wheel-dir", str(out), str(source)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("support_sdk-*.whl")
    return wheel


def fresh_venv(where: Path) -> Path:
    """A new virtual environment whose own site-packages has nothing of ours; the test run's
    site-packages comes after it (a .pth line) for the dependencies only: a .pth line adds a
    plain path, so the editable install there (an import hook started by its own .pth) stays
    off."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(own) / "test_run_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8"
    )
    return where


@dataclass
class Shell:
    home: Path
    env: dict[str, str]
    port: str

    def line(self, step: str) -> str:
        return step.replace(TOUR_PORT, self.port)

    def run(self, script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-euc", script],
            cwd=self.home,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.fixture
def newcomer(tmp_path: Path) -> Iterator[Shell]:
    """An empty folder outside the repo and a shell whose PATH starts with a fresh venv."""
    venv = fresh_venv(tmp_path / "venv")
    home = tmp_path / "newcomer"
    home.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SUPPORT_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(venv),
        PYTHONWARNINGS="error",  # the tour runs clean under warnings as errors
        SUPPORT_RATE_LIMITS_ENABLED="false",
    )
    yield Shell(home, env, str(free_port()))


@pytest.mark.slow
def test_the_tour_works_as_written_after_pip_install(tmp_path: Path, newcomer: Shell) -> None:
    tour = read_tour()
    install, *setup, serve = tour.server_steps
    assert install == PIP_STEP
    assert serve.startswith("support-server run ") and f"--port {TOUR_PORT}" in serve

    wheel = build_wheel(tmp_path / "dist")
    venv_python = Path(newcomer.env["VIRTUAL_ENV"]) / "bin" / "python"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(venv_python), "install"),
            *("--quiet", "--no-deps", "--no-index", str(wheel)),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    where = newcomer.run('python -c "import support_server; print(support_server.__file__)"')
    assert where.stdout.startswith(newcomer.env["VIRTUAL_ENV"]), where  # not this checkout

    for step in setup:
        done = newcomer.run(newcomer.line(step))
        assert done.returncode == 0, f"{step}\n{done.stdout}\n{done.stderr}"

    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            ["bash", "-euc", newcomer.line(serve)],
            cwd=newcomer.home,
            env=newcomer.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{newcomer.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        (newcomer.home / "tour.py").write_text(tour.code, encoding="utf-8")
        done = newcomer.run("\n".join(newcomer.line(step) for step in tour.client_steps))
        assert done.returncode == 0, done.stderr
        assert done.stdout == tour.output
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    printed = log.read_text(encoding="utf-8")
    assert "development server" not in printed  # no red banner for the newcomer
