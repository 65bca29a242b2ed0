"""Asyncio client for Grandstream GXV cameras and video servers: a shell around sessions.

Every connection is a sans-I/O session run by ``transport.SessionLink``; events
arrive in an ``Inbox``:

- ``connect()``: an ``RtspSession`` that DESCRIBEs the stream of ``channel`` (Digest).
- ``video()`` / ``audio()``: an ``RtspSession`` that plays: H.264 access units or
  PCMU audio; ``snapshot()`` decodes the next key frame with PyAV in a worker thread.
- ``events()``: an ``RtspSession`` set up without playing, kept alive, and an
  ``AlarmSession`` (MCTP heartbeat, alarm subscription, keep-alive) beside it.
- ``talk()``: a ``TalkSession``: TALK, then G.711 µ-law packets (UNCONFIRMED format).

Identity: the MAC from the host's ARP table when the camera is on the local
link, else ``grandstream:<host>:<port>`` (``identity.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any, Protocol

from ..audio.g711 import ulaw_encode
from ..audio.pacing import paced_frames
from ..base import (
    AudioChunk,
    CameraClient,
    CameraEvent,
    Capability,
    DeviceIdentity,
    VideoFrame,
    host_for_url,
)
from ..base import Vendor as _Vendor
from ..errors import CameraError, CannotConnect, InvalidValue
from ..sansio import Session
from ..transport import Inbox, SessionLink
from . import DEFAULT_RTSP_PORT, stream_channel
from .identity import arp_lookup, unique_id
from .mctp import KEEPALIVE_INTERVAL, TALK_SAMPLES_PER_PACKET
from .mctp_session import Alarm, AlarmSession, Subscribed, TalkAccepted, TalkSession
from .profile import PROFILE
from .rtsp import build_url
from .rtsp_session import Described, Ready, RtspSession
from .sdp import SessionDescription
from .snapshot import h264_to_jpeg

_LOGGER = logging.getLogger(__name__)

EVENT_BACKLOG = 256  # alarms waiting for the consumer; the oldest go first
MEDIA_BACKLOG = 64  # frames waiting for the consumer; more pauses the socket


class _Startable(Session[Any], Protocol):
    """A session that sends its first bytes when told the time (every session here)."""

    def start(self, now: float) -> None: ...


async def _next[E](inbox: Inbox[E]) -> E:
    try:
        return await inbox.get()
    except StopAsyncIteration:  # pragma: no cover - a link always ends with an error
        raise CannotConnect("the connection ended") from None


async def _until[T](inbox: Inbox[Any], kind: type[T]) -> T:
    """The first event of ``kind``; the connection's error if it ends first."""
    while not isinstance(event := await _next(inbox), kind):
        pass
    return event


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
        keepalive_interval: float = KEEPALIVE_INTERVAL,
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
        self._links: set[SessionLink[Any]] = set()
        self._sdp: SessionDescription | None = None
        self._server = ""
        self._firmware = ""
        self._width = 0
        self._height = 0
        self._fps = 0.0
        self._stats: dict[str, int] = {"dropped_units": 0, "lost_packets": 0}

    def __repr__(self) -> str:
        return f"<grandstream.Client {self._host}:{self._port}/{self._channel}>"

    @property
    def base_url(self) -> str:
        """The DESCRIBE URL, also the digest-uri of every request (as the vendor's client)."""
        return f"rtsp://{host_for_url(self._host)}:{self._port}/{self._channel}"

    # --- connections ---------------------------------------------------------------------------

    def _rtsp(self, **purpose: bool) -> RtspSession:
        return RtspSession(
            self.base_url, self._username, self._password, reply_timeout=self._timeout, **purpose
        )

    async def _open(
        self,
        session: _Startable,
        inbox: Inbox[Any],
        *,
        label: str = "camera",
        idle_timeout: float | None = None,
    ) -> SessionLink[Any]:
        """Connect ``session``: its events into ``inbox``, its end as the inbox's end."""
        link: SessionLink[Any] = SessionLink(session, inbox.put, inbox.end, label=label)
        self._links.add(link)
        try:
            await link.open(
                self._host, self._port, timeout=self._timeout, idle_timeout=idle_timeout
            )
            session.start(link.now())
            link.flush()
        except BaseException:
            self._links.discard(link)
            link.close()
            raise
        return link

    async def _close(self, link: SessionLink[Any], rtsp: RtspSession | None = None) -> None:
        """Close ``link``, ending its RTSP session with TEARDOWN when it has one."""
        if rtsp is not None and not link.closed:
            rtsp.teardown()
            with contextlib.suppress(CameraError):
                link.flush()
        link.close()
        await link.wait_closed()
        self._links.discard(link)

    def _learn(self, described: Described) -> None:
        self._sdp = described.sdp
        self._server = described.server or self._server
        self._firmware = described.firmware or self._firmware
        picture = described.picture
        if picture.width:
            self._width, self._height = picture.width, picture.height
        if picture.fps:
            self._fps = picture.fps

    # --- CameraClient --------------------------------------------------------------------------

    async def connect(self) -> None:
        inbox: Inbox[Any] = Inbox(EVENT_BACKLOG)
        link = await self._open(self._rtsp(), inbox)
        try:
            described = await _until(inbox, Described)
            peer = link.connection.get_extra_info("peername")
        finally:
            await self._close(link)
        self._learn(described)
        ip = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        mac = await asyncio.to_thread(arp_lookup, ip) if ip else ""
        capabilities = {Capability.STREAM_URL, Capability.EVENTS, Capability.TALK}
        video = described.sdp.first("video")
        if video is not None and video.encoding == "H264":
            capabilities |= {Capability.VIDEO, Capability.SNAPSHOT}
        audio = described.sdp.first("audio")
        if audio is not None and audio.encoding == "PCMU":
            capabilities.add(Capability.AUDIO)
        self._identity = DeviceIdentity(
            vendor=self.vendor,
            unique_id=unique_id(mac, self._host, self._port, self._channel),
            name=f"Grandstream {self._host}"
            + (f" stream {self._channel}" if self._channel else ""),
            model="GXV",
            manufacturer="Grandstream",
            firmware=self._firmware,
            mac=mac,
        )
        self.capabilities = frozenset(capabilities)

    async def close(self) -> None:
        links = list(self._links)
        for link in links:
            link.close()
        for link in links:
            await link.wait_closed()
        self._links.difference_update(links)

    def stream_url(self) -> str | None:
        return build_url(self._host, self._port, str(self._channel), self._username, self._password)

    # --- media ---------------------------------------------------------------------------------

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
        session = self._rtsp(video=video, audio=audio, play=True)
        link: SessionLink[Any]
        # A consumer that falls behind pauses the socket: the camera is slowed, nothing lost.
        inbox: Inbox[Any] = Inbox(
            MEDIA_BACKLOG,
            pause=lambda: link.connection.pause_reading(),
            resume=lambda: link.connection.resume_reading(),
        )
        # Media flows all the time: a silent camera is gone after ``timeout``.
        link = await self._open(session, inbox, idle_timeout=self._timeout)
        try:
            while True:
                event = await _next(inbox)
                if isinstance(event, Described):
                    self._learn(event)
                elif isinstance(event, VideoFrame | AudioChunk):
                    if session.media is not None:
                        self._stats["dropped_units"] = session.media.dropped_units
                        self._stats["lost_packets"] = session.media.lost_packets
                    yield event
        finally:
            await self._close(link, session)

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
        if not data:  # pragma: no cover - the stream ends with an error, not quietly
            raise CannotConnect("the video stream ended before a key frame")
        return await asyncio.to_thread(h264_to_jpeg, data)

    # --- events (MCTP) -------------------------------------------------------------------------

    def events(self) -> AsyncIterator[CameraEvent]:
        return self._events()

    async def _events(self) -> AsyncGenerator[CameraEvent]:
        # One inbox for both connections: either one ending ends events().
        inbox: Inbox[Any] = Inbox(EVENT_BACKLOG)
        rtsp_session = self._rtsp(video=True)
        rtsp = await self._open(rtsp_session, inbox)
        mctp: SessionLink[Any] | None = None
        try:
            ready = await _until(inbox, Ready)
            alarms = AlarmSession(
                ready.session_id,
                self._channel,
                keepalive_interval=self._keepalive,
                reply_timeout=self._timeout,
            )
            mctp = await self._open(alarms, inbox, label="camera's MCTP connection")
            while True:
                event = await _next(inbox)
                if isinstance(event, Alarm):
                    yield event.event
                elif isinstance(event, Subscribed):
                    _LOGGER.debug(
                        "MCTP heartbeat for RTSP session %s %s; alarms of channel %s",
                        ready.session_id,
                        "accepted" if event.heartbeat_accepted else "refused",
                        "all" if event.channel < 0 else event.channel,
                    )
        finally:
            if mctp is not None:
                await self._close(mctp)
            await self._close(rtsp, rtsp_session)

    # --- talk ----------------------------------------------------------------------------------

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Send 8 kHz s16le PCM as G.711 µ-law over MCTP TALK; return seconds sent.

        UNCONFIRMED on GXV firmware: the request's fields, the 4-byte sub-header
        and the timestamp unit (we count samples) come from one server's source
        (``docs/protocols/grandstream.md``, "Talk-back").
        """
        session = TalkSession(reply_timeout=self._timeout)
        inbox: Inbox[Any] = Inbox(EVENT_BACKLOG)
        link = await self._open(session, inbox, label="camera's talk channel")
        try:
            await _until(inbox, TalkAccepted)  # DeviceBusy when another client talks
            async for frame in paced_frames(pcm, TALK_SAMPLES_PER_PACKET * 2):
                session.send_audio(ulaw_encode(frame))
                await link.send()  # CannotConnect once the camera has closed
        finally:
            await self._close(link)
        return session.seconds_sent

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
