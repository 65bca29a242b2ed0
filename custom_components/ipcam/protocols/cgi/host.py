"""An IPCamCGI camera as the host application sees it: identity, capabilities, settings.

Settings (``SettingKey``) both ways: alarm_out / alarm_out_2 are
``iocontrol.cgi`` Trigger1 / Trigger2; led is ``system.cgi`` LEDControl (1 is
off; 0 normal and 2 dummy count as on); resolution and frame_rate are
``image.cgi``; input_1 / input_2 are read-only levels. Pure; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Final

from ..base import Capability, DeviceIdentity, SettingKey, Settings, Vendor
from ..errors import InvalidValue, NotSupported
from .fields import CgiGroup
from .groups import (
    FRAME_RATES,
    RESOLUTIONS,
    ImageConfig,
    IoStatus,
    LedMode,
    SystemConfig,
    SystemInfo,
)
from .iostate import IoTracker

MANUFACTURER: Final = "IPCamCGI"  # generic CAS-3xx and OEM models
RESOLUTION_OPTIONS: Final = tuple(f"{w}x{h}" for w, h in RESOLUTIONS.values())
FRAME_RATE_OPTIONS: Final = tuple(str(rate) for rate in FRAME_RATES)  # "0" is Auto


def parse_resolution(value: object) -> int:
    """``"640x480"`` (or ``"640 x 480"``, or the index 0/1/2) -> ``VideoResolution`` index."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value in RESOLUTIONS:
            return value
        raise InvalidValue(f"resolution index {value} is not one of {tuple(RESOLUTIONS)}")
    if isinstance(value, str):
        match = re.fullmatch(r"\s*([0-9]+)\s*[xX\u00d7]\s*([0-9]+)\s*", value)
        if match is not None:
            size = (int(match.group(1)), int(match.group(2)))
            for index, known in RESOLUTIONS.items():
                if known == size:
                    return index
    raise InvalidValue(f"resolution {value!r} is not one of {', '.join(RESOLUTION_OPTIONS)}")


def parse_frame_rate(value: object) -> int:
    """``"15"`` / ``15`` -> 15; ``"0"`` or ``"auto"`` -> 0 (Auto)."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return 0
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value.strip()):
        number = int(value.strip())
    if number is None or number not in FRAME_RATES:
        raise InvalidValue(f"frame rate {value!r} is not one of {', '.join(FRAME_RATE_OPTIONS)}")
    return number


def as_bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("on", "off", "true", "false", "1", "0"):
        return value.strip().lower() in ("on", "true", "1")
    raise InvalidValue(f"{key} expects a boolean, got {value!r}")


@dataclasses.dataclass(frozen=True, slots=True)
class SettingWrite:
    """What one ``write_setting`` changes: ``iocontrol.cgi`` flags, or fields of a group."""

    io: Mapping[str, bool] = dataclasses.field(default_factory=dict)
    group: type[CgiGroup] | None = None
    changes: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def setting_write(key: str, value: bool | int | str) -> SettingWrite:
    """The change ``write_setting(key, value)`` makes; InvalidValue / NotSupported first."""
    if key == SettingKey.ALARM_OUT:
        return SettingWrite(io={"trigger1": as_bool(key, value)})
    if key == SettingKey.ALARM_OUT_2:
        return SettingWrite(io={"trigger2": as_bool(key, value)})
    if key == SettingKey.LED:
        led = LedMode.NORMAL if as_bool(key, value) else LedMode.OFF
        return SettingWrite(group=SystemConfig, changes={"led_control": led})
    if key == SettingKey.RESOLUTION:
        return SettingWrite(
            group=ImageConfig, changes={"video_resolution": parse_resolution(value)}
        )
    if key == SettingKey.FRAME_RATE:
        return SettingWrite(group=ImageConfig, changes={"frame_rate": parse_frame_rate(value)})
    if key in (SettingKey.INPUT_1, SettingKey.INPUT_2):
        raise NotSupported(f"{key} is read-only")
    raise NotSupported(f"setting {key!r} is not supported by IPCamCGI cameras")


def settings_from(
    *,
    status: IoStatus | None,
    system: SystemConfig,
    image: ImageConfig,
    inputs: tuple[bool | None, bool | None] | None,
) -> Settings:
    """The read-back: outputs when ``status`` was read, inputs when they were asked for."""
    values: dict[str, bool | int | str | None] = {}
    if status is not None:
        values[SettingKey.ALARM_OUT] = bool(status.trigger1)
        values[SettingKey.ALARM_OUT_2] = bool(status.trigger2)
    values[SettingKey.LED] = system.led_control != LedMode.OFF
    width, height = image.size
    values[SettingKey.RESOLUTION] = f"{width}x{height}"
    values[SettingKey.FRAME_RATE] = str(image.frame_rate)
    if inputs is not None:
        values[SettingKey.INPUT_1], values[SettingKey.INPUT_2] = inputs
    return Settings(
        values=values,
        options={
            SettingKey.RESOLUTION: RESOLUTION_OPTIONS,
            SettingKey.FRAME_RATE: FRAME_RATE_OPTIONS,
        },
    )


def capabilities_for(io: IoTracker, *, ptz: bool) -> frozenset[Capability]:
    """What a camera offers: outputs when ``iocontrol.cgi`` answers; inputs when it reports
    them or the ``Date:`` digits are proven to carry them; polled input events only from
    ``iocontrol.cgi`` (cheap to ask every second, unlike a stream)."""
    caps = {
        Capability.SNAPSHOT,
        Capability.VIDEO,
        Capability.REBOOT,
        Capability.LED,
        Capability.RESOLUTION,
        Capability.FRAME_RATE,
    }
    if io.outputs:
        caps |= {Capability.ALARM_OUT, Capability.ALARM_OUT_2}
    if io.has_inputs:
        caps.add(Capability.INPUTS)
    if io.inputs_in_status:
        caps.add(Capability.EVENTS)
    if ptz:
        caps |= {Capability.PTZ, Capability.PTZ_HOME, Capability.PTZ_PRESETS}
    return frozenset(caps)


def identity_of(info: SystemInfo, address: str) -> DeviceIdentity:
    """Who the camera is, from ``isystem.cgi``; the unique ID is the MAC (else ``address``)."""
    mac = info.mac
    return DeviceIdentity(
        vendor=Vendor.CGI,
        unique_id=mac or address,
        name=info.camera_name or info.model or "IPCamCGI camera",
        model=info.model,
        manufacturer="D-Link" if info.model.upper().startswith("DCS") else MANUFACTURER,
        firmware=info.firmware_version,
        mac=mac,
    )
