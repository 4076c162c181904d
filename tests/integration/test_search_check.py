"""`support-sdk check --search`: golden queries run against a real server's search, as CI would."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_sdk.search_check import read_golden
from support_sdk.testing import SupportServer

from ..conftest import HELP_CENTER, ROOT

SDK = str(Path(sys.executable).parent / "support-sdk")
GOLDEN = HELP_CENTER / "search.txt"


def sdk(
    server: SupportServer, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SUPPORT_URL": server.url,
        "SUPPORT_APP_ID": server.app_id,
        "SUPPORT_API_KEY": server.admin_api_key,
    }
    return subprocess.run(
        [SDK, *args], capture_output=True, text=True, env=env, timeout=300, check=False, cwd=cwd
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportServer]:
    """One server with the sample help center pushed; the tests only search it."""
    started = SupportServer.start_new(tmp_path_factory.mktemp("search-check") / "data")
    try:
        pushed = sdk(started, "articles", "push", str(HELP_CENTER))
        assert pushed.returncode == 0, pushed.stderr
        yield started
    finally:
        started.stop()


def ranked(server: SupportServer, query: str) -> list[str]:
    with server.client() as client:
        return [r.slug for r in client.search(query, limit=10).results]


def test_the_sample_help_centers_golden_queries_all_pass(server: SupportServer) -> None:
    golden = read_golden(GOLDEN)
    assert golden.problems == () and len(golden.queries) >= 30
    queries = len(golden.queries)
    expected = sum(len(q.expected) for q in golden.queries)
    result = sdk(server, "check", "--search", str(GOLDEN))
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert re.fullmatch(
        rf"recall@3 1\.00 \({expected}/{expected}\), MRR (0\.9\d|1\.00), {queries} queries",
        lines[0],
    ), result.stdout
    for locale in ("en", "fr", "ar"):
        assert any(line.startswith(f"  {locale}: recall@3 1.00 (") for line in lines), lines
    assert f"[{queries}/{queries}] searching" in result.stderr  # progress, on stderr


def test_every_syntax_error_is_named_with_its_line_and_nothing_is_searched(
    server: SupportServer, tmp_path: Path
) -> None:
    bad = tmp_path / "search.txt"
    bad.write_text(
        "# golden queries\n"
        "export to csv\n"
        " -> reset-your-password\n"
        "refund ->\n"
        "refund -> Bad Slug!\n"
        "[xx_!!]\n"
        "[fr]\n"
        "remboursement -> request-a-refund\n"
        "Remboursement -> request-a-refund\n",
        encoding="utf-8",
    )
    result = sdk(server, "check", "--search", str(bad))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'{bad}:2: expected "query -> slug, …"',
        f'{bad}:3: no query before "->"',
        f'{bad}:4: no slug after "->"',
        f'{bad}:5: "Bad Slug!" is not a slug (lowercase letters, digits, hyphens)',
        f'{bad}:6: "[xx_!!]" is not a locale (e.g. [fr], [en-US], [pt-BR])',
        f'{bad}:9: "Remboursement" [fr] is also on line 8',
        "support-sdk: 6 problem(s); nothing was searched",
    ]
    assert result.stdout == ""


def test_an_unknown_or_unpublished_slug_is_an_error_with_its_line(
    server: SupportServer, tmp_path: Path
) -> None:
    golden = tmp_path / "search.txt"
    golden.write_text(
        "refund -> request-a-refund\n"
        "okta login -> set-up-single-sign-on\n"  # a draft in the sample help center
        "cancel -> cancel-your-subscriptoin\n"
        "[fr-CA]\n"
        "remboursement -> request-a-refund\n"  # fr-CA is searched in French: fine
        "annuler -> cancel-your-subscription\n",  # no French translation
        encoding="utf-8",
    )
    result = sdk(server, "check", "--search", str(golden))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f'{golden}:2: no published article "set-up-single-sign-on" in locale en',
        f'{golden}:3: no published article "cancel-your-subscriptoin" in locale en',
        f'{golden}:6: no published article "cancel-your-subscription" in locale fr-ca '
        "(searched as fr); it is published in en",
        "support-sdk: 3 problem(s); nothing was searched",
    ]


def test_a_query_whose_article_is_ranked_fifth_fails_and_is_named(
    server: SupportServer, tmp_path: Path
) -> None:
    got = ranked(server, "refund")
    assert len(got) >= 5, got
    golden = tmp_path / "search.txt"
    golden.write_text(f"refund -> {got[4]}\ncancel subscription -> cancel-your-subscription\n")
    result = sdk(server, "check", "--search", str(golden))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f'{golden}:1: "refund" [en]: expected {got[4]} in the top 3, got {", ".join(got[:3])} '
        f"({got[4]} is 5th)",
        "recall@3 0.50 (1/2), MRR 0.60, 2 queries",
        "failed: recall@3 0.50 is below --min-recall 1.00 (1 query missed)",
    ]
    lenient = sdk(server, "check", "--search", str(golden), "--min-recall", "0.5")
    assert lenient.returncode == 0, lenient.stdout


def test_save_then_baseline_passes_unchanged_and_names_a_regression(
    server: SupportServer, tmp_path: Path
) -> None:
    golden = tmp_path / "search.txt"
    golden.write_text(
        "refund -> request-a-refund\n"
        "cancel subscription -> cancel-your-subscription\n"
        "[fr]\n"
        "remboursement -> request-a-refund\n",
        encoding="utf-8",
    )
    report = tmp_path / "search-baseline.json"
    saved = sdk(server, "check", "--search", str(golden), "--save", str(report))
    assert saved.returncode == 0, saved.stdout + saved.stderr
    assert json.loads(report.read_text())["totals"]["recall_at_3"] == 1.0
    same = sdk(server, "check", "--search", str(golden), "--baseline", str(report))
    assert same.returncode == 0, same.stdout
    fifth = ranked(server, "refund")[4]
    golden.write_text(
        golden.read_text().replace("refund -> request-a-refund", f"refund -> {fifth}")
    )
    worse = sdk(server, "check", "--search", str(golden), "--baseline", str(report))
    assert worse.returncode == 1
    failed = [line for line in worse.stdout.splitlines() if line.startswith("failed: ")]
    assert failed[0] == f"failed: recall@3 dropped from 1.0000 to 0.6667 (baseline {report})"
    assert failed[-1] == (
        f'failed: regression: {golden}:1: "refund" [en] passed in the baseline, fails now'
    )


def test_json_output_parses_and_carries_every_query(server: SupportServer) -> None:
    result = sdk(server, "check", "--search", str(GOLDEN), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    queries = read_golden(GOLDEN).queries
    assert report["ok"] is True and report["failures"] == []
    assert report["totals"]["queries"] == len(queries) and report["totals"]["recall_at_3"] == 1.0
    assert set(report["locales"]) == {"en", "fr", "ar"}
    first = report["queries"][0]
    assert first["query"] == queries[0].query and first["locale"] == "en"
    assert first["expected"] == list(queries[0].expected)
    assert all(isinstance(rank, int) and 1 <= rank <= 3 for rank in first["ranks"].values())
    assert 0 < len(first["got"]) <= 10 and first["passed"] is True


def test_a_missing_file_is_a_usage_error_and_paths_also_check_contexts(
    server: SupportServer, tmp_path: Path
) -> None:
    missing = sdk(server, "check", "--search", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2
    assert f"{tmp_path / 'nope.txt'}: no such file" in missing.stderr
    stray = sdk(server, "check", "--save", str(tmp_path / "r.json"))
    assert stray.returncode == 2 and "only with --search FILE" in stray.stderr
    golden = tmp_path / "search.txt"
    golden.write_text("refund -> request-a-refund\n", encoding="utf-8")
    # --search alone does not scan the current folder for contexts...
    alone = sdk(server, "check", "--search", str(golden), cwd=tmp_path)
    assert alone.returncode == 0 and "covered" not in alone.stdout
    # ...a PATH given as well checks its contexts too.
    shop = ROOT / "examples" / "flask_shop"
    both = sdk(server, "check", "--search", str(golden), str(shop), "--allow-unused")
    assert both.returncode == 0, both.stdout
    assert "recall@3 1.00 (1/1)" in both.stdout and "0 missing" in both.stdout


def test_golden_queries_stay_out_of_the_readers_search_analytics(server: SupportServer) -> None:
    def logged() -> list[tuple[object, ...]]:
        conn = sqlite3.connect(server.data_dir / "support.db")
        try:
            return conn.execute("SELECT id, query, results FROM search_log ORDER BY id").fetchall()
        finally:
            conn.close()

    before = logged()
    assert sdk(server, "check", "--search", str(GOLDEN)).returncode == 0
    assert logged() == before  # a staff key searches as a writer, not as a reader
    ranked(server, "refund a card payment")  # a reader's search is logged (within 0.5 s)
    deadline = time.monotonic() + 10
    while "refund a card payment" not in [row[1] for row in logged()]:
        assert time.monotonic() < deadline, logged()
        time.sleep(0.05)
