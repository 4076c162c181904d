"""``support-sdk check --search FILE``: golden search queries, checked against the real search.

Writers keep a file of *golden queries* beside their Markdown help center: what readers type,
and the articles that should come up. CI runs them against the server's search, like a link
checker, so a rewritten article or a search change that buries the right answer fails the build.

The file, UTF-8 text::

    # comments and blank lines are ignored
    export to csv -> export-all-your-data
    reset password -> reset-your-password, enable-two-factor-authentication  # a comment
    [fr]
    demander un remboursement -> request-a-refund
    [ar]
    ...

- Each line is ``query -> slug[, slug…]``: what a reader types, then the articles expected in
  the top 3, most relevant first (one to three slugs; the first ``->`` separates them).
- ``[locale]`` alone on a line (a BCP 47 tag: ``fr``, ``en-US``, ``pt-BR``) sets the language of
  the lines below it; before the first one it is English (``en``).
- A line starting with ``#`` is a comment, and so is anything after ``#`` among the slugs
  (a slug never holds a ``#``; a query may: ``invoice #1042 -> ...``).

Every problem is collected, not just the first, as ``path:line: problem``: a line without
``->``, no query before it or no slug after it, a slug that is not one (``"Bad Slug!"``), more
than three slugs, a locale that is not one (``"[xx_!!]"``), the same query twice in a locale
(compared ignoring case and spacing), a query the server would refuse (over 500 characters), and
a file with no query at all. Then, before anything is searched, every expected slug must be a
*published* article in its line's locale, resolved as the server resolves it (``en-US`` falls
back to ``en``, ``fr-CA`` to ``fr``): a typo in a slug is an error, not a silent miss.

Each query is searched with ``SupportClient.search(query, locale=..., limit=10)``, and:

- the **rank** of an expected slug is its position (1-10) in those results, or none;
- a query **passes** when each of its expected slugs is in the top 3;
- **recall@3** is the number of expected slugs found in the top 3 over the number of expected
  slugs, all queries pooled (a micro-average: a line of two slugs counts twice), e.g.
  ``recall@3 0.94 (31/33)``;
- **MRR** (mean reciprocal rank) is the mean over queries of 1/rank of the best-ranked expected
  slug in the top 10 (0 when none is);

for the whole file and for each locale. The command exits 1 when recall@3 is below
``--min-recall`` (default 1.0: every query must pass) or, with ``--baseline`` (a report written
earlier by ``--save``), when recall@3 or MRR is lower than the baseline's or a query that
passed in the baseline fails now. With a baseline and no ``--min-recall``, the baseline is the
only bar, so a file with known misses can still guard against regressions. Exit codes: 0 all
good; 1 a problem in the file, an unknown slug, a miss or a regression; 2 a usage error (no such
file, a baseline that is not a report).

The searches are logged in the server's search analytics like readers' searches (as the API
key's).
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .models import Article

if TYPE_CHECKING:
    from .client import SupportClient

__all__ = [
    "DEFAULT_LOCALE",
    "DEPTH",
    "TOP",
    "Baseline",
    "GoldenFile",
    "GoldenQuery",
    "Problem",
    "QueryResult",
    "Report",
    "Totals",
    "check_search",
    "check_slugs",
    "evaluate",
    "failures",
    "load_baseline",
    "normalise_locale",
    "parse_golden",
    "read_golden",
    "report_lines",
]

DEFAULT_LOCALE = "en"
TOP = 3  # recall@3: where an expected article must be
DEPTH = 10  # how many results are asked for: ranks and MRR look this far
MAX_QUERY_CHARS = 500  # the server refuses longer queries
REPORT_VERSION = 1
PROGRESS_AFTER = 5  # more queries than this: show progress on stderr

# The same rules as docs.py (file names) and the server (locales): lowercase letters, digits
# and single hyphens; a BCP 47 tag, case and "_" ignored, at most 35 characters.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_LOCALE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")
_MAX_TAG = 35
_WORD = re.compile(r"\w", re.UNICODE)
_ARROW = "->"
_SHAPE = 'expected "query -> slug, …"'


def normalise_locale(tag: str) -> str | None:
    """``'pt_BR'`` -> ``'pt-br'``, as the server keeps tags; None when it is not a tag."""
    lowered = tag.strip().lower().replace("_", "-")
    if len(lowered) > _MAX_TAG or not _LOCALE.match(lowered):
        return None
    return lowered


def _truncations(locale: str) -> list[str]:
    """``'zh-hant-tw'`` -> ``['zh-hant-tw', 'zh-hant', 'zh']`` (RFC 4647 lookup, as the server
    does it: never ending on a one-letter subtag)."""
    parts = locale.split("-")
    return ["-".join(parts[:end]) for end in range(len(parts), 0, -1) if len(parts[end - 1]) > 1]


def _searched_locale(locale: str, published: Iterable[str]) -> str:
    """The locale the server searches for ``locale``: the first of its truncations that has
    published articles, else the default (see support_server.services.locales)."""
    offered = set(published)
    for code in _truncations(locale):
        if code in offered:
            return code
    return DEFAULT_LOCALE


def _same_query(text: str) -> str:
    """Two spellings of one query: case, Unicode forms and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10)
    return f"{number}{suffix or 'th'}"


