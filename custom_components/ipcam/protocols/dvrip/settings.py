"""DVRIP settings: the library's setting values from config sections, and the sections to write.

Writes send back the camera's own structure with one value changed (a copy:
the camera's answer is never modified). See docs/protocols/dvrip.md,
"Config sections".
"""

from __future__ import annotations

import copy
from typing import Any

from ..base import SettingKey
from ..errors import InvalidValue, NotSupported, ProtocolError
from .resolutions import resolution_name, resolution_size
from .views import VENDOR_ALARM_SPELLING, alarm_outputs, as_dict, as_int, as_list, stream_format

ALARM_OUT_KEYS = (SettingKey.ALARM_OUT, SettingKey.ALARM_OUT_2)
FRAME_RATE_OPTIONS = tuple(str(n) for n in range(1, 26))
MAX_FPS = 30
BITRATE_RANGE = (16, 65536)  # kbit/s


def alarm_out_values(value: object) -> dict[str, bool | int | str | None]:
    """``alarm_out`` / ``alarm_out_2`` from ``Alarm.AlarmOut``: on when set to manual."""
    outputs = alarm_outputs(value)
    return {
        key: outputs[index].on for index, key in enumerate(ALARM_OUT_KEYS) if index < len(outputs)
    }


def alarm_out_write(value: object, index: int, on: bool) -> list[Any]:
    """``Alarm.AlarmOut`` with output ``index`` switched on (manual) or off (closed).

    Each firmware gets its own spelling back (MANUAL/CLOSE or ManualAlarm/ClosedAlarm).
    """
    outputs = copy.deepcopy(as_list(value))
    if index >= len(outputs):
        raise NotSupported("the camera reports no such alarm output")
    entry = as_dict(outputs[index])
    if entry.get("AlarmOutType") in VENDOR_ALARM_SPELLING:
        entry["AlarmOutType"] = "ManualAlarm" if on else "ClosedAlarm"
    else:
        entry["AlarmOutType"] = "MANUAL" if on else "CLOSE"
    entry.setdefault("AlarmOutStatus", "OPEN")
    outputs[index] = entry
    return outputs


def encode_values(encode: object, channel: int, extra: bool) -> dict[str, bool | int | str | None]:
    """``resolution`` ("WIDTHxHEIGHT", or the camera's name when unknown) and ``frame_rate``."""
    fmt = stream_format(encode, channel, extra)
    if fmt is None:
        return {}
    size = resolution_size(fmt.video.resolution)
    return {
        SettingKey.RESOLUTION: f"{size[0]}x{size[1]}" if size else fmt.video.resolution,
        SettingKey.FRAME_RATE: str(fmt.video.fps),
    }


def encode_write(
    encode: object,
    channel: int,
    extra: bool,
    key: str,
    value: bool | int | str,
    resolutions: tuple[str, ...],
) -> list[Any]:
    """``Simplify.Encode`` with this channel's resolution, frame rate or bit rate changed."""
    changed = copy.deepcopy(as_list(encode))
    fmt = stream_format(changed, channel, extra)
    if fmt is None:
        raise ProtocolError("Simplify.Encode has no entry for this channel")
    video = fmt.video.raw  # part of the copy: changing it changes what is written
    if key == SettingKey.RESOLUTION:
        text = str(value).strip().lower()
        if resolutions and text not in resolutions:
            raise InvalidValue(f"resolution {value!r} is not one of {', '.join(resolutions)}")
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
