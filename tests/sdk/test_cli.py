"""The support-sdk command."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support_sdk._http import VERSION
from support_sdk.cli import main
from support_sdk.tokens import verify_user_token

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET", "SUPPORT_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_token_prints_a_verifiable_token(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(
        [
            "token",
            "--url",
            "http://127.0.0.1:8000",
            "--app-id",
            "app_cli",
            "--app-secret",
            "cli-secret",
            "--user-id",
            "42",
            "--email",
            "ada@example.com",
            "--name",
            "Ada",
            "--trait",
            "plan=pro",
            "--expires-in",
            "120",
        ]
    )
    out, err = capsys.readouterr()
    assert status == 0 and err == ""
    claims = verify_user_token(out.strip(), "app_cli", "cli-secret", max_age=3600)
    assert (claims.sub, claims.email, claims.name) == ("42", "ada@example.com", "Ada")
    assert claims.traits == {"plan": "pro"}


def test_token_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPPORT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SUPPORT_APP_ID", "app_env")
    monkeypatch.setenv("SUPPORT_APP_SECRET", "env-secret")
    assert main(["token", "--user-id", "7"]) == 0
    token = capsys.readouterr().out.strip()
    assert verify_user_token(token, "app_env", "env-secret", max_age=3600).sub == "7"


def test_token_without_secret_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["token", "--app-id", "app_x", "--user-id", "7"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "--app-secret" in err


def test_bad_trait_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["token", "--app-id", "a", "--app-secret", "s", "--user-id", "7", "--trait", "pro"]
    assert main(args) == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out == f"support-sdk {VERSION}\n"


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_runs_as_a_module() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "support_sdk.cli", "version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, f"support-sdk {VERSION}\n", "")
