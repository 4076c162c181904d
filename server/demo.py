"""``support-server demo``: a ready-to-click demo (sample help center, two weeks of sample
tickets and analytics from :mod:`.demo_seed`, demo host page).

The host page is "Ledgerly", the invoicing product the sample help center documents: a small
single-page app with the widget embedded, contextual help triggers next to its features,
"Report a problem", and a token-refresh route. It is served with a strict
Content-Security-Policy, so the demo also shows that the widget needs no inline script or style.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

import click
from flask import (
    Flask,
    Response,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
)

from support_sdk.tokens import mint_user_token

from . import bootstrap, datadir, demo_data, demo_seed, mailcatcher
from .services import apps as app_service

# The examples in examples/ run on these ports and embed the demo's widget.
EXAMPLE_ORIGINS = (
    "http://127.0.0.1:5000",
    "http://127.0.0.1:5001",
    "http://127.0.0.1:5002",
    "http://127.0.0.1:5003",  # examples/django_project
    "http://127.0.0.1:5004",  # examples/fastapi_app
)
CREDENTIALS = "demo-credentials.json"
# The demo page's signed-in user, whose sample tickets the widget's "Messages" shows.
DEMO_USER: dict[str, Any] = {
    "user_id": demo_data.PEOPLE["ada"].id,
    "email": demo_data.PEOPLE["ada"].email,
    "name": demo_data.PEOPLE["ada"].name,
}
APP_VERSION = demo_data.APP_VERSION
# Where the demo's staff get their notifications (the demo's mail catcher keeps them all).
STAFF_EMAILS = {
    "admin": "admin@ledgerly.example",
    **{handle: f"{handle}@ledgerly.example" for handle in demo_data.AGENTS},
}
PAGES = (
    "dashboard",
    "invoices",
    "invoices/new",
    "customers",
    "reports/profit-and-loss",
    "settings/billing",
    "settings/security",
)
STATIC = ("demo.css", "demo.js")
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def prepare(data_dir: Path, origin: str, content: Path | None) -> dict[str, Any]:
    """Initialise the demo data directory once: the sample help center (or ``content``), keys,
    an admin and, with the sample, a fortnight of sample tickets and analytics. Later runs
    reuse the directory and add nothing."""
    from .transfer import apply_import, plan_import, sample_folder

    creds_path = data_dir / CREDENTIALS
    if creds_path.exists():
        creds: dict[str, Any] = json.loads(creds_path.read_text(encoding="utf-8"))
        return creds
    try:
        creds = bootstrap.initialise(data_dir, [origin, *EXAMPLE_ORIGINS], "Ledgerly (demo)")
        rt = bootstrap.open_runtime(data_dir)
    except bootstrap.SetupError as exc:
        raise click.ClickException(str(exc)) from None
    folder = content or sample_folder()
    try:
        plan = plan_import(rt.articles, creds["app_id"], folder)
        if plan.problems:
            raise click.ClickException("; ".join(str(p) for p in plan.problems))
        with click.progressbar(length=len(plan.create), label="Loading sample help center") as bar:
            apply_import(rt.articles, creds["app_id"], plan, "demo", lambda: bar.update(1))
        raw_writer, _ = app_service.create_key(rt.db, creds["app_id"], "writer", "demo writer")
        raw_agent, _ = app_service.create_key(rt.db, creds["app_id"], "agent", "demo agent")
        admin_password = secrets.token_urlsafe(12)
        rt.staff.create_user("admin", admin_password, "admin", display_name="Demo admin")
        if content is None:  # the sample activity reads and cites the sample help center
            demo_seed.seed(rt, creds["app_id"], origin)
        # The sample history happened before anyone had an address: fan its events out now,
        # quietly, so the catcher shows only what happens from here on.
        rt.lifecycle.tick()  # the sample history's SLA breaches and time rules, as of now
        runner = rt.job_runner("demo-setup")
        while runner.run_one():
            pass
        rt.mailer.discard_queued()  # the sample customers' replies and surveys, never sent
        for username in (u["username"] for u in rt.staff.list_users(creds["app_id"])):
            if username in STAFF_EMAILS:
                rt.staff.set_email(username, STAFF_EMAILS[username])
    finally:
        rt.close()
    creds.update(
        writer_api_key=raw_writer,
        agent_api_key=raw_agent,
        admin_username="admin",
        admin_password=admin_password,
    )
    creds_path.write_text(json.dumps(creds, indent=2), encoding="utf-8")
    creds_path.chmod(0o600)
    return creds


def add_demo_pages(app: Flask, creds: dict[str, Any]) -> None:
    app.template_folder = "templates"
    folder = Path(__file__).resolve().parent / "templates"

    def token() -> str:
        return mint_user_token(creds["app_id"], creds["app_secret"], **DEMO_USER)

    @app.get("/")
    def demo_home() -> Response:
        return redirect("/invoices/new")  # type: ignore[return-value]

    @app.get("/<path:page>")
    def demo_page(page: str) -> Response:
        if page not in PAGES:
            abort(404)
        html = render_template(
            "demo.html",
            app_id=creds["app_id"],
            user_token=token(),
            user=DEMO_USER,
            app_version=APP_VERSION,
        )
        return Response(html, headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"})

    @app.get("/demo/static/<name>")
    def demo_static(name: str) -> Response:
        if name not in STATIC:
            abort(404)
        return send_from_directory(folder, name, max_age=60)

    @app.post("/demo/token")
    def demo_token() -> Response:
        """What a host app's token-refresh route does (support_sdk.flask has one built in)."""
        if not request.headers.get("X-Support-Refresh"):
            abort(400)
        response = jsonify(token=token())
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)


