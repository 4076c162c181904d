"""Benchmark corpora and the query set that runs against them.

* :func:`sample_help_center` loads ``examples/help_center`` (Markdown with YAML front matter),
  the published articles only, as the product would import them.
* :func:`generated_help_center` builds a deterministic (seeded) help center of any size
  (10,000 articles by default) for an invented invoicing and bookkeeping product: titles,
  summaries, categories, tags and 150-600-word Markdown bodies assembled from a product and
  support vocabulary, so that term statistics look like a real knowledge base.
* :func:`make_queries` derives a seeded query set (~200) from a corpus: real words,
  multi-word questions, search-as-you-type prefixes, typos (transpositions such as "refnud"
  and "invocie", deletions, insertions, substitutions) with the articles they were meant to
  find, and queries that should find nothing.

Both engines index the same text: the Markdown body as written (``text = body``). Their
tokenizers drop the Markdown punctuation, so nothing engine-specific is needed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.lang.porter import stem

from support_sdk.docs import article_fields, read_folder
from support_server.search.base import IndexDocument

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "examples" / "help_center"
APP_ID = "app_bench"
_WORD = re.compile(r"[a-z]+")


# -- the sample help center -------------------------------------------------------------------
def sample_help_center(folder: Path = SAMPLE_DIR) -> list[IndexDocument]:
    """The published articles of the sample help center, every locale (search asks for 'en'),
    read as `support-server import` reads them (file names, folders, then front matter)."""
    documents = []
    for doc in read_folder(folder):
        fields = article_fields(doc)
        if fields["status"] != "published":
            continue
        documents.append(
            IndexDocument(
                article_id=len(documents) + 1,
                revision=1,
                app_id=APP_ID,
                slug=fields["slug"],
                locale=fields["locale"],
                title=fields["title"],
                summary=fields["summary"],
                category=fields["category"],
                tags=list(fields["tags"]),
                text=fields["body"],
            )
        )
    return documents


# -- the generated help center ----------------------------------------------------------------
PRODUCT = "Ledgerly"

# object phrase -> category; the objects articles are about.
OBJECTS: dict[str, str] = {
    "invoice": "Invoices",
    "recurring invoice": "Invoices",
    "invoice template": "Invoices",
    "credit note": "Invoices",
    "quote": "Invoices",
    "estimate": "Invoices",
    "purchase order": "Invoices",
    "payment reminder": "Invoices",
    "late fee": "Invoices",
    "invoice number": "Invoices",
    "payment": "Payments",
    "card payment": "Payments",
    "bank transfer": "Payments",
    "refund": "Payments",
    "chargeback": "Payments",
    "dispute": "Payments",
    "payout": "Payments",
    "payment link": "Payments",
    "deposit": "Payments",
    "partial payment": "Payments",
    "subscription": "Billing",
    "plan": "Billing",
    "billing receipt": "Billing",
    "payment method": "Billing",
    "trial": "Billing",
    "coupon": "Billing",
    "discount": "Billing",
    "billing address": "Billing",
    "customer": "Customers",
    "contact": "Customers",
    "customer portal": "Customers",
    "statement": "Customers",
    "customer note": "Customers",
    "report": "Reports",
    "profit and loss report": "Reports",
    "balance sheet": "Reports",
    "cash flow report": "Reports",
    "aged receivables report": "Reports",
    "dashboard": "Reports",
    "chart": "Reports",
    "expense": "Expenses",
    "receipt": "Expenses",
    "mileage": "Expenses",
    "expense category": "Expenses",
    "reimbursement": "Expenses",
    "vendor": "Expenses",
    "bill": "Expenses",
    "tax rate": "Taxes",
    "sales tax": "Taxes",
    "vat return": "Taxes",
    "tax report": "Taxes",
    "withholding tax": "Taxes",
    "tax exemption": "Taxes",
    "product": "Inventory",
    "service item": "Inventory",
    "stock level": "Inventory",
    "price list": "Inventory",
    "warehouse": "Inventory",
    "project": "Projects",
    "timesheet": "Projects",
    "time entry": "Projects",
    "budget": "Projects",
    "milestone": "Projects",
    "team member": "Team",
    "role": "Team",
    "permission": "Team",
    "workspace": "Team",
    "invitation": "Team",
    "password": "Account",
    "profile": "Account",
    "email address": "Account",
    "notification": "Account",
    "language": "Account",
    "time zone": "Account",
    "two-factor authentication": "Security",
    "single sign-on": "Security",
    "session": "Security",
    "audit log": "Security",
    "recovery code": "Security",
    "security key": "Security",
    "api key": "Developers",
    "webhook": "Developers",
    "access token": "Developers",
    "rate limit": "Developers",
    "sandbox": "Developers",
    "integration": "Integrations",
    "bank feed": "Integrations",
    "bank account": "Integrations",
    "bank rule": "Integrations",
    "reconciliation": "Integrations",
    "currency": "Multi-currency",
    "exchange rate": "Multi-currency",
    "mobile app": "Mobile",
    "offline mode": "Mobile",
    "push notification": "Mobile",
    "csv import": "Data",
    "data export": "Data",
    "backup": "Data",
}

VERBS = [
    "create", "edit", "delete", "send", "cancel", "update", "export", "import", "connect",
    "disconnect", "enable", "disable", "reset", "download", "upload", "schedule", "approve",
    "archive", "restore", "merge", "sync", "duplicate", "customize", "configure", "void",
    "track", "filter", "search", "share", "print", "preview", "rename", "move", "review",
    "reconcile", "categorize", "attach", "remove", "change", "set up", "turn off", "manage",
]  # fmt: skip

INTEGRATIONS = [
    "Stripe", "PayPal", "Square", "GoCardless", "Xero", "QuickBooks", "Sage", "Slack",
    "Zapier", "Shopify", "HubSpot", "Salesforce", "Google Drive", "Dropbox", "Okta",
    "Azure AD", "Google Workspace", "Microsoft Teams", "Plaid", "Wise", "Gusto", "WooCommerce",
]  # fmt: skip

PLATFORMS = ["the iOS app", "the Android app", "the web app", "the desktop app", "the API"]
AUDIENCES = [
    "freelancers", "agencies", "accountants", "nonprofits", "contractors", "new workspaces",
    "multiple businesses", "international customers", "enterprise plans", "admins",
]  # fmt: skip
PROBLEMS = [
    "not syncing", "not delivered", "failed", "stuck in pending", "showing the wrong amount",
    "missing", "duplicated", "declined", "not loading", "out of date", "rejected", "locked",
    "timing out", "blank", "not matching",
]  # fmt: skip
AREAS = [
    "Settings", "Billing", "Invoices", "Payments", "Customers", "Reports", "Expenses",
    "Integrations", "Team", "Security", "Developers", "Profile", "Taxes", "Projects",
]  # fmt: skip
UI = [
    "button", "menu", "tab", "toggle", "dialog", "sidebar", "toolbar", "list", "form",
    "drop-down", "checkbox", "banner", "panel", "page", "filter", "column", "link",
]  # fmt: skip
ADJECTIVES = [
    "new", "existing", "overdue", "draft", "paid", "unpaid", "archived", "default", "custom",
    "shared", "primary", "secondary", "monthly", "annual", "automatic", "manual", "pending",
    "failed", "active", "inactive", "recent", "previous", "local", "foreign", "connected",
]  # fmt: skip
FILLER = [
    "usually", "instead", "first", "then", "afterwards", "once", "also", "only", "still",
    "already", "immediately", "later", "every", "each", "both", "either", "whole", "entire",
    "quickly", "safely", "carefully", "directly", "automatically", "manually", "again",
    "however", "otherwise", "meanwhile", "therefore", "typically", "sometimes", "often",
]  # fmt: skip
EXTRA_NOUNS = [
    "amount", "balance", "total", "due date", "issue date", "line item", "quantity", "unit price",
    "memo", "reference", "attachment", "logo", "signature", "footer", "header", "column",
    "status", "owner", "admin", "accountant", "bookkeeper", "client", "history", "activity",
    "period", "month", "quarter", "year", "fiscal year", "date range", "summary", "detail",
    "field", "setting", "preference", "option", "message", "email", "address", "phone number",
    "error", "warning", "confirmation", "link", "file", "spreadsheet", "PDF", "record",
    "entry", "journal", "ledger", "account code", "chart of accounts", "transaction",
]  # fmt: skip

CATEGORY_INTROS = {
    "Invoices": "Invoices are the heart of {p}: everything you bill starts here.",
    "Payments": "{p} records every payment against the invoice it settles.",
    "Billing": "This is about your own {p} subscription, not the invoices you send.",
    "Customers": "Customers hold the contact details, terms and history of the people you bill.",
    "Reports": "Reports turn your invoices, payments and expenses into numbers you can act on.",
    "Expenses": "Expenses track the money going out of the business.",
    "Taxes": "Tax rules depend on where you and your customers are based.",
    "Inventory": "Products and services fill in invoice lines for you.",
    "Projects": "Projects group time, expenses and invoices for a piece of work.",
    "Team": "Everyone in a workspace has a role that decides what they can see and change.",
    "Account": "Account settings apply to you personally, in every workspace you belong to.",
    "Security": "Security settings protect your workspace and your customers' data.",
    "Developers": "The {p} API lets your own software read and write workspace data.",
    "Integrations": "Integrations connect {p} to the other tools your business uses.",
    "Multi-currency": "You can bill and get paid in more than 150 currencies.",
    "Mobile": "The mobile apps have most of the features of the web app.",
    "Data": "Your data is yours: you can bring it in and take it out at any time.",
}

SENTENCES = [
    "To {verb} {a_obj}, go to **{area}** and click the **{Verb}** {ui}.",
    "You can {verb} {a_obj} from the {ui} on the {area} page.",
    "When you {verb} {a_obj}, {p} {consequence}.",
    "Only admins and owners can {verb} {a_obj2}; other roles see the {ui} greyed out.",
    "If the {obj} is {adj}, you {filler} need to {verb2} it first.",
    "The {extra} of {a_obj} is shown in the {ui} next to the {extra2}.",
    "{Filler}, check that the {extra} matches the {extra2} on the {obj2}.",
    "Changes to the {extra} apply to {adj} {obj_pl} only, not to {adj2} ones.",
    "{p} keeps a history of every {obj} in the **Activity** {ui}.",
    "Use the **{Verb2}** option to {verb2} several {obj_pl} at once.",
    "Connected apps such as {integration} pick up the change within a few minutes.",
    "On {platform}, open the {ui} and tap **{Verb}**.",
    "A {adj} {obj} can be {verbed} at any time, but {adj2} {obj_pl} cannot.",
    "We send a confirmation email to the {extra} on file when you {verb} {a_obj}.",
    "Most {audience} {verb} {obj_pl} once a month, {filler} before the end of the {period}.",
    "The {extra} is rounded to two decimal places in the {currency} you chose.",
    "If {integration} is connected, {p} can {verb2} the {obj} for you {filler}.",
    "Exports include the {extra}, the {extra2} and the status of each {obj}.",
    "You can't {verb} {a_obj} that is {adj}; {verb2} it first, then try again.",
    "Tip: add a {extra} to find the {obj} {filler} later with search.",
]

TROUBLE = [
    "If the {obj} is {problem}, refresh the page and try again.",
    "Check the status page: {integration} outages can leave {obj_pl} {problem}.",
    "A {problem} {obj} is often caused by an expired {extra} or a {adj} {extra2}.",
    "Still {problem}? Contact support with the {obj} number and a screenshot of the {ui}.",
    "Make sure your browser allows cookies from {p}; otherwise the {ui} stays {problem}.",
]

STEPS = [
    "Go to **{area}**.",
    "Open the {obj} you want to change.",
    "Click **{Verb}** in the {ui}.",
    "Choose the {extra} and the {extra2}.",
    "Review the preview, then click **Save**.",
    "Select one or more {obj_pl} in the list.",
    "Confirm in the dialog.",
    "Wait for the green confirmation banner.",
]


def _plural(phrase: str) -> str:
    words = phrase.split()
    last = words[-1]
    if last.endswith(("s", "x", "sh", "ch")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return " ".join([*words[:-1], last])


def _article(phrase: str) -> str:
    return ("an " if phrase[0] in "aeiou" else "a ") + phrase


def _past(verb: str) -> str:
    head, _, rest = verb.partition(" ")
    irregular = {"send": "sent", "set": "set", "turn": "turned", "void": "voided"}
    if head in irregular:
        done = irregular[head]
    elif head.endswith("e"):
        done = head + "d"
    elif head.endswith("y") and head[-2:-1] not in "aeiou":
        done = head[:-1] + "ied"
    elif head in {"cancel"}:
        done = head + "led"
    else:
        done = head + "ed"
    return (done + " " + rest).strip()


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slugify(text: str) -> str:
    return "-".join(_WORD.findall(text.lower()))


@dataclass
class _Topic:
    verb: str
    obj: str
    qualifier: str
    shape: int
    related: list[str] = field(default_factory=list)


class _Writer:
    """Fills the templates for one article, mostly with its own topic's words."""

    def __init__(self, rng: random.Random, topic: _Topic) -> None:
        self.rng = rng
        self.topic = topic

    def _values(self) -> dict[str, str]:
        rng, topic = self.rng, self.topic
        obj = topic.obj if rng.random() < 0.6 else rng.choice(topic.related)
        obj2 = rng.choice(topic.related)
        verb = topic.verb if rng.random() < 0.5 else rng.choice(VERBS)
        verb2 = rng.choice(VERBS)
        return {
            "p": PRODUCT,
            "verb": verb,
            "Verb": _capital(verb),
            "verb2": verb2,
            "Verb2": _capital(verb2),
            "verbed": _past(verb),
            "obj": obj,
            "obj2": obj2,
            "obj_pl": _plural(obj),
            "a_obj": _article(obj),
            "a_obj2": _article(obj2),
            "adj": rng.choice(ADJECTIVES),
            "adj2": rng.choice(ADJECTIVES),
            "extra": rng.choice(EXTRA_NOUNS),
            "extra2": rng.choice(EXTRA_NOUNS),
            "ui": rng.choice(UI),
            "area": rng.choice(AREAS) + " → " + _capital(_plural(obj)),
            "integration": rng.choice(INTEGRATIONS),
            "platform": rng.choice(PLATFORMS),
            "audience": rng.choice(AUDIENCES),
            "problem": rng.choice(PROBLEMS),
            "filler": rng.choice(FILLER),
            "Filler": _capital(rng.choice(FILLER)),
            "period": rng.choice(["month", "quarter", "year", "week", "billing period"]),
            "currency": rng.choice(["currency", "home currency", "invoice currency"]),
            "consequence": rng.choice(
                [
                    "emails the customer a link",
                    "updates the balance straight away",
                    "records the change in the audit log",
                    "recalculates the totals and taxes",
                    "keeps the original as a read-only copy",
                    "notifies everyone who follows it",
                ]
            ),
        }

    def sentence(self, templates: Sequence[str]) -> str:
        return self.rng.choice(templates).format(**self._values())

    def paragraph(self, count: int, templates: Sequence[str] = SENTENCES) -> str:
        return " ".join(self.sentence(templates) for _ in range(count))


