"""What a requester sees of the staff who answer: a person's name, or "Support" for a program
using an API key; never the key's internal name ("initial admin key")."""

from __future__ import annotations

import requests

from ..conftest import LiveServer


def test_replies_through_an_api_key_are_signed_support(help_center_server: LiveServer) -> None:
    server = help_center_server
    client = server.client()
    token = client.user_token("u-names", email="ada@example.com", name="Ada")
    ticket = client.create_ticket("Where is my invoice?", user_token=token)
    staff = {"Authorization": f"Bearer {server.admin_key}"}
    requests.post(
        f"{server.url}/api/v1/tickets/{ticket.id}/messages",
        json={"body": "Here it is."},
        headers=staff,
        timeout=10,
    ).raise_for_status()
    [reply] = client.ticket(ticket.id, user_token=token).messages
    assert reply.author.name == "Support"


def test_a_ticket_filed_with_a_key_names_the_customer_not_the_key(
    help_center_server: LiveServer,
) -> None:
    server = help_center_server
    staff = {"Authorization": f"Bearer {server.admin_key}"}

    def file(**named: str) -> dict[str, object]:
        response = requests.post(
            f"{server.url}/api/v1/tickets",
            json={"body": "Phoned in", "email": "caller@example.com", **named},
            headers=staff,
            timeout=10,
        )
        response.raise_for_status()
        requester: dict[str, object] = response.json()["requester"]
        return requester

    assert file(name="Carla Caller")["name"] == "Carla Caller"
    assert file()["name"] is None
