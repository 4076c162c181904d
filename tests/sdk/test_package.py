"""The package surface: exactly the public names, typed, importable without side effects."""

from __future__ import annotations

import configparser
import inspect
import os
import subprocess
import sys
from pathlib import Path

import support_sdk

ROOT = Path(__file__).resolve().parents[2]

PUBLIC = {
    "Article",
    "ArticleSummary",
    "ArticlesService",
    "Attachment",
    "AuthenticationError",
    "Author",
    "Category",
    "Conflict",
    "Message",
    "NetworkError",
    "NotFound",
    "Page",
    "PermissionDenied",
    "RateLimited",
    "Rating",
    "Requester",
    "Revision",
    "SearchResult",
    "SearchResults",
    "ServerError",
    "Sla",
    "SupportClient",
    "SupportError",
    "Team",
    "Ticket",
    "TicketField",
    "Upload",
    "ValidationError",
    "__version__",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(support_sdk.__all__) == PUBLIC
    assert len(support_sdk.__all__) == len(PUBLIC)


def test_every_public_name_is_importable() -> None:
    namespace: dict[str, object] = {}
    exec("from support_sdk import *", namespace)  # noqa: S102 - the point is to try `import *`
    assert namespace.keys() >= PUBLIC
    for name in PUBLIC:
        assert getattr(support_sdk, name) is namespace[name]


def test_no_other_public_names_leak() -> None:
    modules = {
        "articles",
        "client",
        "errors",
        "models",
        "tokens",
        "cli",
        "docs",
        "sync",
        "context_check",
        "search_check",
        "error_reports",
        "testing",
        "flask",
        "wsgi",
        "webhooks",
        "django",
        "aio",
        "asgi",
    }
    leaked = {
        name
        for name in vars(support_sdk)
        # "@py_builtins" and the like: pytest's assertion rewriting, not names anyone imports
        if not name.startswith(("_", "@")) and name not in PUBLIC and name not in modules
    }
    assert leaked == set()


def test_version_matches_setup_cfg() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    assert support_sdk.__version__ == config["metadata"]["version"]


def test_package_is_typed() -> None:
    assert (ROOT / "support_sdk" / "py.typed").is_file()


def test_public_callables_are_documented() -> None:
    undocumented = []
    for name in PUBLIC - {"__version__"}:
        obj = getattr(support_sdk, name)
        if not inspect.getdoc(obj):
            undocumented.append(name)
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                is_public = not attr.startswith("_")
                if is_public and callable(member) and not inspect.getdoc(member):
                    undocumented.append(f"{name}.{attr}")
    assert undocumented == []


def test_import_is_clean_and_quiet() -> None:
    """Importing sends nothing, prints nothing and warns nothing (even with -W error)."""
    code = (
        "import sys, support_sdk, support_sdk.cli;"
        "assert 'support_server' not in sys.modules;"
        "assert 'flask' not in sys.modules;"
        "assert 'django' not in sys.modules"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_the_core_needs_only_requests_and_itsdangerous_and_integrations_have_extras() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")

    def names(value: str) -> set[str]:
        lines = [line.split("#")[0].strip() for line in value.splitlines()]
        return {line.split(">")[0].split("=")[0].strip() for line in lines if line}

    assert names(config["options"]["install_requires"]) == {"requests", "itsdangerous"}
    extras = config["options.extras_require"]
    assert names(extras["asgi"]) == {"starlette"} and "starlette>=0.37" in extras["asgi"]
    assert names(extras["async"]) == {"httpx"} and "httpx>=0.27" in extras["async"]
    assert {"fastapi", "uvicorn", "httpx", "starlette"} <= names(extras["dev"])
