"""Asyncio shell of the Xiongmai DVRIP client (cameras, DVRs and NVRs on TCP 34567).

The protocol is ``session.py`` run by ``transport.SessionLink``. One connection carries
commands (re-opened when it drops); every ``events()``, ``video()``/``audio()`` and
``talk()`` opens its own, as go2rtc and python-dvr do. See docs/protocols/dvrip.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Mapping
from typing import Any, Literal

from .. import base
from ..audio.g711 import alaw_encode
from ..audio.pacing import paced_frames
from ..base import Capability, VideoFrame
from ..errors import CameraError, CannotConnect, InvalidValue, NotSupported, ProtocolError
from ..transport import Inbox, SessionLink
from . import commands, device, session, settings
from .codes import MsgId, Ret
from .media import TALK_FRAME_BYTES, encode_talk_frame
from .profile import PROFILE
from .snapshot import keyframe_to_jpeg
from .views import LoginReply

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
FIRST_KEYFRAME_TIMEOUT = 20.0
ALARM_QUEUE = 256
MEDIA_QUEUE = 64  # batches of frames; a lagging consumer pauses the socket
Media = Literal["video", "audio"]


class _Connection:
    """A session on a ``SessionLink``: replies to their awaiters, pushed events to an inbox."""

    def __init__(self, purpose: str, dvrip: session.DvripSession) -> None:
        media = dvrip.media is not None
        self.purpose, self.session, self.close_reason = purpose, dvrip, ""
        self.goodbye: tuple[int, str, object] | None = None  # sent before hanging up
        label = f"camera ({purpose} connection)"
        self.link = SessionLink[session.Event](dvrip, self._on_event, self._on_lost, label=label)
        self._login: asyncio.Future[LoginReply] = asyncio.get_running_loop().create_future()
        self._replies: dict[int, asyncio.Future[session.Reply]] = {}
        # Media pauses the socket when the consumer lags; alarms drop the oldest instead.
        pause = {"pause": self._pause, "resume": self._resume} if media else {}
        self.inbox = Inbox[session.Event](MEDIA_QUEUE if media else ALARM_QUEUE, **pause)

    async def open(self, host: str, port: int) -> LoginReply:
        await self.link.open(host, port, timeout=self.session.timeout)
        self.session.start(self.link.now())
        self.link.flush()
        return await self._login

    async def request(
        self, msg_id: int, name: str, value: object = None, **options: Any
    ) -> session.Reply:
        """Send a request and wait for its reply (the session keeps the time limit)."""
        token = self.session.request(msg_id, name, value, now=self.link.now(), **options)
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

    async def send_binary(self, msg_id: int, payload: bytes) -> None:
        self.session.send_binary(msg_id, payload)
        await self.link.send()

    def _pause(self) -> None:
        self.link.connection.pause_reading()

    def _resume(self) -> None:
        self.link.connection.resume_reading()

    def _on_event(self, event: session.Event) -> None:
        if isinstance(event, session.Reply):
            future = self._replies.get(event.token)
            if future is not None and not future.done():
                future.set_result(event)
        elif isinstance(event, session.LoggedIn):
            if not self._login.done():
                self._login.set_result(event.login)
        else:
            self.inbox.put(event)

    def _on_lost(self, error: CameraError) -> None:
        self.close_reason = str(error)
        self.session.close()
        futures: list[asyncio.Future[Any]] = [self._login, *self._replies.values()]
        for future in futures:
            if not future.done():
                future.set_exception(error)
                future.exception()  # whoever awaits it gets the error; nobody else is warned
        self.inbox.end(error)


class Client(base.CameraClient):
    """A Xiongmai DVRIP camera (or one channel of a DVR/NVR)."""

    profile = PROFILE
    vendor = base.Vendor.DVRIP
    ptz_needs_stop = True  # OPPTZControl moves run until a stop (Preset -1) is sent

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        channel: int = 0,
        timeout: float = DEFAULT_TIMEOUT,
        stream: str | None = None,
        **_options: Any,
    ) -> None:
        super().__init__()
        if channel < 0:
            raise InvalidValue("channel counts from 0")
        self.host, self.port, self.channel, self.timeout = host, port, channel, timeout
        self._username, self._password = username, password
        # "primary"/"secondary" (the host's names) or the camera's "Main"/"Extra".
        self.stream = "Extra" if stream in ("secondary", "Extra") else "Main"
        self._stream = settings.Stream(channel, self.stream == "Extra")
        extra = self._stream.extra
        self._urls = commands.StreamUrls(host, port, username, password, channel, extra)
        self.channel_count, self.device_type = 0, ""
        self.system_info: dict[str, Any] = {}
        self.abilities: dict[str, Any] = {}
        self._control: _Connection | None = None
        self._control_lock = asyncio.Lock()
        self._connections: set[_Connection] = set()
        self._ptz = commands.PtzMoves()
        self._snapshot_supported = True
        self._closed = False

    def __repr__(self) -> str:  # never the credentials
        return f"<dvrip.Client {self.host}:{self.port} channel={self.channel}>"

    async def _open(self, purpose: str, media: Media | None = None) -> _Connection:
        if self._closed:
            raise CannotConnect("the client is closed")
        credentials = (self._username, self._password)
        conn = _Connection(purpose, session.DvripSession(*credentials, self.timeout, media))
        self._connections.add(conn)
        try:
            await conn.open(self.host, self.port)
        except BaseException:
            await self._drop(conn)
            raise
        return conn

    async def _drop(self, conn: _Connection) -> None:
        self._connections.discard(conn)
        conn.link.close()
        await conn.link.wait_closed()

    async def _control_connection(self) -> _Connection:
        async with self._control_lock:
            if self._closed:
                raise CannotConnect("the client is closed")
            if self._control is None or self._control.link.closed:
                if self._control is not None:
                    await self._drop(self._control)
                self._control = await self._open("control")
            return self._control

    async def _command(self, msg_id: int, name: str, value: object = None) -> dict[str, Any]:
        """A request on the control connection; a forgotten session (Ret 105, e.g. after a
        reboot) gets a new login once, any other failing ``Ret`` raises its error."""
        for attempt in range(2):
            conn = await self._control_connection()
            reply = await conn.request(msg_id, name, value)
            if reply.message is None or reply.message.ret != Ret.NOT_LOGGED_IN or attempt:
                break
            await self._drop(conn)
        return reply.check(f"message {msg_id} ({name or 'no name'})").body

    async def get_config(self, name: str) -> Any:
        """Read a config section by dotted path (``Camera.Param.[0]``)."""
        body = await self._command(MsgId.CONFIG_GET, name)
        if name not in body:
            raise ProtocolError(f"config reply without {name!r}")
        return body[name]

    async def set_config(self, name: str, value: object) -> None:
        """Write (merge) a config section by dotted path."""
        await self._command(MsgId.CONFIG_SET, name, value)

    async def get_ability(self, name: str) -> Any:
        """Read an ability (``SystemFunction``, ``EncodeCapability``, ...)."""
        return (await self._command(MsgId.ABILITY, name)).get(name)

    @staticmethod
    async def _unless_unsupported[T](answer: Awaitable[T]) -> T | None:
        with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
            return await answer
        return None

    async def connect(self) -> None:
        self._closed = False
        try:
            login = (await self._control_connection()).session.login or LoginReply()
            info = (await self._command(MsgId.SYSINFO, "SystemInfo")).get("SystemInfo")
            self.channel_count = device.check_channel(login, info, self.channel)
            unless = self._unless_unsupported
            abilities = {name: await unless(self.get_ability(name)) for name in device.ABILITIES}
            configs = {name: await unless(self.get_config(name)) for name in device.CONFIGS}
            self.abilities = {name: value for name, value in abilities.items() if value is not None}
            facts = device.DeviceFacts.from_answers(login, info, abilities, configs)
            self.system_info, self.device_type = facts.info.raw, login.device_type
            self._identity = device.identity(facts, self.channel)
            self.capabilities = device.capabilities(facts, self._stream)
            self._stream = device.stream_settings(facts, self._stream)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        self._closed = True
        for conn in list(self._connections):
            await self._drop(conn)
        self._control = None

    def diagnostics(self) -> Mapping[str, object]:
        control = self._control
        return {
            **{key: getattr(self, key) for key in ("host", "port", "channel", "stream")},
            **{key: getattr(self, key) for key in ("channel_count", "device_type")},
            "connected": control is not None and not control.link.closed,
            "alive_interval": control.session.alive_interval if control is not None else None,
            "last_close_reason": control.close_reason if control is not None else "",
            "open_connections": sorted(conn.purpose for conn in self._connections),
            "snapshot_supported": self._snapshot_supported,
            "system_info": {k: v for k, v in self.system_info.items() if k != "SerialNo"},
            "abilities": sorted(self.abilities),
        }

    @contextlib.asynccontextmanager
    async def _opened(self, purpose: str, media: Media | None = None) -> AsyncIterator[_Connection]:
        """A connection of its own for one iteration; its ``goodbye`` is sent at the end."""
        conn = await self._open(purpose, media)
        try:
            yield conn
        finally:
            if conn.goodbye is not None and not conn.link.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(*conn.goodbye)
            await self._drop(conn)

    async def events(self) -> AsyncIterator[base.CameraEvent]:
        async with self._opened("alarm") as conn:
            # Some firmware never answers Guard but pushes alarms anyway: do not wait for 1501.
            await conn.send(MsgId.GUARD, "")
            conn.goodbye = (MsgId.UNGUARD, "", None)
            async for item in conn.inbox:
                if isinstance(item, session.Alarm):
                    yield item.event

    @contextlib.asynccontextmanager
    async def _live_stream(self, media: Media) -> AsyncIterator[_Connection]:
        """This channel's stream claimed and started on a connection of its own."""
        async with self._opened("monitor", media) as conn:
            which = (self.channel, self.stream)
            claim = commands.monitor("Claim", *which)
            (await conn.request(MsgId.MONITOR_CLAIM, "OPMonitor", claim)).check("the stream claim")
            await conn.send(MsgId.MONITOR, "OPMonitor", commands.monitor("Start", *which))
            conn.goodbye = (MsgId.MONITOR, "OPMonitor", commands.monitor("Stop", *which))
            conn.session.watch_media(conn.link.now())
            yield conn

    async def video(self) -> AsyncGenerator[VideoFrame]:
        async with self._live_stream("video") as conn:
            async for batch in conn.inbox:  # every frame one socket read completed
                if isinstance(batch, session.VideoFrames):
                    for frame in batch.frames:
                        yield frame

    async def audio(self) -> AsyncIterator[base.AudioChunk]:
        if Capability.AUDIO not in self.capabilities:
            raise NotSupported("the stream carries no audio")
        async with self._live_stream("audio") as conn:
            async for batch in conn.inbox:
                if isinstance(batch, session.AudioChunks):
                    for chunk in batch.chunks:
                        yield chunk

    async def snapshot(self) -> bytes:
        if self._snapshot_supported:
            conn = await self._control_connection()
            opsnap = {"Channel": self.channel}
            reply = await conn.request(MsgId.SNAPSHOT, "OPSNAP", opsnap, optional=True)
            if reply.picture:
                return reply.picture
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
        conn = await self._control_connection()
        value = commands.ptz_control(self.channel, command, preset, step)
        reply = await conn.request(MsgId.PTZ, "OPPTZControl", value, optional=True)
        reply.check_optional(f"PTZ {command}")

    async def ptz(self, move: base.PtzMove, speed: int | None = None) -> None:
        if Capability.PTZ not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt")
        for command in self._ptz.commands(move, speed):
            await self._ptz_command(*command)

    async def ptz_preset(self, action: base.PresetAction, preset: int) -> None:
        if Capability.PTZ_PRESETS not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt presets")
        await self._ptz_command(*commands.preset_command(action, preset))

    async def reboot(self) -> None:
        conn = await self._control_connection()
        with contextlib.suppress(CannotConnect):  # the device may close the socket first
            reboot = {"Action": "Reboot"}
            reply = await conn.request(MsgId.SYSMANAGER, "OPMachine", reboot, optional=True)
            reply.check_optional("reboot")
        async with self._control_lock:
            self._control = None
        await self._drop(conn)

    async def sync_time(self, when: dt.datetime | None = None) -> None:
        """Set the camera's clock (device local time; the host's local time by default)."""
        value = commands.time_text(when or dt.datetime.now())
        await self._command(MsgId.SYSMANAGER, "OPTimeSetting", value)

    async def get_time(self) -> dt.datetime:
        """The camera's clock (device local time)."""
        body = await self._command(MsgId.TIME_QUERY, "OPTimeQuery")
        return commands.parse_time(body.get("OPTimeQuery"))

    async def encode_settings(self) -> dict[str, Any]:
        """This stream's ``Video`` settings (Resolution, FPS, BitRate...; set "bitrate" too)."""
        return settings.video_settings(await self.get_config(settings.ENCODE), self._stream)

    def go2rtc_source(self, *, subtype: int = 0) -> str:
        """The ``dvrip://`` source for go2rtc (WebRTC only; carries the credentials)."""
        return self._urls.go2rtc(subtype)

    def rtsp_url(self) -> str:
        """The camera's own RTSP server (port 554; carries the credentials)."""
        return self._urls.rtsp()

    def stream_source_url(self, source: base.StreamSource | None, relay: str | None) -> str | None:
        return self._urls.for_source(source, relay)

    async def read_settings(self) -> base.Settings:
        sections = settings.sections_to_read(self.capabilities)
        answers = {section: await self.get_config(section) for section in sections}
        return settings.read(answers, self._stream)

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        write = settings.plan_write(key, value, self.capabilities, self._stream)
        current = await self.get_config(write.section) if write.needs_current else None
        await self.set_config(write.section, write.build(current))

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        if Capability.TALK not in self.capabilities:
            raise NotSupported("this camera has no talk-back channel")
        async with self._opened("talk") as conn:
            claim = commands.talk("Claim")
            (await conn.request(MsgId.TALK_CLAIM, "OPTalk", claim)).check("the talk claim")
            await conn.send(MsgId.TALK, "OPTalk", commands.talk("Start"))
            conn.goodbye = (MsgId.TALK, "OPTalk", commands.talk("Stop"))
            frames_sent = 0
            # 320 A-law bytes = 320 samples = 640 bytes of s16le PCM = 40 ms, on the one
            # talk channel (0) whatever the video channel.
            async for chunk in paced_frames(pcm, TALK_FRAME_BYTES * 2):
                await conn.send_binary(MsgId.TALK_DATA, encode_talk_frame(alaw_encode(chunk)))
                frames_sent += 1
            return frames_sent * TALK_FRAME_BYTES / 8000


__all__ = ["Client"]
