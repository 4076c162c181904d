"""What the public help center shows: categories, articles, related articles, translations.

Only published articles ever leave this module. A locale's help center lists each article in
that language when it is translated and in English otherwise (marked by its ``locale``), as
Zendesk Guide and Help Scout Docs do, so a half-translated help center is still complete.
"""

from __future__ import annotations

from typing import Any

from ..errors import NotFound
from ..store import Database, article_listings
from ..store import published_articles as store
from .articles import ArticleService, slugify
from .locales import DEFAULT_LOCALE, locale_chain

POPULAR = 6
RELATED = 5


class HelpCenterService:
    def __init__(self, db: Database, articles: ArticleService) -> None:
        self.db = db
        self.articles = articles

    def locales(self, app_id: str) -> list[str]:
        """Locales with published articles, the default first."""
        with self.db.read() as conn:
            found = set(store.locales(conn, app_id))
        found.add(DEFAULT_LOCALE)
        return [DEFAULT_LOCALE, *sorted(found - {DEFAULT_LOCALE})]

    def _listing(
        self, app_id: str, locale: str, category: str | None = None
    ) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return store.best_translations(conn, app_id, locale_chain(locale), category)

    def home(self, app_id: str, locale: str) -> dict[str, Any]:
        listed = self._listing(app_id, locale)
        categories: dict[str, dict[str, Any]] = {}
        for article in listed:
            name = article["category"]
            if not name:
                continue
            entry = categories.setdefault(
                name, {"name": name, "slug": slugify(name), "count": 0, "top": []}
            )
            entry["count"] += 1
            if len(entry["top"]) < 3:
                entry["top"].append(article)
        return {
            "categories": sorted(categories.values(), key=lambda c: c["name"].lower()),
            "popular": listed[:POPULAR],
            "total": len(listed),
        }

    def category(self, app_id: str, locale: str, category_slug: str) -> dict[str, Any]:
        listed = self._listing(app_id, locale)
        names = {slugify(a["category"]): a["category"] for a in listed if a["category"]}
        name = names.get(category_slug)
        if name is None:
            raise NotFound("no such category")
        articles = sorted(
            (a for a in listed if a["category"] == name), key=lambda a: a["title"].lower()
        )
        return {"name": name, "slug": category_slug, "articles": articles}

    def article(self, app_id: str, locale: str, slug: str) -> dict[str, Any]:
        """A published article (counting the view), its translations and related articles."""
        article = self.articles.published(app_id, slug, locale)
        with self.db.read() as conn:
            article["translations"] = article_listings.translations(
                conn, app_id, slug, published_only=True
            )
        article["related"] = self.related(app_id, article)
        return article

    def related(self, app_id: str, article: dict[str, Any]) -> list[dict[str, Any]]:
        """Articles sharing contexts, tags or the category, most shared first, then popular."""
        listed = self._listing(app_id, article["locale"])
        tags, contexts = set(article["tags"]), set(article["contexts"])
        scored = []
        for position, other in enumerate(listed):
            if other["slug"] == article["slug"]:
                continue
            score = (
                3 * len(contexts & set(other["contexts"]))
                + 2 * len(tags & set(other["tags"]))
                + (1 if article["category"] and other["category"] == article["category"] else 0)
            )
            if score:
                scored.append((-score, position, other))
        scored.sort(key=lambda item: (item[0], item[1]))
        return [other for _, _, other in scored[:RELATED]]

    def sitemap(self, app_id: str) -> list[dict[str, Any]]:
        """One entry per published (slug, locale), each with all its translations' locales."""
        with self.db.read() as conn:
            rows = store.sitemap(conn, app_id)
        locales_of: dict[str, list[str]] = {}
        for row in rows:
            locales_of.setdefault(row["slug"], []).append(row["locale"])
        return [{**row, "alternates": locales_of[row["slug"]]} for row in rows]
