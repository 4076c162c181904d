"""Inbound mail, parsed: the bytes of one RFC 5322 message turned into plain data.

This module owns the reading of mail that customers send us (replies to our notification
mails, and new mail to the support address). It is pure: no database, no Flask, no network.
:func:`parse` returns a :class:`ParsedMail`; the ticket service decides what to do with it.

What it works out:

- **Who and what**: the sender (``from_address`` lower-cased), the recipients (``to``, ``cc``,
  ``delivered_to``, ``reply_to``: the local part keeps its case, because our reply addresses
  carry a token, ``support+tkt_ABC123.sig@reply.example.com``; only the domain is
  lower-cased), the subject on one line, and the threading ids (``Message-ID``,
  ``In-Reply-To``, ``References``) without their angle brackets.
- **Never answer a machine** (``auto_reply``): a reason when the mail was sent by a program
  and must never get an automatic answer (which is how mail loops start): ``Auto-Submitted``
  other than ``no``; ``Precedence: bulk | junk | list | auto_reply``; ``X-Autoreply``,
  ``X-Autorespond``; ``X-Auto-Response-Suppress`` naming ``All`` or ``OOF``; a ``List-Id``
  (a mailing list: an answer would go to every member); an empty ``Return-Path: <>``; a
  sender that is ``MAILER-DAEMON`` or ``postmaster``; a bounce. ``List-Unsubscribe`` alone
  does **not** count: mail written by people and sent through CRMs and bulk-mail services
  carries it too, and a false positive means a customer who never hears back.
- **Bounces** (``bounce``): a delivery status notification, either the standard
  ``multipart/report; report-type=delivery-status`` (RFC 3464) or the older free-text shapes
  sent by ``MAILER-DAEMON`` / ``postmaster`` (or with ``X-Failed-Recipients``).
- **The text**: ``text`` is the whole plain text (the ``text/plain`` part, or text made from
  the HTML part when there is none; ``format=flowed`` is unwrapped); ``html`` is the HTML
  part sanitised with nh3, with every remote image removed (an ``<img>`` whose ``src`` is not
  ``cid:`` becomes its alt text: no tracking pixel, nothing loads from elsewhere).
- **The reply** (``reply``): ``text`` without the quoted history and the signature. First it
  is cut at :data:`REPLY_ABOVE` (our outbound mails carry that line above the quoted thread),
  then mail-parser-reply finds the quote header ("On … wrote:", "Le … a écrit :",
  "Am … schrieb …:", Outlook's "From: … Sent: …" block, "-----Original Message-----"), and the
  signature goes: the ``-- `` delimiter, "Sent from my iPhone" / "Get Outlook for iOS", and a
  closing such as "Kind regards,\\nAlice" when what follows it is short enough to be a
  signature. A trailing block of ``>`` lines goes too. When that leaves nothing, ``reply``
  is ``text`` stripped.
- **Attachments**: every part that is not the body, with a safe display name and the type
  its bytes really are (sniffed from magic numbers: the file name and the declared type are
  the sender's claims). Nothing is decompressed. Parts over ``max_attachment``, and parts
  once the running total would pass ``max_total``, are not kept.
- **Problems**: what an admin should see (MIME defects, unknown charsets, broken base64,
  attachments not kept), one human sentence each.

:func:`parse` never raises anything but :class:`MalformedMail`, and raises that only for
bytes that are clearly not mail (empty, or no header block). Broken MIME, a missing
boundary, undecodable base64, an unknown charset, a header the email package cannot parse:
each gives a :class:`ParsedMail` with a line in ``problems``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import functools
import html as html_lib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email import policy as email_policy
from email.errors import MessageError
from email.generator import BytesGenerator
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses
from io import BytesIO
from typing import TypeVar

import nh3
from mailparser_reply import (  # type: ignore[import-untyped]
    EmailMessage as _ReplyMessage,
)
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES  # type: ignore[import-untyped]

from .file_types import Attachment as Attachment  # parsed mail carries them
from .file_types import mismatch, safe_filename, size_text, sniff

log = logging.getLogger(__name__)

REPLY_ABOVE = "##- Reply above this line -##"
MAX_ATTACHMENT = 10 * 1024 * 1024
MAX_TOTAL = 25 * 1024 * 1024

_T = TypeVar("_T")


# What the email package raises on input it was not written for (its header parser has raised
# each of these on hostile mail); RuntimeError covers RecursionError.
_EMAIL_ERRORS = (
    MessageError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    LookupError,
    UnicodeError,
    AssertionError,
    RuntimeError,
)


class MalformedMail(ValueError):
    """Bytes that are not an email at all (the reason is the message)."""


@dataclass(frozen=True)
class Bounce:
    """A delivery status notification about a mail we sent."""

    recipients: list[str]  # the addresses that bounced, lower-cased
    original_message_id: str | None  # Message-ID of our mail that bounced, without <>
    diagnostic: str  # Diagnostic-Code (or Status), one line
    permanent: bool  # Action: failed / Status 5.x.x


@dataclass(frozen=True)
class ParsedMail:
    """Everything the ticket service needs from one inbound mail; see the module docstring."""

    from_address: str  # lower-cased addr-spec, "" when missing or unparseable
    from_name: str
    to: list[str]  # addr-specs: local part as sent, domain lower-cased
    cc: list[str]
    delivered_to: list[str]  # Delivered-To, X-Original-To, Envelope-To
    reply_to: list[str]
    subject: str  # one line, "" if none
    message_id: str | None  # without <>
    in_reply_to: list[str]  # message ids without <>
    references: list[str]
    auto_reply: str | None  # why this is automatic mail that must never be answered
    bounce: Bounce | None
    text: str
    html: str  # sanitised, remote images removed; "" if no HTML part
    reply: str  # text without quoted history and signature
    attachments: list[Attachment]
    problems: list[str]


# -- small helpers --------------------------------------------------------------------------
_SURROGATE = re.compile("[\ud800-\udfff]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_SPACES = re.compile(r"\s+")
_CONTROL = {"Cc", "Cf", "Zl", "Zp", "Cs"}


def _clean(value: str) -> str:
    """``value`` with the email package's surrogate escapes (raw 8-bit bytes in headers and
    bodies) read as UTF-8, invalid bytes replaced: a str safe to store and print."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return _SURROGATE.sub("\ufffd", value)


def _one_line(value: str, limit: int = 998) -> str:
    """``value`` on one line: control characters and runs of white space become one space."""
    chars = (" " if unicodedata.category(c) in _CONTROL else c for c in _clean(value))
    return _SPACES.sub(" ", "".join(chars)).strip()[:limit]


