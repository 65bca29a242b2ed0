"""What a DVRIP device is, from what it answered at connect: identity, channels, capabilities.

Everything here works on the typed views (``views.py``), so a firmware that
answers with odd shapes gets defaults, not an exception. See
docs/protocols/dvrip.md, "Capabilities".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base import Capability, DeviceIdentity, Vendor
from ..errors import InvalidValue, ProtocolError
from .resolutions import resolutions_in_mask
from .settings import Stream
from .views import (
    EncodeCapability,
    General,
    LoginReply,
    NetCommon,
    SystemFunction,
    SystemInfo,
    TalkAudioFormat,
    stream_format,
)

# The name a device has until its owner gives it one.
DEFAULT_MACHINE_NAME = "LocalHost"
# What connect() asks for besides SystemInfo; a camera may lack any of them.
ABILITIES = ("SystemFunction", "EncodeCapability", "TalkAudioFormat")
CONFIGS = ("General.General", "NetWork.NetCommon", "Simplify.Encode")


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

    @classmethod
    def from_answers(
        cls,
        login: LoginReply,
        info: object,
        abilities: Mapping[str, object],
        configs: Mapping[str, object],
    ) -> DeviceFacts:
        """The facts from the answers to ``ABILITIES`` and ``CONFIGS`` (missing: None)."""
        return cls(
            login,
            SystemInfo.from_json(info),
            SystemFunction.from_json(abilities.get("SystemFunction")),
            EncodeCapability.from_json(abilities.get("EncodeCapability")),
            TalkAudioFormat.from_json(abilities.get("TalkAudioFormat")),
            General.from_json(configs.get("General.General")),
            NetCommon.from_json(configs.get("NetWork.NetCommon")),
            configs.get("Simplify.Encode"),
        )

    @property
    def channel_count(self) -> int:
        """Video channels: the login's count or the analogue + digital inputs, at least 1."""
        info = self.info
        return max(self.login.channel_count, info.video_in_channels + info.digital_channels, 1)


def check_channel(login: LoginReply, info: object, channel: int) -> int:
    """The device's channel count; an error unless ``info`` is a SystemInfo with ``channel``."""
    if not isinstance(info, dict):
        raise ProtocolError("SystemInfo reply without SystemInfo")
    count = DeviceFacts(login, SystemInfo.from_json(info)).channel_count
    if channel >= count:
        raise InvalidValue(f"channel {channel} does not exist (the device has {count})")
    return count


def identity(facts: DeviceFacts, channel: int) -> DeviceIdentity:
    """Who the device is; the serial number (or the MAC) makes the unique ID."""
    info = facts.info
    mac = facts.net.mac
    model = info.model or info.hardware or facts.login.device_type
    device_id = info.serial or mac.replace(":", "")
    if not device_id:
        raise ProtocolError("the camera reported neither a serial number nor a MAC address")
    name = facts.general.machine_name
    return DeviceIdentity(
        vendor=Vendor.DVRIP,
        unique_id=device_id if channel == 0 else f"{device_id}-{channel}",
        name=name if name and name != DEFAULT_MACHINE_NAME else model,
        model=model,
        manufacturer="Xiongmai",
        firmware=info.software_version,
        hardware=" ".join(part for part in (info.hardware, info.hardware_version) if part),
        serial=info.serial,
        mac=mac,
    )


def capabilities(facts: DeviceFacts, stream: Stream) -> frozenset[Capability]:
    """What this channel (and stream) of the device can do."""
    info = facts.info
    caps = {Capability.SNAPSHOT, Capability.VIDEO, Capability.EVENTS, Capability.REBOOT}
    if info.alarm_out_channels >= 1:
        caps.add(Capability.ALARM_OUT)
    if info.alarm_out_channels >= 2:
        caps.add(Capability.ALARM_OUT_2)
    if info.talk_out_channels > 0 and facts.talk_format.alaw:
        caps.add(Capability.TALK)
    if facts.function.ptz:
        caps |= {Capability.PTZ, Capability.PTZ_ZOOM, Capability.PTZ_PRESETS}
    if facts.function.white_light:
        caps.add(Capability.LED)
    fmt = stream_format(facts.encode, stream.channel, stream.extra)
    if fmt is not None:
        caps |= {Capability.RESOLUTION, Capability.FRAME_RATE}
        if fmt.audio and info.audio_in_channels > 0:
            caps.add(Capability.AUDIO)
    return frozenset(caps)


def stream_settings(facts: DeviceFacts, stream: Stream) -> Stream:
    """``stream`` with the sizes (``"WIDTHxHEIGHT"``) it may be set to; () if unknown."""
    mask = facts.encode_capability.resolution_mask(stream.channel, stream.extra)
    sizes = tuple(f"{w}x{h}" for _name, w, h in resolutions_in_mask(mask))
    return Stream(stream.channel, stream.extra, sizes)
