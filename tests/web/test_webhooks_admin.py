"""The webhook admin pages over real HTTP: who may use them, CSRF, and bad input re-rendering
the form with its message and the input kept. This server does not allow private addresses,
as production does not, so the SSRF rules are the real ones."""

from __future__ import annotations

import re
from typing import Any

from ..conftest import LiveServer
from .conftest import field, text_of


def test_only_admins_see_webhooks(web: LiveServer, staff: Any) -> None:
    for role in ("writer", "agent"):
        person = staff(role)
        assert person.get("/admin/webhooks/").status_code == 403
        assert "Webhooks" not in text_of(person.get("/admin/").text)
        assert person.post("/admin/webhooks/", {"url": "https://x.example"}).status_code == 403
    admin = staff("admin")
    page = admin.get("/admin/webhooks/")
    assert page.status_code == 200
    assert 'href="/admin/webhooks/"' in page.text and "No endpoints yet" in page.text


def test_a_form_without_the_csrf_token_is_refused(staff: Any) -> None:
    admin = staff("admin")
    response = admin.post(
        "/admin/webhooks/",
        {"url": "https://hooks.example.com/", "events": "*"},
        csrf=False,
    )
    assert response.status_code == 403
    assert "The form expired" in response.text


def _refused(admin: Any, data: dict[str, Any], message: str) -> str:
    response = admin.post("/admin/webhooks/", data)
    assert response.status_code == 422, response.text
    assert message in text_of(response.text), text_of(response.text)
    assert "whsec_" not in response.text
    return str(response.text)


def test_bad_input_re_renders_the_form_with_the_message_and_the_input_kept(staff: Any) -> None:
    admin = staff("admin")
    page = _refused(
        admin,
        {
            "url": "http://hooks.example.com/in",
            "events": ["ticket.created", "ticket.rated"],
            "description": "CRM <sync>",
        },
        "the URL must start with https://",
    )
    assert field(page, "url") == "http://hooks.example.com/in"
    assert field(page, "description") == "CRM <sync>"
    assert "CRM <sync>" not in page  # escaped
    checked = re.findall(r'name="events" value="([^"]+)" checked', page)
    assert checked == ["ticket.created", "ticket.rated"]
    page = _refused(
        admin,
        {"url": "https://127.0.0.1/hooks", "events": "*"},
        "resolves to a loopback address",
    )
    assert re.findall(r'name="events" value="([^"]+)" checked', page) == ["*"]
    page = _refused(
        admin,
        {"url": "https://10.1.2.3/hooks", "description": "no events"},
        "choose at least one event",
    )
    assert field(page, "url") == "https://10.1.2.3/hooks"
    # nothing was made by any of them
    assert "No endpoints yet" in admin.get("/admin/webhooks/").text


def test_an_unknown_endpoint_is_not_found(staff: Any) -> None:
    admin = staff("admin")
    assert admin.get("/admin/webhooks/whk_nope").status_code == 404
    assert admin.post("/admin/webhooks/whk_nope/test").status_code == 404
    assert admin.post("/admin/webhooks/whk_nope/deliveries/whd_x/retry").status_code == 404
