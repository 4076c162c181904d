"""`support-sdk articles push/pull` and `support-sdk check`, run as writers would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support_sdk.testing import SupportServer

from ..conftest import HELP_CENTER, ROOT

SDK = str(Path(sys.executable).parent / "support-sdk")


def sdk(
    server: SupportServer, *args: str, key: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SUPPORT_URL": server.url,
        "SUPPORT_APP_ID": server.app_id,
        "SUPPORT_API_KEY": key if key is not None else server.admin_api_key,
    }
    return subprocess.run(
        [SDK, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.fixture
def server(tmp_path: Path) -> SupportServer:
    started = SupportServer.start_new(tmp_path / "data")
    yield started  # type: ignore[misc]
    started.stop()


def count(server: SupportServer) -> int:
    with server.staff_client() as writer:
        return len(list(writer.articles.iter_all()))


def test_push_then_push_again_changes_nothing_and_pull_round_trips(
    server: SupportServer,
    tmp_path: Path,
) -> None:
    first = sdk(server, "articles", "push", str(HELP_CENTER))
    assert first.returncode == 0, first.stderr
    assert "56 to create, 0 to update, 0 to archive, 0 unchanged" in first.stdout
    assert "[56/56] created" in first.stderr  # progress
    again = sdk(server, "articles", "push", str(HELP_CENTER))
    assert "0 to create, 0 to update, 0 to archive, 56 unchanged" in again.stdout
    pulled = tmp_path / "pulled"
    assert "Wrote 56 articles" in sdk(server, "articles", "pull", str(pulled)).stdout
    back = sdk(server, "articles", "push", str(pulled))
    assert "0 to create, 0 to update, 0 to archive, 56 unchanged" in back.stdout
    with server.client() as client:
        assert client.search("refund").results  # published ones are searchable


def test_changes_updates_and_archives_are_planned_then_applied(
    server: SupportServer,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(HELP_CENTER / "billing", folder)
    sdk(server, "articles", "push", str(folder))
    edited = folder / "request-a-refund.md"
    edited.write_text(
        edited.read_text().replace("title: Request a refund", "title: Ask for a refund")
    )
    (folder / "cancel-your-subscription.md").unlink()
    dry = sdk(server, "articles", "push", str(folder), "--delete-missing", "--dry-run")
    assert "~ update request-a-refund (en): title" in dry.stdout
    assert "- archive cancel-your-subscription (en)" in dry.stdout
    assert "dry run: nothing sent" in dry.stdout
    with server.client() as client:
        assert client.article("request-a-refund").title == "Request a refund"
    done = sdk(server, "articles", "push", str(folder), "--delete-missing")
    assert done.returncode == 0
    with server.client() as client:
        assert client.article("request-a-refund").title == "Ask for a refund"
        assert "cancel-your-subscription" not in [r.slug for r in client.search("cancel").results]


def test_a_bad_file_stops_the_push_before_anything_is_sent(
    server: SupportServer,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "docs"
    shutil.copytree(HELP_CENTER / "billing", folder)
    (folder / "broken.md").write_text("---\ntitle: Broken\nslug: Bad Slug\nstatus: live\n---\nx\n")
    result = sdk(server, "articles", "push", str(folder))
    assert result.returncode == 1
    assert f"{folder / 'broken.md'}:3: slug is required" in result.stderr
    assert f"{folder / 'broken.md'}:4: status must be one of" in result.stderr
    assert "nothing was sent" in result.stderr
    assert count(server) == 0


def test_push_needs_a_writer_key(server: SupportServer) -> None:
    missing = sdk(server, "articles", "push", str(HELP_CENTER), key="")
    assert missing.returncode == 2 and "API key" in missing.stderr
    agent_key = server.staff_client("agent")._api_key
    refused = sdk(server, "articles", "push", str(HELP_CENTER), key=str(agent_key))
    assert refused.returncode == 1 and "cannot manage articles" in refused.stderr
    assert count(server) == 0


def test_check_names_contexts_without_articles_and_articles_no_page_uses(
    server: SupportServer,
    tmp_path: Path,
) -> None:
    sdk(server, "articles", "push", str(HELP_CENTER))
    shop = ROOT / "examples" / "flask_shop"
    covered = sdk(server, "check", str(shop), "--allow-unused")
    assert covered.returncode == 0, covered.stdout
    assert "0 missing" in covered.stdout
    strict = sdk(server, "check", str(shop))
    assert strict.returncode == 1 and "unused: billing.refunds" in strict.stdout
    extra = tmp_path / "templates"
    extra.mkdir()
    (extra / "page.html").write_text(
        "<p>\n{{ help_link('exports.scheduled', 'Help') }}</p>\n"
        '<span data-support-help="dashboard"></span>\n'
    )
    gap = sdk(server, "check", str(extra), "--allow-unused")
    assert gap.returncode == 1
    assert (
        f"missing: exports.scheduled has no published article (used at {extra / 'page.html'}:2)"
        in gap.stdout
    )


def test_check_allow_unused_lists_only_real_problems(server: SupportServer, tmp_path: Path) -> None:
    sdk(server, "articles", "push", str(HELP_CENTER), "--publish")
    shop = ROOT / "examples" / "flask_shop"
    strict = sdk(server, "check", str(shop))
    unused = [line for line in strict.stdout.splitlines() if line.startswith("unused: ")]
    assert strict.returncode == 1 and len(unused) > 3  # without the flag, each is a problem
    allowed = sdk(server, "check", str(shop), "--allow-unused")
    assert allowed.returncode == 0, allowed.stdout
    assert "unused: " not in allowed.stdout
    mentions = [line for line in allowed.stdout.splitlines() if "unused" in line]
    assert len(mentions) == 1, allowed.stdout  # one line: the count
    assert mentions[0].endswith(f"0 missing, {len(unused)} unused (allowed)")
    page = tmp_path / "page.html"
    page.write_text('<span data-support-help="exports.scheduled"></span>\n')
    gap = sdk(server, "check", str(shop), str(page), "--allow-unused")
    assert gap.returncode == 1
    assert "missing: exports.scheduled has no published article" in gap.stdout
    assert "unused: " not in gap.stdout
