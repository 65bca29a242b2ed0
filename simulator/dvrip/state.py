"""The simulated XM camera's per-session, per-connection and PTZ state."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from custom_components.ipcam.protocols.dvrip.media import MediaDemuxer
from custom_components.ipcam.protocols.dvrip.wire import PacketDecoder

PTZ_DIRECTIONS = {
    "DirectionUp": (0, 1, 0),
    "DirectionDown": (0, -1, 0),
    "DirectionLeft": (-1, 0, 0),
    "DirectionRight": (1, 0, 0),
    "DirectionLeftUp": (-1, 1, 0),
    "DirectionLeftDown": (-1, -1, 0),
    "DirectionRightUp": (1, 1, 0),
    "DirectionRightDown": (1, -1, 0),
    "ZoomTile": (0, 0, 1),
    "ZoomWide": (0, 0, -1),
}


@dataclass
class Session:
    """A logged-in session (it outlives its socket: media sockets may carry it)."""

    session_id: int
    username: str
    created: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)  # its connections' last packet


@dataclass
class Ptz:
    """One channel's pan/tilt/zoom head, moving while a direction command runs."""

    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 1.0
    moving: str | None = None
    speed: int = 5
    since: float = 0.0
    presets: dict[int, tuple[float, float, float]] = field(default_factory=dict)

    def settle(self) -> None:
        if self.moving is None:
            return
        now = time.monotonic()
        dx, dy, dz = PTZ_DIRECTIONS[self.moving]
        elapsed = now - self.since
        self.pan = max(-180.0, min(180.0, self.pan + dx * self.speed * 10 * elapsed))
        self.tilt = max(-90.0, min(90.0, self.tilt + dy * self.speed * 10 * elapsed))
        self.zoom = max(1.0, min(30.0, self.zoom + dz * self.speed * 0.5 * elapsed))
        self.since = now

    def state(self) -> dict[str, Any]:
        self.settle()
        return {
            "pan": round(self.pan, 2),
            "tilt": round(self.tilt, 2),
            "zoom": round(self.zoom, 2),
            "moving": self.moving,
            "presets": {str(k): list(v) for k, v in sorted(self.presets.items())},
        }


class Conn:
    """One accepted TCP connection."""

    _ids = itertools.count(1)

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.id = next(self._ids)
        self.reader = reader
        self.writer = writer
        self.decoder = PacketDecoder()
        self.session: int | None = None
        self.sequence = 0
        self.guarded = False
        self.claims: dict[int, str] = {}  # channel -> stream type claimed on this connection
        self.streams: dict[int, asyncio.Task[None]] = {}
        self.talking = False
        self.talk_claimed = False
        self.talk_demuxer = MediaDemuxer(kinds=frozenset({"audio"}), max_frame=64 * 1024)
        self.last_seen = time.monotonic()

    def next_sequence(self) -> int:
        self.sequence = (self.sequence + 1) & 0xFFFFFFFF
        return self.sequence

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def abort(self) -> None:
        self.writer.transport.abort()
