"""AsyncSupportClient: the sync client's own tests, run against the async one.

Every test of tests/sdk/test_http.py (URLs, headers, retries, idempotency keys, Retry-After),
test_client.py and test_articles.py that goes through the ``client`` fixtures runs here again
with ``open_client`` making an :class:`~support_sdk.AsyncSupportClient` (driven by
:class:`tests.sdk.blocking.Blocking`) against the same scripted socket server. The few left
out test something of requests itself (its session, its exception types); their async
counterparts are below.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from support_sdk import ArticlesService, NetworkError, SupportClient
from support_sdk.aio import AsyncArticlesService, AsyncSupportClient

from . import test_articles, test_client, test_http
from .blocking import Blocking, Loop
from .conftest import ScriptedServer

ROOT = Path(__file__).resolve().parents[2]

# Tests of requests itself, or of the sync class by name; see the async versions below.
NOT_REUSED = {
    "test_every_request_has_a_timeout",  # a requests.Session subclass
    "test_bad_configuration_is_refused",  # Transport directly
    "test_connection_refused_is_a_network_error_after_retries",  # requests.ConnectionError
    "test_timeout_is_a_network_error",  # requests.Timeout
    "test_backoff_is_exponential_with_full_jitter",  # Transport directly
    "test_backoff_can_be_pinned",  # Transport directly
    "test_repr_hides_secrets",  # "SupportClient(" by name
    "test_context_manager_closes_its_own_session",  # a requests.Session
    "test_client_has_an_articles_service",  # ArticlesService by name
}

for _module in (test_http, test_client, test_articles):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test) and _name not in NOT_REUSED:
            globals()[_name] = _test
    writer = test_articles.writer


@pytest.fixture(scope="module")
def loop() -> Iterator[Loop]:
    running = Loop()
    yield running
    running.stop()


@pytest.fixture
def open_client(sleeps: list[float], loop: Loop) -> Iterator[Callable[..., Any]]:
    """Like tests/sdk/conftest.py's, but the clients are async ones."""
    clients: list[AsyncSupportClient] = []

    def make(base_url: str, **kwargs: Any) -> Any:
        client = AsyncSupportClient(base_url, **{"sleep": sleeps.append, **kwargs})
        clients.append(client)
        return Blocking(client, loop)

    yield make
    for client in clients:
        loop.run(client.close())


# -- what the reused tests cannot say ------------------------------------------------------------


def test_reused_tests_are_here() -> None:
    reused = [name for name in globals() if name.startswith("test_")]
    assert len(reused) > 60  # the import above really picked the sync tests up


def test_repr_hides_secrets_too() -> None:
    client = AsyncSupportClient("http://127.0.0.1:1", app_id="app_1", app_secret="s3", api_key="k")
    assert repr(client) == "AsyncSupportClient('http://127.0.0.1:1', app_id='app_1')"


def test_connection_refused_is_a_network_error_after_retries_async(
    closed_port: int, open_client: Callable[..., Any], sleeps: list[float]
) -> None:
    with pytest.raises(NetworkError) as info:
        open_client(f"http://127.0.0.1:{closed_port}").health()
    assert info.value.code == "connection_error"
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(sleeps) == 3


def test_timeout_is_a_network_error_async(
    silent_port: int, open_client: Callable[..., Any], sleeps: list[float]
) -> None:
    client = open_client(f"http://127.0.0.1:{silent_port}", timeout=0.05, max_retries=1)
    with pytest.raises(NetworkError) as info:
        client.health()
    assert info.value.code == "timeout"
    assert isinstance(info.value.__cause__, httpx.TimeoutException)
    assert len(sleeps) == 1


def test_a_coroutine_sleep_is_awaited(server: ScriptedServer, loop: Loop) -> None:
    waited: list[float] = []

    async def sleep(delay: float) -> None:
        waited.append(delay)

    server.reply(503, {"error": {"code": "unavailable", "message": "later"}}, {"Retry-After": "2"})
    server.reply(200, {"status": "ok"})
    client = AsyncSupportClient(server.url, sleep=sleep)
    try:
        assert loop.run(client.health()) == {"status": "ok"}
    finally:
        loop.run(client.close())
    assert waited == [2.0]


def test_every_request_has_the_timeout(server: ScriptedServer, loop: Loop) -> None:
    seen: list[object] = []

    class Recording(httpx.AsyncClient):
        async def request(self, *args: Any, **kwargs: Any) -> httpx.Response:
            seen.append(kwargs.get("timeout"))
            return await super().request(*args, **kwargs)

    async def scenario() -> None:
        async with Recording() as http:
            await AsyncSupportClient(server.url, client=http).health()
            assert not http.is_closed  # a client passed in is the caller's to close

    server.reply(200, {"status": "ok"})
    loop.run(scenario())
    assert seen == [10.0]


def test_context_manager_closes_its_own_client(server: ScriptedServer, loop: Loop) -> None:
    async def scenario() -> httpx.AsyncClient:
        async with AsyncSupportClient(server.url) as client:
            await client.health()
        return client._http._client

    server.reply(200, {"status": "ok"})
    assert loop.run(scenario()).is_closed


# -- the same surface ----------------------------------------------------------------------------


def _public(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }


@pytest.mark.parametrize(
    ("sync", "async_"),
    [(SupportClient, AsyncSupportClient), (ArticlesService, AsyncArticlesService)],
)
def test_the_async_classes_have_the_same_methods_and_arguments(sync: type, async_: type) -> None:
    mine, theirs = _public(sync), _public(async_)
    assert mine.keys() == theirs.keys()
    for name, member in mine.items():
        if isinstance(member, property):
            continue
        ours = inspect.signature(member)
        twin = inspect.signature(theirs[name])
        expected = [(p.name, p.kind, p.default) for p in ours.parameters.values()]
        got = [(p.name, p.kind, p.default) for p in twin.parameters.values()]
        if name == "__init__":  # a requests.Session there, an httpx.AsyncClient here
            expected = [e if e[0] != "session" else ("client", *e[1:]) for e in expected]
        assert got == expected, name
        is_async = inspect.iscoroutinefunction(theirs[name]) or inspect.isasyncgenfunction(
            theirs[name]
        )
        assert is_async == (name not in {"user_token"}), name


@pytest.mark.parametrize(
    ("module", "blocked", "extra"),
    [("support_sdk.aio", "httpx", "async"), ("support_sdk.asgi", "starlette", "asgi")],
)
def test_without_the_extra_the_import_error_names_it(module: str, blocked: str, extra: str) -> None:
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "import support_sdk\n"
        "try:\n"
        f"    import {module}\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
    )
    assert f"support-sdk[{extra}]" in done.stdout


def test_async_client_is_reached_from_the_package_only_when_asked_for() -> None:
    code = (
        "import sys, support_sdk\n"
        "assert 'httpx' not in sys.modules and 'support_sdk.aio' not in sys.modules\n"
        "from support_sdk import AsyncSupportClient\n"
        "from support_sdk.aio import AsyncSupportClient as same\n"
        "assert AsyncSupportClient is same\n"
    )
    subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        check=True,
    )


@pytest.mark.parametrize("cls", [AsyncSupportClient, AsyncArticlesService])
def test_the_async_methods_are_documented(cls: type) -> None:
    undocumented = [name for name, member in _public(cls).items() if not inspect.getdoc(member)]
    assert undocumented == []
