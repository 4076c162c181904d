"""A small Flask SaaS app integrated with Support SDK in three lines (see `create_app`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from support_sdk import SupportClient, SupportError
from support_sdk.flask import Support

log = logging.getLogger(__name__)

USERS = {
    "ada@example.com": {"id": "user-1", "name": "Ada Lovelace", "plan": "pro"},
    "grace@example.com": {"id": "user-2", "name": "Grace Hopper", "plan": "starter"},
}
INVOICES = [
    {"number": "INV-204", "customer": "Acme Ltd", "total": "€1,240.00", "status": "Overdue"},
    {"number": "INV-205", "customer": "Globex", "total": "€310.50", "status": "Sent"},
    {"number": "INV-206", "customer": "Initech", "total": "€89.00", "status": "Paid"},
]


def current_user() -> dict[str, Any] | None:
    email = session.get("email")
    return {"email": email, **USERS[email]} if email in USERS else None


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(config or {})

    support = Support(app)  # reads SUPPORT_URL, SUPPORT_APP_ID, SUPPORT_APP_SECRET

    @support.user_loader
    def support_user() -> dict[str, Any] | None:
        user = current_user()
        if user is None:
            return None
        return {
            "id": user["id"],
            "email": user["email"],
            "name": user["name"],
            "traits": {"plan": user["plan"]},
        }

    def client() -> SupportClient:
        return SupportClient(
            app.config["SUPPORT_URL"],
            app_id=app.config["SUPPORT_APP_ID"],
            app_secret=app.config["SUPPORT_APP_SECRET"],
            timeout=5,
        )

    @app.context_processor
    def inject_user() -> dict[str, Any]:
        return {"user": current_user()}

    @app.get("/")
    def dashboard() -> str | Response:
        if current_user() is None:
            return redirect(url_for("login"))
        return render_template("dashboard.html", help_context="dashboard", invoices=INVOICES)

    @app.route("/login", methods=["GET", "POST"])
    def login() -> str | Response:
        if request.method == "POST":
            email = request.form.get("email", "")
            if email in USERS:
                session["email"] = email
                return redirect(url_for("dashboard"))
            flash("Unknown user: try ada@example.com")
        return render_template("login.html", help_context="settings.security.password")

    @app.post("/logout")
    def logout() -> Response:
        session.clear()
        return redirect(url_for("login"))

    @app.get("/invoices/new")
    def new_invoice() -> str:
        return render_template("new_invoice.html", help_context="invoices.create")

    @app.get("/settings/billing")
    def billing() -> str:
        return render_template("billing.html", help_context="billing.invoices")

    @app.post("/report")
    def report_problem() -> Response:
        """The app's own "Report a problem" form, filed from the server with the SDK."""
        user = current_user()
        if user is None:
            return redirect(url_for("login"))
        text = request.form.get("text", "").strip()
        if not text:
            flash("Tell us what went wrong first.")
            return redirect(request.referrer or url_for("dashboard"))
        with client() as support_client:
            token = support_client.user_token(user["id"], email=user["email"], name=user["name"])
            try:
                ticket = support_client.create_ticket(
                    text,
                    user_token=token,
                    context={
                        "url": request.referrer or "",
                        "app_version": "2.3.1",
                        "custom": {"plan": user["plan"]},
                    },
                )
                flash(f"Thanks! Ticket {ticket.id} is on its way to our team.")
            except SupportError as exc:
                log.warning("could not file a ticket: %s", exc)
                flash("We could not reach support just now; please try again.")
        return redirect(request.referrer or url_for("dashboard"))

    @app.get("/reports/export")
    def export_report() -> str:
        raise RuntimeError("the export service timed out")

    @app.errorhandler(500)
    def server_error(error: Exception) -> tuple[str, int]:
        """Report the crash as a ticket carrying the traceback, then apologise, saying whether
        the report reached the team (never claim a report that was not sent)."""
        original = getattr(error, "original_exception", None) or error
        user = current_user()
        ticket = None
        try:
            with client() as support_client:
                token = None
                if user:
                    token = support_client.user_token(user["id"], email=user["email"])
                ticket = support_client.report_exception(
                    original,
                    user_token=token,
                    context={"url": request.url},
                    email=None if user else "unknown@example.com",
                )
        except SupportError as exc:  # never let error reporting fail the error page
            log.warning("could not report the error: %s", exc)
        return render_template("error.html", ticket=ticket), 500

    return app
