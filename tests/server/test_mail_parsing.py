"""Inbound mail parsing (server/services/mail_parsing.py): behaviour through ``parse()``.

The fixtures in tests/fixtures/mail are real-shaped mails (Gmail, Outlook, Apple Mail, a
Postfix bounce, an Exchange out-of-office...). Some are stored with CRLF line endings and
some with LF; every one is also parsed in the other ending and must give the same result.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import re
import time
import zipfile
from dataclasses import fields
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from support_server.services.mail_parsing import (
    MAX_ATTACHMENT,
    MAX_TOTAL,
    REPLY_ABOVE,
    Attachment,
    Bounce,
    MalformedMail,
    ParsedMail,
    html_to_text,
    parse,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
NAMES = sorted(p.name for p in FIXTURES.glob("*.eml"))
QUOTED = [
    "gmail_reply.eml",
    "outlook_reply.eml",
    "apple_mail_reply.eml",
    "french_reply.eml",
    "german_reply.eml",
]


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@functools.cache
def mail(name: str) -> ParsedMail:
    return parse(raw(name))


def html_part(name: str) -> str:
    """The HTML part of a fixture as the standard library decodes it."""
    body = BytesParser(policy=policy.default).parsebytes(raw(name)).get_body(("html",))
    assert body is not None
    content = body.get_content()
    assert isinstance(content, str)
    return content


def lf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n")


def crlf(data: bytes) -> bytes:
    return lf(data).replace(b"\n", b"\r\n")


def with_headers(data: bytes, *lines: str, drop: tuple[str, ...] = ()) -> bytes:
    """``data`` with header lines put first and the headers named in ``drop`` removed."""
    text = lf(data)
    head, _, body = text.partition(b"\n\n")
    kept = [
        line
        for line in head.split(b"\n")
        if not any(line.lower().startswith(n.lower().encode() + b":") for n in drop)
    ]
    return b"\n".join([*(line.encode() for line in lines), *kept]) + b"\n\n" + body


def simple(body: str, headers: str = "", ctype: str = "text/plain; charset=utf-8") -> bytes:
    return (
        "From: Pat <pat@example.com>\nTo: support@support.example.com\nSubject: s\n"
        f"MIME-Version: 1.0\n{headers}Content-Type: {ctype}\n\n{body}"
    ).encode()


def multipart(*parts: str, boundary: str = "b0undary") -> bytes:
    body = "".join(f"--{boundary}\n{part}\n" for part in parts) + f"--{boundary}--\n"
    return simple(body, ctype=f'multipart/mixed; boundary="{boundary}"')


def attachment_part(filename: str, data: bytes, ctype: str = "application/octet-stream") -> str:
    encoded = base64.encodebytes(data).decode("ascii")
    return (
        f'Content-Type: {ctype}; name="{filename}"\n'
        f'Content-Disposition: attachment; filename="{filename}"\n'
        f"Content-Transfer-Encoding: base64\n\n{encoded}"
    )


# -- every fixture ---------------------------------------------------------------------------
def test_the_fixtures_come_in_both_line_endings() -> None:
    endings = {name: b"\r\n" in raw(name) for name in NAMES}
    assert {"gmail_reply.eml", "outlook_reply.eml", "bounce_dsn.eml"} <= {
        n for n, has_crlf in endings.items() if has_crlf
    }
    assert {"apple_mail_reply.eml", "french_reply.eml"} <= {
        n for n, has_crlf in endings.items() if not has_crlf
    }
    assert len(NAMES) >= 13


@pytest.mark.parametrize("name", NAMES)
def test_crlf_and_lf_give_the_same_mail(name: str) -> None:
    assert parse(crlf(raw(name))) == parse(lf(raw(name))) == mail(name)


@pytest.mark.parametrize("name", NAMES)
def test_every_field_has_its_declared_type(name: str) -> None:
    parsed = mail(name)
    for field in fields(ParsedMail):
        value = getattr(parsed, field.name)
        if field.name in {"to", "cc", "delivered_to", "reply_to", "in_reply_to", "references"}:
            assert isinstance(value, list) and all(isinstance(v, str) and v for v in value)
        elif field.name == "attachments":
            assert all(isinstance(a, Attachment) for a in value)
        elif field.name == "problems":
            assert all(isinstance(p, str) and "\n" not in p for p in value)
        elif field.name in {"message_id", "auto_reply"}:
            assert value is None or isinstance(value, str)
        elif field.name == "bounce":
            assert value is None or isinstance(value, Bounce)
        else:
            assert isinstance(value, str)
    assert "\r" not in parsed.text and "\n" not in parsed.subject
    for ids in (parsed.in_reply_to, parsed.references, [parsed.message_id or "x"]):
        assert not any("<" in i or ">" in i for i in ids)


# -- the three reply layouts -----------------------------------------------------------------
def test_gmail_reply() -> None:
    parsed = mail("gmail_reply.eml")
    assert parsed.from_address == "alice.customer@example.org"
    assert parsed.from_name == "Alice Customer"
    assert parsed.to == ["support+tkt_ABC123.sig@reply.example.com"]  # the token keeps its case
    assert parsed.delivered_to == ["support+tkt_ABC123.sig@reply.example.com"]
    assert parsed.subject == "Re: [#ABC123] Export to CSV fails"
    assert parsed.message_id == "CAF=mK1+qv5Q0x8ZPp3rj7gXw2Lk@mail.gmail.com"
    assert parsed.in_reply_to == ["mail_8R3LY0@support.example.com"]
    assert parsed.references == [
        "mail_7Q2KX9@support.example.com",
        "mail_8R3LY0@support.example.com",
    ]
    assert parsed.reply == (
        "Hi,\n\nThanks \u2014 the export works now. One more question: can I schedule it weekly?"
        "\n\nAlice"
    )
    assert "Bob (Support) replied:" in parsed.text and REPLY_ABOVE in parsed.text
    assert parsed.auto_reply is None and parsed.bounce is None
    assert parsed.attachments == [] and parsed.problems == []


def test_gmail_html_keeps_the_text_and_drops_the_tracking_image() -> None:
    parsed = mail("gmail_reply.eml")
    assert '<img src="https://support.example.com/o/mail_8R3LY0.gif"' in html_part(
        "gmail_reply.eml"
    )
    assert "<img" not in parsed.html and "mail_8R3LY0.gif" not in parsed.html
    assert "the export works now" in parsed.html
    assert "class=" not in parsed.html and "style=" not in parsed.html
    assert 'rel="noopener noreferrer nofollow"' in parsed.html


def test_outlook_reply_in_windows_1252_quoted_printable() -> None:
    parsed = mail("outlook_reply.eml")
    assert b"=92" in raw("outlook_reply.eml")  # the right single quote, as cp1252 QP
    assert parsed.from_address == "chloe.martin@example.org"
    assert parsed.from_name == "Chlo\u00e9 Martin"
    assert parsed.cc == ["accounts@example.org"]
    assert parsed.in_reply_to == ["mail_4TQ9ZZ@support.example.com"]
    assert parsed.message_id is not None and parsed.message_id.endswith("prod.outlook.com")
    assert parsed.reply == (
        "Hello,\n\nThe invoice you sent shows the wrong VAT number \u2013 it should be "
        "DE123456789. Could you re-issue it? We\u2019re closing the books on Friday."
    )
    for quoted in ("From: Support", "Sent: Wednesday", "____", "Dana (Support)", "Kind regards"):
        assert quoted in parsed.text
        assert quoted not in parsed.reply
    assert "MsoNormal" not in parsed.html and "<style" not in parsed.html
    assert "mso" not in parsed.html.lower() and "<o:p" not in parsed.html
    assert parsed.problems == []


def test_apple_mail_reply_with_an_inline_image_and_remote_images() -> None:
    parsed = mail("apple_mail_reply.eml")
    source = html_part("apple_mail_reply.eml")
    assert '<img src="https://tracker.example/p.gif"' in source and "cdn.example.org" in source
    assert parsed.from_address == "dan@example.org"
    assert parsed.in_reply_to == ["mail_QRS456A@support.example.com"]
    assert parsed.reply == (
        "Here\u2019s a screenshot of the error after I click \u201cExport\u201d.\n\n"
        "It happens on both Safari and Chrome."
    )
    assert "Sent from my iPhone" in parsed.text and "Sent from my iPhone" not in parsed.reply
    [image] = parsed.attachments
    assert image.filename == "IMG_0042.png"
    assert image.declared_type == image.content_type == "image/png"
    assert image.inline is True
    assert image.content_id == "F3A1B2C4-5D6E-4F70-8192-A3B4C5D6E7F8"
    assert image.data.startswith(b"\x89PNG\r\n\x1a\n") and image.note == ""
    # the attached image stays, every remote one goes; the text around them stays
    assert '<img src="cid:F3A1B2C4-5D6E-4F70-8192-A3B4C5D6E7F8"' in parsed.html
    assert "tracker.example" not in parsed.html and "cdn.example.org" not in parsed.html
    assert parsed.html.count("<img") == 1
    assert "It happens on both Safari and Chrome.[Example badge]" in parsed.html


@pytest.mark.parametrize("name", ["gmail_reply.eml", "outlook_reply.eml", "apple_mail_reply.eml"])
def test_the_reply_of_an_html_only_mail_is_the_same(name: str) -> None:
    """Without the text/plain part the text comes from the HTML, and the quote still goes."""
    html_only = simple(html_part(name), ctype="text/html; charset=utf-8")
    parsed = parse(html_only)
    expected = mail(name).reply
    if name == "apple_mail_reply.eml":  # the HTML shows where the images were
        expected = expected.replace("\n\nIt", "\n\n[image: IMG_0042.png]\n\nIt") + (
            "[image: Example badge]"
        )
    assert parsed.reply == expected
    assert parsed.text != parsed.reply


# -- other fixtures --------------------------------------------------------------------------
def test_a_new_mail_with_a_pdf() -> None:
    parsed = mail("gmail_new_with_pdf.eml")
    assert parsed.from_address == "eve.buyer@example.com"
    assert parsed.in_reply_to == [] and parsed.references == []
    assert parsed.subject == "Charged twice for invoice 48213"
    assert parsed.reply == (
        "Hello,\n\nOur invoice for December (attached) was charged twice on our card. "
        "Can you refund one of the two payments?\n\nOrder number: 48213"
    )
    [pdf] = parsed.attachments
    assert pdf.filename == "Facture_d\u00e9cembre.pdf"  # RFC 2047 inside the quoted name
    assert pdf.declared_type == pdf.content_type == "application/pdf"
    assert pdf.data.startswith(b"%PDF-1.4") and pdf.data.rstrip().endswith(b"%%EOF")
    assert pdf.inline is False  # Gmail gives attachments a Content-ID too
    assert pdf.content_id == "f_mj2k9x3a0" and pdf.note == ""
    assert parsed.auto_reply is None and parsed.problems == []


def test_a_delivery_status_notification() -> None:
    parsed = mail("bounce_dsn.eml")
    assert parsed.bounce == Bounce(
        recipients=["nobody@example.org"],
        original_message_id="mail_abc123@support.example.com",
        diagnostic=(
            "550 5.1.1 <nobody@example.org>: Recipient address rejected: "
            "User unknown in virtual mailbox table"
        ),
        permanent=True,
    )
    assert parsed.from_address == "mailer-daemon@mx.support.example.com"
    assert parsed.auto_reply == "Auto-Submitted: auto-replied"
    assert parsed.attachments == []  # the report's parts are read, not kept
    assert parsed.text.startswith("This is the mail system at host mx.support.example.com.")


def test_a_delayed_notification_is_not_permanent() -> None:
    delayed = (
        lf(raw("bounce_dsn.eml"))
        .replace(b"Action: failed", b"Action: delayed")
        .replace(b"Status: 5.1.1", b"Status: 4.4.1")
        .replace(b"Diagnostic-Code: smtp; 550 5.1.1", b"Diagnostic-Code: smtp; 451 4.4.1")
    )
    bounce = parse(delayed).bounce
    assert bounce is not None and bounce.permanent is False
    assert bounce.recipients == ["nobody@example.org"]
    assert bounce.diagnostic.startswith("451 4.4.1")


def test_free_text_bounces_from_mailer_daemon() -> None:
    qmail = (
        b"Return-Path: <>\nFrom: MAILER-DAEMON@mail.example.net\n"
        b"To: bounces@support.example.com\nSubject: failure notice\n\n"
        b"Hi. This is the qmail-send program at mail.example.net.\n"
        b"I'm afraid I wasn't able to deliver your message to the following addresses.\n"
        b"This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
        b"<Gone.Away@example.net>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
        b"--- Below this line is a copy of the message.\n\n"
        b"Message-ID: <mail_q9w8e7@support.example.com>\nTo: gone.away@example.net\n"
    )
    assert parse(qmail).bounce == Bounce(
        recipients=["gone.away@example.net"],
        original_message_id="mail_q9w8e7@support.example.com",
        diagnostic="Sorry, no mailbox here by that name. (#5.1.1)",
        permanent=True,
    )
    exim = simple(
        "This is a temporary error. Delivery will be retried.\n\n"
        "  someone@example.com\n    451 4.4.1 host unreachable\n",
        headers="X-Failed-Recipients: Someone@example.com\n",
    )
    bounce = parse(exim).bounce
    assert bounce is not None
    assert bounce.recipients == ["someone@example.com"]
    assert bounce.diagnostic == "451 4.4.1 host unreachable" and bounce.permanent is False
    assert parse(simple("Just a question.")).bounce is None


def test_out_of_office() -> None:
    parsed = mail("out_of_office.eml")
    assert parsed.auto_reply == "Auto-Submitted: auto-replied"
    assert parsed.in_reply_to == ["mail_8R3LY0@support.example.com"]
    assert parsed.bounce is None
    assert parsed.text.startswith("I am out of the office until Monday 7 December")


def test_mailing_list() -> None:
    source = raw("mailing_list.eml")
    assert parse(source).auto_reply == "Precedence: list"
    list_id_only = parse(with_headers(source, drop=("Precedence",))).auto_reply
    assert (
        list_id_only == "List-Id: Example announcements <announce.lists.example.org> (mailing list)"
    )
    # List-Unsubscribe alone is not enough: people's mail sent through CRMs carries it too
    assert parse(with_headers(source, drop=("Precedence", "List-Id"))).auto_reply is None
    assert "- faster exports\n- a new dark theme" in mail("mailing_list.eml").reply


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("Auto-Submitted: no", None),
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated"),
        ("Auto-Submitted: auto-notified; owner-email=x@example.org", "Auto-Submitted: auto-not"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: first-class", None),
        ("X-Autoreply: yes", "X-Autoreply: yes"),
        ("X-Autorespond: Out of office", "X-Autorespond: Out of office"),
        ("X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: All"),
        ("X-Auto-Response-Suppress: DR, OOF, AutoReply", "X-Auto-Response-Suppress: DR, OOF"),
        ("X-Auto-Response-Suppress: DR, RN, NRN", None),
        ("List-Id: <help.lists.example.org>", "List-Id: <help.lists.example.org>"),
        ("List-Unsubscribe: <https://example.org/u>", None),
        ("Return-Path: <>", "null Return-Path <>"),
    ],
)
def test_automatic_mail_headers(header: str, reason: str | None) -> None:
    result = parse(with_headers(raw("gmail_new_with_pdf.eml"), header)).auto_reply
    if reason is None:
        assert result is None
    else:
        assert result is not None and result.startswith(reason)


def test_mail_from_the_mail_system_is_never_answered() -> None:
    reason = parse(simple("x").replace(b"pat@example.com", b"postmaster@example.com")).auto_reply
    assert reason == "sent by postmaster@example.com (mail system)"


def test_broken_mime_is_read_as_text() -> None:
    parsed = mail("broken_mime.eml")
    assert "Which driver do I need for the LX-200 printer?" in parsed.text
    assert parsed.from_address == "henry@example.com"
    assert any("boundary never appears" in p for p in parsed.problems)


def test_unknown_charset() -> None:
    parsed = mail("unknown_charset.eml")
    assert "unknown charset x-unknown: decoded as UTF-8 with replacements" in parsed.problems
    assert any("x-unknown in the Subject header" in p for p in parsed.problems)
    assert parsed.text == (
        "Gr\u00fc\u00dfe aus M\u00fcnchen! My order 7731 never arrived (caf\ufffd beans)."
    )
    assert parsed.subject == "Caf\ufffd order"


def test_a_zip_named_png_is_kept_as_stored_bytes_with_a_note() -> None:
    [attachment] = mail("zip_named_png.eml").attachments
    assert attachment.filename == "screenshot.png"
    assert attachment.declared_type == "image/png"
    assert attachment.content_type == "application/zip"
    assert attachment.note == "named .png but its bytes are a zip archive"
    # a 1 MiB file inside, stored compressed: the bytes are the archive, nothing was inflated
    [entry] = zipfile.ZipFile(io.BytesIO(attachment.data)).infolist()
    assert entry.file_size == 1024 * 1024 and len(attachment.data) < 10_000


def test_no_from() -> None:
    parsed = mail("no_from.eml")
    assert (parsed.from_address, parsed.from_name) == ("", "")
    assert parsed.problems == ["the mail has no usable From address"]
    assert parsed.reply == "Is anybody reading this mailbox?"


def test_french_reply() -> None:
    parsed = mail("french_reply.eml")
    assert parsed.subject == "Re: [#FRA321] Probl\u00e8me de connexion"
    assert (
        parsed.reply == "Bonjour,\n\nMerci, la connexion fonctionne \u00e0 nouveau depuis ce matin."
    )
    assert "a \u00e9crit :" in parsed.text and "Cordialement," in parsed.text
    assert parsed.references == [
        "mail_FRA321A@support.example.com",
        "mail_FRA321B@support.example.com",
    ]


def test_german_reply_in_format_flowed() -> None:
    parsed = mail("german_reply.eml")
    assert b"\xc3\xb6ffnen \r\nkonnte" in raw("german_reply.eml")  # a soft line break
    assert parsed.reply == (
        "Hallo,\n\nder Link zum Zur\u00fccksetzen ist abgelaufen, bevor ich ihn \u00f6ffnen "
        "konnte. K\u00f6nnen Sie mir einen neuen schicken?"
    )
    assert "Von meinem iPhone gesendet" in parsed.text
    assert "Am 02.12.2026 um 10:01 schrieb Support:" in parsed.text


# -- the reply, more layouts -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "reply"),
    [
        (
            "Fixed, thanks!\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n"
            "Subject: x\n\nold",
            "Fixed, thanks!",
        ),
        (
            "Here you go.\n\nOn Mon, 1 Dec 2026 at 09:00, Support <support@example.com> "
            "wrote:\n> old text",
            "Here you go.",
        ),
        (
            "Danke!\n\nAm Mi., 2. Dez. 2026 um 10:01 Uhr schrieb Support <s@example.com>:\n> alt",
            "Danke!",
        ),
        (
            "Got it.\n\nGet Outlook for iOS<https://aka.ms/o0ukef>\n"
            "________________________________\nFrom: Support <support@example.com>\n"
            "Sent: Wednesday, December 2, 2026 10:01:00 AM\nTo: Bob <bob@example.com>\n"
            "Subject: Re: x\n\nold",
            "Got it.",
        ),
        (
            "Sounds good.\n\nBest,\nDana Smith\nHead of Ops | Example Corp\n+1 555 0100",
            "Sounds good.",
        ),
        # what only looks like a closing stays: it is more of the reply
        (
            "Hi,\n\nThanks, but the export still fails when I choose\na longer range.\n\nAlice",
            "Hi,\n\nThanks, but the export still fails when I choose\na longer range.\n\nAlice",
        ),
        (
            "It works.\n\nThanks,\nAlice\n\nP.S. the CSV misses a column",
            "It works.\n\nThanks,\nAlice\n\nP.S. the CSV misses a column",
        ),
        ("Steps:\n- open Reports\n- click Export", "Steps:\n- open Reports\n- click Export"),
        # nothing above the quote: the whole text
        ("> quoted only\n> nothing new", "> quoted only\n> nothing new"),
        ("  indented\n    code\nend", "  indented\n    code\nend"),
    ],
)
def test_reply_layouts(text: str, reply: str) -> None:
    assert parse(simple(text)).reply == reply


def test_reply_above_is_the_first_cut() -> None:
    text = f"New text.\n\n{REPLY_ABOVE}\n\nOur previous message.\n"
    assert parse(simple(text)).reply == "New text."
    quoted = f"New text.\n\n> {REPLY_ABOVE.upper().replace(' ', '  ')}\n> Ours."
    assert parse(simple(quoted)).reply == "New text."
    # a customer who answers below our marker: nothing above it, so the whole text
    below = f"{REPLY_ABOVE}\nMy answer."
    assert parse(simple(below)).reply == below


# -- attachments -----------------------------------------------------------------------------
def test_a_25_mb_attachment_is_not_kept() -> None:
    big = random.Random(25).randbytes(25 * 1024 * 1024 + 100 * 1024)
    data = multipart(
        "Content-Type: text/plain\n\nTwo files.",
        attachment_part("small.txt", b"small\n", "text/plain"),
        attachment_part("big.bin", big),
    )
    parsed = parse(data)
    assert [a.filename for a in parsed.attachments] == ["small.txt"]
    assert "attachment big.bin (25.1 MB) not kept: over the 10 MB limit" in parsed.problems
    assert parsed.text == "Two files."
    assert MAX_ATTACHMENT == 10 * 1024 * 1024 and MAX_TOTAL == 25 * 1024 * 1024


def test_attachments_stop_at_the_total_limit() -> None:
    blob = b"%PDF-1.4\n" + b"0" * 4000
    data = multipart(*(attachment_part(f"part{i}.pdf", blob) for i in range(3)))
    parsed = parse(data, max_attachment=5000, max_total=9000)
    assert [a.filename for a in parsed.attachments] == ["part0.pdf", "part1.pdf"]
    assert parsed.problems == [
        "attachment part2.pdf (3.9 KB) not kept: the attachments together would be over "
        "the 8.8 KB limit"
    ]
    assert [a.filename for a in parse(data).attachments] == ["part0.pdf", "part1.pdf", "part2.pdf"]


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(20), "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg"),
        (b"GIF89a" + bytes(20), "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(20), "image/webp"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "application/gzip"),
        (b"PK\x05\x06" + bytes(18), "application/zip"),
        (b"plain words, a CSV line; 1,2,3\n", "text/plain"),
        ("caf\u00e9 cr\u00e8me\n".encode(), "text/plain"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "text/html"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "image/svg+xml"),
        (b"\x00\x01\x02\x03\xfe\xfd" * 10, "application/octet-stream"),
        (b"", "application/octet-stream"),
    ],
)
def test_types_are_sniffed_from_the_bytes(data: bytes, content_type: str) -> None:
    [attachment] = parse(multipart(attachment_part("file.bin", data))).attachments
    assert attachment.content_type == content_type
    assert attachment.declared_type == "application/octet-stream" and attachment.note == ""


def test_office_files_are_zips_of_a_kind() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    parsed = parse(
        multipart(
            attachment_part("report.docx", buffer.getvalue()),
            attachment_part("notes.odt", odt.getvalue()),
            attachment_part("invoice.pdf", buffer.getvalue(), "application/pdf"),
        )
    )
    docx, notes, fake_pdf = parsed.attachments
    assert docx.content_type.endswith("wordprocessingml.document") and docx.note == ""
    assert notes.content_type == "application/vnd.oasis.opendocument.text" and notes.note == ""
    assert fake_pdf.note.startswith("named .pdf but its bytes are")


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\\\Users\\\\me\\\\evil.exe", "evil.exe"),  # backslashes quoted, as RFC 2045 wants
        ("invoice\u202egpj.exe", "invoicegpj.exe"),  # a right-to-left override, gone
        ("a\tb\x07c.txt", "abc.txt"),
        ("  ..  ", "attachment"),
        ("=?utf-8?b?w6lsw6k=?=.txt", "\u00e9l\u00e9.txt"),
        ("x" * 300 + ".pdf", "x" * 196 + ".pdf"),
    ],
)
def test_attachment_names_are_safe_to_show(sent: str, shown: str) -> None:
    [attachment] = parse(multipart(attachment_part(sent, b"%PDF-1.4\n"))).attachments
    assert attachment.filename == shown and len(attachment.filename) <= 200


def test_an_attachment_without_a_name() -> None:
    part = "Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n"
    [attachment] = parse(multipart("Content-Type: text/plain\n\nhi", part)).attachments
    assert attachment.filename == "attachment" and attachment.content_type == "application/pdf"


def test_a_forwarded_mail_is_an_attachment() -> None:
    forwarded = (
        "Content-Type: message/rfc822\nContent-Disposition: attachment\n\n"
        "From: vendor@example.org\nTo: pat@example.com\nSubject: Your invoice\n"
        "Message-ID: <v1@example.org>\n\nInvoice attached.\n"
    )
    parsed = parse(multipart("Content-Type: text/plain\n\nSee below.", forwarded))
    [attachment] = parsed.attachments
    assert attachment.declared_type == "message/rfc822"
    assert b"Subject: Your invoice" in attachment.data and b"Invoice attached." in attachment.data
    assert parsed.text == "See below." and parsed.bounce is None


def test_broken_base64_is_decoded_as_far_as_it_goes() -> None:
    encoded = base64.b64encode(b"%PDF-1.4\n" + b"x" * 100).decode()[:-3]
    part = (
        "Content-Type: application/pdf; name=a.pdf\n"
        f"Content-Transfer-Encoding: base64\n\n{encoded}\n"
    )
    parsed = parse(multipart(part))
    [attachment] = parsed.attachments
    assert (
        attachment.data.startswith(b"%PDF-1.4\n") and attachment.content_type == "application/pdf"
    )
    assert any("broken base64" in p for p in parsed.problems)


# -- HTML ------------------------------------------------------------------------------------
HOSTILE = """<html><head><link rel=stylesheet href="https://tracker.example/a.css">
<style>body{background:url(https://tracker.example/b.png)}</style><script>alert(1)</script>
<title>Hidden title</title></head><body background="https://tracker.example/c.png" onload="x()">
<p style="background-image:url('https://tracker.example/d.png')">Hello <b onclick="x()">there</b>
</p>
<img src="https://tracker.example/e.png" alt="logo"><img src="//tracker.example/f.png">
<img src="tracker.gif"><img srcset="https://tracker.example/g.png 2x" src="cid:ok@x">
<img src="data:image/png;base64,AAAA"><picture><source srcset="https://tracker.example/h.png">
<img src="https://tracker.example/i.png" alt=""></picture><video poster="https://tracker.example/j.png">
</video><iframe src="https://tracker.example/k"></iframe><a href="javascript:alert(3)">js</a>
<table background="https://tracker.example/l.png"><tr><td background="https://tracker.example/m">
cell</td></tr></table><input type="image" src="https://tracker.example/n.png">
<svg><image href="https://tracker.example/p.png"/></svg>
<img alt='a"b<c>' src="https://tracker.example/q">
<meta http-equiv="refresh" content="0;url=https://tracker.example/s">
<div id="main" class="x">end</div>
</body></html>"""


def test_html_is_sanitised_and_loads_nothing_remote() -> None:
    html = parse(simple(HOSTILE, ctype="text/html; charset=utf-8")).html
    assert HOSTILE.count("tracker.example") == 17
    assert "tracker" not in html
    for gone in (
        "<script",
        "alert",
        "onload",
        "onclick",
        "style",
        "<iframe",
        "<svg",
        "id=",
        "class=",
    ):
        assert gone not in html
    assert "Hidden title" not in html
    assert '<img src="cid:ok@x">' in html and html.count("<img") == 1
    assert "[logo]" in html and "[a&quot;b&lt;c&gt;]" in html  # alt text, escaped
    assert "<p>Hello <b>there</b>\n</p>" in html and "end" in html


def test_html_to_text() -> None:
    text = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Title</h1><p>First &amp; <b>bold</b>.</p><p>Second<br>line</p>"
        "<ul><li>one</li><li>two</li></ul><ol><li>a</li><li>b</li></ol>"
        "<blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote>"
        "<table><tr><td>1</td><td>2</td></tr></table>"
        "<p><a href='https://example.org/x'>the page</a> and https://example.org/y "
        "<a href='https://example.org/y'>https://example.org/y</a></p>"
        "<script>alert(1)</script><div>a<div>b</div></div><pre>  keep\n    this</pre></body></html>"
    )
    assert text == (
        "Title\n\nFirst & bold.\n\nSecond\nline\n\n- one\n- two\n\n1. a\n2. b\n\n"
        "> quoted\n>\n> > deeper\n\n1 · 2\n\n"
        "the page <https://example.org/x> and https://example.org/y https://example.org/y\n\n"
        "a\nb\n\n  keep\n    this"
    )


def test_html_only_mail_gets_its_text_from_the_html() -> None:
    parsed = parse(simple("<p>Only <i>HTML</i> here</p><p>Second</p>", ctype="text/html"))
    assert parsed.text == "Only HTML here\n\nSecond" and parsed.reply == parsed.text


# -- never anything but MalformedMail ----------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b" \r\n\t",
        b"\x89PNG\r\n\x1a\n" + bytes(40),
        b'{"a": 1}\n',
        b"hello world\n",
        b"X-Foo: 1\n\nx",
    ],
)
def test_what_is_not_mail_is_malformed(data: bytes) -> None:
    with pytest.raises(MalformedMail):
        parse(data)


def test_bytes_only_and_an_mbox_line_is_fine() -> None:
    with pytest.raises(MalformedMail):
        parse("From: a@example.com\n\nx")  # type: ignore[arg-type]
    assert parse(memoryview(b"From: a@example.com\n\nx")).from_address == "a@example.com"
    mbox = b"From pat@example.com Wed Dec  2 10:00:00 2026\nFrom: pat@example.com\nSubject: s\n\nx"
    assert parse(mbox).subject == "s"


def mangled(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0:
        del out[rng.randrange(len(out) + 1) :]
    elif kind == 1:
        for _ in range(rng.randrange(1, 40)):
            out[rng.randrange(len(out))] = rng.choice(b'<>:;="\\\r\n \t?@()[],-\x00\xff\xc3=')
    elif kind == 2:
        for _ in range(rng.randrange(1, 20)):
            out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
    elif kind == 3:
        start = rng.randrange(len(out))
        del out[start : start + rng.randrange(1, 400)]
    else:
        start = rng.randrange(len(out))
        out[start:start] = out[start : start + rng.randrange(1, 300)] * rng.randrange(2, 6)
    return bytes(out)


@pytest.mark.parametrize("name", NAMES)
def test_mangled_mail_never_raises_anything_but_malformed_mail(name: str) -> None:
    rng = random.Random(f"mangle {name}")
    source = raw(name)
    parsed = malformed = 0
    for _ in range(120):
        data = mangled(source, rng)
        try:
            result = parse(data)
        except MalformedMail:
            malformed += 1
            continue
        assert isinstance(result, ParsedMail)
        assert all(isinstance(p, str) for p in result.problems)
        parsed += 1
    assert parsed > 60  # the loop really exercised the parser, not only the gate


def test_hostile_shapes_stay_fast() -> None:
    hostile = [
        simple("<div>" * 100_000 + "x" + "</div>" * 100_000, ctype="text/html"),
        simple("a&amp;b " * 300_000, ctype="text/html"),
        simple("<table><tr>" + "<td>x" * 50_000, ctype="text/html"),
        simple("\n".join(["On " + "a b " * 60] * 2000)),
        simple("#" * 200_000 + " - reply above this line"),
        multipart(*["Content-Type: image/png\n\nxx"] * 2000),
    ]
    started = time.perf_counter()
    for data in hostile:
        parse(data)
    assert time.perf_counter() - started < 15


def test_absurd_nesting_is_reported_not_raised() -> None:
    body = "".join(
        f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(1500)
    )
    parsed = parse(simple(body, ctype="multipart/mixed; boundary=b0"))
    assert parsed.from_address == "pat@example.com"
    assert any("MIME structure could not be read" in p for p in parsed.problems)


def test_headers_the_email_package_chokes_on() -> None:
    """The stdlib header parser raises IndexError / AttributeError on these."""
    data = simple("x").replace(b"To: support@support.example.com", b"To: Support <support@")
    data = data.replace(b"From: Pat <pat@example.com>", b"From: Pat <pat@[example.com>")
    parsed = parse(data)
    assert any("could not be parsed" in p for p in parsed.problems)
    assert parsed.text == "x"


# -- the assertions above can fail -----------------------------------------------------------
@pytest.mark.parametrize("name", QUOTED)
def test_the_reply_of_a_quoted_fixture_really_differs_from_its_text(name: str) -> None:
    parsed = mail(name)
    assert parsed.reply != parsed.text.strip()
    assert parsed.reply in parsed.text
    assert len(parsed.reply) < len(parsed.text) * 0.6


def test_the_checks_notice_a_signature_and_a_quote_left_in() -> None:
    """Without the "-- " delimiter the signature lines are ordinary text and stay; without
    a quote header or our marker the quoted lines go only when trailing."""
    text = mail("gmail_reply.eml").text
    no_delimiter = text.replace("\n-- \nAlice Customer", "\nAlice Customer")
    assert no_delimiter != text
    assert "Data team, Example Org" in parse(simple(no_delimiter)).reply
    assert "Data team, Example Org" not in parse(simple(text)).reply
    text = "Answer.\n\nSome line\n> quoted, not trailing\nmore of mine"
    assert parse(simple(text)).reply == text


def test_the_tracking_check_would_see_an_image_left_in() -> None:
    html = '<p>Hi</p><img src="cid:a@b"><img src="https://tracker.example/p.gif">'
    parsed = parse(simple(html, ctype="text/html"))
    assert parsed.html == '<p>Hi</p><img src="cid:a@b">'
    assert re.search(r"<img[^>]+tracker", html) and not re.search(r"<img[^>]+tracker", parsed.html)
