"""The ``support-sdk`` command.

::

    support-sdk token --app-id APP --app-secret SECRET --user-id 42 [--email E] [--name N]
                      [--trait KEY=VALUE]... [--expires-in SECONDS]
    support-sdk version

Options that name the server and the app default to the environment variables
``SUPPORT_URL``, ``SUPPORT_APP_ID``, ``SUPPORT_APP_SECRET`` and ``SUPPORT_API_KEY``.

Each subcommand is a pair of functions: ``_add_<name>(subparsers, common)`` declares it and sets
``run=_run_<name>``; ``_run_<name>(args) -> int`` does the work. A new subcommand (e.g.
``articles push``) is one more pair and one line in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ._http import VERSION
from .client import SupportClient
from .errors import SupportError

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


# -- version -----------------------------------------------------------------------------------


def _add_version(subparsers: _Subparsers) -> None:
    cmd = subparsers.add_parser("version", help="print the SDK version")
    cmd.set_defaults(run=_run_version)


def _run_version(args: argparse.Namespace) -> int:
    print(f"support-sdk {VERSION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
