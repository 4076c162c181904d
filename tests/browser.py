"""Helpers for driving the admin UI in a real browser (Playwright pages from the ``browser``
fixture of tests/conftest.py)."""

from __future__ import annotations

from typing import Any


def sign_in_with_password(page: Any, base_url: str, username: str, password: str) -> None:
    """Sign in through the real /admin sign-in form and wait until the admin has opened."""
    page.goto(base_url + "/admin/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button.primary")
    page.wait_for_url("**/admin/**")
