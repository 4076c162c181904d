"""Images writers upload for their articles.

The type is decided by the file's first bytes, never by its name or the browser's claim: PNG,
JPEG, GIF and WebP only (no SVG, which can carry script). Files get random names, are written
atomically to ``DATA_DIR/media`` and are served with their own type, ``nosniff`` and a sandbox
CSP. Uploading the same bytes twice returns the first upload.
"""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path
from typing import Any

from .. import clock
from ..errors import NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import media as store

TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


def sniff(data: bytes) -> str | None:
    """The image type of ``data`` from its signature, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def dimensions(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height from the header, so pages can reserve the space (no layout shift)."""
    try:
        if kind == "image/png":
            return struct.unpack(">II", data[16:24])
        if kind == "image/gif":
            return struct.unpack("<HH", data[6:10])
        if kind == "image/webp":
            chunk = data[12:16]
            if chunk == b"VP8X":
                w = int.from_bytes(data[24:27], "little") + 1
                h = int.from_bytes(data[27:30], "little") + 1
                return w, h
            if chunk == b"VP8L":
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 ":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            return None
        return _jpeg_size(data)
    except (struct.error, IndexError):
        return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            h, w = struct.unpack(">HH", data[at + 5 : at + 9])
            return w, h
        at += 2 + length
    return None


class MediaService:
    def __init__(self, db: Database, folder: Path, max_bytes: int) -> None:
        self.db = db
        self.folder = folder
        self.max_bytes = max_bytes

    def save(self, app_id: str, data: bytes, original_name: str, by: str) -> dict[str, Any]:
        if not data:
            raise ValidationFailed("the file is empty", details={"file": ["empty"]})
        if len(data) > self.max_bytes:
            raise PayloadTooLarge(
                f"images are limited to {self.max_bytes // 1024} KiB",
                details={"file": [f"larger than {self.max_bytes} bytes"]},
            )
        kind = sniff(data)
        if kind is None:
            raise UnsupportedMediaType(
                "upload a PNG, JPEG, GIF or WebP image",
                details={"file": ["not a PNG, JPEG, GIF or WebP image"]},
            )
        digest = hashlib.sha256(data).hexdigest()
        with self.db.read() as conn:
            existing = store.by_digest(conn, app_id, digest)
        if existing is not None and (self.folder / existing["file_name"]).exists():
            return existing
        media_id = new_id("img_")
        size = dimensions(data, kind)
        item: dict[str, Any] = {
            "id": media_id,
            "app_id": app_id,
            "file_name": f"{media_id}.{TYPES[kind]}",
            "original_name": Path(original_name or "").name[:200],
            "content_type": kind,
            "size": len(data),
            "sha256": digest,
            "width": size[0] if size else None,
            "height": size[1] if size else None,
            "uploaded_by": by,
            "created_at": clock.iso(),
        }
        self._write(item["file_name"], data)
        try:
            with self.db.write() as conn:
                store.insert(conn, item)
        except BaseException:
            (self.folder / item["file_name"]).unlink(missing_ok=True)
            raise
        return item

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        temporary = self.folder / f".{name}.tmp"
        with open(temporary, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.folder / name)

    def find(self, file_name: str) -> tuple[Path, dict[str, Any]]:
        """The file and its record, for serving; NotFound for anything else."""
        if "/" in file_name or "\\" in file_name or file_name.startswith("."):
            raise NotFound("no such image")
        with self.db.read() as conn:
            item = store.by_file_name(conn, file_name)
        path = self.folder / file_name
        if item is None or not path.is_file():
            raise NotFound("no such image")
        return path, item

    def recent(self, app_id: str, limit: int = 60) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return store.recent(conn, app_id, limit)
