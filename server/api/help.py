"""Public help endpoints the widget calls: suggestions, search, articles, feedback, categories."""

from __future__ import annotations

from flask import Blueprint, Response

from ..edge import client_address, rate_limit, runtime
from . import schemas
from .auth import principal
from .handlers import dump, load_args, load_body
from .openapi import documented

bp = Blueprint("help", __name__)


@bp.get("/help/suggestions")
@documented(
    "Articles for where the user is: context key, then URL, then popular",
    auth="public",
    query=schemas.SuggestionArgs,
    response=schemas.SuggestionsOutSchema,
)
def suggestions() -> Response:
    who = principal()
    rate_limit("search", who)
    args = load_args(schemas.SuggestionArgs)
    articles = runtime().articles.suggestions(
        who.app_id,
        context=args.get("context"),
        url=args.get("url"),
        locale=args.get("locale"),
        limit=args["limit"],
    )
    return dump(schemas.SuggestionsOutSchema, {"articles": articles})


@bp.get("/help/search")
@documented(
    "Ranked published articles with highlighted snippets and 'did you mean'",
    auth="public",
    query=schemas.SearchArgs,
    response=schemas.SearchOutSchema,
)
def search() -> Response:
    who = principal()
    rate_limit("search", who)
    args = load_args(schemas.SearchArgs)
    result = runtime().search.search(
        who.app_id,
        args["q"],
        locale=args.get("locale"),
        category=args.get("category"),
        page=args["page"],
        limit=args["limit"],
    )
    if args["page"] == 1 and who.kind != "staff":
        # Staff keys search as writers checking relevance (``support-sdk check --search``),
        # not as readers: their queries would skew what the analytics say readers look for.
        searcher = f"ip:{client_address()}" if who.anonymous else who.key
        runtime().events.search(who.app_id, args["q"], result["locale"], result["total"], searcher)
    return dump(schemas.SearchOutSchema, result)


@bp.get("/help/articles/<slug>")
@documented(
    "One published article, as sanitized HTML and as Markdown",
    auth="public",
    query=schemas.LocaleArgs,
    response=schemas.PublicArticleSchema,
    errors=(404,),
)
def article(slug: str) -> Response:
    who = principal()
    args = load_args(schemas.LocaleArgs)
    return dump(
        schemas.PublicArticleSchema,
        runtime().articles.published(who.app_id, slug, args.get("locale")),
    )


@bp.post("/help/articles/<slug>/feedback")
@documented(
    "Was this article helpful? (the translation named by ?locale=)",
    auth="public",
    query=schemas.LocaleArgs,
    body=schemas.FeedbackInSchema,
    response=schemas.OkSchema,
    status=201,
    errors=(404,),
)
def feedback(slug: str) -> Response:
    who = principal()
    rate_limit("search", who)
    args = load_args(schemas.LocaleArgs)
    data = load_body(schemas.FeedbackInSchema)
    runtime().articles.feedback(
        who.app_id, slug, args.get("locale"), data["helpful"], data.get("comment", ""), who.key
    )
    return dump(schemas.OkSchema, {"ok": True}, 201)


@bp.get("/help/categories")
@documented(
    "Categories of published articles with their counts",
    auth="public",
    query=schemas.LocaleArgs,
    response=schemas.CategoriesOutSchema,
)
def categories() -> Response:
    who = principal()
    args = load_args(schemas.LocaleArgs)
    items = runtime().articles.categories(who.app_id, args.get("locale"))
    return dump(schemas.CategoriesOutSchema, {"items": items, "next": None})
