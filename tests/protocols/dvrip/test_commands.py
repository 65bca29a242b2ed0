"""Bodies of the DVRIP commands, PTZ move sequences, time strings and the players' URLs."""

from __future__ import annotations

import datetime as dt

import pytest

from custom_components.ipcam.protocols.base import PresetAction, PtzMove, PtzPreset, StreamSource
from custom_components.ipcam.protocols.dvrip import commands
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from custom_components.ipcam.protocols.dvrip.commands import PtzMoves, StreamUrls
from custom_components.ipcam.protocols.errors import InvalidValue, NotSupported, ProtocolError

START, STOP = commands.PTZ_START_PRESET, commands.PTZ_STOP_PRESET


def test_ptz_moves_start_and_stop_with_the_same_command() -> None:
    moves = PtzMoves()
    assert moves.commands(PtzMove.LEFT, 8) == [("DirectionLeft", START, 8)]
    # A new direction first stops the running one.
    assert moves.commands(PtzMove.UP, None) == [
        ("DirectionLeft", STOP, 5),
        ("DirectionUp", START, 5),
    ]
    assert moves.commands(PtzMove.UP, 99) == [("DirectionUp", START, 8)]  # step clamped to 1-8
    assert moves.commands(PtzMove.STOP, 0) == [("DirectionUp", STOP, 1)]
    assert moves.running is None
    # STOP with nothing known to run repeats DirectionUp (a "Stop" command is ignored).
    assert moves.commands(PtzMove.STOP, None) == [("DirectionUp", STOP, 5)]
    assert moves.commands(PtzMove.ZOOM_IN, None) == [("ZoomTile", START, 5)]
    with pytest.raises(NotSupported):
        moves.commands(PtzMove.HOME, None)


def test_presets() -> None:
    # No preset list or names in the protocol: presets 1-16 by number.
    assert tuple(PtzPreset(n) for n in range(1, 17)) == commands.LISTED_PRESETS
    assert commands.preset_command(PresetAction.GOTO, 4) == ("GotoPreset", 4, 5)
    assert commands.preset_command(PresetAction.SET, 255) == ("SetPreset", 255, 5)
    assert commands.preset_command(PresetAction.CLEAR, 1) == ("ClearPreset", 1, 5)
    for preset in (0, 256):
        with pytest.raises(InvalidValue):
            commands.preset_command(PresetAction.GOTO, preset)


def test_ptz_control_always_has_the_full_parameter() -> None:
    assert commands.ptz_control(2, "DirectionRight", START, 5) == {
        "Command": "DirectionRight",
        "Parameter": {
            "AUX": {"Number": 0, "Status": "On"},
            "Channel": 2,
            "MenuOpts": "Enter",
            "POINT": {"bottom": 0, "left": 0, "right": 0, "top": 0},
            "Pattern": "SetBegin",
            "Preset": START,
            "Step": 5,
            "Tour": 0,
        },
    }


def test_monitor_and_talk_bodies() -> None:
    assert commands.monitor("Claim", 3, "Extra") == {
        "Action": "Claim",
        "Parameter": {
            "Channel": 3,
            "CombinMode": "NONE",
            "StreamType": "Extra",
            "TransMode": "TCP",
        },
    }
    assert commands.talk("Start") == {
        "Action": "Start",
        "AudioFormat": {"BitRate": 0, "EncodeType": "G711_ALAW", "SampleBit": 8, "SampleRate": 8},
    }


def test_time() -> None:
    when = dt.datetime(2009, 9, 24, 9, 8, 50)
    assert commands.time_text(when) == "2009-09-24 09:08:50"
    assert commands.parse_time("2009-09-24 09:08:50") == when
    for value in ("0000-00-00 00:00:00", 20090924, None, "x" * 1000):
        with pytest.raises(ProtocolError):
            commands.parse_time(value)


def test_urls_quote_credentials() -> None:
    urls = StreamUrls("192.0.2.7", 34567, "ad min", "p@ss:w/rd", 1, extra=False)
    assert urls.go2rtc(0) == "dvrip://ad%20min:p%40ss%3Aw%2Frd@192.0.2.7:34567?channel=1&subtype=0"
    assert urls.rtsp() == (
        "rtsp://192.0.2.7:554/user=ad%20min&password=p%40ss%3Aw%2Frd&channel=2&stream=0.sdp"
        "?real_stream"
    )
    assert "p@ss" not in repr(urls)


def test_urls_for_each_stream_source() -> None:
    urls = StreamUrls("fe80::1", 34567, "admin", "", 0, extra=True)
    assert urls.for_source(StreamSource.RTSP, "http://relay") == (
        "rtsp://[fe80::1]:554/user=admin&password=&channel=1&stream=1.sdp?real_stream"
    )
    assert urls.for_source(StreamSource.GO2RTC, None) == (
        "dvrip://admin:@[fe80::1]:34567?channel=0&subtype=1"
    )
    assert urls.for_source(StreamSource.RELAY, "http://relay") == "http://relay"
    assert urls.for_source(None, None) is None


def test_what_opens_a_connection_of_its_own() -> None:
    live = commands.live_opening(2, "Extra")
    assert live.claim == (MsgId.MONITOR_CLAIM, "OPMonitor", commands.monitor("Claim", 2, "Extra"))
    assert live.start == (MsgId.MONITOR, "OPMonitor", commands.monitor("Start", 2, "Extra"))
    assert live.goodbye == (MsgId.MONITOR, "OPMonitor", commands.monitor("Stop", 2, "Extra"))
    assert commands.TALK_OPENING.claim == (MsgId.TALK_CLAIM, "OPTalk", commands.talk("Claim"))
    assert commands.TALK_OPENING.goodbye == (MsgId.TALK, "OPTalk", commands.talk("Stop"))
    # Guard is not waited for (some firmware never answers it); Unguard says goodbye.
    alarm = commands.ALARM_OPENING
    assert (alarm.claim, alarm.start, alarm.goodbye) == (
        None,
        (MsgId.GUARD, "", None),
        (MsgId.UNGUARD, "", None),
    )
