"""`make run` on a fresh clone installs only what the demo needs, and quietly; `make test`
adds the test tools. Read from make's own plan (`make -n`) for a checkout without a .venv."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import ROOT


def plan(tmp_path: Path, target: str) -> list[str]:
    for name in ("Makefile", "setup.cfg", "pyproject.toml", "package.json", "package-lock.json"):
        shutil.copy(ROOT / name, tmp_path / name)
    # Under `make test` this is a sub-make: without these, it would inherit the outer make's
    # flags and print "make[1]: Entering directory" lines into the plan.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return done.stdout.splitlines()


@pytest.fixture(autouse=True)
def _make() -> None:
    if shutil.which("make") is None:
        # `make test` is how CI runs the suite, so there make is always present.
        missing = pytest.fail if os.environ.get("CI") else pytest.skip
        missing("no make on this machine")


def test_make_run_installs_the_server_and_the_demo_and_nothing_for_tests(tmp_path: Path) -> None:
    steps = plan(tmp_path, "run")
    installs = [s for s in steps if " pip " in s and " install " in s]
    assert len(installs) == 1, steps  # no `pip install --upgrade pip` either
    assert installs[0].endswith("install -e '.[server,demo]'")  # demo: the mail catcher
    assert "PIP_DISABLE_PIP_VERSION_CHECK=1" in installs[0]  # no pip version notice
    assert 'PYTHONWARNINGS="ignore:Editable installation"' in installs[0]  # no setuptools notice
    assert " --quiet " in installs[0]
    assert steps[-1].startswith(".venv/bin/support-server demo ")


def test_make_test_adds_the_test_tools(tmp_path: Path) -> None:
    installs = [s for s in plan(tmp_path, "test") if " pip " in s and " install " in s]
    assert [i.rsplit(" ", 1)[-1] for i in installs] == ["'.[server,demo]'", "'.[dev]'"]


def test_make_lint_checks_the_javascript_with_the_locked_tools(tmp_path: Path) -> None:
    steps = plan(tmp_path, "lint")
    assert "npm ci --no-audit --no-fund --loglevel=error" in steps, (
        steps
    )  # the lock file's versions
    assert "node_modules/.bin/biome ci --colors=off" in steps, steps
    assert "node_modules/.bin/biome check --write" in plan(tmp_path, "format")
