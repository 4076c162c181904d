"""Tickets: file one (idempotently), read one's own, reply, and the agents' changes."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, request

from support_sdk import tokens

from ..edge import browser_key, client_address, rate_limit, runtime
from ..errors import ValidationFailed
from ..ids import new_id
from ..services.tickets import SOURCES
from . import schemas
from .auth import principal
from .handlers import (
    decode_cursor,
    dump,
    encode_cursor,
    idempotency_key,
    load_args,
    load_body,
    request_fingerprint,
)
from .openapi import documented

bp = Blueprint("tickets", __name__)


@bp.post("/tickets")
@documented(
    "File a ticket; honours Idempotency-Key (replay, 409 in flight, 422 reused)",
    auth="user",
    body=schemas.TicketInSchema,
    response=schemas.TicketOutSchema,
    status=201,
    errors=(403, 409, 413, 415),
)
def create() -> Response:
    who = principal()
    rt = runtime()
    if who.kind != "staff":
        rate_limit("tickets" if who.kind == "user" else "anon_tickets", who)
    data = load_body(schemas.TicketInSchema())
    requester, visitor_token = who, None
    if who.anonymous:
        if not data.get("email"):
            raise ValidationFailed(
                "anonymous visitors must give an email address to be answered",
                details={"email": ["Missing data for required field."]},
            )
        requester = replace(who, id=new_id("vis_"), email=data["email"], name=data.get("name"))
        visitor_token = tokens.mint_visitor_token(
            rt.server_secrets[-1],
            who.app_id,
            requester.id,
            email=requester.email,
            name=requester.name,
            expires_in=rt.config["SUPPORT_VISITOR_TOKEN_AGE"],
        )
    elif who.is_agent and not data.get("email"):  # (a writer key is refused by the service)
        raise ValidationFailed(
            "a ticket filed with a staff key must name the requester's email",
            details={"email": ["Missing data for required field."]},
        )
    client = request.headers.get("X-Support-Client", "").lower()
    source = client if client in SOURCES else "api"
    status, body, replayed = rt.tickets.create(
        requester,
        data,
        source=source,
        idempotency_key=idempotency_key(),
        fingerprint=request_fingerprint(),
        # Anonymous visitors of an app all share one principal: scope their keys by address
        # too, so that someone else's key and body never replay that visitor's token.
        scope=f"{who.key}:ip:{client_address()}" if who.anonymous else who.key,
        extra={"visitor_token": visitor_token} if visitor_token else None,
    )
    if status == 201 and not replayed and who.kind != "staff":
        # For deflection: filed by this browser, and by this user or visitor.
        rt.events.ticket_filed(who.app_id, [browser_key(), requester.key])
    return dump(schemas.TicketOutSchema(), body, status, replayed=replayed)


@bp.get("/tickets")
@documented(
    "Your own tickets (users, visitors) or all of the app's (agents), newest first",
    auth="user",
    query=schemas.TicketListArgs,
    response=schemas.TicketOutSchema,
    many=True,
    errors=(403,),
)
def list_tickets() -> Response:
    who = principal()
    args = load_args(schemas.TicketListArgs())
    items, after = runtime().tickets.list(
        who,
        status=args.get("status"),
        cursor=decode_cursor(args.get("cursor")),
        limit=args["limit"],
    )
    return dump(schemas.TicketPageSchema(), {"items": items, "next": encode_cursor(after)})


@bp.get("/tickets/<ticket_id>")
@documented(
    "One ticket with its conversation", auth="user", response=schemas.TicketOutSchema, errors=(404,)
)
def get(ticket_id: str) -> Response:
    return dump(schemas.TicketOutSchema(), runtime().tickets.get(principal(), ticket_id))


@bp.post("/tickets/<ticket_id>/messages")
@documented(
    "Reply (agents may add internal notes); honours Idempotency-Key like filing a ticket",
    auth="user",
    body=schemas.MessageInSchema,
    response=schemas.MessageOutSchema,
    status=201,
    errors=(403, 404, 409),
)
def reply(ticket_id: str) -> Response:
    who = principal()
    if who.kind == "user":
        rate_limit("tickets", who)
    elif who.kind == "visitor":
        rate_limit("anon_tickets", who)
    data = load_body(schemas.MessageInSchema())
    status, message, replayed = runtime().tickets.reply(
        who,
        ticket_id,
        data["body"],
        data["internal"],
        idempotency_key=idempotency_key(),
        fingerprint=request_fingerprint(),
    )
    return dump(schemas.MessageOutSchema(), message, status, replayed=replayed)


@bp.patch("/tickets/<ticket_id>")
@documented(
    "Change status, priority, assignee or tags (agents)",
    auth="agent",
    body=schemas.TicketPatchSchema,
    response=schemas.TicketOutSchema,
    errors=(403, 404),
)
def update(ticket_id: str) -> Response:
    who = principal()
    data = load_body(schemas.TicketPatchSchema())
    return dump(schemas.TicketOutSchema(), runtime().tickets.update(who, ticket_id, data))


@bp.post("/tickets/<ticket_id>/rating")
@documented(
    "Rate a solved ticket 1-5 (CSAT)",
    auth="user",
    body=schemas.RatingSchema,
    response=schemas.RatingSchema,
    status=201,
    errors=(403, 404, 409),
)
def rate(ticket_id: str) -> Response:
    who = principal()
    data = load_body(schemas.RatingSchema())
    rating = runtime().tickets.rate(who, ticket_id, data["score"], data.get("comment", ""))
    return dump(schemas.RatingSchema(), rating, 201)
