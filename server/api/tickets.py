"""Tickets: file one (idempotently), read one's own, reply, and the agents' changes."""

from __future__ import annotations

from flask import Blueprint, Response, request

from ..edge import browser_key, client_address, conditional, rate_limit, runtime
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
    status, body, replayed, requester = rt.tickets.file(
        who,
        load_body(schemas.TicketInSchema),
        client=request.headers.get("X-Support-Client", ""),
        idempotency_key=idempotency_key(),
        fingerprint=request_fingerprint(),
        address=client_address(),
    )
    if status == 201 and not replayed and who.kind != "staff":
        # For deflection: filed by this browser, and by this user or visitor.
        rt.events.ticket_filed(who.app_id, [browser_key(), requester.key])
    return dump(schemas.TicketOutSchema, body, status, replayed=replayed)


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
    args = load_args(schemas.TicketListArgs)
    items, after = runtime().tickets.list(
        who,
        status=args.get("status"),
        cursor=decode_cursor(args.get("cursor")),
        limit=args["limit"],
    )
    return dump(schemas.TicketPageSchema, {"items": items, "next": encode_cursor(after)})


@bp.get("/tickets/unread")
@documented(
    "Your tickets with agent replies you have not read (the launcher's badge); send the ETag"
    " back in If-None-Match to get 304 while nothing changed",
    auth="user",
    response=schemas.UnreadSchema,
    errors=(403,),
)
def unread() -> Response:
    found = runtime().tickets.unread(principal())
    return conditional(dump(schemas.UnreadSchema, found), found["version"])


@bp.get("/tickets/<ticket_id>")
@documented(
    "One ticket with its conversation; answers 304 to If-None-Match while it is unchanged",
    auth="user",
    response=schemas.TicketOutSchema,
    errors=(404,),
)
def get(ticket_id: str) -> Response:
    return conditional(dump(schemas.TicketOutSchema, runtime().tickets.get(principal(), ticket_id)))


@bp.post("/tickets/<ticket_id>/read")
@documented(
    "Mark the conversation read up to now (the requester opened it)",
    auth="user",
    status=204,
    errors=(403, 404),
)
def mark_read(ticket_id: str) -> Response:
    runtime().tickets.mark_read(principal(), ticket_id)
    return Response(status=204)


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
    data = load_body(schemas.MessageInSchema)
    status, message, replayed = runtime().tickets.reply(
        who,
        ticket_id,
        data["body"],
        data["internal"],
        idempotency_key=idempotency_key(),
        fingerprint=request_fingerprint(),
        attachments=data.get("attachments") or (),
    )
    return dump(schemas.MessageOutSchema, message, status, replayed=replayed)


@bp.patch("/tickets/<ticket_id>")
@documented(
    "Change status, priority, assignee, tags or team (agents)",
    auth="agent",
    body=schemas.TicketPatchSchema,
    response=schemas.TicketOutSchema,
    errors=(403, 404),
)
def update(ticket_id: str) -> Response:
    who = principal()
    data = load_body(schemas.TicketPatchSchema)
    return dump(schemas.TicketOutSchema, runtime().tickets.update(who, ticket_id, data))


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
    data = load_body(schemas.RatingSchema)
    rating = runtime().tickets.rate(who, ticket_id, data["score"], data.get("comment", ""))
    return dump(schemas.RatingSchema, rating, 201)
