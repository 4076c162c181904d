"""Attachments through the API: POST /uploads, then a ticket or a reply names the uploads.

The real app in process on a real SQLite file; the clock pinned, so a day can pass.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from support_sdk.tokens import mint_user_token
from support_server import bootstrap
from support_server.app import create_app
from support_server.services import apps
from support_server.store import tickets as ticket_store

from .conftest import ORIGIN, InProcess, PinnedClock

API = "/api/v1"
LIMIT = 200_000


def png(width: int = 3, height: int = 2) -> bytes:
    """A real PNG (browsers decode it), ``width`` x ``height`` red pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def server(tmp_path: Any, pinned_clock: PinnedClock) -> Iterator[InProcess]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app: Flask = create_app(
        data_dir=data_dir,
        overrides={
            "SUPPORT_PUBLIC_URL": "http://support.test",
            "SUPPORT_MAX_ATTACHMENT_BYTES": LIMIT,
        },
    )
    app.config["TESTING"] = True
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt = app.extensions["support"]
    rt.index.close()
    rt.db.close()


def user(
    server: InProcess, uid: str = "u-1", app_secret: str | None = None, app_id: str | None = None
) -> dict[str, str]:
    secret = app_secret or server.creds["app_secret"]
    token = mint_user_token(
        app_id or server.app_id, secret, uid, email=f"{uid}@example.com", name=uid
    )
    return {"Authorization": f"Bearer {token}"}


