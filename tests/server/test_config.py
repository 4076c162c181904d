"""Settings as data: parsing, precedence, clear one-line errors, and the README table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support_server.config import SETTINGS, ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_file_then_environment_then_overrides(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text(
        json.dumps({"SUPPORT_MAX_BODY_BYTES": 1000, "SUPPORT_RATE_SEARCH": "10/minute"})
    )
    config = load_config(tmp_path, environ={"SUPPORT_RATE_SEARCH": "20/minute"})
    assert config["SUPPORT_MAX_BODY_BYTES"] == 1000
    assert config["SUPPORT_RATE_SEARCH"] == "20/minute"
    assert config["SUPPORT_MAX_TOKEN_AGE"] == 86400
    assert (
        load_config(tmp_path, {"SUPPORT_MAX_BODY_BYTES": 5}, environ={})["SUPPORT_MAX_BODY_BYTES"]
        == 5
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SUPPORT_MAX_BODY_BYTES", "-1"),
        ("SUPPORT_MAX_BODY_BYTES", "lots"),
        ("SUPPORT_RATE_SEARCH", "fast"),
        ("SUPPORT_RATE_SEARCH", "0/minute"),
        ("SUPPORT_RATE_LIMITS_ENABLED", "maybe"),
        ("SUPPORT_LOG_LEVEL", "LOUD"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, environ={name: value})
    message = str(caught.value)
    assert name in message and "\n" not in message


def test_unknown_or_broken_config_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"SUPPORT_NOPE": 1}')
    with pytest.raises(ConfigError, match="SUPPORT_NOPE"):
        load_config(tmp_path, environ={})
    (tmp_path / "config.json").write_text("{broken")
    with pytest.raises(ConfigError, match=r"config\.json"):
        load_config(tmp_path, environ={})


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(SUPPORT_[A-Z_]+)` \|", readme, flags=re.M))
    assert documented == {s.name for s in SETTINGS}
