"""Who may call each /api/v1 route, found by walking an app's URL map (no hand-kept list of
endpoints to forget), and a checker that calls every route as each kind of caller and reports
where the answer is not what the route's ``@documented(auth=...)`` declares.

The checker only needs a way to send a request, so the same rules run on the in-process app
(Flask's test client) and on a real server (``requests``), and on a deliberately wrong app to
show they can fail.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask import Flask

from support_server.api.openapi import declared_auth

API = "/api/v1"
# Routes of the API that are not operations of it (the document describing them).
NOT_OPERATIONS = {f"{API}/openapi.json"}
# Operations that never read a credential: load balancers and probes call them as they are.
IGNORE_CREDENTIALS = {f"GET {API}/health"}
# "public" and "user" operations take anonymous callers who name their app; the others need a
# staff key (of the app, with the role).
OPEN = {"public", "user"}
STAFF = {"writer", "agent", "admin"}
# Operations for a machine holding the app's inbound key: every other credential is a 401.
INBOUND = {"inbound"}
# Operations whose URL is the credential (a signed file link): whoever calls and whatever they
# send, a link that is not valid is a 404, never the file.
LINK = {"link"}
REFUSED = {401, 403}
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")

# How the checker sends: (method, path under /api/v1, bearer credential, X-Support-App) to
# (status, the error envelope's code or None when the answer carries no envelope).
Send = Callable[[str, str, str | None, str | None], tuple[int, str | None]]


@dataclass(frozen=True)
class Operation:
    method: str
    rule: str  # as Flask spells it, /api/v1/tickets/<ticket_id>
    auth: str | None  # as declared; None: not declared

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"

    @property
    def path(self) -> str:
        """The path under /api/v1 with every parameter "x": refusals come before lookups."""
        return _PARAM.sub("x", self.rule)[len(API) :]


def operations(app: Flask) -> list[Operation]:
    """Every method of every /api/v1 route of ``app``, with the auth its view declares."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.rule in NOT_OPERATIONS:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Operation(method, rule.rule, declared_auth(view)))
    return sorted(found, key=str)


def undeclared(app: Flask) -> list[str]:
    return [str(op) for op in operations(app) if op.auth is None]


@dataclass(frozen=True)
class Callers:
    """The credentials the checker tries, all aimed at one app (A)."""

    app_id: str  # app A, named in X-Support-App by anonymous callers
    user: str  # a good end-user token of app A
    expired: str  # an end-user token of app A, signed with its secret, expired
    tampered: str  # an end-user token of app A whose signature does not verify
    other_app_key: str  # a staff key of another app
    unknown_key: str = "sk_unknown_route_walker"


def misanswers(ops: list[Operation], send: Send, callers: Callers) -> list[str]:
    """Each answer that is not what the operation's declared auth demands (empty: all good).

    Every operation that reads credentials refuses (401, with the envelope and its code) a
    caller who names no app, an expired or a tampered token, an unknown staff key, and a staff
    key of another app that names app A. Staff operations also refuse (401 or 403) an anonymous
    caller of app A and an end user; open ones ("public", "user") serve both.
    """
    return [problem for op in ops for problem in _check(op, send, callers)]


def _check(op: Operation, send: Send, c: Callers) -> Iterator[str]:
    if op.auth is None:
        yield f"{op}: declares no auth (@documented(auth=...))"
        return
    if op.auth not in OPEN | STAFF | INBOUND | LINK:
        known = sorted(OPEN | STAFF | INBOUND | LINK)
        yield f"{op}: declares auth={op.auth!r}, none of {known}"
        return
    if op.auth in LINK:
        for who, credential, app in (
            ("no credential, no app", None, None),
            ("an end user", c.user, None),
            ("another app's key naming this app", c.other_app_key, c.app_id),
        ):
            status, error = send(op.method, op.path, credential, app)
            if status != 404 or error != "not_found":
                yield f"{op}: {who} with a link that is not one got {status} {error}, expected 404"
        return
    if op.auth in INBOUND:
        for who, credential, app in (
            ("no credential, no app", None, None),
            ("an anonymous caller", None, c.app_id),
            ("an end user", c.user, None),
            ("an expired token", c.expired, None),
            ("a tampered token", c.tampered, None),
            ("an unknown key", c.unknown_key, None),
            ("another app's key naming this app", c.other_app_key, c.app_id),
        ):
            status, error = send(op.method, op.path, credential, app)
            if status != 401 or error is None:
                yield f"{op}: {who} got {status} {error}, expected 401"
        return
    if str(op) in IGNORE_CREDENTIALS:
        return

    def expect(who: str, got: tuple[int, str | None], statuses: set[int], code: str = "") -> str:
        status, error = got
        if status in statuses and error is not None and (not code or error == code):
            return ""
        wanted = "/".join(map(str, sorted(statuses))) + (f" {code}" if code else "")
        return f"{op}: {who} got {status} {error}, expected {wanted}"

    found = [
        expect("no credential, no app", send(op.method, op.path, None, None), {401}),
        expect(
            "an expired token",
            send(op.method, op.path, c.expired, None),
            {401},
            "token_expired",
        ),
        expect(
            "a tampered token",
            send(op.method, op.path, c.tampered, None),
            {401},
            "invalid_token",
        ),
        expect(
            "an unknown key",
            send(op.method, op.path, c.unknown_key, None),
            {401},
            "invalid_api_key",
        ),
        expect(
            "another app's key naming this app",
            send(op.method, op.path, c.other_app_key, c.app_id),
            {401},
        ),
    ]
    anonymous = send(op.method, op.path, None, c.app_id)
    user = send(op.method, op.path, c.user, None)
    if op.auth in STAFF:
        found += [
            expect("an anonymous caller", anonymous, REFUSED),
            expect("an end user", user, REFUSED),
        ]
    else:
        for who, (status, error) in (("an anonymous caller", anonymous), ("an end user", user)):
            if status in REFUSED:
                found.append(f"{op}: declared {op.auth!r} but {who} got {status} {error}")
    yield from (problem for problem in found if problem)
