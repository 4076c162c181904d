"""What a file is, decided by its bytes, and a name fit to show: for mail attachments and
for the files customers and agents upload.

The type comes from magic numbers (never from a name or a declared type); plain text by a
heuristic that tells HTML, SVG and XML apart from text, so a page named ``.png`` is known
for what it is. ``mismatch`` says why a name or a declared type disagree with the bytes.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from dataclasses import dataclass

_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_CONTROL = {"Cc", "Cf", "Zl", "Zp", "Cs"}


@dataclass(frozen=True)
class Attachment:
    """A file that came with a message: a mail's part, or an upload being attached."""

    filename: str  # safe display name: no path parts, no control characters, <= 200 chars
    declared_type: str  # the type the sender claimed ("" when none)
    content_type: str  # what the bytes are, sniffed from magic numbers
    data: bytes
    inline: bool  # a mail's part with a Content-ID, not Content-Disposition: attachment
    content_id: str | None  # without <>; a mail's HTML refers to it as src="cid:..."
    note: str  # "" or why the name or the declared type do not match the bytes


def _clean(value: str) -> str:
    """``value`` with surrogate escapes (raw 8-bit bytes) read as UTF-8, invalid bytes replaced."""
    try:
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeError:
        return _SURROGATE.sub("\ufffd", value)


