"""Every form in templates/admin is submitted by a browser test with the values the page put in
it, and every admin page renders forms a browser can submit: signing in and out, the app
switcher, the analytics range, and a walk over every imported article and ticket page."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import ROOT, LiveServer
from ..servers import cli
from ..worker import test_profile_in_browser
from . import (
    test_editor_in_browser,
    test_inbox_bulk_in_browser,
    test_insights_in_browser,
    test_known_issues_in_browser,
    test_mail_settings_in_browser,
    test_presence_in_browser,
    test_service_levels_in_browser,
    test_ticket_fields_in_browser,
    test_tickets_in_browser,
    test_webhooks_in_browser,
    test_workspace_in_browser,
)
from .conftest import audit_forms, sign_in

pytestmark = pytest.mark.browser
TEMPLATES = ROOT / "server" / "templates" / "admin"
_FORM = re.compile(r"<form\b[^>]*>", re.S)
_FORMACTION = re.compile(r"""formaction="\{\{\s*url_for\(['"]([^'"]+)['"]""")
_ACTION = re.compile(r"""action="\{\{\s*(?:url_for\(['"]([^'"]+)['"]|([a-z_]+)\s*\}\})""")

# Each form of templates/admin (template, where it posts) and the browser tests that submit
# it. A new form fails the first test below until a test submits it too.
SUBMITTED_BY = {
    ("base.html", "admin.auth.switch_app"): ["test_the_app_switcher_switches_the_app"],
    ("base.html", "admin.auth.logout"): ["test_sign_in_and_out_with_a_password_or_a_key"],
    ("login.html", "admin.auth.login_submit"): ["test_sign_in_and_out_with_a_password_or_a_key"],
    ("articles.html", ".index"): ["test_a_writer_updates_an_imported_article"],
    ("editor.html", "action_url"): [
        "test_a_writer_updates_an_imported_article",
        "test_every_publishing_button_submits_what_the_page_holds",
        "test_save_my_version_anyway_after_a_conflict",
        "test_translate_an_imported_article_and_publish_it",
    ],
    ("editor.html", ".translate"): ["test_translate_an_imported_article_and_publish_it"],
    ("revision.html", ".restore"): ["test_restore_a_revision_from_its_page"],
    ("media.html", ".upload"): ["test_upload_an_image_from_the_images_page"],
    ("inbox.html", ".inbox"): ["test_the_inbox_says_who_is_waiting_for_a_reply"],
    ("inbox.html", ".bulk"): ["test_check_rows_and_change_them_from_the_bulk_bar"],
    ("inbox.html", ".save_view"): ["test_filter_by_a_custom_field_save_the_view_and_delete_it"],
    ("inbox.html", ".delete_view"): ["test_filter_by_a_custom_field_save_the_view_and_delete_it"],
    ("ticket.html", ".reply"): ["test_reply_note_and_reply_then_set_status"],
    ("ticket.html", ".set_fields"): ["test_an_agent_fills_in_the_fields_and_an_archived_one_stays"],
    ("ticket.html", "admin.followers.follow"): [
        "test_two_agents_see_each_other_view_type_and_leave"
    ],
    ("ticket.html", ".update"): [
        "test_assign_to_me_assigns_the_agent",
        "test_the_properties_form_saves_what_it_shows",
    ],
    ("analytics.html", ".dashboard"): ["test_the_analytics_range_form_shows_its_range"],
    ("_shortcuts.html", "dialog"): ["test_a_click_anywhere_on_a_row_opens_its_ticket"],
    ("profile.html", ".save"): [
        "test_a_user_sets_an_address_and_switches_new_tickets_off_on_their_profile"
    ],
    # the add form (.create) and the edit form (.update) are one template
    ("webhook_form.html", ".update"): [
        "test_add_test_fail_retry",
        "test_rotate_switch_off_and_delete",
    ],
    ("mail_settings.html", ".save_settings"): [
        "test_an_admin_saves_the_email_settings_and_makes_an_inbound_key"
    ],
    ("webhook.html", ".send_test"): ["test_add_test_fail_retry"],
    ("webhook.html", ".retry"): ["test_add_test_fail_retry"],
    ("webhook.html", ".switch"): ["test_rotate_switch_off_and_delete"],
    ("webhook.html", ".rotate"): ["test_rotate_switch_off_and_delete"],
    ("webhook.html", ".delete"): ["test_rotate_switch_off_and_delete"],
    ("business_hours.html", ".save_hours"): [
        "test_an_admin_sets_business_hours_and_orders_sla_policies"
    ],
    # the add form (.create_policy) and the edit form (.update_policy) are one template
    ("policy_form.html", ".update_policy"): [
        "test_an_admin_sets_business_hours_and_orders_sla_policies"
    ],
    ("policy_form.html", ".delete_policy"): [
        "test_an_admin_sets_business_hours_and_orders_sla_policies"
    ],
    ("service_levels.html", ".move_policy"): [
        "test_an_admin_sets_business_hours_and_orders_sla_policies"
    ],
    ("team_form.html", ".update_team"): [
        "test_an_admin_makes_teams_and_deletes_one_that_holds_tickets"
    ],
    ("team_form.html", ".delete_team"): [
        "test_an_admin_makes_teams_and_deletes_one_that_holds_tickets"
    ],
    ("team_delete.html", ".delete_team"): [
        "test_an_admin_makes_teams_and_deletes_one_that_holds_tickets"
    ],
    ("automations.html", ".switch_automation"): [
        "test_an_admin_adds_automations_sees_a_loop_and_dry_runs_one"
    ],
    ("automations.html", ".move_automation"): [
        "test_an_admin_adds_automations_sees_a_loop_and_dry_runs_one"
    ],
    ("automation_form.html", ".update_automation"): [
        "test_an_admin_adds_automations_sees_a_loop_and_dry_runs_one"
    ],
    ("automation_form.html", ".delete_automation"): [
        "test_an_admin_adds_automations_sees_a_loop_and_dry_runs_one"
    ],
    ("automation_form.html", ".automation"): [  # the dry run (a GET: it changes nothing)
        "test_an_admin_adds_automations_sees_a_loop_and_dry_runs_one"
    ],
    ("profile.html", ".availability"): [
        "test_an_agent_goes_away_and_reads_the_rules_without_changing_them"
    ],
    # the add form (.create) and the edit form (.update) are one template
    ("saved_reply_form.html", ".update"): ["test_an_admin_adds_edits_and_deletes_a_saved_reply"],
    ("saved_reply_form.html", ".delete"): ["test_an_admin_adds_edits_and_deletes_a_saved_reply"],
    # the add form (.create) and the edit form (.update) are one template
    ("ticket_field_form.html", ".update"): [
        "test_an_admin_adds_a_select_field_archives_and_restores_it"
    ],
    ("ticket_field_form.html", ".delete"): [
        "test_an_admin_adds_a_select_field_archives_and_restores_it"
    ],
    ("ticket_field_form.html", ".restore"): [  # a new field named like an archived one
        "test_an_admin_adds_a_select_field_archives_and_restores_it"
    ],
    ("ticket_fields.html", ".restore"): [
        "test_an_admin_adds_a_select_field_archives_and_restores_it"
    ],
    ("insights.html", ".link"): ["test_a_repeated_issue_becomes_a_published_article"],
    ("insights.html", ".unlink"): ["test_a_repeated_issue_becomes_a_published_article"],
    # the add form (.create) and the edit form (.update) are one template; "Save and resolve"
    # posts the edit form to .resolve
    ("known_issue_form.html", ".update"): [
        "test_an_agent_makes_edits_resolves_reopens_and_resolves_a_known_issue"
    ],
    ("known_issue_form.html", ".resolve"): [
        "test_an_agent_makes_edits_resolves_reopens_and_resolves_a_known_issue"
    ],
    ("known_issues.html", ".resolve"): [
        "test_an_agent_makes_edits_resolves_reopens_and_resolves_a_known_issue"
    ],
    ("known_issues.html", ".reopen"): [
        "test_an_agent_makes_edits_resolves_reopens_and_resolves_a_known_issue"
    ],
}


def forms_in_templates() -> set[tuple[str, str]]:
    found = set()
    for template in sorted(TEMPLATES.glob("*.html")):
        for tag in _FORM.findall(template.read_text(encoding="utf-8")):
            if 'method="dialog"' in tag:
                found.add((template.name, "dialog"))
                continue
            action = _ACTION.search(tag)
            assert action, f"{template.name}: a form without a recognisable action: {tag}"
            found.add((template.name, action.group(1) or action.group(2)))
        # a button that posts its form elsewhere is one more way to submit it
        found.update((template.name, e) for e in _FORMACTION.findall(template.read_text("utf-8")))
    return found


def test_every_admin_form_is_submitted_by_a_browser_test() -> None:
    assert forms_in_templates() == set(SUBMITTED_BY)
    here = globals()
    modules = (
        test_editor_in_browser,
        test_tickets_in_browser,
        test_inbox_bulk_in_browser,
        test_insights_in_browser,
        test_known_issues_in_browser,
        test_profile_in_browser,
        test_webhooks_in_browser,
        test_mail_settings_in_browser,
        test_service_levels_in_browser,
        test_ticket_fields_in_browser,
        test_presence_in_browser,
        test_workspace_in_browser,
    )
    for tests in SUBMITTED_BY.values():
        for name in tests:
            assert name in here or any(hasattr(m, name) for m in modules), name


def current_app_of(server: LiveServer, username: str) -> list[str]:
    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        rows = conn.execute(
            "SELECT s.current_app FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id"
            " WHERE s.staff_kind = 'user' AND u.username = ?",
            (username,),
        ).fetchall()
    finally:
        conn.close()
    return [str(r[0]) for r in rows]


def test_sign_in_and_out_with_a_password_or_a_key(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    page.goto(web.url + "/admin/articles/")
    page.wait_for_url("**/admin/login**")
    audit_forms(page)
    page.fill("#username", "wes")
    page.fill("#password", "correct horse battery")
    page.click("button.primary")  # with the next= the page carries
    page.wait_for_url("**/admin/articles/")
    assert page.inner_text(".me .who").lower() == "wes writer\nwriter"
    audit_forms(page)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with page.expect_navigation(url="**/admin/login?signed_out=1"):
        page.click("text=Sign out")
    assert page.inner_text(".alert.ok") == "You are signed out."
    replayed = requests.get(
        web.url + "/admin/articles/", cookies=cookies, allow_redirects=False, timeout=10
    )
    assert replayed.status_code in (302, 303)  # the old cookie is dead on the server too
    assert "/admin/login" in replayed.headers["Location"]

    audit_forms(page)
    page.click("text=Sign in with a staff API key instead")
    page.fill("#api_key", web.admin_key)
    page.click("text=Sign in with the key")
    page.wait_for_url("**/admin/articles/")
    assert "admin" in page.inner_text(".me .who")
    with page.expect_navigation(url="**signed_out=1"):
        page.click("text=Sign out")
    assert page.dialogs == [] and page.errors == []


@pytest.fixture(scope="module")
def another_app(web: LiveServer) -> dict[str, str]:
    made: dict[str, str] = json.loads(
        cli("apps", "create", "Switch target", "--data-dir", str(web.data_dir), "--json").stdout
    )
    return made


def test_the_app_switcher_switches_the_app(
    web: LiveServer, another_app: dict[str, str], browser_page: Any
) -> None:
    page = browser_page
    sign_in(page, web, "admin")
    page.goto(web.url + "/admin/articles/")
    audit_forms(page)
    assert page.input_value("#app-switch") == web.app_id
    with page.expect_navigation():
        page.select_option("#app-switch", another_app["app_id"])  # submits itself
    audit_forms(page)
    assert page.input_value("#app-switch") == another_app["app_id"]
    assert another_app["app_id"] in current_app_of(web, "ada")
    page.goto(web.url + "/admin/articles/")
    assert "0 articles" in page.inner_text(".page-head")  # the new app has none yet
    with page.expect_navigation():
        page.select_option("#app-switch", web.app_id)
    page.goto(web.url + "/admin/articles/")
    assert "0 articles" not in page.inner_text(".page-head")
    assert page.errors == []


def test_the_analytics_range_form_shows_its_range(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, web, "admin")
    page.goto(web.url + "/admin/analytics/")
    audit_forms(page)
    start, end = page.input_value("#from"), page.input_value("#to")
    with page.expect_navigation(url=f"**from={start}&to={end}"):
        page.click("form.range button[type=submit]")
    audit_forms(page)
    assert f"{start} to {end}" in page.inner_text(".page-head")
    assert page.errors == []


def test_every_admin_page_renders_forms_it_can_submit(web: LiveServer, browser_page: Any) -> None:
    """Walk every imported article (and its history and a translation), the inbox and a ticket
    filed by a user: no page holds a value its own form would refuse."""
    page = browser_page
    filed = test_tickets_in_browser.Filed(web, traits={"plan": "pro"})
    sign_in(page, web, "admin")
    listed = requests.get(
        web.url + "/api/v1/articles",
        params={"limit": 200},
        headers={"Authorization": f"Bearer {web.admin_key}"},
        timeout=10,
    ).json()["items"]
    assert len(listed) > 30  # the sample help center, imported
    first = listed[0]["id"]
    paths = [
        "/admin/articles/",
        "/admin/articles/new",
        f"/admin/articles/{first}/translate?locale=de",
        f"/admin/articles/{first}/revisions",
        f"/admin/articles/{first}/revisions/1",
        "/admin/media/",
        "/admin/tickets/",
        "/admin/tickets/?view=all",
        f"/admin/tickets/{filed.id}",
        "/admin/analytics/",
        *(f"/admin/articles/{item['id']}" for item in listed),
    ]
    for path in paths:
        response = page.goto(web.url + path)
        assert response.status == 200, path
        audit_forms(page)
    assert page.errors == []


def test_the_page_audit_catches_an_escaped_attribute(browser_page: Any, tmp_path: Path) -> None:
    """The audit itself: the markup the old field macro rendered fails it."""
    page = browser_page
    page.set_content(
        '<form><input name="slug" value="a-slug" pattern=&#34;[a-z0-9]+(-[a-z0-9]+)*&#34;'
        " maxlength=&#34;80&#34;></form>"
    )
    with pytest.raises(AssertionError, match="quoted inside its value"):
        audit_forms(page)
