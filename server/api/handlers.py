"""Request plumbing shared by the API blueprints: loading input, dumping output, errors.

Every error, including Flask's own 404/405/413 and any unexpected exception, leaves as the one
JSON envelope of :mod:`support_server.errors`, with the request id to quote in a bug report.
"""

from __future__ import annotations

import base64
import binascii
import functools
import logging
from collections.abc import Mapping
from typing import Any, TypeAlias

from flask import Flask, Response, g, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.exceptions import HTTPException

from .. import edge, jsontext, storage
from ..errors import ApiError, BadRequest, UnsupportedMediaType, ValidationFailed
from ..services.idempotency import fingerprint
from .fast_dump import dumper

log = logging.getLogger("support_server.api")

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


# A schema, or its class: the class stands for one instance built on first use and shared by
# every request (building a schema copies all its fields, nested schemas included, which cost
# a quarter of a ticket's filing). A schema instance keeps nothing of a load or a dump, so
# threads share it safely.
SchemaLike: TypeAlias = "Schema | type[Schema]"


@functools.cache
def _shared(schema_class: type[Schema]) -> Schema:
    return schema_class()


def _instance(schema: SchemaLike) -> Schema:
    return _shared(schema) if isinstance(schema, type) else schema


def load_body(schema: SchemaLike) -> dict[str, Any]:
    """The JSON body validated by ``schema``: 415 if not JSON, 400 if malformed, 422 if invalid."""
    schema = _instance(schema)
    if not request.is_json:
        raise UnsupportedMediaType("send the body as JSON with Content-Type: application/json")
    payload = json_body()
    if not isinstance(payload, dict):
        raise ValidationFailed(
            "the body must be a JSON object", details={"_schema": ["not an object"]}
        )
    try:
        loaded: dict[str, Any] = schema.load(payload)
    except ValidationError as exc:
        raise ValidationFailed(
            "the request has invalid fields", details=_flat(exc.messages)
        ) from None
    return loaded


def json_body() -> Any:
    """The request's JSON, parsed once: 400 if malformed or nested too deep, 422 if a string
    holds a lone surrogate (a code point no UTF-8 text can carry)."""
    if "json_body" in g:
        return g.json_body
    raw = request.get_data(cache=True)
    try:
        payload = jsontext.parse(raw)
    except jsontext.TooDeep:
        raise BadRequest(
            f"the JSON body nests deeper than {jsontext.MAX_DEPTH} levels", code="json_too_deep"
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("the body is not valid JSON") from None
    where = jsontext.surrogate_path(payload)
    if where is not None:
        raise ValidationFailed(
            "text must be valid Unicode: a string holds a lone surrogate (\\ud800-\\udfff)",
            details={where: ["contains a lone surrogate code point"]},
        )
    g.json_body = payload
    return payload


def load_args(schema: SchemaLike) -> dict[str, Any]:
    schema = _instance(schema)
    try:
        loaded: dict[str, Any] = schema.load(request.args.to_dict(), unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValidationFailed(
            "the query has invalid parameters", details=_flat(exc.messages)
        ) from None
    return loaded


def _flat(messages: Any) -> dict[str, Any]:
    if isinstance(messages, Mapping):
        return {str(k): v for k, v in messages.items()}
    return {"_schema": messages}


def dump(
    schema: SchemaLike,
    obj: Any,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    *,
    replayed: bool = False,
) -> Response:
    """``obj`` as JSON through ``schema``; ``replayed`` marks an Idempotency-Key replay (the one
    place the Idempotent-Replayed header is set)."""
    # A schema class is dumped by its compiled dumper (fast_dump: what marshmallow would give)
    body = dumper(schema)(obj) if isinstance(schema, type) else schema.dump(obj)
    response = jsonify(body)
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotency_key() -> str | None:
    """The request's Idempotency-Key header, or None when it has none."""
    return request.headers.get("Idempotency-Key")


def request_fingerprint() -> str:
    """What makes two requests "the same" for an Idempotency-Key: method, path and body."""
    return fingerprint(request.method, request.path, json_body())


def encode_cursor(value: int | None) -> str | None:
    if value is None:
        return None
    return base64.urlsafe_b64encode(f"v1:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _, number = text.partition(":")
        if version != "v1":
            raise ValueError(version)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed(
            "cursor is not one this API returned", details={"cursor": ["invalid"]}
        ) from None


def error_response(error: ApiError) -> Response:
    response = jsonify(error.envelope())
    response.status_code = error.status
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def register(app: Flask) -> None:
    app.before_request(edge.assign_request_id)

    @app.after_request
    def _stamp(response: Response) -> Response:
        response.headers["X-Request-Id"] = edge.request_id()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if edge.is_https():
            response.headers.setdefault("Strict-Transport-Security", edge.HSTS)
        return response

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        api_error = ApiError(error.description or error.name, code=_HTTP_CODES.get(status, "error"))
        api_error.status = status
        response = error_response(api_error)
        allowed = getattr(error, "valid_methods", None)
        if status == 405 and allowed:
            response.headers["Allow"] = ", ".join(allowed)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if storage.is_full(error):
            edge.runtime().storage.failed()
            log.error("request %s: the disk is full (%s)", g.get("request_id"), error)
            return error_response(storage.StorageFull())
        log.exception("unhandled error in request %s", g.get("request_id"))
        return error_response(
            ApiError(
                f"unexpected server error; quote request id {g.get('request_id')} when reporting it"
            )
        )
