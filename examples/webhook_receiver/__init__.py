"""A webhook receiver: verify the signature, deduplicate by webhook-id, answer 2xx fast."""

from .app import create_app

__all__ = ["create_app"]