# -- the file ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong, printed as ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class GoldenQuery:
    """One line of the file: a query, its locale and the slugs expected in the top 3."""

    path: str
    line: int
    locale: str
    query: str
    expected: tuple[str, ...]
    locale_line: int = 0  # the line of its ``[locale]``; 0 for the default

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the query from one run to the next (lines move)."""
        return self.locale, _same_query(self.query)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    def __str__(self) -> str:
        return f'"{self.query}" [{self.locale}]'


@dataclass(frozen=True)
class GoldenFile:
    path: str
    queries: tuple[GoldenQuery, ...]
    problems: tuple[Problem, ...]


def parse_golden(text: str, path: str | Path) -> GoldenFile:
    """Parse the file's text; never raises: what is wrong is in ``problems``."""
    where = str(path)
    queries: list[GoldenQuery] = []
    problems: list[Problem] = []
    locale, locale_line = DEFAULT_LOCALE, 0
    seen: dict[tuple[str, str], int] = {}

    def problem(number: int, message: str) -> None:
        problems.append(Problem(where, number, message))

    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]") and _ARROW not in line:
            tag = normalise_locale(line[1:-1])
            if tag is None:
                problem(number, f'"{line}" is not a locale (e.g. [fr], [en-US], [pt-BR])')
                locale, locale_line = line[1:-1].strip() or "?", number
            else:
                locale, locale_line = tag, number
            continue
        before = len(problems)
        query, arrow, after = line.partition(_ARROW)
        if not arrow:
            problem(number, _SHAPE)
            continue
        query = query.strip()
        listed = [s.strip() for s in after.split("#", 1)[0].split(",")]
        if not query:
            problem(number, f'no query before "{_ARROW}"')
        elif query.startswith("[") and "]" in query:
            problem(
                number, f'a locale goes alone on its line, as "{query[: query.index("]") + 1]}"'
            )
        elif len(query) > MAX_QUERY_CHARS:
            problem(number, f"the query is over {MAX_QUERY_CHARS} characters: the server's limit")
        elif not _WORD.search(query):
            problem(number, f'"{query}" has no word to search for')
        if listed == [""]:
            problem(number, f'no slug after "{_ARROW}"')
            continue
        slugs: list[str] = []
        for slug in listed:
            if not slug:
                problem(number, 'an empty slug between commas: "query -> slug, slug"')
            elif not _SLUG.match(slug):
                problem(number, f'"{slug}" is not a slug (lowercase letters, digits, hyphens)')
            elif slug in slugs:
                problem(number, f'"{slug}" is listed twice')
            else:
                slugs.append(slug)
        if len(listed) > TOP:
            problem(
                number, f"{len(listed)} slugs cannot all be in the top {TOP}: list at most {TOP}"
            )
        if len(problems) > before:
            continue
        found = GoldenQuery(where, number, locale, query, tuple(slugs), locale_line)
        if found.key in seen:
            problem(number, f'"{query}" [{locale}] is also on line {seen[found.key]}')
            continue
        seen[found.key] = number
        queries.append(found)
    if not queries and not problems:
        problem(1, f"no queries: {_SHAPE} on each line")
    return GoldenFile(where, tuple(queries), tuple(problems))


