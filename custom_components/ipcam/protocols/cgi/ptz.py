"""IPCamCGI pan/tilt: the ``pantiltcontrol.cgi`` requests (document 5.1.5-5.1.10).

Every request is one command; the camera answers 204 No Content. Moves are
single steps of 1...10 degrees (nothing keeps moving), positions are absolute
(pan 0...340, tilt 0...135) and presets are 1...24 with 0 the home position.
Pure; nothing here does I/O.
"""

from __future__ import annotations

import enum
from typing import Final

from ..base import PresetAction, PtzMove
from ..errors import InvalidValue, NotSupported
from .fields import IntChoice, IntRange, Text, checked

PATH: Final = "/pantiltcontrol.cgi"
PAN_MAX: Final = 340
TILT_MAX: Final = 135
PRESET_MAX: Final = 24
DEGREE_MAX: Final = 10
DEFAULT_DEGREE: Final = 5


class PanTiltMove(enum.IntEnum):
    """``PanTiltSingleMove`` codes (keypad layout; 0/2/6/8 are reserved)."""

    UP = 1
    LEFT = 3
    HOME = 4
    RIGHT = 5
    DOWN = 7


class SwingMode(enum.IntEnum):
    """``PanTiltSwingMode``: 0 off, 2 swing between presets (1 is reserved)."""

    DISABLE = 0
    PRESET = 2


_DEGREE = IntRange(1, DEGREE_MAX)
_MOVES: Final = {
    PtzMove.UP: PanTiltMove.UP,
    PtzMove.DOWN: PanTiltMove.DOWN,
    PtzMove.LEFT: PanTiltMove.LEFT,
    PtzMove.RIGHT: PanTiltMove.RIGHT,
    PtzMove.HOME: PanTiltMove.HOME,
}


def single_move(
    move: PanTiltMove | int, pan_degree: int = DEFAULT_DEGREE, tilt_degree: int = DEFAULT_DEGREE
) -> dict[str, str]:
    """One step (5.1.5)."""
    return {
        "PanSingleMoveDegree": checked(_DEGREE, "PanSingleMoveDegree", pan_degree),
        "TiltSingleMoveDegree": checked(_DEGREE, "TiltSingleMoveDegree", tilt_degree),
        "PanTiltSingleMove": checked(
            IntChoice(tuple(int(m) for m in PanTiltMove)), "PanTiltSingleMove", int(move)
        ),
    }


def preset_move(preset: int) -> dict[str, str]:
    """Go to a preset; 0 is the home position (5.1.6)."""
    return {
        "PanTiltPresetPositionMove": checked(
            IntRange(0, PRESET_MAX), "PanTiltPresetPositionMove", preset
        )
    }


def set_preset(preset: int, pan: int, tilt: int, name: str) -> dict[str, str]:
    """Store a preset 1...24 at (pan, tilt) (5.1.7; 0 is home and cannot be modified)."""
    return {
        "PanTiltHorizontal": checked(IntRange(0, PAN_MAX), "PanTiltHorizontal", pan),
        "PanTiltVertical": checked(IntRange(0, TILT_MAX), "PanTiltVertical", tilt),
        "SetName": checked(Text(12), "SetName", name),
        "SetPosition": checked(IntRange(1, PRESET_MAX), "SetPosition", preset),
    }


def clear_preset(preset: int) -> dict[str, str]:
    """Clear a preset 1...24 (5.1.8)."""
    return {"ClearPosition": checked(IntRange(1, PRESET_MAX), "ClearPosition", preset)}


def swing(mode: SwingMode | int | bool) -> dict[str, str]:
    """Start (2 or True) or stop (0 or False) the preset swing (5.1.9)."""
    if isinstance(mode, bool):
        mode = SwingMode.PRESET if mode else SwingMode.DISABLE
    return {"PanTiltSwingMode": checked(IntChoice((0, 2)), "PanTiltSwingMode", int(mode))}


def move_position(pan: int, tilt: int) -> dict[str, str]:
    """Move to an absolute position (5.1.10)."""
    return {
        "PanTiltHorizontal": checked(IntRange(0, PAN_MAX), "PanTiltHorizontal", pan),
        "PanTiltVertical": checked(IntRange(0, TILT_MAX), "PanTiltVertical", tilt),
        "PanTiltPositionMove": "true",
    }


def for_move(move: PtzMove | str, speed: int | None = None) -> dict[str, str]:
    """The request for a ``CameraClient.ptz()`` move: a step of ``speed`` degrees
    (default 5, clamped to 1...10), HOME, or STOP (which ends a preset swing)."""
    move = PtzMove(move)
    if move is PtzMove.STOP:
        return swing(SwingMode.DISABLE)
    code = _MOVES.get(move)
    if code is None:
        raise NotSupported(f"IPCamCGI cameras cannot {move.value}")
    degree = DEFAULT_DEGREE if speed is None else speed
    if isinstance(degree, bool) or not isinstance(degree, int):
        raise InvalidValue(f"speed must be an integer 1...{DEGREE_MAX}, got {speed!r}")
    degree = max(1, min(DEGREE_MAX, degree))
    return single_move(code, degree, degree)


def check_preset(action: PresetAction | str, preset: int) -> PresetAction:
    """``InvalidValue`` unless ``preset`` suits ``action`` (checked before any request)."""
    action = PresetAction(action)
    if isinstance(preset, bool) or not isinstance(preset, int):
        raise InvalidValue(f"preset must be an integer, got {preset!r}")
    low = 0 if action is PresetAction.GOTO else 1
    if not low <= preset <= PRESET_MAX:
        raise InvalidValue(
            f"preset {preset} is outside {low}...{PRESET_MAX}"
            + ("" if low == 0 else " (0 is home)")
        )
    return action


def for_preset(
    action: PresetAction | str, preset: int, position: tuple[int, int] = (0, 0)
) -> dict[str, str]:
    """The request for ``CameraClient.ptz_preset()``: GOTO 0...24 (0 = home), SET 1...24
    at ``position`` (the current one), CLEAR 1...24."""
    action = check_preset(action, preset)
    if action is PresetAction.GOTO:
        return preset_move(preset)
    if action is PresetAction.CLEAR:
        return clear_preset(preset)
    return set_preset(preset, position[0], position[1], f"Preset {preset}")