class _Problems:
    """The ``problems`` list: each sentence once, in the order found."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, text: str) -> None:
        text = _one_line(text, 500)
        if text and text not in self.items and len(self.items) < 200:
            self.items.append(text)

    def guard(self, what: str, fn: Callable[[], _T], default: _T) -> _T:
        """``fn()``, or ``default`` with a problem line if it raised. The email package and
        its header parser have raised the odd IndexError or AttributeError on hostile input;
        :func:`parse` promises to raise nothing but MalformedMail, so each step is fenced."""
        try:
            return fn()
        except Exception as error:
            log.debug("mail parsing: %s failed", what, exc_info=True)
            self.add(f"{what} could not be read ({type(error).__name__}): left out")
            return default


# -- defects --------------------------------------------------------------------------------
_DEFECTS = {
    "StartBoundaryNotFoundDefect": (
        "the multipart boundary never appears: the whole body was read as one plain-text part"
    ),
    "NoBoundaryInMultipartDefect": (
        "a multipart part has no boundary parameter: its body was read as plain text"
    ),
    "CloseBoundaryNotFoundDefect": "a multipart part has no closing boundary (truncated mail?)",
    "MultipartInvariantViolationDefect": "a multipart part has no sub-parts",
    "FirstHeaderLineIsContinuationDefect": "the first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "a misplaced 'From ' envelope line among the headers",
    "MissingHeaderBodySeparatorDefect": (
        "a header line without a colon: the rest was read as the body"
    ),
    "InvalidMultipartContentTransferEncodingDefect": (
        "a multipart part has a Content-Transfer-Encoding other than 7bit, 8bit or binary"
    ),
    "UndecodableBytesDefect": "undecodable bytes in a header",
    "InvalidBase64PaddingDefect": "base64 with bad padding (decoded anyway)",
    "InvalidBase64CharactersDefect": "base64 with characters outside the alphabet (skipped)",
    "InvalidBase64LengthDefect": "base64 that cannot be decoded as it stands",
    "HeaderMissingRequiredValue": "a header without its required value",
    "NonPrintableDefect": "non-printable characters in a header",
    "NonASCIILocalPartDefect": "non-ASCII characters in the local part of an address",
    "CharsetError": "an unknown charset in a header",
}
_IGNORED_DEFECTS = {"ObsoleteHeaderDefect"}  # old but valid syntax: nothing to see


def _defect_text(defect: object) -> str | None:
    name = type(defect).__name__
    if name in _IGNORED_DEFECTS:
        return None
    detail = _one_line(str(defect), 120) if str(defect) else ""
    known = _DEFECTS.get(name)
    if known:
        return known
    if detail:
        return detail
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name.removesuffix("Defect")).lower()


def _report_defects(problems: _Problems, where: str, defects: Iterable[object]) -> None:
    for defect in defects:
        text = _defect_text(defect)
        if text:
            problems.add(f"{where}: {text}")


# -- the input ------------------------------------------------------------------------------
_HEADER_LINE = re.compile(rb"[!-9;-~]+[ \t]*:")
_KNOWN_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to"}
    | {"references", "reply-to", "sender", "received", "return-path", "delivered-to"}
    | {"x-original-to", "envelope-to", "mime-version", "content-type"}
    | {"content-transfer-encoding", "dkim-signature", "arc-seal", "authentication-results"}
    | {"auto-submitted", "list-id", "precedence"}
)


def _check_is_mail(raw: bytes) -> bytes:
    """The bytes to parse (leading blank lines and a UTF-8 BOM dropped), or MalformedMail.

    Mail is a block of header fields: the first line must be one (an mbox ``From `` line
    before it is allowed), and at least one field in the block must be a standard one, so
    that a JSON document or a CSV file is refused rather than read as one odd header."""
    data = raw.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n\t ")
    if not data:
        raise MalformedMail("empty input: no bytes to read as mail")
    lines = data[:65536].splitlines()
    if lines and lines[0].startswith(b"From ") and not _HEADER_LINE.match(lines[0]):
        lines = lines[1:]
    if not lines or not _HEADER_LINE.match(lines[0]):
        raise MalformedMail("no header block: the first line is not a header field")
    for line in lines:
        if not line.strip():
            break
        if line[:1] in b" \t":
            continue
        name = line.split(b":", 1)[0].strip().lower()
        if name.decode("ascii", "replace") in _KNOWN_HEADERS:
            return data
    raise MalformedMail("no header block: none of the header fields is a mail header")


def _parse_bytes(data: bytes, problems: _Problems) -> Message:
    """The parsed message; when the MIME structure defeats the parser (RecursionError on
    absurd nesting), the headers alone, the whole body then read as one text part."""
    try:
        return BytesParser(policy=email_policy.default).parsebytes(data)
    except Exception as error:
        log.debug("mail parsing: full parse failed", exc_info=True)
        problems.add(
            f"the MIME structure could not be read ({type(error).__name__}): "
            "only the headers were read, the body is shown as text"
        )
    try:
        return BytesHeaderParser(policy=email_policy.default).parsebytes(data)
    except Exception:
        log.debug("mail parsing: header parse failed", exc_info=True)
        return EmailMessage(policy=email_policy.default)


# -- headers --------------------------------------------------------------------------------
_ENCODED_WORD_CHARSET = re.compile(r"=\?([^?\s]+)\?[bBqQ]\?")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def _raw_values(message: Message, name: str) -> list[str]:
    """Every value of header ``name`` as it was sent (unfolded), parsed by no policy."""
    values = []
    for key, value in message.raw_items():
        if key.lower() == name and isinstance(value, str):
            values.append(_FOLD.sub(" ", _clean(value)).strip())
    return values


def _decoded(raw: str) -> str:
    """A raw header value with its RFC 2047 encoded words decoded, as best it can be."""
    try:
        return _clean(str(make_header(decode_header(raw))))
    except _EMAIL_ERRORS:
        return raw


def _check_header_charsets(message: Message, problems: _Problems) -> None:
    for key, value in message.raw_items():
        if not isinstance(value, str):
            continue
        for charset in _ENCODED_WORD_CHARSET.findall(value):
            label = charset.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*en
            if _codec(label) is None:
                problems.add(
                    f"unknown charset {_one_line(label, 40)} in the {key} header: "
                    "decoded as UTF-8 with replacements"
                )


def _header_text(message: Message, name: str, problems: _Problems) -> str:
    raws = _raw_values(message, name.lower())
    if not raws:
        return ""
    try:
        value = message.get(name)
        text = str(value)
    except _EMAIL_ERRORS:
        problems.add(f"the {name} header could not be parsed: read as raw text")
        return _one_line(_decoded(raws[0]))
    _report_defects(problems, f"{name} header", getattr(value, "defects", ()))
    return _one_line(text)


_ADDR = re.compile(r"[^\s@<>()\[\]\",;:\\]+@[^\s@<>()\[\]\",;:\\]+")


def _addr_spec(value: str, *, lower_local: bool) -> str:
    value = _one_line(value).strip("<> ")
    if not _ADDR.fullmatch(value):
        return ""
    local, _, domain = value.rpartition("@")
    domain = domain.lower().strip(".")
    if not local or not domain:
        return ""
    return f"{local.lower() if lower_local else local}@{domain}"


def _addresses(
    message: Message, name: str, problems: _Problems, *, lower_local: bool = False
) -> list[tuple[str, str]]:
    """(display name, addr-spec) of every address in every ``name`` header, in order."""
    raws = _raw_values(message, name.lower())
    if not raws:
        return []
    found: list[tuple[str, str]] = []
    try:
        for value in message.get_all(name) or []:
            _report_defects(problems, f"{name} header", getattr(value, "defects", ()))
            if not hasattr(value, "addresses"):  # not an address header to the policy
                found.extend(getaddresses([_clean(str(value))]))
                continue
            for address in value.addresses:
                found.append((_clean(address.display_name), _clean(address.addr_spec)))
    except _EMAIL_ERRORS:
        problems.add(f"the {name} header could not be parsed: read as raw text")
        found = getaddresses([_decoded(raw) for raw in raws])
    result = []
    for display, addr in found:
        spec = _addr_spec(addr, lower_local=lower_local)
        if spec:
            result.append((_one_line(display), spec))
    return result


def _unique(items: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
    return list(seen)


def _address_list(message: Message, names: Iterable[str], problems: _Problems) -> list[str]:
    return _unique(spec for name in names for _, spec in _addresses(message, name, problems))


def _message_ids(message: Message, name: str) -> list[str]:
    ids: list[str] = []
    for raw in _raw_values(message, name.lower()):
        found = _MESSAGE_ID.findall(raw)
        if not found:  # some clients leave the brackets out
            found = [token for token in raw.split() if "@" in token]
        ids.extend(_one_line(i, 250) for i in found)
    return _unique(ids)


def _first_token(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _auto_reply(message: Message, from_address: str, bounce: Bounce | None) -> str | None:
    """Why this mail must never be answered automatically, or None (module docstring)."""

    def first(name: str) -> str:
        values = _raw_values(message, name)
        return _one_line(values[0], 200) if values else ""

    auto_submitted = first("auto-submitted")
    if auto_submitted and _first_token(auto_submitted) != "no":
        return f"Auto-Submitted: {auto_submitted}"
    suppress = first("x-auto-response-suppress")
    if {t.lower() for t in re.split(r"[\s,]+", suppress)} & {"all", "oof"}:
        return f"X-Auto-Response-Suppress: {suppress}"
    for name, label in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        value = first(name)
        if value and value.lower() not in {"no", "false", "0"}:
            return f"{label}: {value}"
    precedence = first("precedence")
    if _first_token(precedence) in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    list_id = first("list-id")
    if list_id:
        return f"List-Id: {list_id} (mailing list)"
    return_path = first("return-path")
    if return_path and not return_path.strip("<> "):
        return "null Return-Path <> (bounce or automatic mail)"
    if _is_daemon(from_address):
        return f"sent by {from_address} (mail system)"
    if bounce is not None:
        return "delivery status notification (bounce)"
    return None


def _is_daemon(address: str) -> bool:
    local = address.partition("@")[0].split("+", 1)[0]
    return local in {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}


# -- text decoding --------------------------------------------------------------------------
_NOT_CHARSETS = {"undefined", "unicode-escape", "raw-unicode-escape", "punycode", "idna"}


def _codec(label: str) -> str | None:
    """The Python codec for a MIME charset label, or None for unknown or non-text ones."""
    try:
        info = codecs.lookup(label.strip().strip('"'))
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _decode_text(data: bytes, charset: str | None, where: str, problems: _Problems) -> str:
    """``data`` as text in its declared charset (module docstring: problems, not errors).

    ``us-ascii`` (the default) with 8-bit bytes is read as UTF-8 when it is valid UTF-8;
    ``iso-8859-1`` is read as windows-1252, its superset, as browsers do."""
    label = (charset or "us-ascii").strip()
    codec = _codec(label)
    if codec is None:
        problems.add(f"unknown charset {_one_line(label, 40)}: decoded as UTF-8 with replacements")
        return data.decode("utf-8", "replace")
    candidates = [codec]
    if codec == "ascii":
        candidates = ["ascii", "utf-8", "cp1252"]
    elif codec == "iso8859-1":
        candidates = ["cp1252", "iso8859-1"]
    for candidate in candidates:
        try:
            return data.decode(candidate)
        except (UnicodeError, LookupError, ValueError, TypeError):
            continue
    problems.add(f"{where} is not valid {_one_line(label, 40)}: undecodable bytes replaced")
    try:
        return data.decode(codec, "replace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return data.decode("utf-8", "replace")


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 ``format=flowed``: soft line breaks (a line ending in a space) joined."""
    out: list[str] = []
    depth_now: int | None = None
    buffer: list[str] = []

    def flush() -> None:
        nonlocal depth_now, buffer
        if depth_now is not None:
            prefix = ">" * depth_now + (" " if depth_now else "")
            out.append(prefix + "".join(buffer))
        depth_now, buffer = None, []

    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]  # space-stuffing
        flowed = content.endswith(" ") and content != "-- "
        if depth_now is not None and depth_now != depth:
            flush()
        if flowed and delsp:
            content = content[:-1]
        depth_now = depth
        buffer.append(content)
        if not flowed:
            flush()
    flush()
    return "\n".join(out)