def read_golden(path: Path) -> GoldenFile:
    """Read and parse the file. A missing or unreadable file is a :class:`ValueError` (a usage
    error); text that is not UTF-8 is a problem of the file, at the line it happens."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file (the golden queries for --search)") from None
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return GoldenFile(str(path), (), (Problem(str(path), line, "not UTF-8 text"),))
    return parse_golden(text, path)


def check_slugs(golden: GoldenFile, published: Iterable[Article]) -> list[Problem]:
    """Every expected slug with no published article in the locale its line is searched in."""
    slugs: dict[str, set[str]] = {}
    for article in published:
        code = normalise_locale(article.locale) or DEFAULT_LOCALE
        slugs.setdefault(code, set()).add(article.slug)
    problems: list[Problem] = []
    missing_locales: set[str] = set()
    for query in golden.queries:
        searched = _searched_locale(query.locale, slugs)
        if searched not in _truncations(query.locale):  # fell back to the default
            if query.locale not in missing_locales:
                missing_locales.add(query.locale)
                problems.append(
                    Problem(
                        golden.path,
                        query.locale_line or query.line,
                        f"no published article in locale {query.locale}: the server would "
                        f"search its queries in {searched}",
                    )
                )
            continue
        for slug in query.expected:
            if slug in slugs.get(searched, set()):
                continue
            message = f'no published article "{slug}" in locale {query.locale}'
            if searched != query.locale:
                message += f" (searched as {searched})"
            elsewhere = sorted(code for code, found in slugs.items() if slug in found)
            if elsewhere:
                message += f"; it is published in {', '.join(elsewhere)}"
            problems.append(Problem(golden.path, query.line, message))
    return problems


# -- searching and scoring ------------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """One query and the slugs the search returned for it, best first (at most ``DEPTH``)."""

    query: GoldenQuery
    got: tuple[str, ...]

    @property
    def ranks(self) -> dict[str, int | None]:
        """Each expected slug's position in the results (1 is first), None if not there."""
        positions: dict[str, int] = {}
        for position, slug in enumerate(self.got[:DEPTH], 1):
            positions.setdefault(slug, position)
        return {slug: positions.get(slug) for slug in self.query.expected}

    @property
    def found(self) -> int:
        """How many expected slugs are in the top ``TOP``."""
        return sum(1 for rank in self.ranks.values() if rank is not None and rank <= TOP)

    @property
    def passed(self) -> bool:
        return self.found == len(self.query.expected)

    @property
    def best_rank(self) -> int | None:
        ranks = [rank for rank in self.ranks.values() if rank is not None]
        return min(ranks) if ranks else None

    @property
    def reciprocal_rank(self) -> float:
        best = self.best_rank
        return 1.0 / best if best else 0.0

    def describe(self) -> str:
        """``path:line: "query" [fr]: expected a in the top 3, got b, c, d (a is 5th)``."""
        top = ", ".join(self.got[:TOP]) or "nothing"
        misses = []
        for slug, rank in self.ranks.items():
            if rank is None:
                misses.append(f"{slug} is not in the top {DEPTH}")
            elif rank > TOP:
                misses.append(f"{slug} is {_ordinal(rank)}")
        return (
            f"{self.query.where}: {self.query}: expected {', '.join(self.query.expected)} in "
            f"the top {TOP}, got {top} ({'; '.join(misses)})"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.query.line,
            "locale": self.query.locale,
            "query": self.query.query,
            "expected": list(self.query.expected),
            "got": list(self.got[:DEPTH]),
            "ranks": self.ranks,
            "passed": self.passed,
            "reciprocal_rank": round(self.reciprocal_rank, 4),
        }


