"""The email channel: what an inbound mail and an outbound customer reply cost the worker.

In-process (``create_app`` on a fresh data directory, real SQLite in WAL with
``synchronous=FULL``, the worker's jobs run one by one through ``rt.job_runner()``, as the
worker does; no sockets unless ``--smtp``), on a seeded corpus of realistic mail:

(a) **Inbound**, per round ``--messages`` (300) new messages, mixed as customers send them:

    * ``reply`` (half): a Gmail-shaped answer (text and HTML, the whole thread quoted, a
      signature) to a real queued reply mail of ours (``rt.mailer.sent()``): sent to its
      signed ``Reply-To``, with its ``In-Reply-To``/``References``; threads to the ticket;
    * ``new`` (three in ten): a new mail to the support address from a new sender (text and
      HTML, a few paragraphs); opens a ticket;
    * ``new+pdf`` (one in five): the same with a 200 KB PDF attached.

    Side by side on the same bytes:

    * ``process``: ``rt.inbound.receive(app_id, raw)`` (untimed here, reported apart as
      ``arrival``), then the ``inbound`` job, claimed and run exactly as the worker runs
      it (``Inbound.process``: the raw mail read back, parsed, threaded or opened as a
      ticket and settled in one write transaction; with the claim and the finish, three
      durable commits): claim + run is timed per message;
    * ``parse only`` (the baseline): ``mail_parsing.parse(raw)`` alone.

    The fan-out jobs the processed mail causes (its ``message.created`` / ``ticket.created``
    events; the latter queues the acknowledgement mail) are run and reported apart as
    ``follow-on``, per job; mail jobs without a relay only wait, and are not counted (with
    ``--smtp`` the acknowledgements are sent, and counted as follow-on).

(b) **Outbound**, per round ``--replies`` (300) agent replies, round-robin over the tickets:

    * ``post``: ``rt.tickets.reply(agent, ticket, body, False)`` (the message and its event,
      one write transaction);
    * ``fan-out``: its fan-out job, claimed and run (queues the customer mail with the
      quoted thread, signed ``Reply-To`` and threading headers rendered from the templates);
    * ``compose``: the message the relay gets, ``rt.mailer.message(row).as_bytes()``;
    * ``send`` (``--smtp`` only): the mail job, claimed and run against a local aiosmtpd
      catcher (``tests/worker/smtp.py``, in a process of its own; one SMTP session per
      mail); it composes the mail again, so the total is then post + fan-out + send.

    Side by side, the baseline: ``compose alone``, the same call on the rows the latest
    outbound step queued (this round's, or the previous round's when it goes first).

One untimed ``--warmup`` round first, then ``--rounds`` (3) rounds; within a round the two
sides run in alternating order. Percentiles pool every message of every round; rates are
per round (messages / the sum of their timed seconds), the median round kept. Every
message's outcome is checked (a reply must be appended, a new mail must open a ticket, every
agent reply must queue one customer mail); nothing is asserted about time.

    .venv/bin/python benchmarks/mail_bench.py [--messages 300] [--replies 300]
        [--rounds 3] [--warmup 30] [--tickets 100] [--smtp] [--dir PATH] [--json]
        [--out FILE]

Most of the time is durable commits (``synchronous=FULL``: an fsync each), so the figures
follow the disk: the default run takes ~30 s on a quiet 2-core machine, longer when other
work keeps the disk busy. ``--dir /dev/shm`` puts the data directory on tmpfs, to see the
CPU cost alone. Prints a table (``--json``: the report as JSON instead, progress on
stderr); ``--out`` writes the JSON too (nothing is written by default).
"""

from __future__ import annotations

import argparse
import contextlib
import html
import json
import os
import platform
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from support_server import bootstrap  # noqa: E402
from support_server.app import create_app  # noqa: E402
from support_server.principal import Principal  # noqa: E402
from support_server.services.mail_parsing import parse  # noqa: E402
from support_server.store import inbound as inbound_store  # noqa: E402
from support_server.store import mail as mail_store  # noqa: E402

