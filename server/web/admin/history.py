"""An article's revision history: the list, what each revision changed, and restore."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import Conflict
from . import guard

bp = Blueprint("history", __name__, url_prefix="/articles")
SHOWN = 100


@bp.get("/<article_id>/revisions")
@guard.requires("articles")
def revisions(article_id: str) -> str:
    rt = runtime()
    app_id = guard.app_id()
    article = rt.articles.get(app_id, article_id)
    items, more = rt.articles.revisions(app_id, article_id, None, SHOWN)
    return render_template("admin/revisions.html", article=article, items=items, more=more)


@bp.get("/<article_id>/revisions/<int:number>")
@guard.requires("articles")
def revision(article_id: str, number: int) -> str:
    against = request.args.get("against", "")
    compared = runtime().writing.compare(
        guard.app_id(), article_id, number, int(against) if against.isdigit() else None
    )
    return render_template("admin/revision.html", **compared)


@bp.post("/<article_id>/revisions/<int:number>/restore")
@guard.requires("articles")
def restore(article_id: str, number: int) -> BaseResponse:
    expected = request.form.get("revision", "")
    try:
        runtime().writing.restore(
            guard.app_id(),
            article_id,
            number,
            guard.author(),
            int(expected) if expected.isdigit() else 0,
        )
    except Conflict:
        target = url_for(".revision", article_id=article_id, number=number, conflict=1)
        return redirect(target, code=303)
    return redirect(url_for("admin.articles.edit", article_id=article_id, notice="restored"), 303)
