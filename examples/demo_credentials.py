"""Where the examples find a Support server: the environment, or the running `make run` demo.

The demo writes its URL (whatever ``make run PORT=…`` chose), app id and secret to
``demo-credentials.json`` in its data folder (``.demo-data/``, or ``DEMO_DIR`` as given to
``make run``). An example that cannot reach the server says so at start, instead of serving
pages whose widget never loads.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET")


def credentials_file(env: Mapping[str, str] = os.environ) -> Path:
    folder = Path(env.get("DEMO_DIR") or ".demo-data")
    return (folder if folder.is_absolute() else ROOT / folder) / "demo-credentials.json"


def support_settings(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """SUPPORT_URL, SUPPORT_APP_ID and SUPPORT_APP_SECRET from the environment or the demo;
    exits with a message saying what to do when there is no server to talk to."""
    if all(env.get(n) for n in NAMES):
        settings = {n: env[n] for n in NAMES}
    else:
        path = credentials_file(env)
        if not path.exists():
            sys.exit(
                f"No Support server configured: run `make run` first (it writes {path}), "
                f"or set {', '.join(NAMES)}."
            )
        creds = json.loads(path.read_text(encoding="utf-8"))
        if "url" not in creds:
            sys.exit(f"{path} names no server URL: start the demo again with `make run`.")
        settings = {
            "SUPPORT_URL": creds["url"],
            "SUPPORT_APP_ID": creds["app_id"],
            "SUPPORT_APP_SECRET": creds["app_secret"],
        }
    check_reachable(settings["SUPPORT_URL"])
    return settings


def check_reachable(url: str) -> None:
    try:
        requests.get(f"{url.rstrip('/')}/api/v1/health", timeout=3).raise_for_status()
    except requests.HTTPError as exc:
        sys.exit(
            f"The server at {url} is not a healthy Support server ({exc.response.status_code})."
        )
    except requests.RequestException:
        sys.exit(f"No Support server answers at {url}: is `make run` still running?")
