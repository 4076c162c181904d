"""The writers' article list and editor: save, publish, unpublish, archive, schedule.

Every save sends the revision the writer started from; if someone else saved in between, the
service refuses (revision_conflict) and the editor comes back with the writer's text intact,
the other version beside it, and an explicit "save mine anyway".
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError, Conflict
from ...services.diffs import line_diff
from ..article_html import article_body
from . import article_form, guard

bp = Blueprint("articles", __name__, url_prefix="/articles")
FILTERS = ("status", "locale", "category", "context", "q")
EDITOR_BODY_LIMIT = 4 * 1_048_576
NOTICES = {
    "created": "Article created.",
    "saved": "Changes saved.",
    "published": "Published. Readers can see it now.",
    "unpublished": "Unpublished. It is a draft again.",
    "archived": "Archived. Readers no longer see it.",
    "scheduled": "Scheduled for publication.",
    "unscheduled": "Publication cancelled.",
    "restored": "Revision restored as a new revision.",
    "unchanged": "Nothing changed.",
}


@bp.get("/")
@guard.requires("articles")
def index() -> str:
    rt = runtime()
    app_id = guard.app_id()
    filters = {name: (request.args.get(name) or "").strip() or None for name in FILTERS}
    page = request.args.get("page", "1")
    listing = rt.writing.page(app_id, filters, int(page) if page.isdigit() else 1)
    return render_template(
        "admin/articles.html",
        listing=listing,
        filters=filters,
        query={k: v for k, v in filters.items() if v},
        facets=rt.writing.facets(app_id),
    )


def editor(
    article: dict[str, Any] | None,
    values: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    conflict: dict[str, Any] | None = None,
    status: int = 200,
    source: dict[str, Any] | None = None,
) -> BaseResponse:
    """The editor page (also used side by side with a source article to translate)."""
    rt = runtime()
    app_id = guard.app_id()
    translations = rt.writing.translations(app_id, article["slug"]) if article else []
    html = render_template(
        "admin/editor.html",
        article=article,
        values=values,
        errors=errors or {},
        conflict=conflict,
        source=source,
        source_html=article_body(source["html"], source["title"]) if source else None,
        preview=article_body(rt.renderer.html(values["body"]), values["title"]),
        translations=translations,
        facets=rt.writing.facets(app_id),
        scheduled_at=rt.writing.scheduled_at(article) if article else None,
        notice=NOTICES.get(request.args.get("notice", "")),
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")


@bp.get("/new")
@guard.requires("articles")
def new() -> BaseResponse:
    values = article_form.values_of(None)
    # A draft started elsewhere (Insights' "Draft an article"): what it knows, to edit.
    for name, limit in (("title", 200), ("summary", 300), ("contexts", 2000), ("body", 20_000)):
        values[name] = request.args.get(name, "")[:limit].replace("\r\n", "\n")
    return editor(None, values)


@bp.post("/new")
@guard.requires("articles")
@guard.body_limit(EDITOR_BODY_LIMIT)
def create() -> BaseResponse:
    rt = runtime()
    app_id = guard.app_id()
    values = article_form.posted(request.form)
    action = request.form.get("action", "save")
    source = _source_for_translation()
    data, errors = article_form.validate(values, creating=True)
    if errors:
        return editor(None, values, errors=errors, status=422, source=source)
    try:
        saved = rt.writing.create(app_id, data, guard.author(), action, _publish_time(action))
    except ApiError as exc:
        return editor(None, values, errors=_field_errors(exc), status=exc.status, source=source)
    return redirect(
        url_for(".edit", article_id=saved.article["id"], notice=saved.outcome), code=303
    )


def _source_for_translation() -> dict[str, Any] | None:
    source_id = request.values.get("source")
    if not source_id:
        return None
    try:
        return runtime().articles.get(guard.app_id(), source_id)
    except ApiError:
        return None


def _field_errors(exc: ApiError) -> dict[str, str]:
    errors = {"_": exc.message}
    for name, value in exc.details.items():
        errors[str(name)] = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
    return errors


def _publish_time(action: str) -> float | None:
    """The publication time the form asks for (the service refuses a missing or past one)."""
    if action != "schedule":
        return None
    return article_form.publish_time(
        request.form.get("publish_at", ""), request.form.get("tz_offset", "")
    )


@bp.get("/<article_id>")
@guard.requires("articles")
def edit(article_id: str) -> BaseResponse:
    article = runtime().articles.get(guard.app_id(), article_id)
    return editor(article, article_form.values_of(article))


@bp.post("/<article_id>")
@guard.requires("articles")
@guard.body_limit(EDITOR_BODY_LIMIT)
def save(article_id: str) -> BaseResponse:
    rt = runtime()
    app_id = guard.app_id()
    current = rt.articles.get(app_id, article_id)
    values = article_form.posted(request.form)
    action = request.form.get("action", "save")
    expected = request.form.get("revision", "")
    if action == "overwrite":  # the writer saw the conflict and chose their version
        expected = request.form.get("overwrite_revision", "")
        action = "save"
    data, errors = article_form.validate(values, creating=False)
    if errors or not expected.isdigit():
        errors = errors or {"revision": "the form lost its revision; reload the article"}
        return editor(current, values, errors=errors, status=422)
    try:
        saved = rt.writing.save(
            app_id, article_id, data, guard.author(), int(expected), action, _publish_time(action)
        )
    except Conflict as exc:
        if exc.code != "revision_conflict":
            return editor(current, values, errors=_field_errors(exc), status=409)
        theirs = rt.articles.get(app_id, article_id)
        conflict = {
            "theirs": theirs,
            "rows": line_diff(theirs["body"], values["body"]),
        }
        base = dict(current, revision=int(expected))
        return editor(base, values, conflict=conflict, status=409)
    except ApiError as exc:  # nothing was saved: the writer's text comes back to fix and retry
        return editor(current, values, errors=_field_errors(exc), status=exc.status)
    return redirect(url_for(".edit", article_id=article_id, notice=saved.outcome), code=303)


@bp.get("/<article_id>/translate")
@guard.requires("articles")
def translate(article_id: str) -> BaseResponse:
    """The source article beside the editor of its translation in ``locale``."""
    rt = runtime()
    app_id = guard.app_id()
    source = rt.articles.get(app_id, article_id)
    locale = (request.args.get("locale") or "").strip().lower()
    existing = next(
        (t for t in rt.writing.translations(app_id, source["slug"]) if t["locale"] == locale),
        None,
    )
    if not locale or locale == source["locale"]:
        return redirect(url_for(".edit", article_id=article_id))
    if existing is not None:
        target = rt.articles.get(app_id, existing["public_id"])
        return editor(target, article_form.values_of(target), source=source)
    values = article_form.values_of(source)
    values.update(locale=locale, title=source["title"], body=source["body"])
    return editor(None, values, source=source)


@bp.post("/preview")
@guard.requires("articles")
@guard.body_limit(EDITOR_BODY_LIMIT)
def preview() -> Response:
    """The server's own renderer, so the preview is exactly what readers will see."""
    payload = request.get_json(silent=True) or {}
    markdown = payload.get("markdown", "") if isinstance(payload, dict) else ""
    title = payload.get("title", "") if isinstance(payload, dict) else ""
    if not isinstance(markdown, str) or len(markdown) > 200_000 or not isinstance(title, str):
        abort(422, "markdown must be text of at most 200,000 characters")
    return jsonify({"html": str(article_body(runtime().renderer.html(markdown), title))})
