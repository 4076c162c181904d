"""client.report_exception against a real server: useful context, no secrets."""

from __future__ import annotations

from support_sdk.error_reports import exception_context
from support_sdk.testing import SupportServer


def failing_export(secret: str) -> None:
    api_password = secret  # a local variable that must never reach the ticket  # noqa: F841
    raise ValueError(f"export failed with key sk_live_abcdefghijkl and {secret}")


def test_a_reported_exception_becomes_a_ticket_with_a_trimmed_traceback(
    support_server: SupportServer,
    support_user_token: object,
) -> None:
    with support_server.client() as client:
        token = client.user_token("crash-user", email="crash@example.com")
        try:
            failing_export(support_server.app_secret)
        except ValueError as exc:
            ticket = client.report_exception(exc, user_token=token, context={"url": "/exports"})
    assert ticket.subject == "Error: ValueError"
    exception = ticket.context["exception"]
    assert exception["type"] == "ValueError"
    assert "failing_export" in exception["traceback"]
    assert ticket.context["url"] == "/exports"
    text = str(ticket.context) + ticket.body
    assert support_server.app_secret not in text and "sk_live_abcdefghijkl" not in text
    assert "raise ValueError" in exception["traceback"]  # source lines, never values


def test_long_tracebacks_are_trimmed() -> None:
    def recurse(n: int) -> None:
        if n == 0:
            raise RecursionError("deep")
        recurse(n - 1)

    try:
        recurse(200)
    except RecursionError as exc:
        details = exception_context(exc)
    assert len(details["traceback"]) <= 6001
    assert details["traceback"].rstrip().endswith("RecursionError: deep")
