"""The ``support-sdk`` command.

::

    support-sdk token --app-id APP --app-secret SECRET --user-id 42 [--email E] [--name N]
                      [--trait KEY=VALUE]... [--expires-in SECONDS]
    support-sdk articles push DIR [--dry-run] [--delete-missing] [--publish]
    support-sdk articles pull DIR
    support-sdk check [PATH]... [--contexts-file FILE] [--allow-unused]
    support-sdk check --search FILE [--min-recall R] [--baseline FILE] [--save FILE] [--json]
    support-sdk version

Options that name the server and the app default to the environment variables
``SUPPORT_URL``, ``SUPPORT_APP_ID``, ``SUPPORT_APP_SECRET`` and ``SUPPORT_API_KEY``.

``check`` checks the help contexts of PATHs (default: the current folder). With ``--search
FILE`` it checks the golden search queries of FILE instead (:mod:`support_sdk.search_check`),
and the contexts too only when a PATH or ``--contexts-file`` is also given; then it exits 1 if
either check fails.

Each subcommand is a pair of functions: ``_add_<name>(subparsers, common)`` declares it and sets
``run=_run_<name>``; ``_run_<name>(args) -> int`` does the work. A new subcommand (e.g.
``articles push``) is one more pair and one line in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ._http import VERSION
from .client import SupportClient
from .context_check import check_contexts, collect_usages, report_lines
from .errors import SupportError
from .search_check import check_search
from .sync import Change, apply_push, plan_push, pull

__all__ = ["build_parser", "main"]

if TYPE_CHECKING:
    from typing import TypeAlias

    # What add_subparsers() returns; argparse gives it no public name.
    _Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

_EXIT_ERROR = 1
_EXIT_USAGE = 2


def build_parser(environ: Mapping[str, str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with defaults read from ``environ`` (``os.environ`` if None)."""
    env = os.environ if environ is None else environ
    common = argparse.ArgumentParser(add_help=False)
    server = common.add_argument_group("server and app")
    server.add_argument(
        "--url",
        default=env.get("SUPPORT_URL", "http://127.0.0.1:8000"),
        help="the Support server's base URL (env SUPPORT_URL; default %(default)s)",
    )
    server.add_argument(
        "--app-id", default=env.get("SUPPORT_APP_ID"), help="the app id (env SUPPORT_APP_ID)"
    )
    server.add_argument(
        "--app-secret",
        default=env.get("SUPPORT_APP_SECRET"),
        help="the app secret (env SUPPORT_APP_SECRET; prefer the variable: it stays out of ps)",
    )
    server.add_argument(
        "--api-key",
        default=env.get("SUPPORT_API_KEY"),
        help="a staff API key, sk_... (env SUPPORT_API_KEY)",
    )

    parser = argparse.ArgumentParser(
        prog="support-sdk", description="Command-line tools of the Support SDK."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_token(subparsers, common)
    _add_articles(subparsers, common)
    _add_check(subparsers, common)
    _add_version(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``support-sdk`` command and return its exit status.

    >>> main(["version"])                                           # doctest: +SKIP
    support-sdk 0.1.0
    0
    """
    args = build_parser().parse_args(argv)
    try:
        status: int = args.run(args)
    except SupportError as e:
        print(f"support-sdk: {e}", file=sys.stderr)
        return _EXIT_ERROR
    except ValueError as e:
        print(f"support-sdk: {e}", file=sys.stderr)
        return _EXIT_USAGE
    except (RuntimeError, OSError) as e:
        print(f"support-sdk: {e}", file=sys.stderr)
        return _EXIT_ERROR
    return status


# -- token -------------------------------------------------------------------------------------


def _add_token(subparsers: _Subparsers, common: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "token",
        parents=[common],
        help="mint an end-user token",
        description="Print a signed end-user token (ut_...), e.g. to try the widget or the API "
        "as a given user. Minted locally with the app secret; nothing is sent.",
    )
    cmd.add_argument("--user-id", required=True, help="the user's id in your app")
    cmd.add_argument("--email", help="the user's email address")
    cmd.add_argument("--name", help="the user's display name")
    cmd.add_argument(
        "--trait",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a trait shown to agents (repeatable)",
    )
    cmd.add_argument(
        "--expires-in",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="lifetime in seconds (default %(default)s)",
    )
    cmd.set_defaults(run=_run_token)


def _run_token(args: argparse.Namespace) -> int:
    if not args.app_id or not args.app_secret:
        raise ValueError(
            "token needs --app-id and --app-secret (or SUPPORT_APP_ID and SUPPORT_APP_SECRET)"
        )
    traits: dict[str, str] = {}
    for item in args.trait:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--trait expects KEY=VALUE, not {item!r}")
        traits[key] = value
    with SupportClient(args.url, app_id=args.app_id, app_secret=args.app_secret) as client:
        token = client.user_token(
            args.user_id,
            email=args.email,
            name=args.name,
            traits=traits,
            expires_in=args.expires_in,
        )
    print(token)
    return 0


# -- articles push / pull -----------------------------------------------------------------------


def _add_articles(subparsers: _Subparsers, common: argparse.ArgumentParser) -> None:
    articles = subparsers.add_parser(
        "articles", help="docs as code: sync a folder of Markdown files with the server"
    )
    verbs = articles.add_subparsers(dest="verb", metavar="VERB", required=True)
    push = verbs.add_parser(
        "push",
        parents=[common],
        help="create, update (and archive) articles to match a folder",
        description="Sync a folder of Markdown files with front matter to the server. Every "
        "file is checked first; if any is bad, nothing is sent.",
    )
    push.add_argument("folder", type=Path, metavar="DIR")
    push.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    push.add_argument(
        "--delete-missing",
        action="store_true",
        help="archive server articles that have no file in the folder",
    )
    push.add_argument("--publish", action="store_true", help="publish every pushed article")
    push.set_defaults(run=_run_push)
    pull_cmd = verbs.add_parser(
        "pull",
        parents=[common],
        help="write the server's articles as Markdown files",
        description="Write every article (any status) into DIR, one file per article, in a "
        "folder per category. Pushing the result changes nothing.",
    )
    pull_cmd.add_argument("folder", type=Path, metavar="DIR")
    pull_cmd.set_defaults(run=_run_pull)


def _writer(args: argparse.Namespace) -> SupportClient:
    if not args.api_key:
        raise ValueError("this command needs a writer API key: --api-key or SUPPORT_API_KEY")
    return SupportClient(args.url, app_id=args.app_id, api_key=args.api_key)


def _run_push(args: argparse.Namespace) -> int:
    with _writer(args) as client:
        remote = list(client.articles.iter_all())
        plan = plan_push(
            args.folder, remote, publish=args.publish, delete_missing=args.delete_missing
        )
        if plan.problems:
            for problem in plan.problems:
                print(problem, file=sys.stderr)
            print(
                f"support-sdk: {len(plan.problems)} problem(s); nothing was sent", file=sys.stderr
            )
            return _EXIT_ERROR
        for change in plan.changes:
            print(change)
        print(plan.summary() + (" (dry run: nothing sent)" if args.dry_run else ""))
        if args.dry_run or not plan.changes:
            return 0

        def progress(number: int, total: int, change: Change) -> None:
            print(
                f"[{number}/{total}] {change.action}d {change.slug} ({change.locale})",
                file=sys.stderr,
            )

        apply_push(client.articles, plan, progress)
    print("Done.")
    return 0


def _run_pull(args: argparse.Namespace) -> int:
    with _writer(args) as client:
        written = pull(client.articles, args.folder)
    print(f"Wrote {len(written)} articles to {args.folder}")
    return 0


# -- check ---------------------------------------------------------------------------------------


def _add_check(subparsers: _Subparsers, common: argparse.ArgumentParser) -> None:
    cmd = subparsers.add_parser(
        "check",
        parents=[common],
        help="check help contexts (or golden search queries) against published articles",
        description="Collect the context keys your templates and code use (help_link, "
        "support_widget, data-support-help, SupportWidget('setContext', ...)) and compare them "
        "with the published articles. Exits 1 naming every context with no article and every "
        "article context no page uses. With --search FILE, run FILE's golden queries "
        "('query -> slug, ...' lines, '[fr]' for a locale) against the search instead, and "
        "the contexts too only when a PATH or --contexts-file is also given. Exit codes: 0 "
        "all good, 1 a failed check (or a problem in FILE), 2 a usage error.",
    )
    cmd.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="folders or files to collect contexts from (default: the current folder)",
    )
    cmd.add_argument("--contexts-file", type=Path, help="more contexts, one per line")
    cmd.add_argument(
        "--allow-unused",
        action="store_true",
        help="article contexts that no page uses are no problem: counted, not listed, and the "
        "exit code is 1 only for contexts without an article",
    )
    search = cmd.add_argument_group("golden search queries")
    search.add_argument(
        "--search",
        type=Path,
        metavar="FILE",
        help="search each query of FILE and check its expected articles are in the top 3",
    )
    search.add_argument(
        "--min-recall",
        type=_fraction,
        metavar="R",
        help="the lowest recall@3 that passes, 0 to 1 (default 1.0: every query must pass; "
        "with --baseline and no --min-recall, only the baseline is the bar)",
    )
    search.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="a report saved earlier with --save: fail when recall@3 or MRR drops below it or "
        "a query that passed in it fails",
    )
    search.add_argument(
        "--save", type=Path, metavar="FILE", help="write the report as JSON to FILE"
    )
    search.add_argument(
        "--json", action="store_true", help="print the report as JSON instead of text"
    )
    cmd.set_defaults(run=_run_check)


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, not {text!r}")
    return value


def _run_check(args: argparse.Namespace) -> int:
    contexts = args.search is None or bool(args.paths) or args.contexts_file is not None
    if args.search is None:
        given = {"--min-recall": args.min_recall, "--baseline": args.baseline, "--save": args.save}
        flags = [flag for flag, value in given.items() if value is not None]
        if flags or args.json:
            flags += ["--json"] if args.json else []
            raise ValueError(f"{', '.join(flags)}: only with --search FILE")
    elif contexts and args.json:
        raise ValueError("--json prints the search report alone: check contexts in another run")
    status = 0
    if args.search is not None:
        status = check_search(
            args.search,
            lambda: _writer(args),
            min_recall=args.min_recall,
            baseline=args.baseline,
            save=args.save,
            as_json=args.json,
        )
    if contexts:
        status = max(status, _check_contexts(args))
    return status


def _check_contexts(args: argparse.Namespace) -> int:
    usages = collect_usages(args.paths or [Path()], args.contexts_file)
    with _writer(args) as client:
        published = list(client.articles.iter_all(status="published"))
    report = check_contexts(usages, published)
    for line in report_lines(report, allow_unused=args.allow_unused):
        print(line)
    failed = report.failed(allow_unused=args.allow_unused)
    return _EXIT_ERROR if failed else 0


# -- version -----------------------------------------------------------------------------------


def _add_version(subparsers: _Subparsers) -> None:
    cmd = subparsers.add_parser("version", help="print the SDK version")
    cmd.set_defaults(run=_run_version)


def _run_version(args: argparse.Namespace) -> int:
    print(f"support-sdk {VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
