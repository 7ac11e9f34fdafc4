"""Requests sent at once to the app in this process, and their answers counted."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
from litestar import Litestar


@dataclass(frozen=True)
class Answers:
    """The answers to requests sent at once, in the order they were sent."""

    responses: list[httpx.Response]

    @property
    def statuses(self) -> Counter[int]:
        return Counter(r.status_code for r in self.responses)

    def with_status(self, *codes: int) -> list[httpx.Response]:
        return [r for r in self.responses if r.status_code in codes]

    def errors(self) -> Counter[str]:
        """The error codes of the refusals ("conflict", "insufficient_credit" ...)."""
        return Counter(r.json()["error"] for r in self.responses if r.status_code >= 400)


async def at_once(*requests: Awaitable[httpx.Response]) -> Answers:
    """Send the requests together; a server error (5xx) fails the test, with its body."""
    responses = list(await asyncio.gather(*requests))
    broken = [
        f"{r.status_code} {r.request.url.path}: {r.text[:300]}" for r in responses if r.status_code >= 500
    ]
    assert not broken, "server errors under concurrency:\n" + "\n".join(broken)
    return Answers(responses)


@asynccontextmanager
async def in_loop_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` in this event loop (httpx's ASGI transport): requests gathered together
    really overlap, each on its own pooled connection, as in a server's workers."""
    # The app's startup and shutdown run in a task of their own: its task group must be left by
    # the task that entered it, and a fixture's setup and teardown run in different tasks.
    started, stop = asyncio.Event(), asyncio.Event()

    async def run_app() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    running = asyncio.create_task(run_app())
    await started.wait()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]  # narrower ASGI types
            base_url="http://caisse.test",
        ) as client:
            yield client
    finally:
        stop.set()
        await running
