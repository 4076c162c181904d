"""The filing rules, now in TicketService.file rather than the API view: who files for whom,
the visitor token an anonymous filer gets back, and the source a client header names."""

from __future__ import annotations

from typing import Any

import pytest

from support_sdk import tokens
from support_server.errors import Forbidden, ValidationFailed
from support_server.principal import Principal

from .conftest import InProcess


def _file(
    server: InProcess, who: Principal, data: dict[str, object], client: str = ""
) -> tuple[int, dict[str, Any], bool, Principal]:
    rt = server.app.extensions["support"]
    return rt.tickets.file(
        who, data, client=client, idempotency_key=None, fingerprint="", address="192.0.2.7"
    )


def test_an_anonymous_visitor_must_give_an_email(server: InProcess) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _file(server, Principal(server.app_id, "visitor", ""), {"body": "help"})
    assert "email" in caught.value.details


def test_an_anonymous_visitor_becomes_a_visitor_answered_through_a_signed_token(
    server: InProcess,
) -> None:
    rt = server.app.extensions["support"]
    data = {"body": "help", "email": "ana@example.com", "name": "Ana"}
    status, body, replayed, requester = _file(
        server, Principal(server.app_id, "visitor", ""), data, client="WIDGET"
    )
    assert (status, replayed, body["source"]) == (201, False, "widget")
    assert requester.id.startswith("vis_") and requester.email == "ana@example.com"
    claims = tokens.verify_visitor_token(
        body["visitor_token"], server.app_id, rt.server_secrets, max_age=3600
    )
    assert claims.vid == requester.id


def test_a_staff_key_must_name_the_requester_and_a_writer_cannot_file(server: InProcess) -> None:
    agent = Principal(server.app_id, "staff", "key_1", role="agent", via_key=True)
    with pytest.raises(ValidationFailed):
        _file(server, agent, {"body": "on behalf of a customer"})
    status, body, _, _ = _file(
        server, agent, {"body": "on behalf", "email": "c@example.com"}, client="curl"
    )
    assert (status, body["source"], body["requester"]["email"]) == (201, "api", "c@example.com")
    writer = Principal(server.app_id, "staff", "key_2", role="writer", via_key=True)
    with pytest.raises(Forbidden):
        _file(server, writer, {"body": "x", "email": "c@example.com"})
