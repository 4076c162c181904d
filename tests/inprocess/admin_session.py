"""A staff member signed in to /admin through the real sign-in form, on the in-process app:
their own Flask test client (so their own session cookie) and the page's CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from .conftest import InProcess

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_LOGIN = re.compile(r'name="login_token" value="([^"]+)"')


class Agent:
    def __init__(self, server: InProcess, username: str) -> None:
        self.username = username
        self.http: FlaskClient = server.app.test_client()
        page = self.http.get("/admin/login").get_data(as_text=True)
        token = _LOGIN.search(page)
        assert token, page
        signed = self.http.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": username, "password": PASSWORD},
            headers={"Origin": "http://localhost"},  # as a browser sends with a form post
        )
        assert signed.status_code == 303, signed.get_data(as_text=True)
        found = _CSRF.search(self.page("/admin/tickets/"))
        assert found
        self.csrf = found.group(1)

    def post(self, path: str, data: dict[str, Any] | None = None) -> TestResponse:
        return self.http.post(path, data={"csrf_token": self.csrf, **(data or {})})

    def page(self, path: str) -> str:
        response = self.http.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)


def add_agent(
    server: InProcess, username: str, name: str, *, app: str | None = None, role: str = "agent"
) -> str:
    """A staff user with an address (so notifications can reach them); returns their id."""
    rt = server.app.extensions["support"]
    member = rt.staff.create_user(
        username, PASSWORD, role, app, name, email=f"{username}@team.example"
    )
    return str(member.id)