SETTINGS = {
    "SUPPORT_PUBLIC_URL": "http://support.test",
    "SUPPORT_MAIL_FROM": "Acme <help@acme.test>",
    "SUPPORT_RATE_LIMITS_ENABLED": "false",
}
SUPPORT_ADDRESS = "Acme Support <help@acme.test>"
KINDS = ("reply", "new", "new+pdf")
ATTACHMENT_BYTES = 200 * 1024

# -- the corpus (seeded) ----------------------------------------------------------------------
SUBJECTS = [
    "CSV export is empty",
    "Can't log in after password reset",
    "Invoice shows the wrong VAT rate",
    "Bank feed stopped syncing",
    "How do I add a second user?",
    "Charged twice this month",
    "Reports page is very slow",
    "Question about the annual plan",
]
PROBLEMS = [
    "When I export last month's transactions to CSV the file downloads but it is empty, "
    "only the header row is there. It worked fine until last week.",
    "I reset my password this morning and now the login page just reloads when I sign in. "
    "I tried Chrome and Firefox, cleared cookies, same thing.",
    "The invoice I sent to a customer in Germany shows 20% VAT instead of 19%. The "
    "customer's address and tax number are filled in correctly.",
    "Our bank feed has not imported anything since Friday. The connection page says "
    "'connected' but the last transaction is from three days ago.",
    "Our bookkeeper needs access to the account. I could not find where to invite another "
    "person; is this possible on our plan?",
    "My card statement shows two charges of the same amount on the 3rd. We only have one "
    "subscription as far as I know.",
]
DETAILS = [
    "We are on the Business plan, account name Northwind Trading.",
    "This is blocking our month-end close, so any help is appreciated.",
    "I attached a screenshot of what I see, in case it helps.",
    "Nothing changed on our side as far as I know.",
    "The same happens on my colleague's computer.",
]
ANSWERS = [
    "Thanks, that worked! The export has all the rows now.",
    "I tried that but it still does the same. I'm on Chrome 131 on a Mac, if it matters.",
    "Yes, that's the right account. The invoice number is INV-2041.",
    "Great, thank you for the quick answer. One more question: can I schedule the export "
    "to run every Monday?",
    "Still not working, sorry. It says 'connected' but nothing new came in today either.",
]
SIGNATURES = [
    "Best regards,\n{name}",
    "Thanks,\n{name}\n\n-- \n{name}\nFinance, Northwind Trading\n+44 20 7946 0000",
    "{name}\n\nSent from my iPhone",
]
AGENT_BODIES = [
    "Thanks for the details. We found the cause: the export skipped rows with a blank "
    "category. A fix is live now; could you try the export again and tell us if the rows "
    "are there?",
    "Sorry for the trouble. I've reset the sign-in session on your account. Please clear "
    "the site's cookies once more and sign in again; if the page still reloads, send us the "
    "time you tried so we can find it in the logs.",
    "You can invite your bookkeeper under Settings > Team > Invite. On the Business plan "
    "you have five seats, and the bookkeeper role can see reports without changing your "
    "bank connections.",
    "I can see the two charges: the second one is an authorisation hold that your bank "
    "will release within five working days. You have not been billed twice.",
]
FIRST_NAMES = ["Alice", "Bruno", "Chen", "Dana", "Emeka", "Farah", "Goran", "Hana", "Ines"]


def text_to_html(text: str) -> str:
    return "".join(
        f"<div>{html.escape(line) if line else '<br>'}</div>" for line in text.splitlines()
    )


def _body_of(page: str) -> str:
    found = re.search(r"<body[^>]*>(.*)</body>", page, re.S | re.I)
    return found.group(1) if found else page


