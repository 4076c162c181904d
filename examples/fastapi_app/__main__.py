"""`python -m examples.fastapi_app`: serve the example with uvicorn on http://127.0.0.1:5004."""

from __future__ import annotations

import uvicorn

from ..demo_credentials import support_settings
from .app import create_app

if __name__ == "__main__":
    app = create_app(support_settings())
    print("FastAPI example: http://127.0.0.1:5004  (set a cookie user=ada to be signed in)")
    uvicorn.run(app, host="127.0.0.1", port=5004, log_level="warning")
