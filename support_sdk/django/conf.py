"""The ``SUPPORT`` setting: read, validated, and checked by Django's system checks."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .._embed import SupportUser

__all__ = ["Config", "UserLoader", "check_settings", "get_config", "problems"]

UserLoader = Callable[[HttpRequest], "SupportUser | Mapping[str, Any] | None"]
KNOWN = (
    "URL",
    "APP_ID",
    "APP_SECRET",
    "USER_LOADER",
    "WIDGET",
    "ANONYMOUS",
    "TOKEN_TTL",
    "API_KEY",
)
DEFAULT_LOADER = "support_sdk.django.users.request_user"


@dataclass(frozen=True)
class Config:
    url: str
    app_id: str
    app_secret: str
    user_loader: UserLoader
    widget: Mapping[str, str] = field(default_factory=dict)
    anonymous: bool = False
    token_ttl: int = 3600
    api_key: str | None = None


@dataclass(frozen=True)
class Problem:
    id: str
    msg: str
    hint: str | None = None
    error: bool = True


def _text(raw: Mapping[str, Any], name: str, number: int, hint: str) -> list[Problem]:
    value = raw.get(name)
    if value is None:
        return [Problem(f"support_sdk.E00{number}", f'SUPPORT["{name}"] is not set.', hint)]
    if not isinstance(value, str) or not value.strip():
        return [
            Problem(
                f"support_sdk.E00{number}",
                f'SUPPORT["{name}"] must be a non-empty string, not {value!r}.',
                hint,
            )
        ]
    return []


def problems(raw: object) -> list[Problem]:
    """Everything wrong with a ``SUPPORT`` setting's value (empty when it is good)."""
    if not isinstance(raw, Mapping):
        what = "is not set" if raw is None else f"must be a dict, not {type(raw).__name__}"
        return [
            Problem(
                "support_sdk.E001",
                f"The SUPPORT setting {what}.",
                'Add SUPPORT = {"URL": …, "APP_ID": …, "APP_SECRET": …} to your settings.',
            )
        ]
    found = _text(raw, "URL", 2, "The Support server's address, e.g. https://support.example.com.")
    if not found:
        parts = urlsplit(str(raw["URL"]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            found.append(
                Problem(
                    "support_sdk.E002",
                    f'SUPPORT["URL"] must be an http(s) URL, not {raw["URL"]!r}.',
                    "e.g. https://support.example.com",
                )
            )
    found += _text(raw, "APP_ID", 3, "The app's id (app_…), from the Support server's admin.")
    found += _text(raw, "APP_SECRET", 4, "The app's secret, which signs your users' tokens.")
    loader = raw.get("USER_LOADER")
    if loader is not None:
        try:
            if not isinstance(loader, str) or not callable(import_string(loader)):
                raise ImportError("not a dotted path to a callable")
        except ImportError as exc:
            found.append(
                Problem(
                    "support_sdk.E005",
                    f'SUPPORT["USER_LOADER"] {loader!r} is not a callable to import: {exc}',
                    "A dotted path to a function of the request that returns the signed-in "
                    "user ({'id', 'email', 'name'}) or None.",
                )
            )
    widget = raw.get("WIDGET", {})
    if not isinstance(widget, Mapping) or not all(
        isinstance(key, str) and isinstance(value, str | int | float | bool)
        for key, value in widget.items()
    ):
        found.append(
            Problem(
                "support_sdk.E006",
                f'SUPPORT["WIDGET"] must be a dict of data attributes, not {widget!r}.',
                'e.g. {"position": "left"} for data-position="left" on the embed tag.',
            )
        )
    ttl = raw.get("TOKEN_TTL", 3600)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl <= 0:
        found.append(
            Problem(
                "support_sdk.E007",
                f'SUPPORT["TOKEN_TTL"] must be a positive number of seconds, not {ttl!r}.',
            )
        )
    if not isinstance(raw.get("ANONYMOUS", False), bool):
        found.append(Problem("support_sdk.E008", 'SUPPORT["ANONYMOUS"] must be True or False.'))
    if raw.get("API_KEY") is not None and not isinstance(raw["API_KEY"], str):
        found.append(Problem("support_sdk.E009", 'SUPPORT["API_KEY"] must be a string.'))
    for key in raw:
        if key not in KNOWN:
            found.append(
                Problem(
                    "support_sdk.W001",
                    f"SUPPORT has an unknown key {key!r}.",
                    f"The keys are {', '.join(KNOWN)}.",
                    error=False,
                )
            )
    return found


def check_settings(
    app_configs: Sequence[Any] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Django system check: every problem of the ``SUPPORT`` setting, as an Error (or Warning)."""
    return [
        (checks.Error if problem.error else checks.Warning)(
            problem.msg, hint=problem.hint, id=problem.id
        )
        for problem in problems(getattr(settings, "SUPPORT", None))
    ]


def get_config() -> Config:
    """The ``SUPPORT`` setting, validated; ImproperlyConfigured names the first problem."""
    raw = getattr(settings, "SUPPORT", None)
    errors = [problem for problem in problems(raw) if problem.error]
    if errors:
        raise ImproperlyConfigured(f"{errors[0].msg} ({errors[0].id})")
    assert isinstance(raw, Mapping)
    loader: UserLoader = import_string(raw.get("USER_LOADER") or DEFAULT_LOADER)
    return Config(
        url=str(raw["URL"]).rstrip("/"),
        app_id=raw["APP_ID"],
        app_secret=raw["APP_SECRET"],
        user_loader=loader,
        widget={str(key): str(value) for key, value in raw.get("WIDGET", {}).items()},
        anonymous=bool(raw.get("ANONYMOUS", False)),
        token_ttl=int(raw.get("TOKEN_TTL", 3600)),
        api_key=raw.get("API_KEY"),
    )
