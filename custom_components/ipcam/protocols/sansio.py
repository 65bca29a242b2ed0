"""The two shapes every protocol module without I/O takes: a decoder and a session.

A **decoder** turns a byte stream into typed messages: ``feed(data)`` returns every
message that ``data`` completed (possibly none) and keeps the rest. It never
blocks, never reads a socket, and raises only ``ProtocolError`` (a camera that
sends more than a decoder's fixed bound gets one too).

A **session** is one connection's protocol state machine, in the manner of h11
and wsproto: bytes and the current time go in, events and bytes come out.

- ``receive_data(data)`` feeds what the camera sent (``b""`` for end of stream);
- ``next_event()`` returns the next event, or ``None`` when it needs more bytes;
- ``data_to_send()`` returns (and forgets) the bytes the session wants written:
  requests the caller asked for, keep-alives, replies the protocol requires;
- ``next_deadline()`` is the monotonic time at which ``handle_timer(now)`` must be
  called (a keep-alive is due, a reply is overdue, the camera went silent), or
  ``None``; ``handle_timer`` may queue bytes, queue events or raise ``CannotConnect``.

Sessions never sleep and never read the clock: time is an argument, so tests
drive them with tables of bytes and times. ``transport.SessionLink`` runs one
over a TCP connection.
"""

from __future__ import annotations

from typing import Protocol


class Decoder[MessageT](Protocol):
    """A byte-stream decoder: bytes in, complete messages out."""

    def feed(self, data: bytes) -> list[MessageT]:
        """Take ``data``; return the messages it completed, in order."""
        ...


class Session[EventT](Protocol):
    """A connection's protocol state machine (see the module docstring)."""

    def receive_data(self, data: bytes) -> None: ...

    def next_event(self) -> EventT | None: ...

    def data_to_send(self) -> bytes: ...

    def next_deadline(self) -> float | None: ...

    def handle_timer(self, now: float) -> None: ...


class OutBuffer:
    """Bytes a session has queued for the wire (a small helper sessions share)."""

    __slots__ = ("_chunks",)

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> None:
        if data:
            self._chunks.append(data)

    def take(self) -> bytes:
        """Everything queued so far, once."""
        if not self._chunks:
            return b""
        data = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        self._chunks.clear()
        return data

    def __bool__(self) -> bool:
        return bool(self._chunks)


def earliest(*deadlines: float | None) -> float | None:
    """The earliest of the given deadlines, ignoring ``None``."""
    found = None
    for deadline in deadlines:  # a loop, not min() over a list: every re-arm asks
        if deadline is not None and (found is None or deadline < found):
            found = deadline
    return found
