"""The app's custom ticket fields in the widget's contact form: shown by type with their labels
(only those visible to requesters), required ones enforced before sending and by the server,
and sent as typed values in the ticket's ``fields``."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from support_sdk.tokens import mint_user_token

from ..servers import cli
from .conftest import Harness
from .site import document, embed

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"


class FieldsApp:
    """An app of its own for each test (the other widget tests share theirs and must never
    meet a required field), with the fields of these tests."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        out = cli(
            "apps",
            "create",
            f"Fields {uuid.uuid4().hex[:6]}",
            "--origin",
            harness.site.origin,
            "--data-dir",
            str(harness.support.data_dir),
            "--json",
        ).stdout
        made = json.loads(out)
        self.app_id: str = made["app_id"]
        self.app_secret: str = made["app_secret"]
        self.admin_key: str = made["admin_api_key"]

    def define(self, **data: Any) -> dict[str, Any]:
        response = requests.post(
            f"{self.harness.support.url}/api/v1/ticket-fields",
            json=data,
            headers={"Authorization": f"Bearer {self.admin_key}"},
            timeout=10,
        )
        response.raise_for_status()
        field: dict[str, Any] = response.json()
        return field

    def token(self) -> str:
        return mint_user_token(self.app_id, self.app_secret, **self.harness.user())

    def page(self, token: str) -> Any:
        url = self.harness.site.add(
            f"/f/{uuid.uuid4().hex[:12]}",
            document(embed(self.harness.support.url, self.app_id, token=token)),
        )
        return self.harness.new_page(url)


@pytest.fixture
def app(harness: Harness) -> FieldsApp:
    made = FieldsApp(harness)
    made.define(
        key="issue_type",
        label="Issue type",
        type="select",
        options=["Bug", "Billing", "Other"],
        required=True,
    )
    made.define(key="seats", label="Seats", type="number")
    made.define(key="blocking", label="It blocks my work", type="checkbox")
    made.define(key="since", label="Since when", type="date")
    made.define(
        key="triage", label="Triage", type="text", required=True, visible_to_requester=False
    )
    return made


def control(page: Any, key: str) -> Any:
    return page.locator(f"support-widget form [name='fields.{key}']")


def label_of(page: Any, key: str) -> str:
    text: str = page.evaluate(
        f"() => {{ const c = {SHADOW}.querySelector(\"[name='fields.{key}']\");"
        " return c.labels[0]?.textContent || ''; }"
    )
    return text


def open_form(app: FieldsApp, token: str) -> Any:
    page = app.page(token)
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").click()
    control(page, "issue_type").wait_for()
    return page


def test_a_required_field_is_shown_blocks_sending_and_arrives_in_the_ticket(
    harness: Harness, app: FieldsApp
) -> None:
    token = app.token()
    page = open_form(app, token)
    posted: list[str] = []
    page.on(
        "request", lambda r: r.method == "POST" and "/tickets" in r.url and posted.append(r.url)
    )
    select = control(page, "issue_type")
    assert label_of(page, "issue_type") == "Issue type"
    assert select.get_attribute("required") == ""
    assert select.locator("option").all_inner_texts() == ["Choose…", "Bug", "Billing", "Other"]
    assert control(page, "seats").get_attribute("type") == "number"
    assert control(page, "since").get_attribute("type") == "date"
    assert control(page, "blocking").get_attribute("type") == "checkbox"
    assert label_of(page, "seats") == "Seats (optional)"
    assert label_of(page, "blocking") == "It blocks my work"
    assert control(page, "triage").count() == 0  # hidden from requesters: never asked
    page.locator("support-widget [name=body]").fill("The invoice total is wrong.")
    page.locator("support-widget button[type=submit]").click()
    assert select.get_attribute("aria-invalid") == "true"
    error = page.evaluate(
        f"() => {SHADOW}.getElementById("
        f"{SHADOW}.querySelector(\"[name='fields.issue_type']\").getAttribute('aria-describedby')"
        ").textContent"
    )
    assert error == "Please fill in this field."
    assert page.evaluate(f"() => {SHADOW}.activeElement?.name") == "fields.issue_type"
    page.wait_for_timeout(300)
    assert posted == []  # the form did not even try
    assert harness.tickets_of(token) == []
    select.select_option("Billing")
    control(page, "seats").fill("12")
    control(page, "blocking").check()
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    [ticket] = harness.tickets_of(token)
    # typed as the field says; the empty optional date is left out
    assert ticket["fields"] == {"issue_type": "Billing", "seats": 12, "blocking": True}


def test_a_field_the_server_names_is_shown_beside_its_control(
    harness: Harness, app: FieldsApp
) -> None:
    """The form's list is from when it opened: a required field made since is named by the
    server's 422, and the form fetches the list again to show it with the server's problem."""
    token = app.token()
    page = open_form(app, token)
    app.define(key="plan", label="Plan", type="select", options=["Free", "Pro"], required=True)
    control(page, "issue_type").select_option("Bug")
    page.locator("support-widget [name=body]").fill("The export stops at 50%.")
    control(page, "since").fill("2026-11-30")
    page.locator("support-widget button[type=submit]").click()
    plan = control(page, "plan")
    plan.wait_for()
    assert plan.get_attribute("aria-invalid") == "true"
    assert control(page, "issue_type").input_value() == "Bug"  # nothing typed is lost
    assert page.locator("support-widget [name=body]").input_value() == "The export stops at 50%."
    assert harness.tickets_of(token) == []
    plan.select_option("Pro")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    [ticket] = harness.tickets_of(token)
    assert ticket["fields"] == {
        "issue_type": "Bug",
        "plan": "Pro",
        "since": "2026-11-30",
        "blocking": False,
    }


def test_the_form_works_when_the_field_list_cannot_be_had(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    page.route("**/api/v1/ticket-fields", lambda route: route.abort())
    page.evaluate("SupportWidget('prefill', {subject: 'No fields', body: 'Still works'})")
    page.locator("support-widget form .attach").wait_for()
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    [ticket] = harness.tickets_of(token)
    assert ticket["fields"] == {}
