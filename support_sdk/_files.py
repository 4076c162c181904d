"""What :meth:`~support_sdk.SupportClient.upload` sends: the bytes of a file given as bytes,
a path or a binary file object, with the name and the type it is sent under.

The file is read here, once and whole (the server takes at most a few MB per file), so a
retried upload sends exactly the bytes of the first attempt, even from a stream that cannot
be rewound.
"""

from __future__ import annotations

import mimetypes
import os
from typing import Protocol

from ._http import FilePart

__all__ = ["Readable", "UploadSource", "file_part"]


class Readable(Protocol):
    """A binary file object: anything whose ``read()`` returns bytes."""

    def read(self) -> bytes: ...  # pragma: no cover - a protocol


#: What can be uploaded: the content itself, a path to it, or a file object opened ``"rb"``.
UploadSource = bytes | str | os.PathLike[str] | Readable

_OCTET_STREAM = "application/octet-stream"


def file_part(file: UploadSource, filename: str | None, content_type: str | None) -> FilePart:
    """The ``(filename, content, content type)`` to send for ``file``.

    The name defaults to the path's or the file object's last part; bytes have no name, so
    they need ``filename``. The type defaults to the one the name suggests (the server
    decides what a file is from its bytes anyway and keeps what the sender said only to
    note a mismatch).

    >>> file_part(b"2024-05-01 export failed", "export.txt", None)
    ('export.txt', b'2024-05-01 export failed', 'text/plain')
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        content, name = bytes(file), None
    elif isinstance(file, (str, os.PathLike)):
        path = os.fspath(file)
        with open(path, "rb") as opened:
            content = opened.read()
        name = os.path.basename(path)
    elif callable(getattr(file, "read", None)):
        content = file.read()
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise TypeError("upload() needs a file opened in binary mode ('rb'), not text mode")
        content = bytes(content)
        given = getattr(file, "name", None)
        name = os.path.basename(given) if isinstance(given, str) else None
    else:
        raise TypeError(
            f"upload() takes bytes, a path or a binary file object, not {type(file).__name__}"
        )
    name = filename or name
    if not name:
        raise ValueError("upload() needs filename= for bytes or a file object without a name")
    kind = content_type or mimetypes.guess_type(name, strict=False)[0] or _OCTET_STREAM
    return (name, content, kind)
