"""``manage.py support report-exception`` and ``manage.py support check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.utils import get_app_template_dirs
from django.urls import URLPattern, URLResolver, get_resolver

from support_sdk.client import SupportClient
from support_sdk.context_check import Usage, check_contexts, collect_usages, report_lines
from support_sdk.django.conf import Config, get_config
from support_sdk.errors import SupportError


class SupportTestError(Exception):
    """The exception ``report-exception`` reports, to show that error reports arrive."""


def template_dirs() -> list[Path]:
    """The project's template folders: every ``TEMPLATES`` ``DIRS`` and the ``templates``
    folder of each installed app that is not an installed package (Django's own, say)."""
    installed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    folders = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for folder in get_app_template_dirs("templates"):
        path = Path(folder).resolve()
        if not installed & set(path.parents):
            folders.append(path)
    return [folder for folder in dict.fromkeys(folders) if folder.is_dir()]


def url_name_usages() -> list[Usage]:
    """Every named URL of the project as the help context its pages ask for (see
    support_sdk.django.widget.url_context), placed at the module that declares it."""
    found: list[Usage] = []

    def walk(patterns: list[Any], prefix: str, route: str) -> None:
        for entry in patterns:
            here = route + str(entry.pattern)
            if isinstance(entry, URLResolver):
                namespace = entry.namespace
                if namespace == "support_sdk":
                    continue  # ours: the token refresh is no page
                walk(
                    list(entry.url_patterns), f"{prefix}{namespace}." if namespace else prefix, here
                )
            elif isinstance(entry, URLPattern) and entry.name:
                found.append(Usage(f"{prefix}{entry.name}", Path(f'URL "/{here}"'), 0))

    walk(list(get_resolver().url_patterns), "", "")
    return found


class Command(BaseCommand):
    help = (
        "Support SDK: `report-exception` files a test error report; `check` compares the help "
        "contexts your templates use with the published articles."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="{report-exception,check}")
        commands.required = True
        report = commands.add_parser(
            "report-exception",
            help="file a ticket about a test exception, as your error handler would",
        )
        report.add_argument("--email", help="the reporter's address (default: first of ADMINS)")
        report.add_argument("--message", help="the ticket's text")
        check = commands.add_parser(
            "check",
            help="check the help contexts your templates use against published articles",
        )
        check.add_argument(
            "paths",
            nargs="*",
            type=Path,
            metavar="PATH",
            help="folders or files to scan (default: the project's template folders)",
        )
        check.add_argument("--contexts-file", type=Path, help="more contexts, one per line")
        check.add_argument(
            "--allow-unused",
            action="store_true",
            help="article contexts that no template uses are no problem",
        )
        check.add_argument(
            "--api-key", help='a writer API key (default: SUPPORT["API_KEY"] or SUPPORT_API_KEY)'
        )
        check.add_argument(
            "--url-names",
            action="store_true",
            help="also check every named URL (a page whose widget names no context asks for "
            "help on its URL's name, e.g. billing.invoices)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = get_config()
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        try:
            if options["action"] == "report-exception":
                self.run_report_exception(config, options)
            else:
                self.run_check(config, options)
        except SupportError as exc:
            raise CommandError(f"the Support server at {config.url} said: {exc}") from exc

    def run_report_exception(self, config: Config, options: dict[str, Any]) -> None:
        email = options["email"] or next((a[1] for a in getattr(settings, "ADMINS", [])), None)
        if not email:
            raise CommandError("pass --email, the address the report comes from (or set ADMINS)")
        with SupportClient(
            config.url, app_id=config.app_id, app_secret=config.app_secret
        ) as client:
            try:
                raise SupportTestError(
                    "a test exception from `manage.py support report-exception`: "
                    "error reports reach your help desk"
                )
            except SupportTestError as exc:
                ticket = client.report_exception(
                    exc,
                    email=email,
                    message=options["message"],
                    context={"custom": {"source": "manage.py support report-exception"}},
                )
        self.stdout.write(f"Reported a test exception as ticket {ticket.id}.")

    def run_check(self, config: Config, options: dict[str, Any]) -> None:
        api_key = options["api_key"] or config.api_key or os.environ.get("SUPPORT_API_KEY")
        if not api_key:
            raise CommandError(
                'check needs a writer API key: SUPPORT["API_KEY"], --api-key or SUPPORT_API_KEY'
            )
        paths = options["paths"] or template_dirs()
        if not paths:
            raise CommandError("no template folders to scan: name them as PATH arguments")
        usages = collect_usages(paths, options["contexts_file"])
        if options["url_names"]:
            usages += url_name_usages()
        with SupportClient(config.url, app_id=config.app_id, api_key=api_key) as client:
            published = list(client.articles.iter_all(status="published"))
        report = check_contexts(usages, published)
        for line in report_lines(report, allow_unused=options["allow_unused"]):
            self.stdout.write(line)
        if report.failed(allow_unused=options["allow_unused"]):
            raise CommandError("some help contexts need attention (see above)", returncode=1)
