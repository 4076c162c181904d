"""The browser widget: its size as served, and how fast it appears and answers, in Chromium.

Sizes are what the server sends (``server/widget.py``: compacted files, gzip as zopfli writes
it, brotli for clients that accept it), summed per file because that is what a browser
downloads; the concatenated gzip size is shown for reference only.

Timings run in Debian's headless Chromium (``/usr/bin/chromium``, driven by Playwright) against
``support-server run`` with the sample help center, from a host page on another origin
(``tests/widget/site.py``), all on 127.0.0.1. The widget marks its own milestones with the
User Timing API (``support-widget:loader|launcher|ready|open|suggestions``):

* ``launcher``: from the loader starting to run to the launcher being shown (it waits for
  the stylesheet and the app's theme colour), with an empty cache and with a warm one.
  Baseline: the same page fetching the stylesheet and the config itself, in parallel.
* ``open → suggestions``: from the click on the launcher to the suggestions on screen, once
  the widget has loaded (the usual case: it loads when the browser is idle), and "cold", when
  the click comes before anything but the loader arrived. Baseline: a bare ``fetch()`` of the
  suggestions endpoint from the same page.

Budgets (DESIGN.md / issue 3): loader <= 2 KB and widget (JS + CSS + one language) <= 20 KB
gzip; launcher <= 100 ms; open to suggestions <= 150 ms.

    .venv/bin/python benchmarks/widget_bench.py [--runs 15]

Writes ``benchmarks/results/widget.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support_server.widget import Bundle  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import ServerProcess, cli, init_data_dir  # noqa: E402
from tests.widget.conftest import READY  # noqa: E402
from tests.widget.site import HostSite, document, embed  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BUDGETS = {"loader_gzip": 2048, "widget_gzip": 20480, "launcher_ms": 100, "open_ms": 150}
MARK = "(name) => performance.getEntriesByName('support-widget:' + name)[0]?.startTime ?? null"


def sizes() -> dict[str, Any]:
    bundle = Bundle(ROOT / "widget_assets")
    code = [n for n in bundle.assets if n != "loader.js" and not n.startswith("i18n/")]
    out: dict[str, Any] = {
        "files": {
            name: {
                "source": len((ROOT / "widget_assets" / name).read_bytes()),
                "served": len(asset.body),
                "gzip": len(asset.encoded("gzip")),
                "br": len(asset.encoded("br")),
            }
            for name, asset in sorted(bundle.assets.items())
        }
    }
    out["loader_gzip"] = out["files"]["loader.js"]["gzip"]
    for lang in ("en", "fr", "ar"):
        names = [*code, f"i18n/{lang}.js"]
        out[f"widget_gzip_{lang}"] = sum(out["files"][n]["gzip"] for n in names)
        out[f"widget_br_{lang}"] = sum(out["files"][n]["br"] for n in names)
        out[f"widget_gzip_concatenated_{lang}"] = len(
            gzip.compress(b"".join(bundle.assets[n].body for n in names), 9)
        )
    out["widget_gzip"] = max(out[f"widget_gzip_{lang}"] for lang in ("en", "fr", "ar"))
    return out


def stats(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": round(statistics.median(ordered), 1),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the host site's request log
    measured = sizes()

    with tempfile.TemporaryDirectory() as tmp, HostSite() as site:
        data_dir = Path(tmp) / "data"
        creds = init_data_dir(data_dir, site.origin)
        cli("import", str(ROOT / "examples" / "help_center"), "--data-dir", str(data_dir))
        with ServerProcess(data_dir) as server, sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            tag = embed(server.url, creds["app_id"], context="invoices.create")
            url = site.add("/bench", document("<h1>Invoices</h1>" + tag))
            timings = run(chromium, url, server.url, creds["app_id"], args.runs)
            chromium.close()

    report = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "chromium": CHROMIUM,
        "budgets": BUDGETS,
        "sizes": measured,
        "timings_ms": timings,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "widget.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print_report(report)


def run(chromium: Any, url: str, server: str, app_id: str, runs: int) -> dict[str, Any]:
    launcher_cold, launcher_warm, open_warm, open_cold = [], [], [], []
    base_launcher, base_open = [], []
    config = f"{server}/api/v1/widget/config?app_id={app_id}"
    suggestions = f"{server}/api/v1/help/suggestions?context=invoices.create&app_id={app_id}"
    build = None
    for _ in range(runs + 1):  # the first round warms the server up and is dropped
        context = chromium.new_context()
        page = context.new_page()
        page.goto(url)
        page.locator("support-widget .launcher").wait_for(state="visible")
        cold = page.evaluate(f"({MARK})('launcher') - ({MARK})('loader')")
        page.wait_for_function(READY)
        page.wait_for_timeout(50)
        t = page.evaluate(
            "() => new Promise((resolve) => {"
            " const start = performance.now();"
            " new PerformanceObserver((list, obs) => {"
            "  for (const e of list.getEntries()) if (e.name === 'support-widget:suggestions')"
            "   { obs.disconnect(); resolve(e.startTime - start); } }).observe({type: 'mark'});"
            " document.querySelector('support-widget').shadowRoot.querySelector('.launcher')"
            ".click(); })"
        )
        page.reload()  # warm cache: only the loader is revalidated
        page.locator("support-widget .launcher").wait_for(state="visible")
        warm = page.evaluate(f"({MARK})('launcher') - ({MARK})('loader')")
        # the baseline: what the launcher waits for, fetched by the page itself
        build = build or page.evaluate(
            "[...performance.getEntriesByType('resource')].map(e => e.name)"
            ".find(n => n.endsWith('/widget.css'))"
        )
        base = page.evaluate(
            f"async () => {{ const s = performance.now(); await Promise.all([fetch({config!r}),"
            f" fetch({build!r} + '?' + Math.random())]); return performance.now() - s; }}"
        )
        fetch_floor = page.evaluate(
            f"async () => {{ const s = performance.now();"
            f" await (await fetch({suggestions!r} + '&r=' + Math.random())).json();"
            " return performance.now() - s; }"
        )
        context.close()
        # cold open: the click comes as soon as the launcher shows, before the idle load
        context = chromium.new_context()
        page = context.new_page()
        page.goto(url)
        page.locator("support-widget .launcher").wait_for(state="visible")
        c = page.evaluate(
            "() => new Promise((resolve) => {"
            " const start = performance.now();"
            " new PerformanceObserver((list, obs) => {"
            "  for (const e of list.getEntries()) if (e.name === 'support-widget:suggestions')"
            "   { obs.disconnect(); resolve(e.startTime - start); } }).observe({type: 'mark'});"
            " document.querySelector('support-widget').shadowRoot.querySelector('.launcher')"
            ".click(); })"
        )
        context.close()
        if build is not None and len(launcher_cold) < runs and _ > 0:
            launcher_cold.append(cold)
            launcher_warm.append(warm)
            open_warm.append(t)
            open_cold.append(c)
            base_launcher.append(base)
            base_open.append(fetch_floor)
    return {
        "launcher_cold_cache": stats(launcher_cold),
        "launcher_warm_cache": stats(launcher_warm),
        "launcher_baseline_fetch_css_and_config": stats(base_launcher),
        "open_to_suggestions": stats(open_warm),
        "open_to_suggestions_before_idle_load": stats(open_cold),
        "open_baseline_fetch_suggestions": stats(base_open),
        "runs": runs,
    }


def print_report(report: dict[str, Any]) -> None:
    s, t, b = report["sizes"], report["timings_ms"], report["budgets"]
    print("Sizes (bytes, as served)")
    print(f"  loader.js gzip                 {s['loader_gzip']:>7}   budget {b['loader_gzip']}")
    for lang in ("en", "fr", "ar"):
        print(
            f"  widget + {lang} gzip / br          {s[f'widget_gzip_{lang}']:>7} / "
            f"{s[f'widget_br_{lang}']:<6} budget {b['widget_gzip']}  "
            f"(concatenated gzip {s[f'widget_gzip_concatenated_{lang}']})"
        )
    print("Timings (ms, median / p90)")
    rows = [
        ("launcher shown, empty cache", "launcher_cold_cache", "launcher_ms"),
        ("launcher shown, warm cache", "launcher_warm_cache", "launcher_ms"),
        ("  baseline: fetch css + config", "launcher_baseline_fetch_css_and_config", None),
        ("open -> suggestions shown", "open_to_suggestions", "open_ms"),
        ("open -> suggestions, before idle load", "open_to_suggestions_before_idle_load", None),
        ("  baseline: fetch suggestions", "open_baseline_fetch_suggestions", None),
    ]
    for label, key, budget in rows:
        budget_text = f"budget {b[budget]}" if budget else ""
        print(f"  {label:<40} {t[key]['median']:>6} / {t[key]['p90']:<6} {budget_text}")


if __name__ == "__main__":
    main()