def _normalise_text(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").rstrip()


# -- the MIME walk --------------------------------------------------------------------------
_MAX_DEPTH = 30
_MAX_PARTS = 500
_DSN_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_RETURNED_HEADER_TYPES = {"text/rfc822-headers", "message/global-headers"}
_MESSAGE_TYPES = {"message/rfc822", "message/global"}


@dataclass
class _Body:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)


@dataclass
class _Walk:
    problems: _Problems
    max_attachment: int
    max_total: int
    attachments: list[Attachment] = field(default_factory=list)
    total: int = 0
    parts: int = 0
    dsn: list[dict[str, str]] = field(default_factory=list)
    is_report: bool = False
    returned_ids: list[str] = field(default_factory=list)


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type().lower()
    except _EMAIL_ERRORS:
        return "text/plain"


def _disposition(part: Message) -> str | None:
    try:
        value = part.get_content_disposition()
    except _EMAIL_ERRORS:
        return None
    return value.lower() if isinstance(value, str) else None


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except _EMAIL_ERRORS:
        name = None
    if not isinstance(name, str):
        return None
    name = _clean(name)
    if "=?" in name and "?=" in name:  # RFC 2047 inside a quoted parameter (not standard)
        name = _decoded(name)
    return name


def _payload_bytes(part: Message, where: str, problems: _Problems) -> bytes:
    """The decoded bytes of a leaf part; broken base64 is decoded as far as it goes."""
    before = len(part.defects)
    try:
        data = part.get_payload(decode=True)
    except _EMAIL_ERRORS:
        data = None
    added = [type(d).__name__ for d in part.defects[before:]]
    if "InvalidBase64LengthDefect" in added:
        raw = part.get_payload()
        text = raw if isinstance(raw, str) else ""
        letters = re.sub(r"[^A-Za-z0-9+/]", "", text)
        letters = letters[: len(letters) - len(letters) % 4]
        try:
            data = base64.b64decode(letters)
        except (binascii.Error, ValueError):
            data = b""
        problems.add(f"{where}: broken base64: decoded as far as it goes ({size_text(len(data))})")
    elif added:
        _report_defects(problems, where, part.defects[before:])
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message, where: str, problems: _Problems) -> str:
    data = _payload_bytes(part, where, problems)
    try:
        charset = part.get_content_charset()
    except _EMAIL_ERRORS:
        charset = None
    text = _normalise_text(_decode_text(data, charset, where, problems))
    try:
        flowed = str(part.get_param("format", "") or "").lower() == "flowed"
        delsp = str(part.get_param("delsp", "") or "").lower() == "yes"
    except _EMAIL_ERRORS:
        flowed = delsp = False
    return _unflow(text, delsp) if flowed else text


