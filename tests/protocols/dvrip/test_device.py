"""What a DVRIP device is, from its answers: identity, channels, capabilities, stream sizes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability, ChannelInfo, Vendor
from custom_components.ipcam.protocols.dvrip import device
from custom_components.ipcam.protocols.dvrip.device import DeviceFacts, Scope
from custom_components.ipcam.protocols.dvrip.settings import Stream
from custom_components.ipcam.protocols.dvrip.views import LoginReply, SystemInfo
from custom_components.ipcam.protocols.errors import CameraError, InvalidValue, ProtocolError
from simulator.dvrip import config

from .strategies import JSON, mutations

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

LOGIN = LoginReply(100, 1, 20, 1, "IPC")
INFO = config.system_info(1)
CONFIG = config.default_config(1)
CONFIG["NetWork"]["NetCommon"]["MAC"] = "00:12:31:47:e7:18"  # the capture's camera
ABILITIES = config.abilities(1)
CONFIGS = {
    "General.General": CONFIG["General"]["General"],
    "NetWork.NetCommon": CONFIG["NetWork"]["NetCommon"],
    "Simplify.Encode": CONFIG["Simplify"]["Encode"],
    "Camera.WhiteLight": CONFIG["Camera"]["WhiteLight"],
    "Alarm.LocalAlarm": CONFIG["Alarm"]["LocalAlarm"],
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
    Capability.WHITE_LIGHT,
    Capability.MOTION_ARMING,
    Capability.HUMAN_ARMING,
    Capability.INPUT_ARMING,
    Capability.RESOLUTION,
    Capability.FRAME_RATE,
    Capability.AUDIO,
}
BASIC = {
    Capability.SNAPSHOT,
    Capability.VIDEO,
    Capability.EVENTS,
    Capability.REBOOT,
    Capability.ALARM_OUT,
    Capability.TALK,  # TalkAudioFormat absent: try A-law
    Capability.PTZ,  # offered although unconfirmed: firmware omits or misreports the flag
    Capability.PTZ_PRESETS,
}


def facts(
    info: Any = INFO, abilities: Any = ABILITIES, configs: Any = CONFIGS, login: Any = LOGIN
) -> DeviceFacts:
    return DeviceFacts.from_answers(login, info, {**abilities, **configs})


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
    assert known.function.ptz_confirmed
    assert device.identity(known, None) == identity  # the whole device: channel 0's ID
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
    assert device.capabilities(basic, Stream()) == BASIC
    assert not basic.function.ptz_confirmed
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
    known = facts(abilities={**ABILITIES, "SystemFunction": function})
    caps = device.capabilities(known, Stream())
    assert {Capability.PTZ, Capability.RESOLUTION} <= caps
    assert not ({Capability.PTZ_ZOOM, Capability.MOTION_ARMING} & caps)
    assert not known.function.ptz_confirmed


@pytest.mark.parametrize(
    ("other", "comm", "confirmed"),
    [
        ({"SupportPTZDirectionControl": True}, {"CommRS485": False}, True),
        ({"SupportPTZDirectionControl": False}, {"CommRS485": True}, False),  # says no
        ({}, {"CommRS485": True}, True),  # older firmware: no flag, the RS485 port
        ({}, {"CommRS485": False}, False),  # nothing said at all
        ({"SupportPTZDirectionControl": "true"}, {}, True),
    ],
)
def test_ptz_is_offered_whatever_the_flag_says(
    other: dict[str, Any], comm: dict[str, Any], confirmed: bool
) -> None:
    function = {**ABILITIES["SystemFunction"], "OtherFunction": other, "CommFunction": comm}
    known = facts(abilities={**ABILITIES, "SystemFunction": function})
    caps = device.capabilities(known, Stream())
    assert {Capability.PTZ, Capability.PTZ_PRESETS} <= caps
    assert known.function.ptz_confirmed is confirmed
    assert (Capability.PTZ_ZOOM in caps) is confirmed


@pytest.mark.parametrize(
    ("alarm_function", "local_alarm", "expected"),
    [
        ({"MotionDetect": True, "HumanDection": True}, [{"Enable": True}], "motion human input"),
        ({"MotionDetect": True, "HumanDetection": 1}, [{"Enable": 0}], "motion human input"),
        ({"MotionDetect": False}, [{"Enable": True}, "x"], "input"),
        ({}, [{"SensorType": "NO"}], ""),  # inputs without an Enable flag
        ("x", None, ""),
    ],
)
def test_detectors_and_inputs_are_armed_where_the_camera_says(
    alarm_function: object, local_alarm: object, expected: str
) -> None:
    function = {**ABILITIES["SystemFunction"], "AlarmFunction": alarm_function}
    known = facts(
        abilities={**ABILITIES, "SystemFunction": function},
        configs={**CONFIGS, "Alarm.LocalAlarm": local_alarm},
    )
    arming = {
        "motion": Capability.MOTION_ARMING,
        "human": Capability.HUMAN_ARMING,
        "input": Capability.INPUT_ARMING,
    }
    caps = device.capabilities(known, Stream())
    assert {name for name, cap in arming.items() if cap in caps} == set(expected.split())


@pytest.mark.parametrize(
    ("light", "channel", "offered"),
    [
        (config.white_light(), 0, True),
        (config.white_light(), 1, False),  # a camera's one light is channel 0's
        ([config.white_light(), "x", config.white_light()], 1, False),
        ([config.white_light(), "x", config.white_light()], 2, True),  # a recorder's per channel
        (None, 0, False),  # the camera gave no Camera.WhiteLight
    ],
)
def test_the_white_light_of_a_channel(light: object, channel: int, offered: bool) -> None:
    known = facts(
        info={**INFO, "VideoInChannel": 3}, configs={**CONFIGS, "Camera.WhiteLight": light}
    )
    assert (Capability.WHITE_LIGHT in device.capabilities(known, Stream(channel))) is offered


RECORDER_INFO = {**INFO, "VideoInChannel": 4, "AlarmOutChannel": 2}
DEVICE_LEVEL = {
    Capability.EVENTS,
    Capability.REBOOT,
    Capability.ALARM_OUT,
    Capability.ALARM_OUT_2,
    Capability.TALK,
    Capability.INPUT_ARMING,
}


@pytest.mark.parametrize(
    ("channel", "shared", "count", "scope"),
    [
        (0, False, 1, Scope.CAMERA),
        (2, False, 4, Scope.CAMERA),  # an entry made for one channel of a recorder
        (None, False, 1, Scope.CAMERA),  # the whole device is its one camera
        (None, False, 4, Scope.RECORDER),
        (2, True, 4, Scope.CHANNEL),
    ],
)
def test_scopes(channel: int | None, shared: bool, count: int, scope: Scope) -> None:
    assert device.scope(channel, shared, count) is scope


def test_a_recorder_and_its_channels_split_the_capabilities() -> None:
    lights = [config.white_light() for _ in range(4)]
    known = facts(
        info=RECORDER_INFO,
        configs={**CONFIGS, "Camera.WhiteLight": lights, device.CHANNEL_TITLE: ["Gate", None]},
    )
    everything = device.capabilities(known, Stream(2), Scope.CAMERA)
    recorder = device.capabilities(known, Stream(0), Scope.RECORDER)
    channel = device.capabilities(known, Stream(2), Scope.CHANNEL)
    assert recorder == DEVICE_LEVEL
    assert channel == everything - (DEVICE_LEVEL - {Capability.EVENTS})
    assert {Capability.VIDEO, Capability.WHITE_LIGHT, Capability.MOTION_ARMING} <= channel
    assert known.channels == (
        ChannelInfo(0, "Gate"),
        ChannelInfo(1, ""),  # a title that is no text
        ChannelInfo(2, ""),
        ChannelInfo(3, ""),
    )
    assert [device.identity(known, n).unique_id for n in (None, 0, 3)] == [
        "58e7fa5e6e262535",
        "58e7fa5e6e262535",
        "58e7fa5e6e262535-3",
    ]


def asked(
    answers: dict[str, Any], info: Any = INFO, channel: int | None = 0, count: int = 1
) -> dict[str, Any]:
    """What connect() asks, in order, of a device whose answers are ``answers`` (a missing one:
    not given, None), and what it is told."""
    told: dict[str, Any] = {}
    system = SystemInfo.from_json(info)
    while (query := device.next_query(channel, count, system, told)) is not None:
        told[query[1]] = answers.get(query[1])
    return told


def test_what_connect_asks() -> None:
    everything = {**ABILITIES, **CONFIGS, device.CHANNEL_TITLE: ["CAM01"]}
    camera = asked(everything)
    assert list(camera) == [
        "SystemFunction",
        "General.General",
        "NetWork.NetCommon",
        "Simplify.Encode",
        "EncodeCapability",
        "TalkAudioFormat",
        "Camera.WhiteLight",
        "Alarm.LocalAlarm",
    ]
    assert asked(everything, channel=None) == camera == asked(everything, channel=3, count=4)
    assert list(asked(everything, channel=None, count=4)) == [*camera, device.CHANNEL_TITLE]
    # No white light, talk output or alarm input: their answers are not asked for.
    function = copy.deepcopy(ABILITIES["SystemFunction"])
    function["OtherFunction"]["SupportCameraWhiteLight"] = False
    bare_info = {**INFO, "TalkOutChannel": 0, "AlarmInChannel": 0}
    bare = asked({**everything, "SystemFunction": function}, bare_info)
    assert list(bare) == [
        "SystemFunction",
        "General.General",
        "NetWork.NetCommon",
        "Simplify.Encode",
        "EncodeCapability",
    ]
    # Without SystemFunction (or Simplify.Encode) nothing that depends on it is asked either.
    assert "Camera.WhiteLight" not in asked({**everything, "SystemFunction": None})
    assert "EncodeCapability" not in asked({**everything, "Simplify.Encode": None})


WHAT_CONNECT_MAY_ASK = (*device.ABILITIES, *device.CONFIGS, device.CHANNEL_TITLE)


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_asking_less_changes_nothing_the_client_makes_of_the_device(data: Any) -> None:
    """Whatever a device answers, the questions left out (``next_query``) change neither
    capabilities in any scope, channel or stream, nor identity, channels or stream sizes."""
    answers: dict[str, Any] = {**ABILITIES, **CONFIGS, device.CHANNEL_TITLE: ["A", "B"]}
    info = dict(INFO)
    for name in data.draw(st.sets(st.sampled_from(WHAT_CONNECT_MAY_ASK)), label="odd"):
        answers[name] = data.draw(mutations(answers[name]) | JSON | st.none(), label=name)
    for key in ("TalkOutChannel", "AlarmInChannel", "VideoInChannel"):
        info[key] = data.draw(st.sampled_from([0, 1, 2, "1", None, -1]), label=key)
    login = LoginReply(100, 1, 20, data.draw(st.integers(1, 4), label="channels"), "NVR")
    count = DeviceFacts(login, SystemInfo.from_json(info)).channel_count
    channel = data.draw(st.sampled_from([None, *range(count)]), label="channel")
    whole = DeviceFacts.from_answers(login, info, answers)
    less = DeviceFacts.from_answers(login, info, asked(answers, info, channel, count))
    for number in range(count):
        for extra in (False, True):
            stream = Stream(number, extra)
            for scope in Scope:
                assert device.capabilities(less, stream, scope) == device.capabilities(
                    whole, stream, scope
                )
            if Capability.RESOLUTION in device.capabilities(whole, stream):
                assert device.stream_settings(less, stream) == device.stream_settings(whole, stream)
    if channel is None and count > 1:  # a recorder's channel titles are its own question
        assert less.channels == whole.channels
    try:
        expected: object = device.identity(whole, channel)
    except CameraError as err:
        expected = type(err)
    try:
        assert device.identity(less, channel) == expected
    except CameraError as err:
        assert type(err) is expected


# Every answer the camera gives at connect: (which, name) -> the simulated camera's.
ANSWERS: dict[tuple[str, str], Any] = {
    ("info", "SystemInfo"): INFO,
    **{("abilities", name): ABILITIES[name] for name in device.ABILITIES},
    **{("configs", name): CONFIGS[name] for name in device.CONFIGS},
    ("configs", "ChannelTitle"): ["CAM01", "CAM02"],
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
    scope = data.draw(st.sampled_from(Scope))
    try:
        device.check_channel(LOGIN, answers["info"], channel)
        known = facts(**answers)
        device.identity(known, channel)
        device.capabilities(known, Stream(channel, extra), scope)
        device.stream_settings(known, Stream(channel, extra))
        assert len(known.channels) == known.channel_count
    except CameraError:
        pass
