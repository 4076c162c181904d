"""Admin sign-in, sessions, CSRF, rate limiting and roles, against real servers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from support_server.app import create_app

from ..conftest import LiveServer
from ..servers import ServerProcess, cli, init_data_dir
from .conftest import PASSWORD, Staff, create_users

EVIL = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}


def test_signed_out_people_are_sent_to_sign_in(web: LiveServer) -> None:
    response = requests.get(
        web.url + "/admin/articles/?status=draft", allow_redirects=False, timeout=10
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/login?next=/admin/articles/?status%3Ddraft"
    assert requests.post(web.url + "/admin/articles/new", timeout=10).status_code == 401
    preview = requests.post(web.url + "/admin/articles/preview", json={"markdown": "x"}, timeout=10)
    assert preview.status_code == 401 and preview.json()["error"]["code"] == "401"


def test_password_sign_in_sets_a_hardened_session_cookie(web: LiveServer) -> None:
    person = Staff(web)
    try:
        response = person.sign_in("ada")
        assert response.status_code == 303 and response.headers["Location"] == "/admin/articles/"
        cookie = response.headers["Set-Cookie"]
        assert "support_staff=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Path=/" in cookie and "Secure" not in cookie  # plain http in tests
        home = person.get("/admin/articles/")
        assert home.status_code == 200 and "Ada Admin" in home.text
        assert "unsafe-inline" not in home.headers["Content-Security-Policy"]
        assert home.headers["X-Frame-Options"] == "DENY"
        assert home.headers["Cache-Control"] == "no-store"
    finally:
        person.close()


def test_wrong_credentials_fail_the_same_way(web: LiveServer) -> None:
    person = Staff(web)
    try:
        wrong = person.sign_in("ada", password="not the password")
        unknown = person.sign_in("nobody-here", password="whatever123")
        assert wrong.status_code == unknown.status_code == 401
        assert "The username or password is incorrect." in wrong.text
        assert "The username or password is incorrect." in unknown.text
        assert 'value="nobody-here"' in unknown.text  # the form keeps the username
        bad_key = person.sign_in(api_key="sk_nope_nope")
        assert bad_key.status_code == 401 and "That API key is not valid." in bad_key.text
    finally:
        person.close()


def test_staff_api_key_signs_in_with_its_role(web: LiveServer) -> None:
    made = cli(
        "keys",
        "create",
        "--data-dir",
        str(web.data_dir),
        "--app",
        web.app_id,
        "--role",
        "writer",
        "--name",
        "Docs bot",
        "--json",
    )
    key = json.loads(made.stdout)["api_key"]
    person = Staff(web)
    try:
        assert person.sign_in(api_key=key).status_code == 303
        assert person.get("/admin/articles/").status_code == 200
        assert person.get("/admin/tickets/").status_code == 403
        assert person.get("/admin/analytics/").status_code == 403
        cli("keys", "revoke", json.loads(made.stdout)["key_id"], "--data-dir", str(web.data_dir))
        gone = person.get("/admin/articles/", allow_redirects=False)
        assert gone.status_code == 302 and "/admin/login" in gone.headers["Location"]
    finally:
        person.close()


def test_sign_in_form_refuses_login_csrf(web: LiveServer) -> None:
    with requests.Session() as http:
        no_token = http.post(
            web.url + "/admin/login", data={"username": "ada", "password": PASSWORD}, timeout=10
        )
        assert no_token.status_code == 403
        form = http.get(web.url + "/admin/login", timeout=10)
        token = form.text.split('name="login_token" value="')[1].split('"')[0]
        forged = http.post(
            web.url + "/admin/login",
            data={"login_token": token, "username": "ada", "password": PASSWORD},
            headers=EVIL,
            allow_redirects=False,
            timeout=10,
        )
        assert forged.status_code == 403
        anonymous_source = http.post(  # a right token, but no Origin or Referer at all
            web.url + "/admin/login",
            data={"login_token": token, "username": "ada", "password": PASSWORD},
            allow_redirects=False,
            timeout=10,
        )
        assert anonymous_source.status_code == 403


def test_every_form_needs_the_sessions_csrf_token(staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    data = {"title": "CSRF probe", "body": "x", "locale": "en", "action": "save"}
    assert writer.post("/admin/articles/new", data, csrf=False).status_code == 403
    assert (
        writer.post("/admin/articles/new", {**data, "csrf_token": "forged"}, csrf=False).status_code
        == 403
    )
    cross = writer.post("/admin/articles/new", data, headers=EVIL)
    assert cross.status_code == 403
    preview = writer.http.post(
        writer.url("/admin/articles/preview"), json={"markdown": "*x*"}, timeout=10
    )
    assert preview.status_code == 403
    ok = writer.http.post(
        writer.url("/admin/articles/preview"),
        json={"markdown": "*x*"},
        headers={"X-CSRF-Token": writer.csrf},
        timeout=10,
    )
    assert ok.status_code == 200 and ok.json()["html"] == "<p><em>x</em></p>\n"


def test_sign_out_ends_the_session_on_the_server(staff: Callable[[str], Staff]) -> None:
    person = staff("agent")
    stolen = dict(person.http.cookies)
    assert person.post("/admin/logout").status_code == 303
    with requests.Session() as thief:
        thief.cookies.update(stolen)
        again = thief.get(person.url("/admin/tickets/"), allow_redirects=False, timeout=10)
    assert again.status_code == 302 and "/admin/login" in again.headers["Location"]


def test_signing_in_again_replaces_the_session(web: LiveServer) -> None:
    """No session fixation: a sign-in always issues a new token and ends the old session."""
    person, helper = Staff(web), Staff(web)
    try:
        person.sign_in("ana")
        first = person.http.cookies.get("support_staff")
        form = helper.http.get(web.url + "/admin/login", timeout=10)
        token = form.text.split('name="login_token" value="')[1].split('"')[0]
        person.http.cookies.set("support_login_csrf", helper.http.cookies["support_login_csrf"])
        again = person.http.post(
            web.url + "/admin/login",
            data={"login_token": token, "username": "ana", "password": PASSWORD},
            headers={"Origin": web.url},
            allow_redirects=False,
            timeout=10,
        )
        assert again.status_code == 303
        second = person.http.cookies.get("support_staff")
        assert second not in {None, first}
        with requests.Session() as old:
            old.cookies.set("support_staff", first)
            stale = old.get(web.url + "/admin/tickets/", allow_redirects=False, timeout=10)
        assert stale.status_code == 302
    finally:
        person.close()
        helper.close()


def test_roles_decide_every_page(staff: Callable[[str], Staff]) -> None:
    expected = {
        "admin": {
            "/admin/articles/": 200,
            "/admin/tickets/": 200,
            "/admin/analytics/": 200,
            "/admin/media/": 200,
        },
        "writer": {
            "/admin/articles/": 200,
            "/admin/tickets/": 403,
            "/admin/analytics/": 403,
            "/admin/media/": 200,
        },
        "agent": {
            "/admin/articles/": 403,
            "/admin/tickets/": 200,
            "/admin/analytics/": 403,
            "/admin/media/": 403,
        },
    }
    for role, pages in expected.items():
        person = staff(role)
        for path, status in pages.items():
            assert person.get(path).status_code == status, (role, path)
    agent = staff("agent")
    assert agent.post("/admin/articles/new", {"title": "t", "body": "b"}).status_code == 403
    assert agent.get("/admin/analytics/export/searches.csv").status_code == 403
    assert (
        staff("writer").get("/admin/", allow_redirects=False).headers["Location"]
        == "/admin/articles/"
    )
    assert (
        staff("agent").get("/admin/", allow_redirects=False).headers["Location"]
        == "/admin/tickets/"
    )


def test_next_never_leaves_the_site(web: LiveServer) -> None:
    person = Staff(web)
    try:
        page = person.http.get(web.url + "/admin/login?next=//evil.example/x", timeout=10)
        token = page.text.split('name="login_token" value="')[1].split('"')[0]
        response = person.http.post(
            web.url + "/admin/login",
            data={
                "login_token": token,
                "username": "ada",
                "password": PASSWORD,
                "next": "//evil.example/x",
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.headers["Location"] == "/admin/articles/"
    finally:
        person.close()


def test_every_admin_view_declares_who_may_use_it(tmp_path: Path) -> None:
    """Fail closed: the guard refuses a view without a declaration, and none is missing."""
    init_data_dir(tmp_path / "data")
    app = create_app(data_dir=tmp_path / "data", prepare_index=False)
    undeclared = [
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin")
        and getattr(app.view_functions[rule.endpoint], "_requires", None) is None
    ]
    assert undeclared == []
    app.extensions["support"].db.close()


def test_users_cli_creates_lists_and_disables(web: LiveServer) -> None:
    data_dir = str(web.data_dir)
    made = subprocess.run(
        [
            *cli_command(),
            "users",
            "create",
            "cleo",
            "--role",
            "agent",
            "--name",
            "Cleo",
            "--password-stdin",
            "--json",
            "--data-dir",
            data_dir,
        ],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert json.loads(made.stdout)["role"] == "agent"
    short = subprocess.run(
        [
            *cli_command(),
            "users",
            "create",
            "dora",
            "--role",
            "agent",
            "--password-stdin",
            "--data-dir",
            data_dir,
        ],
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode != 0 and "at least 10 characters" in short.stderr
    again = subprocess.run(
        [
            *cli_command(),
            "users",
            "create",
            "CLEO",
            "--role",
            "agent",
            "--password-stdin",
            "--data-dir",
            data_dir,
        ],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "taken" in again.stderr
    listed = cli("users", "list", "--data-dir", data_dir).stdout
    assert "cleo" in listed and "scrypt" not in listed
    person = Staff(web)
    try:
        assert person.sign_in("cleo", password="a long enough password").status_code == 303
        cli("users", "disable", "cleo", "--data-dir", data_dir)
        assert person.get("/admin/tickets/", allow_redirects=False).status_code == 302
        assert person.sign_in("cleo", password="a long enough password").status_code == 401
    finally:
        person.close()


def cli_command() -> list[str]:
    return [str(Path(sys.executable).parent / "support-server")]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("limited") / "data"
    creds = init_data_dir(data_dir)
    create_users(data_dir)
    env = {"SUPPORT_RATE_LIMITS_ENABLED": "true", "SUPPORT_RATE_LOGIN": "3/minute"}
    with ServerProcess(data_dir, creds, env=env) as process:
        yield LiveServer(process, creds)


def test_sign_in_attempts_are_rate_limited(limited: LiveServer) -> None:
    person = Staff(limited)
    try:
        statuses = [
            person.sign_in("ada", password="guess number one").status_code for _ in range(3)
        ]
        assert statuses == [401, 401, 401]
        blocked = person.sign_in("ada", password=PASSWORD)
        assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
        assert "Too many requests" in blocked.text
    finally:
        person.close()


def test_over_https_the_cookie_is_secure_and_host_only(tmp_path: Path) -> None:
    init_data_dir(tmp_path / "data")
    create_users(tmp_path / "data")
    app = create_app(data_dir=tmp_path / "data", prepare_index=False)
    try:
        client = app.test_client()
        form = client.get("/admin/login", base_url="https://support.example")
        token = form.get_data(as_text=True).split('name="login_token" value="')[1].split('"')[0]
        login_cookie = next(c for c in form.headers.getlist("Set-Cookie") if "login_csrf" in c)
        assert login_cookie.startswith("__Host-support_login_csrf=") and "Secure" in login_cookie
        signed_in = client.post(
            "/admin/login",
            base_url="https://support.example",
            data={"login_token": token, "username": "ada", "password": PASSWORD},
            headers={"Origin": "https://support.example"},
        )
        cookie = next(
            c for c in signed_in.headers.getlist("Set-Cookie") if c.startswith("__Host-support")
        )
        assert "Secure" in cookie and "HttpOnly" in cookie and "Path=/" in cookie
        assert "Domain" not in cookie
        page = client.get("/admin/articles/", base_url="https://support.example")
        assert page.status_code == 200
    finally:
        app.extensions["support"].db.close()