@dataclass(frozen=True)
class Totals:
    """The scores of some queries: recall@3 pooled over expected slugs, MRR over queries."""

    queries: int
    passed: int
    expected: int
    found: int
    reciprocal_ranks: float

    @classmethod
    def of(cls, results: Iterable[QueryResult]) -> Totals:
        listed = list(results)
        return cls(
            queries=len(listed),
            passed=sum(1 for r in listed if r.passed),
            expected=sum(len(r.query.expected) for r in listed),
            found=sum(r.found for r in listed),
            reciprocal_ranks=sum(r.reciprocal_rank for r in listed),
        )

    @property
    def exact_recall(self) -> float:
        return self.found / self.expected if self.expected else 0.0

    @property
    def recall(self) -> float:
        """recall@3, rounded to 4 places (as saved, so a baseline compares equal to itself)."""
        return round(self.found / self.expected, 4) if self.expected else 0.0

    @property
    def mrr(self) -> float:
        return round(self.reciprocal_ranks / self.queries, 4) if self.queries else 0.0

    def summary(self) -> str:
        """``recall@3 0.94 (31/33), MRR 0.88, 30 queries``."""
        queries = f"{self.queries} quer{'y' if self.queries == 1 else 'ies'}"
        return (
            f"recall@{TOP} {self.recall:.2f} ({self.found}/{self.expected}), "
            f"MRR {self.mrr:.2f}, {queries}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "passed": self.passed,
            "expected": self.expected,
            "found": self.found,
            f"recall_at_{TOP}": self.recall,
            "mrr": self.mrr,
        }


@dataclass(frozen=True)
class Report:
    path: str
    results: tuple[QueryResult, ...]

    @property
    def totals(self) -> Totals:
        return Totals.of(self.results)

    @property
    def locales(self) -> dict[str, Totals]:
        """Totals per locale, in the order the locales first appear in the file."""
        grouped: dict[str, list[QueryResult]] = {}
        for result in self.results:
            grouped.setdefault(result.query.locale, []).append(result)
        return {locale: Totals.of(results) for locale, results in grouped.items()}

    def to_json(self, failed: Sequence[str] = ()) -> dict[str, Any]:
        """The report ``--json`` prints and ``--save`` writes (``--baseline`` reads it back)."""
        return {
            "version": REPORT_VERSION,
            "file": self.path,
            "top": TOP,
            "depth": DEPTH,
            "ok": not failed,
            "failures": list(failed),
            "totals": self.totals.to_json(),
            "locales": {locale: t.to_json() for locale, t in self.locales.items()},
            "queries": [result.to_json() for result in self.results],
        }


def evaluate(
    golden: GoldenFile,
    search: Callable[[GoldenQuery], Sequence[str]],
    progress: Callable[[int, int, GoldenQuery], None] | None = None,
) -> Report:
    """Search each query (``search`` returns the slugs found, best first) and score it."""
    results = []
    for number, query in enumerate(golden.queries, 1):
        if progress is not None:
            progress(number, len(golden.queries), query)
        results.append(QueryResult(query, tuple(search(query))[:DEPTH]))
    return Report(golden.path, tuple(results))


# -- the bar: --min-recall and --baseline ---------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """What a saved report says: its totals and which queries passed."""

    path: str
    recall: float
    mrr: float
    passed: Mapping[tuple[str, str], bool]
    best_ranks: Mapping[tuple[str, str], int | None]


