"""Asyncio client for Grandstream GXV cameras and video servers.

- ``connect()``: an authenticated RTSP DESCRIBE (Digest) on the stream of ``channel``.
- ``video()`` / ``audio()``: RTSP SETUP + PLAY with RTP over TCP interleaved; H.264
  access units (FU-A/STAP-A reassembled) and PCMU audio.
- ``snapshot()``: the next key frame, decoded to JPEG with PyAV in a worker thread.
- ``events()``: the MCTP connection on the RTSP port: heartbeat with a live RTSP
  session, alarm subscription (session ``FFFFFFFF``, channel -1), keep-alive every 5 s.
- ``talk()``: MCTP TALK, then G.711 µ-law packets (format from the camera's server
  source, UNCONFIRMED on GXV firmware).

Identity: RTSP reveals no serial or MAC. The MAC is taken from the host's ARP
table (Linux ``/proc/net/arp``) when the camera is on the local link; otherwise
``unique_id`` is derived from host and port (``grandstream:<host>:<port>``),
which changes if the camera's address changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Mapping,
)
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..audio.g711 import ulaw_decode, ulaw_encode
from ..audio.pacing import paced_frames
from ..base import AudioChunk, CameraClient, CameraEvent, Capability, DeviceIdentity, VideoFrame
from ..base import Vendor as _Vendor
from ..errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from . import DEFAULT_RTSP_PORT, SECONDARY_OFFSET, mctp, stream_channel
from .digest import DigestChallenge, authorization_header, parse_challenge
from .h264 import H264Depacketizer, sps_dimensions
from .profile import ADDRESS_ID_PREFIX, PROFILE
from .rtp import ReceptionStats, build_receiver_report, is_rtcp, parse_rtp
from .rtsp import (
    RtspEvent,
    RtspReader,
    RtspRequest,
    RtspResponse,
    build_url,
    format_request,
    host_for_url,
    parse_session,
)
from .sdp import MediaDescription, SessionDescription, control_url, parse_sdp, parse_sprop
from .sdp import parse_videoinfo as _parse_videoinfo

_LOGGER = logging.getLogger(__name__)

USER_AGENT = "ipcam"
READ_SIZE = 65536
RR_INTERVAL = 5.0
MAX_RTSP_KEEPALIVE = 60.0
MCTP_IDLE_FLUSH = 0.3  # seconds of silence that end an MCTP message without END
# The TALK reply is one line the camera writes at once (``@0@1@1@``, no END): a short
# silence is enough, and it is what delays the first audio packet.
TALK_REPLY_FLUSH = 0.03
# Interleaved data skipped while waiting for an RTSP reply; more is not a camera answering.
MAX_SKIPPED_BEFORE_REPLY = 4 * 1024 * 1024
# Stream bytes (RTCP, other channels, undecodable units) without one frame or audio chunk.
MAX_UNPRODUCTIVE_MEDIA = 2 * 4 * 1024 * 1024
VIDEO_CHANNELS = (0, 1)
AUDIO_CHANNELS = (2, 3)
_CLIENT_SSRC = 0x49504341  # "IPCA"
_FIRMWARE = re.compile(r"\bV\d+R\d+\w*")  # "GrandStream Rtsp Server V100R001"


@dataclass(frozen=True, slots=True)
class _Params:
    """What a connection needs from its client."""

    open_tcp: Callable[[], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
    username: str
    password: str
    base_url: str
    timeout: float
    writers: set[asyncio.StreamWriter]


class _Connection:
    """One RTSP connection: requests with Digest auth and a demultiplexing reader."""

    def __init__(self, params: _Params) -> None:
        self._params = params
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._rtsp = RtspReader()
        self._events: deque[RtspEvent] = deque()
        self._cseq = 0
        self.challenge: DigestChallenge | None = None
        self.server = ""
        self.firmware = ""
        self.peer = ""

    async def open(self) -> None:
        reader, writer = await self._params.open_tcp()
        self._reader, self._writer = reader, writer
        peer = writer.get_extra_info("peername")
        self.peer = str(peer[0]) if isinstance(peer, tuple) and peer else ""

    def send(self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()) -> int:
        """Write one request in one write (the camera parses one message per read)."""
        if self._writer is None:
            raise CannotConnect("connection closed")
        self._cseq += 1
        all_headers = list(headers)
        if self.challenge is not None:
            params = self._params
            all_headers.append(
                (
                    "Authorization",
                    authorization_header(
                        params.username, params.password, self.challenge, method, params.base_url
                    ),
                )
            )
        all_headers.append(("User-Agent", USER_AGENT))
        self._writer.write(format_request(method, url, self._cseq, all_headers))
        return self._cseq

    def write_raw(self, data: bytes) -> None:
        if self._writer is None:
            raise CannotConnect("connection closed")
        self._writer.write(data)

    async def drain(self) -> None:
        if self._writer is None:
            raise CannotConnect("connection closed")
        try:
            await asyncio.wait_for(self._writer.drain(), self._params.timeout)
        except (OSError, TimeoutError) as err:
            raise CannotConnect(f"cannot send to the camera: {type(err).__name__}") from err

    async def read_event(self, timeout: float) -> RtspEvent:
        """The next RTSP message or interleaved frame; CannotConnect on EOF or timeout.

        ``timeout`` bounds the whole wait, however many bytes arrive meanwhile.
        """
        if self._reader is None:
            raise CannotConnect("connection closed")
        deadline = time.monotonic() + timeout
        while not self._events:
            event = self._rtsp.next_event()
            if event is not None:
                self._events.append(event)
                break
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                data = await asyncio.wait_for(self._reader.read(READ_SIZE), remaining)
            except TimeoutError as err:
                raise CannotConnect("the camera stopped sending") from err
            except OSError as err:
                raise CannotConnect(f"connection lost: {type(err).__name__}") from err
            if not data:
                raise CannotConnect("the camera closed the connection")
            self._rtsp.feed(data)
        return self._events.popleft()

    async def request(
        self, method: str, url: str, headers: Iterable[tuple[str, str]] = ()
    ) -> RtspResponse:
        """Send a request and wait for its response (skipping interleaved data)."""
        cseq = self.send(method, url, headers)
        await self.drain()
        deadline = time.monotonic() + self._params.timeout
        skipped = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CannotConnect(f"no reply to {method}")
            event = await self.read_event(remaining)
            if not isinstance(event, RtspResponse | RtspRequest):
                skipped += len(event.payload)
                if skipped > MAX_SKIPPED_BEFORE_REPLY:
                    raise ProtocolError(f"only interleaved data, no reply to {method}")
            if isinstance(event, RtspResponse) and event.cseq in (cseq, None):
                server = event.headers.get("Server")
                if server:
                    self.server = server[:128]
                    match = _FIRMWARE.search(server)
                    if match and not self.firmware:
                        self.firmware = match.group(0)
                return event

    async def close(self) -> None:
        writer, self._writer = self._writer, None
        self._reader = None
        if writer is None:
            return
        self._params.writers.discard(writer)
        writer.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(writer.wait_closed(), 2.0)


@dataclass(slots=True)
class _Session:
    connection: _Connection
    sdp: SessionDescription
    session_id: str = ""
    timeout: float = 60.0
    video_media: MediaDescription | None = None
    audio_media: MediaDescription | None = None
    playing: bool = False


class Client(CameraClient):
    """A Grandstream GXV camera (RTSP port; 554, or 2000 + the web port)."""

    profile = PROFILE
    vendor = _Vendor.GRANDSTREAM

    def __init__(
        self,
        host: str,
        port: int = DEFAULT_RTSP_PORT,
        username: str = "admin",
        password: str = "",
        *,
        channel: int | None = 0,
        stream: str | None = None,
        timeout: float = 10.0,
        keepalive_interval: float = mctp.KEEPALIVE_INTERVAL,
        **_options: Any,
    ) -> None:
        super().__init__()
        try:
            # ``channel`` is the input (0-3) with ``stream``, else the stream number (0-7).
            self._channel = stream_channel(0 if channel is None else channel, stream)
        except ValueError as err:
            raise InvalidValue(str(err)) from err
        if not 0 < port < 65536:
            raise InvalidValue("port must be 1-65535")
        self._host = host
        self._port = port
        self._username = username
        self._password = password
        self._timeout = float(timeout)
        self._keepalive = max(0.05, float(keepalive_interval))
        self._writers: set[asyncio.StreamWriter] = set()
        self._sdp: SessionDescription | None = None
        self._server = ""
        self._firmware = ""
        self._width = 0
        self._height = 0
        self._fps = 0.0
        self._stats: dict[str, int] = {"dropped_units": 0, "lost_packets": 0}

    def __repr__(self) -> str:
        return f"<grandstream.Client {self._host}:{self._port}/{self._channel}>"

    # --- plumbing ------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The DESCRIBE URL, also the digest-uri of every request (as the vendor's client)."""
        return f"rtsp://{host_for_url(self._host)}:{self._port}/{self._channel}"

    def _params(self) -> _Params:
        return _Params(
            self._open_tcp,
            self._username,
            self._password,
            self.base_url,
            self._timeout,
            self._writers,
        )

    async def _open_tcp(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self._host, self._port, limit=READ_SIZE * 2),
                self._timeout,
            )
        except TimeoutError as err:
            raise CannotConnect(f"timed out connecting to {self._host}:{self._port}") from err
        except OSError as err:
            raise CannotConnect(
                f"cannot connect to {self._host}:{self._port}: {err.strerror or err}"
            ) from err
        self._writers.add(writer)
        return reader, writer

    async def _describe(self, connection: _Connection) -> SessionDescription:
        """DESCRIBE; on 401 answer the challenge on the same connection (nonce per connection)."""
        headers = [("Accept", "application/sdp")]
        response = await connection.request("DESCRIBE", self.base_url, headers)
        for _attempt in range(2):
            if response.status != 401:
                break
            if connection.challenge is not None:
                raise AuthError("the camera rejected the user name or password")
            offers = response.headers.get_all("WWW-Authenticate")
            digest = [c for c in offers if c.strip().lower().startswith("digest")]
            if not digest:
                raise ProtocolError("401 without a Digest challenge")
            connection.challenge = parse_challenge(digest[0])
            response = await connection.request("DESCRIBE", self.base_url, headers)
        if response.status in (401, 403):
            raise AuthError("the camera rejected the user name or password")
        if response.status != 200:
            raise ProtocolError(f"DESCRIBE failed: {response.status} {response.reason[:40]}")
        sdp = parse_sdp(response.body)
        if not sdp.media:
            raise ProtocolError("the DESCRIBE answer describes no media (not SDP?)")
        self._sdp = sdp
        self._server = connection.server or self._server
        self._firmware = connection.firmware or self._firmware
        self._learn_video_format(sdp)
        return sdp

    def _learn_video_format(self, sdp: SessionDescription) -> None:
        video = sdp.first("video")
        if video is None:
            return
        info = video.attribute("videoinfo")
        parsed = _parse_videoinfo(info) if info else None
        if parsed is None and self._server:
            parsed = _parse_videoinfo(self._server)
        if parsed is not None:
            self._width, self._height, fps, _ = parsed
            self._fps = float(fps)
        for unit in self._parameter_sets(video):
            if unit and unit[0] & 0x1F == 7:
                with contextlib.suppress(ProtocolError):
                    self._width, self._height = sps_dimensions(unit)

    @staticmethod
    def _parameter_sets(video: MediaDescription) -> list[bytes]:
        sprop = video.fmtp().get("sprop-parameter-sets")
        if not sprop:
            return []
        try:
            return parse_sprop(sprop)
        except ProtocolError:
            return []

    async def _start_session(self, *, video: bool, audio: bool, play: bool) -> _Session:
        connection = _Connection(self._params())
        await connection.open()
        try:
            sdp = await self._describe(connection)
            session = _Session(connection, sdp)
            wanted: list[tuple[MediaDescription, tuple[int, int]]] = []
            if video:
                media = sdp.first("video")
                if media is None or media.encoding != "H264":
                    raise NotSupported("the camera offers no H.264 video on this stream")
                session.video_media = media
                wanted.append((media, VIDEO_CHANNELS))
            if audio:
                media = sdp.first("audio")
                if media is None or media.encoding != "PCMU":
                    raise NotSupported("the camera offers no PCMU audio on this stream")
                session.audio_media = media
                wanted.append((media, AUDIO_CHANNELS))
            for media, (rtp, rtcp) in wanted:
                headers = [("Transport", f"RTP/AVP/TCP;unicast;interleaved={rtp}-{rtcp}")]
                if session.session_id:
                    headers.append(("Session", session.session_id))
                url = control_url(self.base_url, media.control)
                response = await connection.request("SETUP", url, headers)
                self._check(response, "SETUP")
                value = response.headers.get("Session")
                if not value:
                    raise ProtocolError("SETUP reply without a Session")
                parsed = parse_session(value)
                session.session_id = parsed.session_id
                if parsed.timeout:
                    session.timeout = float(parsed.timeout)
            if play:
                # No Range/RTP-Info is expected back: the camera sends neither.
                response = await connection.request(
                    "PLAY", self.base_url, [("Session", session.session_id)]
                )
                self._check(response, "PLAY")
                session.playing = True
            return session
        except BaseException:
            await connection.close()
            raise

    @staticmethod
    def _check(response: RtspResponse, method: str) -> None:
        if response.status in (401, 403):
            raise AuthError(f"{method} rejected: {response.status}")
        if response.status == 453:
            raise DeviceBusy(f"{method}: not enough bandwidth (453)")
        if response.status != 200:
            raise ProtocolError(f"{method} failed: {response.status} {response.reason[:40]}")

    async def _end_session(self, session: _Session) -> None:
        connection = session.connection
        if session.session_id:
            with contextlib.suppress(CameraError, OSError, ProtocolError):
                connection.send("TEARDOWN", self.base_url, [("Session", session.session_id)])
                await asyncio.wait_for(connection.drain(), 2.0)
        await connection.close()

    def _keepalive_period(self, session: _Session) -> float:
        # Any request with Session refreshes it; OPTIONS because GET_PARAMETER gets 501.
        return max(1.0, min(MAX_RTSP_KEEPALIVE, session.timeout / 2))

    # --- CameraClient --------------------------------------------------------------------------

    async def connect(self) -> None:
        connection = _Connection(self._params())
        await connection.open()
        try:
            sdp = await self._describe(connection)
            peer = connection.peer
        finally:
            await connection.close()
        mac = await asyncio.to_thread(_arp_lookup, peer) if peer else ""
        capabilities = {Capability.STREAM_URL, Capability.EVENTS, Capability.TALK}
        video = sdp.first("video")
        if video is not None and video.encoding == "H264":
            capabilities |= {Capability.VIDEO, Capability.SNAPSHOT}
        audio = sdp.first("audio")
        if audio is not None and audio.encoding == "PCMU":
            capabilities.add(Capability.AUDIO)
        self._identity = DeviceIdentity(
            vendor=self.vendor,
            unique_id=self._unique_id(mac),
            name=f"Grandstream {self._host}"
            + (f" stream {self._channel}" if self._channel else ""),
            model="GXV",
            manufacturer="Grandstream",
            firmware=self._firmware,
            mac=mac,
        )
        self.capabilities = frozenset(capabilities)

    def _unique_id(self, mac: str) -> str:
        """The MAC (else the address), plus which input and stream this client shows."""
        unique_id = mac or f"{ADDRESS_ID_PREFIX}{self._host.lower()}:{self._port}"
        if video_input := self._channel % SECONDARY_OFFSET:
            unique_id += f"-channel{video_input}"
        if self._channel >= SECONDARY_OFFSET:
            unique_id += "-secondary"
        return unique_id

    async def close(self) -> None:
        for writer in list(self._writers):
            writer.close()
        for writer in list(self._writers):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)
        self._writers.clear()

    def stream_url(self) -> str | None:
        return build_url(self._host, self._port, str(self._channel), self._username, self._password)

    def video(self) -> AsyncIterator[VideoFrame]:
        return self._video()

    async def _video(self) -> AsyncGenerator[VideoFrame]:
        async for item in self._media(video=True, audio=False):
            if isinstance(item, VideoFrame):
                yield item

    def audio(self) -> AsyncIterator[AudioChunk]:
        return self._audio()

    async def _audio(self) -> AsyncGenerator[AudioChunk]:
        async for item in self._media(video=False, audio=True):
            if isinstance(item, AudioChunk):
                yield item

    async def _media(self, *, video: bool, audio: bool) -> AsyncGenerator[VideoFrame | AudioChunk]:
        session = await self._start_session(video=video, audio=audio, play=True)
        connection = session.connection
        try:
            depacketizer = H264Depacketizer(
                self._parameter_sets(session.video_media) if session.video_media else ()
            )
            stats: dict[int, ReceptionStats] = {}
            first_ts: dict[int, int] = {}
            unwrapped: dict[int, int] = {}
            now = time.monotonic()
            keepalive_period = self._keepalive_period(session)
            next_keepalive = now + keepalive_period
            next_report = now + RR_INTERVAL / 2
            width, height, fps = self._width, self._height, self._fps
            unproductive = 0  # stream bytes since the last frame or audio chunk
            while True:
                if unproductive > MAX_UNPRODUCTIVE_MEDIA:
                    raise ProtocolError("the stream carries no usable video or audio")
                now = time.monotonic()
                if now >= next_keepalive:
                    connection.send("OPTIONS", self.base_url, [("Session", session.session_id)])
                    await connection.drain()
                    next_keepalive = now + keepalive_period
                elif now >= next_report:
                    # Receiver reports, written apart from RTSP requests: the camera drops
                    # a whole read that starts with "$".
                    for channel, source in stats.items():
                        report = build_receiver_report(_CLIENT_SSRC, source)
                        connection.write_raw(_interleave(channel + 1, report))
                    await connection.drain()
                    next_report = now + RR_INTERVAL
                event = await connection.read_event(self._timeout)
                if isinstance(event, RtspResponse):
                    if event.status == 454:
                        raise CannotConnect("the camera forgot the RTSP session")
                    unproductive += len(event.body) + 64
                    continue
                if isinstance(event, RtspRequest):
                    unproductive += len(event.body) + 64
                    continue  # server-to-client requests are not used by these cameras
                unproductive += len(event.payload) + 4
                if event.channel & 1 or is_rtcp(event.payload):
                    continue  # the camera's RTCP (its SR is zeroed anyway)
                packet = parse_rtp(event.payload)
                channel = event.channel
                stats.setdefault(channel, ReceptionStats()).update(packet)
                if channel not in first_ts:
                    first_ts[channel] = packet.timestamp
                    unwrapped[channel] = 0
                delta = (packet.timestamp - first_ts[channel]) & 0xFFFFFFFF
                # Unwrap 32-bit timestamps so the seconds stay monotonic.
                base = unwrapped[channel] & ~0xFFFFFFFF
                value = base + delta
                if value < unwrapped[channel] - 0x80000000:
                    value += 1 << 32
                unwrapped[channel] = max(unwrapped[channel], value)
                if video and channel == VIDEO_CHANNELS[0]:
                    for unit in depacketizer.push(packet):
                        if unit.keyframe and not width:
                            sps = depacketizer.parameter_sets[0]
                            if sps is not None:
                                with contextlib.suppress(ProtocolError):
                                    width, height = sps_dimensions(sps)
                        self._stats["dropped_units"] = depacketizer.dropped
                        self._stats["lost_packets"] = depacketizer.lost_packets
                        unproductive = 0
                        yield VideoFrame(
                            codec="h264",
                            data=unit.data,
                            keyframe=unit.keyframe,
                            width=width,
                            height=height,
                            timestamp=value / 90000,
                            fps=fps,
                        )
                elif audio and channel == AUDIO_CHANNELS[0] and packet.payload_type == 0:
                    unproductive = 0
                    yield AudioChunk(ulaw_decode(packet.payload), 8000, value / 8000)
        finally:
            await self._end_session(session)

    async def snapshot(self) -> bytes:
        """Decode the next key frame to JPEG (PyAV, in a worker thread)."""
        data = b""
        try:
            async with asyncio.timeout(self._timeout + 10.0):
                async with contextlib.aclosing(self._video()) as frames:
                    async for frame in frames:
                        if frame.keyframe:
                            data = frame.data
                            break
        except TimeoutError as err:
            raise CannotConnect("no key frame from the camera in time") from err
        if not data:
            raise CannotConnect("the video stream ended before a key frame")
        return await asyncio.to_thread(_h264_to_jpeg, data)

    # --- events (MCTP) -------------------------------------------------------------------------

    def events(self) -> AsyncIterator[CameraEvent]:
        return self._events()

    async def _read_mctp(
        self,
        reader: asyncio.StreamReader,
        parser: mctp.MctpParser,
        queue: deque[mctp.MctpMessage],
        timeout: float,
        idle_flush: float = MCTP_IDLE_FLUSH,
    ) -> mctp.MctpMessage:
        """The next MCTP message; CannotConnect when none arrives within ``timeout``."""
        message = await self._poll_mctp(reader, parser, queue, timeout, idle_flush)
        if message is None:
            raise CannotConnect("no MCTP reply from the camera")
        return message

    @staticmethod
    async def _poll_mctp(
        reader: asyncio.StreamReader,
        parser: mctp.MctpParser,
        queue: deque[mctp.MctpMessage],
        timeout: float,
        idle_flush: float = MCTP_IDLE_FLUSH,
    ) -> mctp.MctpMessage | None:
        """The next MCTP message, or None after ``timeout``; a message without END
        ends after a short silence. CannotConnect when the connection ends."""
        deadline = time.monotonic() + timeout
        while not queue:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            wait = min(remaining, idle_flush) if parser.pending else remaining
            try:
                data = await asyncio.wait_for(reader.read(4096), wait)
            except TimeoutError:
                if parser.pending:
                    message = parser.flush()
                    if message is not None:
                        queue.append(message)
                continue
            except OSError as err:
                raise CannotConnect(f"MCTP connection lost: {type(err).__name__}") from err
            if not data:
                message = parser.flush() if parser.pending else None
                if message is None:
                    raise CannotConnect("the camera closed the MCTP connection")
                queue.append(message)  # e.g. the busy TALK reply, then the camera closes
                break
            queue.extend(parser.feed(data))
        return queue.popleft()

    async def _events(self) -> AsyncGenerator[CameraEvent]:
        session = await self._start_session(video=True, audio=False, play=False)
        writer: asyncio.StreamWriter | None = None
        try:
            try:
                handshake = mctp.heartbeat_request(session.session_id, self._channel)
            except ValueError as err:
                raise ProtocolError("the RTSP session id is not an MCTP session id") from err
            reader, writer = await self._open_tcp()
            parser = mctp.MctpParser()
            queue: deque[mctp.MctpMessage] = deque()
            early: list[mctp.MctpMessage] = []  # alarms that arrive before a handshake reply

            async def exchange(data: bytes) -> mctp.HandshakeResult | None:
                assert writer is not None
                writer.write(data)  # one message per write: the camera reads one per recv
                await asyncio.wait_for(writer.drain(), self._timeout)
                while True:
                    message = await self._read_mctp(reader, parser, queue, self._timeout)
                    if message.verb == "ALIVE":
                        return mctp.parse_handshake_reply(message)
                    early.append(message)
                    if len(early) > 64:
                        raise ProtocolError("too many MCTP messages before the reply")

            result = await exchange(handshake)
            # A refused heartbeat is not fatal: alarms come from the subscription below.
            _LOGGER.debug(
                "MCTP heartbeat for RTSP session %s: %s",
                session.session_id,
                "accepted" if result is not None and result.ok else "refused",
            )
            # Alarm subscription: every channel (-1, "latest firmware"), else our channel.
            result = await exchange(mctp.alarm_subscription(mctp.ALL_CHANNELS))
            if result is None or not result.ok:
                result = await exchange(mctp.alarm_subscription(self._channel))
                if result is None or not result.ok:
                    raise NotSupported("the camera refused the MCTP alarm subscription")
                _LOGGER.debug(
                    "MCTP alarm subscription for all channels refused; using %s", self._channel
                )
            for message in early:
                if mctp.is_alarm(message):
                    yield _event(message)

            connection = session.connection
            rtsp_period = self._keepalive_period(session)
            now = time.monotonic()
            last_heard = now
            next_keepalive = now + self._keepalive
            next_rtsp = now + rtsp_period
            lost_after = 2 * self._keepalive + 1.0
            while True:
                now = time.monotonic()
                if now - last_heard > lost_after:
                    raise CannotConnect("MCTP heartbeat lost")
                if now >= next_rtsp:
                    response = await connection.request(
                        "OPTIONS", self.base_url, [("Session", session.session_id)]
                    )
                    if response.status == 454:
                        raise CannotConnect("the camera forgot the RTSP session")
                    next_rtsp = now + rtsp_period
                if now >= next_keepalive:
                    writer.write(mctp.keepalive_request())
                    await asyncio.wait_for(writer.drain(), self._timeout)
                    next_keepalive = now + self._keepalive
                wait = max(0.01, min(next_keepalive, next_rtsp, last_heard + lost_after) - now)
                polled = await self._poll_mctp(reader, parser, queue, wait)
                if polled is None:
                    continue
                last_heard = time.monotonic()
                if mctp.is_alarm(polled):
                    yield _event(polled)
        except (OSError, TimeoutError) as err:
            raise CannotConnect(f"MCTP connection lost: {type(err).__name__}") from err
        finally:
            if writer is not None:
                self._writers.discard(writer)
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 2.0)
            await self._end_session(session)

    # --- talk ----------------------------------------------------------------------------------

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Send 8 kHz s16le PCM as G.711 µ-law over MCTP TALK; return seconds sent.

        UNCONFIRMED on GXV firmware: the request's fields, the 4-byte sub-header
        and the timestamp unit (we count samples) come from one server's source.
        """
        reader, writer = await self._open_tcp()
        sent = 0
        try:
            writer.write(mctp.talk_request())
            await asyncio.wait_for(writer.drain(), self._timeout)
            parser = mctp.MctpParser()
            reply = await self._read_mctp(
                reader, parser, deque(), self._timeout, idle_flush=TALK_REPLY_FLUSH
            )
            if not mctp.talk_accepted(reply):
                raise DeviceBusy("the camera's talk channel is in use")
            frame_bytes = mctp.TALK_SAMPLES_PER_PACKET * 2
            async for frame in paced_frames(pcm, frame_bytes):
                if reader.at_eof():
                    raise CannotConnect("the camera closed the talk connection")
                timestamp = sent * mctp.TALK_SAMPLES_PER_PACKET
                writer.write(mctp.talk_packet(ulaw_encode(frame), timestamp))
                await asyncio.wait_for(writer.drain(), self._timeout)
                sent += 1
        except (OSError, TimeoutError) as err:
            raise CannotConnect(f"talk connection lost: {type(err).__name__}") from err
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 2.0)
        return sent * mctp.TALK_SAMPLES_PER_PACKET / 8000

    def diagnostics(self) -> Mapping[str, object]:
        media = []
        if self._sdp is not None:
            media = [f"{m.media} {m.encoding}/{m.clock_rate}" for m in self._sdp.media]
        return {
            "host": self._host,
            "port": self._port,
            "channel": self._channel,
            "server": self._server,
            "media": media,
            "width": self._width,
            "height": self._height,
            "fps": self._fps,
            **self._stats,
        }


def _interleave(channel: int, payload: bytes) -> bytes:
    from .rtp import format_interleaved

    return format_interleaved(channel, payload)


def _event(message: mctp.MctpMessage) -> CameraEvent:
    report = mctp.interpret_alarm(message)
    return CameraEvent(
        kind=report.kind, active=report.active, channel=report.channel, raw=report.raw
    )


ARP_TABLE = Path("/proc/net/arp")


def _arp_lookup(ip: str, table: Path = ARP_TABLE) -> str:
    """The MAC of ``ip`` from the Linux ARP table, or "" (not on the local link, not Linux)."""
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return ""
    for line in lines[:4096]:
        parts = line.split()
        if len(parts) >= 4 and parts[0] == ip and parts[2] != "0x0":
            mac = parts[3].lower()
            if re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", mac) and mac != "00:00:00:00:00:00":
                return mac
    return ""


def _h264_to_jpeg(data: bytes) -> bytes:
    """Decode one H.264 key frame (Annex B with SPS/PPS) and encode it as JPEG."""
    import av

    try:
        decoder: Any = av.CodecContext.create("h264", "r")
        frames = list(decoder.decode(av.Packet(data)))
        frames += list(decoder.decode(None))
        if not frames:
            raise ProtocolError("the key frame did not decode")
        picture = frames[0].reformat(format="yuvj420p")
        encoder: Any = av.CodecContext.create("mjpeg", "w")
        encoder.width = picture.width
        encoder.height = picture.height
        encoder.pix_fmt = "yuvj420p"
        encoder.time_base = Fraction(1, 25)
        encoder.options = {"qscale": "3"}
        packets = list(encoder.encode(picture))
        packets += list(encoder.encode(None))
    except (av.error.FFmpegError, ValueError) as err:
        raise ProtocolError(f"cannot decode the key frame: {err}") from err
    if not packets:
        raise ProtocolError("JPEG encoding produced nothing")
    return bytes(packets[0])
