"""DVRIP settings: which config sections hold them, their values, and the sections to write.

Writes send back the camera's own structure with one value changed (a copy:
the camera's answer is never modified), so each firmware keeps its own
spellings and fields. See docs/protocols/dvrip.md, "Config sections" and
"Detectors, alarm inputs and the white light".
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
    alarm_outputs,
    as_dict,
    as_int,
    as_list,
    as_str,
    enabled,
    stream_format,
    white_light_entry,
)

ALARM_OUT = "Alarm.AlarmOut"
ENCODE = "Simplify.Encode"
WHITE_LIGHT = "Camera.WhiteLight"
LOCAL_ALARM = "Alarm.LocalAlarm"  # the alarm inputs, each with Enable (UNCONFIRMED name)
MOTION_DETECT = "Detect.MotionDetect"  # per channel: Detect.MotionDetect.[n].Enable
HUMAN_DETECT = "Detect.HumanDetection"
ALARM_OUT_KEYS = (SettingKey.ALARM_OUT, SettingKey.ALARM_OUT_2)
ALARM_OUT_CAPABILITIES = (Capability.ALARM_OUT, Capability.ALARM_OUT_2)
ENCODE_KEYS = (SettingKey.RESOLUTION, SettingKey.FRAME_RATE, "bitrate")
# Detector switches: setting, capability, the section of one channel's detector.
DETECTORS = (
    (SettingKey.MOTION_ARMED, Capability.MOTION_ARMING, MOTION_DETECT),
    (SettingKey.HUMAN_ARMED, Capability.HUMAN_ARMING, HUMAN_DETECT),
)
FRAME_RATE_OPTIONS = tuple(str(n) for n in range(1, 26))
MAX_FPS = 30
BITRATE_RANGE = (16, 65536)  # kbit/s
# The white light's WorkMode and the setting's mode keys; another mode a camera reports is
# its own name in lower case. Offered: the modes every firmware with the light documents.
WORK_MODES = {
    "Auto": "auto",
    "KeepOpen": "on",
    "Close": "off",
    "Intelligent": "smart",
    "Timing": "schedule",
}
OFFERED_MODES = ("Auto", "KeepOpen", "Close", "Intelligent")

Value = bool | int | str


@dataclass(frozen=True, slots=True)
class Stream:
    """The channel (and stream) whose settings are read and written."""

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


def detector(section: str, channel: int) -> str:
    """The path of one channel's detector (``Detect.MotionDetect.[2]``: reading the whole
    ``Detect`` block is slow on recorders)."""
    return f"{section}.[{channel}]"


def mode_key(work_mode: str) -> str:
    """The setting's key for a ``WorkMode`` (``KeepOpen`` is ``on``)."""
    return WORK_MODES.get(work_mode, work_mode.strip().lower())


def white_light_modes(current: str) -> dict[str, str]:
    """Mode key -> ``WorkMode`` the white light may be set to: the documented modes and the
    camera's current one (so that a mode of its own, e.g. a schedule, can be chosen again)."""
    return {mode_key(mode): mode for mode in (*OFFERED_MODES, current) if mode.strip()}


def sections_to_read(capabilities: frozenset[Capability], stream: Stream) -> tuple[str, ...]:
    """The config sections ``read`` needs for these capabilities (this stream's channel)."""
    wanted = (
        (Capability.ALARM_OUT, ALARM_OUT),
        (Capability.RESOLUTION, ENCODE),
        (Capability.WHITE_LIGHT, WHITE_LIGHT),
        *((capability, detector(section, stream.channel)) for _k, capability, section in DETECTORS),
        (Capability.INPUT_ARMING, LOCAL_ALARM),
    )
    return tuple(section for capability, section in wanted if capability in capabilities)


