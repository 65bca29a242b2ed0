"""Typed views of the JSON a DVRIP camera sends: every value checked for its shape.

Firmware differs in what it puts where (a list where an object was expected, a
number as a string, keys missing or misspelt), so nothing here trusts a shape:
each ``from_json`` takes any JSON value and returns a view with defaults for
whatever is absent or of the wrong type. They never raise (``LoginReply`` raises
``ProtocolError`` for an unreadable ``SessionID``, which the login cannot do
without). The raw values stay available where a write sends them back.

See docs/protocols/dvrip.md, "Login", "Capabilities" and "Config sections".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .resolutions import parse_mask
from .wire import parse_session

MAX_CHANNELS = 1024  # any count beyond this is nonsense, not a recorder
DEFAULT_ALIVE_INTERVAL = 20
MAX_ALIVE_INTERVAL = 3600


# --- scalar coercions --------------------------------------------------------------------------


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def as_int(value: object, default: int = 0) -> int:
    """An integer from a JSON number or a decimal/hex string; ``default`` otherwise."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else default
    if isinstance(value, str) and len(value) <= 20:
        try:
            return int(value.strip(), 0)
        except ValueError:
            return default
    return default


def as_count(value: object, limit: int = MAX_CHANNELS) -> int:
    """A count of channels, outputs, ...: 0 unless an integer within ``0..limit``."""
    number = as_int(value)
    return number if 0 <= number <= limit else 0


def as_str(value: object, default: str = "") -> str:
    """Text from a JSON string (numbers as their digits); ``default`` otherwise."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return default


def as_flag(value: object) -> bool | None:
    """A JSON boolean (or 0/1, "true"/"false"); None when absent or unreadable."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def normalise_mac(value: object) -> str:
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


# --- login and system --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginReply:
    """The 1001 login reply."""

    ret: int | None = None
    session: int | None = None  # from "SessionID"; None: take the header's
    alive_interval: int = DEFAULT_ALIVE_INTERVAL
    channel_count: int = 0
    device_type: str = ""
    extra_channels: int = 0
    aes: bool = False

    @classmethod
    def from_json(cls, body: object) -> LoginReply:
        body = as_dict(body)
        ret = body.get("Ret")
        session = body.get("SessionID")
        interval = as_int(body.get("AliveInterval"))
        # The firmware spells the key "DeviceType " (with a space); some send it without.
        device_type = as_str(body.get("DeviceType ", body.get("DeviceType"))).strip()
        return cls(
            ret=ret if isinstance(ret, int) and not isinstance(ret, bool) else None,
            session=parse_session(session) if session is not None else None,
            alive_interval=(
                min(interval, MAX_ALIVE_INTERVAL) if interval > 0 else DEFAULT_ALIVE_INTERVAL
            ),
            channel_count=as_count(body.get("ChannelNum")),
            device_type=device_type,
            extra_channels=as_count(body.get("ExtraChannel")),
            aes=as_flag(body.get("DataUseAES")) is True,
        )


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """The ``SystemInfo`` answer to 1020."""

    serial: str = ""
    hardware: str = ""
    hardware_version: str = ""
    software_version: str = ""
    model: str = ""
    video_in_channels: int = 0
    digital_channels: int = 0
    alarm_in_channels: int = 0
    alarm_out_channels: int = 0
    audio_in_channels: int = 0
    talk_out_channels: int = 0
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, value: object) -> SystemInfo:
        info = as_dict(value)
        return cls(
            serial=as_str(info.get("SerialNo")).strip(),
            hardware=as_str(info.get("HardWare")).strip(),
            hardware_version=as_str(info.get("HardWareVersion")).strip(),
            software_version=as_str(info.get("SoftWareVersion")).strip(),
            model=as_str(info.get("DeviceModel")).strip(),
            video_in_channels=as_count(info.get("VideoInChannel")),
            digital_channels=as_count(info.get("DigChannel")),
            alarm_in_channels=as_count(info.get("AlarmInChannel")),
            alarm_out_channels=as_count(info.get("AlarmOutChannel")),
            audio_in_channels=as_count(info.get("AudioInChannel")),
            talk_out_channels=as_count(info.get("TalkOutChannel")),
            raw=info,
        )