def _walk(part: Message, walk: _Walk, body: _Body, depth: int) -> None:
    walk.parts += 1
    if walk.parts > _MAX_PARTS:
        if walk.parts == _MAX_PARTS + 1:
            walk.problems.add(f"more than {_MAX_PARTS} MIME parts: the rest were not read")
        return
    if depth > _MAX_DEPTH:
        walk.problems.add(f"MIME parts nested more than {_MAX_DEPTH} deep: not read")
        return
    ctype = _content_type(part)
    where = "the body" if depth == 0 else f"a {ctype} part"
    _report_defects(walk.problems, "MIME", part.defects)
    if ctype in _MESSAGE_TYPES and part.is_multipart():
        _message_part(part, walk, where)
        return
    if ctype in _DSN_TYPES:  # before is_multipart(): the parser made its blocks sub-messages
        walk.dsn.extend(_dsn_fields(part, walk.problems))
        return
    if part.is_multipart():
        children = [c for c in part.get_payload() if isinstance(c, Message)]
        if ctype == "multipart/report":
            walk.is_report = True
        if ctype == "multipart/encrypted":
            walk.problems.add("the mail is encrypted: its content cannot be read here")
        if ctype == "multipart/alternative":
            _alternative(children, walk, body, depth)
            return
        for child in children:
            _walk(child, walk, body, depth + 1)
        return
    if ctype in _RETURNED_HEADER_TYPES:
        text = _part_text(part, where, walk.problems)
        walk.returned_ids.extend(_ids_in_headers_text(text))
        return
    disposition = _disposition(part)
    is_text = ctype in {"text/plain", "text/html"} or ctype.startswith("multipart/")
    if is_text and disposition != "attachment" and _filename(part) is None:
        text = _part_text(part, where, walk.problems)
        (body.html if ctype == "text/html" else body.plain).append(text)
        return
    _keep(walk, part, ctype, disposition, _payload_bytes(part, where, walk.problems))


def _alternative(children: list[Message], walk: _Walk, body: _Body, depth: int) -> None:
    """The richest version of each kind: the last plain text and the last HTML."""
    plain: list[str] = []
    html: list[str] = []
    for child in children:
        branch = _Body()
        _walk(child, walk, branch, depth + 1)
        if any(t.strip() for t in branch.plain):
            plain = branch.plain
        if any(t.strip() for t in branch.html):
            html = branch.html
    body.plain.extend(plain)
    body.html.extend(html)


def _message_part(part: Message, walk: _Walk, where: str) -> None:
    """An attached mail: in a bounce, the mail that bounced; otherwise an attachment."""
    inner = part.get_payload(0) if part.get_payload() else None
    if not isinstance(inner, EmailMessage):
        return
    if walk.is_report:
        walk.returned_ids.extend(_message_ids(inner, "Message-ID"))
        return
    try:
        out = BytesIO()
        generator_policy = email_policy.default.clone(refold_source="none", max_line_length=0)
        BytesGenerator(out, mangle_from_=False, policy=generator_policy).flatten(inner)
        data = out.getvalue()
    except _EMAIL_ERRORS:
        walk.problems.add(f"{where}: the attached mail could not be read: not kept")
        return
    _keep(walk, part, _content_type(part), _disposition(part), data)


def _keep(walk: _Walk, part: Message, ctype: str, disposition: str | None, data: bytes) -> None:
    """``data`` as an attachment, unless it would pass a size limit (a problem line then)."""
    filename = safe_filename(_filename(part) or "")
    size = len(data)
    if size > walk.max_attachment:
        walk.problems.add(
            f"attachment {filename} ({size_text(size)}) not kept: "
            f"over the {size_text(walk.max_attachment)} limit"
        )
        return
    if walk.total + size > walk.max_total:
        walk.problems.add(
            f"attachment {filename} ({size_text(size)}) not kept: the attachments together "
            f"would be over the {size_text(walk.max_total)} limit"
        )
        return
    walk.total += size
    content_ids = _raw_values(part, "content-id")
    content_id = _one_line(content_ids[0], 250).strip("<> ") if content_ids else ""
    declared = ctype if _raw_values(part, "content-type") else ""
    sniffed = sniff(data)
    walk.attachments.append(
        Attachment(
            filename=filename,
            declared_type=declared,
            content_type=sniffed,
            data=data,
            inline=bool(content_id) and disposition in {None, "inline"},
            content_id=content_id or None,
            note=mismatch(filename, declared, sniffed),
        )
    )


