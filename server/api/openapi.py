"""The OpenAPI 3 document, generated from the marshmallow schemas the views really use.

Each view declares its contract with :func:`documented`; :func:`build_spec` walks the URL map,
so an endpoint cannot exist undocumented and a schema cannot drift from its documentation.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema

from .._version import __version__
from .schemas import ErrorSchema

F = TypeVar("F", bound=Callable[..., Any])
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# Who may call: "public" and "user" operations also take anonymous callers (``{}``), who name
# the app with the X-Support-App header (or ?app_id=); the others need a staff key.
_SECURITY: dict[str, list[dict[str, list[str]]]] = {
    "public": [{}, {"bearer": []}],
    "user": [{}, {"bearer": []}],
    "writer": [{"bearer": []}],
    "agent": [{"bearer": []}],
    "admin": [{"bearer": []}],
    "inbound": [{"bearer": []}],
    "link": [{}],
}
_APP_HEADER = {
    "in": "header",
    "name": "X-Support-App",
    "required": False,
    "description": "The app, for anonymous callers (a token names its own app)",
    "schema": {"type": "string"},
}
_AUTH_DOC = {
    "public": "No credential needed: name the app with X-Support-App, or send any token.",
    "user": "An end-user token, a visitor token, or a staff key.",
    "writer": "A staff API key with role writer or admin.",
    "agent": "A staff API key with role agent or admin.",
    "admin": "A staff API key with role admin.",
    "inbound": "The app's inbound key (ik_…, from `support-server apps inbound-key APP`).",
    "link": "No credential: the signed link is one (given in a ticket's attachments).",
}


def documented(
    summary: str,
    *,
    auth: str,
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    raw_body: str | None = None,
    upload: str | None = None,
    response: type[Schema] | None = None,
    status: int = 200,
    many: bool = False,
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Declare a view's contract. ``auth`` has no default: a new endpoint must say who may call
    it (tests/inprocess/test_api_auth.py walks the URL map for any that does not). ``upload``
    names the multipart/form-data part that carries a file."""

    def attach(view: F) -> F:
        view.__dict__["_openapi"] = {
            "summary": summary,
            "auth": auth,
            "query": query,
            "body": body,
            "raw_body": raw_body,
            "upload": upload,
            "response": response,
            "status": status,
            "many": many,
            "errors": errors,
        }
        return view

    return attach


def declared_auth(view: Callable[..., Any] | None) -> str | None:
    """Who may call ``view`` as it declared with :func:`documented` (None: not declared)."""
    meta = getattr(view, "_openapi", None)
    return None if meta is None else str(meta["auth"])


def build_spec(app: Flask) -> dict[str, Any]:
    spec = APISpec(
        title="Support SDK API",
        version=__version__,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Help articles, search, and tickets for in-product support."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "_openapi", None)
        if meta is None:
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        operations: dict[str, Any] = {}
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = _operation(meta, rule)
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(meta: dict[str, Any], rule: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": meta["summary"], "description": _AUTH_DOC[meta["auth"]]}
    parameters: list[dict[str, Any]] = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in rule.arguments
    ]
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    if meta["auth"] in ("public", "user"):
        parameters.append(_APP_HEADER)
    if parameters:
        op["parameters"] = parameters
    op["security"] = _SECURITY[meta["auth"]]
    if meta["body"] is not None:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": meta["body"]}},
        }
    elif meta.get("raw_body"):
        binary = {"schema": {"type": "string", "format": "binary"}}
        op["requestBody"] = {
            "required": True,
            # the same bytes under the generic type too, for clients that only know that one
            "content": {meta["raw_body"]: binary, "application/octet-stream": binary},
        }
    elif meta.get("upload"):
        form: dict[str, Any] = {
            "type": "object",
            "required": [meta["upload"]],
            "properties": {meta["upload"]: {"type": "string", "format": "binary"}},
        }
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": form}}}
    ok: dict[str, Any] = {"description": "Success"}
    if meta["response"] is not None:
        schema: Any = meta["response"]
        if meta["many"]:
            schema = {
                "type": "object",
                "properties": {
                    "items": {"type": "array", "items": meta["response"]},
                    "next": {"type": "string", "nullable": True},
                },
            }
        ok["content"] = {"application/json": {"schema": schema}}
    responses: dict[str, Any] = {str(meta["status"]): ok}
    errors = {400, 401, 422, 429, 503, *meta["errors"]}
    if rule.arguments:
        errors.add(404)  # an id or slug that is not (visible) there
    if meta["body"] is not None or meta.get("upload"):
        errors |= {413, 415}  # too large; not JSON
    if meta["auth"] in ("writer", "agent", "admin"):
        errors.add(403)  # a key whose role may not
    for status in sorted(errors):
        responses[str(status)] = {
            "description": "Error",
            "content": {"application/json": {"schema": "Error"}},
        }
    op["responses"] = responses
    return op