@dataclass(frozen=True, slots=True)
class SystemFunction:
    """What the ``SystemFunction`` ability says about PTZ, the white light and detectors."""

    ptz_direction: bool | None = None  # OtherFunction.SupportPTZDirectionControl
    rs485: bool | None = None  # CommFunction.CommRS485 (older firmware's PTZ hint)
    white_light: bool = False  # OtherFunction.SupportCameraWhiteLight
    motion_detect: bool = False  # AlarmFunction.MotionDetect
    human_detect: bool = False  # AlarmFunction.HumanDection (the firmware's spelling)

    @classmethod
    def from_json(cls, value: object) -> SystemFunction:
        function = as_dict(value)
        other = as_dict(function.get("OtherFunction"))
        comm = as_dict(function.get("CommFunction"))
        alarm = as_dict(function.get("AlarmFunction"))
        human = alarm.get("HumanDection", alarm.get("HumanDetection"))
        return cls(
            ptz_direction=as_flag(other.get("SupportPTZDirectionControl")),
            rs485=as_flag(comm.get("CommRS485")),
            white_light=as_flag(other.get("SupportCameraWhiteLight")) is True,
            motion_detect=as_flag(alarm.get("MotionDetect")) is True,
            human_detect=as_flag(human) is True,
        )

    @property
    def ptz_confirmed(self) -> bool:
        """The camera says it has a pan/tilt head (the RS485 port counts when the flag is
        absent, as older firmware has no flag). Firmware also omits the flag or says false
        although the head moves: PTZ is offered then too, unconfirmed."""
        return self.ptz_direction if self.ptz_direction is not None else self.rs485 is True


@dataclass(frozen=True, slots=True)
class TalkAudioFormat:
    """The ``TalkAudioFormat`` ability: the codecs the speaker takes."""

    encode_types: tuple[str, ...] = ()
    present: bool = False

    @classmethod
    def from_json(cls, value: object) -> TalkAudioFormat:
        entries = value if isinstance(value, list) else [value]
        types: list[str] = []
        for entry in entries:
            if isinstance(entry, dict):
                types.append(as_str(entry.get("EncodeType")))
            elif isinstance(entry, str):
                types.append(entry)
        return cls(tuple(types), value is not None)

    @property
    def alaw(self) -> bool:
        """G.711 A-law is accepted (or the camera does not say)."""
        return not self.present or "G711_ALAW" in self.encode_types


@dataclass(frozen=True, slots=True)
class EncodeCapability:
    """The ``EncodeCapability`` ability: allowed picture sizes per channel and stream."""

    main_masks: tuple[int, ...] = ()
    extra_masks: tuple[int, ...] = ()
    stream_masks: tuple[tuple[str, int], ...] = ()  # EncodeInfo: (StreamType, ResolutionMask)

    @classmethod
    def from_json(cls, value: object) -> EncodeCapability:
        capability = as_dict(value)
        return cls(
            main_masks=tuple(parse_mask(v) for v in as_list(capability.get("ImageSizePerChannel"))),
            extra_masks=tuple(
                parse_mask(v) for v in as_list(capability.get("ExImageSizePerChannel"))
            ),
            stream_masks=tuple(
                (as_str(entry.get("StreamType")), parse_mask(entry.get("ResolutionMask")))
                for entry in as_list(capability.get("EncodeInfo"))
                if isinstance(entry, dict)
            ),
        )

    def resolution_mask(self, channel: int, extra: bool) -> int:
        """The mask of sizes ``channel``'s main (or extra) stream may use; 0 if unknown."""
        masks = self.extra_masks if extra else self.main_masks
        mask = masks[channel] if channel < len(masks) else 0
        if not mask:
            wanted = "ExtraStream" if extra else "MainStream"
            for stream_type, stream_mask in self.stream_masks:
                if stream_type == wanted:
                    mask = stream_mask
        return mask


# --- config sections ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VideoFormat:
    """The ``Video`` object of one stream in ``Simplify.Encode``."""

    resolution: str = ""
    fps: int = 0
    bitrate: int = 0
    compression: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StreamFormat:
    """``MainFormat`` or ``ExtraFormat`` of one channel in ``Simplify.Encode``."""

    audio: bool
    video: VideoFormat


