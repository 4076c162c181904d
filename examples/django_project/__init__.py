"""Ledgerly on Django: a tiny project integrated with Support SDK (see settings.py)."""
