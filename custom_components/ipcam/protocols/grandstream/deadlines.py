"""Named deadlines of a sans-I/O session, some armed before the session knows the time.

A session learns the time only from ``start(now)`` and ``handle_timer(now)``; bytes
arrive without it. A deadline that must count from the moment something was
received (a reply due after a request that a reply triggered, a silence after a
partial message) is armed with ``after(name, delay)``: ``next()`` then returns the
last time known, which is already past, so the caller's timer fires at once and
``stamp(now)`` turns the delay into a time. The cost is one immediate timer per
such event, against a clock read per chunk of bytes for every session.
"""

from __future__ import annotations


class Deadlines:
    """Deadlines by name, as monotonic times."""

    __slots__ = ("_after", "_at", "now")

    def __init__(self) -> None:
        self._at: dict[str, float] = {}
        self._after: dict[str, float] = {}
        self.now = 0.0  # the latest time the session was told

    def at(self, name: str, when: float) -> None:
        self._after.pop(name, None)
        self._at[name] = when

    def after(self, name: str, delay: float) -> None:
        """``name`` falls due ``delay`` seconds after the time is next known."""
        self._at.pop(name, None)
        self._after[name] = delay

    def cancel(self, name: str) -> None:
        self._at.pop(name, None)
        self._after.pop(name, None)

    def clear(self) -> None:
        self._at.clear()
        self._after.clear()

    def __contains__(self, name: str) -> bool:
        return name in self._at or name in self._after

    def stamp(self, now: float) -> None:
        """Learn the time: deadlines armed with ``after`` become times from ``now``."""
        self.now = max(self.now, now)
        if self._after:
            for name, delay in self._after.items():
                self._at[name] = self.now + delay
            self._after.clear()

    def due(self, name: str) -> bool:
        """True when ``name`` is armed and its time has come (by the last time known)."""
        when = self._at.get(name)
        return when is not None and self.now >= when

    def next(self) -> float | None:
        """The earliest deadline; the last time known when one awaits the time."""
        if self._after:
            return self.now
        return min(self._at.values()) if self._at else None
