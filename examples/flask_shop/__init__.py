"""Ledgerly: a small invoicing SaaS with contextual help and one-click support tickets."""

from .app import create_app

__all__ = ["create_app"]
