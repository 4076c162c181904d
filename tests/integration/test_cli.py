"""`support-server` commands, run for real as a user would."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from ..conftest import HELP_CENTER
from ..servers import cli, init_data_dir


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_init_prints_credentials_once_and_refuses_to_run_twice(data_dir: Path) -> None:
    creds = init_data_dir(data_dir, "https://app.example.com/")
    assert set(creds) >= {"app_id", "app_secret", "admin_api_key"}
    assert creds["origins"] == ["https://app.example.com"]
    secret_file = data_dir / "server-secret.json"
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    again = cli("init", "--data-dir", str(data_dir), "--json", check=False)
    assert again.returncode == 1 and "already initialised" in again.stderr
    assert again.stdout == ""


def test_apps_create_list_update_and_rotate(data_dir: Path) -> None:
    init_data_dir(data_dir)
    made = json.loads(
        cli(
            "apps",
            "create",
            "Shop",
            "--origin",
            "http://shop.test",
            "--data-dir",
            str(data_dir),
            "--json",
        ).stdout
    )
    listed = json.loads(cli("apps", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert [a["name"] for a in listed] == ["Default app", "Shop"]
    assert made["app_secret"] not in json.dumps(listed)  # secrets are never listed
    bad = cli(
        "apps", "update", "Shop", "--origin", "not a url", "--data-dir", str(data_dir), check=False
    )
    assert bad.returncode == 1 and "not an origin" in bad.stderr
    rotated = json.loads(
        cli("apps", "rotate-secret", "Shop", "--data-dir", str(data_dir), "--json").stdout
    )
    assert rotated["app_secret"] != made["app_secret"]
    listed = json.loads(cli("apps", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert listed[1]["secrets"] == 2
    cli("apps", "rotate-secret", "Shop", "--retire-old", "--data-dir", str(data_dir))
    listed = json.loads(cli("apps", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert listed[1]["secrets"] == 1
    missing = cli("apps", "rotate-secret", "Nope", "--data-dir", str(data_dir), check=False)
    assert missing.returncode == 1 and "no app" in missing.stderr


def test_a_sixth_secret_is_refused_unless_the_oldest_may_go(data_dir: Path) -> None:
    creds = init_data_dir(data_dir)
    app, where = creds["app_id"], ["--data-dir", str(data_dir)]
    for _ in range(4):  # the first secret and four more: the limit of five
        cli("apps", "rotate-secret", app, *where)
    refused = cli("apps", "rotate-secret", app, *where, check=False)
    assert refused.returncode == 1
    assert "already has 5 signing secrets" in refused.stderr and "--drop-oldest" in refused.stderr
    assert json.loads(cli("apps", "list", *where, "--json").stdout)[0]["secrets"] == 5
    cli("apps", "rotate-secret", app, "--drop-oldest", *where)
    assert json.loads(cli("apps", "list", *where, "--json").stdout)[0]["secrets"] == 5


def test_keys_are_shown_once_and_listed_without_the_secret(data_dir: Path) -> None:
    init_data_dir(data_dir)
    made = json.loads(
        cli(
            "keys",
            "create",
            "--role",
            "writer",
            "--name",
            "docs bot",
            "--data-dir",
            str(data_dir),
            "--json",
        ).stdout
    )
    assert made["api_key"].startswith("sk_")
    listed = cli("keys", "list", "--data-dir", str(data_dir)).stdout
    assert made["key_id"] in listed and made["api_key"] not in listed and "docs bot" in listed
    bad = cli("keys", "create", "--role", "superuser", "--data-dir", str(data_dir), check=False)
    assert bad.returncode == 2 and "superuser" in bad.stderr
    cli("keys", "revoke", made["key_id"], "--data-dir", str(data_dir))
    assert "revoked" in cli("keys", "list", "--data-dir", str(data_dir)).stdout


def test_import_export_round_trip_changes_nothing_the_second_time(
    data_dir: Path, tmp_path: Path
) -> None:
    init_data_dir(data_dir)
    first = cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    assert "56 to create" in first.stdout
    again = cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 56 unchanged" in again.stdout
    out = tmp_path / "exported"
    assert "Wrote 56 articles" in cli("export", str(out), "--data-dir", str(data_dir)).stdout
    assert (out / "billing" / "request-a-refund.fr.md").exists()
    back = cli("import", str(out), "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 56 unchanged" in back.stdout


def test_a_bad_file_is_reported_with_path_and_line_and_nothing_is_imported(
    data_dir: Path,
    tmp_path: Path,
) -> None:
    init_data_dir(data_dir)
    folder = tmp_path / "docs"
    shutil.copytree(HELP_CENTER / "billing", folder)
    (folder / "broken.md").write_text("---\ntitle: Broken\nslug: broken\ntags: [unclosed\n---\nx\n")
    (folder / "typo.md").write_text("---\ntitle: Typo\nslgu: typo\n---\nbody\n")
    (folder / "nofront.md").write_text("just text\n")
    result = cli("import", str(folder), "--data-dir", str(data_dir), check=False)
    assert result.returncode == 1
    assert f"{folder / 'broken.md'}:" in result.stderr
    assert f"{folder / 'typo.md'}:3: unknown front-matter key 'slgu'" in result.stderr
    assert f"{folder / 'nofront.md'}:1: missing front matter" in result.stderr
    assert "nothing was imported" in result.stderr
    dry = cli("import", str(HELP_CENTER / "billing"), "--dry-run", "--data-dir", str(data_dir))
    assert "to create" in dry.stdout
    listing = cli("import", str(HELP_CENTER / "billing"), "--dry-run", "--data-dir", str(data_dir))
    assert "0 unchanged" in listing.stdout  # the failed import and the dry run wrote nothing


def test_bad_configuration_stops_with_one_line_naming_the_setting(data_dir: Path) -> None:
    init_data_dir(data_dir)
    result = cli(
        "reindex", "--data-dir", str(data_dir), env={"SUPPORT_RATE_SEARCH": "lots"}, check=False
    )
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "SUPPORT_RATE_SEARCH" in lines[0]


def test_commands_on_an_uninitialised_directory_say_what_to_do(data_dir: Path) -> None:
    result = cli("run", "--data-dir", str(data_dir), check=False)
    assert result.returncode == 1 and "support-server init" in result.stderr


def test_apps_update_refuses_nothing_to_do_and_bad_colours(data_dir: Path) -> None:
    creds = init_data_dir(data_dir, "http://shop.test")
    nothing = cli("apps", "update", creds["app_id"], "--data-dir", str(data_dir), check=False)
    assert nothing.returncode == 2 and "--origin and/or --theme-color" in nothing.stderr
    bad = cli(
        "apps",
        "update",
        creds["app_id"],
        "--theme-color",
        "blue",
        "--data-dir",
        str(data_dir),
        check=False,
    )
    assert bad.returncode == 1 and "is not a colour" in bad.stderr
    listed = json.loads(cli("apps", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert listed[0]["origins"] == ["http://shop.test"]  # nothing was changed
    good = json.loads(
        cli(
            "apps",
            "update",
            creds["app_id"],
            "--theme-color",
            "#2563EB",
            "--data-dir",
            str(data_dir),
            "--json",
        ).stdout
    )
    assert good["theme_color"] == "#2563eb" and good["origins"] == ["http://shop.test"]


def test_init_env_prints_shell_exports_a_shell_can_source(data_dir: Path, tmp_path: Path) -> None:
    printed = cli("init", "--data-dir", str(data_dir), "--env").stdout
    assert [line.split("=", 1)[0] for line in printed.splitlines()] == [
        "export SUPPORT_APP_ID",
        "export SUPPORT_APP_SECRET",
        "export SUPPORT_API_KEY",
    ]
    (tmp_path / "support.env").write_text(printed, encoding="utf-8")
    seen = subprocess.run(
        ["sh", "-c", '. ./support.env && echo "$SUPPORT_APP_ID $SUPPORT_API_KEY"'],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    listed = json.loads(cli("apps", "list", "--data-dir", str(data_dir), "--json").stdout)
    assert seen[0] == listed[0]["app_id"] and seen[1].startswith("sk_")
    both = cli("init", "--data-dir", str(tmp_path / "x"), "--env", "--json", check=False)
    assert both.returncode == 2 and "--json or --env" in both.stderr
    assert not (tmp_path / "x").exists()  # refused before anything was created


def test_import_sample_loads_the_shipped_help_center_once(data_dir: Path) -> None:
    init_data_dir(data_dir)
    first = cli("import", "--sample", "--data-dir", str(data_dir))
    assert "56 to create, 0 to update, 0 unchanged" in first.stdout
    again = cli("import", "--sample", "--data-dir", str(data_dir))
    assert "0 to create, 0 to update, 56 unchanged" in again.stdout
    for args in ((), ("--sample", str(HELP_CENTER))):
        wrong = cli("import", *args, "--data-dir", str(data_dir), check=False)
        assert wrong.returncode == 2 and "give a FOLDER or --sample" in wrong.stderr
