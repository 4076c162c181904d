"""Fixtures for the web interface: one real server for the package (sample help center, staff
users of every role), signed-in staff sessions over real HTTP, and one headless Chromium with
helpers to sign in and to audit the forms a page renders."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from support_server.services.staff import StaffService
from support_server.store import Database

from ..browser import sign_in_with_password
from ..conftest import HELP_CENTER, LiveServer
from ..servers import ServerProcess, cli, init_data_dir

PASSWORD = "correct horse battery"
USERS = {"admin": "ada", "writer": "wes", "agent": "ana"}
NAMES = {"ada": "Ada Admin", "wes": "Wes Writer", "ana": "Ana Agent"}
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_LOGIN = re.compile(r'name="login_token" value="([^"]+)"')


def create_users(data_dir: Path, app: str | None = None, suffix: str = "") -> None:
    db = Database(data_dir / "support.db")
    staff = StaffService(db)
    for role, username in USERS.items():
        staff.create_user(username + suffix, PASSWORD, role, app, NAMES[username])
    db.close()


@pytest.fixture(scope="package")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with the sample help center and users ada (admin), wes (writer), ana (agent)."""
    data_dir = tmp_path_factory.mktemp("web") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    create_users(data_dir)
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


class Staff:
    """A person signed in to /admin over real HTTP (a requests session with its cookie)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = requests.Session()
        self.http.headers["Origin"] = server.url  # as every browser sends with a form post
        self.csrf = ""

    def url(self, path: str) -> str:
        return self.server.url + path

    def sign_in(
        self, username: str | None = None, *, password: str = PASSWORD, api_key: str = ""
    ) -> requests.Response:
        page = self.http.get(self.url("/admin/login"), timeout=10)
        token = _LOGIN.search(page.text)
        assert token, page.text
        response = self.http.post(
            self.url("/admin/login"),
            data={
                "login_token": token.group(1),
                "username": username or "",
                "password": password,
                "api_key": api_key,
            },
            allow_redirects=False,
            timeout=10,
        )
        if response.status_code == 303:
            self.refresh_csrf()
        return response

    def refresh_csrf(self) -> None:
        found = _CSRF.search(self.get("/admin/").text)
        self.csrf = found.group(1) if found else ""

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.http.get(self.url(path), **kwargs)

    def post(
        self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **kwargs: Any
    ) -> requests.Response:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        kwargs.setdefault("timeout", 10)
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.url(path), data=form, **kwargs)

    def close(self) -> None:
        self.http.close()


@pytest.fixture
def staff(web: LiveServer) -> Iterator[Any]:
    """``staff("writer")``: a signed-in session for that role's user, closed after the test."""
    made: list[Staff] = []

    def sign_in(role: str = "admin") -> Staff:
        person = Staff(web)
        made.append(person)
        response = person.sign_in(USERS[role])
        assert response.status_code == 303, response.text
        return person

    yield sign_in
    for person in made:
        person.close()


def text_of(page: str) -> str:
    """Visible-ish text of an HTML page, for assertions that ignore markup."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def article_id(page: str) -> str:
    found = re.search(r'action="/admin/articles/(art_[a-z0-9]+)"', page)
    assert found, "no editor form on the page"
    return found.group(1)


def field(page: str, name: str) -> str:
    """The value of an input, or the text of a textarea, named ``name``."""
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.S)
    if found:
        return html.unescape(found.group(1))
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert found, f"no field {name}"
    return html.unescape(found.group(1))


@pytest.fixture
def chromium(browser: Any) -> Any:
    """The session's shared Chromium (see tests/conftest.py)."""
    return browser


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context's page. It records dialogs and script errors; it dismisses
    every dialog ("Leave site?" keeps the page) unless ``page.confirm`` is set, which accepts
    confirmations (Archive, Restore this revision)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.errors = []
    page.confirm = False
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append((dialog.type, dialog.message))
        if dialog.type == "confirm" and page.confirm:
            dialog.accept()
        else:
            dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def sign_in(page: Any, server: LiveServer, role: str) -> None:
    """Sign in through the real sign-in form as the user of ``role``."""
    sign_in_with_password(page, server.url, USERS[role], PASSWORD)


# What a page's forms must never do: render an attribute whose quotes were escaped into its
# value, carry a pattern the browser cannot compile (Chromium compiles it with the v flag and
# silently ignores a broken one), point list= at no datalist, or hold a value that the page's
# own constraints refuse (the writer could not submit the form without changing it).
_AUDIT = """() => {
  const problems = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.name ? `[name=${el.name}]` : "");
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (/^(["']|&#34;|&quot;).*(["']|&#34;|&quot;)$/s.test(attr.value)) {
        problems.push(`${name(el)} ${attr.name}=${attr.value} is quoted inside its value`);
      }
    }
  }
  for (const el of document.querySelectorAll("[pattern]")) {
    try { new RegExp(el.pattern, "v"); } catch (error) {
      problems.push(`${name(el)} pattern=${el.pattern} does not compile: ${error.message}`);
    }
  }
  for (const el of document.querySelectorAll("input[list]")) {
    if (!el.list) problems.push(`${name(el)} list=${el.getAttribute("list")} names no datalist`);
  }
  for (const el of document.querySelectorAll("input[maxlength], textarea[maxlength]")) {
    if (el.maxLength < 0) {
      problems.push(`${name(el)} maxlength=${el.getAttribute("maxlength")} is no number`);
    }
  }
  for (const form of document.forms) {
    for (const el of form.elements) {
      if (el.willValidate && el.value !== "" && !el.checkValidity()) {
        const value = JSON.stringify(el.value);
        problems.push(`${name(el)} refuses its own value ${value}: ${el.validationMessage}`);
      }
    }
  }
  return problems;
}"""


def audit_forms(page: Any) -> None:
    """Fail if the page's forms could not be submitted as the page rendered them."""
    problems = page.evaluate(_AUDIT)
    assert problems == [], f"{page.url}: {problems}"


def api(server: LiveServer, method: str, path: str, want: int, **kwargs: Any) -> Any:
    """Call the server's API with the admin key; assert the status; the JSON body, if any."""
    r = requests.request(
        method,
        f"{server.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
        **kwargs,
    )
    assert r.status_code == want, r.text
    return r.json() if r.content else None
