"""Asyncio client for Xiongmai DVRIP cameras, DVRs and NVRs (TCP 34567).

Connections: one control connection (commands, keep-alive; re-opened when it
drops), plus one per ``events()``, ``video()``/``audio()`` and ``talk()``
iteration, each with its own login, as go2rtc and python-dvr do.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import logging
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from fractions import Fraction
from typing import Any

from ..audio.g711 import alaw_decode, alaw_encode, ulaw_decode
from ..audio.pacing import paced_frames
from ..base import (
    AudioChunk,
    CameraClient,
    CameraEvent,
    Capability,
    DeviceIdentity,
    EventKind,
    PresetAction,
    PtzMove,
    SettingKey,
    Settings,
    StreamSource,
    Vendor,
    VideoFrame,
    host_for_url,
)
from ..errors import (
    AccountLocked,
    AuthError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from . import media, wire
from .connection import Connection
from .profile import PROFILE
from .wire import MsgId

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
SNAPSHOT_TIMEOUT = 5.0
PTZ_REPLY_TIMEOUT = 2.0
FIRST_KEYFRAME_TIMEOUT = 20.0
MAX_SNAPSHOT = 8 * 1024 * 1024
MAX_SKIPPED_MEDIA = 2 * media.MAX_FRAME_SIZE  # stream bytes without a video frame
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
RTSP_PORT = 554  # XM cameras' RTSP server, when it is enabled

_PTZ_COMMANDS = {
    PtzMove.UP: "DirectionUp",
    PtzMove.DOWN: "DirectionDown",
    PtzMove.LEFT: "DirectionLeft",
    PtzMove.RIGHT: "DirectionRight",
    PtzMove.ZOOM_IN: "ZoomTile",  # the vendor's spelling
    PtzMove.ZOOM_OUT: "ZoomWide",
}
_PRESET_COMMANDS = {
    PresetAction.GOTO: "GotoPreset",
    PresetAction.SET: "SetPreset",
    PresetAction.CLEAR: "ClearPreset",
}
PTZ_START_PRESET = 65535
PTZ_STOP_PRESET = -1

# Event names seen on firmware (lower case) -> kind; anything else is OTHER with raw kept.
_EVENT_KINDS: dict[str, EventKind] = {
    "videomotion": EventKind.MOTION,
    "motiondetect": EventKind.MOTION,
    "motion": EventKind.MOTION,
    "humandetect": EventKind.HUMAN,
    "humandetection": EventKind.HUMAN,
    "appeventhumandetectalarm": EventKind.HUMAN,
    "facedetect": EventKind.HUMAN,
    "facedetection": EventKind.HUMAN,
    "facedetectv2": EventKind.HUMAN,
    "localalarm": EventKind.INPUT,
    "alarmlocal": EventKind.INPUT,
    "ioalarm": EventKind.INPUT,
    "localio": EventKind.INPUT,
    "netalarm": EventKind.INPUT,
    "videoloss": EventKind.VIDEO_LOSS,
    "videolost": EventKind.VIDEO_LOSS,
    "lossdetect": EventKind.VIDEO_LOSS,
    "videoblind": EventKind.TAMPER,
    "blinddetect": EventKind.TAMPER,
    "hidealarm": EventKind.TAMPER,
}

_ALARM_SPELLING_VENDOR = {"ManualAlarm", "ClosedAlarm", "ConfigAlarm"}


def event_kind(name: str) -> EventKind:
    """Normalise a firmware event name (free text) to an ``EventKind``."""
    key = name.strip().lower()
    if key in _EVENT_KINDS:
        return _EVENT_KINDS[key]
    if key.startswith("stor"):  # StorageNotExist, StorrageLowSpace (sic), StorageFailure...
        return EventKind.STORAGE
    return EventKind.OTHER


def parse_alarm(body: Mapping[str, Any]) -> CameraEvent | None:
    """A 1504 body (``{"AlarmInfo": {...}, "Name": "AlarmInfo"}``) as a CameraEvent."""
    info = body.get("AlarmInfo")
    if not isinstance(info, dict):
        name = body.get("Name")
        info = body.get(name) if isinstance(name, str) else None
    if not isinstance(info, dict):
        return None
    raw = str(info.get("Event", ""))
    status = str(info.get("Status", "Start")).strip().lower()
    channel = info.get("Channel", 0)
    if not isinstance(channel, int) or isinstance(channel, bool) or not 0 <= channel < 1024:
        channel = 0
    return CameraEvent(event_kind(raw), status != "stop", channel, raw)


def _int(value: object, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value, 0)
        except ValueError:
            return default
    return default


def _normalise_mac(value: object) -> str:
    """``"00:12:31:47:E7:18"`` (or with dashes) as lower case, colon separated; "" if invalid."""
    if not isinstance(value, str):
        return ""
    parts = value.strip().replace("-", ":").split(":")
    if len(parts) != 6 or not all(len(p) == 2 for p in parts):
        return ""
    try:
        if not any(int(p, 16) for p in parts):
            return ""
    except ValueError:
        return ""
    return ":".join(parts).lower()


class _SnapshotCollector:
    """Collects a 1561 reply: a raw JPEG, a 0x1FE picture frame or a JSON error."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.demuxer: media.MediaDemuxer | None = None
        self.ret: int | None = None

    def __call__(self, payload: bytes) -> object | None:
        if not self.buffer and self.demuxer is None:
            if payload.startswith(b"\xff\xd8"):
                pass
            elif payload.startswith(media.START):
                self.demuxer = media.MediaDemuxer()
            elif payload.lstrip().startswith(b"{"):
                body = wire.decode_json_body(payload)
                self.ret = _int(body.get("Ret"), -1)
                return b""
            else:
                raise ProtocolError("snapshot reply is neither a JPEG nor a picture frame")
        if self.demuxer is not None:
            for frame in self.demuxer.feed(payload):
                if frame.kind == "picture":
                    return frame.data
            return None
        self.buffer.extend(payload)
        if len(self.buffer) > MAX_SNAPSHOT:
            raise ProtocolError("snapshot too large")
        if self.buffer.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return bytes(self.buffer)
        return None


