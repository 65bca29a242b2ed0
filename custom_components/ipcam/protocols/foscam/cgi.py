"""HTTP CGI vocabulary of the legacy Foscam cameras, sans-I/O.

The same port serves the binary protocol and these CGIs. ``get_*.cgi`` answers
are lines ``var name=value;``. Credentials go in an HTTP Basic header, or in
``user=``/``pwd=`` query parameters for cameras that refuse Basic; ``CgiAuth``
remembers which one works so each request costs one login. See
docs/protocols/foscam.md, "HTTP CGIs".
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping

from ..base import EventKind, PresetAction, PtzMove
from ..errors import AuthError, InvalidValue, NotSupported, ProtocolError

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


def preset_command(action: PresetAction, preset: int) -> int:
    """Set preset n = 30 + 2(n-1), go to preset n = 31 + 2(n-1); n in 1..16."""
    if not 1 <= preset <= MAX_PRESET:
        raise InvalidValue(f"preset must be between 1 and {MAX_PRESET}")
    if action is PresetAction.SET:
        return Decoder.PRESET_SET_BASE + 2 * (preset - 1)
    if action is PresetAction.GOTO:
        return Decoder.PRESET_GOTO_BASE + 2 * (preset - 1)
    raise NotSupported("this camera cannot clear presets")


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


# --- requests and answers -----------------------------------------------------------------------


class AuthMethod(enum.Enum):
    BASIC = "basic"  # preferred: the password never appears in a URL
    QUERY = "query"  # user=/pwd= for firmware that refuses Basic


class CgiAuth:
    """Which way of passing credentials a camera accepts, learnt from its answers.

    Until one has worked, a request tries Basic, then the query; afterwards only
    the one that worked. When that one is refused the credentials are wrong (one
    login spent, not two), and the next request tries both again.
    """

    def __init__(self) -> None:
        self.method: AuthMethod | None = None

    def methods(self) -> tuple[AuthMethod, ...]:
        if self.method is not None:
            return (self.method,)
        return (AuthMethod.BASIC, AuthMethod.QUERY)

    def accepted(self, method: AuthMethod) -> bool:
        """Note a success; True when this is news (the first success of ``method``)."""
        new = self.method is not method
        self.method = method
        return new

    def refused(self, method: AuthMethod) -> None:
        if self.method is method:
            self.method = None


def query_for(
    params: Mapping[str, str | int], method: AuthMethod, username: str, password: str
) -> dict[str, str]:
    """The query string parameters of one request."""
    query = {key: str(value) for key, value in params.items()}
    if method is AuthMethod.QUERY:
        query.update(user=username, pwd=password)
    return query


def check_status(name: str, status: int) -> None:
    """Raise the typed error for a CGI's HTTP status (401 is handled by the caller)."""
    if status == 404:
        raise NotSupported(f"the camera has no {name}")
    if status == 401:
        raise AuthError(f"the camera rejected the credentials for {name}")
    if status != 200:
        raise ProtocolError(f"HTTP {name} answered status {status}")


def is_error_body(body: bytes) -> bool:
    """Command CGIs answer ``ok.`` or ``error...`` with status 200."""
    return body.strip().lower().startswith(b"error")


def check_jpeg(body: bytes) -> bytes:
    """``snapshot.cgi``'s body when it is a whole JPEG."""
    if body[:2] != b"\xff\xd8" or not body.rstrip(b"\r\n\x00").endswith(b"\xff\xd9"):
        raise ProtocolError("snapshot.cgi did not return a (whole) JPEG")
    return body


def decode_vars(body: bytes) -> dict[str, str]:
    """A ``get_*.cgi`` body (any bytes) as {name: value}."""
    return parse_vars(body.decode("latin-1"))


ALARM_STATUS: dict[str, EventKind] = {
    "1": EventKind.MOTION,
    "2": EventKind.INPUT,
    "3": EventKind.SOUND,
}


def resolution_of(values: dict[str, str]) -> str | None:
    """``get_camera_params.cgi``'s resolution as WIDTHxHEIGHT (None when unknown)."""
    code = values.get("resolution", "")
    return RESOLUTIONS.get(int(code)) if code.isdigit() and len(code) < 6 else None


def as_bool(value: bool | int | str) -> bool:
    """A switch value from a service call ("on", "off", True, 0, ...)."""
    if not isinstance(value, str):
        return bool(value)
    lowered = value.strip().lower()
    if lowered in ("on", "true", "1", "yes"):
        return True
    if lowered in ("off", "false", "0", "no"):
        return False
    raise InvalidValue(f"not a boolean: {value!r}")


def resolution_code(value: bool | int | str) -> int:
    """``camera_control.cgi``'s code for a WIDTHxHEIGHT value."""
    code = RESOLUTION_CODES.get(str(value))
    if code is None:
        raise InvalidValue(f"resolution must be one of {sorted(RESOLUTION_CODES)}")
    return code


class PtzCommands:
    """``decoder_control`` numbers for pan/tilt moves; a stop matches the last move."""

    def __init__(self, *, swap_left_right: bool = True) -> None:
        self._swap = swap_left_right
        self._stop: int = Decoder.STOP_UP

    def command(self, move: PtzMove) -> int:
        if move is PtzMove.STOP:
            return self._stop
        if move is PtzMove.HOME:
            return Decoder.CENTER
        command, self._stop = ptz_command(move, swap_left_right=self._swap)
        return command


def setting_request(key: str, value: bool | int | str) -> tuple[str, dict[str, str | int]]:
    """The CGI and parameters that write one setting (IR lamp or resolution)."""
    if key == "ir":
        return "decoder_control.cgi", {"command": IR_ON if as_bool(value) else IR_OFF}
    if key == "resolution":
        return "camera_control.cgi", {"param": PARAM_RESOLUTION, "value": resolution_code(value)}
    raise NotSupported(f"setting {key!r} is not supported by this camera")
