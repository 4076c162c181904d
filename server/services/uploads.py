"""Files customers and agents attach to tickets and replies.

A file is uploaded first (``POST /api/v1/uploads``), one request per file, so the widget can
show each one's progress and refuse a bad one before the message is sent; the ticket or the
message then names the uploads it attaches. Attaching moves the bytes beside the ticket's
other files (``message_attachments``, with what mail brings) in the ticket's transaction, so
a file is attached exactly when its message is stored. An upload may be attached only by the
person who made it, within a day; the worker removes the ones nobody attached.

What a file is comes from its bytes (:mod:`.file_types`), never from its name or the
browser's claim: images, PDF, plain text, archives, office documents and videos are kept;
HTML, SVG, XML, scripts and programs are refused whatever they are called.

Links to a file (for ``<img src>`` in the widget, the conversation page and mails) are signed:
the attachment's id and an expiry, valid for at least a day and the same all day long, so a
ticket's representation (and its ETag) does not change from one poll to the next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from itsdangerous import BadSignature, Signer

from .. import clock
from ..errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from ..ids import new_id
from ..principal import Principal
from ..store import Database
from ..store import uploads as store
from .file_types import Attachment, describe, mismatch, safe_filename, size_text, sniff

DAY = 86400
MAX_PER_MESSAGE = 10
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_OOXML = "application/vnd.openxmlformats-officedocument."
_ODF = "application/vnd.oasis.opendocument."
ALLOWED = IMAGES | {
    "image/heic",
    "image/heif",
    "image/avif",
    "image/bmp",
    "image/tiff",
    "application/pdf",
    "text/plain",
    "application/zip",
    "application/gzip",
    "application/x-7z-compressed",
    _OOXML + "wordprocessingml.document",
    _OOXML + "spreadsheetml.sheet",
    _OOXML + "presentationml.presentation",
    _ODF + "text",
    _ODF + "spreadsheet",
    _ODF + "presentation",
    "application/x-ole-storage",
    "video/mp4",
    "video/quicktime",
}
_KINDS_ALLOWED = "images, PDFs, text files, archives, office documents and videos"


class Uploads:
    def __init__(self, db: Database, max_bytes: int, secrets: Sequence[str]) -> None:
        self.db = db
        self.max_bytes = max_bytes
        # the newest secret signs; links signed before a rotation still open
        self._signer = Signer(list(secrets), salt="support-file")

    # -- uploading ----------------------------------------------------------------------------
    def save(
        self, who: Principal, data: bytes, filename: str, declared_type: str = ""
    ) -> dict[str, Any]:
        """Keep ``data`` for ``who`` to attach; 413, 415 or 422 with a reason people can act on."""
        if who.kind == "staff" and not who.is_agent:
            raise ValidationFailed(
                "a writer key cannot attach files to tickets", details={"file": ["not allowed"]}
            )
        name = safe_filename(filename or "")
        if not data:
            raise ValidationFailed(f"{name} is empty", details={"file": ["the file is empty"]})
        if len(data) > self.max_bytes:
            limit = size_text(self.max_bytes)
            raise PayloadTooLarge(
                f"{name} is {size_text(len(data))}; files are limited to {limit}",
                details={"file": [f"larger than {limit}"]},
            )
        kind = sniff(data)
        if kind not in ALLOWED:
            raise UnsupportedMediaType(
                f"{name} was refused: its bytes are {describe(kind)}; attach {_KINDS_ALLOWED}",
                details={"file": [f"{describe(kind)} is not accepted"]},
            )
        declared = (declared_type or "").split(";", 1)[0].strip().lower()[:100]
        upload = {
            "public_id": new_id("upl_"),
            "app_id": who.app_id,
            "owner": who.key,
            "filename": name,
            "content_type": kind,
            "declared_type": declared,
            "data": data,
            "note": mismatch(name, declared, kind),
            "created_at": clock.iso(),
        }
        with self.db.write() as conn:
            store.insert(conn, upload)
        return {
            "id": upload["public_id"],
            "filename": name,
            "content_type": kind,
            "size": len(data),
            "expires_at": clock.iso(clock.now() + DAY),
        }

    def claim(
        self, conn: sqlite3.Connection, who: Principal, ids: Sequence[str]
    ) -> list[Attachment]:
        """The uploads ``ids`` as attachments, taken in the caller's transaction (so they are
        attached exactly when the message is stored); 422 naming each one that is unknown,
        expired, already attached or someone else's, and nothing taken."""
        if not ids:
            return []
        if len(ids) > MAX_PER_MESSAGE:
            raise ValidationFailed(
                f"attach at most {MAX_PER_MESSAGE} files to one message",
                details={"attachments": [f"at most {MAX_PER_MESSAGE}"]},
            )
        since = clock.iso(clock.now() - DAY)
        taken: list[Attachment] = []
        missing: list[str] = []
        for public_id in dict.fromkeys(ids):
            row = store.take(conn, who.app_id, who.key, str(public_id), since)
            if row is None:
                missing.append(str(public_id)[:40])
                continue
            taken.append(
                Attachment(
                    filename=row["filename"],
                    declared_type=row["declared_type"],
                    content_type=row["content_type"],
                    data=row["data"],
                    inline=False,
                    content_id=None,
                    note=row["note"],
                )
            )
        if missing:
            # the caller's transaction rolls back: the uploads that were found stay uploads
            raise ValidationFailed(
                "upload the file again: "
                + ", ".join(missing)
                + " is not an upload of yours from the last day",
                details={"attachments": [f"{m}: no such upload" for m in missing]},
            )
        return taken

    def prune(self, limit: int = 500) -> int:
        """Remove up to ``limit`` uploads nobody attached within a day."""
        with self.db.write() as conn:
            return store.prune(conn, clock.iso(clock.now() - DAY), limit)

    # -- links --------------------------------------------------------------------------------
    def link_token(self, attachment_id: str) -> str:
        """``att_….<expiry>.<signature>``: valid at least a day, the same all (UTC) day."""
        expires = (int(clock.now()) // DAY + 2) * DAY
        return self._signer.sign(f"{attachment_id}.{expires}").decode()

    def attachment_of(self, token: str) -> str | None:
        """The attachment id a link token names, or None when forged or expired."""
        try:
            value = self._signer.unsign(token).decode()
        except (BadSignature, UnicodeDecodeError):
            return None
        attachment_id, _, expires = value.rpartition(".")
        if not attachment_id or not expires.isdigit() or int(expires) < clock.now():
            return None
        return attachment_id