def _decode_keyframe_to_jpeg(codec: str, data: bytes) -> bytes:
    """Decode one H.264/H.265 key frame and encode it as JPEG (runs in a thread)."""
    import av

    decoder: Any = av.CodecContext.create("hevc" if codec == "h265" else "h264", "r")
    frames = list(decoder.decode(av.Packet(data)))
    frames += list(decoder.decode(None))
    if not frames:
        raise ProtocolError("the key frame could not be decoded")
    picture = frames[0]
    encoder: Any = av.CodecContext.create("mjpeg", "w")
    encoder.width = picture.width
    encoder.height = picture.height
    encoder.pix_fmt = "yuvj420p"
    encoder.time_base = Fraction(1, 25)
    packets = list(encoder.encode(picture.reformat(format="yuvj420p")))
    packets += list(encoder.encode(None))
    if not packets:
        raise ProtocolError("JPEG encoding of the key frame failed")
    return bytes(packets[0])


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
        self.channel_count = 0
        self.system_info: dict[str, Any] = {}
        self.abilities: dict[str, Any] = {}
        self.device_type = ""
        self._control: Connection | None = None
        self._control_lock = asyncio.Lock()
        self._connections: set[Connection] = set()
        self._ptz_last: str | None = None
        self._snapshot_supported = True
        self._resolution_options: tuple[str, ...] = ()
        self._led_supported = False
        self._closed = False

    def __repr__(self) -> str:
        return f"<dvrip.Client {self.host}:{self.port} channel={self.channel}>"

    # --- connections ---------------------------------------------------------------------------

    async def _open(self, purpose: str) -> Connection:
        if self._closed:
            raise CannotConnect("the client is closed")
        conn = Connection(self.host, self.port, self.timeout, purpose=purpose)
        await conn.open()
        self._connections.add(conn)
        try:
            await conn.login(self._username, self._password)
        except BaseException:
            await self._drop(conn)
            raise
        return conn

    async def _drop(self, conn: Connection) -> None:
        self._connections.discard(conn)
        await conn.close()

    async def _control_connection(self) -> Connection:
        async with self._control_lock:
            if self._closed:
                raise CannotConnect("the client is closed")
            if self._control is None or self._control.closed:
                if self._control is not None:
                    await self._drop(self._control)
                self._control = await self._open("control")
            return self._control

    async def _command(
        self,
        msg_id: int,
        body_name: str,
        value: object = None,
        *,
        accept: frozenset[int] = frozenset(),
    ) -> dict[str, Any]:
        """Send one request on the control connection; map ``Ret`` to errors.

        A session the camera forgot (Ret 105, e.g. after a reboot) is replaced
        by a new login once.
        """
        for attempt in range(2):
            conn = await self._control_connection()
            reply = await conn.request(msg_id, conn.body(body_name, value))
            ret = reply.ret
            if ret in wire.OK_CODES or ret in accept:
                return reply.body
            if ret == wire.Ret.NOT_LOGGED_IN and attempt == 0:
                await self._drop(conn)
                continue
            break
        raise self._error(ret, f"message {msg_id} ({body_name or 'no name'})")

    @staticmethod
    def _error(ret: int | None, what: str) -> Exception:
        if ret == wire.Ret.CONFIG_NOT_FOUND:
            return NotSupported(f"the camera does not support {what} (Ret 607)")
        if ret in wire.LOCKED_CODES:
            return AccountLocked(f"account locked (Ret {ret})")
        if ret in (wire.Ret.NOT_LOGGED_IN, wire.Ret.NO_PERMISSION, *wire.AUTH_FAILED_CODES):
            return AuthError(f"the camera refused {what} (Ret {ret})")
        if ret in wire.BUSY_CODES:
            return DeviceBusy(f"the camera is busy (Ret {ret})")
        if ret in (wire.Ret.CONFIG_PARSE_ERROR, wire.Ret.ILLEGAL_REQUEST, wire.Ret.BAD_FORMAT):
            return InvalidValue(f"the camera rejected {what} (Ret {ret})")
        return ProtocolError(f"the camera answered {what} with Ret {ret}")

    async def _get_config(self, name: str) -> Any:
        body = await self._command(MsgId.CONFIG_GET, name)
        if name not in body:
            raise ProtocolError(f"config reply without {name!r}")
        return body[name]

    async def _set_config(self, name: str, value: object) -> None:
        await self._command(MsgId.CONFIG_SET, name, value)

    async def _ability(self, name: str) -> Any:
        body = await self._command(MsgId.ABILITY, name)
        return body.get(name)

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
        login = conn.login_reply
        self.device_type = str(login.get("DeviceType ", login.get("DeviceType", ""))).strip()
        body = await self._command(MsgId.SYSINFO, "SystemInfo")
        info = body.get("SystemInfo")
        if not isinstance(info, dict):
            raise ProtocolError("SystemInfo reply without SystemInfo")
        self.system_info = info
        self.channel_count = max(
            _int(login.get("ChannelNum")),
            _int(info.get("VideoInChannel")) + _int(info.get("DigChannel")),
            1,
        )
        if self.channel >= self.channel_count:
            raise InvalidValue(
                f"channel {self.channel} does not exist (the device has {self.channel_count})"
            )
        for name in ("SystemFunction", "EncodeCapability", "TalkAudioFormat"):
            with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
                self.abilities[name] = await self._ability(name)
        machine_name = ""
        with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
            general = await self._get_config("General.General")
            if isinstance(general, dict):
                machine_name = str(general.get("MachineName", ""))
        encode: Any = None
        with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
            encode = await self._get_config("Simplify.Encode")
        mac = ""
        with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
            common = await self._get_config("NetWork.NetCommon")
            if isinstance(common, dict):
                mac = _normalise_mac(common.get("MAC"))
        serial = str(info.get("SerialNo", "")).strip()
        hardware = str(info.get("HardWare", "")).strip()
        model = str(info.get("DeviceModel", "")).strip() or hardware or self.device_type
        device_id = serial or mac.replace(":", "")
        if not device_id:
            raise ProtocolError("the camera reported neither a serial number nor a MAC address")
        self._identity = DeviceIdentity(
            vendor=Vendor.DVRIP,
            unique_id=device_id if self.channel == 0 else f"{device_id}-{self.channel}",
            name=machine_name if machine_name and machine_name != "LocalHost" else model,
            model=model,
            manufacturer="Xiongmai",
            firmware=str(info.get("SoftWareVersion", "")),
            hardware=" ".join(
                part for part in (hardware, str(info.get("HardWareVersion", ""))) if part
            ),
            serial=serial,
            mac=mac,
        )
        self.capabilities = self._capabilities(encode)

    def _capabilities(self, encode: Any) -> frozenset[Capability]:
        info = self.system_info
        caps = {Capability.SNAPSHOT, Capability.VIDEO, Capability.EVENTS, Capability.REBOOT}
        outputs = _int(info.get("AlarmOutChannel"))
        if outputs >= 1:
            caps.add(Capability.ALARM_OUT)
        if outputs >= 2:
            caps.add(Capability.ALARM_OUT_2)
        talk_format = self.abilities.get("TalkAudioFormat")
        talk_ok = talk_format is None or "G711_ALAW" in str(talk_format)
        if _int(info.get("TalkOutChannel")) > 0 and talk_ok:
            caps.add(Capability.TALK)
        function = self.abilities.get("SystemFunction")
        other: dict[str, Any] = {}
        comm: dict[str, Any] = {}
        if isinstance(function, dict):
            other = function.get("OtherFunction") or {}
            comm = function.get("CommFunction") or {}
        ptz = other.get("SupportPTZDirectionControl")
        if ptz is None:
            ptz = comm.get("CommRS485")
        if ptz:
            caps |= {Capability.PTZ, Capability.PTZ_ZOOM, Capability.PTZ_PRESETS}
        self._led_supported = bool(other.get("SupportCameraWhiteLight"))
        if self._led_supported:
            caps.add(Capability.LED)
        main = self._main_format(encode)
        if main is not None:
            self._resolution_options = self._resolution_choices()
            caps |= {Capability.RESOLUTION, Capability.FRAME_RATE}
            if main.get("AudioEnable") and _int(info.get("AudioInChannel")) > 0:
                caps.add(Capability.AUDIO)
        return frozenset(caps)

    def _main_format(self, encode: Any) -> dict[str, Any] | None:
        if not isinstance(encode, list) or self.channel >= len(encode):
            return None
        entry = encode[self.channel]
        key = "ExtraFormat" if self.stream.startswith("Extra") else "MainFormat"
        fmt = entry.get(key) if isinstance(entry, dict) else None
        if not isinstance(fmt, dict) or not isinstance(fmt.get("Video"), dict):
            return None
        return fmt

    def _resolution_choices(self) -> tuple[str, ...]:
        capability = self.abilities.get("EncodeCapability")
        if not isinstance(capability, dict):
            return ()
        extra = self.stream.startswith("Extra")
        per_channel = capability.get("ExImageSizePerChannel" if extra else "ImageSizePerChannel")
        mask = 0
        if isinstance(per_channel, list) and self.channel < len(per_channel):
            mask = wire.parse_mask(per_channel[self.channel])
        if not mask:
            wanted = "ExtraStream" if extra else "MainStream"
            for entry in capability.get("EncodeInfo") or []:
                if isinstance(entry, dict) and entry.get("StreamType") == wanted:
                    mask = wire.parse_mask(entry.get("ResolutionMask"))
        return tuple(f"{w}x{h}" for _name, w, h in wire.resolutions_in_mask(mask))

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
            "alive_interval": control.alive_interval if control is not None else None,
            "last_close_reason": control.close_reason if control is not None else "",
            "open_connections": sorted(conn.purpose for conn in self._connections),
            "snapshot_supported": self._snapshot_supported,
            "system_info": {
                key: value for key, value in self.system_info.items() if key not in ("SerialNo",)
            },
            "abilities": sorted(self.abilities),
        }

    # --- events --------------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[CameraEvent]:
        conn = await self._open("alarm")
        try:
            # Some firmware never answers Guard but pushes alarms anyway: do not wait for 1501.
            await conn.send(MsgId.GUARD, conn.body(""))
            while True:
                message = await conn.alarms.get()
                if message is None:
                    raise CannotConnect(f"alarm connection lost ({conn.close_reason})")
                if message.msg_id == MsgId.GUARD_REPLY:
                    if message.ret not in wire.OK_CODES:
                        raise self._error(message.ret, "alarm subscription")
                    continue
                event = parse_alarm(message.body)
                if event is not None:
                    yield event
        finally:
            if not conn.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(MsgId.UNGUARD, conn.body(""))
            await self._drop(conn)

    # --- media -----------------------------------------------------------------------------------

    async def _media_frames(self) -> AsyncGenerator[media.MediaFrame]:
        """Claim and start the live stream on its own connection; yield frames."""
        conn = await self._open("monitor")
        started = False
        params = {
            "Channel": self.channel,
            "CombinMode": "NONE",
            "StreamType": self.stream,
            "TransMode": "TCP",
        }
        try:
            reply = await conn.request(
                MsgId.MONITOR_CLAIM,
                conn.body("OPMonitor", {"Action": "Claim", "Parameter": params}),
            )
            if reply.ret not in wire.OK_CODES:
                raise self._error(reply.ret, "the live stream claim")
            await conn.send(
                MsgId.MONITOR, conn.body("OPMonitor", {"Action": "Start", "Parameter": params})
            )
            started = True
            demuxer = media.MediaDemuxer()
            idle = max(self.timeout, FIRST_KEYFRAME_TIMEOUT)
            while True:
                try:
                    message = await asyncio.wait_for(conn.media.get(), idle)
                except TimeoutError:
                    raise CannotConnect("the live stream stopped") from None
                if message is None:
                    raise CannotConnect(f"live stream connection lost ({conn.close_reason})")
                if message.msg_id != MsgId.MONITOR_DATA:
                    continue
                for frame in demuxer.feed(message.payload):
                    yield frame
        finally:
            if started and not conn.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(
                        MsgId.MONITOR,
                        conn.body("OPMonitor", {"Action": "Stop", "Parameter": params}),
                    )
            await self._drop(conn)

    def video(self) -> AsyncIterator[VideoFrame]:
        return self._video_frames()

    async def _video_frames(self) -> AsyncGenerator[VideoFrame]:
        codec = ""
        width = height = 0
        fps = 0
        count = 0
        skipped = 0  # bytes of frames passed over since the last video frame
        frames = self._media_frames()
        try:
            async for frame in frames:
                if frame.kind == "video" and frame.keyframe:
                    codec, width, height, fps = frame.codec, frame.width, frame.height, frame.fps
                if frame.kind != "video" or codec not in ("h264", "h265"):
                    # Skip audio, info, MPEG-4, P-frames before the first I-frame; but a
                    # stream that never gets to a video frame is no live video.
                    skipped += len(frame.data)
                    if skipped > MAX_SKIPPED_MEDIA:
                        raise ProtocolError("no H.264/H.265 video in the live stream")
                    continue
                skipped = 0
                timestamp = count / fps if fps > 0 else 0.0
                count += 1
                yield VideoFrame(
                    codec=codec,
                    data=frame.data,
                    keyframe=frame.keyframe,
                    width=width,
                    height=height,
                    timestamp=timestamp,
                    fps=float(fps),
                )
        finally:
            await frames.aclose()

    async def audio(self) -> AsyncIterator[AudioChunk]:
        if Capability.AUDIO not in self.capabilities:
            raise NotSupported("the stream carries no audio")
        samples = 0
        frames = self._media_frames()
        try:
            async for frame in frames:
                if frame.kind != "audio" or frame.sample_rate != 8000:
                    continue
                if frame.codec == "g711a":
                    pcm = alaw_decode(frame.data)
                elif frame.codec == "g711u":
                    pcm = ulaw_decode(frame.data)
                else:
                    continue
                yield AudioChunk(pcm, 8000, samples / 8000)
                samples += len(pcm) // 2
        finally:
            await frames.aclose()

    async def snapshot(self) -> bytes:
        if self._snapshot_supported:
            conn = await self._control_connection()
            collector = _SnapshotCollector()
            result = await conn.request_binary(
                MsgId.SNAPSHOT,
                conn.body("OPSNAP", {"Channel": self.channel}),
                collector,
                timeout=min(self.timeout, SNAPSHOT_TIMEOUT),
            )
            if isinstance(result, bytes) and result:
                return result
            # Silence or an error Ret: this camera has no OPSNAP; decode an I-frame instead.
            _LOGGER.debug("dvrip: no OPSNAP answer (Ret %s); using the stream", collector.ret)
            self._snapshot_supported = False
        return await self._snapshot_from_stream()

    async def _snapshot_from_stream(self) -> bytes:
        frames = self._video_frames()
        try:
            async with asyncio.timeout(max(self.timeout, FIRST_KEYFRAME_TIMEOUT)):
                async for frame in frames:
                    if frame.keyframe:
                        return await asyncio.to_thread(
                            _decode_keyframe_to_jpeg, frame.codec, frame.data
                        )
        except TimeoutError:
            raise CannotConnect("no key frame arrived for a snapshot") from None
        finally:
            await frames.aclose()
        raise CannotConnect("the live stream ended before a key frame")

    # --- PTZ -------------------------------------------------------------------------------------

    def _ptz_body(self, conn: Connection, command: str, preset: int, step: int) -> dict[str, Any]:
        # Always the full Parameter object: some NVRs ignore commands without it.
        parameter = {
            "AUX": {"Number": 0, "Status": "On"},
            "Channel": self.channel,
            "MenuOpts": "Enter",
            "POINT": {"bottom": 0, "left": 0, "right": 0, "top": 0},
            "Pattern": "SetBegin",
            "Preset": preset,
            "Step": step,
            "Tour": 0,
        }
        return conn.body("OPPTZControl", {"Command": command, "Parameter": parameter})

    async def _ptz_command(self, command: str, preset: int, step: int) -> None:
        conn = await self._control_connection()
        reply = await conn.request_optional(
            MsgId.PTZ,
            self._ptz_body(conn, command, preset, step),
            timeout=min(self.timeout, PTZ_REPLY_TIMEOUT),
        )
        if reply is not None and reply.ret not in wire.OK_CODES:
            raise self._error(reply.ret, f"PTZ {command}")

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        if Capability.PTZ not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt")
        step = 5 if speed is None else max(1, min(8, int(speed)))
        if move == PtzMove.STOP:
            # Stop = the same command with Preset -1 (a "Stop" command is ignored).
            command = self._ptz_last or "DirectionUp"
            self._ptz_last = None
            await self._ptz_command(command, PTZ_STOP_PRESET, step)
            return
        command_or_none = _PTZ_COMMANDS.get(move)
        if command_or_none is None:
            raise NotSupported(f"PTZ {move.value} is not supported by DVRIP")
        if self._ptz_last is not None and self._ptz_last != command_or_none:
            await self._ptz_command(self._ptz_last, PTZ_STOP_PRESET, step)
        self._ptz_last = command_or_none
        await self._ptz_command(command_or_none, PTZ_START_PRESET, step)

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        if Capability.PTZ_PRESETS not in self.capabilities:
            raise NotSupported("this camera has no pan/tilt presets")
        if not 1 <= preset <= 255:
            raise InvalidValue("preset must be between 1 and 255")
        await self._ptz_command(_PRESET_COMMANDS[PresetAction(action)], preset, 5)

    # --- system ----------------------------------------------------------------------------------

    async def reboot(self) -> None:
        conn = await self._control_connection()
        # The device may close the socket before it replies.
        with contextlib.suppress(CannotConnect):
            reply = await conn.request_optional(
                MsgId.SYSMANAGER,
                conn.body("OPMachine", {"Action": "Reboot"}),
                timeout=min(self.timeout, 5.0),
            )
            if reply is not None and reply.ret not in wire.OK_CODES:
                raise self._error(reply.ret, "reboot")
        async with self._control_lock:
            self._control = None
        await self._drop(conn)

    async def sync_time(self, when: dt.datetime | None = None) -> None:
        """Set the camera's clock (device local time; the host's local time by default)."""
        value = (when or dt.datetime.now()).strftime(TIME_FORMAT)
        await self._command(MsgId.SYSMANAGER, "OPTimeSetting", value)

    async def get_time(self) -> dt.datetime:
        """The camera's clock (device local time)."""
        body = await self._command(MsgId.TIME_QUERY, "OPTimeQuery")
        try:
            return dt.datetime.strptime(str(body.get("OPTimeQuery")), TIME_FORMAT)
        except ValueError:
            raise ProtocolError("the camera sent an unreadable time") from None

    async def encode_settings(self) -> dict[str, Any]:
        """This channel's stream ``Video`` settings (Resolution, FPS, BitRate, Compression...).

        ``write_setting("bitrate", kbps)`` changes the bit rate; vendor extra.
        """
        fmt = self._main_format(await self._get_config("Simplify.Encode"))
        if fmt is None:
            raise NotSupported("Simplify.Encode has no entry for this channel")
        return dict(fmt["Video"])

    def go2rtc_source(self, *, subtype: int = 0) -> str:
        """The ``dvrip://`` source for go2rtc (WebRTC path only; ffmpeg/HLS cannot play it).

        Carries the credentials: never log it.
        """
        user = urllib.parse.quote(self._username, safe="")
        password = urllib.parse.quote(self._password, safe="")
        return (
            f"dvrip://{user}:{password}@{host_for_url(self.host)}:{self.port}"
            f"?channel={self.channel}&subtype={subtype}"
        )

    def rtsp_url(self) -> str:
        """The camera's own RTSP server (port 554; its channels count from 1).

        Carries the credentials: never log it.
        """
        user = urllib.parse.quote(self._username, safe="")
        password = urllib.parse.quote(self._password, safe="")
        return (
            f"rtsp://{host_for_url(self.host)}:{RTSP_PORT}/user={user}&password={password}"
            f"&channel={self.channel + 1}&stream={0 if self.stream == 'Main' else 1}.sdp"
            "?real_stream"
        )

    def stream_source_url(self, source: StreamSource | None, relay_url: str | None) -> str | None:
        if source is StreamSource.RTSP:
            return self.rtsp_url()
        if source is StreamSource.GO2RTC:
            return self.go2rtc_source(subtype=0 if self.stream == "Main" else 1)
        return relay_url

    async def get_config(self, name: str) -> Any:
        """Read a config section by dotted path (``Camera.Param.[0]``); vendor extra."""
        return await self._get_config(name)

    async def set_config(self, name: str, value: object) -> None:
        """Write (merge) a config section by dotted path; vendor extra."""
        await self._set_config(name, value)

    async def get_ability(self, name: str) -> Any:
        """Read an ability (``SystemFunction``, ``EncodeCapability``, ...); vendor extra."""
        return await self._ability(name)

    # --- settings --------------------------------------------------------------------------------

    async def read_settings(self) -> Settings:
        settings = Settings()
        caps = self.capabilities
        if Capability.ALARM_OUT in caps:
            outputs = await self._get_config("Alarm.AlarmOut")
            if isinstance(outputs, list):
                for index, key in enumerate((SettingKey.ALARM_OUT, SettingKey.ALARM_OUT_2)):
                    if index < len(outputs) and isinstance(outputs[index], dict):
                        kind = str(outputs[index].get("AlarmOutType", ""))
                        settings.values[key] = kind in ("MANUAL", "ManualAlarm")
        if Capability.RESOLUTION in caps:
            encode = await self._get_config("Simplify.Encode")
            fmt = self._main_format(encode)
            if fmt is not None:
                video = fmt["Video"]
                name = str(video.get("Resolution", ""))
                size = wire.resolution_size(name)
                settings.values[SettingKey.RESOLUTION] = f"{size[0]}x{size[1]}" if size else name
                settings.values[SettingKey.FRAME_RATE] = str(_int(video.get("FPS")))
                settings.options[SettingKey.RESOLUTION] = self._resolution_options
                settings.options[SettingKey.FRAME_RATE] = tuple(str(n) for n in range(1, 26))
        if Capability.LED in caps:
            light = await self._get_config("Camera.WhiteLight")
            if isinstance(light, dict):
                settings.values[SettingKey.LED] = light.get("WorkMode") == "KeepOpen"
        return settings

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        if key in (SettingKey.ALARM_OUT, SettingKey.ALARM_OUT_2):
            await self._write_alarm_out(0 if key == SettingKey.ALARM_OUT else 1, bool(value))
        elif key in (SettingKey.RESOLUTION, SettingKey.FRAME_RATE, "bitrate"):
            await self._write_encode(key, value)
        elif key == SettingKey.LED and Capability.LED in self.capabilities:
            await self._set_config(
                "Camera.WhiteLight", {"WorkMode": "KeepOpen" if value else "Close"}
            )
        else:
            raise NotSupported(f"setting {key!r} is not supported by this camera")

    async def _write_alarm_out(self, index: int, on: bool) -> None:
        capability = Capability.ALARM_OUT if index == 0 else Capability.ALARM_OUT_2
        if capability not in self.capabilities:
            raise NotSupported("this camera has no such alarm output")
        outputs = await self._get_config("Alarm.AlarmOut")
        if not isinstance(outputs, list) or index >= len(outputs):
            raise NotSupported("the camera reports no such alarm output")
        outputs = copy.deepcopy(outputs)
        entry = outputs[index] if isinstance(outputs[index], dict) else {}
        vendor_spelling = entry.get("AlarmOutType") in _ALARM_SPELLING_VENDOR
        if vendor_spelling:
            entry["AlarmOutType"] = "ManualAlarm" if on else "ClosedAlarm"
        else:
            entry["AlarmOutType"] = "MANUAL" if on else "CLOSE"
        entry.setdefault("AlarmOutStatus", "OPEN")
        outputs[index] = entry
        await self._set_config("Alarm.AlarmOut", outputs)

    async def _write_encode(self, key: str, value: bool | int | str) -> None:
        if Capability.RESOLUTION not in self.capabilities:
            raise NotSupported("this camera does not report its encoder settings")
        encode = copy.deepcopy(await self._get_config("Simplify.Encode"))
        fmt = self._main_format(encode)
        if fmt is None:
            raise ProtocolError("Simplify.Encode has no entry for this channel")
        video = fmt["Video"]
        if key == SettingKey.RESOLUTION:
            text = str(value).strip().lower()
            if self._resolution_options and text not in self._resolution_options:
                raise InvalidValue(
                    f"resolution {value!r} is not one of {', '.join(self._resolution_options)}"
                )
            width, _, height = text.partition("x")
            name = None
            if width.isdigit() and height.isdigit():
                name = wire.resolution_name(int(width), int(height))
            if name is None:
                raise InvalidValue(f"resolution {value!r} must be WIDTHxHEIGHT of a known size")
            video["Resolution"] = name
        elif key == SettingKey.FRAME_RATE:
            fps = _int(value, -1) if not isinstance(value, int) else value
            if not 1 <= fps <= 30:
                raise InvalidValue("frame rate must be between 1 and 30")
            video["FPS"] = fps
        else:
            bitrate = _int(value, -1) if not isinstance(value, int) else value
            if not 16 <= bitrate <= 65536:
                raise InvalidValue("bit rate must be between 16 and 65536 kbit/s")
            video["BitRate"] = bitrate
        await self._set_config("Simplify.Encode", encode)

    # --- talk ----------------------------------------------------------------------------------

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        if Capability.TALK not in self.capabilities:
            raise NotSupported("this camera has no talk-back channel")
        conn = await self._open("talk")
        audio_format = {
            "BitRate": 0,
            "EncodeType": "G711_ALAW",
            "SampleBit": 8,
            "SampleRate": 8,
        }
        started = False
        frames_sent = 0
        try:
            reply = await conn.request(
                MsgId.TALK_CLAIM,
                conn.body("OPTalk", {"Action": "Claim", "AudioFormat": audio_format}),
            )
            if reply.ret not in wire.OK_CODES:
                raise self._error(reply.ret, "the talk claim")
            await conn.send(
                MsgId.TALK, conn.body("OPTalk", {"Action": "Start", "AudioFormat": audio_format})
            )
            started = True
            # 320 A-law bytes = 320 samples = 640 bytes of s16le PCM = 40 ms.
            frame_pcm = media.TALK_FRAME_BYTES * 2
            async for chunk in paced_frames(pcm, frame_pcm):
                if conn.closed:
                    raise CannotConnect(f"talk connection lost ({conn.close_reason})")
                # The device has one talk channel (0), whatever the video channel.
                await conn.send_binary(MsgId.TALK_DATA, media.encode_talk_frame(alaw_encode(chunk)))
                frames_sent += 1
            return frames_sent * media.TALK_FRAME_BYTES / 8000
        finally:
            if started and not conn.closed:
                with contextlib.suppress(CannotConnect):
                    await conn.send(
                        MsgId.TALK,
                        conn.body("OPTalk", {"Action": "Stop", "AudioFormat": audio_format}),
                    )
            await self._drop(conn)


__all__ = ["Client", "event_kind", "parse_alarm"]
