"""DVRIP settings: which config sections hold them, their values, and the sections to write.

Writes send back the camera's own structure with one value changed (a copy:
the camera's answer is never modified), so each firmware keeps its own
spellings and fields. See docs/protocols/dvrip.md, "Config sections".
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..base import Capability, SettingKey, Settings
from ..errors import InvalidValue, NotSupported, ProtocolError
from .resolutions import resolution_name, resolution_size
from .views import (
    VENDOR_ALARM_SPELLING,
    WhiteLight,
    alarm_outputs,
    as_dict,
    as_int,
    as_list,
    as_str,
    stream_format,
)

ALARM_OUT = "Alarm.AlarmOut"
ENCODE = "Simplify.Encode"
WHITE_LIGHT = "Camera.WhiteLight"
ALARM_OUT_KEYS = (SettingKey.ALARM_OUT, SettingKey.ALARM_OUT_2)
ALARM_OUT_CAPABILITIES = (Capability.ALARM_OUT, Capability.ALARM_OUT_2)
ENCODE_KEYS = (SettingKey.RESOLUTION, SettingKey.FRAME_RATE, "bitrate")
FRAME_RATE_OPTIONS = tuple(str(n) for n in range(1, 26))
MAX_FPS = 30
BITRATE_RANGE = (16, 65536)  # kbit/s

Value = bool | int | str


@dataclass(frozen=True, slots=True)
class Stream:
    """The stream whose encoder settings are read and written."""

    channel: int = 0
    extra: bool = False
    resolutions: tuple[str, ...] = ()  # "WIDTHxHEIGHT" the camera allows (empty: unknown)


@dataclass(frozen=True, slots=True)
class Write:
    """How to write one setting: ``build`` makes the section's new value from its current one
    (``None`` when ``needs_current`` is False)."""

    section: str
    needs_current: bool
    build: Callable[[object], object]


def sections_to_read(capabilities: frozenset[Capability]) -> tuple[str, ...]:
    """The config sections ``read`` needs for these capabilities."""
    wanted = (
        (Capability.ALARM_OUT, ALARM_OUT),
        (Capability.RESOLUTION, ENCODE),
        (Capability.LED, WHITE_LIGHT),
    )
    return tuple(section for capability, section in wanted if capability in capabilities)


def read(answers: Mapping[str, object], stream: Stream) -> Settings:
    """The settings in the sections read (``sections_to_read``)."""
    result = Settings()
    if ALARM_OUT in answers:
        outputs = alarm_outputs(answers[ALARM_OUT])
        for key, output in zip(ALARM_OUT_KEYS, outputs, strict=False):
            result.values[key] = output.on
    if ENCODE in answers:
        fmt = stream_format(answers[ENCODE], stream.channel, stream.extra)
        if fmt is not None:
            size = resolution_size(fmt.video.resolution)
            resolution = f"{size[0]}x{size[1]}" if size else fmt.video.resolution
            result.values[SettingKey.RESOLUTION] = resolution
            result.values[SettingKey.FRAME_RATE] = str(fmt.video.fps)
            result.options[SettingKey.RESOLUTION] = stream.resolutions
            result.options[SettingKey.FRAME_RATE] = FRAME_RATE_OPTIONS
    if WHITE_LIGHT in answers:
        result.values[SettingKey.LED] = WhiteLight.from_json(answers[WHITE_LIGHT]).on
    return result


def video_settings(encode: object, stream: Stream) -> dict[str, Any]:
    """The stream's ``Video`` object in ``Simplify.Encode`` (a copy); NotSupported if absent."""
    fmt = stream_format(encode, stream.channel, stream.extra)
    if fmt is None:
        raise NotSupported("Simplify.Encode has no entry for this channel")
    return dict(fmt.video.raw)


def plan_write(
    key: str, value: Value, capabilities: frozenset[Capability], stream: Stream
) -> Write:
    """How to change ``key``; ``NotSupported`` when this camera has no such setting."""
    if key in ALARM_OUT_KEYS:
        index = ALARM_OUT_KEYS.index(SettingKey(key))
        if ALARM_OUT_CAPABILITIES[index] not in capabilities:
            raise NotSupported("this camera has no such alarm output")
        return Write(ALARM_OUT, True, lambda current: alarm_out_write(current, index, bool(value)))
    if key in ENCODE_KEYS:
        if Capability.RESOLUTION not in capabilities:
            raise NotSupported("this camera does not report its encoder settings")
        return Write(ENCODE, True, lambda current: encode_write(current, stream, key, value))
    if key == SettingKey.LED and Capability.LED in capabilities:
        mode = "KeepOpen" if value else "Close"
        return Write(WHITE_LIGHT, False, lambda _current: {"WorkMode": mode})
    raise NotSupported(f"setting {key!r} is not supported by this camera")


def alarm_out_write(value: object, index: int, on: bool) -> list[Any]:
    """``Alarm.AlarmOut`` with output ``index`` switched on (manual) or off (closed).

    Each firmware gets its own spelling back (MANUAL/CLOSE or ManualAlarm/ClosedAlarm).
    """
    outputs = copy.deepcopy(as_list(value))
    if index >= len(outputs):
        raise NotSupported("the camera reports no such alarm output")
    entry = as_dict(outputs[index])
    if as_str(entry.get("AlarmOutType")) in VENDOR_ALARM_SPELLING:
        entry["AlarmOutType"] = "ManualAlarm" if on else "ClosedAlarm"
    else:
        entry["AlarmOutType"] = "MANUAL" if on else "CLOSE"
    entry.setdefault("AlarmOutStatus", "OPEN")
    outputs[index] = entry
    return outputs


def encode_write(encode: object, stream: Stream, key: str, value: Value) -> list[Any]:
    """``Simplify.Encode`` with this stream's resolution, frame rate or bit rate changed."""
    changed = copy.deepcopy(as_list(encode))
    fmt = stream_format(changed, stream.channel, stream.extra)
    if fmt is None:
        raise ProtocolError("Simplify.Encode has no entry for this channel")
    video = fmt.video.raw  # part of the copy: changing it changes what is written
    if key == SettingKey.RESOLUTION:
        text = str(value).strip().lower()
        if stream.resolutions and text not in stream.resolutions:
            choices = ", ".join(stream.resolutions)
            raise InvalidValue(f"resolution {value!r} is not one of {choices}")
        width, _, height = text.partition("x")
        name = None
        # ASCII digits only: str.isdigit() also accepts superscripts that int() refuses.
        if text.isascii() and width.isdigit() and height.isdigit() and len(text) < 12:
            name = resolution_name(int(width), int(height))
        if name is None:
            raise InvalidValue(f"resolution {value!r} must be WIDTHxHEIGHT of a known size")
        video["Resolution"] = name
    elif key == SettingKey.FRAME_RATE:
        fps = as_int(value, -1)
        if not 1 <= fps <= MAX_FPS:
            raise InvalidValue(f"frame rate must be between 1 and {MAX_FPS}")
        video["FPS"] = fps
    else:
        bitrate = as_int(value, -1)
        if not BITRATE_RANGE[0] <= bitrate <= BITRATE_RANGE[1]:
            raise InvalidValue("bit rate must be between 16 and 65536 kbit/s")
        video["BitRate"] = bitrate
    return changed
