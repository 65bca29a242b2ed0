"""What a DVRIP device is, from what it answered at connect: identity, channels, capabilities.

Everything here works on the typed views (``views.py``), so a firmware that
answers with odd shapes gets defaults, not an exception. See
docs/protocols/dvrip.md, "Capabilities" and "Recorders: one device, many channels".
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base import Capability, ChannelInfo, DeviceIdentity, Vendor
from ..errors import InvalidValue, ProtocolError
from .codes import MsgId
from .resolutions import resolutions_in_mask
from .settings import ENCODE, LOCAL_ALARM, WHITE_LIGHT, Stream
from .views import (
    EncodeCapability,
    General,
    LoginReply,
    NetCommon,
    SystemFunction,
    SystemInfo,
    TalkAudioFormat,
    as_list,
    channel_titles,
    enabled,
    stream_format,
    white_light_entry,
)

# The name a device has until its owner gives it one.
DEFAULT_MACHINE_NAME = "LocalHost"
# What connect() may ask for besides SystemInfo; a camera may lack any of them. A recorder as
# one device also asks for its channels' names (ChannelTitle, message 1048).
ABILITIES = ("SystemFunction", "EncodeCapability", "TalkAudioFormat")
CONFIGS = ("General.General", "NetWork.NetCommon", ENCODE, WHITE_LIGHT, LOCAL_ALARM)
CHANNEL_TITLE = "ChannelTitle"
# What a connect may take from an earlier one's answers (``memory.py``).
REMEMBERED = frozenset((*ABILITIES, *CONFIGS, CHANNEL_TITLE))
# The remembered answers a settings poll reads again, one a poll, unless it read them anyway:
# the connection limit first (a stale one may refuse a stream the camera would take).
REREAD = ("NetWork.NetCommon", "General.General", ENCODE, WHITE_LIGHT, LOCAL_ALARM, CHANNEL_TITLE)

# Whether an answer is worth a round trip, from SystemInfo and the answers before it.
Needed = Callable[[SystemInfo, Mapping[str, object]], bool]


def _always(_info: SystemInfo, _answers: Mapping[str, object]) -> bool:
    return True


def _has_streams(_info: SystemInfo, answers: Mapping[str, object]) -> bool:
    """A stream's sizes matter only when ``Simplify.Encode`` has entries (resolution)."""
    return bool(as_list(answers.get("Simplify.Encode")))


def _has_talk(info: SystemInfo, _answers: Mapping[str, object]) -> bool:
    return info.talk_out_channels > 0  # talk needs a talk output first


def _has_white_light(_info: SystemInfo, answers: Mapping[str, object]) -> bool:
    return SystemFunction.from_json(answers.get("SystemFunction")).white_light


def _has_inputs(info: SystemInfo, _answers: Mapping[str, object]) -> bool:
    return info.alarm_in_channels > 0


# In order: each condition reads only answers asked before it, and is exactly the condition
# ``capabilities`` (or ``stream_settings``) puts before using that answer, so a question is
# left out only when its answer could not change what the client makes of the device.
PLAN: tuple[tuple[int, str, Needed], ...] = (
    (MsgId.ABILITY, "SystemFunction", _always),
    (MsgId.CONFIG_GET, "General.General", _always),
    (MsgId.CONFIG_GET, "NetWork.NetCommon", _always),
    (MsgId.CONFIG_GET, "Simplify.Encode", _always),
    (MsgId.ABILITY, "EncodeCapability", _has_streams),
    (MsgId.ABILITY, "TalkAudioFormat", _has_talk),
    (MsgId.CONFIG_GET, "Camera.WhiteLight", _has_white_light),
    (MsgId.CONFIG_GET, "Alarm.LocalAlarm", _has_inputs),
)


def query_for(name: str) -> int:
    """The message that asks for ``name`` (one of ``REMEMBERED``)."""
    if name == CHANNEL_TITLE:
        return int(MsgId.CHANNEL_TITLE_GET)
    return next(int(msg_id) for msg_id, asked, _needed in PLAN if asked == name)


