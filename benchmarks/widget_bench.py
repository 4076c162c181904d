"""The browser widget: its size as served, and how fast it appears and answers, in Chromium.

Sizes are what the server sends (``server/widget.py``: compacted files, gzip as zopfli writes
it, brotli for clients that accept it), summed per file because that is what a browser
downloads; the concatenated gzip size is shown for reference only. They are given for

* the loader alone: what every host page pays, the baseline;
* the first open: what opening the panel on the home view downloads (the loader, main.js and
  its static imports, widget.css, one language's strings), per language, and beyond the loader;
* the parts loaded on demand (``need`` in main.js): at start, what the views share, each view
  with what it needs first, the form's parts; and the whole widget, for one language.

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
* Over a slow network (Chromium's own throttling, as Lighthouse's mobile runs: 150 ms of
  latency, 1.6 Mbit/s down, 750 kbit/s up), with an empty cache: the launcher, the click on it
  as soon as it shows to the suggestions (and the widget bytes downloaded by then), and the
  click on "Send us a message" right after them to the form on screen (its files on demand).

Budgets (DESIGN.md / issue 3, issue 18): loader <= 1.5 KB and first open (loader, JS, CSS, one
language) <= 16 KB gzip; launcher <= 100 ms; open to suggestions <= 150 ms.

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
from tests.widget.test_assets import first_open  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BUDGETS = {"loader_gzip": 1536, "first_open_gzip": 16384, "launcher_ms": 100, "open_ms": 150}
MARK = "(name) => performance.getEntriesByName('support-widget:' + name)[0]?.startTime ?? null"
LANGUAGES = ("en", "fr", "ar")
# The parts loaded on demand (English strings), as main.js's VIEWS and `need` group them; any
# file missing here is reported as "other".
ON_DEMAND = {
    "at start: triggers, unread count": ["triggers.js", "unread.js"],
    "shared by the views": ["views.css", "i18n/en.views.js", "views/icons.js"],
    "article": ["views/article.js"],
    "contact form (+ outcome, outbox)": ["views/contact.js", "views/done.js", "outbox.js"],
    "form parts: attachments, fields": ["views/attach.js", "upload.js", "views/fields.js"],
    "my tickets": ["views/tickets.js"],
    "conversation": ["views/conversation.js"],
}
# Lighthouse's mobile throttling, in Chromium's own terms (bytes per second)
SLOW = {"latency": 150, "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8}


def sizes() -> dict[str, Any]:
    bundle = Bundle(ROOT / "widget_assets")
    files = {
        name: {
            "source": len((ROOT / "widget_assets" / name).read_bytes()),
            "served": len(asset.body),
            "gzip": len(asset.encoded("gzip")),
            "br": len(asset.encoded("br")),
        }
        for name, asset in sorted(bundle.assets.items())
    }

    def total(names: list[str], encoding: str = "gzip") -> int:
        return sum(files[name][encoding] for name in names)

    out: dict[str, Any] = {"files": files}
    out["loader_gzip"] = files["loader.js"]["gzip"]
    out["loader_br"] = files["loader.js"]["br"]
    for lang in LANGUAGES:
        names = first_open(lang)
        out[f"first_open_files_{lang}"] = names
        out[f"first_open_gzip_{lang}"] = total(names)
        out[f"first_open_br_{lang}"] = total(names, "br")
        out[f"first_open_gzip_concatenated_{lang}"] = len(
            gzip.compress(b"".join(bundle.assets[n].body for n in names), 9)
        )
    out["first_open_gzip"] = max(out[f"first_open_gzip_{lang}"] for lang in LANGUAGES)
    grouped = {name for names in ON_DEMAND.values() for name in names}
    rest = set(files) - set(first_open("en")) - grouped
    others = sorted(n for n in rest if not n.startswith("i18n/"))
    groups = {**ON_DEMAND, **({"other": others} if others else {})}
    out["on_demand_gzip"] = {group: total(names) for group, names in groups.items()}
    out["on_demand_files"] = groups
    out["whole_widget_gzip_en"] = total(first_open("en")) + sum(out["on_demand_gzip"].values())
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
            timings["slow_network"] = run_slow(chromium, url, args.runs)
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


CLICK_TO_MARK = (
    "([selector, name]) => new Promise((resolve) => {"
    " const start = performance.now();"
    " new PerformanceObserver((list, obs) => {"
    "  for (const e of list.getEntries()) if (e.name === 'support-widget:' + name)"
    "   { obs.disconnect(); resolve(e.startTime - start); } }).observe({type: 'mark'});"
    " document.querySelector('support-widget').shadowRoot.querySelector(selector).click(); })"
)
CLICK_TO_SHOWN = (
    "([selector, shown]) => new Promise((resolve) => {"
    " const root = document.querySelector('support-widget').shadowRoot;"
    " const start = performance.now();"
    " const check = () => root.querySelector(shown) ? resolve(performance.now() - start)"
    "  : requestAnimationFrame(check);"
    " root.querySelector(selector).click(); check(); })"
)
WIDGET_BYTES = (
    "() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/widget/v1/'))"
    ".reduce((sum, e) => sum + e.encodedBodySize, 0)"
)


def run_slow(chromium: Any, url: str, runs: int) -> dict[str, Any]:
    """Over a slow network, with an empty cache: the launcher; the click on it as soon as it
    shows to the suggestions, and the widget's bytes by then; the click on "Send us a message"
    right after them to the form."""
    launcher, opened, contact, loaded = [], [], [], []
    for i in range(runs + 1):  # the first round warms the server up and is dropped
        context = chromium.new_context()
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", {"offline": False, **SLOW})
        page.goto(url)
        page.locator("support-widget .launcher").wait_for(state="visible")
        shown = page.evaluate(f"({MARK})('launcher') - ({MARK})('loader')")
        to_suggestions = page.evaluate(CLICK_TO_MARK, [".launcher", "suggestions"])
        downloaded = page.evaluate(WIDGET_BYTES)
        to_form = page.evaluate(CLICK_TO_SHOWN, [".card", "[name=body]"])
        context.close()
        if i:
            launcher.append(shown)
            opened.append(to_suggestions)
            loaded.append(downloaded)
            contact.append(to_form)
    return {
        "conditions": SLOW,
        "launcher_shown": stats(launcher),
        "open_to_suggestions_at_once": stats(opened),
        "widget_bytes_by_suggestions": stats(loaded),
        "contact_form_right_after": stats(contact),
    }


def print_report(report: dict[str, Any]) -> None:
    s, t, b = report["sizes"], report["timings_ms"], report["budgets"]
    print("Sizes (bytes, as served)")
    loader = s["loader_gzip"]
    print(
        f"  loader.js gzip / br (the baseline)    {loader:>6} / {s['loader_br']:<6} "
        f"budget {b['loader_gzip']}"
    )
    for lang in LANGUAGES:
        gz = s[f"first_open_gzip_{lang}"]
        print(
            f"  first open, {lang}: gzip / br          {gz:>6} / {s[f'first_open_br_{lang}']:<6} "
            f"budget {b['first_open_gzip']}  (loader + {gz - loader}; "
            f"{len(s[f'first_open_files_{lang}'])} files; "
            f"concatenated gzip {s[f'first_open_gzip_concatenated_{lang}']})"
        )
    print("  on demand, gzip (en):")
    for group, size in s["on_demand_gzip"].items():
        print(f"    {group:<36} {size:>6}")
    print(f"  the whole widget, gzip (en)           {s['whole_widget_gzip_en']:>6}")
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
    slow = t["slow_network"]
    c = slow["conditions"]
    print(
        f"Slow network, empty cache ({c['latency']} ms, {c['downloadThroughput'] * 8 / 1e6:g} "
        f"Mbit/s down, {c['uploadThroughput'] * 8 / 1e3:g} kbit/s up; ms, median / p90)"
    )
    rows = [
        ("launcher shown", "launcher_shown"),
        ("click at once -> suggestions shown", "open_to_suggestions_at_once"),
        ("  widget bytes by then (br)", "widget_bytes_by_suggestions"),
        ("then click -> contact form shown", "contact_form_right_after"),
    ]
    for label, key in rows:
        print(f"  {label:<40} {slow[key]['median']:>6} / {slow[key]['p90']:<6}")


if __name__ == "__main__":
    main()
