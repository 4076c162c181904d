"""Persistence: the database is the source of truth for everything the server knows."""

from .database import Database, RelaxedDatabase, StoreError

__all__ = ["Database", "RelaxedDatabase", "StoreError"]
