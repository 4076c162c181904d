"""Custom fields and attachments against a real server, through both clients: upload a real
file, file a ticket with it, read it back and fetch its signed link; the server's refusals
come back as the SDK's errors with the server's own reasons."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from support_sdk import SupportClient, TicketField, Upload, ValidationError
from support_sdk.aio import AsyncSupportClient
from support_sdk.testing import SupportServer

from ..conftest import ROOT
from .blocking import Blocking, Loop
from .conftest import png_bytes

Client = Any  # a SupportClient, or an AsyncSupportClient behind Blocking: the same calls


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.stop()


@pytest.fixture(params=["sync", "async"])
def open_client(
    request: pytest.FixtureRequest,
    support_server: SupportServer,
    custom_fields: dict[str, TicketField],
    loop: Loop,
) -> Iterator[Callable[..., Client]]:
    """Clients of the session's real server, of the kind the test is parametrized with."""
    opened: list[Any] = []

    def make(**kwargs: Any) -> Client:
        options: dict[str, Any] = {
            "app_id": support_server.app_id,
            "app_secret": support_server.app_secret,
        }
        if request.param == "sync":
            client = SupportClient(support_server.url, **options, **kwargs)
            opened.append(client)
            return client
        async_client = AsyncSupportClient(support_server.url, **options, **kwargs)
        opened.append(async_client)
        return Blocking(async_client, loop)

    yield make
    for client in opened:
        if isinstance(client, SupportClient):
            client.close()
        else:
            loop.run(client.close())


@pytest.fixture
def token(open_client: Callable[..., Client], request: pytest.FixtureRequest) -> str:
    """A user of its own for each test (and each kind of client)."""
    user = re.sub(r"\W+", "-", request.node.name)
    token: str = open_client().user_token(user, email=f"{user}@example.com")
    return token


def test_a_ticket_with_a_screenshot_and_fields_reads_back_with_a_working_link(
    open_client: Callable[..., Client], token: str, tmp_path: Path
) -> None:
    client = open_client()
    screenshot = tmp_path / "screenshot.png"
    screenshot.write_bytes(png_bytes())
    upload = client.upload(screenshot, user_token=token)
    assert isinstance(upload, Upload) and upload.id.startswith("upl_")
    assert (upload.filename, upload.content_type, upload.size) == (
        "screenshot.png",
        "image/png",
        len(png_bytes()),
    )
    filed = client.create_ticket(
        "The total is wrong",
        user_token=token,
        fields={"plan": "pro", "seats": 12},
        attachments=[upload],
    )
    assert dict(filed.fields) == {"plan": "pro", "seats": 12}

    ticket = client.ticket(filed.id, user_token=token)
    assert dict(ticket.fields) == {"plan": "pro", "seats": 12}
    (attachment,) = ticket.attachments
    assert attachment.id.startswith("att_")
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "screenshot.png",
        "image/png",
        len(png_bytes()),
    )
    assert attachment.url is not None and attachment.url.startswith(client.base_url + "/")
    linked = requests.get(attachment.url, timeout=10)  # signed: no credential needed
    assert linked.status_code == 200
    assert linked.headers["Content-Type"].startswith("image/png")
    assert linked.content == png_bytes()


def test_a_reply_may_be_only_a_file(open_client: Callable[..., Client], token: str) -> None:
    client = open_client()
    ticket = client.create_ticket("The export is empty", user_token=token)
    log = client.upload(b"12:00 export started\n12:01 0 rows\n", "export.log", user_token=token)
    message = client.reply(ticket.id, "", user_token=token, attachments=[log.id])
    assert message.body == ""
    (attachment,) = message.attachments
    assert (attachment.filename, attachment.content_type) == ("export.log", "text/plain")
    again = client.ticket(ticket.id, user_token=token)
    replied = next(m for m in again.messages if m.id == message.id)
    assert [a.filename for a in replied.attachments] == ["export.log"]
    assert attachment.url is not None
    assert (
        requests.get(attachment.url, timeout=10).content == b"12:00 export started\n12:01 0 rows\n"
    )


