"""The API of a real server as the integration tests call it: :func:`call` sends one request the
way an integrator's code would (a bearer credential, the X-Support-App header, a JSON body), and
:class:`Env` is a started server with two apps, A (made by `init`) and B, and their keys."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests

from support_sdk.tokens import mint_user_token

from ..conftest import LiveServer
from ..servers import ServerProcess, cli, create_staff_key, init_data_dir

API = "/api/v1"


class _HasUrl(Protocol):
    @property
    def url(self) -> str: ...


def call(
    server: _HasUrl | str,
    method: str,
    path: str,
    credential: str | None = None,
    *,
    app: str | None = None,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
) -> requests.Response:
    """``METHOD /api/v1{path}`` on ``server`` (its URL, or anything with a ``url``).

    ``credential`` goes in ``Authorization: Bearer ...`` (a token or a staff key), ``app`` in
    ``X-Support-App`` (how anonymous callers name their app), ``body`` as JSON."""
    url = server if isinstance(server, str) else server.url
    sent = dict(headers or {})
    if credential is not None:
        sent["Authorization"] = f"Bearer {credential}"
    if app:
        sent["X-Support-App"] = app
    return requests.request(method, url + API + path, json=body, headers=sent, timeout=30)


class Env:
    """A started server with app A (`init`'s) and app B. Staff keys and app B are made with the
    CLI the first time a test asks for them: the server reads apps and keys per request, so
    a module pays only for what its tests use."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def process(self) -> ServerProcess:
        return self.server.process

    @property
    def data_dir(self) -> Path:
        return self.server.data_dir

    @property
    def app_a(self) -> str:
        return self.server.app_id

    @property
    def secret_a(self) -> str:
        return self.server.app_secret

    def token(self, user_id: str = "42", **kwargs: Any) -> str:
        """An end-user token of app A, signed with its secret (``now=`` to sign in the past)."""
        return mint_user_token(self.app_a, self.secret_a, user_id, **kwargs)

    @cached_property
    def agent(self) -> str:
        """An agent key of app A."""
        return create_staff_key(self.data_dir, "agent", self.app_a)

    @cached_property
    def writer(self) -> str:
        """A writer key of app A."""
        return create_staff_key(self.data_dir, "writer", self.app_a)

    @cached_property
    def _app_b(self) -> dict[str, Any]:
        made = cli("apps", "create", "Product B", "--data-dir", str(self.data_dir), "--json")
        app: dict[str, Any] = json.loads(made.stdout)
        return app

    @property
    def app_b(self) -> str:
        return str(self._app_b["app_id"])

    @property
    def secret_b(self) -> str:
        return str(self._app_b["app_secret"])

    @cached_property
    def agent_b(self) -> str:
        """An agent key of app B."""
        return create_staff_key(self.data_dir, "agent", self.app_b)


@contextmanager
def started_env(
    tmp_path_factory: pytest.TempPathFactory, name: str, *origins: str, **server: Any
) -> Iterator[Env]:
    """`init` a data directory (allowing ``origins``) and start a server on it; ``server`` goes
    to :class:`ServerProcess` (``mode="serve"``, ``env={...}`` settings)."""
    data_dir = tmp_path_factory.mktemp(name) / "data"
    creds = init_data_dir(data_dir, *origins)
    with ServerProcess(data_dir, **server) as process:
        yield Env(LiveServer(process, creds))
