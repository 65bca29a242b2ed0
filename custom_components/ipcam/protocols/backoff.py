"""Capped exponential back-off for reconnect loops (the push loop, the video upstream).

Pure arithmetic plus one helper that sleeps: a loop asks ``next_delay()`` after a
failure, tells ``succeeded()`` when a connection delivered, and a connection
that stayed up for ``stable_after`` seconds starts the sequence afresh. A little
jitter keeps many cameras that failed together from retrying together.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable


class Backoff:
    """The delays between reconnect attempts: ``first``, doubled each time, at most ``cap``."""

    def __init__(
        self,
        first: float = 1.0,
        cap: float = 60.0,
        *,
        stable_after: float | None = None,
        jitter: float = 0.1,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if first <= 0 or cap < first:
            raise ValueError("need 0 < first <= cap")
        self.first = first
        self.cap = cap
        self.stable_after = cap if stable_after is None else stable_after
        self.jitter = jitter
        self._clock = clock
        self._next = first
        self._up_since: float | None = None
        self.attempts = 0

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    def connected(self) -> None:
        """A connection is up (its failure later is judged by how long it lasted)."""
        self._up_since = self._now()

    def succeeded(self) -> None:
        """The connection delivered what it is for: the next failure retries soon."""
        self._next = self.first
        self.attempts = 0

    def next_delay(self) -> float:
        """How long to wait before the next attempt (and advance the sequence)."""
        if self._up_since is not None and self._now() - self._up_since >= self.stable_after:
            self.succeeded()
        self._up_since = None
        delay = self._next
        self._next = min(self._next * 2, self.cap)
        self.attempts += 1
        if self.jitter:
            delay *= 1 + random.uniform(-self.jitter, self.jitter)
        return max(0.0, delay)

    async def wait(self, wake: asyncio.Event | None = None) -> None:
        """Sleep ``next_delay()``, or less when ``wake`` is set (e.g. the camera is back)."""
        delay = self.next_delay()
        if wake is None:
            await asyncio.sleep(delay)
            return
        try:
            async with asyncio.timeout(delay):
                await wake.wait()
        except TimeoutError:
            pass
