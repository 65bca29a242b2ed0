"""A simulated Grandstream GXV camera: RTSP (Digest) + RTP/TCP interleaved + MCTP on one port.

Port rule of the real cameras: RTSP (and MCTP) listen on 554 while the web port
is 80, and on 2000 + P when the web port is changed to P. The simulator binds
whatever port it is given (0 = any free port), so tests cover both cases.

What it copies from the camera's server (``docs/protocols/grandstream.md``,
"Simulator checklist"):
- the first read of a connection decides its kind: containing ``rtsp`` -> RTSP,
  else containing ``MCTP/1.0`` -> MCTP, else the connection is closed;
- DESCRIBE needs Digest auth (realm "Surveillance Server", a fresh 8-digit nonce
  per 401, kept per connection; no qop); ``.../0/`` or a two-digit path -> 400;
  an Accept without application/sdp -> 551;
- the odd reply headers (``Cseq: N ``, ``Content-length``), Content-Base without
  the port, PLAY replies without RTP-Info/Range, GET_PARAMETER -> 501, PAUSE -> 455,
  TEARDOWN with ``Connection: Close``, interleaved data from the client ignored;
- H.264 in FU-A fragments of ``fragment_size`` bytes (1 KB by default) and PCMU
  (a 1000 Hz tone) in 160-byte packets every 20 ms; video SSRC 41030 + ch + 128,
  audio SSRC 41030 + ch, timestamps from 3600, audio sequence from 1200;
- MCTP heartbeat (``@session@channel`` -> ``@session@channel@1``), keep-alive echo,
  alarm subscription with session ``FFFFFFFF`` (channel -1 = all), a connection
  silent for ``mctp_timeout`` (10 s) is dropped, together with the RTSP
  connection of its heartbeat session;
- MCTP TALK: ``@0@1@1@`` (``@0@0@0@`` and close when busy), then 8-byte-header
  packets of G.711 µ-law from payload offset 4, recorded with ``record_talk``.

ASSUMPTION: the alarm message format is unknown; alarms are pushed as
``CMD:ALARM MCTP/1.0 SC`` / ``@<channel>@<MOTION|INPUT|ALARM>@<1|0>`` / ``END``
(``mctp_wire.alarm_message``).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any

from custom_components.ipcam.protocols.audio.g711 import ulaw_encode
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import DEFAULT_RTSP_PORT, MAX_CHANNEL, mctp
from custom_components.ipcam.protocols.grandstream.h264 import NAL_PPS, NAL_SPS, nal_type

from ..base import FaultError, SimulatedCamera
from ..media import video_cycle
from .mctp_server import MctpConnection
from .mctp_wire import alarm_message
from .media_wire import packetize, split_annexb
from .rtsp_server import RtspConnection

SESSION_TIMEOUT = 120
TONE_HZ = 1000.0
FIRST_READ = 4096
EVENT_KINDS = {"alarm": "ALARM", "motion": "MOTION", "input": "INPUT"}


@dataclass(frozen=True, slots=True)
class Stream:
    """Pre-packetised media of one stream size."""

    width: int
    height: int
    fps: int
    sps: bytes
    pps: bytes
    units: tuple[tuple[tuple[bytes, ...], bool], ...]  # (RTP payloads, keyframe)


class GrandstreamCamera(SimulatedCamera):
    """RTSP + MCTP on one port (554 by default; 2000 + web port on a real camera)."""

    vendor = "grandstream"
    default_port = DEFAULT_RTSP_PORT

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        fragment_size: int = 1024,
        mctp_timeout: float = mctp.CAMERA_TIMEOUT,
        fps: int = 25,
        primary_size: tuple[int, int] = (640, 360),
        secondary_size: tuple[int, int] = (320, 180),
        session_timeout: int = SESSION_TIMEOUT,
        alarm_all_channels: bool = True,
    ) -> None:
        super().__init__(host=host, port=port, username=username, password=password)
        self.fragment_size = fragment_size
        self.mctp_timeout = mctp_timeout
        # Advertised in "Session: id;timeout=N"; like the camera, never enforced.
        self.session_timeout = session_timeout
        # Channel -1 ("all channels") is a "latest firmware" feature; False mimics older ones.
        self.alarm_all_channels = alarm_all_channels
        self.rtsp_keepalives = 0  # OPTIONS / SET_PARAMETER carrying a Session header
        self.rtcp_received = 0  # interleaved packets from clients (RTCP RR), ignored
        self.fps = fps
        self.primary_size = primary_size
        self.secondary_size = secondary_size
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._streams: dict[tuple[int, int], Stream] = {}
        self.audio_packets: tuple[bytes, ...] = ()
        self.sessions: dict[str, RtspConnection] = {}
        self.mctp_connections: set[MctpConnection] = set()
        self.talking = False
        self.events_sent = 0
        self.heartbeats = 0
        self.keepalives = 0
        self.describes = 0
        self.auth_failures = 0
        self.mctp_timeouts = 0

    # --- lifecycle -------------------------------------------------------------------------

    async def _start(self) -> dict[str, int]:
        for size in {self.primary_size, self.secondary_size}:
            self._streams[size] = await asyncio.to_thread(self._prepare, size)
        tone = ulaw_encode(tone_pcm(TONE_HZ, 1.0))  # a whole number of periods: loops cleanly
        self.audio_packets = tuple(tone[i : i + 160] for i in range(0, len(tone), 160))
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        port = int(self._server.sockets[0].getsockname()[1])
        return {"rtsp": port}

    def _prepare(self, size: tuple[int, int]) -> Stream:
        width, height = size
        cycle = video_cycle(width, height, self.fps, "h264")
        sps = pps = b""
        for nal in split_annexb(cycle[0].data):
            if nal_type(nal) == NAL_SPS:
                sps = nal
            elif nal_type(nal) == NAL_PPS:
                pps = nal
        units = tuple(
            (tuple(packetize(unit.data, self.fragment_size)), unit.keyframe) for unit in cycle
        )
        return Stream(width, height, self.fps, sps, pps, units)

    async def _stop(self) -> None:
        if self._server is not None:
            self._server.close()
        self.drop_connections()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None
        self.sessions.clear()
        self.mctp_connections.clear()

    async def on_reboot(self) -> None:
        self.sessions.clear()
        self.mctp_connections.clear()
        self.talking = False

    def stream_for(self, channel: int) -> Stream:
        return self._streams[self.primary_size if channel < 4 else self.secondary_size]

    # --- control API ---------------------------------------------------------------------------

    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        word = EVENT_KINDS.get(kind)
        if word is None:
            raise FaultError(f"unknown event {kind!r}; expected one of {sorted(EVENT_KINDS)}")
        if not 0 <= channel <= MAX_CHANNEL:
            raise FaultError(f"channel must be 0-{MAX_CHANNEL}")
        message = alarm_message(word, active, channel)
        self.events_sent += 1
        if self.stalled:  # a stalled camera says nothing; the alarm goes out afterwards
            self.spawn(self._deliver_later(message, channel))
        else:
            self._deliver(message, channel)

    def _deliver(self, message: bytes, channel: int) -> None:
        for connection in list(self.mctp_connections):
            if connection.alarm_channel in (mctp.ALL_CHANNELS, channel):
                connection.send(message)

    async def _deliver_later(self, message: bytes, channel: int) -> None:
        await self.wait_unstalled()
        self._deliver(message, channel)

    def vendor_state(self) -> dict[str, Any]:
        return {
            "rtsp": {
                "sessions": len(self.sessions),
                "playing": sum(1 for s in self.sessions.values() if s.playing),
                "describes": self.describes,
                "keepalives": self.rtsp_keepalives,
                "rtcp_received": self.rtcp_received,
                "auth_failures": self.auth_failures,
                "fragment_size": self.fragment_size,
                "channels": MAX_CHANNEL + 1,
            },
            "mctp": {
                "connections": len(self.mctp_connections),
                "alarm_subscribers": sum(
                    1 for c in self.mctp_connections if c.alarm_channel is not None
                ),
                "heartbeats": self.heartbeats,
                "keepalives": self.keepalives,
                "timeouts": self.mctp_timeouts,
                "talking": self.talking,
            },
            "events_sent": self.events_sent,
        }

    # --- connections ---------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        transport = writer.transport
        if task is not None:
            self._handlers.add(task)
        try:
            if not self.track(transport):
                return
            first = await asyncio.wait_for(reader.read(FIRST_READ), self.mctp_timeout)
            # The camera's classification, in its order: "rtsp" first, then "MCTP/1.0".
            if b"rtsp" in first:
                await RtspConnection(self, reader, writer).run(first)
            elif mctp.VERSION.encode() in first:
                await MctpConnection(self, reader, writer).run(first)
        except (OSError, TimeoutError, ProtocolError, asyncio.IncompleteReadError):
            pass
        finally:
            self.untrack(transport)
            writer.close()
            if task is not None:
                self._handlers.discard(task)
