"""What every simulated camera has in common: lifecycle, faults, connections, talk audio.

A vendor simulator subclasses ``SimulatedCamera`` and implements ``_start``,
``_stop``, ``vendor_state`` and ``push_event``. The control API (control.py)
drives it through the public methods here.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from abc import ABC, abstractmethod
from typing import Any

from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, wav_bytes

FAULT_KINDS = ("drop", "stall", "refuse", "reboot")


class FaultError(ValueError):
    """A control request named an unknown fault or event."""


class SimulatedCamera(ABC):
    """A fake camera listening on 127.0.0.1 (or the host given)."""

    vendor: str = ""
    default_port: int = 0

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.ports: dict[str, int] = {}
        self._transports: set[asyncio.BaseTransport] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stalled_until = 0.0
        # Resolved whenever a stall fault changes the deadline, so sleepers re-check it.
        self._stall_changed: asyncio.Future[None] | None = None
        self._refusing_until = 0.0
        self.reboots = 0
        self.connections_total = 0
        self.talk_pcm = bytearray()
        self.talk_sessions = 0
        self.talk_packets = 0
        self.talk_first_packet_at: float | None = None
        # Arrival time (time.time()) and size of the latest talk packets, for benchmarks.
        self.talk_arrivals: collections.deque[tuple[float, int]] = collections.deque(maxlen=100_000)
        self.talk_last_packet_at: float | None = None
        self.faults: list[dict[str, Any]] = []
        # Logins the camera accepted / credentials it refused, whatever the family (an HTTP
        # family counts every request that carried credentials): one test can count a
        # camera's failed logins through ``GET /state``.
        self.logins = 0
        self.rejected_logins = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> dict[str, int]:
        """Start listening; return the ports actually bound (name -> port)."""
        self.ports = await self._start()
        return self.ports

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        self._stalled_until = 0.0  # wake handlers sleeping through a stall fault
        if self._stall_changed is not None and not self._stall_changed.done():
            self._stall_changed.set_result(None)
        await self._stop()
        self.drop_connections()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task

    @abstractmethod
    async def _start(self) -> dict[str, int]:
        """Bind the vendor's servers."""

    @abstractmethod
    async def _stop(self) -> None:
        """Close the vendor's servers."""

    # --- control API ---------------------------------------------------------------------------

    @abstractmethod
    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        """Make the camera report an alarm; raise FaultError for an unknown kind."""

    @abstractmethod
    def vendor_state(self) -> dict[str, Any]:
        """Settings, PTZ position and whatever else the vendor camera keeps."""

    def state(self) -> dict[str, Any]:
        """The whole state as JSON-able data."""
        return {
            "vendor": self.vendor,
            "ports": self.ports,
            "connections": len(self._transports),
            "connections_total": self.connections_total,
            "reboots": self.reboots,
            "reachable": self.reachable,
            "faults": self.faults[-10:],
            "talk": self.talk_statistics(),
            **self.vendor_state(),
            "logins": self.logins,
            "rejected_logins": self.rejected_logins,
        }

    def talk_statistics(self) -> dict[str, Any]:
        seconds = len(self.talk_pcm) / 2 / 8000
        return {
            "sessions": self.talk_sessions,
            "packets": self.talk_packets,
            "bytes": len(self.talk_pcm),
            "seconds": round(seconds, 3),
            "dominant_hz": round(dominant_frequency(bytes(self.talk_pcm)), 1),
            "first_packet_at": self.talk_first_packet_at,
            "last_packet_at": self.talk_last_packet_at,
        }

    def login_accepted(self) -> None:
        """The camera accepted credentials (a session login, or an authenticated request)."""
        self.logins += 1

    def login_rejected(self) -> None:
        """The camera refused the credentials it was given."""
        self.rejected_logins += 1

    def record_talk(self, pcm: bytes) -> None:
        """Keep decoded talk audio (8 kHz mono s16le) for ``/talk.wav``."""
        now = time.time()
        self.talk_arrivals.append((now, len(pcm)))
        if self.talk_first_packet_at is None:
            self.talk_first_packet_at = now
        self.talk_last_packet_at = now
        self.talk_packets += 1
        # Bound memory: ten minutes of audio at most.
        if len(self.talk_pcm) < 10 * 60 * 8000 * 2:
            self.talk_pcm.extend(pcm)

    def reset_talk(self) -> None:
        self.talk_pcm.clear()
        self.talk_arrivals.clear()
        self.talk_packets = 0
        self.talk_first_packet_at = None
        self.talk_last_packet_at = None

    def talk_wav(self) -> bytes:
        return wav_bytes(bytes(self.talk_pcm), 8000)

    async def inject_fault(self, kind: str, seconds: float) -> None:
        """Apply a fault: drop connections, stall, refuse new ones, or reboot."""
        if kind not in FAULT_KINDS:
            raise FaultError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        if not 0 <= seconds <= 3600:
            raise FaultError("seconds must be between 0 and 3600")
        self.faults.append({"kind": kind, "seconds": seconds, "at": time.time()})
        now = time.monotonic()
        if kind == "drop":
            self.drop_connections()
        elif kind == "stall":
            self._stalled_until = now + seconds
            if self._stall_changed is not None and not self._stall_changed.done():
                self._stall_changed.set_result(None)
            self._stall_changed = None
        elif kind == "refuse":
            self._refusing_until = now + seconds
            self.drop_connections()
        else:
            await self.reboot(seconds)

    async def reboot(self, seconds: float = 3.0) -> None:
        """Go away for ``seconds``: drop everyone and refuse new connections."""
        self.reboots += 1
        self._refusing_until = time.monotonic() + seconds
        self.drop_connections()
        await self.on_reboot()

    async def on_reboot(self) -> None:  # noqa: B027 - optional hook
        """Vendor hook: forget sessions, etc."""

    # --- helpers for vendor servers ------------------------------------------------------------

    @property
    def reachable(self) -> bool:
        return time.monotonic() >= self._refusing_until

    @property
    def stalled(self) -> bool:
        return time.monotonic() < self._stalled_until

    async def wait_unstalled(self) -> None:
        """Sleep while a stall fault is active (a stalled camera answers nothing)."""
        # A new stall fault may move the deadline (later, or 0 to end it) while we sleep.
        while (remaining := self._stalled_until - time.monotonic()) > 0:
            if self._stall_changed is None or self._stall_changed.done():
                self._stall_changed = asyncio.get_running_loop().create_future()
            await asyncio.wait({self._stall_changed}, timeout=remaining)

    def track(self, transport: asyncio.BaseTransport | None) -> bool:
        """Register a new connection (a StreamWriter's or aiohttp request's transport).

        Return False, having aborted it, while the camera refuses connections.
        """
        if transport is None:
            return False
        if not self.reachable:
            _abort(transport)
            return False
        self.connections_total += 1
        self._transports.add(transport)
        return True

    def untrack(self, transport: asyncio.BaseTransport | None) -> None:
        if transport is not None:
            self._transports.discard(transport)

    @property
    def open_connections(self) -> int:
        return len(self._transports)

    def drop_connections(self) -> None:
        for transport in list(self._transports):
            _abort(transport)
        self._transports.clear()

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a background task owned by the simulator (cancelled on stop)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _abort(transport: asyncio.BaseTransport) -> None:
    abort = getattr(transport, "abort", None)
    if abort is not None:
        abort()
    else:
        transport.close()