class Corpus:
    """Fresh messages on every call (new Message-IDs and senders: arrival keeps identical
    bytes once per mailbox, so a message must never repeat)."""

    def __init__(self, seed: int, replies_to: list[dict[str, Any]]) -> None:
        self.rng = random.Random(seed)
        self.replies_to = replies_to  # a queued reply mail per ticket, with its requester
        self.count = 0
        noise = random.Random(seed + 1).randbytes(ATTACHMENT_BYTES - 400)
        self.pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nstream\n"
        self.pdf += noise + b"\nendstream\nendobj\n%%EOF\n"

    def _mail(self, sender: str, to: str, subject: str, text: str, html_part: str) -> Any:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(f"b{self.count}", domain="mail.example.net")
        message["MIME-Version"] = "1.0"
        message.set_content(text)
        message.add_alternative(html_part, subtype="html")
        return message

    def reply(self) -> bytes:
        """A customer's Gmail-shaped answer to one of our reply mails, quoting it."""
        self.count += 1
        target = self.replies_to[self.count % len(self.replies_to)]
        mail, name = target["mail"], target["name"]
        answer = self.rng.choice(ANSWERS)
        signature = self.rng.choice(SIGNATURES).format(name=name)
        mine = f"Hi,\n\n{answer}\n\n{signature}"
        attribution = "On Wed, 2 Dec 2026 at 10:01, Acme <help@acme.test> wrote:"
        quoted = "\n".join(f"> {line}" if line else ">" for line in mail["text_body"].splitlines())
        page = (
            f'<div dir="ltr">{text_to_html(mine)}</div><br><div class="gmail_quote">'
            f'<div dir="ltr" class="gmail_attr">{html.escape(attribution)}<br></div>'
            '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            f"{_body_of(mail['html_body'])}</blockquote></div>"
        )
        message = self._mail(
            formataddr((name, target["email"])),
            mail["headers"]["Reply-To"],
            f"Re: {mail['subject']}",
            f"{mine}\n\n{attribution}\n\n{quoted}\n",
            page,
        )
        message["In-Reply-To"] = f"<{mail['message_id']}>"
        message["References"] = f"{mail['headers']['References']} <{mail['message_id']}>"
        return message.as_bytes()

    def new(self, attachment: bool) -> bytes:
        """A first mail to the support address from someone who never wrote before."""
        self.count += 1
        name = f"{self.rng.choice(FIRST_NAMES)} Sender{self.count}"
        paragraphs = [
            "Hello,",
            self.rng.choice(PROBLEMS),
            *self.rng.sample(DETAILS, 2),
            self.rng.choice(SIGNATURES).format(name=name),
        ]
        text = "\n\n".join(paragraphs)
        message = self._mail(
            formataddr((name, f"sender{self.count}@example.net")),
            SUPPORT_ADDRESS,
            self.rng.choice(SUBJECTS),
            text,
            f'<div dir="ltr">{text_to_html(text)}</div>',
        )
        if attachment:
            message.add_attachment(
                self.pdf, maintype="application", subtype="pdf", filename="statement.pdf"
            )
        return message.as_bytes()

    def batch(self, size: int) -> list[tuple[str, bytes]]:
        """Half replies, three in ten new, one in five new with the PDF, shuffled."""
        kinds = ["reply"] * (size // 2) + ["new+pdf"] * (size // 5)
        kinds += ["new"] * (size - len(kinds))
        self.rng.shuffle(kinds)
        return [(k, self.reply() if k == "reply" else self.new(k == "new+pdf")) for k in kinds]


# -- timing -----------------------------------------------------------------------------------
def clock_ms(begin: int) -> float:
    return (time.perf_counter_ns() - begin) / 1e6


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"count": 0}

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)

    return {
        "count": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


class Series:
    """Per-message timings of one measured thing, kept per round (for its rate) and pooled
    (for its percentiles)."""

    def __init__(self) -> None:
        self.rounds: list[list[float]] = []
        self.by_kind: dict[str, list[float]] = {}

    def new_round(self) -> None:
        self.rounds.append([])

    def add(self, ms: float, kind: str = "") -> None:
        self.rounds[-1].append(ms)
        if kind:
            self.by_kind.setdefault(kind, []).append(ms)

    def summary(self) -> dict[str, Any]:
        pooled = [ms for one in self.rounds for ms in one]
        rates = [round(len(one) / (sum(one) / 1000), 1) for one in self.rounds if one]
        result: dict[str, Any] = {**percentiles(pooled)}
        if rates:
            result["per_s"] = statistics.median(rates)
            result["runs_per_s"] = rates
        if self.by_kind:
            result["by_kind"] = {k: percentiles(v) for k, v in sorted(self.by_kind.items())}
        return result


def totals(*parts: Series) -> Series:
    """Per-message sums of series measured for the same messages in the same order."""
    total = Series()
    for rounds in zip(*(p.rounds for p in parts), strict=True):
        total.new_round()
        for values in zip(*rounds, strict=True):
            total.add(sum(values))
    return total


# -- the bench --------------------------------------------------------------------------------
class Bench:
    def __init__(self, data_dir: Path, relay_url: str, tickets: int, seed: int) -> None:
        self.creds = bootstrap.initialise(data_dir, ["http://x.example"])
        self.app_id = str(self.creds["app_id"])
        overrides = {**SETTINGS, "SUPPORT_SMTP_URL": relay_url}
        self.app = create_app(data_dir=data_dir, overrides=overrides)
        self.rt = self.app.extensions["support"]
        self.runner = self.rt.job_runner("bench")
        self.relay = bool(relay_url)
        self.agent = Principal(self.app_id, "staff", "bench", role="agent")
        self.rng = random.Random(seed)
        self.tickets = self._seed(tickets)
        self.corpus = Corpus(seed, self.tickets)
        self.composed: list[dict[str, Any]] = []  # the rows the last outbound step queued
        self.seen = {int(t["mail"]["id"]) for t in self.tickets}  # reply mails already run

    def close(self) -> None:
        self.rt.index.close()
        self.rt.db.close()

    def drain(self) -> None:
        while self.runner.run_one():
            pass

    def _seed(self, count: int) -> list[dict[str, Any]]:
        """``count`` tickets filed through the API, each answered once by an agent (so each
        has a reply mail to answer, and is open)."""
        http = self.app.test_client()
        headers = {"Authorization": f"Bearer {self.creds['admin_api_key']}"}
        filed = []
        for n in range(count):
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Customer{n}"
            email = f"customer{n}@example.com"
            r = http.post(
                "/api/v1/tickets",
                json={
                    "subject": SUBJECTS[n % len(SUBJECTS)],
                    "body": PROBLEMS[n % len(PROBLEMS)],
                    "email": email,
                    "name": name,
                },
                headers=headers,
            )
            if r.status_code != 201:
                raise SystemExit(f"filing a ticket failed: {r.status_code} {r.get_json()}")
            ticket_id = r.get_json()["id"]
            self.rt.tickets.reply(self.agent, ticket_id, AGENT_BODIES[n % 4], False)
            filed.append({"id": ticket_id, "email": email, "name": name})
        self.drain()
        replies = {
            m["ticket_public_id"]: m
            for m in self.rt.mailer.sent([self.app_id], 10 * count + 100)
            if m["kind"] == "reply"
        }
        for ticket in filed:
            ticket["mail"] = replies[ticket["id"]]
        return filed

    def _row(self, get: Callable[[sqlite3.Connection, int], Any], ref: int) -> Any:
        with self.rt.db.read() as conn:
            return get(conn, ref)

    # -- (a) inbound -----------------------------------------------------------------------------
    def inbound(
        self, batch: list[tuple[str, bytes]], s: dict[str, Series], outcomes: Counter[str]
    ) -> None:
        kind_of = {}
        for kind, raw in batch:
            begin = time.perf_counter_ns()
            public_id, new = self.rt.inbound.receive(self.app_id, raw)
            s["arrival"].add(clock_ms(begin))
            if not new:
                raise SystemExit("a message was not new: the corpus repeated itself")
            kind_of[public_id] = kind
        while True:
            begin = time.perf_counter_ns()
            job = self.runner.claim()
            if job is None:
                break
            self.runner.run(job)
            ms = clock_ms(begin)
            if job["kind"] == "inbound":
                row = self._row(inbound_store.get, job["ref"])
                kind = kind_of[row["public_id"]]
                s["process"].add(ms, kind)
                outcomes[f"{kind}: {row['state']}"] += 1
                if row["state"] != ("appended" if kind == "reply" else "opened"):
                    raise SystemExit(f"a {kind} mail was {row['state']}: {row['reason']}")
            elif job["kind"] == "fanout" or self.relay:
                s["follow_on"].add(ms, job["kind"])

    def parse_only(self, batch: list[tuple[str, bytes]], s: dict[str, Series]) -> None:
        for kind, raw in batch:
            begin = time.perf_counter_ns()
            parse(raw)
            s["parse"].add(clock_ms(begin), kind)

    # -- (b) outbound ----------------------------------------------------------------------------
    def outbound(self, count: int, s: dict[str, Series]) -> None:
        composed = []
        for n in range(count):
            ticket = self.tickets[n % len(self.tickets)]
            body = AGENT_BODIES[self.rng.randrange(len(AGENT_BODIES))]
            begin = time.perf_counter_ns()
            self.rt.tickets.reply(self.agent, ticket["id"], body, False)
            s["post"].add(clock_ms(begin))
            fan_out = send = compose = 0.0
            mails = 0
            while True:
                begin = time.perf_counter_ns()
                job = self.runner.claim()
                if job is None:
                    break
                if job["kind"] == "fanout":
                    self.runner.run(job)
                    fan_out += clock_ms(begin)
                    continue
                if job["kind"] != "mail":
                    raise SystemExit(f"unexpected job {job['kind']}")
                claimed = clock_ms(begin)
                row = self._row(mail_store.get_mail, job["ref"])
                if row["id"] in self.seen or row["kind"] != "reply":
                    self.runner.run(job)  # an earlier mail due again (no relay): not counted
                    continue
                if row["to_address"] != ticket["email"]:
                    raise SystemExit(f"a reply for {ticket['email']} went to {row['to_address']}")
                self.seen.add(row["id"])
                mails += 1
                begin = time.perf_counter_ns()
                self.rt.mailer.message(row).as_bytes()
                compose += clock_ms(begin)
                composed.append(row)
                begin = time.perf_counter_ns()
                self.runner.run(job)  # no relay: the mail waits (not counted)
                send += claimed + clock_ms(begin)
                if self.relay and self._row(mail_store.get_mail, job["ref"])["state"] != "sent":
                    raise SystemExit("the catcher did not take the mail")
            if mails != 1:
                raise SystemExit(f"an agent reply queued {mails} customer mails")
            s["fan_out"].add(fan_out)
            s["compose"].add(compose)
            if self.relay:
                s["send"].add(send)
        self.composed = composed

    def compose_only(self, s: dict[str, Series]) -> None:
        for row in self.composed:
            begin = time.perf_counter_ns()
            self.rt.mailer.message(row).as_bytes()
            s["compose_alone"].add(clock_ms(begin))


def environment() -> dict[str, Any]:
    from importlib import metadata

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "nh3": metadata.version("nh3"),
        "mail-parser-reply": metadata.version("mail-parser-reply"),
        "loadavg_at_start": os.getloadavg(),
    }


