"""A simulated Grandstream GXV camera: RTSP (Digest) + RTP/TCP interleaved + MCTP on one port.

Port rule of the real cameras: RTSP (and MCTP) listen on 554 while the web port
is 80, and on 2000 + P when the web port is changed to P. The simulator binds
whatever port it is given (0 = any free port), so tests cover both cases.

What it copies from the camera's server (see shared/protocols/grandstream.md):
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
(``protocols.grandstream.mctp.alarm_message``).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from custom_components.ipcam.protocols.audio.g711 import ulaw_decode, ulaw_encode
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import DEFAULT_RTSP_PORT, MAX_CHANNEL, mctp
from custom_components.ipcam.protocols.grandstream.digest import (
    format_challenge,
    parse_authorization,
    verify_authorization,
)
from custom_components.ipcam.protocols.grandstream.h264 import (
    NAL_PPS,
    NAL_SPS,
    nal_type,
    packetize,
    split_annexb,
)
from custom_components.ipcam.protocols.grandstream.rtp import (
    InterleavedFrame,
    format_interleaved,
    format_rtp,
)
from custom_components.ipcam.protocols.grandstream.rtsp import (
    RtspReader,
    RtspRequest,
    format_response,
    parse_transport,
    parse_url,
    stream_channel,
)
from custom_components.ipcam.protocols.grandstream.sdp import build_sdp

from .base import FaultError, SimulatedCamera
from .media import video_cycle

REALM = "Surveillance Server"
SERVER = "GrandStream Rtsp Server V100R001"
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, SET_PARAMETER"
ACCEPT = "OPTIONS, SETUP, PLAY, TEARDOWN"
SESSION_TIMEOUT = 120
TONE_HZ = 1000.0
FIRST_READ = 4096
EVENT_KINDS = {"alarm": "ALARM", "motion": "MOTION", "input": "INPUT"}


def _digits8() -> str:
    return f"{secrets.randbelow(10**8):08d}"


@dataclass(frozen=True, slots=True)
class _Stream:
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
        self._streams: dict[tuple[int, int], _Stream] = {}
        self.audio_packets: tuple[bytes, ...] = ()
        self.sessions: dict[str, _RtspConnection] = {}
        self.mctp_connections: set[_MctpConnection] = set()
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

    def _prepare(self, size: tuple[int, int]) -> _Stream:
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
        return _Stream(width, height, self.fps, sps, pps, units)

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

    def stream_for(self, channel: int) -> _Stream:
        return self._streams[self.primary_size if channel < 4 else self.secondary_size]

    # --- control API ---------------------------------------------------------------------------

    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        word = EVENT_KINDS.get(kind)
        if word is None:
            raise FaultError(f"unknown event {kind!r}; expected one of {sorted(EVENT_KINDS)}")
        if not 0 <= channel <= MAX_CHANNEL:
            raise FaultError(f"channel must be 0-{MAX_CHANNEL}")
        message = mctp.alarm_message(word, active, channel)
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
                await _RtspConnection(self, reader, writer).run(first)
            elif mctp.VERSION.encode() in first:
                await _MctpConnection(self, reader, writer).run(first)
        except (OSError, TimeoutError, ProtocolError, asyncio.IncompleteReadError):
            pass
        finally:
            self.untrack(transport)
            writer.close()
            if task is not None:
                self._handlers.discard(task)


class _RtspConnection:
    """The camera side of one RTSP connection."""

    def __init__(
        self, camera: GrandstreamCamera, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.camera = camera
        self.reader = reader
        self.writer = writer
        self.nonce: str | None = None
        self.authenticated = False
        self.session_id: str | None = None
        self.channel = 0
        self.tracks: dict[int, tuple[int, int]] = {}  # trackID -> (rtp, rtcp) channels
        self.playing = False
        self.streamer: asyncio.Task[None] | None = None
        sock = writer.get_extra_info("sockname")
        self.host_ip = str(sock[0]) if isinstance(sock, tuple) else "0.0.0.0"

    async def run(self, first: bytes) -> None:
        parser = RtspReader()
        parser.feed(first)
        try:
            while True:
                for event in parser.events():
                    if isinstance(event, InterleavedFrame):
                        self.camera.rtcp_received += 1
                        continue  # the camera drops reads that start with "$" (RTCP RR)
                    if not isinstance(event, RtspRequest):
                        continue
                    await self.camera.wait_unstalled()
                    reply, close = self.handle(event)
                    if reply:
                        self.writer.write(reply)
                        await asyncio.wait_for(self.writer.drain(), 10.0)
                    if close:
                        return
                    if self.playing and self.streamer is None:
                        self.streamer = self.camera.spawn(self.stream())
                data = await self.reader.read(65536)
                if not data:
                    return
                parser.feed(data)
        finally:
            self.close()

    def close(self) -> None:
        if self.streamer is not None:
            self.streamer.cancel()
            self.streamer = None
        if self.session_id is not None and self.camera.sessions.get(self.session_id) is self:
            del self.camera.sessions[self.session_id]
        self.playing = False

    def abort(self) -> None:
        self.close()
        self.writer.transport.abort()

    def reply(
        self,
        request: RtspRequest,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        *,
        odd: bool = False,
    ) -> bytes:
        """A reply; ``odd`` reproduces the 401/DESCRIBE-200 spelling (``Cseq: N ``)."""
        return format_response(
            status,
            request.cseq,
            headers or [],
            body,
            cseq_name="Cseq" if odd else "CSeq",
            cseq_suffix=" " if odd else "",
            length_name="Content-length" if odd else "Content-Length",
        )

    def handle(self, request: RtspRequest) -> tuple[bytes, bool]:
        server = [("Server", SERVER)]
        method = request.method
        if method in ("OPTIONS", "SET_PARAMETER") and request.headers.get("Session"):
            self.camera.rtsp_keepalives += 1
        if method == "OPTIONS":
            return self.reply(request, 200, [*server, ("Public", PUBLIC)]), False
        if method == "DESCRIBE":
            return self.describe(request), False
        if method == "SETUP":
            return self.setup(request)
        if method == "PLAY":
            if self.session_id is None or not self.tracks or self.playing:
                return b"", True  # the camera's PLAY handler fails and closes the connection
            self.playing = True
            session = [("Session", f"{self.session_id};timeout={self.camera.session_timeout}")]
            return self.reply(request, 200, [*server, *session]), False
        if method == "PAUSE":
            return self.reply(request, 455, [*server, ("Accept", ACCEPT)]), False
        if method == "SET_PARAMETER":
            return self.reply(request, 200, [*server, *self._session_header()]), False
        if method == "TEARDOWN":
            headers = [*server, *self._session_header(), ("Connection", "Close")]
            return self.reply(request, 200, headers), True
        # GET_PARAMETER is in the camera's method table but has no handler.
        return self.reply(request, 501, [*server, ("Accept", ACCEPT)]), False

    def _session_header(self) -> list[tuple[str, str]]:
        return [("Session", self.session_id)] if self.session_id else []

    def _authorized(self, request: RtspRequest) -> bool:
        header = request.headers.get("Authorization")
        if header is None or self.nonce is None:
            return False
        try:
            params = parse_authorization(header)
        except ProtocolError:
            return False
        camera = self.camera
        return verify_authorization(
            params,
            username=camera.username,
            password=camera.password,
            realm=REALM,
            nonce=self.nonce,
            method=request.method,
        )

    def describe(self, request: RtspRequest) -> bytes:
        try:
            url = parse_url(request.url)
        except ProtocolError:
            return self.reply(request, 400, [("Server", SERVER)])
        channel = stream_channel(url.path)
        if channel is None or channel > MAX_CHANNEL:
            return self.reply(request, 400, [("Server", SERVER)])
        accept = request.headers.get("Accept")
        if accept is not None and "application/sdp" not in accept:
            return self.reply(request, 551, [("Server", SERVER)])
        camera = self.camera
        if not self._authorized(request):
            if request.headers.get("Authorization") is not None:
                camera.auth_failures += 1
            self.nonce = _digits8()  # a fresh nonce for every 401
            headers = [
                ("Server", SERVER),
                ("WWW-Authenticate", format_challenge(REALM, self.nonce)),
            ]
            return self.reply(request, 401, headers, odd=True)
        self.authenticated = True
        self.channel = channel
        camera.describes += 1
        stream = camera.stream_for(channel)
        sdp = build_sdp(
            self.host_ip, (stream.sps, stream.pps), stream.width, stream.height, stream.fps
        )
        headers = [
            ("Server", f"GrandStream Rtsp Server {stream.width}*{stream.height}*{stream.fps}*4096"),
            ("Content-Type", "application/sdp"),
            ("Content-Base", f"rtsp://{self.host_ip}/{channel}"),  # no port, as the camera
        ]
        return self.reply(request, 200, headers, sdp.encode(), odd=True)

    def setup(self, request: RtspRequest) -> tuple[bytes, bool]:
        server = [("Server", SERVER)]
        # The camera checks auth only in DESCRIBE; we also accept a valid Authorization here.
        if not (self.authenticated or self._authorized(request)):
            return self.reply(request, 401, server), False
        try:
            path = parse_url(request.url).path
        except ProtocolError:
            return self.reply(request, 400, server), False
        marker = path.find("trackID=")
        if marker < 0:
            return self.reply(request, 406, server), False
        track_text = path[marker + len("trackID=") :].strip("/")
        channel_text = path.lstrip("/").split("/")[0]
        if not track_text.isdecimal() or int(track_text) > 1 or not channel_text.isdecimal():
            return self.reply(request, 404, server), False
        channel = int(channel_text)
        if channel > MAX_CHANNEL:
            return self.reply(request, 404, server), False
        try:
            transport = parse_transport(request.headers.get("Transport", "") or "")
            pair = transport.interleaved
        except ProtocolError:
            return self.reply(request, 461, server), False
        if not transport.tcp or pair is None:
            return self.reply(request, 461, server), False  # this simulator streams over TCP only
        requested = request.headers.get("Session")
        if requested is not None and requested.split(";")[0].strip() != self.session_id:
            return self.reply(request, 454, server), False
        if self.playing:
            return self.reply(request, 455, server), False
        if self.session_id is None:
            self.session_id = _digits8()
            self.camera.sessions[self.session_id] = self
        self.channel = channel
        self.tracks[int(track_text)] = pair
        headers = [
            *server,
            ("Session", f"{self.session_id};timeout={self.camera.session_timeout}"),
            ("Transport", f"RTP/AVP/TCP;unicast;interleaved={pair[0]}-{pair[1]}"),
        ]
        return self.reply(request, 200, headers), False

    async def stream(self) -> None:
        """Send RTP until the connection ends: video at ``fps``, audio every 20 ms."""
        camera = self.camera
        stream = camera.stream_for(self.channel)
        video = self.tracks.get(0)
        audio = self.tracks.get(1)
        video_ssrc = 41030 + self.channel + 128
        audio_ssrc = 41030 + self.channel
        video_seq = secrets.randbelow(0x10000)
        audio_seq = 1200
        video_ts = audio_ts = 3600
        unit_index = 0
        audio_index = 0
        tick = 0.02
        ticks_per_frame = max(1, round(1 / stream.fps / tick))
        loop = asyncio.get_running_loop()
        started = loop.time()
        count = 0
        try:
            while True:
                await camera.wait_unstalled()
                chunks: list[bytes] = []
                if video is not None and count % ticks_per_frame == 0:
                    payloads, _keyframe = stream.units[unit_index]
                    last = len(payloads) - 1
                    for i, payload in enumerate(payloads):
                        packet = format_rtp(96, i == last, video_seq, video_ts, video_ssrc, payload)
                        chunks.append(format_interleaved(video[0], packet))
                        video_seq = (video_seq + 1) & 0xFFFF
                    video_ts += 90000 // stream.fps
                    unit_index = (unit_index + 1) % len(stream.units)
                if audio is not None:
                    payload = camera.audio_packets[audio_index]
                    packet = format_rtp(0, False, audio_seq, audio_ts, audio_ssrc, payload)
                    chunks.append(format_interleaved(audio[0], packet))
                    audio_seq = (audio_seq + 1) & 0xFFFF
                    audio_ts += len(payload)
                    audio_index = (audio_index + 1) % len(camera.audio_packets)
                if chunks:
                    self.writer.write(b"".join(chunks))
                    await asyncio.wait_for(self.writer.drain(), 10.0)
                count += 1
                delay = started + count * tick - loop.time()
                if delay < -1.0:  # far behind (a stall): restart the clock
                    started = loop.time() - count * tick
                    delay = 0.0
                await asyncio.sleep(max(0.0, delay))
        except (OSError, TimeoutError):
            self.writer.transport.abort()


class _MctpConnection:
    """The camera side of one MCTP connection (heartbeat, alarms or talk)."""

    def __init__(
        self, camera: GrandstreamCamera, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.camera = camera
        self.reader = reader
        self.writer = writer
        self.session_id: str | None = None
        self.alarm_channel: int | None = None

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def run(self, first: bytes) -> None:
        camera = self.camera
        camera.mctp_connections.add(self)
        parser = mctp.MctpParser()
        messages = parser.feed(first)
        last_heard = time.monotonic()
        try:
            while True:
                for message in messages:
                    await camera.wait_unstalled()
                    if message.verb == "TALK":
                        await self.talk(parser.take_remaining())
                        return
                    self.handle(message)
                    await asyncio.wait_for(self.writer.drain(), 10.0)
                remaining = camera.mctp_timeout - (time.monotonic() - last_heard)
                wait = min(remaining, 0.3) if parser.pending else remaining
                if remaining <= 0:
                    raise TimeoutError
                try:
                    data = await asyncio.wait_for(self.reader.read(4096), max(0.01, wait))
                except TimeoutError:
                    if time.monotonic() - last_heard >= camera.mctp_timeout:
                        raise
                    flushed = parser.flush()
                    messages = [flushed] if flushed is not None else []
                    continue
                if not data:
                    return
                last_heard = time.monotonic()
                messages = parser.feed(data)
        except TimeoutError:
            # No heartbeat for 10 s: drop this connection and its RTSP session's.
            camera.mctp_timeouts += 1
            session = camera.sessions.get(self.session_id or "")
            if session is not None:
                session.abort()
        finally:
            camera.mctp_connections.discard(self)

    def handle(self, message: mctp.MctpMessage) -> None:
        camera = self.camera
        if message.verb != "ALIVE":
            return
        fields = message.fields
        if not fields:
            camera.keepalives += 1
            self.send(mctp.keepalive_reply())
            return
        session = fields[0]
        channel_text = fields[1] if len(fields) > 1 else ""
        try:
            channel = int(channel_text)
        except ValueError:
            self.send(mctp.heartbeat_reply(session, 0, False))
            return
        ok = -1 <= channel <= MAX_CHANNEL
        if ok and session.upper() == mctp.ALARM_SESSION:
            ok = channel >= 0 or camera.alarm_all_channels
            if ok:
                self.alarm_channel = channel
        elif ok and channel >= 0 and session in camera.sessions:
            self.session_id = session
            camera.heartbeats += 1
        else:
            ok = False
        self.send(mctp.heartbeat_reply(session, channel, ok))

    async def talk(self, pending: bytes) -> None:
        camera = self.camera
        if camera.talking:
            self.send(mctp.talk_reply(False))
            await asyncio.wait_for(self.writer.drain(), 10.0)
            return  # and the camera closes the connection
        camera.talking = True
        camera.talk_sessions += 1
        try:
            self.send(mctp.talk_reply(True))
            await asyncio.wait_for(self.writer.drain(), 10.0)
            talk = mctp.TalkReader()
            data = pending
            while True:
                for ulaw in talk.feed(data):
                    camera.record_talk(ulaw_decode(ulaw))
                data = await asyncio.wait_for(self.reader.read(4096), camera.mctp_timeout)
                if not data:
                    return
        finally:
            camera.talking = False
