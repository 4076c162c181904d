"""The path key of a URL-path context (migration 0018, computed by SQLite) is always among the
keys a suggestion request looks up for a path the context matches: looking patterns up by key
finds every pattern that matches, wildcards, doubled and trailing slashes included."""

from __future__ import annotations

import random
from pathlib import Path

from support_server.services.articles import _path_keys, _path_matches
from support_server.store import Database

PATTERN_CHARS = "/ab*?[]!é"
PATH_CHARS = "/abé[*]"  # what a URL's path can hold of these (no '?': the query starts there)


def _stored_keys(tmp_path: Path, contexts: list[str]) -> dict[str, str | None]:
    db = Database(tmp_path / "support.db")
    db.migrate()
    with db.write() as conn:
        conn.execute(
            "INSERT INTO apps (id, name, secrets, created_at) VALUES ('app_1', 'A', '[]', 'x')"
        )
        conn.execute(
            "INSERT INTO articles (id, public_id, app_id, slug, locale, title, body, status,"
            " created_at, updated_at) VALUES (1, 'art_1', 'app_1', 's', 'en', 'T', 'B',"
            " 'published', 'x', 'x')"
        )
        conn.executemany(
            "INSERT OR IGNORE INTO article_contexts (article_id, app_id, context)"
            " VALUES (1, 'app_1', ?)",
            [(c,) for c in contexts],
        )
    with db.read() as conn:
        return dict(conn.execute("SELECT context, path_key FROM article_contexts").fetchall())


def _random(rng: random.Random, chars: str, longest: int) -> str:
    return "".join(rng.choice(chars) for _ in range(rng.randrange(longest + 1)))


def test_every_matching_pattern_is_under_one_of_the_paths_keys(tmp_path: Path) -> None:
    rng = random.Random(18)
    contexts = ["/" + _random(rng, PATTERN_CHARS, 7) for _ in range(700)]
    contexts += ["billing.invoices", "a/b", "*", "[x]", "/", "//", "/a/", "/a//b/"]
    keys = _stored_keys(tmp_path, contexts)
    assert all((key is None) == (not context.startswith("/")) for context, key in keys.items())

    paths = {"/" + _random(rng, PATH_CHARS, 8).strip("/") for _ in range(500)} | {"/", "/a"}
    matches = 0
    for path in paths:
        looked_up = set(_path_keys(path))
        for pattern, key in keys.items():
            if key is not None and _path_matches(pattern, path):
                matches += 1
                assert key in looked_up, (pattern, key, path)
    assert matches > 500  # enough of them for the test to mean something


def test_the_keys_of_some_patterns() -> None:
    assert _path_keys("/") == ["/", "*/"]
    assert _path_keys("/a/b") == ["/a/b", "/a", "*/", "*/a/"]
    assert _path_keys("/a//b") == ["/a//b", "/a", "/a/", "*/", "*/a/", "*/a//"]
