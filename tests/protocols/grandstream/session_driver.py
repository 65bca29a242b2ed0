"""Drive a sans-I/O session with bytes and times, as ``transport.SessionLink`` would."""

from __future__ import annotations

from typing import Any, Protocol


class _Session(Protocol):
    def receive_data(self, data: bytes) -> None: ...
    def next_event(self) -> Any: ...
    def data_to_send(self) -> bytes: ...
    def next_deadline(self) -> float | None: ...
    def handle_timer(self, now: float) -> None: ...


class Driver:
    """A session, a clock and what crossed the wire."""

    def __init__(self, session: Any, now: float = 100.0) -> None:
        self.session = session
        self.now = now
        self.writes: list[bytes] = []  # one entry per flush, as SessionLink writes them
        session.start(now)
        self.flush()

    def flush(self) -> None:
        data = self.session.data_to_send()
        if data:
            self.writes.append(data)

    def events(self) -> list[Any]:
        out = []
        while (event := self.session.next_event()) is not None:
            out.append(event)
        return out

    def feed(self, data: bytes) -> list[Any]:
        """Bytes from the camera; then the timers that fall due at once (as the link does)."""
        self.session.receive_data(data)
        events = self.events()
        self.flush()
        self.at(self.now)
        return events + self.events()

    def at(self, now: float) -> None:
        """Advance the clock to ``now``, firing every deadline that falls due on the way."""
        for _ in range(1000):
            deadline = self.session.next_deadline()
            if deadline is None or deadline > now:
                break
            self.now = max(self.now, deadline)
            self.session.handle_timer(self.now)
            self.flush()
        else:  # pragma: no cover - a session that never settles is a bug
            raise AssertionError("the session keeps asking for the timer")
        self.now = now

    def sent(self) -> bytes:
        """Everything written since the last call."""
        data = b"".join(self.writes)
        self.writes.clear()
        return data
