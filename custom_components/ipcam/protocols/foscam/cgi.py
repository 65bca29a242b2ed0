"""HTTP CGI vocabulary of the legacy Foscam cameras (notes §11), sans-I/O.

The same port serves the binary protocol and these CGIs. ``get_*.cgi`` answers
are lines ``var name=value;``.
"""

from __future__ import annotations

import enum
import re

from ..base import PresetAction, PtzMove
from ..errors import InvalidValue, NotSupported

MAX_CGI_BODY = 64 * 1024  # get_params.cgi is a few KiB
MAX_SNAPSHOT = 2 * 1024 * 1024


class Decoder(enum.IntEnum):
    """``decoder_control.cgi?command=`` numbers as documented by Foscam.

    LEFT/RIGHT are the document's names; real cameras move the other way (see
    ``ptz_command``).
    """

    UP = 0
    STOP_UP = 1
    DOWN = 2
    STOP_DOWN = 3
    DOC_LEFT = 4  # physically right
    STOP_DOC_LEFT = 5
    DOC_RIGHT = 6  # physically left
    STOP_DOC_RIGHT = 7
    CENTER = 25
    VERTICAL_PATROL = 26
    STOP_VERTICAL_PATROL = 27
    HORIZONTAL_PATROL = 28
    STOP_HORIZONTAL_PATROL = 29
    PRESET_SET_BASE = 30
    PRESET_GOTO_BASE = 31
    IO_HIGH = 94  # IR off
    IO_LOW = 95  # IR on / auto


MAX_PRESET = 16
IR_OFF = Decoder.IO_HIGH
IR_ON = Decoder.IO_LOW

# Physical direction -> (move command, stop command) with the left/right swap of
# real FI89xx cameras applied (ZoneMinder, GRISON, IPCAMREMOTE).
_PHYSICAL: dict[PtzMove, tuple[int, int]] = {
    PtzMove.UP: (Decoder.UP, Decoder.STOP_UP),
    PtzMove.DOWN: (Decoder.DOWN, Decoder.STOP_DOWN),
    PtzMove.LEFT: (Decoder.DOC_RIGHT, Decoder.STOP_DOC_RIGHT),
    PtzMove.RIGHT: (Decoder.DOC_LEFT, Decoder.STOP_DOC_LEFT),
}


def ptz_command(move: PtzMove, *, swap_left_right: bool = True) -> tuple[int, int]:
    """(command, matching stop command) for a physical direction."""
    if move not in _PHYSICAL:
        raise NotSupported(f"pan/tilt move {move.value!r} is not supported by this camera")
    command, stop = _PHYSICAL[move]
    if not swap_left_right and move in (PtzMove.LEFT, PtzMove.RIGHT):
        other = PtzMove.RIGHT if move is PtzMove.LEFT else PtzMove.LEFT
        command, stop = _PHYSICAL[other]
    return command, stop


def physical_direction(command: int, *, swap_left_right: bool = True) -> str | None:
    """The direction a real camera moves for a command (the simulator uses this)."""
    for move, (code, _stop) in _PHYSICAL.items():
        if code == command:
            if not swap_left_right and move in (PtzMove.LEFT, PtzMove.RIGHT):
                return "right" if move is PtzMove.LEFT else "left"
            return move.value
    return None


def preset_command(action: PresetAction, preset: int) -> int:
    """Set preset n = 30 + 2(n-1), go to preset n = 31 + 2(n-1); n in 1..16."""
    if not 1 <= preset <= MAX_PRESET:
        raise InvalidValue(f"preset must be between 1 and {MAX_PRESET}")
    if action is PresetAction.SET:
        return Decoder.PRESET_SET_BASE + 2 * (preset - 1)
    if action is PresetAction.GOTO:
        return Decoder.PRESET_GOTO_BASE + 2 * (preset - 1)
    raise NotSupported("this camera cannot clear presets")


def preset_from_command(command: int) -> tuple[PresetAction, int] | None:
    """Inverse of ``preset_command`` (None for other commands)."""
    offset = command - Decoder.PRESET_SET_BASE
    if 0 <= offset < 2 * MAX_PRESET:
        action = PresetAction.SET if offset % 2 == 0 else PresetAction.GOTO
        return action, offset // 2 + 1
    return None


# camera_control.cgi param numbers and resolution codes
PARAM_RESOLUTION = 0
PARAM_BRIGHTNESS = 1
PARAM_CONTRAST = 2
PARAM_MODE = 3
PARAM_FLIP = 5
RESOLUTIONS: dict[int, str] = {8: "320x240", 32: "640x480"}
RESOLUTION_CODES: dict[str, int] = {v: k for k, v in RESOLUTIONS.items()}

_VAR = re.compile(r"^\s*var\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*;?\s*$")


def parse_vars(body: str) -> dict[str, str]:
    """``var name=value;`` lines -> {name: value}; quotes around strings are removed."""
    values: dict[str, str] = {}
    for line in body.splitlines():
        match = _VAR.match(line)
        if match is None:
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def format_vars(values: dict[str, str | int]) -> str:
    """{name: value} -> ``var name=value;`` lines (strings quoted, like the cameras)."""
    lines = []
    for name, value in values.items():
        text = str(value) if isinstance(value, int) else "'" + value.replace("'", "") + "'"
        lines.append(f"var {name}={text};")
    return "\n".join(lines) + "\n"
