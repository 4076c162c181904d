"""What search engines read: /robots.txt and each help center's /help/<app>/sitemap.xml
(every published article with its translations as hreflang alternates)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

from ..edge import runtime
from ..services import apps as app_service
from ..services.articles import slugify
from ..services.locales import DEFAULT_LOCALE
from .help_center import help_app
from .security import base_url

bp = Blueprint("seo", __name__)


@bp.get("/robots.txt")
def robots() -> Response:
    apps = app_service.list_apps(runtime().db)
    base = base_url()
    lines = ["User-agent: *", "Disallow: /admin/", "Disallow: /api/", ""]
    lines += [f"Sitemap: {base}{url_for('.sitemap', app_id=a['id'])}" for a in apps]
    response = Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/help/<app_id>/sitemap.xml")
def sitemap(app_id: str) -> Response:
    help_app(app_id)
    rt = runtime()
    base = base_url()
    entries = rt.help_center.sitemap(app_id)
    locales = rt.help_center.locales(app_id)

    def article_url(slug: str, locale: str) -> str:
        return base + url_for("help_center.article", app_id=app_id, locale=locale, slug=slug)

    pages = [
        {
            "loc": base + url_for("help_center.home", app_id=app_id, locale=code),
            "lastmod": None,
            "alternates": [
                (c, base + url_for("help_center.home", app_id=app_id, locale=c)) for c in locales
            ],
        }
        for code in locales
    ]
    categories = sorted({e["category"] for e in entries if e["category"]})
    pages += [
        {
            "loc": base
            + url_for(
                "help_center.category", app_id=app_id, locale=DEFAULT_LOCALE, category=slugify(c)
            ),
            "lastmod": None,
            "alternates": [],
        }
        for c in categories
    ]
    pages += [
        {
            "loc": article_url(e["slug"], e["locale"]),
            "lastmod": e["updated_at"][:10],
            "alternates": [(c, article_url(e["slug"], c)) for c in e["alternates"]]
            if len(e["alternates"]) > 1
            else [],
        }
        for e in entries
    ]
    xml = render_template("help/sitemap.xml", pages=pages, default=DEFAULT_LOCALE)
    response = Response(xml, content_type="application/xml; charset=utf-8")
    response.headers["Cache-Control"] = "public, max-age=600"
    return response