def next_query(
    channel: int | None, channel_count: int, info: SystemInfo, answers: Mapping[str, object]
) -> tuple[int, str] | None:
    """(message id, name) of the next optional answer ``connect()`` reads after SystemInfo,
    given those read so far (by name, None when not given); None when it has all it needs."""
    for msg_id, name, needed in PLAN:
        if name not in answers and needed(info, answers):
            return int(msg_id), name
    if channel is None and channel_count > 1 and CHANNEL_TITLE not in answers:
        return int(MsgId.CHANNEL_TITLE_GET), CHANNEL_TITLE
    return None


class Scope(enum.Enum):
    """What one client of a device stands for (docs/protocols/dvrip.md, "Recorders: one device,
    many channels")."""

    CAMERA = "camera"  # a camera, or one channel of a recorder as an entry of its own
    RECORDER = "recorder"  # a recorder as one device (channel=None): its own controls
    CHANNEL = "channel"  # a recorder's channel (channel_client(n)): that camera's controls


# What a recorder itself does (its alarm outputs and inputs, reboot, the one talk channel);
# the rest belongs to its channels. Both push alarms.
DEVICE_LEVEL = frozenset(
    {
        Capability.EVENTS,
        Capability.REBOOT,
        Capability.ALARM_OUT,
        Capability.ALARM_OUT_2,
        Capability.TALK,
        Capability.INPUT_ARMING,
    }
)


def scope(channel: int | None, shared: bool, channel_count: int) -> Scope:
    """A shared client is a recorder's channel; ``channel=None`` is the whole device, which
    for a one-channel device is simply the camera."""
    if shared:
        return Scope.CHANNEL
    return Scope.RECORDER if channel is None and channel_count > 1 else Scope.CAMERA


@dataclass(frozen=True, slots=True)
class DeviceFacts:
    """The answers ``connect()`` collects (absent ones as their defaults)."""

    login: LoginReply
    info: SystemInfo
    function: SystemFunction = field(default_factory=SystemFunction)
    encode_capability: EncodeCapability = field(default_factory=EncodeCapability)
    talk_format: TalkAudioFormat = field(default_factory=TalkAudioFormat)
    general: General = field(default_factory=General)
    net: NetCommon = field(default_factory=NetCommon)
    encode: Any = None  # Simplify.Encode as the camera sent it
    white_light: Any = None  # Camera.WhiteLight as the camera sent it
    local_alarm: Any = None  # Alarm.LocalAlarm as the camera sent it
    titles: tuple[str, ...] = ()  # the channels' names (ChannelTitle)

    @classmethod
    def from_answers(
        cls, login: LoginReply, info: object, answers: Mapping[str, object]
    ) -> DeviceFacts:
        """The facts from SystemInfo (as sent, or read: ``SystemInfo``) and the answers to
        ``next_query`` by name (missing: None)."""
        return cls(
            login,
            info if isinstance(info, SystemInfo) else SystemInfo.from_json(info),
            SystemFunction.from_json(answers.get("SystemFunction")),
            EncodeCapability.from_json(answers.get("EncodeCapability")),
            TalkAudioFormat.from_json(answers.get("TalkAudioFormat")),
            General.from_json(answers.get("General.General")),
            NetCommon.from_json(answers.get("NetWork.NetCommon")),
            answers.get("Simplify.Encode"),
            answers.get("Camera.WhiteLight"),
            answers.get("Alarm.LocalAlarm"),
            channel_titles(answers.get(CHANNEL_TITLE)),
        )

    @property
    def channel_count(self) -> int:
        """Video channels: the login's count or the analogue + digital inputs, at least 1."""
        info = self.info
        return max(self.login.channel_count, info.video_in_channels + info.digital_channels, 1)

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        """Every channel with its name (the recorder's channel title; "" when none). Online:
        no source shows a channel status query, so every channel counts as online."""
        titles = self.titles
        return tuple(
            ChannelInfo(number, titles[number] if number < len(titles) else "")
            for number in range(self.channel_count)
        )


