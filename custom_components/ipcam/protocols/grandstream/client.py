"""Asyncio client for Grandstream GXV cameras and video servers: a shell around sessions.

Every connection is a sans-I/O session run by ``transport.SessionLink``; events
arrive in an ``Inbox``:

- ``connect()``: an ``RtspSession`` that DESCRIBEs the stream of ``channel`` (Digest).
- ``video()`` / ``audio()``: an ``RtspSession`` that plays: H.264 access units or
  PCMU audio; ``snapshot()`` decodes the next key frame with PyAV in a worker thread.
- ``events()``: an ``RtspSession`` set up without playing, kept alive, and an
  ``AlarmSession`` (MCTP heartbeat, alarm subscription, keep-alive) beside it:
  the device's one alarm connection (``_AlarmHub``), shared by every consumer.
- ``talk()``: a ``TalkSession``: TALK, then G.711 µ-law packets (UNCONFIRMED format).

A client is made for one stream (``channel``: an input 0-3 with ``stream``, or a
stream number 0-7), or, with ``channel=None``, for a whole encoder: ``connect()``
then DESCRIBEs inputs 0-3, ``channels`` lists those that exist and
``channel_client(n)`` gives input n's client, which shares the encoder's alarm
connection (alarms carry their input). See docs/protocols/grandstream.md,
"Encoders: one device, several inputs".

Identity: the MAC from the host's ARP table when the camera is on the local
link, else ``grandstream:<host>:<port>`` (``identity.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Protocol

from ..audio.g711 import ulaw_encode
from ..audio.pacing import paced_frames
from ..base import (
    AudioChunk,
    CameraClient,
    CameraEvent,
    Capability,
    ChannelInfo,
    DeviceIdentity,
    VideoFrame,
    host_for_url,
)
from ..base import Vendor as _Vendor
from ..errors import CameraError, CannotConnect, DeviceBusy, InvalidValue
from ..sansio import Session
from ..transport import Inbox, SessionLink
from . import DEFAULT_RTSP_PORT, INPUTS, SECONDARY_OFFSET, stream_channel
from .identity import arp_lookup, display_name, input_name, unique_id
from .mctp import ALL_CHANNELS, KEEPALIVE_INTERVAL, TALK_SAMPLES_PER_PACKET
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


def _capabilities(described: Described) -> frozenset[Capability]:
    """What one stream offers, from its DESCRIBE answer."""
    capabilities = {Capability.STREAM_URL, Capability.EVENTS, Capability.TALK}
    video = described.sdp.first("video")
    if video is not None and video.encoding == "H264":
        capabilities |= {Capability.VIDEO, Capability.SNAPSHOT}
    audio = described.sdp.first("audio")
    if audio is not None and audio.encoding == "PCMU":
        capabilities.add(Capability.AUDIO)
    return frozenset(capabilities)


class _AlarmHub:
    """A device's one heartbeat and alarm connection, shared by every ``events()``.

    The first consumer opens it (``open_connections``: an RTSP session set up and
    kept alive, the MCTP connection beside it); each consumer gets its own inbox,
    filtered by input for an encoder's input client; the last one to leave closes it
    (``close_link``, TEARDOWN). Either connection ending ends every consumer's
    iterator with its error; the next consumer opens it again.
    """

    def __init__(
        self,
        open_connections: Callable[[Inbox[Any]], Awaitable[None]],
        close_link: Callable[[SessionLink[Any], RtspSession | None], Awaitable[None]],
    ) -> None:
        self._open_connections = open_connections
        self._close_link = close_link
        self._lock = asyncio.Lock()
        # inbox -> (its client, the input it wants or None for all, alarms by input number)
        self._consumers: dict[Inbox[CameraEvent], tuple[object, int | None, bool]] = {}
        self._links: list[tuple[SessionLink[Any], RtspSession | None]] = []
        self._starting: Inbox[Any] | None = None  # events while the connections open
        self._closing = False
        self.opened = 0  # times the connections were opened (diagnostics, tests)
        self.subscriptions: list[int] = []  # alarm channels the camera accepted

    @property
    def connections(self) -> int:
        return len(self._links)

    def add_link(self, link: SessionLink[Any], rtsp: RtspSession | None = None) -> None:
        """A connection ``open_connections`` opened (closed with the others)."""
        self._links.append((link, rtsp))

    async def subscribe(
        self, owner: object, video_input: int | None, *, by_input: bool = False
    ) -> Inbox[CameraEvent]:
        """An inbox of the alarms of ``video_input`` (None: all), opening the connection;
        ``by_input``: each alarm's channel is its input (a stream number 4-7 says input
        0-3), as an encoder's channels count."""
        inbox: Inbox[CameraEvent] = Inbox(EVENT_BACKLOG)
        self._consumers[inbox] = (owner, video_input, by_input)
        try:
            async with self._lock:
                if not self._links:
                    await self._open()
        except BaseException:
            self._consumers.pop(inbox, None)
            raise
        return inbox

    async def unsubscribe(self, inbox: Inbox[CameraEvent]) -> None:
        self._consumers.pop(inbox, None)
        if self._consumers or not self._links:
            return
        async with self._lock:
            if not self._consumers:  # nobody came while we waited
                await self._close_links()

    async def close(self, owner: object | None = None) -> None:
        """End the iterators of ``owner`` (None: everyone's); close when nobody is left."""
        error = CannotConnect("the client was closed")
        for inbox, (consumer, _input, _by_input) in list(self._consumers.items()):
            if owner is None or consumer is owner:
                del self._consumers[inbox]
                inbox.end(error)
        if not self._consumers:
            await self._close_links()

    def on_event(self, event: Any) -> None:
        """An event of one of the connections (their ``SessionLink`` handler)."""
        if isinstance(event, Alarm):
            alarm = event.event
            by_input = dataclasses.replace(alarm, channel=alarm.channel % SECONDARY_OFFSET)
            for inbox, (_owner, video_input, numbered) in self._consumers.items():
                if video_input is None or by_input.channel == video_input:
                    inbox.put(by_input if numbered else alarm)
        elif self._starting is not None:
            self._starting.put(event)

    def on_lost(self, error: CameraError) -> None:
        """One of the connections ended (their ``SessionLink`` lost handler)."""
        if self._closing:
            return
        if self._starting is not None:
            self._starting.end(error)  # the opening fails with it
            return
        # Everyone's iterator ends with why; the other connection is closed.
        self._closing = True
        try:
            for link, _rtsp in self._links:
                link.close()
            self._links.clear()
        finally:
            self._closing = False
        for inbox in self._consumers:
            inbox.end(error)
        self._consumers.clear()

    async def _open(self) -> None:
        start = self._starting = Inbox(EVENT_BACKLOG)
        self.subscriptions = []
        try:
            await self._open_connections(start)
            self.opened += 1
        except BaseException:
            await self._close_links()
            raise
        finally:
            self._starting = None

    async def _close_links(self) -> None:
        links, self._links = self._links, []
        self._closing = True
        try:
            for link, rtsp in reversed(links):  # MCTP first, then its RTSP session
                await self._close_link(link, rtsp)
        finally:
            self._closing = False


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
            # ``channel`` is the input (0-3) with ``stream``, else the stream number (0-7);
            # None: the whole encoder (its inputs found at connect(), first input's stream).
            self._channel = stream_channel(0 if channel is None else channel, stream)
        except ValueError as err:
            raise InvalidValue(str(err)) from err
        self._device = channel is None
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
        self._hub = _AlarmHub(self._open_alarms, self._close)
        self._event_input: int | None = None  # an input's client: only its input's alarms
        self._inputs: tuple[ChannelInfo, ...] = ()  # an encoder's inputs (device mode)
        self._children: dict[int, _InputClient] = {}

    def __repr__(self) -> str:
        return f"<grandstream.Client {self._host}:{self._port}/{self._channel}>"

    @property
    def base_url(self) -> str:
        """The DESCRIBE URL, also the digest-uri of every request (as the vendor's client)."""
        return f"rtsp://{host_for_url(self._host)}:{self._port}/{self._channel}"

    # --- connections ---------------------------------------------------------------------------

    def _url(self, stream: int) -> str:
        return f"rtsp://{host_for_url(self._host)}:{self._port}/{stream}"

    def _rtsp(self, url: str | None = None, **purpose: bool) -> RtspSession:
        return RtspSession(
            url or self.base_url,
            self._username,
            self._password,
            reply_timeout=self._timeout,
            **purpose,
        )

    async def _open(
        self,
        session: _Startable,
        on_event: Callable[[Any], None],
        on_lost: Callable[[CameraError], None],
        *,
        label: str = "camera",
        idle_timeout: float | None = None,
    ) -> SessionLink[Any]:
        """Connect ``session``: its events to ``on_event`` (an inbox's ``put``), its end to
        ``on_lost`` (the inbox's ``end``)."""

        def lost(error: CameraError) -> None:
            self._links.discard(link)  # a connection that ended is not ours to close
            on_lost(error)

        link: SessionLink[Any] = SessionLink(session, on_event, lost, label=label)
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

    async def _describe(self, stream: int) -> tuple[Described, str]:
        """DESCRIBE one stream on a connection of its own: its answer and the camera's IP."""
        inbox: Inbox[Any] = Inbox(EVENT_BACKLOG)
        link = await self._open(self._rtsp(self._url(stream)), inbox.put, inbox.end)
        try:
            described = await _until(inbox, Described)
            peer = link.connection.get_extra_info("peername")
        finally:
            await self._close(link)
        return described, str(peer[0]) if isinstance(peer, tuple) and peer else ""

    def _describes(self, described: Described, mac: str) -> None:
        """Take identity and capabilities from this client's stream's DESCRIBE answer."""
        self._learn(described)
        stream = self._channel
        self._identity = DeviceIdentity(
            vendor=self.vendor,
            unique_id=unique_id(mac, self._host, self._port, stream),
            name=display_name(self._host, stream),  # an encoder: its first input's
            model="GXV",
            manufacturer="Grandstream",
            firmware=self._firmware,
            mac=mac,
        )
        self.capabilities = _capabilities(described)

    async def connect(self) -> None:
        """DESCRIBE this client's stream (Digest): identity, capabilities; an encoder
        (``channel=None``) then DESCRIBEs the first stream of inputs 1-3 to find them."""
        described, ip = await self._describe(self._channel)
        mac = await asyncio.to_thread(arp_lookup, ip) if ip else ""
        self._describes(described, mac)
        if self._device:
            await self._find_inputs(described, mac)

    async def _find_inputs(self, first: Described, mac: str) -> None:
        """Inputs 1-3 that answer DESCRIBE are channels; a definite refusal (404 and the
        like) is no input; a lost connection keeps what an input was before."""
        known = {info.number for info in self._inputs}
        found: dict[int, Described | None] = {0: first}  # None: kept as it was
        for video_input in range(1, INPUTS):
            try:
                found[video_input], _ip = await self._describe(self._input_stream(video_input))
            except (CannotConnect, DeviceBusy) as err:
                _LOGGER.debug("input %d of %r: %s", video_input + 1, self, err)
                if video_input in known and video_input in self._children:
                    found[video_input] = None
            except CameraError as err:  # 404, refused: not an input of this encoder
                _LOGGER.debug("no input %d on %r: %s", video_input + 1, self, err)
        for video_input, described in found.items():
            child = self._children.get(video_input)
            if child is None:
                child = self._children[video_input] = self._make_child(video_input)
            if described is not None:
                child.update(described, mac)
        for gone in set(self._children) - set(found):
            await self._children.pop(gone).close()
        self._inputs = tuple(
            ChannelInfo(number, input_name(self._host, self._input_stream(number)))
            for number in sorted(found)
        )

    def _input_stream(self, video_input: int) -> int:
        return stream_channel(
            video_input, "secondary" if self._channel >= SECONDARY_OFFSET else None
        )

    def _other_input_streams(self) -> list[int]:
        """The streams of an encoder's other inputs (each needs its own subscription on
        firmware that refuses the one for all channels)."""
        own = self._channel % SECONDARY_OFFSET
        return [self._input_stream(n.number) for n in self._inputs if n.number != own]

    def _make_child(self, video_input: int) -> _InputClient:
        return _InputClient(
            self._host,
            self._port,
            self._username,
            self._password,
            stream=self._input_stream(video_input),
            video_input=video_input,
            hub=self._hub,
            timeout=self._timeout,
            keepalive_interval=self._keepalive,
        )

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        """An encoder's inputs (``channel=None``); else this client's one channel."""
        if self._inputs:
            return self._inputs
        if self._event_input is not None:
            return (ChannelInfo(self._event_input, input_name(self._host, self._channel)),)
        return super().channels

    def channel_client(self, channel: int) -> CameraClient:
        """Input ``channel``'s client (an encoder): its own stream, the encoder's alarm
        connection; it is connected already, ``connect()`` DESCRIBEs it again."""
        if self._device:
            child = self._children.get(channel) if type(channel) is int else None
            if child is None:
                raise InvalidValue(f"input {channel} does not exist on this encoder")
            return child
        return super().channel_client(channel)

    async def close(self) -> None:
        """Close every connection of this client; an encoder's also its inputs' clients'
        and the alarm connection (a channel client ends only its own ``events()``)."""
        await self._hub.close(None if self._device else self)
        for child in list(self._children.values()):
            await child.close()
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
        link = await self._open(session, inbox.put, inbox.end, idle_timeout=self._timeout)
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

    async def _open_alarms(self, start: Inbox[Any]) -> None:
        """Open the alarm connection (``_AlarmHub``): an RTSP session set up on this
        client's stream, then MCTP: heartbeat with its session id, alarm subscription.
        Firmware that refuses the subscription for all channels gets one for this stream,
        and an encoder one more connection for each other input."""
        hub = self._hub
        rtsp_session = self._rtsp(video=True)
        hub.add_link(await self._open(rtsp_session, hub.on_event, hub.on_lost), rtsp_session)
        ready = await _until(start, Ready)
        channels = [self._channel]
        while channels:
            alarms = AlarmSession(
                ready.session_id,
                channels.pop(0),
                keepalive_interval=self._keepalive,
                reply_timeout=self._timeout,
            )
            label = "camera's MCTP connection"
            hub.add_link(await self._open(alarms, hub.on_event, hub.on_lost, label=label))
            subscribed = await _until(start, Subscribed)
            _LOGGER.debug(
                "MCTP heartbeat for RTSP session %s %s; alarms of channel %s",
                ready.session_id,
                "accepted" if subscribed.heartbeat_accepted else "refused",
                "all" if subscribed.channel < 0 else subscribed.channel,
            )
            hub.subscriptions.append(subscribed.channel)
            if subscribed.channel != ALL_CHANNELS and len(hub.subscriptions) == 1:
                channels = self._other_input_streams()

    async def _events(self) -> AsyncGenerator[CameraEvent]:
        # The device's one alarm connection; either of its connections ending ends this.
        hub = self._hub
        by_input = self._device or self._event_input is not None
        inbox = await hub.subscribe(self, self._event_input, by_input=by_input)
        try:
            while True:
                yield await _next(inbox)
        finally:
            await hub.unsubscribe(inbox)

    # --- talk ----------------------------------------------------------------------------------

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Send 8 kHz s16le PCM as G.711 µ-law over MCTP TALK; return seconds sent.

        UNCONFIRMED on GXV firmware: the request's fields, the 4-byte sub-header
        and the timestamp unit (we count samples) come from one server's source
        (``docs/protocols/grandstream.md``, "Talk-back").
        """
        session = TalkSession(reply_timeout=self._timeout)
        inbox: Inbox[Any] = Inbox(EVENT_BACKLOG)
        link = await self._open(session, inbox.put, inbox.end, label="camera's talk channel")
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
            "inputs": [info.number for info in self._inputs],
            "alarm_connections": self._hub.connections,
            **self._stats,
        }


class _InputClient(Client):
    """Input n of an encoder (``Client.channel_client``): its own stream, and the
    encoder's alarm connection, of which its ``events()`` are that input's alarms."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        stream: int,
        video_input: int,
        hub: _AlarmHub,
        timeout: float,
        keepalive_interval: float,
    ) -> None:
        super().__init__(
            host,
            port,
            username,
            password,
            channel=stream,
            timeout=timeout,
            keepalive_interval=keepalive_interval,
        )
        self._hub = hub
        self._event_input = video_input

    def update(self, described: Described, mac: str) -> None:
        """What the encoder's DESCRIBE of this input's stream said: identity, capabilities."""
        self._describes(described, mac)