def _title(rng: random.Random, topic: _Topic) -> str:
    verb, obj, qualifier = topic.verb, topic.obj, topic.qualifier
    shapes = [
        f"{_capital(verb)} {_article(obj)} {qualifier}",
        f"How to {verb} {_plural(obj)} {qualifier}",
        f"Why can't I {verb} {_article(obj)} {qualifier}?",
        f"{_capital(obj)} {rng.choice(PROBLEMS)} {qualifier}",
        f"{_capital(verb)} {_plural(obj)} {qualifier}",
    ]
    return " ".join(shapes[topic.shape].split())


def generated_help_center(count: int = 10_000, seed: int = 1234) -> list[IndexDocument]:
    """``count`` English articles, the same for the same seed."""
    rng = random.Random(seed)
    objects = list(OBJECTS)
    by_category: dict[str, list[str]] = {}
    for obj, category in OBJECTS.items():
        by_category.setdefault(category, []).append(obj)
    qualifiers = (
        [""] * 6
        + [f"in {name}" for name in INTEGRATIONS]
        + [f"with {name}" for name in INTEGRATIONS]
        + [f"on {name}" for name in PLATFORMS]
        + [f"for {name}" for name in AUDIENCES]
        + [f"in {name}" for name in ("bulk", "another currency", "a closed period")]
    )
    titles: set[str] = set()
    slugs: set[str] = set()
    documents = []
    while len(documents) < count:
        obj = rng.choice(objects)
        category = OBJECTS[obj]
        related = [o for o in by_category[category] if o != obj] or objects
        related = related + rng.sample(objects, 3)
        topic = _Topic(rng.choice(VERBS), obj, rng.choice(qualifiers), rng.randrange(5), related)
        title = _title(rng, topic)
        if title.lower() in titles:
            continue
        titles.add(title.lower())
        slug = _slugify(title)[:80].strip("-")
        while slug in slugs:
            slug += "-" + str(rng.randrange(10))
        slugs.add(slug)

        writer = _Writer(rng, topic)
        target = rng.randint(150, 600)
        blocks = [f"# {title}", CATEGORY_INTROS[category].format(p=PRODUCT)]
        blocks.append(writer.paragraph(rng.randint(2, 4)))
        blocks.append("## Steps")
        steps = rng.sample(STEPS, rng.randint(3, 6))
        blocks.append("\n".join(f"{n}. {writer.sentence([s])}" for n, s in enumerate(steps, 1)))
        while len(" ".join(blocks).split()) < target - 40:
            heading = rng.choice(
                ["## Good to know", "## Before you start", "## Limits", "## Examples", "## FAQ"]
            )
            blocks += [heading, writer.paragraph(rng.randint(2, 5))]
        blocks += ["## Troubleshooting", writer.paragraph(rng.randint(1, 3), TROUBLE)]
        body = "\n\n".join(blocks)
        words = body.split()
        if len(words) > 600:
            body = " ".join(words[:600])

        summary = writer.sentence(
            [
                f"Learn how to {topic.verb} {_plural(obj)} and what happens to {{obj2}} "
                "afterwards.",
                f"Everything about {' '.join([_plural(obj), topic.qualifier]).strip()}: "
                "limits, steps and fixes.",
                f"Step-by-step: {topic.verb} {_article(obj)} without losing the {{extra}}.",
                f"What to check when {_article(obj)} is {{problem}}.",
            ]
        )
        tags = sorted(
            {obj, topic.verb, category.lower(), *rng.sample(related, 2)}
            | ({topic.qualifier.split(" ", 1)[1].lower()} if topic.qualifier else set())
        )
        documents.append(
            IndexDocument(
                article_id=len(documents) + 1,
                revision=1,
                app_id=APP_ID,
                slug=slug,
                locale="en",
                title=title,
                summary=" ".join(summary.split()),
                category=category,
                tags=tags,
                text=body,
            )
        )
    return documents