def load_baseline(path: Path) -> Baseline:
    """Read a report written by ``--save``; anything else is a :class:`ValueError`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"--baseline {path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"--baseline {path}: not a report written by --save ({exc})") from None
    try:
        totals = data["totals"]
        recall, mrr = totals[f"recall_at_{TOP}"], totals["mrr"]
        passed: dict[tuple[str, str], bool] = {}
        best: dict[tuple[str, str], int | None] = {}
        for entry in data["queries"]:
            key = (str(entry["locale"]), _same_query(str(entry["query"])))
            passed[key] = bool(entry["passed"])
            ranks = [r for r in dict(entry.get("ranks") or {}).values() if isinstance(r, int)]
            best[key] = min(ranks) if ranks else None
        if isinstance(recall, bool) or not isinstance(recall, (int, float)):
            raise TypeError(f"recall_at_{TOP} is not a number")
        if isinstance(mrr, bool) or not isinstance(mrr, (int, float)):
            raise TypeError("mrr is not a number")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"--baseline {path}: not a report written by --save ({exc})") from None
    return Baseline(str(path), float(recall), float(mrr), passed, best)


def failures(
    report: Report, *, min_recall: float | None = None, baseline: Baseline | None = None
) -> list[str]:
    """Why the check fails (empty: it passes). ``min_recall`` None means 1.0 without a
    baseline and no bar of its own with one."""
    totals = report.totals
    reasons: list[str] = []
    bar = 1.0 if min_recall is None and baseline is None else min_recall
    if bar is not None and totals.exact_recall < bar:
        missed = totals.queries - totals.passed
        reasons.append(
            f"recall@{TOP} {totals.recall:.2f} is below --min-recall {bar:.2f} "
            f"({missed} quer{'y' if missed == 1 else 'ies'} missed)"
        )
    if baseline is None:
        return reasons
    if totals.recall < baseline.recall:
        reasons.append(
            f"recall@{TOP} dropped from {baseline.recall:.4f} to {totals.recall:.4f} "
            f"(baseline {baseline.path})"
        )
    if totals.mrr < baseline.mrr:
        reasons.append(
            f"MRR dropped from {baseline.mrr:.4f} to {totals.mrr:.4f} (baseline {baseline.path})"
        )
        for result in report.results:
            before = baseline.best_ranks.get(result.query.key)
            now = result.best_rank
            regressed = not result.passed and baseline.passed.get(result.query.key)
            if before is not None and (now is None or now > before) and not regressed:
                place = _ordinal(now) if now else f"not in the top {DEPTH}"
                reasons.append(
                    f"{result.query.where}: {result.query}: its best expected article is "
                    f"{place}, was {_ordinal(before)}"
                )
    for result in report.results:
        if not result.passed and baseline.passed.get(result.query.key):
            reasons.append(
                f"regression: {result.query.where}: {result.query} passed in the baseline, "
                "fails now"
            )
    return reasons


def report_lines(report: Report, failed: Sequence[str] = ()) -> list[str]:
    """The text report: each failing query, the summary (and per locale), why it fails."""
    lines = [result.describe() for result in report.results if not result.passed]
    lines.append(report.totals.summary())
    locales = report.locales
    if len(locales) > 1:
        lines += [f"  {locale}: {totals.summary()}" for locale, totals in locales.items()]
    lines += [f"failed: {reason}" for reason in failed]
    return lines


# -- the command ----------------------------------------------------------------------------


def check_search(
    path: Path,
    connect: Callable[[], SupportClient],
    *,
    min_recall: float | None = None,
    baseline: Path | None = None,
    save: Path | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``support-sdk check --search``: 0 when it passes, 1 when not (see the module docs).

    ``connect`` returns a client with a writer key (the published articles are listed with
    it); it is not called when the file itself is wrong. Usage errors raise ValueError.
    """
    stdout = out or sys.stdout
    stderr = err or sys.stderr
    golden = read_golden(path)
    bar = load_baseline(baseline) if baseline is not None else None
    if golden.problems:
        _print_problems(golden.problems, "nothing was searched", stderr)
        return 1
    with connect() as client:
        unknown = check_slugs(golden, client.articles.iter_all(status="published"))
        if unknown:
            _print_problems(unknown, "nothing was searched", stderr)
            return 1
        total = len(golden.queries)

        def progress(number: int, total: int, query: GoldenQuery) -> None:
            print(f"[{number}/{total}] searching {query}", file=stderr, flush=True)

        report = evaluate(
            golden,
            lambda q: [
                r.slug for r in client.search(q.query, locale=q.locale, limit=DEPTH).results
            ],
            progress if total > PROGRESS_AFTER else None,
        )
    failed = failures(report, min_recall=min_recall, baseline=bar)
    document = report.to_json(failed)
    if save is not None:
        save.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
        print(f"saved the report to {save}", file=stderr)
    if as_json:
        print(json.dumps(document, indent=2, ensure_ascii=False), file=stdout)
    else:
        for line in report_lines(report, failed):
            print(line, file=stdout)
    return 1 if failed else 0


def _print_problems(problems: Sequence[Problem], outcome: str, stream: TextIO) -> None:
    for problem in sorted(problems, key=lambda p: p.line):
        print(problem, file=stream)
    print(f"support-sdk: {len(problems)} problem(s); {outcome}", file=stream)