def test_an_html_page_named_png_is_refused_with_the_servers_reason(
    open_client: Callable[..., Client], token: str
) -> None:
    page = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    with pytest.raises(ValidationError) as info:
        open_client().upload(page, "screenshot.png", user_token=token)
    error = info.value
    assert (error.status, error.code) == (415, "unsupported_media_type")
    assert error.message.startswith("screenshot.png was refused: its bytes are an HTML document")
    assert "file" in error.details
    assert error.request_id


def test_an_upload_over_the_limit_is_a_413_not_a_broken_connection(
    open_client: Callable[..., Client], token: str
) -> None:
    too_big = b"\0" * (10 * 1024 * 1024 + 1)  # the server's default limit is 10 MB
    with pytest.raises(ValidationError) as info:
        open_client().upload(too_big, "dump.bin", user_token=token)
    assert (info.value.status, info.value.code) == (413, "payload_too_large")
    assert "10 MB" in info.value.message


def test_someone_elses_upload_cannot_be_attached(
    open_client: Callable[..., Client], token: str
) -> None:
    client = open_client()
    other = client.user_token("someone-else")
    theirs = client.upload(png_bytes(), "theirs.png", user_token=other)
    with pytest.raises(ValidationError) as info:
        client.create_ticket("Look", user_token=token, attachments=[theirs])
    assert info.value.status == 422
    assert "attachments" in info.value.details


def test_a_wrong_field_value_names_the_field(
    open_client: Callable[..., Client], token: str
) -> None:
    client = open_client()
    with pytest.raises(ValidationError) as info:
        client.create_ticket("Help", user_token=token, fields={"plan": "platinum"})
    assert info.value.status == 422
    assert list(info.value.details) == ["fields.plan"]
    assert info.value.message == "fields.plan: one of free, pro, enterprise"
    with pytest.raises(ValidationError) as unknown:
        client.create_ticket("Help", user_token=token, fields={"no_such_field": 1})
    assert dict(unknown.value.details) == {"fields.no_such_field": ["no such field"]}


def test_an_agent_sets_and_clears_field_values(
    open_client: Callable[..., Client], token: str, support_server: SupportServer
) -> None:
    ticket = open_client().create_ticket("Seats?", user_token=token, fields={"plan": "free"})
    agent = open_client(api_key=support_server.admin_api_key)
    changed = agent.update_ticket(ticket.id, fields={"seats": 5})
    assert dict(changed.fields) == {"plan": "free", "seats": 5}
    cleared = agent.update_ticket(ticket.id, fields={"plan": None})
    assert dict(cleared.fields) == {"seats": 5}
    assert dict(agent.ticket(ticket.id).fields) == {"seats": 5}


def test_ticket_fields_lists_what_a_requester_may_fill_in(
    open_client: Callable[..., Client], token: str
) -> None:
    fields = {f.key: f for f in open_client().ticket_fields(user_token=token)}
    assert fields["plan"].type == "select"
    assert fields["plan"].options == ("free", "pro", "enterprise")
    assert fields["seats"].type == "number" and not fields["seats"].required
    assert all(f.visible_to_requester and not f.archived for f in fields.values())


def test_the_readme_attachments_snippet_runs(
    support_server: SupportServer,
    custom_fields: dict[str, TicketField],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- snippet:attachments -->\n```python\n(.*?)```", readme, re.S)
    assert found, "README has no attachments snippet"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "screenshot.png").write_bytes(png_bytes())
    monkeypatch.setenv("SUPPORT_URL", support_server.url)
    monkeypatch.setenv("SUPPORT_APP_ID", support_server.app_id)
    monkeypatch.setenv("SUPPORT_APP_SECRET", support_server.app_secret)
    namespace: dict[str, Any] = {}
    exec(found.group(1), namespace)  # noqa: S102 - running the documented code is the test
    ticket = namespace["ticket"]
    assert dict(ticket.fields) == {"plan": "pro"}
    assert [a.filename for a in ticket.attachments] == ["screenshot.png"]
