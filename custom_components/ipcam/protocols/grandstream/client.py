"""Asyncio client for Grandstream GXV cameras and video servers: a shell around sessions.

Every connection is a sans-I/O session run by ``transport.SessionLink``; events
arrive in an ``Inbox``. What decides is sans-I/O too: ``inputs.py`` (which inputs an
encoder has, whose alarms are whose, which subscriptions), ``facts.py``, ``identity.py``.

- ``connect()``: an ``RtspSession`` that DESCRIBEs the stream of ``channel`` (Digest).
- ``video()`` / ``audio()``: an ``RtspSession`` that plays: H.264 access units or
  PCMU audio; ``snapshot()`` decodes the next key frame with PyAV in a worker thread.
- ``events()``: an ``RtspSession`` set up without playing, kept alive, and an
  ``AlarmSession`` (MCTP heartbeat, alarm subscription, keep-alive) beside it:
  the device's one alarm connection (``shared_links.SharedLinks``), shared by every
  consumer.
- ``talk()``: a ``TalkSession``: TALK, then G.711 µ-law packets (UNCONFIRMED format).

A client is made for one stream (``channel``: an input 0-3 with ``stream``, or a
stream number 0-7), or, with ``channel=None``, for a whole encoder: ``connect()``
then DESCRIBEs inputs 0-3, ``channels`` lists those that exist and
``channel_client(n)`` gives input n's client, which shares the encoder's alarm
connection (alarms carry their input). See docs/protocols/grandstream.md,
"Encoders: one device, several inputs".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import Any

from ..audio.g711 import ulaw_encode
from ..audio.pacing import paced_frames
from ..base import AudioChunk, CameraClient, CameraEvent, ChannelInfo, VideoFrame, host_for_url
from ..base import Vendor as _Vendor
from ..errors import CameraError, CannotConnect, InvalidValue
from ..keyframe import keyframe_to_jpeg
from ..shared_links import SharedLinks
from ..transport import Inbox, SessionLink
from . import DEFAULT_RTSP_PORT, INPUTS, inputs, stream_channel
from .facts import StreamFacts, capabilities
from .identity import arp_lookup, device_identity, input_name
from .mctp import KEEPALIVE_INTERVAL, TALK_SAMPLES_PER_PACKET
from .mctp_session import AlarmSession, Subscribed, TalkAccepted, TalkSession
from .profile import PROFILE
from .rtsp import build_url
from .rtsp_session import Described, Ready, RtspSession

_LOGGER = logging.getLogger(__name__)

EVENT_BACKLOG = 256  # alarms waiting for the consumer; the oldest go first
MEDIA_BACKLOG = 64  # frames waiting for the consumer; more pauses the socket

_AlarmHub = SharedLinks[SessionLink[Any], CameraEvent]  # the device's one alarm connection
_Startable = RtspSession | AlarmSession | TalkSession  # sends its first bytes at ``start(now)``


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
            # ``channel`` is the input (0-3) with ``stream``, else the stream number (0-7);
            # None: the whole encoder (its inputs found at connect(), first input's stream).
            self._channel = stream_channel(0 if channel is None else channel, stream)
        except ValueError as err:
            raise InvalidValue(str(err)) from err
        self._device = channel is None
        if not 0 < port < 65536:
            raise InvalidValue("port must be 1-65535")
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._timeout = float(timeout)
        self._keepalive = max(0.05, float(keepalive_interval))
        self._links: set[SessionLink[Any]] = set()
        self._facts = StreamFacts()
        self._hub: _AlarmHub = SharedLinks(
            self._open_alarms, self._close, inputs.alarm_of, capacity=EVENT_BACKLOG
        )
        self._event_input: int | None = None  # an input's client: only its input's alarms
        self._inputs: tuple[ChannelInfo, ...] = ()  # an encoder's inputs (device mode)
        self._children: dict[int, Client] = {}  # an encoder's inputs' clients

    def __repr__(self) -> str:
        return f"<grandstream.Client {self._host}:{self._port}/{self._channel}>"

    @property
    def base_url(self) -> str:
        """The DESCRIBE URL, also the digest-uri of every request (as the vendor's client)."""
        return self._url(self._channel)

    # --- connections ---------------------------------------------------------------------------

    def _url(self, stream: int) -> str:
        return f"rtsp://{host_for_url(self._host)}:{self._port}/{stream}"

    def _rtsp(self, url: str | None = None, **purpose: bool) -> RtspSession:
        url = url or self.base_url
        return RtspSession(
            url, self._username, self._password, reply_timeout=self._timeout, **purpose
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

    async def _close(self, link: SessionLink[Any]) -> None:
        """Close ``link``; an RTSP session that was set up ends with TEARDOWN."""
        if isinstance(link.session, RtspSession) and not link.closed:
            link.session.teardown()
            with contextlib.suppress(CameraError):
                link.flush()
        link.close()
        await link.wait_closed()
        self._links.discard(link)

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
        facts = self._facts
        facts.learn(described)
        self._identity = device_identity(mac, self._host, self._port, self._channel, facts.firmware)
        self.capabilities = capabilities(described)

    async def connect(self) -> None:
        """DESCRIBE this client's stream (Digest): identity, capabilities; an encoder
        (``channel=None``) then DESCRIBEs the first stream of inputs 1-3 to find them."""
        described, ip = await self._describe(self._channel)
        mac = await asyncio.to_thread(arp_lookup, ip) if ip else ""
        self._describes(described, mac)
        if self._device:
            await self._find_inputs(described, mac)

    async def _find_inputs(self, first: Described, mac: str) -> None:
        """DESCRIBE inputs 1-3; ``inputs.survey`` says which are channels."""
        answers: dict[int, Described | CameraError] = {0: first}
        for video_input in range(1, INPUTS):
            stream = inputs.input_stream(video_input, self._channel)
            try:
                answers[video_input], _ip = await self._describe(stream)
            except CameraError as err:
                _LOGGER.debug("input %d of %r: %s", video_input + 1, self, err)
                answers[video_input] = err
        known = {info.number for info in self._inputs}.intersection(self._children)
        found = inputs.survey(answers, known)
        for video_input, described in found.items():
            child: Client = self._children.get(video_input) or self._make_child(video_input)
            self._children[video_input] = child
            if described is not None:  # the identity a client made for this input has
                child._describes(described, mac)
        for gone in set(self._children) - set(found):
            await self._children.pop(gone).close()
        self._inputs = inputs.input_channels(self._host, self._channel, found)

    def _make_child(self, video_input: int) -> Client:
        """Input n's client: its own stream, the encoder's alarm connection, of which
        its ``events()`` are that input's alarms."""
        child = Client(
            self._host,
            self._port,
            self._username,
            self._password,
            channel=inputs.input_stream(video_input, self._channel),
            timeout=self._timeout,
            keepalive_interval=self._keepalive,
        )
        child._hub, child._event_input = self._hub, video_input
        return child

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
        return self._media(VideoFrame, video=True)

    def audio(self) -> AsyncIterator[AudioChunk]:
        return self._media(AudioChunk, audio=True)

    async def _media[M](
        self, kind: type[M], *, video: bool = False, audio: bool = False
    ) -> AsyncGenerator[M]:
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
                    self._facts.learn(event)
                elif isinstance(event, kind):
                    self._facts.count(session.media)
                    yield event
        finally:
            await self._close(link)

    async def snapshot(self) -> bytes:
        """Decode the next key frame to JPEG (PyAV, in a worker thread)."""
        data = b""
        try:
            async with asyncio.timeout(self._timeout + 10.0):
                async with contextlib.aclosing(self._media(VideoFrame, video=True)) as frames:
                    async for frame in frames:
                        if frame.keyframe:
                            data = frame.data
                            break
        except TimeoutError as err:
            raise CannotConnect("no key frame from the camera in time") from err
        if not data:  # pragma: no cover - the stream ends with an error, not quietly
            raise CannotConnect("the video stream ended before a key frame")
        return await asyncio.to_thread(keyframe_to_jpeg, "h264", data)

    # --- events (MCTP) -------------------------------------------------------------------------

    def events(self) -> AsyncIterator[CameraEvent]:
        return self._events()

    async def _open_alarms(self, start: Inbox[Any]) -> None:
        """Open the alarm connection (``_hub``): an RTSP session set up on this client's
        stream, then MCTP: heartbeat with its session id, the subscriptions of
        ``inputs.SubscriptionPlan`` (all channels, else one per input), one connection each."""
        hub = self._hub
        hub.add_link(await self._open(self._rtsp(video=True), hub.on_event, hub.on_lost))
        ready = await _until(start, Ready)
        others = inputs.other_input_streams(self._channel, (n.number for n in self._inputs))
        plan = inputs.SubscriptionPlan(self._channel, others)
        while (channel := plan.next()) is not None:
            alarms = AlarmSession(
                ready.session_id,
                channel,
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
            plan.accept(subscribed.channel)

    async def _events(self) -> AsyncGenerator[CameraEvent]:
        # The device's one alarm connection; either of its connections ending ends this.
        by_input = self._device or self._event_input is not None
        inbox = await self._hub.subscribe(self, inputs.AlarmFilter(self._event_input, by_input))
        try:
            while True:
                yield await _next(inbox)
        finally:
            await self._hub.unsubscribe(inbox)

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
        numbers = [info.number for info in self._inputs]
        channel, connections = self._channel, self._hub.connections
        return self._facts.diagnostics(self._host, self._port, channel, numbers, connections)
