"""The demo's sample activity, as data: a fortnight of a small support desk for Ledgerly, so
that a newcomer's first look at the inbox and the analytics shows what they are for, not
empty tables. :mod:`.demo_seed` files it through the ordinary services.

Ticket contexts are what the widget sends from the demo host page (server/templates/demo.html):
its URLs, page titles and context keys, which match the sample help center's contexts.
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 24 * 3600.0
HOUR = 3600.0
APP_VERSION = "2.3.1"
CHROME_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36"
)
FIREFOX_WIN = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
EDGE_WIN = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51"
)
# The demo host page's views (server/templates/demo.html): path -> page title.
TITLES = {
    "/invoices/new": "New invoice",
    "/invoices": "Invoices",
    "/dashboard": "Dashboard",
    "/customers": "Customers",
    "/reports/profit-and-loss": "Profit and loss",
    "/settings/billing": "Billing",
    "/settings/security": "Security",
}


@dataclass(frozen=True)
class Person:
    id: str
    email: str
    name: str
    user_agent: str
    locale: str = "en-US"
    time_zone: str = "Europe/London"
    plan: str = "pro"
    viewport: tuple[int, int] = (1440, 900)


PEOPLE = {
    # Ada is the demo page's signed-in user: her tickets are in the widget's "Messages".
    "ada": Person("demo-user-1", "ada@example.com", "Ada Lovelace", CHROME_MAC),
    "grace": Person(
        "user-2", "grace@example.com", "Grace Hopper", FIREFOX_WIN, time_zone="America/New_York"
    ),
    "alan": Person(
        "user-3", "alan@example.com", "Alan Turing", SAFARI_IPHONE, "en-GB", viewport=(390, 844)
    ),
    "katherine": Person(
        "user-4", "katherine@example.com", "Katherine Johnson", EDGE_WIN, plan="starter"
    ),
    "chloe": Person(
        "user-5", "chloe@example.fr", "Chloé Dubois", CHROME_MAC, "fr-FR", "Europe/Paris"
    ),
}
AGENTS = {"maya": "Maya Chen", "sam": "Sam Rivera"}


@dataclass(frozen=True)
class Step:
    """Something that happened to a ticket, ``hours`` after it was filed."""

    hours: float
    kind: str  # reply, note (internal), answer (the requester), status, assign, rating
    text: str = ""
    by: str = "maya"
    score: int = 0


@dataclass(frozen=True)
class SampleTicket:
    person: str
    days_ago: float
    page: str
    context_key: str
    subject: str
    body: str
    shown: tuple[str, ...] = ()  # the articles the widget suggested before the ticket
    priority: str = "normal"
    app_version: str = APP_VERSION
    errors: tuple[str, ...] = ()
    steps: tuple[Step, ...] = ()


TICKETS = (
    SampleTicket(
        "alan",
        13.2,
        "/settings/security",
        "settings.security.password",
        "Password reset email never arrives",
        "I asked for a password reset three times this morning and got nothing, not even in "
        "spam. I still have the app open on my phone.",
        shown=("reset-your-password", "cant-sign-in"),
        steps=(
            Step(
                0.7,
                "reply",
                "Hi Alan, the reset emails went to your old work address. I've changed it to "
                "alan@example.com; a fresh reset link is on its way.",
            ),
            Step(1.5, "answer", "Got it and I'm back in. Thanks!"),
            Step(1.6, "status", "solved"),
            Step(2.0, "rating", "Sorted within the hour.", score=5),
        ),
    ),
    SampleTicket(
        "grace",
        12.7,
        "/invoices",
        "invoices.credit-notes",
        "Credit note for a partial refund?",
        "A customer returned 2 of the 10 licences on INV-2024-0127. Do I issue a credit note "
        "for the difference, or edit the invoice? It has already been paid.",
        shown=("issue-a-credit-note", "refund-a-customer-payment"),
        steps=(
            Step(
                1.2,
                "reply",
                "Hi Grace! Issue a credit note for the two licences: open "
                "INV-2024-0127, choose More > Credit note and pick the lines. A paid invoice "
                "can't be edited, so the credit note keeps your books straight.",
            ),
            Step(2.0, "answer", "Found it, thanks. The credit note is sent."),
            Step(2.1, "status", "solved"),
            Step(6.0, "rating", "It took me a while to find the menu.", score=3),
        ),
    ),
    SampleTicket(
        "ada",
        11.4,
        "/invoices/new",
        "invoices.tax",
        "VAT is missing from invoice INV-2024-0139",
        "I added 20% VAT to my lines but the PDF shows no tax line and the total is without "
        "VAT. The customer is in France, we are in the UK.",
        shown=("add-vat-and-sales-tax-to-invoices", "run-a-vat-and-sales-tax-report"),
        steps=(
            Step(
                0.8,
                "note",
                "Reverse charge applies to B2B EU customers with a VAT number, "
                "so the tax line is hidden on purpose. Check the customer record.",
            ),
            Step(
                0.9,
                "reply",
                "Hi Ada, your customer has an EU VAT number, so Ledgerly "
                "applies the reverse charge and shows the note 'VAT reverse charged' instead "
                "of a tax line. Remove the number from the customer if they are not a "
                "business.",
            ),
            Step(3.5, "answer", "That explains it, the customer is a business. Thank you!"),
            Step(3.6, "status", "solved"),
            Step(4.0, "rating", "Quick and clear, thanks!", score=5),
        ),
    ),
    SampleTicket(
        "katherine",
        9.3,
        "/settings/billing",
        "billing.plans",
        "Charged twice after upgrading to Pro",
        "I upgraded from Starter to Pro yesterday and my card statement shows two charges of "
        "€29. Can you refund one of them?",
        shown=("change-your-plan", "request-a-refund", "download-billing-receipts"),
        priority="high",
        steps=(
            Step(0.3, "assign", by="sam"),
            Step(
                0.5,
                "note",
                "Stripe shows one capture and one authorisation that was "
                "released. Nothing to refund.",
                by="sam",
            ),
            Step(
                0.6,
                "reply",
                "Hello Katherine, only one €29 payment went through: the second "
                "line is a card check that your bank releases within 5 days. Your receipt "
                "is under Settings > Billing > Receipts.",
                by="sam",
            ),
            Step(0.7, "status", "pending", by="sam"),
        ),
    ),
    SampleTicket(
        "alan",
        6.2,
        "/settings/security",
        "settings.security.2fa",
        "Two-factor code is always rejected",
        "Setting up two-factor authentication: every 6-digit code from my authenticator app "
        "is 'invalid'. I tried three times.",
        shown=("enable-two-factor-authentication", "lost-access-to-two-factor-device"),
        steps=(
            Step(0.4, "assign"),
            Step(
                2.5,
                "reply",
                "Hi Alan, codes are rejected when the phone's clock is off by "
                "more than 30 seconds. Could you turn on automatic date and time on your "
                "iPhone and try again?",
            ),
        ),
    ),
    SampleTicket(
        "chloe",
        4.6,
        "/customers",
        "customers.import",
        "Import CSV : erreur à la ligne 214",
        "L'import de mes clients s'arrête à la ligne 214 avec « colonne email invalide ». "
        "Le fichier vient d'Excel.",
        shown=("import-customers-from-csv", "fix-csv-import-errors"),
        app_version="2.3.0",
        steps=(
            Step(
                5.0,
                "reply",
                "Bonjour Chloé, la ligne 214 contient sans doute deux adresses "
                "séparées par un point-virgule. Gardez-en une seule et relancez l'import : "
                "les 213 premières lignes ne seront pas dupliquées.",
                by="sam",
            ),
            Step(20.0, "answer", "Merci, c'était bien ça. Mais l'import a créé 12 doublons…"),
        ),
    ),
    SampleTicket(
        "grace",
        3.1,
        "/reports/profit-and-loss",
        "reports.profit-loss",
        "Export profit and loss for my accountant",
        "My accountant wants the P&L for Q1 as a spreadsheet. Is there a CSV or Excel export?",
        shown=("run-a-profit-and-loss-report", "export-reports-to-csv"),
        priority="low",
    ),
    SampleTicket(
        "alan",
        4.2,
        "/dashboard",
        "dashboard",
        "Bank sync not working",
        "My bank transactions stopped syncing: the dashboard says the bank feed failed. "
        "Nothing new since the weekend.",
        shown=("bank-feed-not-syncing",),
        steps=(
            Step(
                1.1,
                "reply",
                "Hi Alan, Barclays changed their sign-in: open Banking, choose Reconnect on the "
                "feed and sign in once more. The missing days are fetched after that.",
                by="sam",
            ),
            Step(3.0, "answer", "Reconnected, and the transactions are back. Thanks!"),
            Step(3.2, "status", "solved"),
        ),
    ),
    SampleTicket(
        "chloe",
        2.6,
        "/dashboard",
        "dashboard",
        "bank feed sync failed again",
        "The bank feed fails to sync every day with an error, so my balance is out of date.",
        shown=("bank-feed-not-syncing", "connect-a-bank-feed"),
        errors=("BankFeedError: timeout while syncing account ****1881",),
    ),
    SampleTicket(
        "ada",
        1.8,
        "/dashboard",
        "dashboard",
        "Bank feed sync fails every morning",
        "Sync failed: the bank did not answer. It has happened every day since Monday; the "
        "last transactions I see are from last week.",
        shown=("bank-feed-not-syncing", "connect-a-bank-feed"),
        errors=("BankFeedError: timeout while syncing account ****4242",),
        priority="high",
        steps=(
            Step(
                0.5,
                "note",
                "Third report this week from Barclays customers: engineering is on it (INC-2291).",
                by="sam",
            ),
        ),
    ),
    SampleTicket(
        "katherine",
        0.3,
        "/invoices/new",
        "invoices.create",
        "Can I add my logo to invoices?",
        "We just got a new logo. Where do I upload it so that it appears on invoices and "
        "reminders?",
        shown=("create-an-invoice", "set-up-your-business-profile"),
    ),
)

# (days ago, who, query, locale): who is a person, or an anonymous reader of the help center.
SEARCHES = (
    (13.5, "ada", "vat", "en"),
    (13.1, "ip:203.0.113.7", "refund", "en"),
    (12.8, "grace", "credit note", "en"),
    (12.2, "ip:198.51.100.4", "payroll", "en"),
    (11.6, "alan", "2fa", "en"),
    (11.5, "ada", "reverse charge", "en"),
    (10.9, "ip:203.0.113.7", "cancel subscription", "en"),
    (10.2, "katherine", "receipt", "en"),
    (9.8, "ip:198.51.100.23", "inventory", "en"),
    (9.4, "katherine", "refund", "en"),
    (8.7, "chloe", "importer clients", "fr"),
    (8.1, "grace", "recurring invoice", "en"),
    (7.6, "ip:203.0.113.40", "payslips", "en"),
    (7.2, "alan", "two factor", "en"),
    (6.5, "ip:198.51.100.4", "payroll", "en"),
    (6.3, "alan", "authenticator", "en"),
    (5.9, "ada", "stripe", "en"),
    (5.4, "ip:203.0.113.7", "invoice reminder", "en"),
    (4.8, "chloe", "csv", "fr"),
    (4.7, "chloe", "doublons", "fr"),
    (4.1, "grace", "export", "en"),
    (3.6, "ip:198.51.100.23", "inventory", "en"),
    (3.2, "grace", "profit and loss", "en"),
    (2.7, "katherine", "logo", "en"),
    (2.2, "ada", "bank feed", "en"),
    (1.9, "ada", "bank sync", "en"),
    (1.4, "ip:203.0.113.40", "payroll", "en"),
    (1.1, "alan", "refnud", "en"),
    (0.6, "ip:198.51.100.4", "delete account", "en"),
    (0.4, "katherine", "logo invoice", "en"),
)

# Help sessions that ended without a ticket (deflected): (days ago, who, articles viewed, vote).
READING = (
    (13.4, "ada", ("add-vat-and-sales-tax-to-invoices",), True),
    (13.0, "ip:203.0.113.7", ("request-a-refund",), True),
    (12.1, "ip:198.51.100.4", (), None),
    (11.0, "alan", ("enable-two-factor-authentication",), None),
    (10.8, "ip:203.0.113.7", ("cancel-your-subscription", "change-your-plan"), True),
    (10.6, "katherine", ("download-billing-receipts",), True),
    (8.0, "grace", ("set-up-recurring-invoices",), True),
    (7.5, "ip:203.0.113.40", ("import-customers-from-csv",), False),
    (5.8, "ada", ("connect-stripe",), True),
    (5.3, "ip:203.0.113.7", ("set-up-payment-reminders",), True),
    (4.4, "grace", ("export-reports-to-csv",), None),
    (3.5, "ip:198.51.100.23", ("update-your-profile-and-notifications",), False),
    (2.9, "ada", ("bank-feed-not-syncing",), False),
    (1.3, "ip:203.0.113.40", ("accept-card-payments",), True),
    (0.9, "ip:198.51.100.23", ("send-an-invoice",), True),
    (0.5, "ip:198.51.100.4", ("delete-your-account", "export-all-your-data"), None),
)