def stream_format(encode: object, channel: int, extra: bool) -> StreamFormat | None:
    """Channel ``channel``'s main (or extra) stream in a ``Simplify.Encode`` value.

    None when the camera's answer has no such entry or its ``Video`` is no object.
    """
    entries = as_list(encode)
    if not 0 <= channel < len(entries):
        return None
    fmt = as_dict(entries[channel]).get("ExtraFormat" if extra else "MainFormat")
    if not isinstance(fmt, dict) or not isinstance(fmt.get("Video"), dict):
        return None
    video = fmt["Video"]
    return StreamFormat(
        audio=as_flag(fmt.get("AudioEnable")) is True,
        video=VideoFormat(
            resolution=as_str(video.get("Resolution")).strip(),
            fps=as_int(video.get("FPS")),
            bitrate=as_int(video.get("BitRate")),
            compression=as_str(video.get("Compression")),
            raw=video,
        ),
    )


# The two spellings of AlarmOutType: the vendor capture's and the config document's.
ALARM_OUT_ON = ("MANUAL", "ManualAlarm")
VENDOR_ALARM_SPELLING = frozenset({"ManualAlarm", "ClosedAlarm", "ConfigAlarm"})


@dataclass(frozen=True, slots=True)
class AlarmOutput:
    """One entry of ``Alarm.AlarmOut`` (a relay output)."""

    type: str = ""
    status: str = ""

    @property
    def on(self) -> bool:
        return self.type in ALARM_OUT_ON


def alarm_outputs(value: object) -> tuple[AlarmOutput, ...]:
    """``Alarm.AlarmOut`` as views (an entry that is no object reads as "off")."""
    return tuple(
        AlarmOutput(as_str(entry.get("AlarmOutType")), as_str(entry.get("AlarmOutStatus")))
        if isinstance(entry, dict)
        else AlarmOutput()
        for entry in as_list(value)
    )


@dataclass(frozen=True, slots=True)
class NetCommon:
    """``NetWork.NetCommon`` (also the body of a discovery reply)."""

    mac: str = ""
    host_ip: str = ""  # the camera's hex form, e.g. "0x7200060A"
    host_name: str = ""
    tcp_port: int = 0
    serial: str = ""
    channel_count: int = 0
    max_connections: int = 0  # TCPMaxConn; 0: unknown

    @classmethod
    def from_json(cls, value: object) -> NetCommon:
        common = as_dict(value)
        port = as_int(common.get("TCPPort"))
        return cls(
            mac=normalise_mac(common.get("MAC")),
            host_ip=as_str(common.get("HostIP")),
            host_name=as_str(common.get("HostName")),
            tcp_port=port if 0 < port < 65536 else 0,
            serial=as_str(common.get("SN")).strip(),
            channel_count=as_count(common.get("ChannelNum")),
            max_connections=as_count(common.get("TCPMaxConn")),
        )


@dataclass(frozen=True, slots=True)
class General:
    """``General.General``: the name the owner gave the device."""

    machine_name: str = ""

    @classmethod
    def from_json(cls, value: object) -> General:
        return cls(as_str(as_dict(value).get("MachineName")).strip())


def white_light_entry(value: object, channel: int) -> dict[str, Any] | None:
    """Channel ``channel``'s object in ``Camera.WhiteLight``: a camera's one object (channel
    0), or a recorder's entry when the value is a list (UNCONFIRMED shape); None if absent."""
    if isinstance(value, list):
        entry = value[channel] if 0 <= channel < len(value) else None
        return entry if isinstance(entry, dict) else None
    return value if isinstance(value, dict) and channel == 0 else None


def enabled(value: object) -> bool | None:
    """The ``Enable`` flag of a detector or alarm input (``Detect.MotionDetect.[n]``,
    ``Alarm.LocalAlarm`` entries); None when there is none."""
    return as_flag(as_dict(value).get("Enable"))


def channel_titles(value: object) -> tuple[str, ...]:
    """The ``ChannelTitle`` answer (1049): a name per channel ("" where it is no text)."""
    return tuple(as_str(title).strip() for title in as_list(value))