def serve_smtp() -> None:
    """The catcher, in a process of its own (its thread would share this one's GIL): prints
    its URL as one line, keeps every message until SIGTERM."""
    from tests.worker.smtp import start_smtp

    with start_smtp() as catcher:
        print(catcher.url, flush=True)
        signal.sigwait({signal.SIGTERM, signal.SIGINT})


@contextlib.contextmanager
def relay(enabled: bool) -> Iterator[str]:
    """The relay URL: "" (none), or a local aiosmtpd catcher's."""
    if not enabled:
        yield ""
        return
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-smtp"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


def run(args: argparse.Namespace, progress: Callable[[str], None]) -> dict[str, Any]:
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "messages": args.messages,
            "replies": args.replies,
            "rounds": args.rounds,
            "warmup": args.warmup,
            "tickets": args.tickets,
            "mix": "1/2 reply, 3/10 new, 1/5 new with a 200 KB PDF",
            "attachment_bytes": ATTACHMENT_BYTES,
            "relay": "aiosmtpd on 127.0.0.1" if args.smtp else "none (mail waits)",
            "database": "SQLite WAL, synchronous=FULL, a temporary directory",
        },
    }
    inbound = {name: Series() for name in ("arrival", "process", "parse", "follow_on")}
    outbound = {name: Series() for name in ("post", "fan_out", "compose", "send")}
    outbound["compose_alone"] = Series()
    outcomes: Counter[str] = Counter()
    wall: dict[str, float] = {}
    started_at = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="mail-bench-", dir=args.dir) as tmp,
        relay(args.smtp) as url,
    ):
        begin = time.perf_counter()
        bench = Bench(Path(tmp) / "data", url, args.tickets, args.seed)
        try:
            wall["seed"] = time.perf_counter() - begin
            progress(f"seeded {args.tickets} tickets in {wall['seed']:.1f} s")
            sizes = Counter[str]()
            for r in range(-1, args.rounds):  # -1: the warmup, then thrown away
                size = args.warmup if r < 0 else args.messages
                replies = args.warmup if r < 0 else args.replies
                for series in (*inbound.values(), *outbound.values()):
                    series.new_round()
                batch = bench.corpus.batch(size)
                if r >= 0:
                    for kind, raw in batch:
                        sizes[kind] += len(raw)
                flip = r >= 0 and r % 2 == 1
                # (a) the worker's job and the parser alone, on the same bytes
                steps_in: list[tuple[str, Callable[[], None]]] = [
                    ("inbound", partial(bench.inbound, batch, inbound, outcomes)),
                    ("parse_only", partial(bench.parse_only, batch, inbound)),
                ]
                # (b) the whole reply, and composing alone (the latest rows composed)
                steps_out: list[tuple[str, Callable[[], None]]] = [
                    ("outbound", partial(bench.outbound, replies, outbound)),
                    ("compose_only", partial(bench.compose_only, outbound)),
                ]
                if r < 0:
                    steps_out.reverse()  # the first round has nothing to compose yet
                if flip:
                    steps_in.reverse()
                    steps_out.reverse()
                for name, step in steps_in + steps_out:
                    started = time.perf_counter()
                    step()
                    wall[name] = wall.get(name, 0.0) + time.perf_counter() - started
                if r < 0:
                    for series in (*inbound.values(), *outbound.values()):
                        series.rounds.clear()
                    outcomes.clear()
                    progress(f"warmup: {size} messages, {replies} replies")
                else:
                    p = statistics.median(inbound["process"].rounds[-1])
                    q = statistics.median(inbound["parse"].rounds[-1])
                    t = statistics.median(outbound["post"].rounds[-1])
                    progress(
                        f"  round {r + 1}: process p50 {p:.2f} ms, parse p50 {q:.2f} ms; "
                        f"post reply p50 {t:.2f} ms"
                    )
        finally:
            bench.close()
    counts = Counter(kind for kind, _ in batch)
    report["setup"]["mean_bytes"] = {
        k: round(sizes[k] / (counts[k] * args.rounds)) for k in KINDS if counts[k]
    }
    a = {name: series.summary() for name, series in inbound.items()}
    a["outcomes"] = dict(sorted(outcomes.items()))
    proc, par = a["process"], a["parse"]
    a["ratio_process_to_parse"] = {
        "per_s": round(par["per_s"] / proc["per_s"], 2),
        "p50": round(proc["p50_ms"] / par["p50_ms"], 2),
        "p99": round(proc["p99_ms"] / par["p99_ms"], 2),
    }
    report["inbound"] = a
    last = outbound["send"] if args.smtp else outbound["compose"]
    whole = totals(outbound["post"], outbound["fan_out"], last)
    b = {name: series.summary() for name, series in outbound.items() if name != "send" or args.smtp}
    b["total"] = whole.summary()
    b["ratio_total_to_compose"] = {
        "per_s": round(b["compose_alone"]["per_s"] / b["total"]["per_s"], 1),
        "p50": round(b["total"]["p50_ms"] / b["compose_alone"]["p50_ms"], 1),
        "p99": round(b["total"]["p99_ms"] / b["compose_alone"]["p99_ms"], 1),
    }
    report["outbound"] = b
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    report["setup"]["wall_s"] = round(time.perf_counter() - started_at, 1)
    report["setup"]["wall_s_by_step"] = {k: round(v, 1) for k, v in wall.items()}
    return report


