"""The pytest plugin integrators get: its fixtures start a real server and work."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_the_fixtures_give_a_real_server_a_client_and_tokens(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_file_and_read_back(support_client, support_user_token, support_server):
            token = support_user_token("42", email="ada@example.com")
            ticket = support_client.create_ticket("It broke", user_token=token)
            assert support_client.ticket(ticket.id, user_token=token).body == "It broke"
            assert support_server.url.startswith("http://127.0.0.1:")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
