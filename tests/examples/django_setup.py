"""Django for the tests: the example project's settings, on a database of its own, set up once
per test session (Django's settings are process-wide)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytest.importorskip("django", reason="the Django tests need the [django] extra")

_done: list[Path] = []


def setup_django() -> None:
    """Configure Django with examples/django_project/settings.py and create its users."""
    if _done:
        return
    folder = Path(tempfile.mkdtemp(prefix="ledgerly-django-"))
    os.environ["LEDGERLY_DB"] = str(folder / "db.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "examples.django_project.settings"
    # Playwright's sync API (the session's browser) keeps an event loop running in the test
    # thread, which Django would take for async code and refuse the ORM in every later test.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    import django

    django.setup()
    from examples.django_project.users import create_users

    create_users()
    _done.append(folder)