def size_text(n: int) -> str:
    """A byte count for people: ``10 MB``, ``25.1 MB``, ``3.2 KB``, ``12 bytes``."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            text = f"{n / scale:.1f}"
            return f"{text.removesuffix('.0')} {unit}"
    return f"{n} bytes"


def describe(media_type: str) -> str:
    """``a PNG image``, ``a PDF document``…: a media type for people."""
    return _DESCRIPTIONS.get(media_type, media_type)


def safe_filename(name: str) -> str:
    """A name fit to show and to offer for download: the last path part, no control or
    format characters (bidi overrides included), no leading or trailing dots and spaces,
    at most 200 characters (the extension kept); ``attachment`` when nothing is left."""
    name = unicodedata.normalize("NFC", _clean(name))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _CONTROL)
    name = _SPACES.sub(" ", name).strip(" .")
    if not name:
        return "attachment"
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and 0 < len(extension) <= 16:
            name = f"{stem[: 199 - len(extension)].rstrip(' .')}.{extension}"
        else:
            name = name[:200].rstrip(" .")
    return name or "attachment"


_OCTET_STREAM = "application/octet-stream"
_ZIP = "application/zip"
_OLE = "application/x-ole-storage"
_OOXML = "application/vnd.openxmlformats-officedocument."
_MAGIC: list[tuple[bytes, int, str]] = [
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"WEBP", 8, "image/webp"),
    (b"WAVE", 8, "audio/wav"),
    (b"AVI ", 8, "video/x-msvideo"),
    (b"PK\x03\x04", 0, _ZIP),
    (b"PK\x05\x06", 0, _ZIP),
    (b"PK\x07\x08", 0, _ZIP),
    (b"\x1f\x8b", 0, "application/gzip"),
    (b"II*\x00", 0, "image/tiff"),
    (b"MM\x00*", 0, "image/tiff"),
    (b"OggS", 0, "application/ogg"),
    (b"fLaC", 0, "audio/flac"),
    (b"ID3", 0, "audio/mpeg"),
    (b"7z\xbc\xaf\x27\x1c", 0, "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", 0, "application/vnd.rar"),
    (b"\xfd7zXZ\x00", 0, "application/x-xz"),
    (b"\x28\xb5\x2f\xfd", 0, "application/zstd"),
    (b"\x7fELF", 0, "application/x-executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 0, _OLE),
    (b"{\\rtf", 0, "application/rtf"),
    (b"8BPS", 0, "image/vnd.adobe.photoshop"),
    (b"SQLite format 3\x00", 0, "application/vnd.sqlite3"),
    (b"\x00\x00\x01\x00", 0, "image/x-icon"),
]
_FTYP = {
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"avif": "image/avif",
    b"qt  ": "video/quicktime",
    b"M4A ": "audio/mp4",
}
_DESCRIPTIONS = {
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "image/gif": "a GIF image",
    "image/webp": "a WebP image",
    "image/bmp": "a BMP image",
    "image/tiff": "a TIFF image",
    "image/heic": "a HEIC image",
    "image/svg+xml": "an SVG image",
    "application/pdf": "a PDF document",
    _ZIP: "a zip archive",
    "application/gzip": "a gzip archive",
    "application/x-7z-compressed": "a 7-Zip archive",
    "application/vnd.rar": "a RAR archive",
    "application/vnd.microsoft.portable-executable": "a Windows program",
    "application/x-executable": "a Linux program",
    _OLE: "an old-style Office document",
    "text/plain": "plain text",
    "text/html": "an HTML document",
    "application/xml": "an XML document",
    _OCTET_STREAM: "data of no format recognised",
}


def sniff(data: bytes) -> str:
    """The media type the bytes are, from their magic numbers (never from a name or a
    declared type); plain text by a heuristic; ``application/octet-stream`` when unknown.

    A zip is looked into without decompressing anything: an OpenDocument or EPUB names its
    type in a stored ``mimetype`` first entry, an Office Open XML file lists
    ``[Content_Types].xml`` and ``word/`` / ``xl/`` / ``ppt/`` in its central directory."""
    if not data:
        return _OCTET_STREAM
    head = data[:64]
    for magic, offset, media_type in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            if offset == 8 and head[:4] != b"RIFF":
                continue
            return _zip_kind(data) if media_type == _ZIP else media_type
    if data[:1024].lstrip(b"\xef\xbb\xbf\r\n\t ").startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        return _FTYP.get(head[8:12], "video/mp4")
    if head[:2] == b"BM" and len(head) >= 18 and head[14] in {12, 40, 52, 56, 108, 124}:
        return "image/bmp"
    if head[:2] == b"MZ" and len(data) >= 64:
        (offset,) = struct.unpack_from("<I", data, 0x3C)
        if data[offset : offset + 4] == b"PE\x00\x00":
            return "application/vnd.microsoft.portable-executable"
    return _text_kind(data[:8192])


def _zip_kind(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" and len(data) >= 30:
        method, size = struct.unpack_from("<H", data, 8)[0], struct.unpack_from("<I", data, 18)[0]
        name_length, extra_length = struct.unpack_from("<HH", data, 26)
        name = data[30 : 30 + name_length]
        if name == b"mimetype" and method == 0 and size <= 100:
            start = 30 + name_length + extra_length
            declared = data[start : start + size]
            if re.fullmatch(rb"application/[a-z0-9.+-]{3,80}", declared):
                return declared.decode("ascii")
    directory = data[-65536:]
    if b"[Content_Types].xml" in directory:
        for marker, kind in (
            (b"word/", "wordprocessingml.document"),
            (b"xl/", "spreadsheetml.sheet"),
            (b"ppt/", "presentationml.presentation"),
        ):
            if marker in directory:
                return _OOXML + kind
    return _ZIP


def _text_kind(sample: bytes) -> str:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text/plain"
    if b"\x00" in sample:
        return _OCTET_STREAM
    text: str | None = None
    for cut in range(4):  # the sample may end inside a UTF-8 sequence
        try:
            text = sample[: len(sample) - cut].decode("utf-8")
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        text = sample.decode("latin-1")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f\x1b")
    controls += sum(1 for c in text if 0x7F <= ord(c) < 0xA0)
    if controls > len(text) / 100:
        return _OCTET_STREAM
    start = text.lstrip("\ufeff \t\r\n")[:256].lower()
    if start.startswith(("<!doctype html", "<html", "<head", "<body")):
        return "text/html"
    if start.startswith("<svg") or (start.startswith("<?xml") and "<svg" in text[:2048].lower()):
        return "image/svg+xml"
    if start.startswith("<?xml"):
        return "application/xml"
    return "text/plain"


_OFFICE = frozenset(
    {_ZIP}
    | {_OOXML + kind for kind in ("wordprocessingml.document", "spreadsheetml.sheet")}
    | {_OOXML + "presentationml.presentation", "application/epub+zip"}
    | {f"application/vnd.oasis.opendocument.{kind}" for kind in ("text", "spreadsheet")}
    | {f"application/vnd.oasis.opendocument.{kind}" for kind in ("presentation", "graphics")}
)
_TEXT_FAMILY = frozenset(
    {"text/plain", "text/html", "application/xml", "image/svg+xml", "application/rtf"}
)
# What the bytes of a file named .ext may be; other extensions are not checked.
_EXPECTED_BY_EXTENSION: dict[str, frozenset[str]] = {
    extension: expected
    for extensions, expected in (
        ("png", frozenset({"image/png"})),
        ("jpg jpeg jpe jfif", frozenset({"image/jpeg"})),
        ("gif", frozenset({"image/gif"})),
        ("webp", frozenset({"image/webp"})),
        ("bmp", frozenset({"image/bmp"})),
        ("tif tiff", frozenset({"image/tiff"})),
        ("heic heif", frozenset({"image/heic", "image/heif"})),
        ("pdf", frozenset({"application/pdf"})),
        ("zip", frozenset({_ZIP})),
        ("gz tgz", frozenset({"application/gzip"})),
        ("7z", frozenset({"application/x-7z-compressed"})),
        ("rar", frozenset({"application/vnd.rar"})),
        ("docx xlsx pptx docm xlsm pptm odt ods odp odg epub jar apk", _OFFICE),
        ("doc xls ppt msg", frozenset({_OLE})),
        ("txt log csv tsv md json xml yaml yml ini eml ics vcf html htm svg rtf", _TEXT_FAMILY),
    )
    for extension in extensions.split()
}
_EXPECTED_BY_TYPE: dict[str, frozenset[str]] = {
    "image/png": frozenset({"image/png"}),
    "image/jpeg": frozenset({"image/jpeg"}),
    "image/jpg": frozenset({"image/jpeg"}),
    "image/pjpeg": frozenset({"image/jpeg"}),
    "image/gif": frozenset({"image/gif"}),
    "image/webp": frozenset({"image/webp"}),
    "application/pdf": frozenset({"application/pdf"}),
    "application/x-pdf": frozenset({"application/pdf"}),
    _ZIP: frozenset({_ZIP}),
    "application/x-zip-compressed": frozenset({_ZIP}),
    "application/gzip": frozenset({"application/gzip"}),
    "application/x-gzip": frozenset({"application/gzip"}),
}


def mismatch(filename: str, declared: str, sniffed: str) -> str:
    """Why the name or the declared type of an attachment do not match its bytes, or ""."""
    what = _DESCRIPTIONS.get(sniffed, sniffed)
    stem, dot, extension = filename.rpartition(".")
    expected = _EXPECTED_BY_EXTENSION.get(extension.lower()) if dot and stem else None
    if expected is not None and sniffed not in expected:
        return f"named .{extension.lower()} but its bytes are {what}"
    if declared.startswith("text/") and declared != "text/rfc822-headers":
        expected = _TEXT_FAMILY
    else:
        expected = _EXPECTED_BY_TYPE.get(declared)
    if expected is not None and sniffed not in expected:
        return f"declared {declared} but its bytes are {what}"
    return ""