# -- delivery status notifications ----------------------------------------------------------
def _field_blocks(text: str) -> list[dict[str, str]]:
    """``Name: value`` fields in blocks separated by blank lines (RFC 3464's layout)."""
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    name = ""
    for line in text.split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
            current, name = {}, ""
        elif line[:1] in " \t" and name:
            current[name] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            name = key.strip().lower()
            current.setdefault(name, value.strip())
    if current:
        blocks.append(current)
    return blocks


def _dsn_fields(part: Message, problems: _Problems) -> list[dict[str, str]]:
    """The fields of a delivery-status part, a dict per block (per message, per recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser read each block as a header-only message
        blocks = []
        for block in payload:
            if not isinstance(block, Message):
                continue
            fields: dict[str, str] = {}
            for key, value in block.raw_items():
                if isinstance(value, str):
                    fields.setdefault(key.lower(), _FOLD.sub(" ", _clean(value)).strip())
            blocks.append(fields)
        return blocks
    return _field_blocks(_part_text(part, "the delivery report", problems))


def _ids_in_headers_text(text: str) -> list[str]:
    try:
        headers = BytesHeaderParser(policy=email_policy.default).parsebytes(
            text.encode("utf-8", "replace")
        )
    except _EMAIL_ERRORS:
        return []
    return _message_ids(headers, "Message-ID")


def _recipient(value: str) -> str:
    kind, semicolon, address = value.partition(";")
    if not semicolon:
        address = kind
    return _addr_spec(address, lower_local=True)


_SMTP_CODE = re.compile(r"\b(?:[245]\d\d[ -]|[245]\.\d{1,3}\.\d{1,3}\b)")
_TEMPORARY = re.compile(
    r"\b(?:temporar\w*|delayed|will (?:be )?retr\w*|still trying|deferred)\b", re.I
)
_DAEMON_RECIPIENT = re.compile(r"^[ \t]*<?([^\s<>@]+@[^\s<>@]+?)>?:?[ \t]*$", re.M)
_QUOTED_MESSAGE_ID = re.compile(r"^[ \t]*>?[ \t]*Message-ID:[ \t]*<([^<>\s]+)>", re.I | re.M)


def _bounce(
    message: Message, walk: _Walk, from_address: str, own: list[str], text: str
) -> Bounce | None:
    """The delivery status notification this mail is, or None.

    A report (RFC 3464) is read from its fields: the recipients whose Action is ``failed``
    (or Status 5.x.x), else every recipient; its Diagnostic-Code, else its Status. A
    free-text bounce (from MAILER-DAEMON / postmaster, or with X-Failed-Recipients) is read
    from its text: addresses alone on a line, the first line with an SMTP code, and it is
    permanent unless it speaks of a delay or retry or gives a 4.x.x code. ``own`` (our
    addresses the bounce was sent to) are never reported as recipients."""
    recipient_blocks = [
        b for b in walk.dsn if {"final-recipient", "original-recipient", "action"} & set(b)
    ]
    original = walk.returned_ids[0] if walk.returned_ids else None
    if recipient_blocks:
        failed = [
            b
            for b in recipient_blocks
            if b.get("action", "").lower().startswith("failed")
            or b.get("status", "").startswith("5")
        ]
        chosen = failed or recipient_blocks
        recipients = _unique(
            _recipient(b.get(key, ""))
            for b in chosen
            for key in ("final-recipient", "original-recipient")
        )
        first = chosen[0]
        diagnostic = first.get("diagnostic-code", "")
        kind, semicolon, rest = diagnostic.partition(";")
        if semicolon and re.fullmatch(r"\s*[A-Za-z][\w-]*\s*", kind):
            diagnostic = rest
        if not diagnostic.strip() and first.get("status"):
            diagnostic = f"Status: {first['status']}"
        return Bounce(
            recipients=recipients,
            original_message_id=original,
            diagnostic=_one_line(diagnostic, 500),
            permanent=bool(failed),
        )
    failed_header = _raw_values(message, "x-failed-recipients")
    if not (_is_daemon(from_address) or failed_header or walk.dsn):
        return None
    if failed_header:
        found = [spec for _, spec in getaddresses(failed_header)]
    else:
        found = _DAEMON_RECIPIENT.findall(text)
    recipients = [
        r for r in _unique(_addr_spec(a, lower_local=True) for a in found) if r not in own
    ]
    if original is None:
        quoted = _QUOTED_MESSAGE_ID.findall(text)
        original = quoted[0] if quoted else None
    diagnostic = next((line for line in text.split("\n") if _SMTP_CODE.search(line)), "")
    temporary = bool(_TEMPORARY.search(text)) or bool(re.search(r"\b4\.\d{1,3}\.\d", text))
    return Bounce(
        recipients=recipients,
        original_message_id=original,
        diagnostic=_one_line(diagnostic, 500),
        permanent=not temporary,
    )


# -- HTML -----------------------------------------------------------------------------------
_DISPLAY_TAGS = frozenset(
    {"a", "abbr", "address", "b", "big", "blockquote", "br", "caption", "center", "cite"}
    | {"code", "col", "colgroup", "dd", "del", "div", "dl", "dt", "em", "figcaption"}
    | {"figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li"}
    | {"mark", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong", "sub"}
    | {"sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul"}
)
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "title", "template", "noscript", "xml", "svg", "math", "iframe"}
    | {"object", "head"}
)
_DISPLAY_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}


_MAX_HTML_DEPTH = 250
_NO_DEPTH = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option"}
    | {"thead", "tbody", "tfoot", "colgroup", "optgroup", "rb", "rt", "rp"}
)
_ANY_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*>")
_LONG_TEXT = re.compile(r"[^<]{4000}[^<&\s]{0,40}")  # ends before an entity or a space
_BIG_HTML = 256 * 1024


def _flatten(html: str) -> str:
    """``html`` made cheap for html5ever, whose tree building is quadratic in the nesting
    depth and in the length of a text with many character references (a mail with 100,000
    nested ``<div>`` held a worker for a minute): tags nested deeper than
    :data:`_MAX_HTML_DEPTH` are removed (their text kept), and in a big document a ``<wbr>``
    (which the cleaners then drop) splits every 4,000 characters of text."""
    if len(html) > _BIG_HTML:
        html = _LONG_TEXT.sub(lambda m: m.group(0) + "<wbr>", html)
    if html.count("<") <= _MAX_HTML_DEPTH:
        return html
    depth = 0
    drop: list[tuple[int, int]] = []
    for match in _ANY_TAG.finditer(html):
        name = match.group(2).lower()
        if name in _NO_DEPTH or match.group(0).endswith("/>"):
            continue
        if match.group(1):
            if depth > _MAX_HTML_DEPTH:
                drop.append(match.span())
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > _MAX_HTML_DEPTH:
                drop.append(match.span())
    if not drop:
        return html
    pieces, at = [], 0
    for start, end in drop:
        pieces.append(html[at:start])
        at = end
    pieces.append(html[at:])
    return "".join(pieces)


def _only_cid_images(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if value.strip().lower().startswith("cid:") else None
    return value


_DISPLAY = nh3.Cleaner(
    tags=_DISPLAY_TAGS,
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes=_DISPLAY_ATTRIBUTES,
    attribute_filter=_only_cid_images,
    url_schemes={"http", "https", "mailto", "cid"},
    url_relative="deny",
    link_rel="noopener noreferrer nofollow",
)
# nh3's output is html5ever's serialisation: every attribute value is double-quoted with
# '"' escaped, and text has '<' escaped, so this matches exactly the start tags.
_START_TAG = re.compile(r'<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"=/>]+(?:="[^"]*")?)*)\s*/?>')
_ATTRIBUTE = re.compile(r'([^\s"=/>]+)(?:="([^"]*)")?')


def _drop_remote_image(match: re.Match[str]) -> str:
    if match.group(1).lower() != "img":
        return match.group(0)
    attributes = {k.lower(): v or "" for k, v in _ATTRIBUTE.findall(match.group(2))}
    if attributes.get("src", "").strip().lower().startswith("cid:"):
        return match.group(0)
    alt = html_lib.unescape(attributes.get("alt", "")).strip()
    return f"[{html_lib.escape(alt)}]" if alt else ""


def _sanitise_html(raw: str) -> str:
    """``raw`` HTML made safe to show: nh3's allow-list (no script, style, event handler,
    form, frame, id or class), links get ``rel="noopener noreferrer nofollow"``, and an image
    that is not ``cid:`` (an attached image) becomes its alt text, so nothing is fetched."""
    return _START_TAG.sub(_drop_remote_image, _DISPLAY.clean(raw)).strip()


_TEXT_TAGS = frozenset(
    {"a", "address", "article", "aside", "blockquote", "br", "caption", "center", "dd"}
    | {"details", "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3"}
    | {"h4", "h5", "h6", "header", "hr", "img", "li", "main", "nav", "ol", "p", "pre"}
    | {"section", "summary", "table", "td", "th", "tr", "ul"}
)
_FOR_TEXT = nh3.Cleaner(
    tags=_TEXT_TAGS,
    clean_content_tags=_DROPPED_WITH_CONTENT,
    attributes={"a": {"href"}, "img": {"alt"}, "ol": {"start"}},
    allowed_classes={"p": {"MsoNormal"}},  # Outlook: a paragraph per line, not per paragraph
    url_schemes={"http", "https", "mailto"},
    link_rel=None,
)
_LINE_BLOCKS = frozenset(
    {"address", "article", "aside", "caption", "center", "dd", "details", "div", "dt"}
    | {"figcaption", "figure", "footer", "header", "main", "nav", "section", "summary", "li"}
)
_PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "table"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f\v\xa0\u2000-\u200a\u202f\u205f\u3000]+")


# nh3's output, token by token: a start tag (attributes double-quoted), an end tag, text.
_TOKEN = re.compile(
    r'<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s"=/>]+(?:="[^"]*")?)*)\s*/?>|([^<]+)|(<)'
)


class _TextWriter:
    """Sanitised HTML (the output of nh3: well-formed, text escaped, attributes quoted)
    written out as plain text. html.parser is not needed for that, and it is slow (and in
    some Python releases quadratic on malformed input)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote = 0
        self.pre = 0
        self.blank_pending = False
        self.lists: list[int | None] = []  # None: <ul>; an int: the next <ol> number
        self.links: list[tuple[str, int]] = []
        self.cells = 0
        self.has_text = False  # the line being read has more than white space
        self.blank_depth = 0  # the quote depth of the blank line pending
        self.line_paragraph = False  # in an Outlook <p class="MsoNormal">: one line

    def _emit(self, text: str) -> None:
        if self.blank_pending and self.lines and self.lines[-1].strip("> "):
            self.lines.append(("> " * min(self.quote, self.blank_depth)).rstrip())
        self.blank_pending = False
        self.lines.append("> " * self.quote + text)

    def _flush(self, *, force: bool = False) -> None:
        joined = "".join(self.current)
        self.has_text = False
        text = joined.rstrip() if self.pre else _HTML_SPACE.sub(" ", joined).strip()
        self.current = []
        self.links = []
        if text:
            self._emit(text)
        elif force:
            prefix = ("> " * self.quote).rstrip()
            if not self.lines or self.lines[-1] != prefix:
                self.lines.append(prefix)
            self.blank_pending = False

    def _paragraph(self) -> None:
        self._flush()
        self.blank_depth = min(self.quote, self.blank_depth) if self.blank_pending else self.quote
        self.blank_pending = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "br":
            self._flush(force=True)
        elif tag == "blockquote":
            self._paragraph()
            self.quote += 1
        elif tag == "pre":
            self._paragraph()
            self.pre += 1
        elif tag == "hr":
            self._paragraph()
            self._emit("---")
            self.blank_pending = True
        elif tag in ("ul", "ol"):
            self._paragraph()
            start = values.get("start", "1")
            number = int(start) if start.isascii() and start.isdigit() and len(start) < 9 else 1
            self.lists.append(None if tag == "ul" else number)
        elif tag == "li":
            self._flush()
            indent = "  " * max(0, len(self.lists) - 1)
            next_number = self.lists[-1] if self.lists else None
            if next_number is None:
                self.current.append(f"{indent}- ")
            else:
                self.current.append(f"{indent}{next_number}. ")
                self.lists[-1] = next_number + 1
        elif tag == "tr":
            self._flush()
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells and self.has_text:
                self.current.append(" · ")
            self.cells += 1
        elif tag == "a":
            self.links.append((values.get("href", ""), len(self.current)))
        elif tag == "img":
            alt = _HTML_SPACE.sub(" ", values.get("alt", "")).strip()
            if alt:
                self.current.append(f"[image: {alt}]")
        elif tag == "p" and "MsoNormal" in values.get("class", ""):
            self._flush()
            self.line_paragraph = True
        elif tag in _PARAGRAPHS:
            self._paragraph()
        elif tag in _LINE_BLOCKS:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self._paragraph()
            self.quote = max(0, self.quote - 1)
        elif tag == "pre":
            self._paragraph()
            self.pre = max(0, self.pre - 1)
        elif tag in ("ul", "ol"):
            self._paragraph()
            if self.lists:
                self.lists.pop()
        elif tag == "a" and self.links:
            href, at = self.links.pop()
            label = _HTML_SPACE.sub(" ", "".join(self.current[at:])).strip()
            target = href.strip()
            if (
                label
                and target.lower().startswith(("http://", "https://"))
                and target.rstrip("/") not in label
            ):
                self.current.append(f" <{target}>")
        elif tag == "p" and self.line_paragraph:
            self._flush(force=True)  # an empty one is Outlook's blank line
            self.line_paragraph = False
        elif tag in _PARAGRAPHS:
            self._paragraph()
        elif tag in _LINE_BLOCKS or tag == "tr":
            self._flush()

    def handle_data(self, data: str) -> None:
        data = data.replace("\ufeff", "").replace("\u200b", "")  # zero-width: nothing to read
        self.current.append(data)
        self.has_text = self.has_text or not data.isspace()

    def feed(self, clean_html: str) -> None:
        for match in _TOKEN.finditer(clean_html):
            closing, tag, attributes, text, stray = match.groups()
            if text is not None or stray is not None:
                self.handle_data(html_lib.unescape(text if text is not None else stray))
            elif closing:
                self.handle_endtag(tag.lower())
            else:
                pairs = [
                    (k.lower(), html_lib.unescape(v or ""))
                    for k, v in _ATTRIBUTE.findall(attributes)
                ]
                self.handle_starttag(tag.lower(), pairs)

    def text(self) -> str:
        self._flush()
        lines = [line.rstrip() for line in self.lines]
        text = "\n".join(lines).strip("\n")
        return re.sub(r"\n(?:[> ]*\n){2,}", lambda m: "\n" + m.group(0).split("\n")[1] + "\n", text)


