"""DVRIP settings: what is read from which section, and what is written back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability, SettingKey
from custom_components.ipcam.protocols.dvrip import settings
from custom_components.ipcam.protocols.dvrip.settings import Stream
from custom_components.ipcam.protocols.errors import (
    CameraError,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from simulator.dvrip import config

from . import seed
from .strategies import JSON, mutations

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, hsettings = hypothesis.given, hypothesis.settings

CONFIG = config.default_config(2)  # a recorder: a white light per channel
ANSWERS = {
    settings.ALARM_OUT: CONFIG["Alarm"]["AlarmOut"],
    settings.ENCODE: CONFIG["Simplify"]["Encode"],
    settings.WHITE_LIGHT: CONFIG["Camera"]["WhiteLight"],
    "Detect.MotionDetect.[1]": CONFIG["Detect"]["MotionDetect"][1],
    "Detect.HumanDetection.[1]": {"Enable": 0},
    settings.LOCAL_ALARM: CONFIG["Alarm"]["LocalAlarm"],
}
SIZES = ("640x480", "320x240", "1920x1080")
ALL = frozenset(
    {
        Capability.ALARM_OUT,
        Capability.ALARM_OUT_2,
        Capability.RESOLUTION,
        Capability.WHITE_LIGHT,
        Capability.MOTION_ARMING,
        Capability.HUMAN_ARMING,
        Capability.INPUT_ARMING,
    }
)
MODES = ("auto", "on", "off", "smart")


def test_sections_to_read() -> None:
    assert settings.sections_to_read(ALL, Stream(1)) == (
        settings.ALARM_OUT,
        settings.ENCODE,
        settings.WHITE_LIGHT,
        "Detect.MotionDetect.[1]",
        "Detect.HumanDetection.[1]",
        settings.LOCAL_ALARM,
    )
    assert settings.sections_to_read(frozenset({Capability.VIDEO}), Stream()) == ()


def test_read() -> None:
    read = settings.read(ANSWERS, Stream(1, False, SIZES))
    assert read.values == {
        SettingKey.ALARM_OUT: False,
        SettingKey.RESOLUTION: "320x240",  # the recorder's second camera
        SettingKey.FRAME_RATE: "25",
        SettingKey.WHITE_LIGHT: "auto",
        SettingKey.MOTION_ARMED: True,
        SettingKey.HUMAN_ARMED: False,  # 0: the firmware's number for false
        SettingKey.INPUT_ARMED: True,
    }
    assert read.options[SettingKey.WHITE_LIGHT] == MODES
    assert read.options[SettingKey.RESOLUTION] == SIZES
    assert read.options[SettingKey.FRAME_RATE][-1] == "25"
    extra = settings.read({settings.ENCODE: ANSWERS[settings.ENCODE]}, Stream(0, True))
    assert extra.values[SettingKey.RESOLUTION] == "320x240"
    odd = [{"MainFormat": {"Video": {"Resolution": "SXVGA", "FPS": "x"}}}]
    assert settings.read({settings.ENCODE: odd}, Stream()).values == {
        SettingKey.RESOLUTION: "SXVGA",  # no size known for it: the camera's name
        SettingKey.FRAME_RATE: "0",
    }
    two = [{"AlarmOutType": "ManualAlarm"}, {"AlarmOutType": "MANUAL"}, {"AlarmOutType": "X"}]
    assert settings.read({settings.ALARM_OUT: two}, Stream()).values == {
        SettingKey.ALARM_OUT: True,
        SettingKey.ALARM_OUT_2: True,
    }


def test_alarm_out_write_matches_the_capture() -> None:
    from custom_components.ipcam.protocols.dvrip.wire import JsonMessage, PacketDecoder

    write = settings.plan_write(SettingKey.ALARM_OUT, True, ALL, Stream())
    assert (write.section, write.needs_current) == (settings.ALARM_OUT, True)
    current = [{"AlarmOutStatus": "OPEN", "AlarmOutType": "CLOSE"}]
    (on,) = PacketDecoder().feed(seed.ALARMOUT_ON_REQUEST)
    (off,) = PacketDecoder().feed(seed.ALARMOUT_OFF_REQUEST)
    assert isinstance(on, JsonMessage)
    assert isinstance(off, JsonMessage)
    assert write.build(current) == on.body["Alarm.AlarmOut"]
    assert current == [{"AlarmOutStatus": "OPEN", "AlarmOutType": "CLOSE"}]  # not modified
    off_write = settings.plan_write(SettingKey.ALARM_OUT, False, ALL, Stream())
    assert off_write.build(on.body["Alarm.AlarmOut"]) == off.body["Alarm.AlarmOut"]


def test_alarm_out_write_keeps_the_firmware_spelling() -> None:
    write = settings.plan_write(SettingKey.ALARM_OUT_2, True, ALL, Stream())
    current = [{"AlarmOutType": "ClosedAlarm"}, {"AlarmOutType": "ConfigAlarm"}]
    assert write.build(current) == [
        {"AlarmOutType": "ClosedAlarm"},
        {"AlarmOutType": "ManualAlarm", "AlarmOutStatus": "OPEN"},
    ]
    with pytest.raises(NotSupported, match="no such alarm output"):
        write.build(current[:1])
    assert settings.alarm_out_write([None], 0, False) == [
        {"AlarmOutType": "CLOSE", "AlarmOutStatus": "OPEN"}
    ]


def test_encode_writes() -> None:
    stream = Stream(1, False, SIZES)
    current = copy.deepcopy(ANSWERS[settings.ENCODE])
    resolution = settings.plan_write(SettingKey.RESOLUTION, "1920X1080", ALL, stream)
    written = resolution.build(current)
    assert written[1]["MainFormat"]["Video"]["Resolution"] == "1080P"
    assert written[0] == current[0]
    assert current == ANSWERS[settings.ENCODE]
    fps = settings.plan_write(SettingKey.FRAME_RATE, "12", ALL, stream).build(current)
    assert fps[1]["MainFormat"]["Video"]["FPS"] == 12
    bitrate = settings.plan_write("bitrate", 512, ALL, Stream(0, True)).build(current)
    assert bitrate[0]["ExtraFormat"]["Video"]["BitRate"] == 512
    assert settings.video_settings(bitrate, Stream(0, True))["BitRate"] == 512


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        (SettingKey.RESOLUTION, "800x600", InvalidValue),  # not among the camera's
        (SettingKey.RESOLUTION, "big", InvalidValue),
        (SettingKey.FRAME_RATE, "0", InvalidValue),
        (SettingKey.FRAME_RATE, "31", InvalidValue),
        ("bitrate", 15, InvalidValue),
        ("bitrate", "a lot", InvalidValue),
    ],
)
def test_encode_write_refusals(key: str, value: str | int, error: type[CameraError]) -> None:
    write = settings.plan_write(key, value, ALL, Stream(0, False, SIZES))
    with pytest.raises(error):
        write.build(ANSWERS[settings.ENCODE])


def test_unknown_sizes_are_written_by_name() -> None:
    write = settings.plan_write(SettingKey.RESOLUTION, "1280x720", ALL, Stream())
    assert write.build(ANSWERS[settings.ENCODE])[0]["MainFormat"]["Video"]["Resolution"] == "720P"
    with pytest.raises(InvalidValue, match="known size"):
        settings.plan_write(SettingKey.RESOLUTION, "1234x567", ALL, Stream()).build(
            ANSWERS[settings.ENCODE]
        )
    with pytest.raises(ProtocolError, match="no entry"):
        write.build({"MainFormat": {}})
    with pytest.raises(NotSupported):
        settings.video_settings([], Stream())


@pytest.mark.parametrize(
    ("work_mode", "value", "options"),
    [
        ("Auto", "auto", MODES),
        ("KeepOpen", "on", MODES),
        ("Close", "off", MODES),
        ("Intelligent", "smart", MODES),
        ("Timing", "schedule", (*MODES, "schedule")),  # a mode the camera has of its own
        ("Disco", "disco", (*MODES, "disco")),
        ("", None, MODES),
    ],
)
def test_white_light_modes(work_mode: str, value: str | None, options: tuple[str, ...]) -> None:
    light = {**config.white_light(), "WorkMode": work_mode}
    read = settings.read({settings.WHITE_LIGHT: light}, Stream())
    assert read.values[SettingKey.WHITE_LIGHT] == value
    assert read.options[SettingKey.WHITE_LIGHT] == options
    # The camera's own mode can be chosen again; the others' names are refused.
    if value is not None:
        write = settings.plan_write(SettingKey.WHITE_LIGHT, value, ALL, Stream())
        assert write.build(light) == light


def test_white_light_writes_keep_every_other_field() -> None:
    light = config.white_light()
    write = settings.plan_write(SettingKey.WHITE_LIGHT, "ON", ALL, Stream())
    assert (write.section, write.needs_current) == (settings.WHITE_LIGHT, True)
    assert write.build(light) == {**light, "WorkMode": "KeepOpen"}
    assert light["WorkMode"] == "Auto"  # the camera's answer is not modified
    recorder = [config.white_light(), config.white_light()]
    on_second = settings.plan_write(SettingKey.WHITE_LIGHT, "smart", ALL, Stream(1))
    assert on_second.build(recorder) == [recorder[0], {**recorder[1], "WorkMode": "Intelligent"}]
    for value in ("schedule", "disco", ""):  # "schedule": not a mode this camera reported
        with pytest.raises(InvalidValue, match="not one of auto, on, off, smart"):
            write = settings.plan_write(SettingKey.WHITE_LIGHT, value, ALL, Stream())
            write.build(light)
    with pytest.raises(NotSupported, match="no white light"):
        settings.plan_write(SettingKey.WHITE_LIGHT, "on", ALL, Stream(1)).build(light)


def test_detector_and_input_arming_writes() -> None:
    motion = settings.plan_write(SettingKey.MOTION_ARMED, False, ALL, Stream(1))
    assert (motion.section, motion.needs_current) == ("Detect.MotionDetect.[1]", True)
    current = {"Enable": True, "Level": 3}
    assert motion.build(current) == {"Enable": False, "Level": 3}
    assert current == {"Enable": True, "Level": 3}
    human = settings.plan_write(SettingKey.HUMAN_ARMED, True, ALL, Stream(0))
    assert human.section == "Detect.HumanDetection.[0]"
    assert human.build({"Enable": 0}) == {"Enable": 1}  # the firmware's number kept
    with pytest.raises(NotSupported, match="no such detector"):
        human.build([])
    inputs = settings.plan_write(SettingKey.INPUT_ARMED, False, ALL, Stream(3))
    assert inputs.section == settings.LOCAL_ALARM
    assert inputs.build([{"Enable": True, "SensorType": "NO"}, "x", {"Enable": 1}]) == [
        {"Enable": False, "SensorType": "NO"},
        "x",
        {"Enable": 0},
    ]
    with pytest.raises(NotSupported, match="no alarm inputs"):
        inputs.build(["x"])
    mixed = settings.read({settings.LOCAL_ALARM: [{"Enable": True}, {"Enable": False}]}, Stream())
    assert mixed.values == {SettingKey.INPUT_ARMED: False}  # armed when every input is
    unknown = settings.read({settings.LOCAL_ALARM: [{}], "Detect.MotionDetect.[0]": 7}, Stream())
    assert unknown.values == {SettingKey.INPUT_ARMED: None, SettingKey.MOTION_ARMED: None}


def test_unsupported_settings() -> None:
    for key, caps in (
        (SettingKey.LED, ALL),  # the white light is a mode, not a switch
        (SettingKey.WHITE_LIGHT, frozenset()),
        (SettingKey.MOTION_ARMED, frozenset({Capability.HUMAN_ARMING})),
        (SettingKey.INPUT_ARMED, frozenset({Capability.MOTION_ARMING})),
        (SettingKey.ALARM_OUT, frozenset()),
        (SettingKey.ALARM_OUT_2, frozenset({Capability.ALARM_OUT})),
        (SettingKey.RESOLUTION, frozenset()),
        (SettingKey.IR, ALL),
    ):
        with pytest.raises(NotSupported):
            settings.plan_write(key, True, caps, Stream())


@hsettings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(ANSWERS)), st.data())
def test_any_json_anywhere_in_a_section(section: str, data: Any) -> None:
    """Reading or writing a setting over any odd answer raises at most a ``CameraError``."""
    answer = data.draw(mutations(ANSWERS[section]) | JSON)
    stream = Stream(data.draw(st.integers(0, 2)), data.draw(st.booleans()), SIZES)
    settings.read({section: answer}, stream)
    keys = [*settings.ALARM_OUT_KEYS, *settings.ENCODE_KEYS, SettingKey.WHITE_LIGHT]
    keys += [SettingKey.MOTION_ARMED, SettingKey.HUMAN_ARMED, SettingKey.INPUT_ARMED]
    key = data.draw(st.sampled_from(keys))
    value = data.draw(st.sampled_from([True, 10, "640x480", "15", 1024, "on", "auto"]))
    try:
        settings.plan_write(key, value, ALL, stream).build(answer)
    except CameraError:
        pass
