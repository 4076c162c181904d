"""The app to add to ``INSTALLED_APPS``: ``"support_sdk.django"``."""

from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class SupportConfig(AppConfig):
    name = "support_sdk.django"
    label = "support_sdk"
    verbose_name = "Support SDK"

    def ready(self) -> None:
        from .conf import check_settings

        checks.register(check_settings, "support_sdk")
