"""A FastAPI app with the widget injected by support_sdk.asgi.SupportMiddleware."""

from .app import create_app

__all__ = ["create_app"]
