"""Insights for agents: repeated issues (draft an article, link one, see its effect, make a
known issue) and spikes, from the same services as ``/api/v1/insights``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError
from ...services.insights import Window
from . import guard

bp = Blueprint("insights", __name__, url_prefix="/insights")
PRESETS = (30, 90, 180)
REPLY_CHARS = 1500  # of each resolving reply in a drafted article (the draft goes in a URL)
NOTICES = {
    "linked": "Article linked: its effect on this group shows below.",
    "unlinked": "Article unlinked.",
}


def _window() -> Window:
    days = request.args.get("days", "")
    return Window(int(days)) if days.isdigit() and 1 <= int(days) <= 365 else Window()


def draft_url(group: dict[str, Any]) -> str:
    """The article editor, prefilled from a group: its customers' words as the title, its
    contexts, and the agents' replies that solved it as the body to edit."""
    replies = "\n\n".join(r["body"][:REPLY_CHARS] for r in group["resolving_replies"])
    asked = "\n".join(f"- {s}" for s in group["sample_subjects"][:3])
    body = f"## The problem\n\nCustomers ask:\n\n{asked}\n\n## The answer\n\n{replies}\n"
    contexts = "\n".join(c["key"] for c in group["contexts"])
    query = {"title": group["label"][:200], "contexts": contexts, "body": body}
    return url_for("admin.articles.new") + "?" + urlencode(query)


def known_issue_url(
    title: str, contexts: list[str], versions: list[str], ticket_ids: list[str]
) -> str:
    query = {
        "title": title[:200],
        "contexts": ",".join(contexts),
        "app_versions": ",".join(versions),
        "ticket_ids": ",".join(ticket_ids[:200]),
    }
    return "/admin/known-issues/new?" + urlencode(query)


@bp.get("/")
@guard.requires("tickets")
def index() -> str:
    rt = runtime()
    app_id = guard.app_id()
    window = _window()
    groups = rt.repeated.groups(app_id, window)["items"]
    for g in groups:
        g["draft_url"] = draft_url(g)
        g["known_issue_url"] = known_issue_url(
            g["label"],
            [c["key"] for c in g["contexts"][:3]],
            [],
            g["ticket_ids"],
        )
    spikes = rt.spikes.find(app_id)
    for s in spikes["items"]:
        s["known_issue_url"] = known_issue_url(
            s["subjects"][0] if s["subjects"] else s["label"],
            [s["context"]] if s["context"] else [],
            [s["app_version"]] if s["app_version"] else [],
            s["ticket_ids"],
        )
    articles = rt.repeated.articles(app_id)
    return render_template(
        "admin/insights.html",
        groups=groups,
        spikes=spikes,
        days=window.days,
        presets=PRESETS,
        articles=articles,
        notice=NOTICES.get(request.args.get("notice", "")),
        error=request.args.get("error", "")[:300],
    )


@bp.post("/<group_id>/article")
@guard.requires("tickets")
def link(group_id: str) -> BaseResponse:
    days = _window().days
    slug = request.form.get("article", "")
    try:
        runtime().repeated.link_article(
            guard.app_id(), group_id, slug, guard.author(), Window(days)
        )
    except ApiError as exc:
        return redirect(url_for(".index", days=days, error=exc.message) + f"#{group_id}", 303)
    return redirect(url_for(".index", days=days, notice="linked") + f"#{group_id}", 303)


@bp.post("/<group_id>/unlink")
@guard.requires("tickets")
def unlink(group_id: str) -> BaseResponse:
    try:
        runtime().repeated.unlink_article(guard.app_id(), group_id)
    except ApiError as exc:
        return redirect(url_for(".index", error=exc.message), 303)
    return redirect(url_for(".index", days=_window().days, notice="unlinked"), 303)