def html_to_text(html: str) -> str:
    """The readable text of an HTML body: block elements end lines, ``<br>`` breaks one,
    paragraphs are separated by a blank line, list items start with ``- `` (or a number),
    a ``<blockquote>`` is quoted with ``> ``, table cells are joined by `` · ``, a link whose
    text does not show its address is followed by ``<address>``, an image with alt text is
    ``[image: alt]``; no script, style, head or title. Well-formedness comes first: nh3
    (linear, html5ever) rewrites any tag soup before the text is read."""
    return _html_text(_flatten(html))


def _html_text(flat_html: str) -> str:
    writer = _TextWriter()
    writer.feed(_FOR_TEXT.clean(flat_html))
    return writer.text()


# -- the reply ------------------------------------------------------------------------------
# mail-parser-reply's languages whose quote headers we look for. Not "pl": its Outlook
# header rule accepts a single "Data:" or "Do:" line as a quote header.
_QUOTE_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "da", "sv", "cs", "ja", "ko", "zh")
# whose closings ("Kind regards", "Mit freundlichen Grüßen") end a reply; not "sv" (its rule
# "/\w+" would take a path for a signature) nor "da" ("Kh", "Tak" start ordinary lines).
_SIGNOFF_LANGUAGES = ("en", "de", "fr", "es", "it", "nl")
_MORE_SIGNOFFS = [
    "thanks",
    "thank you",
    "many thanks",
    "cheers",
    "best wishes",
    "warm regards",
    "regards",
    "merci",
    "bien à vous",
    "danke",
    "viele grüße",
    "liebe grüße",
]
_MORE_SENT_FROM = [
    "Envoy\u00e9 de mon",
    "Von meinem .{1,40} gesendet",
    "Sent from (?:Outlook|Mail for Windows|Yahoo Mail|Proton Mail|ProtonMail|Samsung)",
]
# mail-parser-reply's rules are quadratic in the length of a line: they read the first
# 32 KB (the reply is at the top), and lines over 250 characters (never a quote header) are
# hidden from them, which bounds a hostile mail to a fraction of a second.
_MAX_REPLY_LINES = 1000
_MAX_REPLY_CHARS = 32 * 1024
_MAX_QUOTE_HEADER_LINE = 250
_PLACEHOLDER = "\ue000"
_REPLY_ABOVE_ANY = re.compile(
    r"(?<!#)#{1,4}[ \t]{0,3}-[ \t]{0,3}reply[ \t]+above[ \t]+this[ \t]+line[ \t]{0,3}-", re.I
)
_SEPARATOR_LINE = re.compile(r"(?:[-_=*~]\s*){3,}")