def print_table(report: dict[str, Any]) -> None:
    setup, a, b = report["setup"], report["inbound"], report["outbound"]
    sizes = ", ".join(f"{k} {v / 1024:.0f} KB" for k, v in setup["mean_bytes"].items())
    print(
        f"\n(a) inbound: {setup['messages']} messages a round ({setup['mix']}; mean size "
        f"{sizes}), {setup['rounds']} rounds; p50/p99 over all, msgs/s the median round"
    )
    header = f"{'':<24} {'msgs/s':>8} {'p50 ms':>8} {'p99 ms':>8} " + " ".join(
        f"{k + ' p50':>12}" for k in KINDS
    )
    print(header)
    print("-" * len(header))
    for label, s in (("process (inbound job)", a["process"]), ("parse only", a["parse"])):
        kinds = " ".join(f"{s['by_kind'][k]['p50_ms']:>12.2f}" for k in KINDS)
        print(f"{label:<24} {s['per_s']:>8.1f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {kinds}")
    ratio = a["ratio_process_to_parse"]
    print(
        f"{'process / parse':<24} {ratio['per_s']:>7.2f}x {ratio['p50']:>7.2f}x "
        f"{ratio['p99']:>7.2f}x"
    )
    arrival, follow = a["arrival"], a["follow_on"]
    print(
        f"arrival (receive) p50 {arrival['p50_ms']:.2f} ms, p99 {arrival['p99_ms']:.2f} ms; "
        f"follow-on: {follow['count'] / a['process']['count']:.1f} jobs per message, "
        f"p50 {follow['p50_ms']:.2f} ms, p99 {follow['p99_ms']:.2f} ms each"
    )
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in a["outcomes"].items()))
    print(
        f"\n(b) outbound: {setup['replies']} agent replies a round, relay: {setup['relay']}; "
        f"{setup['rounds']} rounds"
    )
    header = f"{'':<24} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}"
    print(header)
    print("-" * len(header))
    names = [("post reply", "post"), ("fan-out job", "fan_out"), ("compose", "compose")]
    if "send" in b:
        names.append(("send (mail job)", "send"))
    names += [("total per reply", "total"), ("compose alone", "compose_alone")]
    for label, key in names:
        s = b[key]
        rate = f"{s['per_s']:>8.1f}" if key in ("total", "compose_alone") else f"{'':>8}"
        print(f"{label:<24} {rate} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} {s['mean_ms']:>8.2f}")
    ratio = b["ratio_total_to_compose"]
    print(
        f"{'total / compose alone':<24} {ratio['per_s']:>7.1f}x {ratio['p50']:>7.1f}x "
        f"{ratio['p99']:>7.1f}x"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=300, help="inbound mails per round")
    parser.add_argument("--replies", type=int, default=300, help="agent replies per round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (interleaved)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed round first (size)")
    parser.add_argument("--tickets", type=int, default=100, help="tickets replies thread to")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--dir", type=Path, help="where the data directory goes (default: the temp dir)"
    )
    parser.add_argument("--smtp", action="store_true", help="send to a local aiosmtpd catcher")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--out", type=Path, help="also write the JSON report here")
    parser.add_argument("--serve-smtp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_smtp:
        serve_smtp()
        return 0
    if args.messages < 10 or args.replies < 1 or args.rounds < 1 or args.warmup < 10:
        parser.error("--messages and --warmup must be at least 10, the others at least 1")

    def progress(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    report = run(args, progress)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        progress(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
