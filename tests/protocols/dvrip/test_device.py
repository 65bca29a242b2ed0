"""What a DVRIP device is, from its answers: identity, channels, capabilities, stream sizes."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability, Vendor
from custom_components.ipcam.protocols.dvrip import device
from custom_components.ipcam.protocols.dvrip.device import DeviceFacts
from custom_components.ipcam.protocols.dvrip.settings import Stream
from custom_components.ipcam.protocols.dvrip.views import LoginReply
from custom_components.ipcam.protocols.errors import CameraError, InvalidValue, ProtocolError
from simulator.dvrip import config

from .strategies import JSON, mutations

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

LOGIN = LoginReply(100, 1, 20, 1, "IPC")
INFO = config.system_info(1)
CONFIG = config.default_config(1)
ABILITIES = config.abilities(1)
CONFIGS = {
    "General.General": CONFIG["General"]["General"],
    "NetWork.NetCommon": CONFIG["NetWork"]["NetCommon"],
    "Simplify.Encode": CONFIG["Simplify"]["Encode"],
}
ALL = {
    Capability.SNAPSHOT,
    Capability.VIDEO,
    Capability.EVENTS,
    Capability.REBOOT,
    Capability.ALARM_OUT,
    Capability.TALK,
    Capability.PTZ,
    Capability.PTZ_ZOOM,
    Capability.PTZ_PRESETS,
    Capability.LED,
    Capability.RESOLUTION,
    Capability.FRAME_RATE,
    Capability.AUDIO,
}


def facts(
    info: Any = INFO, abilities: Any = ABILITIES, configs: Any = CONFIGS, login: Any = LOGIN
) -> DeviceFacts:
    return DeviceFacts.from_answers(login, info, abilities, configs)


def test_the_simulated_camera() -> None:
    known = facts()
    identity = device.identity(known, 0)
    assert (identity.vendor, identity.unique_id, identity.serial) == (
        Vendor.DVRIP,
        "58e7fa5e6e262535",
        "58e7fa5e6e262535",
    )
    assert (identity.model, identity.name, identity.mac) == (
        "HI3516D_83H50N",
        "HI3516D_83H50N",  # "LocalHost" is no name
        "00:12:31:47:e7:18",
    )
    assert identity.hardware == "HI3516D_83H50N 1.01"
    assert device.capabilities(known, Stream()) == ALL
    sizes = device.stream_settings(known, Stream()).resolutions
    assert "640x480" in sizes
    assert "1920x1080" in sizes
    extra = device.stream_settings(known, Stream(0, True))
    assert "1920x1080" not in extra.resolutions
    assert Capability.AUDIO not in device.capabilities(known, Stream(0, True))  # extra: no audio


def test_identity_fallbacks() -> None:
    named = {**CONFIGS, "General.General": {"MachineName": "Garage"}}
    assert device.identity(facts(configs=named), 0).name == "Garage"
    no_serial = {**INFO, "SerialNo": "", "HardWare": "", "DeviceModel": ""}
    identity = device.identity(facts(info=no_serial), 2)
    assert identity.unique_id == "00123147e718-2"  # the MAC, per channel
    assert identity.model == "IPC"  # the login's DeviceType
    with pytest.raises(ProtocolError, match="neither a serial"):
        device.identity(facts(info=no_serial, configs={}), 0)


def test_channel_count_and_check() -> None:
    assert device.check_channel(LOGIN, INFO, 0) == 1
    nvr = {**INFO, "VideoInChannel": 4, "DigChannel": 4}
    assert device.check_channel(LOGIN, nvr, 7) == 8
    with pytest.raises(InvalidValue, match="does not exist"):
        device.check_channel(LOGIN, INFO, 1)
    with pytest.raises(ProtocolError, match="SystemInfo"):
        device.check_channel(LOGIN, "SystemInfo", 0)
    assert device.check_channel(LoginReply(channel_count=16), {}, 9) == 16


def test_missing_answers_give_the_basic_camera() -> None:
    basic = facts(abilities={}, configs={"NetWork.NetCommon": CONFIGS["NetWork.NetCommon"]})
    assert device.capabilities(basic, Stream()) == {
        Capability.SNAPSHOT,
        Capability.VIDEO,
        Capability.EVENTS,
        Capability.REBOOT,
        Capability.ALARM_OUT,
        Capability.TALK,  # TalkAudioFormat absent: try A-law
    }
    assert device.stream_settings(basic, Stream()).resolutions == ()


def test_capabilities_follow_the_answers() -> None:
    two_outputs = {**INFO, "AlarmOutChannel": 2, "TalkOutChannel": 0, "AudioInChannel": 0}
    caps = device.capabilities(facts(info=two_outputs), Stream())
    assert {Capability.ALARM_OUT, Capability.ALARM_OUT_2} <= caps
    assert Capability.TALK not in caps
    assert Capability.AUDIO not in caps
    aac = {**ABILITIES, "TalkAudioFormat": [{"EncodeType": "AAC"}]}
    assert Capability.TALK not in device.capabilities(facts(abilities=aac), Stream())


@pytest.mark.parametrize(
    "function",
    [
        {"OtherFunction": [], "CommFunction": {"CommRS485": False}},
        {"OtherFunction": {"SupportCameraWhiteLight": True}, "CommFunction": "CommRS485"},
        [1, 2, 3],
    ],
)
def test_odd_system_function_shapes_give_defaults(function: object) -> None:
    caps = device.capabilities(facts(abilities={**ABILITIES, "SystemFunction": function}), Stream())
    assert Capability.PTZ not in caps
    assert Capability.RESOLUTION in caps


# Every answer the camera gives at connect: (which, name) -> the simulated camera's.
ANSWERS: dict[tuple[str, str], Any] = {
    ("info", "SystemInfo"): INFO,
    **{("abilities", name): ABILITIES[name] for name in device.ABILITIES},
    **{("configs", name): CONFIGS[name] for name in device.CONFIGS},
}


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ANSWERS)), st.data())
def test_any_json_anywhere_in_any_answer(which: tuple[str, str], data: Any) -> None:
    """A camera answering any JSON value at any position is identified or refused with a
    ``CameraError``, never another exception (connect's whole pure part)."""
    answers = {"info": INFO, "abilities": dict(ABILITIES), "configs": dict(CONFIGS)}
    odd = data.draw(mutations(ANSWERS[which]) | JSON)
    if which[0] == "info":
        answers["info"] = odd
    else:
        answers[which[0]][which[1]] = odd
    channel = data.draw(st.integers(0, 3))
    extra = data.draw(st.booleans())
    try:
        device.check_channel(LOGIN, answers["info"], channel)
        known = facts(**answers)
        device.identity(known, channel)
        device.capabilities(known, Stream(channel, extra))
        device.stream_settings(known, Stream(channel, extra))
    except CameraError:
        pass