def read(answers: Mapping[str, object], stream: Stream) -> Settings:
    """The settings in the sections read (``sections_to_read``; an answer that is None
    was not given by the camera and is left out)."""
    result = Settings()
    if answers.get(ALARM_OUT) is not None:
        outputs = alarm_outputs(answers[ALARM_OUT])
        for key, output in zip(ALARM_OUT_KEYS, outputs, strict=False):
            result.values[key] = output.on
    fmt = stream_format(answers.get(ENCODE), stream.channel, stream.extra)
    if fmt is not None:
        size = resolution_size(fmt.video.resolution)
        resolution = f"{size[0]}x{size[1]}" if size else fmt.video.resolution
        result.values[SettingKey.RESOLUTION] = resolution
        result.values[SettingKey.FRAME_RATE] = str(fmt.video.fps)
        result.options[SettingKey.RESOLUTION] = stream.resolutions
        result.options[SettingKey.FRAME_RATE] = FRAME_RATE_OPTIONS
    light = white_light_entry(answers.get(WHITE_LIGHT), stream.channel)
    if light is not None:
        current = as_str(light.get("WorkMode")).strip()
        result.values[SettingKey.WHITE_LIGHT] = mode_key(current) if current else None
        result.options[SettingKey.WHITE_LIGHT] = tuple(white_light_modes(current))
    for key, _capability, section in DETECTORS:
        path = detector(section, stream.channel)
        if answers.get(path) is not None:
            result.values[key] = enabled(answers[path])
    if answers.get(LOCAL_ALARM) is not None:
        flags = [enabled(entry) for entry in as_list(answers[LOCAL_ALARM])]
        known = [flag for flag in flags if flag is not None]
        # Armed when every input is (one switch arms or disarms them all).
        result.values[SettingKey.INPUT_ARMED] = all(known) if known else None
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
    if key == SettingKey.WHITE_LIGHT and Capability.WHITE_LIGHT in capabilities:
        return Write(
            WHITE_LIGHT, True, lambda current: white_light_write(current, stream.channel, value)
        )
    for setting, capability, section in DETECTORS:
        if key == setting and capability in capabilities:
            path = detector(section, stream.channel)
            return Write(path, True, lambda current: enable_write(current, bool(value)))
    if key == SettingKey.INPUT_ARMED and Capability.INPUT_ARMING in capabilities:
        return Write(LOCAL_ALARM, True, lambda current: inputs_write(current, bool(value)))
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
        if width.isdigit() and height.isdigit() and len(text) < 12:
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


def white_light_write(value: object, channel: int, mode: Value) -> object:
    """``Camera.WhiteLight`` with this channel's ``WorkMode`` set to ``mode`` (a key such as
    ``auto`` or ``on``) and every other field as the camera sent it."""
    changed = copy.deepcopy(value)
    entry = white_light_entry(changed, channel)  # part of the copy
    if entry is None:
        raise NotSupported("the camera reports no white light for this channel")
    modes = white_light_modes(as_str(entry.get("WorkMode")))
    wanted = str(mode).strip().lower()
    if wanted not in modes:
        raise InvalidValue(f"white light mode {mode!r} is not one of {', '.join(modes)}")
    entry["WorkMode"] = modes[wanted]
    return changed


def _set_enable(entry: dict[str, Any], on: bool) -> None:
    """``Enable`` as the firmware spells it: 0/1 where it sent a number, else a boolean."""
    current = entry.get("Enable")
    numeric = isinstance(current, int) and not isinstance(current, bool)
    entry["Enable"] = int(on) if numeric else on


def enable_write(value: object, on: bool) -> dict[str, Any]:
    """One channel's detector (``Detect.MotionDetect.[n]``) armed or disarmed."""
    if not isinstance(value, dict):
        raise NotSupported("the camera reports no such detector for this channel")
    entry = copy.deepcopy(value)
    _set_enable(entry, on)
    return entry


def inputs_write(value: object, on: bool) -> list[Any]:
    """``Alarm.LocalAlarm`` with every alarm input armed or disarmed."""
    inputs = copy.deepcopy(as_list(value))
    entries = [entry for entry in inputs if isinstance(entry, dict)]
    if not entries:
        raise NotSupported("the camera reports no alarm inputs")
    for entry in entries:
        _set_enable(entry, on)
    return inputs