# -- the query set ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # word, multi, prefix, typo, zero
    # Typo queries: slugs that count as finding what was meant (top-3), and the query as it
    # was meant to be typed (the control for recall).
    expected: frozenset[str] = frozenset()
    intended: str = ""


# Real typos as people make them: transpositions ("refnud", "invocie") first.
FIXED_TYPOS = {
    "refnud": "refund",
    "invocie": "invoice",
    "pasword": "password",
    "subscripiton": "subscription",
    "cancle": "cancel",
    "reciept": "receipt",
    "paymnet": "payment",
    "webhok": "webhook",
    "curency": "currency",
    "chargback": "chargeback",
    "custmer": "customer",
    "recurirng invoices": "recurring invoices",
    "exprot report": "export report",
    "two factor authentification": "two factor authentication",
    "bank feed not syncnig": "bank feed not syncing",
}

ZERO_RESULT = [
    "kubernetes helm chart", "xylophone", "qwertyuiop", "blockchain nft minting",
    "zzzzzz", "jupyter notebook kernel", "photosynthesis", "espresso grinder",
    "quantum entanglement", "volcano eruption", "marathon training plan", "guitar tuning",
    "knitting pattern", "asdfghjkl", "pokemon evolution", "sourdough starter",
    "oboe reed", "glacier hiking", "lorem ipsum dolor", "telescope eyepiece",
    "zebra migration", "origami crane", "trombone", "bonsai pruning", "yodeling lessons",
]  # fmt: skip

