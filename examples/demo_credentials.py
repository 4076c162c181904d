"""Where the examples find a Support server: the environment, or the `make run` demo."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

DEMO_CREDENTIALS = Path(__file__).resolve().parent.parent / ".demo-data" / "demo-credentials.json"


def support_settings() -> dict[str, str]:
    """SUPPORT_URL, SUPPORT_APP_ID and SUPPORT_APP_SECRET from the environment or the demo."""
    names = ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET")
    if all(os.environ.get(n) for n in names):
        return {n: os.environ[n] for n in names}
    if not DEMO_CREDENTIALS.exists():
        sys.exit(
            "No Support server configured: run `make run` first (it writes "
            f"{DEMO_CREDENTIALS}), or set {', '.join(names)}."
        )
    creds = json.loads(DEMO_CREDENTIALS.read_text(encoding="utf-8"))
    return {
        "SUPPORT_URL": os.environ.get("SUPPORT_URL", "http://127.0.0.1:8000"),
        "SUPPORT_APP_ID": creds["app_id"],
        "SUPPORT_APP_SECRET": creds["app_secret"],
    }
