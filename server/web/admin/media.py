"""Image uploads for writers: from the editor (drop, paste or pick; JSON) or the media page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError, ValidationFailed
from ..security import base_url
from . import guard

bp = Blueprint("media", __name__, url_prefix="/media")


def _upload_limit() -> int:
    return int(runtime().config["SUPPORT_MAX_IMAGE_BYTES"]) + 64 * 1024  # room for the form


def _described(item: dict[str, Any]) -> dict[str, Any]:
    url = base_url() + url_for("media.image", file_name=item["file_name"])
    alt = (item["original_name"].rsplit(".", 1)[0] or "image").replace("]", "").replace("[", "")
    return {
        "id": item["id"],
        "url": url,
        "markdown": f"![{alt}]({url})",
        "content_type": item["content_type"],
        "size": item["size"],
        "width": item["width"],
        "height": item["height"],
        "original_name": item["original_name"],
        "created_at": item["created_at"],
    }


@bp.get("/")
@guard.requires("articles")
def library() -> str:
    items = [_described(i) for i in runtime().media.recent(guard.app_id())]
    return render_template(
        "admin/media.html",
        items=items,
        uploaded=request.args.get("uploaded"),
        max_bytes=runtime().config["SUPPORT_MAX_IMAGE_BYTES"],
    )


@bp.post("/")
@guard.requires("articles")
@guard.body_limit(_upload_limit)
def upload() -> BaseResponse:
    wants_json = request.accept_mimetypes.best == "application/json"
    file = request.files.get("file")
    try:
        if file is None or not file.filename:
            raise ValidationFailed("choose an image to upload", details={"file": ["missing"]})
        item = runtime().media.save(guard.app_id(), file.read(), file.filename, guard.author())
    except ApiError as exc:
        if wants_json:
            response = jsonify(exc.envelope())
            response.status_code = exc.status
            return response
        raise
    described = _described(item)
    if wants_json:
        response = jsonify(described)
        response.status_code = 201
        return response
    return redirect(url_for(".library", uploaded=item["id"]), code=303)
