"""The CGI vocabulary: pan/tilt numbers, presets, var lines, which credentials work."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import EventKind, PresetAction, PtzMove
from custom_components.ipcam.protocols.errors import (
    AuthError,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from custom_components.ipcam.protocols.foscam import cgi
from simulator.foscam.http import format_vars, physical_direction, preset_from_command


def test_ptz_left_right_are_swapped_for_real_cameras() -> None:
    assert cgi.ptz_command(PtzMove.LEFT) == (6, 7)
    assert cgi.ptz_command(PtzMove.RIGHT) == (4, 5)
    assert cgi.ptz_command(PtzMove.UP) == (0, 1)
    assert cgi.ptz_command(PtzMove.DOWN) == (2, 3)
    assert cgi.ptz_command(PtzMove.LEFT, swap_left_right=False) == (4, 5)
    assert physical_direction(6) == "left"
    assert physical_direction(4) == "right"
    assert physical_direction(6, swap_left_right=False) == "right"
    assert physical_direction(99) is None
    with pytest.raises(NotSupported):
        cgi.ptz_command(PtzMove.ZOOM_IN)


def test_ptz_stop_matches_the_last_move() -> None:
    commands = cgi.PtzCommands()
    assert commands.command(PtzMove.STOP) == cgi.Decoder.STOP_UP
    assert commands.command(PtzMove.LEFT) == 6
    assert commands.command(PtzMove.STOP) == 7
    assert commands.command(PtzMove.HOME) == cgi.Decoder.CENTER


def test_preset_numbering() -> None:
    assert cgi.preset_command(PresetAction.SET, 1) == 30
    assert cgi.preset_command(PresetAction.GOTO, 1) == 31
    assert cgi.preset_command(PresetAction.SET, 16) == 60
    assert cgi.preset_command(PresetAction.GOTO, 16) == 61
    assert preset_from_command(61) == (PresetAction.GOTO, 16)
    assert preset_from_command(62) is None
    with pytest.raises(InvalidValue):
        cgi.preset_command(PresetAction.GOTO, 17)
    with pytest.raises(NotSupported):
        cgi.preset_command(PresetAction.CLEAR, 1)


def test_var_lines() -> None:
    body = "var id='00626E4E72BF';\nvar alarm_status=1;\r\nvar alias=\"cam 1\";\ngarbage\n"
    assert cgi.parse_vars(body) == {"id": "00626E4E72BF", "alarm_status": "1", "alias": "cam 1"}
    assert cgi.parse_vars(format_vars({"a": 1, "b": "x"})) == {"a": "1", "b": "x"}
    assert cgi.decode_vars(b"var x=\xff;") == {"x": "\xff"}
    assert cgi.ALARM_STATUS.get("3") is EventKind.SOUND


def test_resolution_and_settings() -> None:
    assert cgi.resolution_of({"resolution": "8"}) == "320x240"
    assert cgi.resolution_of({"resolution": "99999999"}) is None
    assert cgi.resolution_of({}) is None
    assert cgi.setting_request("ir", "on") == ("decoder_control.cgi", {"command": cgi.IR_ON})
    assert cgi.setting_request("ir", False) == ("decoder_control.cgi", {"command": cgi.IR_OFF})
    assert cgi.setting_request("resolution", "640x480") == (
        "camera_control.cgi",
        {"param": 0, "value": 32},
    )
    with pytest.raises(InvalidValue):
        cgi.setting_request("resolution", "1920x1080")
    with pytest.raises(InvalidValue):
        cgi.setting_request("ir", "maybe")
    with pytest.raises(NotSupported):
        cgi.setting_request("led", True)


def test_answers() -> None:
    cgi.check_status("x.cgi", 200)
    with pytest.raises(NotSupported):
        cgi.check_status("x.cgi", 404)
    with pytest.raises(AuthError):
        cgi.check_status("x.cgi", 401)
    with pytest.raises(ProtocolError):
        cgi.check_status("x.cgi", 500)
    assert cgi.is_error_body(b" Error: command\r\n")
    assert not cgi.is_error_body(b"ok.\r\n")
    assert cgi.check_jpeg(b"\xff\xd8..\xff\xd9\r\n") == b"\xff\xd8..\xff\xd9\r\n"
    with pytest.raises(ProtocolError):
        cgi.check_jpeg(b"\xff\xd8 cut short")


def test_credentials_method_is_learnt_and_kept() -> None:
    auth = cgi.CgiAuth()
    assert auth.methods() == (cgi.AuthMethod.BASIC, cgi.AuthMethod.QUERY)
    auth.refused(cgi.AuthMethod.BASIC)
    assert auth.accepted(cgi.AuthMethod.QUERY) is True
    assert auth.accepted(cgi.AuthMethod.QUERY) is False  # no news the second time
    assert auth.methods() == (cgi.AuthMethod.QUERY,)  # one login per request from now on
    auth.refused(cgi.AuthMethod.QUERY)  # the password changed: try both again next time
    assert auth.methods() == (cgi.AuthMethod.BASIC, cgi.AuthMethod.QUERY)
    assert cgi.query_for({"a": 1}, cgi.AuthMethod.QUERY, "u", "p") == {
        "a": "1",
        "user": "u",
        "pwd": "p",
    }
    assert cgi.query_for({"a": 1}, cgi.AuthMethod.BASIC, "u", "p") == {"a": "1"}
