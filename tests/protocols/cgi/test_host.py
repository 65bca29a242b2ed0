"""An IPCamCGI camera as the host sees it: identity, capabilities, settings both ways."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability, SettingKey
from custom_components.ipcam.protocols.cgi.groups import (
    ImageConfig,
    IoStatus,
    LedMode,
    SystemConfig,
    SystemInfo,
)
from custom_components.ipcam.protocols.cgi.host import (
    FRAME_RATE_OPTIONS,
    RESOLUTION_OPTIONS,
    as_bool,
    capabilities_for,
    identity_of,
    parse_frame_rate,
    parse_resolution,
    setting_write,
    settings_from,
)
from custom_components.ipcam.protocols.cgi.iostate import IoOrder, IoTracker
from custom_components.ipcam.protocols.errors import InvalidValue, NotSupported


def test_identity() -> None:
    info = SystemInfo(camera_name="", model="DCS-930L", mac_address="00 FF 5C 8A 13 18")
    identity = identity_of(info, "192.0.2.1:80")
    assert (identity.unique_id, identity.mac, identity.name, identity.manufacturer) == (
        "00:ff:5c:8a:13:18",
        "00:ff:5c:8a:13:18",
        "DCS-930L",
        "D-Link",
    )
    other = identity_of(SystemInfo(model="CAS-330", mac_address="?"), "192.0.2.1:80")
    assert (other.unique_id, other.manufacturer) == ("192.0.2.1:80", "IPCamCGI")
    assert identity_of(SystemInfo(), "h").name == "IPCamCGI camera"


@pytest.mark.parametrize(
    ("value", "index"), [("640x480", 2), ("160 X 120", 0), ("320\u00d7240", 1), (1, 1)]
)
def test_resolution(value: object, index: int) -> None:
    assert parse_resolution(value) == index


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        *((parse_resolution, v) for v in ("1x1", "big", 3, True, None, "\u00b9x\u00b2")),
        *((parse_frame_rate, v) for v in ("3", "fast", True, None, 2.0, "\u00b9\u00b5")),
        *((lambda v: as_bool("led", v), v) for v in ("maybe", 7, None, 1.5)),
    ],
)
def test_rejected_values(parse: Any, value: object) -> None:
    with pytest.raises(InvalidValue):
        parse(value)


def test_frame_rate_and_bool() -> None:
    assert parse_frame_rate("Auto") == 0
    assert parse_frame_rate(" 15 ") == 15
    assert parse_frame_rate(20) == 20
    assert as_bool("x", "On") is True
    assert as_bool("x", 0) is False
    assert as_bool("x", "false") is False


def test_setting_writes() -> None:
    assert setting_write(SettingKey.ALARM_OUT, "on").io == {"trigger1": True}
    assert setting_write(SettingKey.ALARM_OUT_2, False).io == {"trigger2": False}
    led = setting_write(SettingKey.LED, False)
    assert (led.group, led.changes) == (SystemConfig, {"led_control": LedMode.OFF})
    resolution = setting_write(SettingKey.RESOLUTION, "640x480")
    assert (resolution.group, resolution.changes) == (ImageConfig, {"video_resolution": 2})
    assert setting_write(SettingKey.FRAME_RATE, "5").changes == {"frame_rate": 5}
    for key in (SettingKey.INPUT_1, SettingKey.INPUT_2, SettingKey.IR, "bogus"):
        with pytest.raises(NotSupported):
            setting_write(key, True)


def test_settings_read_back() -> None:
    settings = settings_from(
        status=IoStatus(trigger1=1),
        system=SystemConfig(led_control=LedMode.DUMMY),
        image=ImageConfig(video_resolution=0, frame_rate=7),
        inputs=(True, None),
    )
    assert settings.values == {
        "alarm_out": True,
        "alarm_out_2": False,
        "led": True,  # the dummy LED is not "off"
        "resolution": "160x120",
        "frame_rate": "7",
        "input_1": True,
        "input_2": None,
    }
    assert settings.options == {
        "resolution": RESOLUTION_OPTIONS,
        "frame_rate": FRAME_RATE_OPTIONS,
    }
    bare = settings_from(status=None, system=SystemConfig(), image=ImageConfig(), inputs=None)
    assert set(bare.values) == {"led", "resolution", "frame_rate"}


def test_capabilities() -> None:
    base = {
        Capability.SNAPSHOT,
        Capability.VIDEO,
        Capability.REBOOT,
        Capability.LED,
        Capability.RESOLUTION,
        Capability.FRAME_RATE,
    }
    io = IoTracker()
    assert capabilities_for(io, ptz=False) == base
    io.note_iocontrol(IoStatus())
    outputs = base | {Capability.ALARM_OUT, Capability.ALARM_OUT_2}
    assert capabilities_for(io, ptz=False) == outputs  # inputs not known: none reported
    io.note_iocontrol(IoStatus(input1=0, input2=0))
    assert capabilities_for(io, ptz=False) == outputs | {Capability.INPUTS, Capability.EVENTS}
    forced = IoTracker(forced=IoOrder.JPLUG)
    forced.note_iocontrol(IoStatus())
    assert capabilities_for(forced, ptz=True) == outputs | {
        Capability.INPUTS,
        Capability.PTZ,
        Capability.PTZ_HOME,
        Capability.PTZ_PRESETS,
    }
