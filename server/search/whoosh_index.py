"""The Whoosh engine: one index directory per generation, swapped atomically on rebuild.

Layout under ``root``::

    CURRENT            name of the live generation directory (replaced atomically)
    gen-<n>-<rand>/    a Whoosh index

Writers (``apply`` and ``rebuild``) are only ever called by the indexer, which holds the
indexer file lock, so Whoosh never sees two writers. Readers keep one searcher per process
(opened lazily, so after a fork), refresh it when a writer committed new segments, and cache
results per index generation.

Segments are read with plain file reads, never memory-mapped: a truncated or damaged segment
file then raises an exception the server handles (search falls back to the database and the
index is rebuilt) instead of a SIGBUS that kills the worker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import time
from array import array
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import columns, fields, index, query, scoring
from whoosh.analysis import RegexTokenizer
from whoosh.analysis.filters import LowercaseFilter
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.index import EmptyIndexError
from whoosh.searching import Searcher

from . import analysis
from .base import IndexDocument, IndexUnavailable, SearchHit, SearchPage
from .query import ParsedQuery, QueryTooLong, normalise, parse
from .snippets import snippet
from .spelling import Speller

__all__ = ["QueryTooLong", "WhooshIndex"]

_CURRENT = "CURRENT"
# What the stored text of a generation means; a generation of another format is rebuilt at
# start ("outdated"). 2: block-aware plain text with line breaks (snippets are cut from it).
# 3: each language in its own fields, with its own analyzer (see .analysis). 4: accents folded
# before stemming. 5: article ids and revisions in columns (read at start without the
# stored text).
_FORMAT_FILE = "FORMAT"
FORMAT = "5"
_SPELL_SEP = "\x1f"  # app id and word in one term: each app's vocabulary stays its own
_BOOSTS = {"title": 3.0, "summary": 1.5, "tags": 2.0, "content": 1.0}
# A generation a rebuild replaced stays this long after the swap, for the requests other
# processes began on it before they noticed (each request looks at CURRENT first); then it is
# removed (``remove_superseded``: after each rebuild, and by the worker every minute).
SUPERSEDED_GRACE = 30.0
# A half-typed last word matches the PREFIX_TERMS most frequent words it starts with: "inv"
# expands to 170 words at 50,000 articles, and each would be one more posting list to walk.
PREFIX_TERMS = 12
# Documents per term kept in memory to count matches with set operations (C speed) instead of
# walking Whoosh's matcher tree: at most this many document numbers in all (~20 MB).
_DOCSET_BUDGET = 400_000


def _open_dir(path: Path) -> index.Index:
    # supports_mmap=False: see the module docstring (SIGBUS on a truncated segment).
    return FileStorage(str(path), supports_mmap=False).open_index()


def _load_lengths(searcher: Searcher) -> None:
    """Read each segment's field lengths (one byte a document and field; BM25F reads one for
    every document it scores) into memory once, instead of a file read per lookup. Whoosh keeps
    them behind private attributes: if those ever change, lengths are read as before."""
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        perdoc = getattr(reader, "_perdoc", None)
        cache = getattr(perdoc, "_readers", None)
        if perdoc is None or not isinstance(cache, dict):
            return
        count = reader.doc_count_all()
        for name, field in reader.schema.items():
            if not field.scorable:
                continue
            key = f"_{name}_len"
            try:
                if key in cache or not perdoc.has_column(key):
                    continue
                column = perdoc.column_reader(key, LENGTHS_COLUMN)
                raw = column._dbfile.get(column._basepos, column._count)
            except (AttributeError, OSError, ValueError):
                return
            lengths = array("B", raw)
            lengths.extend(bytes(max(0, count + 1 - len(lengths))))
            cache[key] = lengths


def _versions(searcher: Searcher) -> dict[int, int]:
    """Article id -> revision of each live document, from the two columns of each segment."""
    found: dict[int, int] = {}
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        count = reader.doc_count_all()
        if count == 0:
            continue  # no column to read (Whoosh's EmptyReader has none)
        ids = _numbers(reader.column_reader("article", translate=False), count)
        revisions = _numbers(reader.column_reader("revision", translate=False), count)
        live = range(count) if not reader.has_deletions() else reader.all_doc_ids()
        found.update((ids[n], revisions[n]) for n in live)
    return found


def _numbers(column: Any, count: int) -> Sequence[int]:
    """A segment's 64-bit numeric column: its bytes in one read where Whoosh's private
    attributes allow (50,000 documents in a millisecond), else one value at a time."""
    try:
        raw = column._dbfile.get(column._basepos, column._count * 8)
        values = array("Q", raw)
    except (AttributeError, OSError, ValueError):
        return list(column)
    if sys.byteorder == "little":
        values.byteswap()  # Whoosh writes them big-endian
    values.extend([column._default] * max(0, count - len(values)))
    return values


def _leaf_terms(q: query.Query) -> dict[str, set[str]]:
    """The words of each field a query looks for (its terms and its phrases' words)."""
    found: dict[str, set[str]] = {}
    for field, text in q.iter_all_terms(phrases=True):
        word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
        found.setdefault(field, set()).add(word)
    return found


def _schema(variant: str = "") -> fields.Schema:
    """Every language's fields; a document fills those of its locale's language only."""
    text: dict[str, fields.FieldType] = {}
    for language in analysis.ANALYSED:
        stem = analysis.analyzer(language, variant)
        names = analysis.fields(language)
        text[names.title] = fields.TEXT(analyzer=stem, stored=True, field_boost=_BOOSTS["title"])
        text[names.summary] = fields.TEXT(
            analyzer=stem, stored=True, field_boost=_BOOSTS["summary"]
        )
        # chars=True stores character offsets, which makes snippets about twice as cheap.
        text[names.content] = fields.TEXT(analyzer=stem, stored=True, chars=True)
    return fields.Schema(
        # Columns too: what the index holds (ids and revisions) is read at every start, and
        # a column reads it in one go instead of each document's stored text.
        doc_id=fields.ID(stored=True, unique=True),
        article=fields.COLUMN(columns.NumericColumn("Q")),
        revision=fields.COLUMN(columns.NumericColumn("Q")),
        app_id=fields.ID(stored=True),
        locale=fields.ID(stored=True),
        category=fields.ID(stored=True),
        category_key=fields.ID(),
        slug=fields.ID(stored=True),
        tags=fields.KEYWORD(
            lowercase=True, commas=True, scorable=True, field_boost=_BOOSTS["tags"]
        ),
        spell=fields.KEYWORD(lowercase=False),
        **text,
    )


def category_key(name: str) -> str:
    return "-".join(name.casefold().split())


class WhooshIndex:
    """``analysis_variant`` is for the benchmarks (see :func:`.analysis.analyzer`); the product
    always uses the default, each language's own analyzer."""

    def __init__(
        self, root: str | os.PathLike[str], cache_size: int = 1024, analysis_variant: str = ""
    ) -> None:
        self.root = Path(root)
        self.variant = analysis_variant
        self.cache_size = cache_size
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._generation_dir: str | None = None
        self._ix: index.Index | None = None
        self._searcher: Searcher | None = None
        self._cache: OrderedDict[tuple[Any, ...], SearchPage] = OrderedDict()
        self._spellers: dict[tuple[Any, ...], Speller] = {}
        self._scopes: dict[tuple[Any, ...], set[int]] = {}
        self._prefixes: dict[tuple[Any, ...], list[str]] = {}
        self._docsets: OrderedDict[tuple[str, str], frozenset[int]] = OrderedDict()
        self._docset_size = 0

    # -- locating the live generation --------------------------------------------------------
    def generation_name(self) -> str | None:
        """The live generation's directory name (None: never built)."""
        return self._current_name()

    def _current_name(self) -> str | None:
        try:
            return (self.root / _CURRENT).read_text(encoding="utf-8").strip() or None
        except FileNotFoundError:
            return None

    def _open(self) -> Searcher:
        """The process's searcher, reopened after a fork, a swap or new commits."""
        pid = os.getpid()
        name = self._current_name()
        if name is None:
            raise IndexUnavailable("the search index has not been built yet")
        if self._pid != pid or self._generation_dir != name or self._ix is None:
            self._close()
            try:
                self._ix = _open_dir(self.root / name)
                self._searcher = self._ix.searcher(weighting=scoring.BM25F())
                _load_lengths(self._searcher)
            except (EmptyIndexError, OSError, ValueError, EOFError, KeyError) as exc:
                self._close()
                raise IndexUnavailable(f"the search index cannot be opened: {exc}") from exc
            self._pid, self._generation_dir = pid, name
        assert self._searcher is not None and self._ix is not None
        if self._ix.latest_generation() != self._searcher.reader().generation():
            # An indexer committed. Not Searcher.refresh(): it reuses segment readers whose
            # segment id is unchanged, and so keeps serving documents deleted since.
            old = self._searcher
            self._searcher = self._ix.searcher(weighting=scoring.BM25F())
            _load_lengths(self._searcher)
            old.close()
            # Document numbers are the searcher's: what was counted with the old one is stale.
            self._docsets.clear()
            self._docset_size = 0
        return self._searcher

    def close(self) -> None:
        """Release the process's searcher and the segment files it holds open."""
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._searcher is not None:
            with contextlib.suppress(Exception):  # a stale searcher may already be gone
                self._searcher.close()
        self._searcher, self._ix, self._generation_dir = None, None, None
        self._cache.clear()
        self._spellers.clear()
        self._scopes.clear()
        self._prefixes.clear()
        self._docsets.clear()
        self._docset_size = 0

    def _generation(self, searcher: Searcher) -> tuple[str | None, int]:
        return (self._generation_dir, searcher.reader().generation())

    # -- reading ------------------------------------------------------------------------------
    def search(
        self,
        app_id: str,
        text: str,
        *,
        locale: str,
        category: str | None = None,
        page: int = 1,
        limit: int = 10,
    ) -> SearchPage:
        parsed = parse(text)  # raises QueryTooLong before any engine work
        with self._lock:
            searcher = self._open()
            generation = self._generation(searcher)
            key = (generation, app_id, locale, category, text, page, limit)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            try:
                result = self._search(
                    searcher, generation, app_id, parsed, locale, category, page, limit
                )
            except Exception as exc:  # a damaged segment: any error of the engine's reads
                self._close()
                raise IndexUnavailable(f"the search index cannot be read: {exc!r}") from exc
            if self.cache_size:
                self._cache[key] = result
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
            return result

    def _speller(self, searcher: Searcher, generation: Any, app_id: str) -> Speller:
        key = (generation, app_id)
        speller = self._spellers.get(key)
        if speller is None:
            prefix = app_id + _SPELL_SEP
            reader = searcher.reader()
            vocabulary = {}
            for term in reader.expand_prefix("spell", prefix):
                word = term.decode("utf-8") if isinstance(term, bytes) else term
                vocabulary[word[len(prefix) :]] = reader.doc_frequency("spell", term)
            speller = Speller(vocabulary)
            self._spellers = {k: v for k, v in self._spellers.items() if k[0] == generation}
            self._spellers[key] = speller
        return speller

    def _scope(
        self, searcher: Searcher, generation: Any, app_id: str, locale: str, category: str | None
    ) -> set[int]:
        """The documents one search may return, as a set computed once per index generation."""
        key = (generation, app_id, locale, category_key(category) if category else None)
        scope = self._scopes.get(key)
        if scope is None:
            terms: list[query.Query] = [query.Term("app_id", app_id), query.Term("locale", locale)]
            if category:
                terms.append(query.Term("category_key", category_key(category)))
            scope = set(
                searcher.docs_for_query(query.And(terms))
            )  # Whoosh takes set, not frozenset
            if len(self._scopes) > 256 or any(k[0] != generation for k in self._scopes):
                self._scopes = {k: v for k, v in self._scopes.items() if k[0] == generation}
                if len(self._scopes) > 256:
                    self._scopes.clear()
            self._scopes[key] = scope
        return scope

    def _stem(self, language: str, word: str) -> str | None:
        tokens = [t.text for t in analysis.analyzer(language, self.variant)(word)]
        return tokens[0] if tokens else None

    def _docset(self, searcher: Searcher, field: str, text: str) -> frozenset[int]:
        """The documents (global numbers) whose ``field`` holds ``text``; cached for the
        searcher's generation (the cache is emptied whenever the searcher changes)."""
        key = (field, text)
        found = self._docsets.get(key)
        if found is not None:
            self._docsets.move_to_end(key)
            return found
        ids: list[int] = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if (field, text) in reader:
                ids.extend(offset + d for d in reader.postings(field, text).all_ids())
        found = frozenset(ids)
        self._docsets[key] = found
        self._docset_size += len(found)
        while self._docset_size > _DOCSET_BUDGET and len(self._docsets) > 1:
            _, dropped = self._docsets.popitem(last=False)
            self._docset_size -= len(dropped)
        return found

    def _matching(self, searcher: Searcher, q: query.Query) -> frozenset[int] | set[int]:
        """Every document ``q`` matches, by set algebra over the terms' documents."""
        if isinstance(q, query.Term):
            return self._docset(searcher, q.fieldname, q.text)
        if isinstance(q, query.Or):
            union: set[int] = set()
            for child in q.subqueries:
                union |= self._matching(searcher, child)
            return union
        if isinstance(q, query.And):
            sets = sorted((self._matching(searcher, c) for c in q.subqueries), key=len)
            common = set(sets[0]) if sets else set()
            for other in sets[1:]:
                common &= other
                if not common:
                    break
            return common
        return set(searcher.docs_for_query(q))  # a phrase: Whoosh checks the positions

    def _completions(
        self, searcher: Searcher, generation: Any, field: str, start: str
    ) -> list[str]:
        """The :data:`PREFIX_TERMS` most frequent indexed words of ``field`` starting with
        ``start``, computed once per index generation."""
        key = (generation, field, start)
        found = self._prefixes.get(key)
        if found is None:
            reader = searcher.reader()
            ranked = []
            for term in reader.expand_prefix(field, start):
                text = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                ranked.append((-reader.doc_frequency(field, text), text))
            found = [text for _, text in sorted(ranked)[:PREFIX_TERMS]]
            if len(self._prefixes) > 4096 or any(k[0] != generation for k in self._prefixes):
                self._prefixes = {k: v for k, v in self._prefixes.items() if k[0] == generation}
                if len(self._prefixes) > 4096:
                    self._prefixes.clear()
            self._prefixes[key] = found
        return found

    def _word_query(
        self,
        searcher: Searcher,
        generation: Any,
        language: str,
        word: str,
        prefix: bool,
        boost: float = 1.0,
    ) -> query.Query | None:
        stem = self._stem(language, word)
        names = analysis.fields(language)
        parts: list[query.Query] = []
        if stem is not None:
            parts += [query.Term(f, stem, boost=boost) for f in names.text]
        parts.append(query.Term("tags", word, boost=boost))
        if prefix and len(word) >= 2:
            start = analysis.prefix_form(
                {"english": analysis.ENGLISH, "plain": analysis.PLAIN}.get(self.variant, language),
                word,
            )
            for f in (names.title, names.content):
                parts += [
                    query.Term(f, completion, boost=boost * 0.8)
                    for completion in self._completions(searcher, generation, f, start)
                ]
        if stem is None and not prefix:
            return None  # a stop word: it neither helps nor hurts
        return query.Or(parts)

    def _build(
        self,
        searcher: Searcher,
        generation: Any,
        language: str,
        parsed: ParsedQuery,
        fixes: Mapping[str, str],
        needed: int,
    ) -> query.Query | None:
        """Each word (with its correction) and phrase is a group; ``needed`` must match."""
        groups: list[query.Query] = []
        last = len(parsed.words) - 1
        for position, word in enumerate(parsed.words):
            prefix = parsed.partial_last and position == last
            here = (searcher, generation, language)
            alternatives = [q for q in [self._word_query(*here, word, prefix)] if q]
            if word in fixes:
                fixed = self._word_query(*here, fixes[word], False, boost=0.9)
                if fixed is not None:
                    alternatives.append(fixed)
            if alternatives:
                groups.append(query.Or(alternatives) if len(alternatives) > 1 else alternatives[0])
        for phrase in parsed.phrases:
            stems = [s for s in (self._stem(language, w) for w in phrase) if s]
            if len(stems) > 1:
                content = analysis.fields(language).content
                groups.append(query.Phrase(content, stems, boost=2.0))
        if not groups:
            return None
        if len(groups) == 1:
            return groups[0]
        if needed >= len(groups):
            return query.And(groups)
        if needed == len(groups) - 1 and needed > 1:
            # Whoosh's Or(minmatch=) is not implemented: "all but one" is the union of the
            # conjunctions that each leave one group out (cheap: conjunctions skip ahead).
            return query.Or([query.And(groups[:i] + groups[i + 1 :]) for i in range(len(groups))])
        return query.Or(groups)

    def _search(
        self,
        searcher: Searcher,
        generation: Any,
        app_id: str,
        parsed: ParsedQuery,
        locale: str,
        category: str | None,
        page: int,
        limit: int,
    ) -> SearchPage:
        if parsed.empty:
            return SearchPage(hits=[], total=0, page=page)
        speller = self._speller(searcher, generation, app_id)
        typed = [w for w in parsed.words if not (parsed.partial_last and w == parsed.words[-1])]
        fixes = speller.correct_all(typed)
        if parsed.partial_last and parsed.words[-1] not in speller:
            # A half-typed last word is no typo if some vocabulary word starts with it.
            last = parsed.words[-1]
            if not speller.has_prefix(last):
                fix = speller.correct(last)
                if fix:
                    fixes[last] = fix
        scope = self._scope(searcher, generation, app_id, locale, category)
        if not scope:  # Whoosh reads an empty filter as "no filter"
            return SearchPage(hits=[], total=0, page=page)
        top: list[tuple[int, float]] = []
        total = 0
        built: query.Query | None = None
        language = analysis.language_of(locale)
        names = analysis.fields(language)
        words = len(parsed.words) + len(parsed.phrases)
        # All words first; then all but one (a stray word should not empty the page); then any.
        tiers = {words, 1} | ({words - 1} if 3 <= words <= 6 else set())
        for needed in sorted(tiers, reverse=True):
            built = self._build(searcher, generation, language, parsed, fixes, needed)
            if built is None:
                return SearchPage(hits=[], total=0, page=page)
            # The top of the page, with Whoosh's optimised collector (it skips the blocks of
            # postings that cannot reach the top); the filter only ever removes documents.
            # Counted by set algebra first (no tier is searched in vain), not by Whoosh: its
            # optimised count ignores the filter, and its unoptimised one walks every match.
            total = len(scope.intersection(self._matching(searcher, built)))
            if total:
                ranked = searcher.search(built, limit=page * limit, filter=scope, optimize=True)
                top = [(hit.docnum, float(hit.score or 0.0)) for hit in ranked]
                break
        shown = top[(page - 1) * limit :]
        if built is None or not shown:
            return SearchPage(hits=[], total=total, page=page)
        looked_for = _leaf_terms(built)
        hits = []
        for docnum, score in shown:
            stored = searcher.stored_fields(docnum)
            hits.append(
                SearchHit(
                    article_id=int(stored["doc_id"]),
                    slug=stored["slug"],
                    title=stored.get(names.title) or "",
                    category=stored.get("category") or "",
                    snippet=self._snippet(searcher, language, names, docnum, stored, looked_for),
                    score=round(score, 4),
                )
            )
        suggestion = None
        if fixes:
            suggestion = " ".join(fixes.get(w, w) for w in parsed.words)
        return SearchPage(
            hits=hits, total=total, page=page, suggestion=suggestion, corrected=bool(fixes)
        )

    def _snippet(
        self,
        searcher: Searcher,
        language: str,
        names: analysis.Fields,
        docnum: int,
        stored: Mapping[str, Any],
        words: Mapping[str, set[str]],
    ) -> str:
        """Cut around the query's words in the body, from the character offsets the index
        keeps for them (read only for the hits shown), else in the summary, else the start."""
        content = stored.get(names.content) or ""
        spans: list[tuple[int, int]] = []
        terms: list[str] = []
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if not offset <= docnum < offset + reader.doc_count_all():
                continue
            for word in words.get(names.content, ()):
                if (names.content, word) not in reader:
                    continue
                postings = reader.postings(names.content, word)
                postings.skip_to(docnum - offset)
                if postings.is_active() and postings.id() == docnum - offset:
                    for _position, start, end in postings.value_as("characters"):
                        spans.append((start, end))
                        terms.append(word)
        if spans:
            return snippet(content, spans, terms)
        summary = stored.get(names.summary) or ""
        wanted = words.get(names.summary, set())
        if summary and wanted:
            tokens = [
                (t.startchar, t.endchar, t.text)
                for t in analysis.analyzer(language, self.variant)(summary, chars=True)
                if t.text in wanted
            ]
            if tokens:
                return snippet(summary, [(a, b) for a, b, _ in tokens], [t for _, _, t in tokens])
        return snippet(summary or content, [])

    def stored_versions(self) -> dict[int, int]:
        """Each indexed article's revision, by article id (from the columns: a few
        milliseconds for 50,000 articles, where their stored fields took a second)."""
        with self._lock:
            return _versions(self._open())

    def check(self) -> str:
        """'ok', 'missing', 'corrupt' (cannot be opened or read) or 'outdated' (built by an
        older release, whose stored text snippets cannot be cut from)."""
        name = self._current_name()
        if name is None:
            return "missing"
        try:
            built = (self.root / name / _FORMAT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            built = "1"
        if built != FORMAT and (self.root / name).is_dir():
            return "outdated"
        try:
            with self._lock:
                searcher = self._open()
                searcher.search(query.Every(), limit=1)
                # Every file of every segment read at its far end (a truncated or damaged
                # one fails to), without decompressing each document's stored text: the
                # columns whole, the first and last document's stored fields.
                _versions(searcher)
                for leaf, _ in searcher.leaf_searchers():
                    count = leaf.reader().doc_count_all()
                    for docnum in {0, count - 1} if count else ():
                        leaf.reader().stored_fields(docnum)
        except IndexUnavailable:
            return "corrupt"
        except Exception:  # noqa: BLE001 - any failure to read means the files are damaged
            with self._lock:
                self._close()
            return "corrupt"
        return "ok"

    def state(self) -> Mapping[str, Any]:
        name = self._current_name()
        if name is None:
            return {"status": "missing", "documents": 0}
        try:
            with self._lock:
                searcher = self._open()
                return {
                    "status": "ok",
                    "documents": searcher.doc_count(),
                    "generation": f"{name}/{searcher.reader().generation()}",
                }
        except IndexUnavailable as exc:
            return {"status": "unavailable", "documents": 0, "reason": str(exc)}

    # -- writing (only under the indexer lock) ------------------------------------------------
    @staticmethod
    def _fields(doc: IndexDocument) -> dict[str, Any]:
        # The speller's vocabulary: words as the query parser normalises them, and each also
        # without its accents (so "telecharger" is no typo of "télécharger").
        typed = {
            w.text
            for w in (RegexTokenizer() | LowercaseFilter())(
                normalise(" ".join([doc.title, doc.summary, doc.text, " ".join(doc.tags)]))
            )
        }
        words = typed | {analysis.fold(w) for w in typed if not w.isascii()}
        names = analysis.fields(analysis.language_of(doc.locale))
        return {
            "doc_id": str(doc.article_id),
            "article": doc.article_id,
            "revision": doc.revision,
            "app_id": doc.app_id,
            "locale": doc.locale,
            "category": doc.category,
            "category_key": category_key(doc.category) if doc.category else "",
            "slug": doc.slug,
            names.title: doc.title,
            names.summary: doc.summary,
            "tags": ",".join(t.casefold() for t in doc.tags),
            names.content: doc.text,
            "spell": " ".join(
                doc.app_id + _SPELL_SEP + w for w in words if w.isalpha() and len(w) < 40
            ),
        }

    def apply(self, upserts: Iterable[IndexDocument], deletes: Iterable[int]) -> None:
        name = self._current_name()
        if name is None:
            raise IndexUnavailable("no index to update; rebuild first")
        try:
            ix = _open_dir(self.root / name)
        except (EmptyIndexError, OSError, ValueError, EOFError, KeyError) as exc:
            raise IndexUnavailable(f"the search index cannot be opened: {exc}") from exc
        writer = ix.writer()
        try:
            for article_id in deletes:
                writer.delete_by_term("doc_id", str(article_id))
            for doc in upserts:
                writer.update_document(**self._fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()

    def rebuild(
        self, documents: Iterable[IndexDocument], progress: Callable[[int], None] | None = None
    ) -> None:
        """Build a new generation beside the live one and swap it in atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}-{os.getpid()}"
        directory = self.root / name
        directory.mkdir()
        ix = index.create_in(str(directory), _schema(self.variant))
        writer = ix.writer(limitmb=128)
        try:
            for count, doc in enumerate(documents, 1):
                writer.add_document(**self._fields(doc))
                if progress is not None:
                    progress(count)
        except BaseException:
            writer.cancel()
            ix.close()
            shutil.rmtree(directory, ignore_errors=True)
            raise
        writer.commit()
        ix.close()
        (directory / _FORMAT_FILE).write_text(FORMAT, encoding="utf-8")
        _fsync_dir(directory)
        pointer = self.root / (_CURRENT + ".tmp")
        with open(pointer, "w", encoding="utf-8") as handle:
            handle.write(name)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(pointer, self.root / _CURRENT)
        _fsync_dir(self.root)
        self.remove_superseded()

    def remove_superseded(self, grace: float = SUPERSEDED_GRACE) -> int:
        """Remove the generations that are not the live one: all of them once the live one
        has been live for ``grace`` seconds; before that, all but the newest of them (the
        one just replaced, which other processes may still be reading). A half-written
        generation of a rebuild still running is never touched: it is newer than the live
        one. Returns how many were removed."""
        current = self._current_name()
        if current is None or not self.root.is_dir():
            return 0
        try:
            swapped = (self.root / _CURRENT).stat().st_mtime
            generations = [
                (p.stat().st_mtime, p)
                for p in self.root.iterdir()
                if p.is_dir() and p.name.startswith("gen-") and p.name != current
            ]
        except FileNotFoundError:  # another process is swapping or removing: next time
            return 0
        replaced = sorted(
            (when, path) for when, path in generations if when <= swapped
        )  # made before the swap (a rebuild in progress made its own after)
        if time.time() - swapped < grace:
            replaced = replaced[:-1]
        for _, path in replaced:
            shutil.rmtree(path, ignore_errors=True)
        return len(replaced)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
