"""`python -m examples.webhook_receiver`: receive webhooks on http://127.0.0.1:5005/webhooks.

Set WEBHOOK_SECRET to the endpoint's signing secret (shown once when you add the endpoint in
the admin, under Webhooks); events are kept in WEBHOOK_DB (default webhook-events.db).
"""

from __future__ import annotations

import os
import sys

from .app import create_app

if __name__ == "__main__":
    secret = os.environ.get("WEBHOOK_SECRET", "")
    if not secret.startswith("whsec_"):
        sys.exit(
            "Set WEBHOOK_SECRET to the endpoint's signing secret (whsec_…): add an endpoint "
            "for http://127.0.0.1:5005/webhooks under Webhooks in the admin to get one."
        )
    app = create_app(
        {
            "WEBHOOK_SECRET": secret,
            "WEBHOOK_DB": os.environ.get("WEBHOOK_DB", "webhook-events.db"),
        }
    )
    print("Webhook receiver: POST http://127.0.0.1:5005/webhooks  (processed: GET /events)")
    app.run(host="127.0.0.1", port=5005)