def _language_patterns(key: str, languages: Iterable[str]) -> list[str]:
    patterns: list[str] = []
    for language in languages:
        value = MAIL_LANGUAGES.get(language, {}).get(key, [])
        for pattern in [value] if isinstance(value, str) else value:
            if isinstance(pattern, str) and pattern:
                patterns.append(pattern.rstrip(","))
    return patterns


_SENT_FROM = re.compile(
    "^(?:" + "|".join(_language_patterns("sent_from", _SIGNOFF_LANGUAGES) + _MORE_SENT_FROM) + ")",
    re.I,
)
_SIGNOFF = re.compile(
    "^(?:"
    + "|".join(
        sorted(
            {*_language_patterns("signatures", _SIGNOFF_LANGUAGES), *_MORE_SIGNOFFS},
            key=len,
            reverse=True,
        )
    )
    + r")(?![^\W\d_])",
    re.I,
)
# The languages passed to mail-parser-reply's own parser (it keeps only those it knows).
_REPLY_LANGUAGES = EmailReplyParser(languages=list(_QUOTE_LANGUAGES)).languages


def _is_signoff(line: str, following: list[str]) -> bool:
    """A closing ("Best regards, Alice") followed only by a few short signature lines."""
    match = _SIGNOFF.match(line)
    if not match:
        return False
    rest = line[match.end() :].strip(" ,.!-\u2013\u2014")
    words = rest.split()
    if len(words) > 4 or any(not (w[:1].isupper() or not w[:1].isalpha()) for w in words):
        return False
    lines = [f for f in following if f]
    return len(lines) <= 6 and all(
        len(f) <= 60
        and len(f.split()) <= 8
        and not f.endswith(("?", ":"))
        and not re.match(r"p\.?\s?s\b", f, re.I)  # a P.S. is more of the reply
        for f in lines
    )


