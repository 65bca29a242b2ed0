"""The simulated camera's pan/tilt head: ``pantiltcontrol.cgi`` commands and their effect.

One command per request (``docs/protocols/cgi.md``, "Pan/tilt"): a step of 1...10
degrees (1 up, 3 left, 4 home, 5 right, 7 down; 0/2/6/8 reserved), go to a
preset (0 = home), store or clear a preset 1...24, swing between the presets
(2) or stop (0), move to an absolute position. Anything else is a 400.
"""

from __future__ import annotations

from typing import Final

from custom_components.ipcam.protocols.cgi.ptz import PAN_MAX, PRESET_MAX, TILT_MAX
from custom_components.ipcam.protocols.cgi.query import norm_name

from .requests import BadRequest

HOME: Final = (170, 67)

# Each command and the other parameters it may come with.
_COMMANDS: Final = {
    "pantiltsinglemove": {"pansinglemovedegree", "tiltsinglemovedegree"},
    "pantiltpresetpositionmove": set(),
    "setposition": {"pantilthorizontal", "pantiltvertical", "setname"},
    "clearposition": set(),
    "pantiltswingmode": set(),
    "pantiltpositionmove": {"pantilthorizontal", "pantiltvertical"},
}


class PanTiltHead:
    """Position, presets and swing mode; ``command`` applies one request's parameters."""

    def __init__(self) -> None:
        self.pan, self.tilt = HOME
        self.presets: dict[int, tuple[int, int, str]] = {}
        self.swing = 0

    def command(self, params: list[tuple[str, str]]) -> None:
        """Apply one request; ``BadRequest`` (nothing changed) when it is not valid."""
        given: dict[str, str] = {}
        for name, value in params:
            key = norm_name(name)
            if key in given:
                raise BadRequest(f"{name} given twice")
            given[key] = value.strip()
        present = set(_COMMANDS) & set(given)
        if len(present) != 1:
            raise BadRequest("exactly one pan/tilt command per request")
        command = present.pop()
        extra = set(given) - {command} - _COMMANDS[command]
        if extra:
            raise BadRequest(f"unexpected parameter(s) {sorted(extra)}")
        getattr(self, f"_{command}")(_Numbers(given), given)

    def _pantiltsinglemove(self, number: _Numbers, given: dict[str, str]) -> None:
        move = number("pantiltsinglemove", 0, 8)
        if move not in (1, 3, 4, 5, 7):
            raise BadRequest(f"PanTiltSingleMove={move} is reserved")
        pan_step = number("pansinglemovedegree", 1, 10, 5)
        tilt_step = number("tiltsinglemovedegree", 1, 10, 5)
        self.swing = 0
        if move == 4:
            self.pan, self.tilt = HOME
        elif move == 1:
            self.tilt = min(TILT_MAX, self.tilt + tilt_step)
        elif move == 7:
            self.tilt = max(0, self.tilt - tilt_step)
        elif move == 3:
            self.pan = max(0, self.pan - pan_step)
        else:
            self.pan = min(PAN_MAX, self.pan + pan_step)

    def _pantiltpresetpositionmove(self, number: _Numbers, given: dict[str, str]) -> None:
        preset = number("pantiltpresetpositionmove", 0, PRESET_MAX)
        if preset != 0 and preset not in self.presets:
            raise BadRequest(f"preset {preset} is not set")
        self.swing = 0
        self.pan, self.tilt = HOME if preset == 0 else self.presets[preset][:2]

    def _setposition(self, number: _Numbers, given: dict[str, str]) -> None:
        preset = number("setposition", 0, PRESET_MAX)
        if preset == 0:
            raise BadRequest("the home position cannot be modified")
        pan = number("pantilthorizontal", 0, PAN_MAX, self.pan)
        tilt = number("pantiltvertical", 0, TILT_MAX, self.tilt)
        name = given.get("setname", f"Preset {preset}")
        if len(name) > 12:
            raise BadRequest("SetName is longer than 12 characters")
        self.presets[preset] = (pan, tilt, name)

    def _clearposition(self, number: _Numbers, given: dict[str, str]) -> None:
        preset = number("clearposition", 0, PRESET_MAX)
        if preset == 0:
            raise BadRequest("the home position cannot be cleared")
        self.presets.pop(preset, None)

    def _pantiltswingmode(self, number: _Numbers, given: dict[str, str]) -> None:
        mode = number("pantiltswingmode", 0, 2)
        if mode == 1:
            raise BadRequest("PanTiltSwingMode=1 is reserved")
        if mode == 2 and not self.presets:
            raise BadRequest("no preset to swing between")
        self.swing = mode

    def _pantiltpositionmove(self, number: _Numbers, given: dict[str, str]) -> None:
        if given["pantiltpositionmove"].lower() != "true":
            raise BadRequest("PanTiltPositionMove must be true")
        pan = number("pantilthorizontal", 0, PAN_MAX)
        tilt = number("pantiltvertical", 0, TILT_MAX)
        self.swing = 0
        self.pan, self.tilt = pan, tilt

    def swing_step(self, index: int) -> None:
        """Go to the ``index``-th preset (in number order, cycling) of the swing."""
        if self.presets:
            ordered = sorted(self.presets)
            self.pan, self.tilt, _ = self.presets[ordered[index % len(ordered)]]


class _Numbers:
    """Integer parameters of one request, range-checked (``BadRequest`` otherwise)."""

    def __init__(self, given: dict[str, str]) -> None:
        self._given = given

    def __call__(self, key: str, low: int, high: int, default: int | None = None) -> int:
        if key not in self._given:
            if default is None:
                raise BadRequest(f"missing {key}")
            return default
        text = self._given[key]
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or not low <= int(text) <= high:
            raise BadRequest(f"{key}={text!r} is outside {low}...{high}")
        return int(text)
