"""`python -m examples.flask_shop`: serve the example on http://127.0.0.1:5000."""

from __future__ import annotations

import os

from ..demo_credentials import support_settings
from .app import create_app

if __name__ == "__main__":
    app = create_app({**support_settings(), "SECRET_KEY": os.urandom(24).hex()})
    print("Ledgerly example: http://127.0.0.1:5000  (sign in as the demo user)")
    app.run(host="127.0.0.1", port=5000)
