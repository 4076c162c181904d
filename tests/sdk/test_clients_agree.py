"""The sync and the async client, run through one scenario against a real server, agree.

Each step names a client method and its arguments; the scenario runs once with SupportClient
and once with AsyncSupportClient (each with its own article and user, so the runs do not see
each other) and every result or error is compared, ids and times masked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

from support_sdk import AsyncSupportClient, SupportClient, SupportError, TicketField
from support_sdk.testing import SupportServer

from .blocking import run
from .conftest import png_bytes

State = dict[str, Any]
# (name, "method" or "articles.method", arguments from the run's tag and earlier results)
Step = tuple[str, str, Callable[[str, State], Mapping[str, Any]]]

SCENARIO: list[Step] = [
    ("health", "health", lambda tag, s: {}),
    (
        "draft",
        "articles.create",
        lambda tag, s: {
            "title": f"Quokka {tag} refunds",
            "body": f"How to get a refund: quokka{tag}.",
            "slug": f"quokka-{tag}",
            "tags": ["billing"],
            "contexts": [f"billing.{tag}"],
        },
    ),
    ("get", "articles.get", lambda tag, s: {"article_id": s["draft"].id}),
    ("edit", "articles.update", lambda tag, s: {"article_id": s["draft"].id, "summary": "Refunds"}),
    (
        "stale edit",
        "articles.update",
        lambda tag, s: {"article_id": s["draft"].id, "title": "x", "revision": 1},
    ),
    ("publish", "articles.publish", lambda tag, s: {"article_id": s["draft"].id}),
    ("revisions", "articles.revisions", lambda tag, s: {"article_id": s["draft"].id}),
    ("article", "article", lambda tag, s: {"slug": f"quokka-{tag}"}),
    ("missing article", "article", lambda tag, s: {"slug": f"no-such-{tag}"}),
    ("search", "search", lambda tag, s: {"q": f"quokka{tag}"}),
    ("suggestions", "suggestions", lambda tag, s: {"context": f"billing.{tag}", "limit": 1}),
    ("feedback", "feedback", lambda tag, s: {"slug": f"quokka-{tag}", "helpful": True}),
    (
        "ticket",
        "create_ticket",
        lambda tag, s: {
            "body": "The export is empty",
            "subject": "Export",
            "user_token": s["token"],
            "context": {"url": "/reports"},
        },
    ),
    ("anonymous without email", "create_ticket", lambda tag, s: {"body": "Help", "user_token": ""}),
    (
        "reply",
        "reply",
        lambda tag, s: {
            "ticket_id": s["ticket"].id,
            "body": "Still empty",
            "user_token": s["token"],
        },
    ),
    ("fields", "ticket_fields", lambda tag, s: {"user_token": s["token"]}),
    (
        "upload",
        "upload",
        lambda tag, s: {"file": png_bytes(), "filename": "shot.png", "user_token": s["token"]},
    ),
    (
        "refused upload",
        "upload",
        lambda tag, s: {"file": b"<html></html>", "filename": "shot.png", "user_token": s["token"]},
    ),
    (
        "ticket with files",
        "create_ticket",
        lambda tag, s: {
            "body": "The total is wrong",
            "user_token": s["token"],
            "fields": {"plan": "pro", "seats": 2},
            "attachments": [s["upload"]],
        },
    ),
    (
        "bad field",
        "create_ticket",
        lambda tag, s: {"body": "Help", "user_token": s["token"], "fields": {"plan": "gold"}},
    ),
    ("log", "upload", lambda tag, s: {"file": b"0 rows\n", "filename": "export.log"}),
    (
        "only a file",
        "reply",
        lambda tag, s: {
            "ticket_id": s["ticket with files"].id,
            "body": "",
            "attachments": [s["log"].id],
        },
    ),
    (
        "set a field",
        "update_ticket",
        lambda tag, s: {"ticket_id": s["ticket with files"].id, "fields": {"seats": None}},
    ),
    ("mine", "tickets", lambda tag, s: {"user_token": s["token"]}),
    ("one", "ticket", lambda tag, s: {"ticket_id": s["ticket"].id, "user_token": s["token"]}),
    ("solve", "update_ticket", lambda tag, s: {"ticket_id": s["ticket"].id, "status": "solved"}),
    (
        "rate",
        "rate",
        lambda tag, s: {"ticket_id": s["ticket"].id, "score": 5, "user_token": s["token"]},
    ),
    ("bad token", "tickets", lambda tag, s: {"user_token": "ut_not-a-token"}),
    ("raw", "request", lambda tag, s: {"method": "GET", "path": "/help/categories"}),
]

# What of a result is compared, when not all of it: the server's health varies by the second.
VIEWS: dict[str, Callable[[Any], Any]] = {"health": lambda report: report["status"]}

_MASKED_KEYS = re.compile(r"(^|_)(id|at|token)$|^(request_id|score|count|url)$")


def _comparable(value: Any, tag: str) -> Any:
    """``value`` as plain data: ids, times and the run's tag masked, errors by their fields."""
    if isinstance(value, SupportError):
        return {
            "error": type(value).__name__,
            "status": value.status,
            "code": value.code,
            "details": _comparable(dict(value.details or {}), tag),
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {
            k: "<masked>" if _MASKED_KEYS.search(str(k)) else _comparable(v, tag)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_comparable(v, tag) for v in value]
    if isinstance(value, str):
        return value.replace(tag, "<tag>")
    return value


def _target(client: Any, path: str) -> Any:
    for part in path.split("."):
        client = getattr(client, part)
    return client


def run_sync(server: SupportServer, tag: str) -> list[Any]:
    state: State = {"token": None}
    results = []
    with SupportClient(
        server.url, app_id=server.app_id, app_secret=server.app_secret, api_key=server.admin_api_key
    ) as client:
        state["token"] = client.user_token(f"user-{tag}", email=f"{tag}@example.com")
        for name, method, arguments in SCENARIO:
            try:
                state[name] = _target(client, method)(**arguments(tag, state))
            except SupportError as e:
                state[name] = e
            view = VIEWS.get(name, lambda result: result)
            results.append((name, _comparable(view(state[name]), tag)))
    return results


async def run_async(server: SupportServer, tag: str) -> list[Any]:
    state: State = {"token": None}
    results = []
    async with AsyncSupportClient(
        server.url, app_id=server.app_id, app_secret=server.app_secret, api_key=server.admin_api_key
    ) as client:
        state["token"] = client.user_token(f"user-{tag}", email=f"{tag}@example.com")
        for name, method, arguments in SCENARIO:
            try:
                state[name] = await _target(client, method)(**arguments(tag, state))
            except SupportError as e:
                state[name] = e
            view = VIEWS.get(name, lambda result: result)
            results.append((name, _comparable(view(state[name]), tag)))
    return results


def test_both_clients_get_the_same_results_and_errors(
    support_server: SupportServer, custom_fields: dict[str, TicketField]
) -> None:
    sync = run_sync(support_server, "alpha")
    async_ = run(run_async(support_server, "bravo"))
    # The scenario exercises what it should: successes and each kind of error.
    kinds = {name: result for name, result in sync}
    assert kinds["missing article"]["error"] == "NotFound"
    assert kinds["stale edit"]["error"] == "Conflict"
    assert kinds["bad token"]["error"] == "AuthenticationError"
    assert kinds["anonymous without email"]["error"] == "ValidationError"
    assert kinds["search"]["results"], kinds["search"]
    assert kinds["rate"]["score"] == "<masked>"
    assert kinds["refused upload"]["error"] == "ValidationError"
    assert kinds["refused upload"]["status"] == 415
    assert list(kinds["bad field"]["details"]) == ["fields.plan"]
    assert kinds["ticket with files"]["fields"] == {"plan": "pro", "seats": 2}
    assert [a["filename"] for a in kinds["ticket with files"]["attachments"]] == ["shot.png"]
    assert [a["filename"] for a in kinds["only a file"]["attachments"]] == ["export.log"]
    assert kinds["set a field"]["fields"] == {"plan": "pro"}
    assert {"plan", "seats"} <= {f["key"] for f in kinds["fields"]}
    for (name, expected), (_, got) in zip(sync, async_, strict=True):
        assert got == expected, name
