"""Typed views of the camera's JSON: the simulator's (capture-shaped) answers, odd shapes,
and any JSON value at any position."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.dvrip import views
from custom_components.ipcam.protocols.dvrip.views import (
    AlarmOutput,
    EncodeCapability,
    General,
    LoginReply,
    NetCommon,
    SystemFunction,
    SystemInfo,
    TalkAudioFormat,
    alarm_outputs,
    channel_titles,
    enabled,
    stream_format,
    white_light_entry,
)
from custom_components.ipcam.protocols.dvrip.wire import JsonMessage, PacketDecoder
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.dvrip import config

from . import seed
from .strategies import JSON, mutations

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

CONFIG = config.default_config(2)
CONFIG["NetWork"]["NetCommon"]["MAC"] = "00:12:31:47:e7:18"  # the capture's camera
ABILITIES = config.abilities(2)


def _seed_body(packet: bytes) -> dict[str, Any]:
    (message,) = PacketDecoder().feed(packet)
    assert isinstance(message, JsonMessage)
    return message.body


LOGIN = _seed_body(seed.LOGIN_REPLY)
SYSTEM_INFO = _seed_body(seed.SYSINFO_REPLY)["SystemInfo"]

# Each view with a valid answer to start from (the capture's or the simulated camera's).
VIEWS: dict[str, tuple[Any, Any]] = {
    "login": (LoginReply.from_json, LOGIN),
    "system_info": (SystemInfo.from_json, SYSTEM_INFO),
    "system_function": (SystemFunction.from_json, ABILITIES["SystemFunction"]),
    "encode_capability": (EncodeCapability.from_json, ABILITIES["EncodeCapability"]),
    "talk_format": (TalkAudioFormat.from_json, ABILITIES["TalkAudioFormat"]),
    "simplify_encode": (lambda v: stream_format(v, 1, False), CONFIG["Simplify"]["Encode"]),
    "alarm_out": (alarm_outputs, CONFIG["Alarm"]["AlarmOut"]),
    "net_common": (NetCommon.from_json, CONFIG["NetWork"]["NetCommon"]),
    "general": (General.from_json, CONFIG["General"]["General"]),
    "white_light": (lambda v: white_light_entry(v, 1), CONFIG["Camera"]["WhiteLight"]),
    "detector": (enabled, CONFIG["Detect"]["MotionDetect"][0]),
    "channel_titles": (channel_titles, ["CAM01", "CAM02"]),
}


# --- the usual answers ---------------------------------------------------------------------------


def test_login_reply_of_the_capture() -> None:
    login = LoginReply.from_json(LOGIN)
    assert login == LoginReply(100, 1, 20, 1, "IPC", 0, False)
    without_space = {**LOGIN, "DeviceType": "NVR"}
    del without_space["DeviceType "]
    assert LoginReply.from_json(without_space).device_type == "NVR"
    assert LoginReply.from_json({"AliveInterval": 99999}).alive_interval == 3600
    assert LoginReply.from_json({"AliveInterval": -5}).alive_interval == 20
    with pytest.raises(ProtocolError):
        LoginReply.from_json({"SessionID": [1]})


def test_system_info_of_the_capture() -> None:
    info = SystemInfo.from_json(SYSTEM_INFO)
    assert (info.serial, info.hardware, info.hardware_version) == (
        "58e7fa5e6e262535",
        "HI3516D_83H50N",
        "1.01",
    )
    assert info.software_version == "V4.03.R12.G7914927.12012.145902.0020000"
    assert (info.video_in_channels, info.alarm_out_channels, info.talk_out_channels) == (1, 1, 1)
    assert info.raw is SYSTEM_INFO


def test_system_function_ptz_white_light_and_detectors() -> None:
    function = SystemFunction.from_json(ABILITIES["SystemFunction"])
    assert (function.ptz_confirmed, function.white_light) == (True, True)
    assert (function.motion_detect, function.human_detect) == (True, True)  # "HumanDection"
    # Older firmware: no SupportPTZDirectionControl; the RS485 port says it.
    old = {"CommFunction": {"CommRS485": True}, "OtherFunction": {}}
    assert SystemFunction.from_json(old).ptz_confirmed
    no = SystemFunction.from_json({"OtherFunction": {"SupportPTZDirectionControl": 0}})
    assert (no.ptz_direction, no.ptz_confirmed) == (False, False)
    spelt = SystemFunction.from_json({"AlarmFunction": {"HumanDetection": "true"}})
    assert (spelt.motion_detect, spelt.human_detect) == (False, True)


@pytest.mark.parametrize(
    "function",
    [
        {"OtherFunction": [], "CommFunction": {"CommRS485": True}},  # a list, not an object
        {"OtherFunction": {"SupportPTZDirectionControl": "yes"}, "CommFunction": "RS485"},
        {"OtherFunction": None, "CommFunction": None},
        [],
        "SystemFunction",
        None,
    ],
)
def test_system_function_of_odd_shapes(function: object) -> None:
    view = SystemFunction.from_json(function)
    assert view.white_light is False
    assert isinstance(view.ptz_confirmed, bool)


def test_encode_capability_masks() -> None:
    capability = EncodeCapability.from_json(ABILITIES["EncodeCapability"])
    assert capability.resolution_mask(1, False) == config.resolution_mask(config.ALLOWED_MAIN)
    assert capability.resolution_mask(0, True) == config.resolution_mask(config.ALLOWED_EXTRA)
    # No per-channel mask: the stream type's EncodeInfo entry.
    info_only = {"EncodeInfo": [{"StreamType": "MainStream", "ResolutionMask": "0x21"}, 3]}
    assert EncodeCapability.from_json(info_only).resolution_mask(5, False) == 0x21
    assert EncodeCapability.from_json("nonsense").resolution_mask(0, False) == 0


def test_talk_audio_format() -> None:
    assert TalkAudioFormat.from_json(ABILITIES["TalkAudioFormat"]).alaw
    assert TalkAudioFormat.from_json(None).alaw  # the camera does not say: try
    assert TalkAudioFormat.from_json(["G711_ALAW"]).alaw
    assert not TalkAudioFormat.from_json([{"EncodeType": "AAC"}]).alaw
    assert not TalkAudioFormat.from_json(42).alaw


def test_stream_format() -> None:
    main = stream_format(CONFIG["Simplify"]["Encode"], 0, False)
    assert main is not None
    assert (main.audio, main.video.resolution, main.video.fps, main.video.compression) == (
        True,
        "VGA",
        25,
        "H.264",
    )
    extra = stream_format(CONFIG["Simplify"]["Encode"], 1, True)
    assert extra is not None
    assert (extra.audio, extra.video.resolution) == (False, "QVGA")
    assert stream_format(CONFIG["Simplify"]["Encode"], 2, False) is None
    assert stream_format([{"MainFormat": {"Video": []}}], 0, False) is None
    assert stream_format({"MainFormat": {}}, 0, False) is None


def test_alarm_outputs() -> None:
    assert alarm_outputs(CONFIG["Alarm"]["AlarmOut"]) == (AlarmOutput("CLOSE", "OPEN"),)
    outputs = alarm_outputs([{"AlarmOutType": "ManualAlarm"}, "x", {"AlarmOutType": 1}])
    assert [output.on for output in outputs] == [True, False, False]
    assert alarm_outputs({"AlarmOutType": "MANUAL"}) == ()


def test_net_common_general_white_light() -> None:
    common = NetCommon.from_json(CONFIG["NetWork"]["NetCommon"])
    assert (common.mac, common.tcp_port, common.host_name) == (
        "00:12:31:47:e7:18",
        34567,
        "LocalHost",
    )
    assert NetCommon.from_json({"MAC": "00:00:00:00:00:00", "TCPPort": 70000}) == NetCommon()
    assert NetCommon.from_json(CONFIG["NetWork"]["NetCommon"]).max_connections == 10
    assert General.from_json(CONFIG["General"]["General"]).machine_name == "LocalHost"
    light = {"WorkMode": "KeepOpen"}
    assert white_light_entry(light, 0) is light
    assert white_light_entry(light, 1) is None  # a camera's one light is channel 0's
    assert white_light_entry([light, "x"], 1) is None
    assert white_light_entry([{}, light], 1) is light
    assert [enabled(v) for v in ({"Enable": True}, {"Enable": 0}, {"Enable": "x"}, [])] == [
        True,
        False,
        None,
        None,
    ]
    assert channel_titles(["Gate", 3, None]) == ("Gate", "3", "")
    assert channel_titles("Gate") == ()


@pytest.mark.parametrize(
    ("value", "number"),
    [(3, 3), ("0x10", 16), (" 12 ", 12), ("1" * 30, 0), (2.0, 2), (2.5, 0), (True, 0), (None, 0)],
)
def test_as_int(value: object, number: int) -> None:
    assert views.as_int(value) == number


def test_as_flag_and_mac() -> None:
    assert [views.as_flag(v) for v in (True, 0, "TRUE", "no", 2, None)] == [
        True,
        False,
        True,
        None,
        None,
        None,
    ]
    assert views.normalise_mac("00-12-31-47-E7-18") == "00:12:31:47:e7:18"
    assert views.normalise_mac("zz:12:31:47:e7:18") == ""
    assert views.normalise_mac(12) == ""


# --- any JSON anywhere ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_any_json_value_anywhere_gives_defaults_or_protocol_error(name: str) -> None:
    parse, sample = VIEWS[name]

    @settings(max_examples=120, deadline=None)
    @given(mutations(sample) | JSON)
    def check(value: Any) -> None:
        try:
            parse(value)
        except ProtocolError:
            assert name == "login"  # only an unreadable SessionID is an error

    check()
