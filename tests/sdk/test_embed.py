"""The framework-free embed markup that the Flask and Django integrations share, and the
context check that reads their templates."""

from __future__ import annotations

from pathlib import Path

from markupsafe import Markup, escape

from support_sdk._embed import escape as embed_escape
from support_sdk._embed import help_button, widget_tag
from support_sdk.context_check import collect_usages


def test_values_are_escaped_exactly_as_markupsafe_does() -> None:
    for value in ['"><script>alert(1)</script>', "it's & <b>", "plain", 42]:
        assert embed_escape(value) == str(escape(value))
    assert embed_escape(Markup("<b>kept</b>")) == "<b>kept</b>"


def test_the_widget_tag_leaves_out_empty_values_and_adds_configured_data() -> None:
    tag = widget_tag(
        url="https://help.example/",
        app_id="app_1",
        context='a"b',
        refresh_url="/_support/token",
        data={"theme": "dark", "data-position": "left", "locale": "fr"},
        locale="de",
    )
    assert tag == (
        '<script async src="https://help.example/widget/v1/loader.js" data-app-id="app_1" '
        'data-context="a&#34;b" data-locale="de" data-theme="dark" data-position="left" '
        'data-token-refresh-url="/_support/token"></script>'
    )


def test_the_help_button_escapes_its_target_and_text() -> None:
    assert help_button("x<y", "A & B") == (
        '<button type="button" class="support-help" data-support-help="x&lt;y" '
        'aria-haspopup="dialog">A &amp; B</button>'
    )


def test_the_context_check_reads_django_template_tags(tmp_path: Path) -> None:
    page = tmp_path / "billing.html"
    page.write_text(
        "{% load support %}\n"
        '{% support_widget locale="fr" context="billing.invoices" %}\n'
        "{% help_link 'invoices.tax' \"Tax\" %}{% help_link slug %}\n",
        encoding="utf-8",
    )
    found = [(u.context, u.line) for u in collect_usages([tmp_path])]
    assert sorted(found) == [("billing.invoices", 2), ("invoices.tax", 3)]
