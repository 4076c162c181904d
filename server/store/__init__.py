"""Persistence: the database is the source of truth for everything the server knows."""

from .database import Database, StoreError

__all__ = ["Database", "StoreError"]
