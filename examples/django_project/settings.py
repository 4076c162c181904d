"""Settings of the Django example: the Support SDK part is INSTALLED_APPS and SUPPORT."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
ROOT_URLCONF = "examples.django_project.urls"
USE_TZ = True

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "support_sdk.django",  # template tags, `manage.py check` of SUPPORT, `manage.py support`
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [HERE / "templates"],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",  # the widget's user
                "django.contrib.auth.context_processors.auth",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("LEDGERLY_DB")
        or str(Path(tempfile.gettempdir()) / "ledgerly-django.sqlite3"),
    }
}
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "billing"

# Support SDK: the server and the app, from the environment (`__main__` fills it from the demo).
SUPPORT = {
    "URL": os.environ.get("SUPPORT_URL", ""),
    "APP_ID": os.environ.get("SUPPORT_APP_ID", ""),
    "APP_SECRET": os.environ.get("SUPPORT_APP_SECRET", ""),
    "WIDGET": {"app-version": "2.3.1"},
}
