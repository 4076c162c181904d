"""The index is derived data: rebuilt when missing, damaged or stale; never loses an update."""

from __future__ import annotations

import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from support_sdk import SupportClient
from support_server.search.base import IndexDocument
from support_server.search.whoosh_index import FORMAT, WhooshIndex

from ..servers import ServerProcess, cli, init_data_dir


def search(url: str, app_id: str, q: str) -> dict[str, object]:
    response = requests.get(
        f"{url}/api/v1/help/search",
        params={"q": q, "limit": 50},
        headers={"X-Support-App": app_id},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def slugs(body: dict[str, object]) -> set[str]:
    return {r["slug"] for r in body["results"]}  # type: ignore[attr-defined, index]


@pytest.fixture
def data(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    return data_dir, creds


def publish(url: str, key: str, title: str, body: str = "text") -> str:
    with SupportClient(url, api_key=key) as writer:
        return writer.articles.create(title=title, body=body, status="published").slug


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("damage", ["delete", "corrupt", "empty-pointer"])
def test_a_missing_or_damaged_index_is_rebuilt_at_start(
    data: tuple[Path, dict[str, str]], damage: str
) -> None:
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        publish(server.url, creds["admin_api_key"], "Quarterly VAT return")
    index = data_dir / "index"
    if damage == "delete":
        shutil.rmtree(index)
    elif damage == "corrupt":
        for path in index.rglob("*"):
            if path.is_file() and path.name != "CURRENT":
                path.write_bytes(b"\x00garbage")
    else:
        (index / "CURRENT").write_text("gen-that-does-not-exist")
    with ServerProcess(data_dir) as server:
        assert "quarterly-vat-return" in slugs(search(server.url, creds["app_id"], "vat"))
        health = requests.get(server.url + "/api/v1/health", timeout=10).json()
        assert health["index"]["status"] == "ok" and health["index"]["documents"] == 1


def test_a_stale_index_is_brought_up_to_date_at_start(data: tuple[Path, dict[str, str]]) -> None:
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        publish(server.url, creds["admin_api_key"], "First article")
    snapshot = data_dir.parent / "old-index"
    shutil.copytree(data_dir / "index", snapshot)
    with ServerProcess(data_dir) as server:
        publish(server.url, creds["admin_api_key"], "Second article about payroll")
    shutil.rmtree(data_dir / "index")
    shutil.copytree(snapshot, data_dir / "index")  # as if the index missed the last commit
    with ServerProcess(data_dir) as server:
        assert slugs(search(server.url, creds["app_id"], "payroll")) == {
            "second-article-about-payroll"
        }


def test_an_index_built_by_an_older_release_is_rebuilt_for_its_snippets(
    data: tuple[Path, dict[str, str]],
) -> None:
    """Generations from before the readable plain text (no FORMAT file) hold "Refund ." text:
    the server rebuilds them at start, so upgraded installs get the new snippets."""
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        publish(
            server.url, creds["admin_api_key"], "Refunds", "Click **Refund**. The money is back."
        )
    old = WhooshIndex(data_dir / "index")
    [(article_id, revision)] = old.stored_versions().items()
    # What releases before FORMAT 2 stored: tags replaced by spaces, so "Refund ." salad.
    old.apply(
        [
            IndexDocument(
                article_id,
                revision,
                creds["app_id"],
                "refunds",
                "en",
                "Refunds",
                "",
                "",
                text="Refunds Click Refund . The money is back .",
            )
        ],
        deletes=[],
    )
    old.close()  # segments are read through open files
    for marker in (data_dir / "index").glob("gen-*/FORMAT"):
        marker.unlink()
    with ServerProcess(data_dir) as server:
        response = requests.get(
            server.url + "/api/v1/help/search",
            params={"q": "refund"},
            headers={"X-Support-App": creds["app_id"]},
            timeout=10,
        )
        assert (
            "Click <mark>Refund</mark>. The money is back."
            in response.json()["results"][0]["snippet"]
        )
    markers = list((data_dir / "index").glob("gen-*/FORMAT"))
    assert markers and all(p.read_text() == FORMAT for p in markers)


def test_search_degrades_to_the_database_while_the_index_is_gone(
    data: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        publish(server.url, creds["admin_api_key"], "Bank feeds", "Connect your bank feed")
        shutil.rmtree(data_dir / "index")
        body = search(server.url, creds["app_id"], "bank")
        assert body["degraded"] is True and slugs(body) == {"bank-feeds"}
        with SupportClient(server.url, app_id=creds["app_id"], app_secret=creds["app_secret"]) as c:
            token = c.user_token("u1")
            assert c.create_ticket("still works", user_token=token).status == "new"
        cli("reindex", "--data-dir", str(data_dir))
        assert search(server.url, creds["app_id"], "bank")["degraded"] is False


def test_reindex_shows_progress_and_serving_continues(data: tuple[Path, dict[str, str]]) -> None:
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        for n in range(5):
            publish(server.url, creds["admin_api_key"], f"Topic number {n}")
        stop = threading.Event()
        failures: list[int] = []

        def keep_searching() -> None:
            while not stop.is_set():
                response = requests.get(
                    f"{server.url}/api/v1/help/search",
                    timeout=10,
                    params={"q": "topic"},
                    headers={"X-Support-App": creds["app_id"]},
                )
                if response.status_code != 200 or response.json()["total"] != 5:
                    failures.append(response.status_code)

        reader = threading.Thread(target=keep_searching)
        reader.start()
        try:
            done = cli("reindex", "--data-dir", str(data_dir))
        finally:
            stop.set()
            reader.join()
        assert "Indexed 5 published articles" in done.stdout
        assert "Indexing articles" in done.stderr
        assert failures == []


def test_concurrent_writers_on_several_workers_lose_no_update(
    data: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = data
    key = creds["admin_api_key"]
    with ServerProcess(data_dir, mode="serve", workers=3) as server:

        def write(n: int) -> None:
            with SupportClient(server.url, api_key=key, timeout=30) as writer:
                article = writer.articles.create(title=f"Draft {n}", body="first draft zyxobsolete")
                writer.articles.publish(article.id)
                writer.articles.update(article.id, body=f"final version marker{n}x")

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(write, range(40)))
        found = set()
        for n in range(40):
            found |= slugs(search(server.url, creds["app_id"], f"marker{n}x"))
        assert len(found) == 40
        assert search(server.url, creds["app_id"], "zyxobsolete")["total"] == 0
        health = requests.get(server.url + "/api/v1/health", timeout=10).json()
        assert health["database"]["index_backlog"] == 0
        assert health["index"]["documents"] == 40


def test_the_worker_removes_the_generations_a_reindex_replaced(
    data: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = data
    index = data_dir / "index"
    with ServerProcess(data_dir) as server:
        publish(server.url, creds["admin_api_key"], "Topic to keep finding")
    cli("reindex", "--data-dir", str(data_dir))
    generations = sorted(p.name for p in index.glob("gen-*"))
    assert len(generations) == 2  # the one replaced stays for requests begun on it
    live = (index / "CURRENT").read_text().strip()
    hour_ago = (index / "CURRENT").stat().st_mtime - 3600
    for name in generations:  # as if the reindex had run an hour ago
        os.utime(index / name, (hour_ago - 60, hour_ago - 60))
    os.utime(index / "CURRENT", (hour_ago, hour_ago))
    with ServerProcess(data_dir) as server:  # its worker sweeps at start, then every minute
        deadline = time.monotonic() + 20
        while len(list(index.glob("gen-*"))) > 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p.name for p in index.glob("gen-*")] == [live]
        assert slugs(search(server.url, creds["app_id"], "topic")) == {"topic-to-keep-finding"}


def test_serve_rebuilds_a_missing_index_once_before_its_workers_start_and_says_so(
    data: tuple[Path, dict[str, str]],
) -> None:
    data_dir, creds = data
    with ServerProcess(data_dir) as server:
        for n in range(3):
            publish(server.url, creds["admin_api_key"], f"Quarterly VAT return {n}")
    shutil.rmtree(data_dir / "index")
    server = ServerProcess(data_dir, mode="serve", workers=2)
    with server:
        found = search(server.url, creds["app_id"], "vat")
        assert found["total"] == 3
    log = server.log.read_text(encoding="utf-8")
    assert "Rebuilding the search index: 3 of 3 articles" in log
    # the arbiter rebuilt it: no web worker found it missing (each would say so)
    assert "search index is missing" in log and log.count("search index is missing") == 1