def system_info(info: object) -> SystemInfo:
    """SystemInfo as sent, read; ``ProtocolError`` when it is no object."""
    if isinstance(info, SystemInfo):
        return info
    if not isinstance(info, dict):
        raise ProtocolError("SystemInfo reply without SystemInfo")
    return SystemInfo.from_json(info)


def check_channel(login: LoginReply, info: object, channel: int | None) -> int:
    """The device's channel count; an error unless ``info`` is a SystemInfo (as sent, or
    read: ``system_info``) with ``channel`` (None: the whole device)."""
    count = DeviceFacts(login, system_info(info)).channel_count
    if channel is not None and channel >= count:
        raise InvalidValue(f"channel {channel} does not exist (the device has {count})")
    return count


def identity(facts: DeviceFacts, channel: int | None) -> DeviceIdentity:
    """Who the device is; the serial number (or the MAC) makes the unique ID, with
    ``-<channel>`` for channels other than 0 (the whole device's is channel 0's)."""
    info = facts.info
    mac = facts.net.mac
    model = info.model or info.hardware or facts.login.device_type
    device_id = info.serial or mac.replace(":", "")
    if not device_id:
        raise ProtocolError("the camera reported neither a serial number nor a MAC address")
    name = facts.general.machine_name
    return DeviceIdentity(
        vendor=Vendor.DVRIP,
        unique_id=device_id if not channel else f"{device_id}-{channel}",
        name=name if name and name != DEFAULT_MACHINE_NAME else model,
        model=model,
        manufacturer="Xiongmai",
        firmware=info.software_version,
        hardware=" ".join(part for part in (info.hardware, info.hardware_version) if part),
        serial=info.serial,
        mac=mac,
    )


def capabilities(
    facts: DeviceFacts, stream: Stream, scope: Scope = Scope.CAMERA
) -> frozenset[Capability]:
    """What this channel (and stream) of the device can do, for a client of ``scope``.

    Pan/tilt and presets are always offered: firmware omits the flag or says false although
    the head moves (``ptz_confirmed`` tells); zoom only when the camera says it has a head.
    """
    info, function, channel = facts.info, facts.function, stream.channel
    caps = {Capability.SNAPSHOT, Capability.VIDEO, Capability.EVENTS, Capability.REBOOT}
    caps |= {Capability.PTZ, Capability.PTZ_PRESETS}
    if function.ptz_confirmed:
        caps.add(Capability.PTZ_ZOOM)
    if info.alarm_out_channels >= 1:
        caps.add(Capability.ALARM_OUT)
    if info.alarm_out_channels >= 2:
        caps.add(Capability.ALARM_OUT_2)
    if info.talk_out_channels > 0 and facts.talk_format.alaw:
        caps.add(Capability.TALK)
    if function.white_light and white_light_entry(facts.white_light, channel) is not None:
        caps.add(Capability.WHITE_LIGHT)
    if function.motion_detect:
        caps.add(Capability.MOTION_ARMING)
    if function.human_detect:
        caps.add(Capability.HUMAN_ARMING)
    inputs = [enabled(entry) for entry in as_list(facts.local_alarm)]
    if info.alarm_in_channels > 0 and any(flag is not None for flag in inputs):
        caps.add(Capability.INPUT_ARMING)
    fmt = stream_format(facts.encode, channel, stream.extra)
    if fmt is not None:
        caps |= {Capability.RESOLUTION, Capability.FRAME_RATE}
        if fmt.audio and info.audio_in_channels > 0:
            caps.add(Capability.AUDIO)
    if scope is Scope.RECORDER:
        return frozenset(caps & DEVICE_LEVEL)
    if scope is Scope.CHANNEL:
        return frozenset(caps - (DEVICE_LEVEL - {Capability.EVENTS}))
    return frozenset(caps)


def stream_settings(facts: DeviceFacts, stream: Stream) -> Stream:
    """``stream`` with the sizes (``"WIDTHxHEIGHT"``) it may be set to; () if unknown."""
    mask = facts.encode_capability.resolution_mask(stream.channel, stream.extra)
    sizes = tuple(f"{w}x{h}" for _name, w, h in resolutions_in_mask(mask))
    return Stream(stream.channel, stream.extra, sizes)
