"""Asyncio client for Xiongmai DVRIP cameras, DVRs and NVRs (TCP 34567): the I/O shell.

The protocol lives in ``session.py`` (sans-I/O), run on the shared transport
(``transport.SessionLink``). Connections: one control connection (commands,
keep-alive; re-opened when it drops), plus one per ``events()``, ``video()`` /
``audio()`` and ``talk()`` iteration, each with its own login, as go2rtc and
python-dvr do. See docs/protocols/dvrip.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any, Literal

from ..audio.g711 import alaw_encode
from ..audio.pacing import paced_frames
from ..base import (
    AudioChunk,
    CameraClient,
    CameraEvent,
    Capability,
    PresetAction,
    PtzMove,
    SettingKey,
    Settings,
    StreamSource,
    Vendor,
    VideoFrame,
)
from ..errors import CameraError, CannotConnect, InvalidValue, NotSupported, ProtocolError
from ..transport import Inbox, SessionLink
from . import commands, device, settings
from .codes import OK_CODES, MsgId, Ret, ret_error
from .media import TALK_FRAME_BYTES, encode_talk_frame
from .profile import PROFILE
from .session import (
    Alarm,
    AudioChunks,
    DvripSession,
    Event,
    GuardAnswer,
    LoggedIn,
    Reply,
    VideoFrames,
)
from .snapshot import keyframe_to_jpeg
from .views import (
    EncodeCapability,
    General,
    LoginReply,
    NetCommon,
    SystemFunction,
    SystemInfo,
    TalkAudioFormat,
    WhiteLight,
    stream_format,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
SNAPSHOT_TIMEOUT = 5.0
PTZ_REPLY_TIMEOUT = 2.0
FIRST_KEYFRAME_TIMEOUT = 20.0
ALARM_QUEUE = 256
MEDIA_QUEUE = 64  # frames; a slower consumer pauses the socket (the camera is slowed)
_OPTIONAL_READ = (NotSupported, InvalidValue, ProtocolError)


def _retrieved(future: asyncio.Future[Any], error: CameraError) -> None:
    """Fail ``future``; whoever awaits it gets ``error``, nobody else is warned about it."""
    if not future.done():
        future.set_exception(error)
        future.exception()


class _Connection:
    """One DVRIP connection: its session on a ``SessionLink``, events to the awaiting code."""

    def __init__(self, purpose: str, session: DvripSession) -> None:
        self.purpose = purpose
        self.session = session
        self.link: SessionLink[Event] = SessionLink(
            self.session, self._on_event, self._on_lost, label=f"camera ({purpose} connection)"
        )
        self._login: asyncio.Future[LoginReply] = asyncio.get_running_loop().create_future()
        self._replies: dict[int, asyncio.Future[Reply]] = {}
        self.alarms: Inbox[Alarm | GuardAnswer] = Inbox(ALARM_QUEUE)
        pause, resume = self._pause, self._resume
        self.video: Inbox[VideoFrame] = Inbox(MEDIA_QUEUE, pause=pause, resume=resume)
        self.audio: Inbox[AudioChunk] = Inbox(MEDIA_QUEUE, pause=pause, resume=resume)
        self.close_reason = ""

    @property
    def closed(self) -> bool:
        return self.link.closed

    async def open(self, host: str, port: int) -> LoginReply:
        await self.link.open(host, port, timeout=self.session.timeout)
        self.session.start(self.link.now())
        self.link.flush()
        return await self._login

    async def request(self, msg_id: int, name: str, value: object = None, **options: Any) -> Reply:
        """Send a request and wait for its reply (timeouts are the session's)."""
        token = self.session.request(msg_id, name, value, now=self.link.now(), **options)
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
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

    async def close(self) -> None:
        self.link.close()
        await self.link.wait_closed()

    def _pause(self) -> None:
        self.link.connection.pause_reading()

    def _resume(self) -> None:
        self.link.connection.resume_reading()

    def _on_event(self, event: Event) -> None:
        if isinstance(event, VideoFrames):
            self.video.put_many(event.frames)
        elif isinstance(event, Reply):
            future = self._replies.get(event.token)
            if future is not None and not future.done():
                future.set_result(event)
        elif isinstance(event, AudioChunks):
            self.audio.put_many(event.chunks)
        elif isinstance(event, LoggedIn):
            if not self._login.done():
                self._login.set_result(event.login)
        else:
            self.alarms.put(event)

    def _on_lost(self, error: CameraError) -> None:
        self.close_reason = str(error)
        self.session.close()
        _retrieved(self._login, error)
        for future in self._replies.values():
            _retrieved(future, error)
        for inbox in (self.alarms, self.video, self.audio):
            inbox.end(error)


class Client(CameraClient):
    """A Xiongmai DVRIP camera (or one channel of a DVR/NVR)."""

    profile = PROFILE
    vendor = Vendor.DVRIP
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
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self.channel = channel
        self.timeout = timeout
        # "primary"/"secondary" (the host's names) or the camera's "Main"/"Extra".
        self.stream = "Extra" if stream in ("secondary", "Extra") else "Main"
        self._extra = self.stream == "Extra"
        self.channel_count = 0
        self.system_info: dict[str, Any] = {}
        self.abilities: dict[str, Any] = {}
        self.device_type = ""
        self._control: _Connection | None = None
        self._control_lock = asyncio.Lock()
        self._connections: set[_Connection] = set()
        self._ptz_last: str | None = None
        self._snapshot_supported = True
        self._resolution_options: tuple[str, ...] = ()
        self._closed = False

    def __repr__(self) -> str:
        return f"<dvrip.Client {self.host}:{self.port} channel={self.channel}>"

    # --- connections ---------------------------------------------------------------------------

    async def _open(
        self, purpose: str, media: Literal["video", "audio"] | None = None
    ) -> _Connection:
        if self._closed:
            raise CannotConnect("the client is closed")
        session = DvripSession(self._username, self._password, timeout=self.timeout, media=media)
        conn = _Connection(purpose, session)
        self._connections.add(conn)
        try:
            await conn.open(self.host, self.port)
        except BaseException:
            await self._drop(conn)
            raise
        return conn

    async def _drop(self, conn: _Connection) -> None:
        self._connections.discard(conn)
        await conn.close()

    async def _control_connection(self) -> _Connection:
        async with self._control_lock:
            if self._closed:
                raise CannotConnect("the client is closed")
            if self._control is None or self._control.closed:
                if self._control is not None:
                    await self._drop(self._control)
                self._control = await self._open("control")
            return self._control

    async def _command(self, msg_id: int, name: str, value: object = None) -> dict[str, Any]:
        """One request on the control connection; a failing ``Ret`` raises its error.

        A session the camera forgot (Ret 105, e.g. after a reboot) is replaced by a
        new login once.
        """
        ret: int | None = None
        for attempt in range(2):
            conn = await self._control_connection()
            message = (await conn.request(msg_id, name, value)).message
            assert message is not None  # only optional requests go unanswered
            if message.ret in OK_CODES:
                return message.body
            ret = message.ret
            if ret != Ret.NOT_LOGGED_IN or attempt:
                break
            await self._drop(conn)
        raise ret_error(ret, f"message {msg_id} ({name or 'no name'})")

    async def _get_config(self, name: str) -> Any:
        body = await self._command(MsgId.CONFIG_GET, name)
        if name not in body:
            raise ProtocolError(f"config reply without {name!r}")
        return body[name]

    async def _ability(self, name: str) -> Any:
        return (await self._command(MsgId.ABILITY, name)).get(name)

    async def _optional_ability(self, name: str) -> Any:
        with contextlib.suppress(*_OPTIONAL_READ):
            self.abilities[name] = value = await self._ability(name)
            return value
        return None

    async def _optional_config(self, name: str) -> Any:
        with contextlib.suppress(*_OPTIONAL_READ):
            return await self._get_config(name)
        return None

    # --- contract ------------------------------------------------------------------------------

    async def connect(self) -> None:
        self._closed = False
        try:
            await self._connect()
        except BaseException:
            await self.close()
            raise

    async def _connect(self) -> None:
        conn = await self._control_connection()
        login = conn.session.login or LoginReply()
        info = (await self._command(MsgId.SYSINFO, "SystemInfo")).get("SystemInfo")
        if not isinstance(info, dict):
            raise ProtocolError("SystemInfo reply without SystemInfo")
        self.device_type, self.system_info = login.device_type, info
        facts = device.DeviceFacts(login, SystemInfo.from_json(info))
        self.channel_count = facts.channel_count
        if self.channel >= self.channel_count:
            raise InvalidValue(
                f"channel {self.channel} does not exist (the device has {self.channel_count})"
            )
        facts = device.DeviceFacts(
            login,
            facts.info,
            SystemFunction.from_json(await self._optional_ability("SystemFunction")),
            EncodeCapability.from_json(await self._optional_ability("EncodeCapability")),
            TalkAudioFormat.from_json(await self._optional_ability("TalkAudioFormat")),
            General.from_json(await self._optional_config("General.General")),
            NetCommon.from_json(await self._optional_config("NetWork.NetCommon")),
            await self._optional_config("Simplify.Encode"),
        )
        self._identity = device.identity(facts, self.channel)
        self.capabilities = device.capabilities(facts, self.channel, self._extra)
        self._resolution_options = device.resolution_options(
            facts.encode_capability, self.channel, self._extra
        )

    async def close(self) -> None:
        self._closed = True
        for conn in list(self._connections):
            await self._drop(conn)
        self._control = None

    def diagnostics(self) -> Mapping[str, object]:
        control = self._control
        return {
            "host": self.host,
            "port": self.port,
            "channel": self.channel,
            "channel_count": self.channel_count,
            "stream": self.stream,
            "device_type": self.device_type,
            "connected": control is not None and not control.closed,
            "alive_interval": control.session.alive_interval if control is not None else None,
            "last_close_reason": control.close_reason if control is not None else "",
            "open_connections": sorted(conn.purpose for conn in self._connections),
            "snapshot_supported": self._snapshot_supported,
            "system_info": {k: v for k, v in self.system_info.items() if k != "SerialNo"},
            "abilities": sorted(self.abilities),
        }

    # --- events and media ------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[CameraEvent]:
        conn = await self._open("alarm")
        try:
            # Some firmware never answers Guard but pushes alarms anyway: do not wait for 1501.
            await conn.send(MsgId.GUARD, "")
            async for item in conn.alarms:
                if isinstance(item, Alarm):
                    yield item.event
                elif item.ret not in OK_CODES:
                    raise ret_error(item.ret, "alarm subscription")
        finally:
            if not conn.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(MsgId.UNGUARD, "")
            await self._drop(conn)

    async def _start_stream(self, media: Literal["video", "audio"]) -> _Connection:
        """A connection of its own that claims and starts this channel's live stream."""
        conn = await self._open("monitor", media)
        try:
            claim = commands.monitor("Claim", self.channel, self.stream)
            message = (await conn.request(MsgId.MONITOR_CLAIM, "OPMonitor", claim)).message
            if message is None or message.ret not in OK_CODES:
                raise ret_error(message.ret if message else None, "the live stream claim")
            await conn.send(MsgId.MONITOR, "OPMonitor", commands.monitor("Start", *self._which))
            conn.session.watch_media(conn.link.now(), max(self.timeout, FIRST_KEYFRAME_TIMEOUT) / 2)
        except BaseException:
            await self._drop(conn)
            raise
        return conn

    async def _stop_stream(self, conn: _Connection) -> None:
        if not conn.closed:
            with contextlib.suppress(CannotConnect):
                await conn.send(MsgId.MONITOR, "OPMonitor", commands.monitor("Stop", *self._which))
        await self._drop(conn)

    @property
    def _which(self) -> tuple[int, str]:
        return self.channel, self.stream

    def video(self) -> AsyncIterator[VideoFrame]:
        return self._video_frames()

    async def _video_frames(self) -> AsyncGenerator[VideoFrame]:
        conn = await self._start_stream("video")
        inbox = conn.video
        try:
            while True:
                # Frames one read completed are all there: take them without waiting.
                yield inbox.get_nowait() or await inbox.get()
        except StopAsyncIteration:
            return
        finally:
            await self._stop_stream(conn)

    async def audio(self) -> AsyncIterator[AudioChunk]:
        if Capability.AUDIO not in self.capabilities:
            raise NotSupported("the stream carries no audio")
        conn = await self._start_stream("audio")
        try:
            async for chunk in conn.audio:
                yield chunk
        finally:
            await self._stop_stream(conn)

    async def snapshot(self) -> bytes:
        if self._snapshot_supported:
            conn = await self._control_connection()
            reply = await conn.request(
                MsgId.SNAPSHOT,
                "OPSNAP",
                {"Channel": self.channel},
                timeout=min(self.timeout, SNAPSHOT_TIMEOUT),
                optional=True,
                snapshot=True,
            )
            if reply.picture:
                return reply.picture
            # Silence or an error Ret: this camera has no OPSNAP; decode an I-frame instead.
            ret = reply.message.ret if reply.message is not None else None
            _LOGGER.debug("dvrip: no OPSNAP answer (Ret %s); using the stream", ret)
            self._snapshot_supported = False
        return await self._snapshot_from_stream()

    async def _snapshot_from_stream(self) -> bytes:
        frames = self._video_frames()
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

    # --- PTZ and system --------------------------------------------------------------------------

    async def _ptz_command(self, command: str, preset: int, step: int) -> None:
        conn = await self._control_connection()
        value = commands.ptz_control(self.channel, command, preset, step)
        timeout = min(self.timeout, PTZ_REPLY_TIMEOUT)
        message = (
            await conn.request(MsgId.PTZ, "OPPTZControl", value, timeout=timeout, optional=True)
        ).message
        if message is not None and message.ret not in OK_CODES:
            raise ret_error(message.ret, f"PTZ {command}")

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        if Capability.PTZ not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt")
        step = commands.ptz_step(speed)
        if move == PtzMove.STOP:
            command = self._ptz_last or "DirectionUp"
            self._ptz_last = None
            await self._ptz_command(command, commands.PTZ_STOP_PRESET, step)
            return
        command_or_none = commands.PTZ_COMMANDS.get(move)
        if command_or_none is None:
            raise NotSupported(f"PTZ {move.value} is not supported by DVRIP")
        if self._ptz_last is not None and self._ptz_last != command_or_none:
            await self._ptz_command(self._ptz_last, commands.PTZ_STOP_PRESET, step)
        self._ptz_last = command_or_none
        await self._ptz_command(command_or_none, commands.PTZ_START_PRESET, step)

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        if Capability.PTZ_PRESETS not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt presets")
        if not 1 <= preset <= 255:
            raise InvalidValue("preset must be between 1 and 255")
        command = commands.PRESET_COMMANDS[PresetAction(action)]
        await self._ptz_command(command, preset, commands.PTZ_DEFAULT_STEP)

    async def reboot(self) -> None:
        conn = await self._control_connection()
        with contextlib.suppress(CannotConnect):  # the device may close the socket first
            reply = await conn.request(
                MsgId.SYSMANAGER,
                "OPMachine",
                {"Action": "Reboot"},
                timeout=min(self.timeout, 5.0),
                optional=True,
            )
            if reply.message is not None and reply.message.ret not in OK_CODES:
                raise ret_error(reply.message.ret, "reboot")
        async with self._control_lock:
            self._control = None
        await self._drop(conn)

    async def sync_time(self, when: dt.datetime | None = None) -> None:
        """Set the camera's clock (device local time; the host's local time by default)."""
        value = (when or dt.datetime.now()).strftime(commands.TIME_FORMAT)
        await self._command(MsgId.SYSMANAGER, "OPTimeSetting", value)

    async def get_time(self) -> dt.datetime:
        """The camera's clock (device local time)."""
        value = (await self._command(MsgId.TIME_QUERY, "OPTimeQuery")).get("OPTimeQuery")
        try:
            return dt.datetime.strptime(str(value)[:64], commands.TIME_FORMAT)
        except ValueError:
            raise ProtocolError("the camera sent an unreadable time") from None

    async def encode_settings(self) -> dict[str, Any]:
        """This stream's ``Video`` settings (Resolution, FPS, BitRate, ...); vendor extra."""
        fmt = stream_format(await self._get_config("Simplify.Encode"), *self._channel_stream)
        if fmt is None:
            raise NotSupported("Simplify.Encode has no entry for this channel")
        return dict(fmt.video.raw)

    @property
    def _channel_stream(self) -> tuple[int, bool]:
        return self.channel, self._extra

    def go2rtc_source(self, *, subtype: int = 0) -> str:
        """The ``dvrip://`` source for go2rtc (WebRTC path only; credentials: never log it)."""
        host, port, user, secret = self.host, self.port, self._username, self._password
        return commands.go2rtc_source(host, port, user, secret, self.channel, subtype)

    def rtsp_url(self) -> str:
        """The camera's own RTSP server (port 554; credentials: never log it)."""
        main = not self._extra
        return commands.rtsp_url(self.host, self._username, self._password, self.channel, main)

    def stream_source_url(self, source: StreamSource | None, relay_url: str | None) -> str | None:
        if source is StreamSource.RTSP:
            return self.rtsp_url()
        if source is StreamSource.GO2RTC:
            return self.go2rtc_source(subtype=1 if self._extra else 0)
        return relay_url

    async def get_config(self, name: str) -> Any:
        """Read a config section by dotted path (``Camera.Param.[0]``); vendor extra."""
        return await self._get_config(name)

    async def set_config(self, name: str, value: object) -> None:
        """Write (merge) a config section by dotted path; vendor extra."""
        await self._command(MsgId.CONFIG_SET, name, value)

    async def get_ability(self, name: str) -> Any:
        """Read an ability (``SystemFunction``, ``EncodeCapability``, ...); vendor extra."""
        return await self._ability(name)

    # --- settings --------------------------------------------------------------------------------

    async def read_settings(self) -> Settings:
        result = Settings()
        caps = self.capabilities
        if Capability.ALARM_OUT in caps:
            outputs = await self._get_config("Alarm.AlarmOut")
            result.values.update(settings.alarm_out_values(outputs))
        if Capability.RESOLUTION in caps:
            encode = await self._get_config("Simplify.Encode")
            values = settings.encode_values(encode, *self._channel_stream)
            if values:
                result.values.update(values)
                result.options[SettingKey.RESOLUTION] = self._resolution_options
                result.options[SettingKey.FRAME_RATE] = settings.FRAME_RATE_OPTIONS
        if Capability.LED in caps:
            light = WhiteLight.from_json(await self._get_config("Camera.WhiteLight"))
            result.values[SettingKey.LED] = light.on
        return result

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        if key in settings.ALARM_OUT_KEYS:
            index = settings.ALARM_OUT_KEYS.index(SettingKey(key))
            if (Capability.ALARM_OUT, Capability.ALARM_OUT_2)[index] not in self.capabilities:
                raise NotSupported("this camera has no such alarm output")
            outputs = await self._get_config("Alarm.AlarmOut")
            await self.set_config(
                "Alarm.AlarmOut", settings.alarm_out_write(outputs, index, bool(value))
            )
        elif key in (SettingKey.RESOLUTION, SettingKey.FRAME_RATE, "bitrate"):
            if Capability.RESOLUTION not in self.capabilities:
                raise NotSupported("this camera does not report its encoder settings")
            encode = await self._get_config("Simplify.Encode")
            options = self._resolution_options
            changed = settings.encode_write(encode, *self._channel_stream, key, value, options)
            await self.set_config("Simplify.Encode", changed)
        elif key == SettingKey.LED and Capability.LED in self.capabilities:
            mode = "KeepOpen" if value else "Close"
            await self.set_config("Camera.WhiteLight", {"WorkMode": mode})
        else:
            raise NotSupported(f"setting {key!r} is not supported by this camera")

    # --- talk ----------------------------------------------------------------------------------

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        if Capability.TALK not in self.capabilities:
            raise NotSupported("this camera has no talk-back channel")
        conn = await self._open("talk")
        started = False
        frames_sent = 0
        try:
            message = (
                await conn.request(MsgId.TALK_CLAIM, "OPTalk", commands.talk("Claim"))
            ).message
            if message is None or message.ret not in OK_CODES:
                raise ret_error(message.ret if message else None, "the talk claim")
            await conn.send(MsgId.TALK, "OPTalk", commands.talk("Start"))
            started = True
            # 320 A-law bytes = 320 samples = 640 bytes of s16le PCM = 40 ms. The device
            # has one talk channel (0), whatever the video channel.
            async for chunk in paced_frames(pcm, TALK_FRAME_BYTES * 2):
                await conn.send_binary(MsgId.TALK_DATA, encode_talk_frame(alaw_encode(chunk)))
                frames_sent += 1
            return frames_sent * TALK_FRAME_BYTES / 8000
        finally:
            if started and not conn.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(MsgId.TALK, "OPTalk", commands.talk("Stop"))
            await self._drop(conn)


__all__ = ["Client"]
