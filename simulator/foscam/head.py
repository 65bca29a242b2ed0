"""The simulated Foscam camera's head: ``decoder_control`` moves, presets and the IR lamp."""

from __future__ import annotations

from typing import TYPE_CHECKING

from custom_components.ipcam.protocols.foscam import cgi

from .http import physical_direction, preset_from_command

if TYPE_CHECKING:
    from .camera import FoscamCamera


def apply_decoder_command(camera: FoscamCamera, command: int) -> bool:
    """Move the simulated head (pan/tilt, presets, IR) as a ``decoder_control`` command says;
    False when the command is unknown."""
    direction = physical_direction(command)
    if direction is not None:
        camera.moving = direction
        if direction == "left":
            camera.pan = max(camera.pan - 10, -180)
        elif direction == "right":
            camera.pan = min(camera.pan + 10, 180)
        elif direction == "up":
            camera.tilt = min(camera.tilt + 10, 90)
        else:
            camera.tilt = max(camera.tilt - 10, -90)
        return True
    if command in (
        cgi.Decoder.STOP_UP,
        cgi.Decoder.STOP_DOWN,
        cgi.Decoder.STOP_DOC_LEFT,
        cgi.Decoder.STOP_DOC_RIGHT,
    ):
        camera.moving = None
        return True
    if command == cgi.Decoder.CENTER:
        camera.pan = camera.tilt = 0
        camera.moving = None
        return True
    if command in (cgi.IR_ON, cgi.IR_OFF):
        camera.ir = command == cgi.IR_ON
        return True
    preset = preset_from_command(command)
    if preset is not None:
        action, number = preset
        if action.value == "set":
            camera.presets[number] = (camera.pan, camera.tilt)
        elif number in camera.presets:
            camera.pan, camera.tilt = camera.presets[number]
        return True
    return 8 <= command <= 29 or 90 <= command <= 93
