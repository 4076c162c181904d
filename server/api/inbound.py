"""Mail in by HTTP: a provider's inbound route (Postmark, Mailgun, SES, a milter…) posts each
raw RFC 5322 message to ``POST /api/v1/inbound/email`` with the app's inbound key.

The message is kept as it came and answered 202 at once; the worker parses it and threads
it (see services.inbound). Posting the same bytes again is harmless: the answer names the
message kept the first time.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ..edge import client_address, runtime
from ..errors import ApiError, RateLimited, Unauthorized
from ..services import apps
from ..services.inbound import MAX_RAW
from .openapi import documented
from .schemas import InboundOutSchema

bp = Blueprint("inbound", __name__)
TYPES = {"message/rfc822", "application/octet-stream", "text/plain"}


class UnsupportedMail(ApiError):
    status, code = 415, "unsupported_media_type"


@bp.post("/inbound/email")
@documented(
    "Hand over one received email (the raw RFC 5322 message as the body); kept, then threaded"
    " into its ticket or opened as a new one by the worker",
    auth="inbound",
    raw_body="message/rfc822",
    response=InboundOutSchema,
    status=202,
    errors=(413, 415),
)
def receive_email() -> Response:
    rt = runtime()
    header = request.headers.get("Authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthorized(
            "send the app's inbound key: Authorization: Bearer ik_…", code="invalid_inbound_key"
        )
    # wrong keys count with wrong staff keys, per address (keys cannot be guessed quickly)
    bucket, rate = f"failed_keys:ip:{client_address()}", rt.rates["failed_keys"]
    wait = rt.limiter.blocked(bucket, rate)
    if wait:
        raise RateLimited(wait)
    app_id = apps.authenticate_inbound_key(rt.db, credential.strip())
    if app_id is None:
        if rt.limiter.hit(bucket, rate):
            raise RateLimited(rt.limiter.blocked(bucket, rate) or 60)
        raise Unauthorized("the inbound key is not valid", code="invalid_inbound_key")
    kind = (request.mimetype or "").lower()
    if kind not in TYPES:
        raise UnsupportedMail(
            f"send the message itself with Content-Type: message/rfc822, not {kind or 'nothing'}"
        )
    request.max_content_length = MAX_RAW
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise UnsupportedMail("the body is empty: send the raw message")
    public_id, new = rt.inbound.receive(app_id, raw)
    response = jsonify(InboundOutSchema().dump({"id": public_id, "state": "received", "new": new}))
    response.status_code = 202
    return response
