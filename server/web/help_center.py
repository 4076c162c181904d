"""The public help center: /help/<app>/<locale>/… (home, categories, articles, search).

Server-rendered, cacheable with ETags, and indexable: every page has a title, a meta
description, a canonical URL and hreflang links to its translations; /help/<app>/sitemap.xml
lists every published article. Only published articles are ever read here.
"""

from __future__ import annotations

import math
from typing import Any

import nh3
from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..edge import client_address, runtime
from ..errors import ApiError, NotFound, RateLimited, ValidationFailed
from ..services import apps
from ..services.articles import slugify
from ..services.locales import DEFAULT_LOCALE, negotiate_locale, resolve_locale
from ..theme import on_colour
from .article_html import article_body
from .filters import RTL
from .i18n import STRINGS, translator
from .security import base_url, page_headers, same_origin_request

bp = Blueprint("help_center", __name__, url_prefix="/help")
PER_PAGE = 10
DEFAULT_ACCENT = "#4f46e5"


# -- context -------------------------------------------------------------------------------
def help_app(app_id: str) -> dict[str, Any]:
    app = apps.app_by_id(runtime().db, app_id)
    if app is None:
        raise NotFound("no such help center")
    g.help_app = app
    return app


class _OtherLocale(Exception):
    """The page exists under another spelling or language: redirect there."""

    def __init__(self, locale: str) -> None:
        self.locale = locale


def _locale(app_id: str, locale: str) -> list[str]:
    """The help center's locales, when ``locale`` is one of them; otherwise a redirect to the
    one it resolves to (``en-US`` -> ``en``, ``fr_CA`` -> ``fr``, anything else -> English)."""
    offered = runtime().help_center.locales(app_id)
    if locale in offered:
        return offered
    raise _OtherLocale(resolve_locale(locale, offered))


@bp.errorhandler(_OtherLocale)
def _other_locale(error: _OtherLocale) -> Response:
    values = dict(request.view_args or {}, locale=error.locale, **request.args.to_dict())
    return redirect(url_for(request.endpoint or ".index", **values))  # type: ignore[return-value]


def _url(endpoint: str, **values: Any) -> str:
    return base_url() + url_for(endpoint, **values)


