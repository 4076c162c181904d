"""Files: upload one to attach (``POST /uploads``), and read a ticket's files back, with a
credential (``GET /tickets/{id}/attachments/{att}``) or by the signed link a ticket gives."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from marshmallow import Schema, fields

from ..edge import file_response, rate_limit, runtime
from ..errors import PayloadTooLarge, ValidationFailed
from .auth import principal
from .openapi import documented

bp = Blueprint("uploads", __name__)
FORM_ROOM = 64 * 1024  # the multipart envelope around the file


class UploadOutSchema(Schema):
    id = fields.Str(dump_only=True, metadata={"description": "upl_…: name it in attachments"})
    filename = fields.Str(dump_only=True, metadata={"description": "The name as it will show"})
    content_type = fields.Str(dump_only=True, metadata={"description": "What the bytes are"})
    size = fields.Int(dump_only=True)
    expires_at = fields.Str(
        dump_only=True, metadata={"description": "Removed then unless attached to a message"}
    )


@bp.post("/uploads")
@documented(
    "Upload a file to attach to a ticket or a reply (one per request; its type is decided by"
    " its bytes: images, PDFs, text, archives, office documents, videos)",
    auth="user",
    upload="file",
    response=UploadOutSchema,
    status=201,
    errors=(403,),
)
def upload() -> Response:
    who = principal()
    rt = runtime()
    if who.kind != "staff":
        rate_limit("uploads", who)
    limit = rt.uploads.max_bytes
    if (request.content_length or 0) > limit + FORM_ROOM:
        raise PayloadTooLarge(
            f"files are limited to {limit // 1_048_576} MB",
            details={"file": [f"larger than {limit} bytes"]},
        )
    request.max_content_length = limit + FORM_ROOM
    request.max_form_memory_size = limit + FORM_ROOM
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ValidationFailed(
            "send the file as multipart/form-data in a part named file",
            details={"file": ["missing"]},
        )
    file = request.files.get("file")
    if file is None:
        raise ValidationFailed("choose a file to upload", details={"file": ["missing"]})
    saved = rt.uploads.save(who, file.read(limit + 1), file.filename or "", file.mimetype or "")
    response = jsonify(UploadOutSchema().dump(saved))
    response.status_code = 201
    return response


@bp.get("/tickets/<ticket_id>/attachments/<attachment_id>")
@documented(
    "A file of the ticket (the requester's or the app's agents'): images inline with"
    " ?preview=1, everything else as a download",
    auth="user",
    errors=(404,),
)
def attachment(ticket_id: str, attachment_id: str) -> Response:
    found = runtime().tickets.attachment(principal(), ticket_id, attachment_id)
    return file_response(found, preview=request.args.get("preview") == "1")


@bp.get("/files/<token>")
@documented(
    "A file by the signed link in a ticket's attachments (url): images inline, everything"
    " else as a download; 404 once the link has expired",
    auth="link",
    errors=(404,),
)
def linked(token: str) -> Response:
    return file_response(runtime().tickets.linked_attachment(token), preview=True)
