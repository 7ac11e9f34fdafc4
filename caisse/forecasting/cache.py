"""Live forecasts and back-tests kept by the application, so the dashboards do not simulate on
every view.

Both depend on the closed months only, so they are kept by (caisse, what, last closed month). What
can still change them without a new close — a correction booked for a closed month, a funder's
agreement — shows within `TTL` seconds: an entry that old is computed again on the next view. Two
views asking for the same missing entry wait for one computation, not two.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")

TTL = 600.0  # seconds an entry is served before it is computed again
SIZE = 64  # entries kept (a few hundred kB each): the caisses of an installation, twice


class ForecastCache:
    def __init__(
        self, *, ttl: float = TTL, size: int = SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl, self._size, self._clock = ttl, size, clock
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
        """The entry of `key`, computed by `compute` if missing or older than the TTL. An error of
        `compute` is raised to the caller and nothing is kept."""
        found = self._fresh(key)
        if found is not None:
            return found[1]  # type: ignore[no-any-return]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            found = self._fresh(key)  # computed by whoever held the lock before
            if found is not None:
                return found[1]  # type: ignore[no-any-return]
            value = await compute()
            self._entries[key] = (self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                old, _ = self._entries.popitem(last=False)
                self._locks.pop(old, None)
            return value

    def _fresh(self, key: Hashable) -> tuple[float, Any] | None:
        found = self._entries.get(key)
        if found is None or self._clock() - found[0] > self._ttl:
            return None
        self._entries.move_to_end(key)
        return found
