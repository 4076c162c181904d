"""Re-take the help center and admin screenshots (help-center-*.png, admin-*.png).

    .venv/bin/python docs/screenshots/capture_web.py [--out docs/screenshots]

Starts `support-server run` on a throw-away data directory, imports the sample help center,
creates staff users and keys, files tickets, runs searches and records help events through the
real API (then spreads their timestamps over the last four weeks so the charts have a
history), and photographs each main page in headless Chromium (/usr/bin/chromium, or
SUPPORT_CHROMIUM=path). Staff notifications go to a local SMTP server (aiosmtpd) that
refuses one address, for Sent mail and the ticket page's warning.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
from playwright.sync_api import sync_playwright

from support_sdk import SupportClient
from support_sdk.testing import SupportServer, init_data_dir, run_cli

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.worker.smtp import start_smtp

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"  # noqa: S105 - the sample staff password
REFUSED = "lee@old-domain.example"  # the SMTP server answers 550 for it
PEOPLE = [
    ("u-101", "Ada Lovelace", "ada@northwind.example"),
    ("u-102", "Grace Hopper", "grace@contoso.example"),
    ("u-103", "Alan Turing", "alan@fabrikam.example"),
    ("u-104", "Katherine Johnson", "katherine@tailspin.example"),
    ("u-105", "Tim Berners-Lee", "tim@litware.example"),
    ("u-106", "Margaret Hamilton", "margaret@adatum.example"),
    ("u-107", "Edsger Dijkstra", "edsger@proseware.example"),
    ("u-108", "Barbara Liskov", "barbara@wingtip.example"),
]
# subject, body, context key, app version, priority
TICKETS = [
    (
        "Invoice total doesn't include VAT",
        "The total on INV-2041 is missing the 20% VAT line, but the customer is in France.",
        "invoices.vat",
        "2.3.1",
        "high",
    ),
    (
        "Can't connect my bank feed",
        "Connecting to my bank fails with 'provider timeout' every time since yesterday.",
        "integrations.bank_feed",
        "2.3.1",
        "urgent",
    ),
    (
        "Refund for double charge",
        "I was charged twice for the November period. Can I get the duplicate back?",
        "billing.refunds",
        "2.3.0",
        "normal",
    ),
    (
        "Export to CSV is empty",
        "Reports, Export CSV downloads a file with only the header row.",
        "reports.export",
        "2.3.1",
        "normal",
    ),
    (
        "Recurring invoice skipped a month",
        "My monthly invoice for Acme didn't go out on the 1st.",
        "invoices.recurring",
        "2.2.4",
        "high",
    ),
    (
        "How do I add a team member?",
        "I want my accountant to see reports but not edit invoices.",
        "team.members",
        "2.3.1",
        "low",
    ),
    (
        "2FA codes not accepted",
        "The authenticator codes are always rejected, I'm locked out.",
        "settings.security.2fa",
        "2.3.1",
        "urgent",
    ),
    (
        "Stripe payouts missing",
        "Card payments show as paid but the payouts aren't matched.",
        "integrations.stripe",
        "2.3.0",
        "normal",
    ),
    (
        "Customer portal link expired",
        "My customer says the statement link shows 'expired'.",
        "customers.portal",
        "2.2.4",
        "normal",
    ),
    (
        "Credit note on a paid invoice",
        "How do I issue a partial credit note on an invoice that's already paid?",
        "invoices.credit_notes",
        "2.3.1",
        "low",
    ),
    (
        "Payment reminders too frequent",
        "Customers get a reminder every day; I set weekly.",
        "invoices.reminders",
        "2.3.1",
        "normal",
    ),
    (
        "Can't import customers CSV",
        "Import says 'row 14: invalid email' but the email looks fine.",
        "customers.import",
        "2.3.0",
        "normal",
    ),
    (
        "Change plan mid-month",
        "If I upgrade to Pro today, what will I be charged?",
        "billing.plans",
        "2.3.1",
        "low",
    ),
    (
        "Multi-currency invoice rounding",
        "EUR invoice converted to GBP is off by 1p.",
        "invoices.currency",
        "2.2.4",
        "normal",
    ),
]
# query: how many people searched for it (the last five find nothing in the sample)
SEARCHES = {
    "refund": 14,
    "invoice": 11,
    "vat": 9,
    "export csv": 8,
    "recurring invoice": 7,
    "bank feed": 6,
    "two factor": 5,
    "credit note": 5,
    "stripe": 4,
    "team roles": 3,
    "payroll": 9,
    "shopify": 6,
    "inventory": 5,
    "ipad": 3,
    "gusto": 2,
}
VIEWED = {
    "request-a-refund": 48,
    "create-an-invoice": 41,
    "connect-a-bank-feed": 23,
    "export-reports-to-csv": 19,
    "add-vat-and-sales-tax-to-invoices": 16,
}
VOTES = {
    "request-a-refund": (31, 4),
    "create-an-invoice": (24, 2),
    "connect-a-bank-feed": (9, 7),
    "export-reports-to-csv": (12, 5),
}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def staff_key(server: SupportServer, role: str, name: str) -> str:
    made = run_cli(
        "keys",
        "create",
        "--data-dir",
        str(server.data_dir),
        "--role",
        role,
        "--name",
        name,
        "--json",
    )
    return str(json.loads(made.stdout)["api_key"])


def seed(server: SupportServer, rng: random.Random) -> None:
    base = server.url + "/api/v1"
    app = {"X-Support-App": server.app_id}
    client = server.client()
    agent = SupportClient(
        server.url, app_id=server.app_id, api_key=staff_key(server, "agent", "Jo Park")
    )
    tokens = {  # as a host app's backend mints them: who the user is, and signed traits
        pid: client.user_token(
            pid, email=mail, name=name, traits={"plan": ("pro", "team")[n % 2], "seats": 3 + n}
        )
        for n, (pid, name, mail) in enumerate(PEOPLE)
    }
    for n, (query, count) in enumerate(SEARCHES.items()):
        for k in range(count):  # different people, so each search counts
            who = {"Authorization": f"Bearer {client.user_token(f'searcher-{n}-{k}')}"}
            requests.get(f"{base}/help/search", params={"q": query}, headers=who, timeout=10)
    for k in range(140):
        session = f"session{k:05d}x"
        requests.post(
            f"{base}/help/events",
            json={"type": "help_opened", "session": session},
            headers=app,
            timeout=10,
        )
        for slug in rng.sample(sorted(VIEWED), 2):
            body = {"type": "article_viewed", "session": session, "slug": slug}
            requests.post(f"{base}/help/events", json=body, headers=app, timeout=10)
        if k % 6 == 0:
            body = {"type": "ticket_created", "session": session}
            requests.post(f"{base}/help/events", json=body, headers=app, timeout=10)
    for slug, views in VIEWED.items():
        for _ in range(views):
            requests.get(f"{base}/help/articles/{slug}", headers=app, timeout=10)
    for slug, (yes, no) in VOTES.items():
        for k in range(yes + no):
            client.feedback(slug, k < yes)
    for n, (subject, body, key, version, priority) in enumerate(TICKETS):
        pid, name, _ = PEOPLE[n % len(PEOPLE)]
        context = {
            "url": f"https://app.ledgerly.example/{key.replace('.', '/')}",
            "title": key.split(".")[0].replace("_", " ").capitalize() + " · Ledgerly",
            "context_key": key,
            "app_version": version,
            "locale": "en-GB",
            "time_zone": "Europe/London",
            "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Chrome/126",
            "viewport": {"width": 1440, "height": 900},
            "custom": {
                "plan": ("starter", "pro", "business")[n % 3],
                "workspace": f"ws_{1000 + n}",
            },
            "articles_shown": ["connect-a-bank-feed", "request-a-refund"][: 1 + n % 2],
        }
        if n in (1, 3):
            context["errors"] = [
                {
                    "message": "TypeError: Cannot read properties of undefined (reading 'rows')",
                    "source": "https://app.ledgerly.example/assets/feeds.4f2a.js",
                    "line": 1842,
                    "column": 17,
                    "stack": "TypeError: Cannot read properties of undefined (reading 'rows')\n"
                    "    at syncFeed (feeds.4f2a.js:1842:17)\n    at HTMLButtonElement.onclick",
                }
            ]
        ticket = client.create_ticket(
            body, subject=subject, user_token=tokens[pid], context=context, priority=priority
        )
        if n % 3 != 2:
            agent.reply(
                ticket.id, f"Hi {name.split()[0]}, thanks for the details! Looking into it now."
            )
        if n in (1, 6):
            agent.reply(
                ticket.id,
                "Checked the logs: the bank provider had an outage at 09:12 UTC.",
                internal=True,
            )
        if n % 4 == 0:
            client.reply(ticket.id, "Thank you! Any update?", user_token=tokens[pid])
        if n % 3 == 0 and n not in (0, 6):
            requests.patch(
                f"{base}/tickets/{ticket.id}",
                json={"status": "solved"},
                headers={"Authorization": f"Bearer {server.admin_api_key}"},
                timeout=10,
            )
            client.rate(ticket.id, (5, 4, 5, 3, 5)[n % 5], user_token=tokens[pid])
    writer = SupportClient(
        server.url, app_id=server.app_id, api_key=staff_key(server, "writer", "Sam Rivera")
    )
    article = next(
        a
        for a in writer.articles.list(limit=200)
        if a.slug == "request-a-refund" and a.locale == "en"
    )
    writer.articles.update(
        article.id,
        revision=article.revision,
        body=article.body.replace(
            "Contact support and quote the invoice number.",
            "Open **Settings → Billing → Billing history**, then contact support and quote "
            "the invoice number. Refunds reach your card within 5 to 10 business days.",
        ),
    )


def spread(data_dir: Path, rng: random.Random) -> None:
    """Move the seeded activity into the past four weeks, keeping each ticket's own timeline."""
    now = datetime.now(timezone.utc)
    with sqlite3.connect(data_dir / "support.db") as db:
        for (row_id,) in db.execute("SELECT id FROM search_log").fetchall():
            when = now - timedelta(days=rng.triangular(0, 27, 4), hours=rng.uniform(0, 10))
            db.execute("UPDATE search_log SET created_at = ? WHERE id = ?", (iso(when), row_id))
        for (session,) in db.execute("SELECT DISTINCT session FROM help_events").fetchall():
            when = iso(now - timedelta(days=rng.uniform(0, 27), hours=rng.uniform(0, 10)))
            db.execute("UPDATE help_events SET created_at = ? WHERE session = ?", (when, session))
        for ticket_id, status in db.execute("SELECT id, status FROM tickets").fetchall():
            opened = now - timedelta(days=rng.uniform(0.2, 26), hours=rng.uniform(0, 6))
            step = timedelta(minutes=rng.uniform(18, 300))
            moments = [opened + step * (k + 1) for k in range(10)]
            messages = db.execute(
                "SELECT id FROM ticket_messages WHERE ticket_id = ? ORDER BY id", (ticket_id,)
            ).fetchall()
            for (message_id,), when in zip(messages, moments, strict=False):
                db.execute(
                    "UPDATE ticket_messages SET created_at = ? WHERE id = ?",
                    (iso(when), message_id),
                )
            last = moments[len(messages)] if messages else opened
            solved = iso(last + timedelta(hours=rng.uniform(1, 30))) if status == "solved" else None
            db.execute(
                "UPDATE tickets SET created_at = ?, updated_at = ?, solved_at = ? WHERE id = ?",
                (iso(opened), solved or iso(last), solved, ticket_id),
            )
            db.execute(
                "UPDATE ticket_ratings SET created_at = ? WHERE ticket_id = ?",
                (solved or iso(last), ticket_id),
            )


