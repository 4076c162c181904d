"""server/services/imap_source.py against a real Dovecot (tests/dovecot.py): what a poll hands
over, in which order and batches, what it never does to the mailbox, and how it fails."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from support_server.services import imap_source
from support_server.services.imap_source import Fetched, Mailbox, MailboxError, fetch_new
from tests.dovecot import Dovecot, start_dovecot

pytestmark = pytest.mark.slow


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of the test's own: an empty INBOX, UIDs from 1 (about 0.1 s to start)."""
    with start_dovecot() as server:
        yield server


@pytest.fixture(params=["search", "bisect"])
def listing(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Both ways a poll lists the new UIDs: one SEARCH (the usual), or, when a SEARCH answer
    could be too long for imaplib, bisecting the sequence numbers (forced here)."""
    if request.param == "search":
        yield "search"
        return
    calls: list[int] = []
    tail_uids = imap_source._tail_uids

    def counted(client: Any, after: int, exists: int, limit: int) -> list[int]:
        calls.append(after)
        return tail_uids(client, after, exists, limit)

    monkeypatch.setattr(imap_source, "SEARCH_AT_MOST", -(2**40))
    monkeypatch.setattr(imap_source, "_tail_uids", counted)
    yield "bisect"
    assert calls, "the poll did not bisect"


def message(n: int, body: bytes = b"") -> bytes:
    """A message with CRLF line ends (as IMAP hands them back) and 8-bit text."""
    return (
        b"From: Grace <grace@example.com>\r\nTo: help@example.com\r\n"
        b"Subject: question %d\r\nMessage-ID: <q%d@example.com>\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9fe, number %d.\r\n%s"
    ) % (n, n, n, body)


@dataclass
class Store:
    """The database side as the worker will have it: a batch and its last UID commit together."""

    last: dict[int, int] = field(default_factory=dict)  # uidvalidity -> last UID stored
    stored: list[tuple[int, Fetched]] = field(default_factory=list)
    asked: list[int] = field(default_factory=list)  # the UIDVALIDITYs last_uid was asked about
    batches: list[list[int]] = field(default_factory=list)
    fail_at_batch: int | None = None  # deliver raises instead of committing this batch (0-based)

    def last_uid(self, uidvalidity: int) -> int:
        self.asked.append(uidvalidity)
        return self.last.get(uidvalidity, 0)

    def deliver(self, uidvalidity: int, batch: list[Fetched]) -> None:
        if self.fail_at_batch == len(self.batches):
            self.fail_at_batch = None
            raise Killed("the worker died before committing")
        self.batches.append([m.uid for m in batch])
        self.stored.extend((uidvalidity, m) for m in batch)
        self.last[uidvalidity] = batch[-1].uid

    def poll(self, url: str, **kwargs: Any) -> int:
        return fetch_new(Mailbox.parse(url), self.last_uid, self.deliver, **kwargs)

    def uids(self) -> list[int]:
        return [m.uid for _, m in self.stored]


class Killed(Exception):
    pass


def poll_once(url: str, **kwargs: Any) -> int:
    return Store().poll(url, **kwargs)


def assert_clean(text: str, *secrets: str) -> None:
    """One line, none of the secrets (nor their URL-encoded forms)."""
    assert "\n" not in text and "\r" not in text
    for secret in secrets:
        assert secret not in text and quote(secret, safe="") not in text


def test_new_messages_arrive_once_in_uid_order_with_their_exact_bytes(
    dovecot: Dovecot, listing: str
) -> None:
    sent = [message(n) for n in range(1, 4)]
    for raw in sent:
        dovecot.append(raw)
    store = Store()
    assert store.poll(dovecot.url) == 3
    uidvalidity = dovecot.uidvalidity()
    assert store.asked == [uidvalidity]
    assert [(v, m.uid, m.raw, m.size) for v, m in store.stored] == [
        (uidvalidity, n, raw, len(raw)) for n, raw in enumerate(sent, 1)
    ]

    assert store.poll(dovecot.url) == 0  # nothing new: deliver is not even called
    assert store.batches == [[1, 2, 3]]

    dovecot.append(message(4))
    dovecot.append(message(5))
    assert store.poll(dovecot.url) == 2
    assert store.batches == [[1, 2, 3], [4, 5]]
    assert [m.raw for _, m in store.stored[3:]] == [message(4), message(5)]


def test_the_folder_is_only_read_never_changed(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    with dovecot.client() as client:
        client.append("INBOX", message(2), flags=[b"\\Flagged"])
    before = dovecot.flags()
    assert before == {1: (b"\\Recent",), 2: (b"\\Flagged", b"\\Recent")}
    assert poll_once(dovecot.url) == 2
    # Still unseen, nothing deleted; and still \Recent, which the first read-write SELECT would
    # have taken away: the poll EXAMINEd the folder.
    assert dovecot.flags() == before


def test_an_empty_folder_delivers_nothing(dovecot: Dovecot) -> None:
    store = Store()
    assert store.poll(dovecot.url) == 0
    assert store.asked == [dovecot.uidvalidity()]
    assert store.batches == []


def test_uid_star_quirk_last_uid_at_or_beyond_the_highest_delivers_nothing(
    dovecot: Dovecot,
    listing: str,
) -> None:
    # "UID 3:*" and "UID 101:*" both match UID 2, the last message: filtered out here.
    dovecot.append(message(1))
    dovecot.append(message(2))
    store = Store()
    store.last[dovecot.uidvalidity()] = 2
    assert store.poll(dovecot.url) == 0
    store.last[dovecot.uidvalidity()] = 100
    assert store.poll(dovecot.url) == 0
    assert store.batches == []


def test_batches_of_two_for_five_messages(dovecot: Dovecot) -> None:
    for n in range(1, 6):
        dovecot.append(message(n))
    store = Store()
    assert store.poll(dovecot.url, batch=2) == 5
    assert store.batches == [[1, 2], [3, 4], [5]]


def test_a_poll_stops_after_limit_and_the_next_one_goes_on(dovecot: Dovecot, listing: str) -> None:
    for n in range(1, 6):
        dovecot.append(message(n))
    store = Store()
    assert store.poll(dovecot.url, batch=2, limit=3) == 3
    assert store.batches == [[1, 2], [3]]
    assert store.poll(dovecot.url, batch=2, limit=3) == 2
    assert store.uids() == [1, 2, 3, 4, 5]


def test_gaps_in_the_uids_of_expunged_messages(dovecot: Dovecot, listing: str) -> None:
    for n in range(1, 7):
        dovecot.append(message(n))
    with dovecot.client() as client:  # another mail client deletes 2, 4 and 5
        client.select_folder("INBOX")
        client.delete_messages([2, 4, 5])
        client.expunge()
    store = Store()
    store.last[dovecot.uidvalidity()] = 1
    assert store.poll(dovecot.url, limit=1) == 1
    assert store.poll(dovecot.url) == 1
    assert store.uids() == [3, 6]
    assert [m.raw for _, m in store.stored] == [message(3), message(6)]


def test_a_worker_killed_mid_poll_loses_nothing_and_repeats_nothing(
    dovecot: Dovecot, listing: str
) -> None:
    for n in range(1, 6):
        dovecot.append(message(n))
    store = Store(fail_at_batch=1)  # the second batch (3, 4) is never committed
    with pytest.raises(Killed):  # deliver's own exception, not a MailboxError
        store.poll(dovecot.url, batch=2)
    assert store.uids() == [1, 2]
    assert store.poll(dovecot.url, batch=2) == 3
    assert store.uids() == [1, 2, 3, 4, 5]
    assert [m.raw for _, m in store.stored] == [message(n) for n in range(1, 6)]
    wait_until_every_session_logged_out(dovecot)  # the interrupted poll too


def test_errors_of_last_uid_propagate_unchanged(dovecot: Dovecot) -> None:
    dovecot.append(message(1))

    def last_uid(uidvalidity: int) -> int:
        raise Killed("the database is locked")

    with pytest.raises(Killed, match="locked"):
        fetch_new(Mailbox.parse(dovecot.url), last_uid, Store().deliver)
    wait_until_every_session_logged_out(dovecot)


def wait_until_every_session_logged_out(dovecot: Dovecot) -> None:
    deadline = time.monotonic() + 10
    while True:
        log = dovecot.log()
        logins, logouts = log.count("imap-login: Info: Login:"), log.count("Logged out")
        if logins == logouts or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert logins == logouts, log


def test_a_new_uidvalidity_starts_again_from_the_first_uid(dovecot: Dovecot, listing: str) -> None:
    for n in range(1, 4):
        dovecot.append(message(n))
    store = Store()
    assert store.poll(dovecot.url) == 3
    old = dovecot.uidvalidity()

    dovecot.reset_uidvalidity()  # the same messages, renumbered under a new UIDVALIDITY
    new = dovecot.uidvalidity()
    assert store.poll(dovecot.url) == 3
    assert store.asked == [old, new]
    assert [(v, m.uid) for v, m in store.stored[3:]] == [(new, 1), (new, 2), (new, 3)]
    assert store.last == {old: 3, new: 3}


def test_a_message_over_max_size_arrives_without_its_bytes(dovecot: Dovecot) -> None:
    big = message(2, b"x" * 5000 + b"\r\n")
    dovecot.append(message(1))
    dovecot.append(big)
    dovecot.append(message(3))
    store = Store()
    assert store.poll(dovecot.url, max_size=1000) == 3
    assert [(m.uid, m.raw, m.size) for _, m in store.stored] == [
        (1, message(1), len(message(1))),
        (2, None, len(big)),
        (3, message(3), len(message(3))),
    ]
    assert store.last == {dovecot.uidvalidity(): 3}  # the poll moved past it


def test_a_batch_holds_at_most_max_size_bytes_of_bodies(dovecot: Dovecot) -> None:
    (size,) = {len(message(n, b"y" * 300)) for n in range(1, 5)}
    for n in range(1, 5):
        dovecot.append(message(n, b"y" * 300))
    store = Store()
    # Two of these fit in max_size, three do not: batches of two although batch=20.
    assert store.poll(dovecot.url, max_size=2 * size + 10) == 4
    assert store.batches == [[1, 2], [3, 4]]


def test_imaps_and_starttls_with_the_servers_certificate(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    for url in (dovecot.imaps_url, dovecot.starttls_url):
        store = Store()
        assert store.poll(url, ssl_context=dovecot.ssl_context()) == 1
        assert store.stored[0][1].raw == message(1)


def test_a_certificate_nobody_vouches_for_is_refused(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    for url in (dovecot.imaps_url, dovecot.starttls_url):
        store = Store()
        with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
            store.poll(url)  # the default context: the system's CAs
        assert store.asked == []  # refused before the login: the password never went out


def test_the_server_down_then_back(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    dovecot.stop()
    store = Store()
    with pytest.raises(MailboxError) as caught:
        store.poll(dovecot.url)
    text = str(caught.value)
    assert "connecting failed: ConnectionRefusedError" in text
    assert_clean(text, dovecot.password)
    assert text.startswith(Mailbox.parse(dovecot.url).describe())

    dovecot.start()
    assert store.poll(dovecot.url) == 1


def test_a_wrong_password_is_a_mailbox_error_without_the_password(dovecot: Dovecot) -> None:
    dovecot.append(message(1))
    wrong = "not-the-pass word/42"
    url = f"imap://{quote(dovecot.user)}:{quote(wrong, safe='')}@127.0.0.1:{dovecot.port}/INBOX"
    assert Mailbox.parse(url).password == wrong
    store = Store()
    with pytest.raises(MailboxError) as caught:
        store.poll(url)
    text = str(caught.value)
    assert "login failed" in text and "AUTHENTICATIONFAILED" in text, text
    assert_clean(text, wrong, dovecot.password)
    assert store.asked == []


def test_a_missing_folder_is_a_mailbox_error(dovecot: Dovecot) -> None:
    with pytest.raises(MailboxError, match="opening Nowhere failed"):
        poll_once(dovecot.url.replace("/INBOX", "/Nowhere"))


def test_another_folder_than_inbox(dovecot: Dovecot) -> None:
    with dovecot.client() as client:
        client.create_folder("Support Inbound")
    dovecot.append(message(7), folder="Support Inbound")
    dovecot.append(message(1))
    store = Store()
    assert store.poll(dovecot.url.replace("/INBOX", "/Support%20Inbound")) == 1
    assert store.stored[0][1].raw == message(7)


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (the backlog) and says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(MailboxError, match="connecting failed: TimeoutError") as caught:
            poll_once(f"imap://ada:hunter2@127.0.0.1:{port}/INBOX", timeout=0.5)
        assert time.monotonic() - started < 5
        assert_clean(str(caught.value), "hunter2")


@pytest.mark.parametrize(("then", "error"), [("hang up", "abort:"), ("go silent", "TimeoutError")])
def test_a_server_that_fails_mid_poll(then: str, error: str) -> None:
    """Logged in, then the connection drops or the server stops answering: a MailboxError
    (not imaplib's own exceptions), within one timeout (no LOGOUT waited for after it)."""
    done = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        port = listener.getsockname()[1]

        def serve() -> None:
            conn, _ = listener.accept()
            with conn, conn.makefile("rb") as lines:
                conn.sendall(b"* OK ready\r\n")
                for line in lines:
                    tag, command = line.split()[:2]
                    if command.upper() == b"CAPABILITY":
                        conn.sendall(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n%s OK done\r\n" % tag)
                    elif command.upper() == b"LOGIN":
                        conn.sendall(b"%s OK logged in\r\n" % tag)
                    else:  # at EXAMINE
                        if then == "go silent":
                            done.wait(10)
                        return

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        started = time.monotonic()
        with pytest.raises(MailboxError, match=f"opening INBOX failed: {error}") as caught:
            poll_once(f"imap://ada:hunter2@127.0.0.1:{port}/INBOX", timeout=1)
        assert time.monotonic() - started < 1.8
        done.set()
        thread.join(5)
        assert_clean(str(caught.value), "hunter2")


# -- Mailbox.parse: no server ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "imaps://ada:pw@Mail.Example.com:993/INBOX",
            Mailbox("mail.example.com", 993, True, False, "ada", "pw", "INBOX"),
        ),
        (
            "imaps://ada:pw@mail.example.com",
            Mailbox("mail.example.com", 993, True, False, "ada", "pw", "INBOX"),
        ),
        (
            "imap://ada%40example.com:p%40ss%3Aw%2Frd@mail.example.com:143/inbox?starttls=1",
            Mailbox("mail.example.com", 143, False, True, "ada@example.com", "p@ss:w/rd", "INBOX"),
        ),
        (
            "imap://ada:pw@mail.example.com/",
            Mailbox("mail.example.com", 143, False, False, "ada", "pw", "INBOX"),
        ),
        (
            "imap://ada:pw@127.0.0.1:10143/INBOX.Support%20Desk",
            Mailbox("127.0.0.1", 10143, False, False, "ada", "pw", "INBOX.Support Desk"),
        ),
        (
            " imap://ada:@[::1]:10143/Support/Inbound?starttls=0 ",
            Mailbox("::1", 10143, False, False, "ada", "", "Support/Inbound"),
        ),
    ],
)
def test_parse_good_urls(url: str, expected: Mailbox) -> None:
    assert Mailbox.parse(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("pop3://ada:pw@mail.example.com", "must be imaps://"),
        ("https://ada:pw@mail.example.com", "must be imaps://"),
        ("mail.example.com", "must be imaps://"),
        ("", "must be imaps://"),
        ("imaps://ada:pw@:993/INBOX", "no host"),
        ("imaps:///INBOX", "no host"),
        ("imaps://mail.example.com/INBOX", "no user"),
        ("imaps://:pw@mail.example.com/INBOX", "no user"),
        ("imaps://ada@mail.example.com/INBOX", "no password"),
        ("imaps://ada:pw@mail.example.com:99999/INBOX", "port"),
        ("imaps://ada:pw@mail.example.com:0/INBOX", "port"),
        ("imaps://ada:pw@mail.example.com:imap/INBOX", "port"),
        ("imaps://ada:pw@mail.example.com/INBOX?starttls=1", "imaps:// is TLS"),
        ("imap://ada:pw@mail.example.com/INBOX?starttls=maybe", "starttls must be"),
        ("imap://ada:pw@mail.example.com/INBOX?startls=1", "starttls only, not startls"),
    ],
)
def test_parse_bad_urls(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as caught:
        Mailbox.parse(url)
    assert "pw" not in str(caught.value)
    assert "\n" not in str(caught.value)


def test_key_and_describe_are_stable_and_hold_no_password() -> None:
    a = Mailbox.parse("imaps://ada:first@MAIL.example.com:993/INBOX")
    b = Mailbox.parse("imaps://ada:second@mail.example.com/inbox")
    assert a.key() == b.key() == "imaps://ada@mail.example.com:993/INBOX"
    assert a.describe() == "imaps://ada@mail.example.com:993/INBOX"
    c = Mailbox.parse("imap://ada%40example.com:pw@[::1]:143/Support%20Desk?starttls=1")
    assert c.key() == "imap://ada%40example.com@[::1]:143/Support%20Desk"
    assert c.describe() == c.key() + "?starttls=1"
    assert Mailbox.parse(c.describe().replace("@[", ":pw@[")) == c  # the key parses back
    assert "first" not in repr(a) and "pw" not in repr(c)
