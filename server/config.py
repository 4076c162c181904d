"""Settings as data: every ``SUPPORT_*`` setting with its default and help, in one list.

Values come from, in increasing precedence: the defaults below, ``config.json`` in the data
directory, and the environment. A bad value stops start-up with one line naming the setting.
The README's configuration table is checked against :data:`SETTINGS` by a test.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_FILE = "config.json"


class ConfigError(Exception):
    """Bad configuration; the message is one line naming the setting."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError("must be a positive integer")
    return value


def _non_negative_int(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be zero or a positive integer")
    return value


def _rate(raw: str) -> str:
    from .ratelimit import parse_rate

    parse_rate(raw)
    return raw


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError("must be true or false")


def _public_url(raw: str) -> str:
    from urllib.parse import urlsplit

    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if value and (parts.scheme not in {"http", "https"} or not parts.netloc or parts.query):
        raise ValueError("must be empty or a base URL such as https://support.example.com")
    return value


def _smtp_url(raw: str) -> str:
    from .services.mail_transport import Relay

    value = raw.strip()
    if value:
        Relay.parse(value)
    return value


def _mail_from(raw: str) -> str:
    from email.headerregistry import Address
    from email.utils import parseaddr

    value = raw.strip()
    _, address = parseaddr(value)
    if not address or "@" not in address:
        raise ValueError("must be an address such as Support <support@example.com>")
    Address(addr_spec=address)
    return value


def _domain(raw: str) -> str:
    from .services.apps import DOMAIN

    value = raw.strip().lower()
    if value and not DOMAIN.match(value):
        raise ValueError("must be empty or a domain such as reply.example.com")
    return value


def _imap_url(raw: str) -> str:
    from .services.imap_source import Mailbox

    value = raw.strip()
    if value:
        Mailbox.parse(value)
    return value


def _log_level(raw: str) -> str:
    level = raw.strip().upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
    return level


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "SUPPORT_DATA_DIR",
        "./support-data",
        "Directory holding the SQLite database, the "
        "search index, the server secret and config.json.",
    ),
    Setting(
        "SUPPORT_MAX_TOKEN_AGE",
        86400,
        "Server-side cap, in seconds, on the age of an "
        "end-user token, applied whatever `exp` the host app chose.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_TOKEN_LEEWAY",
        60,
        "Seconds of clock difference tolerated between the host that mints a token and this "
        "server, both ways (a token signed slightly in the future, or just past its expiry).",
        _non_negative_int,
    ),
    Setting(
        "SUPPORT_VISITOR_TOKEN_AGE",
        90 * 86400,
        "Lifetime, in seconds, of the visitor tokens given to anonymous people who file a ticket.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_MAX_BODY_BYTES",
        1_048_576,
        "Largest accepted request body; larger ones get 413.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_RATE_SEARCH",
        "120/minute",
        "Search and suggestion requests per visitor (user, visitor token or IP).",
        _rate,
    ),
    Setting(
        "SUPPORT_RATE_ANON_TICKETS",
        "5/hour",
        "Tickets an anonymous visitor (by IP) may file.",
        _rate,
    ),
    Setting(
        "SUPPORT_RATE_TICKETS", "60/hour", "Tickets and replies an identified user may post.", _rate
    ),
    Setting(
        "SUPPORT_RATE_FAILED_KEYS",
        "20/minute",
        "Wrong staff API keys accepted per IP address before every key from it is refused "
        "for a while (429).",
        _rate,
    ),
    Setting(
        "SUPPORT_RATE_LIMITS_ENABLED", True, "Turn rate limiting off (tests, benchmarks).", _bool
    ),
    Setting(
        "SUPPORT_TRUSTED_PROXIES",
        0,
        "How many reverse proxies in front of the server "
        "set X-Forwarded-For (0: use the socket address).",
        _non_negative_int,
    ),
    Setting(
        "SUPPORT_SEARCH_CACHE_SIZE",
        1024,
        "Search results cached per process and index generation.",
        _non_negative_int,
    ),
    Setting(
        "SUPPORT_SEMANTIC_SEARCH",
        False,
        "Fuse help-center search with an offline embedding model (needs support-sdk[semantic]).",
        _bool,
    ),
    Setting("SUPPORT_LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING or ERROR.", _log_level),
    Setting(
        "SUPPORT_PUBLIC_URL",
        "",
        "The server's public base URL (https://support.example.com) for canonical links, the "
        "sitemap and image links; required by `serve`; empty: `run` (development) takes it from "
        "each request.",
        _public_url,
    ),
    Setting(
        "SUPPORT_SESSION_AGE",
        12 * 3600,
        "Lifetime, in seconds, of a staff sign-in session in the admin interface.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_RATE_LOGIN",
        "10/minute",
        "Admin sign-in attempts per IP address, and per username.",
        _rate,
    ),
    Setting(
        "SUPPORT_MAX_IMAGE_BYTES",
        5 * 1_048_576,
        "Largest image a writer may upload for an article.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_MAX_ATTACHMENT_BYTES",
        10 * 1_048_576,
        "Largest file a customer or an agent may attach to a ticket or a reply (413 above it).",
        _positive_int,
    ),
    Setting(
        "SUPPORT_RATE_UPLOADS",
        "100/hour",
        "Files an end user, a visitor or an anonymous address (by IP) may upload.",
        _rate,
    ),
    Setting(
        "SUPPORT_SMTP_URL",
        "",
        "The mail relay: smtp://user:pass@host:587?starttls=1, smtps://user:pass@host:465 or "
        "smtp://host:1025. Empty: mail is kept, shown as not sent, and sent once a relay is set.",
        _smtp_url,
    ),
    Setting(
        "SUPPORT_MAIL_FROM",
        "Support <support@localhost>",
        "The From address of every mail the server sends.",
        _mail_from,
    ),
    Setting(
        "SUPPORT_MAIL_REPLY_DOMAIN",
        "",
        "The domain of the signed reply addresses (support+<ticket>.<signature>@this domain), "
        "whose mail must reach the mailbox or the inbound route. Empty: the sender's domain.",
        _domain,
    ),
    Setting(
        "SUPPORT_IMAP_URL",
        "",
        "The mailbox the worker reads customers' mail from: imaps://user:pass@host/INBOX (or "
        "imap://…?starttls=1). Empty: mail arrives only by POST /api/v1/inbound/email.",
        _imap_url,
    ),
    Setting(
        "SUPPORT_IMAP_POLL",
        60,
        "Seconds between two looks into the IMAP mailbox.",
        _positive_int,
    ),
    Setting(
        "SUPPORT_WEBHOOK_ALLOW_PRIVATE",
        False,
        "Let webhooks reach private, loopback and link-local addresses and plain http "
        "(tests and the demo; never on a server that can reach an internal network).",
        _bool,
    ),
    Setting(
        "SUPPORT_JOB_LEASE",
        120,
        "Seconds a worker holds a job it claimed (or the mailbox it polls); a job whose "
        "worker died runs again after this (keep it above SUPPORT_WEBHOOK_TIMEOUT and the mail "
        "relay's timeout).",
        _positive_int,
    ),
    Setting(
        "SUPPORT_WEBHOOK_TIMEOUT",
        10,
        "Seconds a webhook receiver has to connect and to answer (each).",
        _positive_int,
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Config:
    """Resolved settings; attribute names are the setting names without ``SUPPORT_``."""

    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def data_dir(self) -> Path:
        return Path(self.values["SUPPORT_DATA_DIR"])


def _parse(setting: Setting, raw: Any, source: str) -> Any:
    if not isinstance(raw, str):
        raw = json.dumps(raw) if isinstance(raw, bool) else str(raw)
    try:
        return setting.parse(raw)
    except (ValueError, TypeError) as exc:
        shown = _without_password(raw) if setting.name.endswith("_URL") else raw
        raise ConfigError(f"{setting.name} ({source}): {shown!r} is invalid: {exc}") from None


def _without_password(raw: str) -> str:
    """A URL as it may be printed: its password (``smtp://user:secret@host``) masked."""
    return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", raw)


def load_config(
    data_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Resolve every setting. ``overrides`` (e.g. from command-line flags) win over all."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    directory = data_dir or env.get("SUPPORT_DATA_DIR") or values["SUPPORT_DATA_DIR"]
    values["SUPPORT_DATA_DIR"] = str(directory)
    config_path = Path(directory) / CONFIG_FILE
    if config_path.exists():
        try:
            from_file = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{config_path}: not readable JSON: {exc}") from None
        if not isinstance(from_file, dict):
            raise ConfigError(f"{config_path}: must hold a JSON object of settings")
        for name, raw in from_file.items():
            if name not in _BY_NAME:
                raise ConfigError(f"{name} ({config_path}): unknown setting")
            values[name] = _parse(_BY_NAME[name], raw, str(config_path))
    for name, raw in env.items():
        if name.startswith("SUPPORT_") and name in _BY_NAME and name != "SUPPORT_DATA_DIR":
            values[name] = _parse(_BY_NAME[name], raw, "environment")
    for name, raw in (overrides or {}).items():
        if name not in _BY_NAME:
            raise ConfigError(f"{name}: unknown setting")
        values[name] = _parse(_BY_NAME[name], raw, "override")
    return Config(values)
