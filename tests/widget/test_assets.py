"""The widget's files as the server serves them: one small loader, versioned immutable assets,
ETags, compression, CORS for module scripts, and the public config endpoint."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest
import requests

from support_server.widget import Bundle, compact

from ..conftest import LiveServer
from ..servers import cli

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "widget_assets"
LOADER_BUDGET = 2 * 1024
# 20 KB until the views were split one to a module (views/*.js): each file is compressed on
# its own, so the split costs about 2 KB of gzip that a single views.js did not. 24 KB since
# live updates (the launcher's count, unread markers, the polled conversation: ~0.7 KB).
# Issue 18 brings it under 16 KB by serving the modules as one bundle per build. 25 KB since
# attachments and custom fields (issue 13): their code loads only with the views that use them
# (ON_DEMAND_BUDGET), but their strings, styles and the lines that load them come with the
# rest (~1.2 KB).
WIDGET_BUDGET = 25 * 1024
# 5 KB since the known-issue banner (views/notices.js, its words in each language with it):
# kept out of the first open, whose budget had no room for it.
ON_DEMAND_BUDGET = 5 * 1024
STATIC_IMPORT = re.compile(r'from "(\.{1,2}/[^"]+)"')
DYNAMIC_IMPORT = re.compile(r'import\("(\.{1,2}/[^"]+)"\)')


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10)


def build_of(support: LiveServer) -> str:
    loader = get(f"{support.url}/widget/v1/loader.js").text
    found = re.search(r'new URL\("([0-9a-f]{12})/"', loader)
    assert found, "the loader names its build"
    return found.group(1)


def test_loader_is_small_revalidated_and_compressed(support: LiveServer) -> None:
    url = f"{support.url}/widget/v1/loader.js"
    gz = get(url, **{"Accept-Encoding": "gzip"})
    assert gz.status_code == 200
    assert gz.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert gz.headers["Content-Encoding"] == "gzip"
    assert "max-age=300" in gz.headers["Cache-Control"]
    assert gz.headers["Vary"] == "Accept-Encoding"
    assert gz.headers["Access-Control-Allow-Origin"] == "*"
    raw = requests.get(url, headers={"Accept-Encoding": "gzip"}, timeout=10, stream=True)
    assert len(raw.raw.read()) <= LOADER_BUDGET
    again = get(url, **{"Accept-Encoding": "gzip", "If-None-Match": gz.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    br = get(url, **{"Accept-Encoding": "br"})
    assert br.headers["Content-Encoding"] == "br"
    assert br.headers["ETag"] != gz.headers["ETag"]
    plain = get(url, **{"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.text == br.text == gz.text


def test_assets_are_versioned_and_immutable(support: LiveServer) -> None:
    build = build_of(support)
    for name in ("main.js", "views/home.js", "widget.css", "i18n/en.js", "i18n/ar.js"):
        response = get(f"{support.url}/widget/v1/{build}/{name}")
        assert response.status_code == 200, name
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    retry = get(f"{support.url}/widget/v1/{build}.2/main.js")  # the loader's second retry
    assert retry.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert retry.content == get(f"{support.url}/widget/v1/{build}/main.js").content
    stale = get(f"{support.url}/widget/v1/000000000000/main.js")
    assert stale.status_code == 200
    assert stale.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    ["nope.js", "../server/app.py", "..%2fsetup.cfg", "loader.js", "i18n/../main.py", "x.py"],
)
def test_only_widget_files_are_served(support: LiveServer, path: str) -> None:
    response = get(f"{support.url}/widget/v1/{build_of(support)}/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def imported(names: set[str], pattern: re.Pattern[str]) -> set[str]:
    """The modules `names` import (by `pattern`), named as the bundle names them."""
    found = set()
    for name in names:
        path = ASSETS / name
        for specifier in pattern.findall(path.read_text(encoding="utf-8")):
            found.add((path.parent / specifier).resolve().relative_to(ASSETS).as_posix())
    return found


def closure(names: set[str]) -> set[str]:
    """`names` and every module they import statically, however deep."""
    seen: set[str] = set()
    while names - seen:
        seen |= names
        names = seen | imported(names, STATIC_IMPORT)
    return seen


def test_whole_widget_fits_the_budget(support: LiveServer) -> None:
    """What opening the panel loads (main.js and its static imports, the CSS, one language's
    strings), gzip-compressed as served, within the budget; the modules views import when they
    are shown, within theirs; and nothing else is served."""
    bundle = Bundle(ASSETS)
    names = sorted(closure({"main.js"}) | {"widget.css"})
    js = {n for n in names if n.endswith(".js")}
    on_demand = closure(imported(js, DYNAMIC_IMPORT)) - set(names)
    assert on_demand >= {"upload.js", "views/attach.js", "views/fields.js"}
    assert imported(on_demand, DYNAMIC_IMPORT) <= on_demand | js
    strings = {f"i18n/{language}.js" for language in ("en", "fr", "ar")}
    assert set(bundle.assets) == {*names, *on_demand, *strings, "loader.js"}
    for language in ("en", "fr", "ar"):
        total = sum(len(bundle.assets[n].encoded("gzip")) for n in [*names, f"i18n/{language}.js"])
        assert total <= WIDGET_BUDGET, (language, total)
    later = sum(len(bundle.assets[n].encoded("gzip")) for n in on_demand)
    assert later <= ON_DEMAND_BUDGET, later
    build = build_of(support)
    served = 0
    for name in [*names, "i18n/en.js"]:
        response = requests.get(
            f"{support.url}/widget/v1/{build}/{name}",
            headers={"Accept-Encoding": "gzip"},
            stream=True,
            timeout=10,
        )
        body = response.raw.read()
        assert gzip.decompress(body) == bundle.assets[name].body
        served += len(body)
    assert served <= WIDGET_BUDGET
    br = requests.get(
        f"{support.url}/widget/v1/{build}/views/contact.js",
        headers={"Accept-Encoding": "br"},
        stream=True,
        timeout=10,
    )
    assert brotli.decompress(br.raw.read()) == bundle.assets["views/contact.js"].body


def test_compaction_drops_comments_and_indentation_but_keeps_lines() -> None:
    source = (
        'const a = 1; // dropped\n  // dropped\n  /* dropped\n  too */\n  /*! kept */\n\tx("//");\n'
    )
    out = compact(source, ".js")
    assert out.splitlines() == ["const a = 1;", "", "", "", "/*! kept */", 'x("//");']
    # a "//" that might be in a string or a regular expression: the line is left as it is
    for unclear in (
        'x = "a // b";',
        'x = "it\'s // here";',
        "s = `${a} // b`; // c",
        'r = /"/.test(s) ? "a // b" : c;',
        "n = a / b; // c",
        "x = \"a'\" + 'b // c';",
        "s = 'a \\' // b';",
        "a = 1; /* b */ // c",
    ):
        assert compact(unclear + "\n", ".js") == unclear + "\n", unclear
    url = 'const ns = "http://www.w3.org/2000/svg"; // why'
    assert compact(url + "\n", ".js") == 'const ns = "http://www.w3.org/2000/svg";\n'
    assert compact("a { color: red; } // not css\n", ".css") == "a { color: red; } // not css\n"
    assert compact('x = "a // b" + y; // c\n', ".js") == 'x = "a // b" + y;\n'
    assert compact('x("//a") // c\n', ".js") == 'x("//a")\n'
    continued = 'const s = "a\\\nb // c"; // d\n'
    assert compact(continued, ".js").splitlines()[1] == 'b // c"; // d'  # left alone
    assert compact("a {\n  /* note\n */\n  color: red; }\n", ".css").splitlines() == [
        "a {",
        "",
        "",
        "color: red; }",
    ]
    multiline = "const s = `a\n  b`;\n"
    assert compact(multiline, ".js") == multiline
    for path in ASSETS.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert len(compact(text, ".js").splitlines()) == len(text.rstrip("\n").splitlines()), path


def test_i18n_files_have_the_same_keys() -> None:
    def keys(language: str) -> list[str]:
        text = (ASSETS / "i18n" / f"{language}.js").read_text(encoding="utf-8")
        return re.findall(r"^  ([A-Za-z_]+):", text, re.M)

    english = keys("en")
    assert len(english) > 50
    for language in ("fr", "ar"):
        assert keys(language) == english, language


def test_config_is_public_cacheable_and_themed(support: LiveServer, site: object) -> None:
    url = f"{support.url}/api/v1/widget/config?app_id={support.app_id}"
    body = get(url).json()
    assert body["app"]["id"] == support.app_id
    assert body["theme"] == {"accent": "#4f46e5", "on_accent": "#ffffff"}
    assert "public" in get(url).headers["Cache-Control"]
    unknown = get(f"{support.url}/api/v1/widget/config?app_id=app_nope")
    assert unknown.status_code == 401


def test_theme_colour_cli_validates(support: LiveServer) -> None:
    bad = cli(
        "apps",
        "update",
        support.app_id,
        "--theme-color",
        "red",
        "--data-dir",
        str(support.data_dir),
        check=False,
    )
    assert bad.returncode != 0
    assert "not a colour" in bad.stderr
    nothing = cli(
        "apps", "update", support.app_id, "--data-dir", str(support.data_dir), check=False
    )
    assert nothing.returncode != 0
    assert "--theme-color" in nothing.stderr


def test_no_node_toolchain_is_needed() -> None:
    """The widget is its source: native ES modules and CSS, no bundler. The repository's
    package.json holds development tools only (the formatter and linter), pinned exactly."""
    assert not list(ASSETS.rglob("package.json"))
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    assert package["private"] is True
    assert set(package) <= {"name", "private", "description", "devDependencies"}, package
    for name, version in package["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), (name, version)
    for path in ASSETS.rglob("*.js"):
        text = path.read_text(encoding="utf-8")
        for specifier in re.findall(r'from "([^"]+)"', text):
            assert specifier.startswith("./") or specifier.startswith("../"), (path, specifier)
            assert (path.parent / specifier).resolve().is_file(), (path, specifier)


def test_the_views_change_the_screen_only_through_dom_helpers() -> None:
    """dom.js's put and add drop false, null and undefined children (no "false" on screen) and
    keep focus in the dialog when the focused element is replaced; a direct DOM insertion in
    a view would do neither. (triggers.js decorates the host page, loader.js builds the
    launcher: neither shows a view.)"""
    direct = re.compile(
        r"\.(replaceChildren|replaceWith|append|appendChild|prepend|insertBefore"
        r"|insertAdjacentElement|insertAdjacentHTML|insertAdjacentText)\(|\.innerHTML\s*="
    )
    views = sorted((ASSETS / "views").glob("*.js"))
    assert len(views) >= 6, views
    for path in [
        *views,
        *(ASSETS / n for n in ("panel.js", "main.js", "outbox.js", "api.js", "events.js")),
    ]:
        text = path.read_text(encoding="utf-8")
        assert not direct.findall(text), path
        # and nothing disables a button: a disabled button loses focus (aria-disabled instead)
        assert ".disabled =" not in text, path
