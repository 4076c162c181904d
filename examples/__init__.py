"""Runnable example host apps (see each folder's README)."""
