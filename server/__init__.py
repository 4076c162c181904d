"""The Support SDK server: help center, search and tickets over a JSON API (``create_app``)."""

from ._version import __version__
from .app import create_app

__all__ = ["__version__", "create_app"]