STOP = {
    "a", "an", "the", "in", "on", "for", "with", "to", "of", "and", "or", "how", "why",
    "can", "t", "i", "my", "is", "not", "your", "what", "do", "it", "be", "are",
}  # fmt: skip


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _typo(rng: random.Random, word: str, vocabulary: set[str]) -> str:
    for _ in range(50):
        kind = rng.choices(["swap", "delete", "insert", "replace"], [5, 2, 2, 2])[0]
        i = rng.randrange(1, len(word) - 1)  # keep the first letter, as people mostly do
        if kind == "swap":
            typo = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "delete":
            typo = word[:i] + word[i + 1 :]
        elif kind == "insert":
            typo = word[:i] + rng.choice("aeioustnr") + word[i:]
        else:
            typo = word[:i] + rng.choice("aeioustnr") + word[i + 1 :]
        if typo != word and typo not in vocabulary:
            return typo
    return word


def _expected(titles: Sequence[tuple[str, set[str]]], meant: str) -> frozenset[str]:
    """Articles whose title holds every content word of ``meant`` (compared as stems)."""
    wanted = {stem(w) for w in words(meant) if w not in STOP}
    return frozenset(slug for slug, stems in titles if wanted <= stems)


def make_queries(documents: Sequence[IndexDocument], seed: int = 99) -> list[Query]:
    """About 200 queries derived from ``documents`` (English ones), the same for the same seed."""
    rng = random.Random(seed)
    english = [d for d in documents if d.locale == "en"]
    vocabulary = {w for d in documents for w in words(f"{d.title} {d.summary} {d.text}")}
    title_words = Counter(
        w for d in english for w in words(d.title) if w not in STOP and len(w) > 2
    )
    common = [w for w, _ in title_words.most_common(60)]
    body_words = Counter(w for d in english[:300] for w in words(d.text) if len(w) > 3)
    titles = [(d.slug, {stem(w) for w in words(d.title)}) for d in english]
    queries: list[Query] = []

    # 50 single words: frequent title words and some body words.
    for w in rng.sample(common, min(35, len(common))):
        queries.append(Query(w, "word"))
    for w in rng.sample([w for w, _ in body_words.most_common(300)], 15):
        queries.append(Query(w, "word"))

    # 40 multi-word queries: pieces of titles, and questions as people type them.
    for _ in range(40):
        doc = rng.choice(english)
        content = [w for w in words(doc.title) if w not in STOP]
        if len(content) < 2:
            content = words(doc.title)
        piece = " ".join(content[: rng.randint(2, min(4, len(content)))])
        if doc.title.lower().startswith(("how to", "why can")):
            text = f"how do i {piece}"
        elif content[0] in VERBS or rng.random() < 0.5:
            text = piece
        else:
            text = f"{piece} not working"
        queries.append(Query(text, "multi"))

    # 40 search-as-you-type prefixes: the last word cut to 2-5 letters.
    for _ in range(40):
        doc = rng.choice(english)
        content = [w for w in words(doc.title) if w not in STOP and len(w) > 3]
        if not content:
            continue
        head = content[: rng.randint(1, min(3, len(content)))]
        cut = head[-1][: rng.randint(2, min(5, len(head[-1]) - 1))]
        queries.append(Query(" ".join([*head[:-1], cut]), "prefix"))

    # ~45 typos: the fixed list, single title words, and article titles with one typo.
    for typo, meant in FIXED_TYPOS.items():
        expected = _expected(titles, meant)
        if expected:
            queries.append(Query(typo, "typo", expected, meant))
    for w in rng.sample([w for w in common if len(w) >= 5], 12):
        expected = _expected(titles, w)
        typo = _typo(rng, w, vocabulary)
        if expected and typo != w:
            queries.append(Query(typo, "typo", expected, w))
    attempts = 0
    while sum(q.kind == "typo" for q in queries) < 45 and attempts < 1000:
        attempts += 1
        doc = rng.choice(english)
        content = [w for w in words(doc.title) if w not in STOP]
        long = [w for w in content if len(w) >= 5]
        if len(content) < 2 or not long:
            continue
        victim = rng.choice(long)
        typo = _typo(rng, victim, vocabulary)
        if typo == victim:
            continue
        meant = " ".join(content)
        text = " ".join(typo if w == victim else w for w in content)
        # Titles that differ only in stop words or plurals are the same answer.
        queries.append(Query(text, "typo", _expected(titles, meant) | {doc.slug}, meant))

    # 25 queries nothing should answer.
    for text in ZERO_RESULT:
        queries.append(Query(text, "zero"))
    return queries


if __name__ == "__main__":  # a quick look at what the generator makes
    docs = generated_help_center(20)
    for d in docs[:3]:
        print(d.title, "|", d.category, "|", d.tags, "|", d.summary)
        print(d.text[:600], "...\n")
    for q in make_queries(sample_help_center())[:0]:
        print(q)
