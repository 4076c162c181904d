"""`python -m examples.wsgi_app`: serve the example on http://127.0.0.1:5001."""

from __future__ import annotations

from wsgiref.simple_server import make_server

from ..demo_credentials import support_settings
from .app import make_app

if __name__ == "__main__":
    with make_server("127.0.0.1", 5001, make_app(support_settings())) as server:
        print("WSGI example: http://127.0.0.1:5001  (set a cookie user=ada to be signed in)")
        server.serve_forever()
