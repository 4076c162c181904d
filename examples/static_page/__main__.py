"""`python -m examples.static_page`: serve index.html on http://127.0.0.1:5002.

The page is static; serving it here only fills in the demo app's id and server URL.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..demo_credentials import support_settings

PAGE = Path(__file__).resolve().parent / "index.html"


def render(settings: dict[str, str]) -> bytes:
    html = PAGE.read_text(encoding="utf-8")
    html = html.replace("APP_ID", settings["SUPPORT_APP_ID"])
    html = html.replace("http://127.0.0.1:8000", settings["SUPPORT_URL"].rstrip("/"))
    return html.encode()


def main() -> None:
    body = render(support_settings())

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with ThreadingHTTPServer(("127.0.0.1", 5002), Handler) as server:
        print("Static page example: http://127.0.0.1:5002")
        server.serve_forever()


if __name__ == "__main__":
    main()
