"""IPCamCGI pan/tilt requests (pantiltcontrol.cgi)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custom_components.ipcam.protocols.base import PresetAction, PtzMove
from custom_components.ipcam.protocols.cgi import ptz
from custom_components.ipcam.protocols.errors import InvalidValue, NotSupported


def test_pan_tilt_requests() -> None:
    assert ptz.preset_move(0) == {"PanTiltPresetPositionMove": "0"}
    assert ptz.set_preset(3, 340, 135, "Door") == {
        "PanTiltHorizontal": "340",
        "PanTiltVertical": "135",
        "SetName": "Door",
        "SetPosition": "3",
    }
    assert ptz.clear_preset(24) == {"ClearPosition": "24"}
    assert ptz.swing(2) == {"PanTiltSwingMode": "2"}
    assert ptz.swing(True) == {"PanTiltSwingMode": "2"}
    assert ptz.swing(False) == {"PanTiltSwingMode": "0"}
    assert ptz.move_position(10, 20) == {
        "PanTiltHorizontal": "10",
        "PanTiltVertical": "20",
        "PanTiltPositionMove": "true",
    }


@pytest.mark.parametrize(
    "bad",
    [
        lambda: ptz.preset_move(25),
        lambda: ptz.set_preset(0, 1, 1, "home"),
        lambda: ptz.set_preset(1, 341, 1, "x"),
        lambda: ptz.set_preset(1, 1, 136, "x"),
        lambda: ptz.set_preset(1, 1, 1, "x" * 13),
        lambda: ptz.clear_preset(0),
        lambda: ptz.swing(1),
        lambda: ptz.single_move(2),
        lambda: ptz.single_move(ptz.PanTiltMove.LEFT, 11, 5),
        lambda: ptz.single_move(ptz.PanTiltMove.LEFT, 5, 0),
        lambda: ptz.move_position(-1, 0),
    ],
)
def test_out_of_range_requests(bad: Callable[[], object]) -> None:
    with pytest.raises(InvalidValue):
        bad()


@pytest.mark.parametrize(
    ("move", "speed", "expected"),
    [
        (PtzMove.UP, None, ("5", "5", "1")),
        (PtzMove.LEFT, 10, ("10", "10", "3")),
        (PtzMove.RIGHT, 50, ("10", "10", "5")),  # clamped to the 10-degree maximum
        (PtzMove.DOWN, 0, ("1", "1", "7")),
        (PtzMove.HOME, None, ("5", "5", "4")),
    ],
)
def test_moves(move: PtzMove, speed: int | None, expected: tuple[str, str, str]) -> None:
    params = ptz.for_move(move, speed)
    assert (
        params["PanSingleMoveDegree"],
        params["TiltSingleMoveDegree"],
        params["PanTiltSingleMove"],
    ) == expected


def test_stop_ends_the_swing_and_zoom_is_not_supported() -> None:
    assert ptz.for_move(PtzMove.STOP) == {"PanTiltSwingMode": "0"}
    with pytest.raises(NotSupported):
        ptz.for_move(PtzMove.ZOOM_IN)
    with pytest.raises(InvalidValue):
        ptz.for_move(PtzMove.UP, "fast")  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        ptz.for_move(PtzMove.UP, True)


def test_presets() -> None:
    assert ptz.for_preset(PresetAction.GOTO, 0) == {"PanTiltPresetPositionMove": "0"}
    assert ptz.for_preset(PresetAction.SET, 3, (100, 20))["SetName"] == "Preset 3"
    assert ptz.for_preset(PresetAction.CLEAR, 24) == {"ClearPosition": "24"}
    for action, number in [
        (PresetAction.GOTO, 25),
        (PresetAction.SET, 0),
        (PresetAction.SET, 25),
        (PresetAction.CLEAR, 0),
        (PresetAction.GOTO, -1),
        (PresetAction.GOTO, True),
        (PresetAction.GOTO, "1"),
    ]:
        with pytest.raises(InvalidValue):
            ptz.check_preset(action, number)  # type: ignore[arg-type]