def _page(
    template: str, app: dict[str, Any], locale: str, locales: list[str], **context: Any
) -> Response:
    context.setdefault("alternates", {})
    html = render_template(
        template,
        app=app,
        locale=locale,
        locales=locales,
        dir="rtl" if locale.split("-")[0] in RTL else "ltr",
        t=translator(locale),
        **context,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "public, no-cache"
    response.add_etag()
    response.make_conditional(request)  # (returns the same response, typed as werkzeug's)
    return response


@bp.after_request
def _headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        page_headers(response, private=False)
    return response


# -- pages ---------------------------------------------------------------------------------
@bp.get("/")
def index() -> Response:
    every = apps.list_apps(runtime().db)
    if len(every) == 1:
        return redirect(url_for(".app_home", app_id=every[0]["id"]))  # type: ignore[return-value]
    raise NotFound("name the help center in the address: /help/<app id>/")


@bp.get("/<app_id>/")
def app_home(app_id: str) -> Response:
    help_app(app_id)
    offered = runtime().help_center.locales(app_id)
    chosen = negotiate_locale((tag for tag, _ in request.accept_languages), offered)
    return redirect(url_for(".home", app_id=app_id, locale=chosen))  # type: ignore[return-value]


@bp.get("/<app_id>/<locale>/")
def home(app_id: str, locale: str) -> Response:
    app = help_app(app_id)
    locales = _locale(app_id, locale)
    data = runtime().help_center.home(app_id, locale)
    return _page(
        "help/home.html",
        app,
        locale,
        locales,
        data=data,
        canonical=_url(".home", app_id=app_id, locale=locale),
        alternates={code: _url(".home", app_id=app_id, locale=code) for code in locales},
        event="help_opened",
    )


@bp.get("/<app_id>/<locale>/categories/<category>")
def category(app_id: str, locale: str, category: str) -> Response:
    app = help_app(app_id)
    locales = _locale(app_id, locale)
    data = runtime().help_center.category(app_id, locale, category)
    return _page(
        "help/category.html",
        app,
        locale,
        locales,
        category=data,
        canonical=_url(".category", app_id=app_id, locale=locale, category=category),
        alternates={
            code: _url(".category", app_id=app_id, locale=code, category=category)
            for code in locales
        },
        event="help_opened",
    )


@bp.get("/<app_id>/<locale>/articles/<slug>")
def article(app_id: str, locale: str, slug: str) -> Response:
    app = help_app(app_id)
    locales = _locale(app_id, locale)
    found = runtime().help_center.article(app_id, locale, slug)
    translated = {t["locale"] for t in found["translations"]}
    canonical_locale = found["locale"]
    return _page(
        "help/article.html",
        app,
        locale,
        locales,
        article=found,
        body=article_body(found["html"], found["title"]),
        category_slug=_category_slug(found["category"]),
        home_url=_url(".home", app_id=app_id, locale=locale),
        canonical=_url(".article", app_id=app_id, locale=canonical_locale, slug=slug),
        alternates={
            code: _url(".article", app_id=app_id, locale=code, slug=slug)
            for code in sorted(translated)
        },
        thanks=request.args.get("feedback") == "thanks",
        event="article_viewed",
    )


def _category_slug(name: str) -> str:
    return slugify(name) if name else ""


@bp.post("/<app_id>/<locale>/articles/<slug>/feedback")
def feedback(app_id: str, locale: str, slug: str) -> Response:
    help_app(app_id)
    _locale(app_id, locale)
    if not same_origin_request():
        abort(403)
    rt = runtime()
    wait = rt.limiter.hit(f"search:{app_id}:ip:{client_address()}", rt.rates["search"])
    if wait:
        raise RateLimited(wait)
    helpful = request.form.get("helpful")
    if helpful not in {"yes", "no"}:
        raise ValidationFailed("answer yes or no", details={"helpful": [str(helpful)]})
    rt.articles.feedback(  # the translation the reader saw: this locale, else English
        app_id,
        slug,
        locale,
        helpful == "yes",
        request.form.get("comment", "")[:2000],
        "help:" + rt.events.actor(f"ip:{client_address()}"),
    )
    if request.accept_mimetypes.best == "application/json":
        return Response('{"ok": true}', status=201, content_type="application/json")
    target = url_for(".article", app_id=app_id, locale=locale, slug=slug, feedback="thanks")
    return redirect(target + "#feedback", code=303)  # type: ignore[return-value]


@bp.get("/<app_id>/<locale>/search")
def search(app_id: str, locale: str) -> Response:
    app = help_app(app_id)
    locales = _locale(app_id, locale)
    text = request.args.get("q", "").strip()
    if not text:
        return redirect(url_for(".home", app_id=app_id, locale=locale))  # type: ignore[return-value]
    page = request.args.get("page", "1")
    page_number = int(page) if page.isdigit() and 0 < int(page) <= 100 else 1
    rt = runtime()
    error = None
    result: dict[str, Any] = {"results": [], "total": 0, "suggestion": None}
    fallback = False
    try:
        result = rt.search.search(
            app_id, text, locale=locale, category=None, page=page_number, limit=PER_PAGE
        )
        if result["total"] == 0 and locale != DEFAULT_LOCALE:
            english = rt.search.search(
                app_id, text, locale=DEFAULT_LOCALE, category=None, page=page_number, limit=PER_PAGE
            )
            if english["total"]:
                result, fallback = english, True
    except ValidationFailed as exc:
        error = exc.message
    if page_number == 1 and error is None:
        rt.events.search(app_id, text, locale, result["total"], f"ip:{client_address()}")
    for hit in result["results"]:
        # snippets are escaped text with <mark>; cleaning again keeps only <mark>
        hit["snippet_html"] = Markup(nh3.clean(hit["snippet"], tags={"mark"}, attributes={}))  # noqa: S704
    suggestion = result.get("suggestion")
    response = _page(
        "help/search.html",
        app,
        locale,
        locales,
        q=text,
        result=result,
        error=error,
        fallback=fallback,
        suggestion=suggestion if suggestion and suggestion.lower() != text.lower() else None,
        page=page_number,
        pages=max(1, math.ceil(result["total"] / PER_PAGE)),
        canonical=_url(".search", app_id=app_id, locale=locale, q=text),
        robots="noindex, follow",
        data=rt.help_center.home(app_id, locale) if not result["total"] else None,
    )
    if error:
        response.status_code = 400
    return response


@bp.get("/<app_id>/theme.css")
def theme(app_id: str) -> Response:
    app = help_app(app_id)
    accent = app["settings"].get("theme_color") or DEFAULT_ACCENT
    css = f":root {{ --accent: {accent}; --on-accent: {on_colour(accent)}; }}\n"
    response = Response(css, content_type="text/css; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/<app_id>/<locale>/<path:rest>")
def unknown(app_id: str, locale: str, rest: str) -> Response:
    raise NotFound("no such page")


# -- errors --------------------------------------------------------------------------------
def _error_page(status: int, message: str) -> Response:
    app = g.get("help_app")
    asked = request.view_args.get("locale") if request.view_args else None
    locale = resolve_locale(asked if isinstance(asked, str) else None, STRINGS)
    html = render_template(
        "help/error.html",
        app=app,
        locale=locale,
        locales=[],
        dir="rtl" if locale.split("-")[0] in RTL else "ltr",
        t=translator(locale),
        status=status,
        message=message,
        alternates={},
        robots="noindex",
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    return page_headers(response, private=False)


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    response = _error_page(error.status, error.message)
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    return _error_page(error.code or 500, error.description or error.name)
