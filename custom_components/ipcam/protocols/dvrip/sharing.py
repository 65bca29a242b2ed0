"""What the clients of one DVRIP device share, without I/O: its connections and alarm listeners.

A recorder as one device (``channel=None``) and its channels' clients
(``channel_client(n)``) use one command connection and one alarm connection: DVRIP
carries the channel in every request and alarm. ``Shared`` keeps the books — which
connection is the command or alarm one, who opened each connection, how many the
device allows, who listens to which channel's alarms — and the client shell opens,
awaits and closes. See docs/protocols/dvrip.md, "Recorders: one device, many channels".
"""

from __future__ import annotations

from typing import Protocol

from ..base import CameraEvent
from ..errors import CameraError, CannotConnect, DeviceBusy
from .alarms import for_channel
from .session import Alarm, Event

SHARED = ("control", "alarm")  # the connections every client of the device shares


class Sink(Protocol):
    """Where a listener's alarms go (the shell's inbox)."""

    def put(self, item: CameraEvent) -> None: ...

    def end(self, error: CameraError | None = None) -> None: ...


class Shared[C]:
    """The books of one device's connections (``C``: the shell's connection type)."""

    def __init__(self) -> None:
        self.links: dict[str, C] = {}  # "control", "alarm" -> the shared connection
        self.owners: dict[C, object] = {}  # every open connection -> the client that opened it
        self.listeners: dict[Sink, tuple[object, int | None]] = {}  # -> (client, channel)
        self.closed = False
        self.max_connections = 0  # the device's TCPMaxConn (0: unknown)

    def check_open(self) -> None:
        """``CannotConnect`` once the device's client is closed (until it connects again)."""
        if self.closed:
            raise CannotConnect("the client is closed")

    def check_room(self, purpose: str) -> None:
        """Raise unless another connection may be opened: ``CannotConnect`` once the device's
        client is closed, ``DeviceBusy`` when the device's connections are all open (the
        command connection is only ever replaced)."""
        self.check_open()
        if purpose != "control" and 0 < self.max_connections <= len(self.owners):
            raise DeviceBusy(f"the {self.max_connections} connections the device allows are open")

    def owned(self, owner: object, everything: bool) -> list[C]:
        """The connections ``owner`` opened (every connection when ``everything``)."""
        return [conn for conn, opener in self.owners.items() if everything or opener is owner]

    def listen(self, sink: Sink, owner: object, channel: int | None) -> None:
        """``sink`` gets the alarms of ``channel`` (None: every alarm)."""
        self.listeners[sink] = (owner, channel)

    def leave(self, sink: Sink) -> bool:
        """``sink`` stops listening; True when nobody listens any more."""
        self.listeners.pop(sink, None)
        return not self.listeners

    def deliver(self, item: Event | CameraError) -> None:
        """What the alarm connection brings: an alarm to every listener of its channel, the
        connection's end (its error) to every listener."""
        if isinstance(item, CameraError):
            self.end(item)
        elif isinstance(item, Alarm):
            for sink, (_owner, channel) in self.listeners.items():
                if for_channel(item.event, channel):
                    sink.put(item.event)

    def end(self, error: CameraError, owner: object | None = None) -> None:
        """End the listening of ``owner``'s sinks (None: everyone's) with ``error``."""
        for sink, (listener, _channel) in list(self.listeners.items()):
            if owner is None or listener is owner:
                sink.end(error)
