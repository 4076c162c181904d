"""The writers' API: articles in any status, with revisions (staff keys with role writer/admin)."""

from __future__ import annotations

from flask import Blueprint, Response

from ..edge import runtime
from . import schemas
from .auth import require_writer
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

bp = Blueprint("articles", __name__)


def _author() -> str:
    who = require_writer()
    return who.name or f"key:{who.id}"


@bp.post("/articles")
@documented(
    "Create an article (draft unless status is published)",
    auth="writer",
    body=schemas.ArticleInSchema,
    response=schemas.ArticleOutSchema,
    status=201,
    errors=(403, 409),
)
def create() -> Response:
    who = require_writer()
    rt = runtime()
    data = load_body(schemas.ArticleInSchema)
    status, body, replayed = rt.articles.create_once(
        who.app_id,
        data,
        _author(),
        idempotency_key=idempotency_key(),
        fingerprint=request_fingerprint(),
        scope=who.key,
    )
    return dump(schemas.ArticleOutSchema, body, status, replayed=replayed)


@bp.get("/articles")
@documented(
    "List articles in any status",
    auth="writer",
    query=schemas.ArticleListArgs,
    response=schemas.ArticleOutSchema,
    many=True,
    errors=(403,),
)
def list_articles() -> Response:
    who = require_writer()
    args = load_args(schemas.ArticleListArgs)
    items, after = runtime().articles.list(
        who.app_id,
        status=args.get("status"),
        locale=args.get("locale"),
        category=args.get("category"),
        cursor=decode_cursor(args.get("cursor")),
        limit=args["limit"],
    )
    return dump(schemas.ArticlePageSchema, {"items": items, "next": encode_cursor(after)})


@bp.get("/articles/<article_id>")
@documented(
    "One article in any status", auth="writer", response=schemas.ArticleOutSchema, errors=(403, 404)
)
def get(article_id: str) -> Response:
    who = require_writer()
    return dump(schemas.ArticleOutSchema, runtime().articles.get(who.app_id, article_id))


@bp.patch("/articles/<article_id>")
@documented(
    "Change an article; send revision to refuse overwriting someone else's edit",
    auth="writer",
    body=schemas.ArticlePatchSchema,
    response=schemas.ArticleOutSchema,
    errors=(403, 404, 409),
)
def update(article_id: str) -> Response:
    who = require_writer()
    data = load_body(schemas.ArticlePatchSchema)
    expected = data.pop("revision", None)
    article = runtime().articles.update(who.app_id, article_id, data, _author(), expected)
    return dump(schemas.ArticleOutSchema, article)


def _status_view(status: str, summary: str) -> None:
    def view(article_id: str) -> Response:
        who = require_writer()
        article = runtime().articles.set_status(who.app_id, article_id, status, _author())
        return dump(schemas.ArticleOutSchema, article)

    view.__name__ = f"set_{status}"
    action = {"published": "publish", "draft": "unpublish", "archived": "archive"}[status]
    bp.add_url_rule(
        f"/articles/<article_id>/{action}",
        endpoint=action,
        methods=["POST"],
        view_func=documented(
            summary, auth="writer", response=schemas.ArticleOutSchema, errors=(403, 404)
        )(view),
    )


_status_view("published", "Publish an article")
_status_view("draft", "Unpublish an article (back to draft)")
_status_view("archived", "Archive an article")


@bp.get("/articles/<article_id>/revisions")
@documented(
    "An article's revisions, newest first",
    auth="writer",
    query=schemas.PageArgs,
    response=schemas.RevisionSchema,
    many=True,
    errors=(403, 404),
)
def revisions(article_id: str) -> Response:
    who = require_writer()
    args = load_args(schemas.PageArgs)
    items, after = runtime().articles.revisions(
        who.app_id, article_id, decode_cursor(args.get("cursor")), args["limit"]
    )
    return dump(schemas.RevisionPageSchema, {"items": items, "next": encode_cursor(after)})
