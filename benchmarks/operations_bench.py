"""Running a big help center (issue 18): reindex, import, start-up and memory, each against
a baseline measured in the same run.

Per size (10,000 and 50,000 articles by default), on a data directory holding the help
center the suggestions benchmark builds (``suggestions_bench.build``, with a titles-only
index so that the reindex below is the one that writes the whole index):

* **reindex**: ``support-server reindex`` (every published article rendered and indexed,
  the new generation swapped in), while ``support-server serve --workers 2`` answers a
  reader's search every 50 ms on the same data (failures and p99 during the reindex are
  reported: search must be served throughout). Baseline: a SQLite FTS5 table built from
  the same articles' text in this process (what ``search_bench.py`` compares search with).
* **start-up**: from starting ``serve --workers 2`` to its first ``/api/v1/health`` answer
  with the index ``ok``, and the first search after it. Baseline: the bare Flask hello app of
  ``http_load`` under the same gunicorn settings, to its first answer.
* **memory**: the resident size of each web worker after serving the search and suggestion
  mix of ``http_bench`` (typos included, so the spelling corrector is loaded), of the job
  worker, and of the arbiter; baseline: the hello app's workers.

And once, **import** of a folder of ``--import-size`` (10,000) Markdown files with front
matter, as writers keep them, into a new data directory: ``support-server import``'s wall
time and peak memory, next to the time just reading and parsing the same files takes.

Three rounds of start-up and memory (``--rounds``); the reindex and the import once each
(minutes at 50,000). Writes ``benchmarks/results/operations.json``.

    .venv/bin/python benchmarks/operations_bench.py [--sizes 10000,50000]
        [--import-size 10000] [--rounds 3] [--quick] [--out FILE]

``--quick`` (1,000 articles, a 300-file import, one round) is the test suite's run: it
checks that the benchmark works and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from benchmarks.http_bench import SEARCHES  # noqa: E402
from benchmarks.http_load import WORKERS, HelloProcess, environment, pct  # noqa: E402
from benchmarks.search_bench import Fts5Index  # noqa: E402
from benchmarks.suggestions_bench import build  # noqa: E402
from support_sdk.docs import read_folder  # noqa: E402
from tests.servers import free_port, init_data_dir  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
COMMAND = str(Path(sys.executable).with_name("support-server"))


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def _children(pid: int) -> list[tuple[int, str]]:
    out = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout
    return [(int(line.split()[0]), line) for line in out.strip().splitlines()]


class Serve:
    """``support-server serve --workers 2`` on a data directory, timed to its first healthy
    answer (the index ``ok``)."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir, self.log = data_dir, log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.healthy_s = math.nan

    def __enter__(self) -> Serve:
        env = {**os.environ, "SUPPORT_RATE_LIMITS_ENABLED": "false", "SUPPORT_PUBLIC_URL": self.url}
        args = [COMMAND, "serve", "--data-dir", str(self.data_dir), "--port", str(self.port),
                "--workers", str(WORKERS)]  # fmt: skip
        started = time.perf_counter()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        while time.perf_counter() - started < 300:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited: {self.log.read_text()[-2000:]}")
            try:
                got = requests.get(f"{self.url}/api/v1/health", timeout=5)
                if got.status_code == 200 and got.json()["index"]["status"] == "ok":
                    self.healthy_s = time.perf_counter() - started
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.005)
        raise RuntimeError("serve did not become healthy in 300 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=30)


def _search(url: str, app_id: str, q: str) -> requests.Response:
    return requests.get(
        f"{url}/api/v1/help/search",
        params={"q": q, "locale": "en-US"},
        headers={"X-Support-App": app_id},
        timeout=30,
    )


def _readers_mix(url: str, app_id: str) -> None:
    for q in SEARCHES * 2:
        _search(url, app_id, q).raise_for_status()
        requests.get(
            f"{url}/api/v1/help/suggestions",
            params={"url": "https://app.example.com/billing/1/edit", "locale": "en-US"},
            headers={"X-Support-App": app_id},
            timeout=30,
        ).raise_for_status()


# -- the figures ------------------------------------------------------------------------------
def reindex(data_dir: Path, app_id: str, work: Path) -> dict[str, Any]:
    """``support-server reindex`` while serve answers searches; FTS5 built from the same
    articles as the baseline."""
    failures: list[str] = []
    latencies: list[float] = []
    stop = threading.Event()
    with Serve(data_dir, work / "serve-reindex.log") as server:

        def keep_searching() -> None:
            n = 0
            while not stop.is_set():
                begin = time.perf_counter()
                try:
                    got = _search(server.url, app_id, SEARCHES[n % len(SEARCHES)])
                    if got.status_code != 200:
                        failures.append(str(got.status_code))
                except requests.RequestException as exc:
                    failures.append(type(exc).__name__)
                latencies.append((time.perf_counter() - begin) * 1000)
                n += 1
                stop.wait(0.05)  # a reader every 50 ms: served throughout, not a load test

        reader = threading.Thread(target=keep_searching)
        reader.start()
        begin = time.perf_counter()
        try:
            done = subprocess.run(
                [COMMAND, "reindex", "--data-dir", str(data_dir)],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
        finally:
            took = time.perf_counter() - begin
            stop.set()
            reader.join()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    with sqlite3.connect(data_dir / "support.db") as conn:
        rows = conn.execute(
            "SELECT slug, title, summary, category, tags, body FROM articles"
            " WHERE status = 'published'"
        ).fetchall()
    fts = Fts5Index(work / f"fts5-{len(rows)}.sqlite3")
    from support_server.search.base import IndexDocument

    documents = [
        IndexDocument(
            article_id=n, revision=1, app_id=app_id, slug=r[0], locale="en", title=r[1],
            summary=r[2], category=r[3], tags=json.loads(r[4] or "[]"), text=r[5],
        )
        for n, r in enumerate(rows, 1)
    ]  # fmt: skip
    begin = time.perf_counter()
    fts.rebuild(documents)
    fts_s = time.perf_counter() - begin
    return {
        "ours_s": round(took, 1),
        "fts5_build_s": round(fts_s, 2),
        "ratio": round(took / fts_s, 1),
        "articles": len(rows),
        "output": done.stdout.strip().splitlines()[-1:],
        "peak_rss_mib_children": round(peak, 1),
        "searches_during": len(latencies),
        "search_failures_during": len(failures),
        "search_p50_ms_during": pct(latencies, 0.5) if latencies else None,
        "search_p99_ms_during": pct(latencies, 0.99) if latencies else None,
    }


def start_and_memory(data_dir: Path, app_id: str, work: Path, rounds: int) -> dict[str, Any]:
    """Start-up to healthy and resident memory, ours and the hello app's, round by round."""
    per_round = []
    for n in range(rounds):
        begin = time.perf_counter()
        with HelloProcess(work / "hello.log") as hello:
            hello_s = time.perf_counter() - begin
            assert hello.proc is not None
            for _ in range(200):  # both workers up and answering
                requests.get(f"http://127.0.0.1:{hello.port}/hello", timeout=10).raise_for_status()
            hello_rss = [_rss_mib(pid) for pid, _ in _children(hello.proc.pid)]
        with Serve(data_dir, work / "serve.log") as server:
            begin = time.perf_counter()
            _search(server.url, app_id, "invoice").raise_for_status()
            first_search_ms = (time.perf_counter() - begin) * 1000
            _readers_mix(server.url, app_id)
            assert server.proc is not None
            workers, job_worker = [], None
            for pid, line in _children(server.proc.pid):
                if " worker " in line and "support_server.cli" in line:
                    job_worker = _rss_mib(pid)
                else:
                    workers.append(_rss_mib(pid))
            this = {
                "healthy_s": round(server.healthy_s, 3),
                "hello_first_answer_s": round(hello_s, 3),
                "first_search_ms": round(first_search_ms, 1),
                "web_workers_rss_mib": workers,
                "job_worker_rss_mib": job_worker,
                "arbiter_rss_mib": _rss_mib(server.proc.pid),
                "hello_workers_rss_mib": hello_rss,
            }
        _say(
            f"    round {n + 1}: healthy after {this['healthy_s']} s (hello"
            f" {this['hello_first_answer_s']} s), web workers {workers} MiB (hello {hello_rss})"
        )
        per_round.append(this)

    def median(key: str) -> float:
        return float(statistics.median(r[key] for r in per_round))

    def worst(key: str) -> float:
        return float(statistics.median(max(r[key]) for r in per_round))

    healthy, hello_s = median("healthy_s"), median("hello_first_answer_s")
    rss, hello_rss = worst("web_workers_rss_mib"), worst("hello_workers_rss_mib")
    return {
        "rounds": per_round,
        "healthy_s": healthy,
        "hello_first_answer_s": hello_s,
        "startup_ratio": round(healthy / hello_s, 1),
        "first_search_ms": median("first_search_ms"),
        "web_worker_rss_mib": rss,
        "hello_worker_rss_mib": hello_rss,
        "memory_ratio": round(rss / hello_rss, 1),
        "job_worker_rss_mib": median("job_worker_rss_mib"),
    }


def import_folder(size: int, work: Path) -> dict[str, Any]:
    """A folder of ``size`` Markdown files imported into a new data directory."""
    from benchmarks.corpus import generated_help_center

    folder = work / f"folder-{size}"
    for doc in generated_help_center(size):
        path = folder / doc.category.lower().replace(" ", "-") / f"{doc.slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        tags = ", ".join(doc.tags)
        path.write_text(
            f"---\ntitle: {json.dumps(doc.title)}\nsummary: {json.dumps(doc.summary)}\n"
            f"tags: [{tags}]\nstatus: published\n---\n\n{doc.text}\n",
            encoding="utf-8",
        )
    begin = time.perf_counter()
    files = read_folder(folder)
    parse_s = time.perf_counter() - begin
    data_dir = work / f"import-{size}"
    init_data_dir(data_dir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    begin = time.perf_counter()
    subprocess.run(
        [COMMAND, "import", str(folder), "--data-dir", str(data_dir)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    took = time.perf_counter() - begin
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    with sqlite3.connect(data_dir / "support.db") as conn:
        imported = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    return {
        "files": len(files),
        "imported": imported,
        "ours_s": round(took, 1),
        "ms_per_article": round(took * 1000 / max(1, imported), 2),
        "read_and_parse_s": round(parse_s, 2),
        "ratio_to_parsing": round(took / parse_s, 1),
        # RUSAGE_CHILDREN keeps the largest child so far: the import's own peak when it is
        # the largest of them, as it is here (reported as not measured otherwise)
        "peak_rss_mib": round(peak / 1024, 1) if peak > before else None,
    }


def run_size(size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    data_dir = work / f"data-{size}"
    _say(f"{size} articles: generating and importing (titles-only index) ...")
    made = build(data_dir, size)
    app_id = made["creds"]["app_id"]
    _say("  reindex while serving ...")
    figures = {"articles": size, "reindex": reindex(data_dir, app_id, work)}
    r = figures["reindex"]
    _say(
        f"  reindex {r['ours_s']} s (FTS5 build {r['fts5_build_s']} s, {r['ratio']}x),"
        f" {r['search_failures_during']} failed searches of {r['searches_during']} meanwhile;"
        " start-up and memory ..."
    )
    figures["start_and_memory"] = start_and_memory(data_dir, app_id, work, args.rounds)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,50000", help="comma-separated")
    parser.add_argument("--import-size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a small run, for the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS / "operations.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.import_size, args.rounds = "1000", 300, 1
    report: dict[str, Any] = {"environment": environment(), "sizes": []}
    with tempfile.TemporaryDirectory(prefix="operations-bench-") as tmp:
        work = Path(tmp)
        _say(f"import of a {args.import_size}-file folder ...")
        report["import"] = import_folder(args.import_size, work)
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            report["sizes"].append(run_size(size, args, work))
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    imp = report["import"]
    print(
        f"import of {imp['files']} files: {imp['ours_s']} s ({imp['ms_per_article']} ms an"
        f" article; reading and parsing them {imp['read_and_parse_s']} s), peak"
        f" {imp['peak_rss_mib']} MiB"
    )
    print(
        f"{'articles':>8} {'reindex s':>10} {'FTS5 s':>7} {'ratio':>6} {'failed':>7}"
        f" {'healthy s':>10} {'hello s':>8} {'ratio':>6} {'worker MiB':>11} {'hello MiB':>10}"
        f" {'ratio':>6}"
    )
    for s in report["sizes"]:
        r, m = s["reindex"], s["start_and_memory"]
        print(
            f"{s['articles']:>8} {r['ours_s']:>10} {r['fts5_build_s']:>7} {r['ratio']:>6}"
            f" {r['search_failures_during']:>7} {m['healthy_s']:>10}"
            f" {m['hello_first_answer_s']:>8} {m['startup_ratio']:>6}"
            f" {m['web_worker_rss_mib']:>11} {m['hello_worker_rss_mib']:>10}"
            f" {m['memory_ratio']:>6}"
        )
    env = report["environment"]
    print(f"load average: {env['loadavg_at_start']} at start, {env['loadavg_at_end']} at end")
    print(f"wrote {args.out}")
    failed = sum(s["reindex"]["search_failures_during"] for s in report["sizes"])
    return 1 if failed or imp["imported"] != imp["files"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
