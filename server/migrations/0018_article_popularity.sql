-- Suggestions at any size (issue 18): what the widget shows when it opens is answered from
-- two indexes instead of reading every published article and every URL-path context.
--
-- An article's popularity (views + 3 * helpful_yes - 2 * helpful_no) as a generated column:
-- SQLite computes it from the counters, and keeps the index below in step, on every write
-- that changes them (a view, a vote, an import, a bulk UPDATE alike), so no writer can leave
-- it stale and the rows already there need no backfill (CREATE INDEX reads them all). The
-- index makes "the N most popular published articles of an app in a locale" a range scan of
-- N entries.
ALTER TABLE articles ADD COLUMN popularity INTEGER
    GENERATED ALWAYS AS (views + 3 * helpful_yes - 2 * helpful_no) VIRTUAL;
CREATE INDEX articles_by_popularity ON articles (app_id, status, locale, popularity DESC, id);

-- A URL-path context by the paths it can match (see services/articles._path_matches and
-- _path_keys), so that a suggestion request reads only the patterns that may match its URL,
-- with one index seek for the URL's path and one for each of its parents:
-- * without a wildcard, the path it names: '/invoices' and '/invoices/' both match /invoices
--   and what is under it, and get the key '/invoices' ('/' and the context without the
--   slashes at either end);
-- * with a wildcard (* ? [ as fnmatch reads them), '*' and the directory of the literal text
--   before the first wildcard: a path it matches starts with that text, so with that
--   directory. '/invoices/*/edit' gets '*/invoices/', '/inv*' and '/*' get '*/'. (The rtrim
--   strips from the right every character but '/', which leaves the text up to its last '/'.)
-- Context keys ('billing.invoices') get none.
ALTER TABLE article_contexts ADD COLUMN path_key TEXT GENERATED ALWAYS AS (
    CASE
        WHEN substr(context, 1, 1) != '/' THEN NULL
        WHEN instr(context, '*') + instr(context, '?') + instr(context, '[') = 0
            THEN '/' || trim(context, '/')
        ELSE '*' || rtrim(
            substr(context, 1, min(
                CASE WHEN instr(context, '*') > 0 THEN instr(context, '*') ELSE length(context) END,
                CASE WHEN instr(context, '?') > 0 THEN instr(context, '?') ELSE length(context) END,
                CASE WHEN instr(context, '[') > 0 THEN instr(context, '[') ELSE length(context) END
            ) - 1),
            replace(substr(context, 1, min(
                CASE WHEN instr(context, '*') > 0 THEN instr(context, '*') ELSE length(context) END,
                CASE WHEN instr(context, '?') > 0 THEN instr(context, '?') ELSE length(context) END,
                CASE WHEN instr(context, '[') > 0 THEN instr(context, '[') ELSE length(context) END
            ) - 1), '/', '')
        )
    END
) VIRTUAL;
CREATE INDEX article_contexts_by_path ON article_contexts (app_id, path_key, article_id, context)
    WHERE path_key IS NOT NULL;

-- The articles tagged with a context key, from the index alone (it held the key, not the
-- article: each one cost a read of the table).
DROP INDEX article_contexts_lookup;
CREATE INDEX article_contexts_lookup ON article_contexts (app_id, context, article_id);
