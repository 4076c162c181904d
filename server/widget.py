"""The browser widget's files under ``/widget/v1/``: compacted, compressed once, cached hard.

Host pages embed one URL, ``/widget/v1/loader.js``, so that file is cached briefly and
revalidated with its ETag. The loader names the current *build* (a hash of every other file),
and everything else is served under ``/widget/v1/<build>/…``: a URL that changes whenever any
file does, so those responses are cached for a year as ``immutable``. A stale loader asking for
an old build gets the current files, uncached. After a failed load the loader asks again under
``<build>.<n>/`` (the same files under new URLs, since browsers remember a module that failed
for the page's life), which is the current build too.

Opening the panel needs only the loader, ``main.js`` and its static imports, ``widget.css`` and
one language's ``i18n/<lang>.js`` (within 16 KB of gzip with the loader, which alone is
within 1.5 KB: tests/widget/test_assets.py). main.js loads the rest on demand (other views,
``views.css``, ``i18n/<lang>.views.js``…), and asks again for one that failed with ``?<n>``
after its name: the query is not part of the file's name here, so that is the same file too.

There is no build step: the files in ``widget_assets/`` are the source. Each is read once per
process and *compacted* (:func:`compact`: comment lines and indentation dropped, line numbers
kept, so stack traces still point at the source), then gzip- and brotli-compressed on first
request; the representation follows ``Accept-Encoding`` and each has its own strong ETag.
Module scripts load cross-origin in CORS mode, so the files (public, no credentials) carry
``Access-Control-Allow-Origin: *``.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request

from .errors import NotFound

try:  # brotli is about 15% smaller than gzip, for clients that accept it
    import brotli
except ImportError:  # pragma: no cover - both are in the [server] extra
    brotli = None
try:  # zopfli writes standard gzip about 3% smaller than zlib's best, once per file
    from zopfli import gzip as zopfli_gzip
except ImportError:  # pragma: no cover
    zopfli_gzip = None

PREFIX = "/widget/v1"
LOADER = "loader.js"
BUILD_PLACEHOLDER = b"__SUPPORT_BUILD__"
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
LOADER_CACHE = "public, max-age=300, stale-while-revalidate=86400"
IMMUTABLE_CACHE = "public, max-age=31536000, immutable"


_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def compact(text: str, suffix: str) -> str:
    """Drop what only a reader needs: comments and indentation; keep every line break.

    Deliberately line-based and conservative. A comment after code on the same line is
    dropped only when the line reads unambiguously without a JavaScript parser (see
    :func:`_drop_trailing_comment`); otherwise it stays. A file with a template literal
    spanning lines (an odd number of backticks on some line) is served as it is, since its
    indentation may be part of a string.
    """
    if suffix == ".css":
        text = _CSS_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), text)
    elif any(line.count("`") % 2 for line in text.splitlines()):
        return text
    # a line ending in a backslash continues a string on the next: no line could be scanned
    scan = suffix == ".js" and not any(line.endswith("\\") for line in text.splitlines())
    out = []
    in_comment = False
    for line in text.splitlines():
        stripped = line.strip()
        if in_comment:
            in_comment = "*/" not in stripped
            stripped = ""
        elif stripped.startswith("//"):
            stripped = ""
        elif stripped.startswith("/*") and not stripped.startswith("/*!"):
            in_comment = "*/" not in stripped
            stripped = ""
        elif scan:
            stripped = _drop_trailing_comment(stripped)
        out.append(stripped)
    return "\n".join(out).rstrip("\n") + "\n"


def _drop_trailing_comment(line: str) -> str:
    """``code; // why`` -> ``code;``, when that is certain without a JavaScript parser.

    The line is scanned for strings (quotes, with backslash escapes); the first ``/`` outside
    them must open the comment. A line with any other ``/`` outside strings (a regular
    expression, which may hold a quote, or a division) or a template literal is kept whole.
    """
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "`":
            return line
        elif c == "/":
            code = line[:i].rstrip()
            return code if line.startswith("//", i) and code else line
        i += 1
    return line


def assets_dir() -> Path:
    """Installed wheels carry the files in ``support_server/widget_assets``; a source checkout
    keeps them in ``widget_assets/`` beside the ``server`` package."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "widget_assets", here.parent / "widget_assets"):
        if (candidate / LOADER).is_file():
            return candidate
    raise RuntimeError(f"the widget's files are missing (looked for {LOADER} near {here})")