def remember_url(data_dir: Path, creds: dict[str, Any], url: str) -> None:
    """Keep where this run serves in the credentials file, which the examples read (a later
    ``make run PORT=…`` serves elsewhere)."""
    creds["url"] = url
    path = data_dir / CREDENTIALS
    path.write_text(json.dumps(creds, indent=2), encoding="utf-8")
    path.chmod(0o600)


def run_demo(data_dir: Path, host: str, port: int, content: Path | None) -> None:
    from .app import create_app
    from .serving import threaded_server
    from .worker import start_thread

    creds = prepare(data_dir, f"http://{host}:{port}", content)
    catcher = mailcatcher.start(data_dir)
    overrides = {"SUPPORT_SMTP_URL": catcher.url} if catcher else {}
    # the links in customers' mail (View the conversation, the ratings) need an address
    if not os.environ.get("SUPPORT_PUBLIC_URL"):
        overrides["SUPPORT_PUBLIC_URL"] = f"http://{host}:{port}"
    app = create_app(data_dir=data_dir, overrides=overrides)
    add_demo_pages(app, creds)
    server = threaded_server(app, host, port, log_requests=False)  # a busy port: one line
    base = f"http://{host}:{server.server_port}"
    remember_url(data_dir, creds, base)
    start_thread(app.extensions["support"])
    mail = (
        f"{base}/admin/mail   (kept as .eml files in {catcher.folder})"
        if catcher
        else f"{base}/admin/mail   (no mail catcher: pip install aiosmtpd to send it)"
    )
    admin = (
        f"(user {creds.get('admin_username', '-')}, password {creds.get('admin_password', '-')})"
    )
    click.echo(f"""
Support SDK demo
  Demo host page : {base}/   (Ledgerly, a sample product with the widget embedded)
  Help center    : {base}/help/{creds["app_id"]}/
  Admin          : {base}/admin   {admin}
  Sent mail      : {mail}
  API            : {base}/api/v1/health   (OpenAPI: {base}/api/v1/openapi.json)
  App id         : {creds["app_id"]}
  Admin API key  : {creds["admin_api_key"]}
  Writer API key : {creds["writer_api_key"]}
  Agent API key  : {creds["agent_api_key"]}
  (credentials kept in {data_dir / CREDENTIALS}; data in {data_dir / datadir.DATABASE})
Press Ctrl+C to stop.
""")
    server.serve_forever()