def upload(
    server: InProcess, headers: dict[str, str], data: bytes, name: str, want: int = 201
) -> Any:
    r = server.http.post(
        f"{API}/uploads",
        headers=headers,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert r.status_code == want, (r.status_code, r.get_json())
    return r.get_json()


def file_ticket(server: InProcess, headers: dict[str, str], want: int = 201, **body: Any) -> Any:
    r = server.http.post(f"{API}/tickets", headers=headers, json={"body": "It broke", **body})
    assert r.status_code == want, (r.status_code, r.get_json())
    return r.get_json()


def path_of(url: str) -> str:
    assert url.startswith("http://support.test/api/v1/files/"), url
    return url.removeprefix("http://support.test")


def test_a_customer_attaches_a_screenshot_and_both_sides_can_open_it(server: InProcess) -> None:
    me = user(server)
    shot = png()
    up = upload(server, me, shot, "screen shot.png")
    assert up["id"].startswith("upl_")
    assert (up["filename"], up["content_type"], up["size"]) == (
        "screen shot.png",
        "image/png",
        len(shot),
    )
    ticket = file_ticket(server, me, attachments=[up["id"]])
    [attached] = ticket["attachments"]
    assert (attached["filename"], attached["content_type"]) == ("screen shot.png", "image/png")
    # the signed link opens the image, inline, for an <img src>
    r = server.http.get(path_of(attached["url"]))
    assert r.status_code == 200 and r.data == shot
    assert r.mimetype == "image/png"
    assert r.headers["Content-Disposition"].startswith("inline")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    # with a credential: the requester, and the app's agents
    where = f"{API}/tickets/{ticket['id']}/attachments/{attached['id']}"
    assert server.http.get(where, headers=me).data == shot
    assert server.http.get(where, headers=server.staff_headers()).data == shot
    agent_view = server.http.get(f"{API}/tickets/{ticket['id']}", headers=server.staff_headers())
    assert [a["id"] for a in agent_view.get_json()["attachments"]] == [attached["id"]]


def test_the_link_stays_the_same_all_day_so_polling_gets_304(server: InProcess) -> None:
    me = user(server)
    ticket = file_ticket(server, me, attachments=[upload(server, me, png(), "a.png")["id"]])
    first = server.http.get(f"{API}/tickets/{ticket['id']}", headers=me)
    server.clock.advance(60)
    again = server.http.get(
        f"{API}/tickets/{ticket['id']}", headers={**me, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304


def test_another_user_or_app_gets_404_for_the_files(server: InProcess, tmp_path: Any) -> None:
    me, them = user(server), user(server, "u-2")
    ticket = file_ticket(server, me, attachments=[upload(server, me, png(), "a.png")["id"]])
    att = ticket["attachments"][0]["id"]
    where = f"{API}/tickets/{ticket['id']}/attachments/{att}"
    assert server.http.get(where, headers=them).status_code == 404
    assert server.http.get(where, headers={"X-Support-App": server.app_id}).status_code == 404
    other = apps.create_app(server.app.extensions["support"].db, "Other", [ORIGIN])
    stranger = {**user(server, "u-1", other["secrets"][0], other["id"])}
    assert server.http.get(where, headers=stranger).status_code == 404


def test_a_page_named_png_svg_and_programs_are_refused_by_their_bytes(server: InProcess) -> None:
    me = user(server)
    for data, name, what in (
        (b"<!DOCTYPE html><script>alert(1)</script>", "cat.png", "HTML"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "a.png",
            "SVG",
        ),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "report.pdf", "Linux program"),
    ):
        refused = upload(server, me, data, name, want=415)
        assert refused["error"]["code"] == "unsupported_media_type"
        assert what in refused["error"]["message"] and name in refused["error"]["message"]


def test_size_limit_empty_and_missing_files_say_what_is_wrong(server: InProcess) -> None:
    me = user(server)
    big = upload(server, me, b"a" * (LIMIT + 1), "log.txt", want=413)
    assert big["error"]["code"] == "payload_too_large"
    assert "195.3 KB" in big["error"]["message"]  # the limit, for people
    assert upload(server, me, b"", "empty.txt", want=422)["error"]["details"]["file"]
    r = server.http.post(f"{API}/uploads", headers=me, json={"file": "x"})
    assert r.status_code == 422 and "multipart" in r.get_json()["error"]["message"]
    r = server.http.post(
        f"{API}/uploads", headers=me, data={"other": "x"}, content_type="multipart/form-data"
    )
    assert r.status_code == 422


def test_names_from_the_client_never_become_paths(server: InProcess) -> None:
    me = user(server)
    up = upload(server, me, b"hello\n", "../../etc/\u202epasswd\u202c.txt")
    assert up["filename"] == "passwd.txt"
    ticket = file_ticket(server, me, attachments=[up["id"]])
    r = server.http.get(path_of(ticket["attachments"][0]["url"]))
    # text is a download of opaque bytes, never shown as a page
    assert r.mimetype == "application/octet-stream"
    assert r.headers["Content-Disposition"].startswith('attachment; filename="passwd.txt"')


def test_an_upload_is_attached_only_by_whoever_made_it_and_only_once(server: InProcess) -> None:
    me, them = user(server), user(server, "u-2")
    mine = upload(server, me, png(), "a.png")["id"]
    refused = file_ticket(server, them, want=422, attachments=[mine])
    assert refused["error"]["details"]["attachments"] == [f"{mine}: no such upload"]
    ticket = file_ticket(server, me, attachments=[mine])
    assert len(ticket["attachments"]) == 1
    again = file_ticket(server, me, want=422, attachments=[mine])  # already attached
    assert "attachments" in again["error"]["details"]


def test_one_bad_id_attaches_nothing_and_files_nothing(server: InProcess) -> None:
    me = user(server)
    good = upload(server, me, png(), "a.png")["id"]
    file_ticket(server, me, want=422, attachments=[good, "upl_nosuchthing"])
    listed = server.http.get(f"{API}/tickets", headers=me).get_json()["items"]
    assert listed == []
    ticket = file_ticket(server, me, attachments=[good])  # the good one is still there
    assert len(ticket["attachments"]) == 1


def test_replies_attach_files_and_may_say_nothing_else(server: InProcess) -> None:
    me = user(server)
    ticket = file_ticket(server, me)
    shot = upload(server, me, png(), "second.png")["id"]
    r = server.http.post(
        f"{API}/tickets/{ticket['id']}/messages",
        headers=me,
        json={"body": "", "attachments": [shot]},
    )
    assert r.status_code == 201, r.get_json()
    assert [a["filename"] for a in r.get_json()["attachments"]] == ["second.png"]
    blank = server.http.post(
        f"{API}/tickets/{ticket['id']}/messages", headers=me, json={"body": " "}
    )
    assert blank.status_code == 422 and "body" in blank.get_json()["error"]["details"]


def test_a_note_s_files_stay_with_the_agents(server: InProcess) -> None:
    me, staff = user(server), server.staff_headers()
    ticket = file_ticket(server, me)
    secret = upload(server, staff, b"internal,data\n1,2\n", "audit.csv")["id"]
    r = server.http.post(
        f"{API}/tickets/{ticket['id']}/messages",
        headers=staff,
        json={"body": "see the audit", "internal": True, "attachments": [secret]},
    )
    assert r.status_code == 201
    att = r.get_json()["attachments"][0]["id"]
    seen = server.http.get(f"{API}/tickets/{ticket['id']}", headers=me).get_json()
    assert all(not m["attachments"] for m in seen["messages"]) and seen["messages"] == []
    where = f"{API}/tickets/{ticket['id']}/attachments/{att}"
    assert server.http.get(where, headers=me).status_code == 404
    assert server.http.get(where, headers=staff).status_code == 200


def test_an_anonymous_visitor_uploads_before_filing_and_keeps_access(server: InProcess) -> None:
    anonymous = {"X-Support-App": server.app_id}
    up = upload(server, anonymous, png(), "a.png")
    ticket = file_ticket(server, anonymous, email="ana@example.com", attachments=[up["id"]])
    visitor = {"Authorization": f"Bearer {ticket['visitor_token']}"}
    att = ticket["attachments"][0]["id"]
    r = server.http.get(f"{API}/tickets/{ticket['id']}/attachments/{att}", headers=visitor)
    assert r.status_code == 200


def test_links_expire_and_cannot_be_forged(server: InProcess) -> None:
    me = user(server)
    ticket = file_ticket(server, me, attachments=[upload(server, me, png(), "a.png")["id"]])
    path = path_of(ticket["attachments"][0]["url"])
    token = path.rsplit("/", 1)[1]
    att_id, expires, signature = token.split(".")
    forged = f"{API}/files/{att_id}.{int(expires) + 86400}.{signature}"
    assert server.http.get(forged).status_code == 404
    assert server.http.get(f"{API}/files/nonsense").status_code == 404
    server.clock.advance(2 * 86400 + 1)
    gone = server.http.get(path)
    assert gone.status_code == 404 and "expired" in gone.get_json()["error"]["message"]
    fresh = server.http.get(f"{API}/tickets/{ticket['id']}", headers=me).get_json()
    assert server.http.get(path_of(fresh["attachments"][0]["url"])).status_code == 200


def test_uploads_nobody_attached_are_removed_after_a_day(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    me = user(server)
    old = upload(server, me, png(), "old.png")["id"]
    server.clock.advance(23 * 3600)
    recent = upload(server, me, png(), "recent.png")["id"]
    server.clock.advance(2 * 3600)
    assert rt.uploads.prune() == 1
    file_ticket(server, me, want=422, attachments=[old])
    assert len(file_ticket(server, me, attachments=[recent])["attachments"]) == 1


def test_the_openapi_document_describes_the_upload(server: InProcess) -> None:
    spec = server.http.get(f"{API}/openapi.json").get_json()
    body = spec["paths"]["/api/v1/uploads"]["post"]["requestBody"]["content"]
    assert body["multipart/form-data"]["schema"]["properties"]["file"]["format"] == "binary"
    assert spec["paths"]["/api/v1/files/{token}"]["get"]["security"] == [{}]


def test_the_conversation_page_from_a_mail_shows_and_links_the_files(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    me = user(server)
    ticket = file_ticket(server, me, attachments=[upload(server, me, png(), "shot.png")["id"]])
    with rt.db.read() as conn:
        row = ticket_store.get_ticket(conn, server.app_id, ticket["id"])
    page = server.http.get(
        rt.customer_mail.conversation_url(row).removeprefix("http://support.test")
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    [src] = re.findall(r'<img src="([^"]+)" alt="shot.png"', html)
    image = server.http.get(src.replace("&amp;", "&"))
    assert image.status_code == 200 and image.mimetype == "image/png"