@dataclass
class Asset:
    body: bytes
    content_type: str
    digest: str
    _encoded: dict[str, bytes] = field(default_factory=dict)

    def encoded(self, encoding: str) -> bytes:
        if encoding not in self._encoded:
            if encoding == "br":
                self._encoded[encoding] = brotli.compress(self.body, quality=11)
            elif encoding == "gzip" and zopfli_gzip is not None:
                self._encoded[encoding] = zopfli_gzip.compress(self.body)
            elif encoding == "gzip":
                self._encoded[encoding] = gzip.compress(self.body, 9, mtime=0)
            else:
                self._encoded[encoding] = self.body
        return self._encoded[encoding]


class Bundle:
    """Every widget file of one process, keyed by its path relative to the assets folder."""

    def __init__(self, root: Path) -> None:
        files = {
            path.relative_to(root).as_posix(): compact(
                path.read_text(encoding="utf-8"), path.suffix
            ).encode()
            for path in sorted(root.rglob("*"))
            if path.suffix in TYPES and path.is_file()
        }
        if LOADER not in files:
            raise RuntimeError(f"{root} has no {LOADER}")
        build = hashlib.sha256()
        for name, body in files.items():
            if name != LOADER:
                build.update(name.encode() + b"\0" + body + b"\0")
        self.build = build.hexdigest()[:12]
        files[LOADER] = files[LOADER].replace(BUILD_PLACEHOLDER, self.build.encode())
        self.assets = {
            name: Asset(body, TYPES[Path(name).suffix], hashlib.sha256(body).hexdigest()[:20])
            for name, body in files.items()
        }
        self._lock = threading.Lock()

    def get(self, name: str) -> Asset:
        asset = self.assets.get(name)
        if asset is None:
            raise NotFound("no such widget file")
        return asset

    def respond(self, asset: Asset, cache_control: str) -> Response:
        encoding = _negotiate()
        etag = f"{asset.digest}-{encoding or 'id'}"
        headers = {
            "Cache-Control": cache_control,
            "Vary": "Accept-Encoding",
            "Access-Control-Allow-Origin": "*",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "Timing-Allow-Origin": "*",
        }
        if request.if_none_match.contains_weak(etag):
            response = Response(status=304, headers=headers)
            response.set_etag(etag)
            return response
        with self._lock:  # compress each representation once, even under gunicorn threads
            body = asset.encoded(encoding or "identity")
        response = Response(body, content_type=asset.content_type, headers=headers)
        if encoding:
            response.headers["Content-Encoding"] = encoding
        response.set_etag(etag)
        return response


def _negotiate() -> str | None:
    accepted = request.accept_encodings
    if brotli is not None and accepted.quality("br") > 0:
        return "br"
    if accepted.quality("gzip") > 0:
        return "gzip"
    return None


def bundle() -> Bundle:
    found: Bundle = current_app.extensions["support_widget"]
    return found


bp = Blueprint("widget_assets", __name__, url_prefix=PREFIX)


@bp.get("/" + LOADER)
def loader() -> Response:
    files = bundle()
    return files.respond(files.get(LOADER), LOADER_CACHE)


@bp.get("/<build>/<path:name>")
def asset(build: str, name: str) -> Response:
    files = bundle()
    if name == LOADER:
        raise NotFound("no such widget file")
    current = build.partition(".")[0] == files.build
    return files.respond(files.get(name), IMMUTABLE_CACHE if current else "no-cache")


def register(app: Flask, root: Path | None = None) -> None:
    app.extensions["support_widget"] = Bundle(root or assets_dir())
    app.register_blueprint(bp)
