"""A framework-free WSGI app with the widget injected by SupportMiddleware."""
