"""Django integration: an app, settings checked at start-up, template tags and token refresh.

::

    INSTALLED_APPS = [..., "support_sdk.django"]
    SUPPORT = {
        "URL": "https://support.example.com",
        "APP_ID": "app_…",
        "APP_SECRET": os.environ["SUPPORT_APP_SECRET"],
        # optional:
        "USER_LOADER": "myapp.support.current_user",   # default: request.user
        "WIDGET": {"position": "left"},                 # more data-* attributes of the embed tag
        "ANONYMOUS": False,                             # embed for visitors not signed in too
        "TOKEN_TTL": 3600,                              # seconds a minted user token lasts
        "API_KEY": "sk_…",                              # a writer key: `manage.py support check`
    }

    # urls.py
    path("_support/", include("support_sdk.django.urls")),   # the widget's token refresh

and in a template (the ``request`` context processor must be on, as it is by default)::

    {% load support %}
    {% support_widget context="billing.invoices" %}
    {% help_link "billing.invoices" "How do invoices work?" %}

``manage.py check`` names every missing or malformed setting (``support_sdk.E001`` …);
``manage.py support check`` compares the help contexts your templates use with the published
articles, and ``manage.py support report-exception`` files a test error report. The tags never
break a page: anything that goes wrong inside is logged and the page renders without the widget.
"""

from __future__ import annotations

try:
    import django  # noqa: F401 - only to say which extra is missing
except ImportError as exc:  # pragma: no cover - tested in a subprocess without Django
    raise ImportError("support_sdk.django needs Django: pip install 'support-sdk[django]'") from exc

from .._embed import SupportUser

__all__ = ["SupportUser"]
