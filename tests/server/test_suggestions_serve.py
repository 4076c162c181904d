"""A changed path pattern is seen by the very next suggestion request, whichever of the two
``serve`` workers answers it: no worker keeps the patterns (or anything else of suggestions)
from an earlier request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..servers import ServerProcess, init_data_dir


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ServerProcess]:
    data_dir = tmp_path / "data"
    with ServerProcess(data_dir, init_data_dir(data_dir), mode="serve", workers=2) as server:
        yield server


def _write(server: ServerProcess, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {server.admin_api_key}"}
    url = f"{server.url}/api/v1{path}"
    done = requests.request(method, url, json=body, headers=headers, timeout=30)
    assert done.status_code in (200, 201), done.text
    return dict(done.json())


def _first(server: ServerProcess, url: str) -> set[str]:
    """The first suggestion for ``url``, asked ten times, each on a new connection (so both
    workers answer some): the set of what they said."""
    said = set()
    for _ in range(10):
        got = requests.get(
            f"{server.url}/api/v1/help/suggestions",
            params={"url": url, "limit": 1},
            headers={"X-Support-App": server.app_id, "Connection": "close"},
            timeout=10,
        )
        assert got.status_code == 200, got.text
        said.add(got.json()["articles"][0]["slug"])
    return said


def test_a_changed_pattern_is_seen_by_the_next_request_of_either_worker(
    served: ServerProcess,
) -> None:
    def article(title: str, contexts: list[str]) -> dict[str, Any]:
        body = {"title": title, "body": "Text.", "status": "published", "contexts": contexts}
        return _write(served, "POST", "/articles", body)

    article("Popular", [])
    for _ in range(3):
        requests.get(
            f"{served.url}/api/v1/help/articles/popular",
            headers={"X-Support-App": served.app_id},
            timeout=10,
        ).raise_for_status()
    target = article("Target", ["/billing"])
    assert _first(served, "https://app.example/billing/plan") == {"target"}
    assert _first(served, "https://app.example/invoices/3/edit") == {"popular"}

    _write(served, "PATCH", f"/articles/{target['id']}", {"contexts": ["/invoices/*/edit"]})
    assert _first(served, "https://app.example/billing/plan") == {"popular"}
    assert _first(served, "https://app.example/invoices/3/edit") == {"target"}

    other = article("Other", ["/billing/"])
    assert _first(served, "https://app.example/billing/plan") == {"other"}
    _write(served, "POST", f"/articles/{other['id']}/unpublish", {})
    assert _first(served, "https://app.example/billing/plan") == {"popular"}
    _write(served, "POST", f"/articles/{other['id']}/publish", {})
    _write(served, "PATCH", f"/articles/{other['id']}", {"contexts": ["/billing/plan/"]})
    assert _first(served, "https://app.example/billing/plan?tab=team") == {"other"}
