"""Asyncio shell of the Xiongmai DVRIP client (cameras, DVRs and NVRs on TCP 34567).

The protocol is ``session.py`` run by ``transport.SessionLink``. The clients of one device
share a ``_Hub``: one command connection (re-opened when it drops) and one alarm connection
for every channel; each ``video()``/``audio()`` and ``talk()`` opens its own, as go2rtc and
python-dvr do, and every connection logs out when closed. ``channel=None`` is a recorder as
one device, ``channel_client(n)`` its channel n. See docs/protocols/dvrip.md, "Recorders: one
device, many channels" and "Logout".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Literal

from .. import base
from ..audio.g711 import alaw_encode
from ..audio.pacing import paced_frames
from ..base import Capability, VideoFrame
from ..errors import CameraError, CannotConnect
from ..keyframe import keyframe_to_jpeg
from ..transport import Inbox, SessionLink
from . import commands, device, memory, model, session, sharing
from .codes import MsgId, Ret
from .media import TALK_FRAME_BYTES, encode_talk_frame
from .views import LoginReply

_LOGGER = logging.getLogger(__name__)

FIRST_KEYFRAME_TIMEOUT = 20.0
ALARM_QUEUE = 256
MEDIA_QUEUE = 64  # batches of frames; a lagging consumer pauses the socket
Media = Literal["video", "audio", "both"]
Deliver = Callable[[session.Event | CameraError], None]


class _Connection:
    """A session on a ``SessionLink``: replies to their awaiters, pushed events (and the end)
    to ``deliver``, by default an inbox."""

    def __init__(self, purpose: str, dvrip: session.DvripSession, deliver: Deliver | None) -> None:
        media = dvrip.media is not None
        self.purpose, self.session, self.close_reason = purpose, dvrip, ""
        label = f"camera ({purpose} connection)"
        self.link = SessionLink[session.Event](dvrip, self._on_event, self._on_lost, label=label)
        self._login: asyncio.Future[LoginReply] = asyncio.get_running_loop().create_future()
        self._replies: dict[int, asyncio.Future[session.Reply]] = {}
        # Media pauses the socket when the consumer lags; alarms drop the oldest instead.
        pause = {"pause": self._pause, "resume": self._resume} if media else {}
        self.inbox = Inbox[session.Event](MEDIA_QUEUE if media else ALARM_QUEUE, **pause)
        self.deliver = deliver or self._to_inbox

    async def open(self, host: str, port: int) -> LoginReply:
        await self.link.open(host, port, timeout=self.session.timeout)
        self.session.start(self.link.now())
        self.link.flush()
        return await self._login

    async def request(
        self, msg_id: int, name: str, value: object = None, *, optional: bool = False
    ) -> session.Reply:
        """Send a request and wait for its reply (the session keeps the time limit)."""
        token = self.session.request(msg_id, name, value, now=self.link.now(), optional=optional)
        future: asyncio.Future[session.Reply] = asyncio.get_running_loop().create_future()
        self._replies[token] = future
        try:
            self.link.flush()
            return await future
        finally:
            del self._replies[token]

    async def send(self, msg_id: int, name: str, value: object = None) -> None:
        self.session.send(msg_id, name, value)
        await self.link.send()

    def _pause(self) -> None:
        self.link.connection.pause_reading()

    def _resume(self) -> None:
        self.link.connection.resume_reading()

    def _to_inbox(self, item: session.Event | CameraError) -> None:
        if isinstance(item, CameraError):
            self.inbox.end(item)
        else:
            self.inbox.put(item)

    def _on_event(self, event: session.Event) -> None:
        if isinstance(event, session.Reply):
            future = self._replies.get(event.token)
            if future is not None and not future.done():
                future.set_result(event)
        elif isinstance(event, session.LoggedIn):
            if not self._login.done():
                self._login.set_result(event.login)
        else:
            self.deliver(event)

    def _on_lost(self, error: CameraError) -> None:
        self.close_reason = str(error)
        self.session.close()
        futures: list[asyncio.Future[Any]] = [self._login, *self._replies.values()]
        for future in futures:
            if not future.done():
                future.set_exception(error)
                future.exception()  # whoever awaits it gets the error; nobody else is warned
        self.deliver(error)


class _Hub(sharing.Shared[_Connection]):
    """The books of a device's connections (``sharing.Shared``) and the locks under which its
    command and alarm connections are opened."""

    def __init__(self) -> None:
        super().__init__()
        self.locks = {purpose: asyncio.Lock() for purpose in sharing.SHARED}


class Client(model.ClientModel):
    """A Xiongmai DVRIP camera, one channel of a DVR/NVR, or (``channel=None``) a whole
    recorder whose channels are ``channel_client(n)``; the arguments are ``ClientModel``'s."""

    def __init__(self, *args: Any, hub: _Hub | None = None, **options: Any) -> None:
        super().__init__(*args, shared=hub is not None, **options)
        self._hub = hub or _Hub()

    def _channel_client(self, channel: int) -> Client:
        return Client(
            *(self.host, self.port, self._username, self._password),
            **{"channel": channel, "timeout": self.timeout, "stream": self.stream},
            hub=self._hub,
        )

    async def _open(
        self,
        purpose: str,
        media: Media | None = None,
        opening: commands.Opening | None = None,
        deliver: Deliver | None = None,
    ) -> _Connection:
        """A connection of ``purpose``, logged in and, with an ``opening``, claimed and started;
        its pushed events go to ``deliver`` (by default the alarm hub's or its own inbox)."""
        hub = self._hub
        hub.check_room(purpose)
        dvrip = session.DvripSession(self._username, self._password, self.timeout, media)
        deliver = deliver or (hub.deliver if purpose == "alarm" else None)
        conn = _Connection(purpose, dvrip, deliver)
        hub.owners[conn] = hub if purpose in sharing.SHARED else self
        try:
            await conn.open(self.host, self.port)
            if opening is not None:
                if opening.claim is not None:
                    (await conn.request(*opening.claim)).check(opening.what)
                await conn.send(*opening.start)
                dvrip.goodbye = opening.goodbye
            if media is not None:
                dvrip.watch_media(conn.link.now())
        except BaseException:
            await self._drop(conn)
            raise
        return conn

    async def _drop(self, conn: _Connection) -> None:
        """Close a connection after its goodbye and a logout: the camera frees the session at
        once rather than when its keep-alive lapses (see "Logout")."""
        self._hub.owners.pop(conn, None)
        if not conn.link.closed:
            conn.session.hang_up()
            conn.link.flush()
        conn.link.close()
        await conn.link.wait_closed()

    def _open_connection(self, purpose: Literal["control", "alarm"]) -> _Connection | None:
        """The device's command or alarm connection when it is open and nobody is opening
        one: no lock to wait for, and no coroutine on a request's way to the camera."""
        hub = self._hub
        conn = hub.links.get(purpose)
        if conn is None or conn.link.closed or hub.locks[purpose].locked():
            return None
        hub.check_open()
        return conn

    async def _shared_connection(self, purpose: Literal["control", "alarm"]) -> _Connection:
        """The device's command or alarm connection, (re-)opened when needed."""
        conn = self._open_connection(purpose)
        if conn is not None:
            return conn
        hub = self._hub
        async with hub.locks[purpose]:
            hub.check_open()
            conn = hub.links.get(purpose)
            if conn is None or conn.link.closed:
                if conn is not None:
                    await self._drop(conn)
                opening = commands.ALARM_OPENING if purpose == "alarm" else None
                conn = hub.links[purpose] = await self._open(purpose, opening=opening)
            return conn

    async def _command(self, msg_id: int, name: str, value: object = None) -> dict[str, Any]:
        """A request on the control connection; a forgotten session (Ret 105, e.g. after a
        reboot) gets a new login once, any other failing ``Ret`` raises its error."""
        for attempt in range(2):
            conn = self._open_connection("control") or await self._shared_connection("control")
            reply = await conn.request(msg_id, name, value)
            if reply.message is None or reply.message.ret != Ret.NOT_LOGGED_IN or attempt:
                break
            await self._drop(conn)
        return reply.check(f"message {msg_id} ({name or 'no name'})").body

    async def connect(self) -> None:
        self._hub.closed = False
        try:
            login = (await self._shared_connection("control")).session.login or LoginReply()
            await self._read_device(login)
        except BaseException:
            await self.close()
            raise

    def learn(
        self,
        facts: device.DeviceFacts,
        abilities: dict[str, Any],
        recent: model.RecentAnswers | None = None,
        remembered: memory.DeviceMemory | None = None,
    ) -> None:
        """As ``ClientModel.learn``; the device's connection limit goes to its books."""
        super().learn(facts, abilities, recent, remembered)
        if not self._shared:
            self._hub.max_connections = facts.net.max_connections

    async def close(self) -> None:
        """Close this client's connections; a device's client (any but a recorder's channel)
        closes every connection to the device and ends every ``events()`` of its clients."""
        hub, everything = self._hub, not self._shared
        hub.closed = hub.closed or everything
        self._recent.forget()
        hub.end(CannotConnect("the client was closed"), None if everything else self)
        for conn in hub.owned(self, everything):
            await self._drop(conn)
        if everything:
            hub.links.clear()

    def diagnostics(self) -> dict[str, object]:
        control = self._hub.links.get("control")
        return {
            **super().diagnostics(),
            "connected": control is not None and not control.link.closed,
            "alive_interval": control.session.alive_interval if control is not None else None,
            "last_close_reason": control.close_reason if control is not None else "",
            "open_connections": sorted(conn.purpose for conn in self._hub.owners),
        }

    @contextlib.asynccontextmanager
    async def _opened(
        self, purpose: str, media: Media | None, opening: commands.Opening
    ) -> AsyncIterator[_Connection]:
        """A connection of its own for one iteration; its goodbye is said at the end."""
        conn = await self._open(purpose, media, opening)
        try:
            yield conn
        finally:
            await self._drop(conn)

    async def events(self) -> AsyncIterator[base.CameraEvent]:
        """The device's alarms (a recorder's channel: its own), over the one alarm connection
        all clients of the device share; the last listener to leave closes it."""
        hub, inbox = self._hub, Inbox[base.CameraEvent](ALARM_QUEUE)
        hub.listen(inbox, self, self.alarm_channel)
        try:
            await self._shared_connection("alarm")
            async for event in inbox:
                yield event
        finally:
            if hub.leave(inbox) and (alarm := hub.links.pop("alarm", None)) is not None:
                await self._drop(alarm)

    def _live_stream(self, media: Media) -> contextlib.AbstractAsyncContextManager[_Connection]:
        """This channel's stream claimed and started on a connection of its own."""
        opening = commands.live_opening(self._stream.channel, self.stream)
        return self._opened("monitor", media, opening)

    async def video(self) -> AsyncGenerator[VideoFrame]:
        async with self._live_stream("video") as conn:
            async for batch in conn.inbox:  # every frame one socket read completed
                if isinstance(batch, session.VideoFrames):
                    for frame in batch.frames:
                        yield frame

    async def audio(self) -> AsyncIterator[base.AudioChunk]:
        self._require(Capability.AUDIO, "the stream carries no audio")
        async with self._live_stream("audio") as conn:
            async for batch in conn.inbox:
                if isinstance(batch, session.AudioChunks):
                    for chunk in batch.chunks:
                        yield chunk

    async def stream_media(
        self,
        on_video: Callable[[VideoFrame], None],
        on_audio: Callable[[base.AudioChunk], None] | None = None,
        *,
        read_every: float = 0.0,
    ) -> None:
        """Each socket read's frames (and audio, when the stream carries it and ``on_audio``
        takes it: one connection for both) handed over in the read's own callback, no inbox;
        reads batched ``read_every`` seconds apart once the stream has run a few seconds."""
        ended: asyncio.Future[CameraError] = asyncio.get_running_loop().create_future()
        batching = read_every > 0

        def deliver(item: session.Event | CameraError) -> None:
            nonlocal batching
            if isinstance(item, CameraError):
                if not ended.done():
                    ended.set_result(item)
            elif isinstance(item, session.VideoFrames):
                for frame in item.frames:
                    on_video(frame)
                if batching:  # the stream's start comes as fast as it can; then batch
                    batching = False
                    connection = conn.link.connection
                    connection.read_in_batches(read_every, start_in=base.BATCHED_READS_AFTER)
            elif isinstance(item, session.AudioChunks) and on_audio is not None:
                for chunk in item.chunks:
                    on_audio(chunk)

        both = on_audio is not None and self.media_carries_audio
        opening = commands.live_opening(self._stream.channel, self.stream)
        conn = await self._open("monitor", "both" if both else "video", opening, deliver)
        try:
            raise await ended
        finally:
            await self._drop(conn)

    async def snapshot(self) -> bytes:
        if self._snapshot_supported:
            conn = self._open_connection("control") or await self._shared_connection("control")
            opsnap = {"Channel": self._stream.channel}
            reply = await conn.request(MsgId.SNAPSHOT, "OPSNAP", opsnap, optional=True)
            if reply.picture:
                return reply.picture
            if reply.message is not None and reply.message.ret == Ret.NO_CAMERA:
                reply.check("the snapshot")  # no camera on this channel of a recorder
            # Silence or an error Ret: this camera has no OPSNAP; decode an I-frame instead.
            _LOGGER.debug("dvrip: no OPSNAP answer (%s); using the stream", reply.message)
            self._snapshot_supported = False
        frames = self.video()
        try:
            async with asyncio.timeout(max(self.timeout, FIRST_KEYFRAME_TIMEOUT)):
                async for frame in frames:
                    if frame.keyframe:
                        return await asyncio.to_thread(keyframe_to_jpeg, frame.codec, frame.data)
        except TimeoutError:
            raise CannotConnect("no key frame arrived for a snapshot") from None
        finally:
            await frames.aclose()
        raise CannotConnect("the live stream ended before a key frame")

    async def _ptz_command(self, command: str, preset: int, step: int) -> None:
        conn = await self._shared_connection("control")
        value = commands.ptz_control(self._stream.channel, command, preset, step)
        reply = await conn.request(MsgId.PTZ, "OPPTZControl", value, optional=True)
        reply.check_optional(f"PTZ {command}")

    async def ptz(self, move: base.PtzMove, speed: int | None = None) -> None:
        """Sent even when the camera did not confirm a head (``ptz_confirmed``)."""
        self._require(Capability.PTZ, "a recorder pans and tilts through its channels")
        for command in self._ptz.commands(move, speed):
            await self._ptz_command(*command)

    async def ptz_preset(self, action: base.PresetAction, preset: int) -> None:
        self._require(Capability.PTZ_PRESETS, "a recorder's presets are its channels'")
        await self._ptz_command(*commands.preset_command(action, preset))

    async def reboot(self) -> None:
        conn = await self._shared_connection("control")
        with contextlib.suppress(CannotConnect):  # the device may close the socket first
            reboot = {"Action": "Reboot"}
            reply = await conn.request(MsgId.SYSMANAGER, "OPMachine", reboot, optional=True)
            reply.check_optional("reboot")
        async with self._hub.locks["control"]:
            self._hub.links.pop("control", None)
        await self._drop(conn)

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        self._require(Capability.TALK, "this camera has no talk-back channel")
        async with self._opened("talk", None, commands.TALK_OPENING) as conn:
            frames_sent = 0
            # 320 A-law bytes = 320 samples = 640 bytes of s16le PCM = 40 ms, on the one
            # talk channel (0) whatever the video channel.
            async for chunk in paced_frames(pcm, TALK_FRAME_BYTES * 2):
                conn.session.send_binary(MsgId.TALK_DATA, encode_talk_frame(alaw_encode(chunk)))
                await conn.link.send()
                frames_sent += 1
            return frames_sent * TALK_FRAME_BYTES / 8000


__all__ = ["Client"]