def _without_signature(lines: list[str]) -> list[str]:
    """``lines`` up to the signature: the ``-- `` delimiter (RFC 3676) wherever it is; a
    "Sent from my …" line with at most two lines after it; a closing (:func:`_is_signoff`)."""
    for i, line in enumerate(lines):
        if line.rstrip() in {"--", "__"}:
            lines = lines[:i]
            break
    stripped = [line.strip() for line in lines]
    filled = [i for i, line in enumerate(stripped) if line]
    tail = filled[-7:]  # a closing has at most 6 lines after it; "Sent from" at most 2
    for n, i in enumerate(tail):
        if len(stripped[i]) <= 80 and len(tail) - n - 1 <= 2 and _SENT_FROM.match(stripped[i]):
            lines, stripped, tail = lines[:i], stripped[:i], tail[:n]
            break
    for i in tail:
        if i and _is_signoff(stripped[i], stripped[i + 1 :]):
            return lines[:i]
    return lines


def _trim_end(lines: list[str]) -> list[str]:
    """Trailing blank lines, separators and a trailing block of ``>`` quoted lines, gone."""
    end = len(lines)
    while end:
        line = lines[end - 1].strip()
        if not line or line.startswith(">") or _SEPARATOR_LINE.fullmatch(line):
            end -= 1
        else:
            break
    return lines[:end]


def _feed_line(line: str) -> str:
    text = _HTML_SPACE.sub(" ", line).strip().replace(_PLACEHOLDER, "\ufffd")
    if len(text) > _MAX_QUOTE_HEADER_LINE or re.match(r"[_-]{32,}", text):
        return _PLACEHOLDER  # hidden: the library's rules are slow on long lines
    return text


def _quote_cut(lines: list[str]) -> int | None:
    """How many of ``lines`` come before the quoted history, by mail-parser-reply; 0 when the
    text starts with a quote header, None when it finds none."""
    head: list[str] = []
    size = 0
    for line in lines[:_MAX_REPLY_LINES]:
        size += len(line) + 1
        if size > _MAX_REPLY_CHARS:
            break
        head.append(_feed_line(line))
    fed = "\n".join(head)
    parsed = _ReplyMessage(text=fed, languages=list(_REPLY_LANGUAGES), keep_hyphen_lists=True)
    replies = parsed.read().replies
    if not replies or replies[0].headers:
        return 0 if replies and fed.strip() else None
    if len(replies) == 1:
        return None
    content = replies[0].content
    start = len(fed) - len(fed.lstrip())
    if not fed.startswith(content, start):
        return None  # not the shape expected: cut nothing rather than the wrong thing
    return fed.count("\n", 0, start + len(content)) + 1


def _reply_text(text: str) -> str:
    """``text`` without the quoted history and the signature (module docstring)."""
    cut = text
    at = text.find(REPLY_ABOVE)
    if at < 0:
        match = _REPLY_ABOVE_ANY.search(text)
        at = match.start() if match else -1
    if at >= 0:
        cut = text[: text.rfind("\n", 0, at) + 1]
    lines = cut.split("\n")
    keep = _quote_cut(lines)
    if keep is not None:
        lines = lines[:keep]
    lines = _trim_end(_without_signature(_trim_end(lines)))
    reply = "\n".join(line.rstrip() for line in lines).strip("\n")
    return reply if reply.strip() else text.strip()


# -- parse ----------------------------------------------------------------------------------
def parse(
    raw: bytes, *, max_attachment: int = MAX_ATTACHMENT, max_total: int = MAX_TOTAL
) -> ParsedMail:
    """Read one inbound mail; see the module docstring. Raises only :class:`MalformedMail`."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise MalformedMail(f"expected the bytes of a mail, got {type(raw).__name__}")
    data = _check_is_mail(bytes(raw))
    problems = _Problems()
    message = _parse_bytes(data, problems)
    guard = problems.guard

    def addresses_in(name: str, *, lower_local: bool = False) -> list[tuple[str, str]]:
        none: list[tuple[str, str]] = []
        return guard(
            f"the {name} header",
            lambda: _addresses(message, name, problems, lower_local=lower_local),
            none,
        )

    def address_list(*names: str) -> list[str]:
        none: list[str] = []
        read = functools.partial(_address_list, message, names, problems)
        return guard(f"the {names[0]} header", read, none)

    def ids(name: str) -> list[str]:
        none: list[str] = []
        return guard(f"the {name} header", lambda: _message_ids(message, name), none)

    senders = addresses_in("From") or addresses_in("Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    from_address = from_address.lower()
    if not from_address:
        problems.add("the mail has no usable From address")
    to, cc, reply_to = address_list("To"), address_list("Cc"), address_list("Reply-To")
    delivered_to = address_list("Delivered-To", "X-Original-To", "Envelope-To")
    subject = guard("the Subject header", lambda: _header_text(message, "Subject", problems), "")
    guard("the header charsets", lambda: _check_header_charsets(message, problems), None)
    message_ids, in_reply_to, references = ids("Message-ID"), ids("In-Reply-To"), ids("References")

    walk = _Walk(problems, max_attachment, max_total)
    body = _Body()
    guard("the MIME structure", lambda: _walk(message, walk, body, 0), None)
    raw_html = "\n".join(t for t in body.html if t.strip())
    flat_html = guard("the HTML part", lambda: _flatten(raw_html), "")
    html = guard("the HTML part", lambda: _sanitise_html(flat_html), "") if flat_html else ""
    text = "\n\n".join(t for t in body.plain if t.strip()).strip("\n")
    if not text.strip() and flat_html:
        text = guard("the text of the HTML part", lambda: _html_text(flat_html), "")
    reply = guard("the reply", lambda: _reply_text(text), text.strip())
    own = [*to, *delivered_to]
    no_bounce: Bounce | None = None
    bounce = guard(
        "the delivery report", lambda: _bounce(message, walk, from_address, own, text), no_bounce
    )
    no_reason: str | None = None
    auto_reply = guard(
        "the automatic-mail headers", lambda: _auto_reply(message, from_address, bounce), no_reason
    )
    return ParsedMail(
        from_address=from_address,
        from_name=from_name,
        to=to,
        cc=cc,
        delivered_to=delivered_to,
        reply_to=reply_to,
        subject=subject,
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=in_reply_to,
        references=references,
        auto_reply=auto_reply,
        bounce=bounce,
        text=text,
        html=html,
        reply=reply,
        attachments=walk.attachments,
        problems=problems.items,
    )
