"""The demo's mail catcher: a local SMTP server that keeps every message it is handed.

``make run`` (``support-server demo``) starts one on 127.0.0.1 at a free port and points
``SUPPORT_SMTP_URL`` at it, so a newcomer sees every email the server sends: each message is
kept as an ``.eml`` file under ``<data-dir>/mailcatcher/`` (any mail client opens one) and
shown as sent in the admin's "Sent mail". It needs aiosmtpd (the ``[demo]`` extra); without
it the demo still runs and its mail stays queued as "not sent: no mail relay configured".
"""

from __future__ import annotations

import itertools
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FOLDER = "mailcatcher"
HOST = "127.0.0.1"
_counter = itertools.count(1)


class KeepMessages:
    """An aiosmtpd handler: every message becomes one .eml file, written whole (a reader
    never sees half a message: it is written under another name and renamed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode("utf-8")
        stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
        name = f"{stamp}-{os.getpid()}-{next(_counter):05d}.eml"
        partial = self.folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(self.folder / name)
        return "250 Message kept by the demo's mail catcher"


@dataclass
class MailCatcher:
    url: str  # for SUPPORT_SMTP_URL
    folder: Path
    controller: Any

    def stop(self) -> None:
        self.controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def start(data_dir: Path) -> MailCatcher | None:
    """Start a catcher in a background thread; None when aiosmtpd is not installed."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        return None
    folder = data_dir / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(5):
        port = _free_port()
        controller = Controller(KeepMessages(folder), hostname=HOST, port=port)
        try:
            controller.start()
        except (OSError, RuntimeError):  # someone took the port between the probe and the bind
            if attempt == 4:
                raise
            continue
        return MailCatcher(url=f"smtp://{HOST}:{port}", folder=folder, controller=controller)
    return None  # pragma: no cover - the loop returns or raises