def capture(server: SupportServer, out: Path) -> None:
    app = server.app_id
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})

        def shot(path: str, name: str, full: bool = False) -> None:
            if path:
                page.goto(server.url + path)
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name), full_page=full)
            print("wrote", out / name)

        shot(f"/help/{app}/en/", "help-center-home.png")
        shot(f"/help/{app}/en/articles/request-a-refund", "help-center-article.png")
        shot(f"/help/{app}/en/search?q=refnud", "help-center-search.png")
        shot("/admin/login", "admin-sign-in.png")
        page.fill("#username", "maya")
        page.fill("#password", PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/admin/**")
        shot("/admin/articles/", "admin-articles.png")
        page.goto(server.url + "/admin/articles/?q=request+a+refund&locale=en")
        page.click("a.title")
        page.wait_for_load_state("networkidle")
        editor = page.url.split("?")[0].replace(server.url, "")
        shot(editor, "admin-editor.png")
        shot(editor + "/revisions/2", "admin-revision-diff.png")
        shot("/admin/tickets/", "admin-inbox.png")
        page.click("a.subject >> text=Can't connect my bank feed")
        shot("", "admin-ticket.png", full=True)
        shot("/admin/analytics/?days=30", "admin-analytics.png", full=True)
        shot("/admin/profile/", "admin-profile.png")
        # Lee's address is refused: only for the ticket filed now (the others stay as shot)
        run_cli("users", "set-email", "lee", REFUSED, "--data-dir", str(server.data_dir))
        late = server.client().create_ticket(
            "The PDF of INV-2077 is blank when I download it from the invoice page.",
            subject="Blank PDF download",
            email="cleo@litware.example",
        )
        page.goto(f"{server.url}/admin/tickets/{late.id}")
        for _ in range(100):
            if page.locator(".alert.mail-rejected").count():
                break
            page.wait_for_timeout(200)
            page.reload()
        shot("", "admin-ticket-mail-rejected.png")
        shot("/admin/mail/", "admin-sent-mail.png")
        page.click("tr[data-state=sent] a.title >> nth=0")
        page.frame_locator("iframe.mail-html").locator("h1").wait_for()
        shot("", "admin-sent-mail-detail.png", full=True)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        creds = init_data_dir(data_dir)
        run_cli("import", str(ROOT / "examples" / "help_center"), "--data-dir", str(data_dir))
        with sqlite3.connect(data_dir / "support.db") as db:
            db.execute("UPDATE apps SET name = 'Ledgerly'")
        for username, role, name in (
            ("maya", "admin", "Maya Chen"),
            ("sam", "writer", "Sam Rivera"),
            ("jo", "agent", "Jo Park"),
            ("lee", "agent", "Lee Wong"),
        ):
            subprocess.run(
                [
                    str(Path(sys.executable).parent / "support-server"),
                    "users",
                    "create",
                    username,
                    "--role",
                    role,
                    "--name",
                    name,
                    "--password-stdin",
                    *(["--email", f"{username}@ledgerly.example"] if role != "writer" else []),
                    "--data-dir",
                    str(data_dir),
                ],
                input=PASSWORD + "\n",
                text=True,
                check=True,
                capture_output=True,
            )
        with (
            start_smtp() as smtp,
            SupportServer(data_dir, creds, env={"SUPPORT_SMTP_URL": smtp.url}) as server,
        ):
            smtp.refuse.add(REFUSED)
            seed(server, rng)
            spread(data_dir, rng)
            capture(server, args.out)


if __name__ == "__main__":
    main()
