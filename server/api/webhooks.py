"""Webhook endpoints (admin keys): create, list, change, delete, test, rotate the secret,
read the delivery log and retry a delivery. The rules live in services.webhooks."""

from __future__ import annotations

from flask import Blueprint, Response

from ..edge import runtime
from ..errors import Forbidden, Unauthorized
from ..principal import Principal
from . import webhook_schemas as schemas
from .auth import principal
from .handlers import decode_cursor, dump, encode_cursor, load_args, load_body
from .openapi import documented

bp = Blueprint("webhooks", __name__)


def _admin() -> Principal:
    who = principal()
    if who.kind != "staff":
        raise Unauthorized("this endpoint needs a staff API key")
    if who.role != "admin":
        raise Forbidden("webhooks need an admin key")
    return who


@bp.post("/webhooks")
@documented(
    "Add a webhook endpoint; the answer holds its signing secret (shown only now)",
    auth="admin",
    body=schemas.EndpointInSchema,
    response=schemas.EndpointOutSchema,
    status=201,
    errors=(403,),
)
def create() -> Response:
    who = _admin()
    data = load_body(schemas.EndpointInSchema)
    return dump(schemas.EndpointOutSchema, runtime().webhooks.create(who.app_id, data), 201)


@bp.get("/webhooks")
@documented(
    "The app's webhook endpoints",
    auth="admin",
    response=schemas.EndpointListSchema,
    errors=(403,),
)
def list_endpoints() -> Response:
    who = _admin()
    items = runtime().webhooks.endpoints(who.app_id)
    return dump(schemas.EndpointListSchema, {"items": items})


@bp.get("/webhooks/<endpoint_id>")
@documented(
    "One webhook endpoint", auth="admin", response=schemas.EndpointOutSchema, errors=(403, 404)
)
def get(endpoint_id: str) -> Response:
    who = _admin()
    return dump(schemas.EndpointOutSchema, runtime().webhooks.get(who.app_id, endpoint_id))


@bp.patch("/webhooks/<endpoint_id>")
@documented(
    "Change an endpoint's URL, events, description, or switch it on or off",
    auth="admin",
    body=schemas.EndpointPatchSchema,
    response=schemas.EndpointOutSchema,
    errors=(403, 404),
)
def update(endpoint_id: str) -> Response:
    who = _admin()
    data = load_body(schemas.EndpointPatchSchema)
    endpoint = runtime().webhooks.update(who.app_id, endpoint_id, data)
    return dump(schemas.EndpointOutSchema, endpoint)


@bp.delete("/webhooks/<endpoint_id>")
@documented(
    "Delete an endpoint: nothing more is sent to it", auth="admin", status=204, errors=(403, 404)
)
def delete(endpoint_id: str) -> Response:
    who = _admin()
    runtime().webhooks.delete(who.app_id, endpoint_id)
    return Response(status=204)


@bp.post("/webhooks/<endpoint_id>/test")
@documented(
    "Send a webhook.test event to this endpoint (through the worker, like any event)",
    auth="admin",
    response=schemas.DeliverySchema,
    status=202,
    errors=(403, 404),
)
def send_test(endpoint_id: str) -> Response:
    who = _admin()
    return dump(schemas.DeliverySchema, runtime().webhooks.send_test(who.app_id, endpoint_id), 202)


@bp.post("/webhooks/<endpoint_id>/rotate-secret")
@documented(
    "A new signing secret; the old one keeps signing beside it for 24 hours",
    auth="admin",
    response=schemas.EndpointOutSchema,
    errors=(403, 404),
)
def rotate_secret(endpoint_id: str) -> Response:
    who = _admin()
    endpoint = runtime().webhooks.rotate_secret(who.app_id, endpoint_id)
    return dump(schemas.EndpointOutSchema, endpoint)


@bp.get("/webhooks/<endpoint_id>/deliveries")
@documented(
    "The endpoint's deliveries, newest first, each with every attempt",
    auth="admin",
    query=schemas.DeliveryArgs,
    response=schemas.DeliveryPageSchema,
    errors=(403, 404),
)
def deliveries(endpoint_id: str) -> Response:
    who = _admin()
    args = load_args(schemas.DeliveryArgs)
    items, after = runtime().webhooks.deliveries(
        who.app_id, endpoint_id, cursor=decode_cursor(args.get("cursor")), limit=args["limit"]
    )
    return dump(schemas.DeliveryPageSchema, {"items": items, "next": encode_cursor(after)})


@bp.post("/webhooks/<endpoint_id>/deliveries/<delivery_id>/retry")
@documented(
    "Send a delivery again now, with a fresh retry schedule",
    auth="admin",
    response=schemas.DeliverySchema,
    status=202,
    errors=(403, 404),
)
def retry(endpoint_id: str, delivery_id: str) -> Response:
    who = _admin()
    delivery = runtime().webhooks.retry(who.app_id, endpoint_id, delivery_id)
    return dump(schemas.DeliverySchema, delivery, 202)
