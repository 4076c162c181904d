"""Run an ``AsyncSupportClient`` from synchronous tests: every coroutine it returns is run on
one event loop in a background thread (httpx ties a client's connections to one loop), so the
sync client's tests run against the async client unchanged."""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


class Loop:
    """An event loop running in a daemon thread until :meth:`stop`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, awaitable: Awaitable[T]) -> T:
        async def wrapped() -> T:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wrapped(), self.loop).result(timeout=60)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


class Blocking:
    """``target`` (an async client or its ``articles``) with blocking methods: a coroutine
    method is run to its result, an async generator to an iterator of its items."""

    def __init__(self, target: Any, loop: Loop) -> None:
        self._target = target
        self._loop = loop

    def __repr__(self) -> str:
        return repr(self._target)

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._target, name)
        if name == "articles":
            return Blocking(attribute, self._loop)
        if inspect.iscoroutinefunction(attribute):
            return lambda *args, **kwargs: self._loop.run(attribute(*args, **kwargs))
        if inspect.isasyncgenfunction(attribute):
            return lambda *args, **kwargs: self._items(attribute(*args, **kwargs))
        return attribute

    def _items(self, generator: Any) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.run(generator.__anext__())
            except StopAsyncIteration:
                return


def run(awaitable: Awaitable[T]) -> T:
    """``asyncio.run(awaitable)`` in a thread of its own: the thread running the tests may
    already have a loop (Playwright's sync API, session-wide, leaves one there)."""

    async def wrapped() -> T:
        return await awaitable

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, wrapped()).result()
