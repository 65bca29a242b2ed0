"""Bodies of the DVRIP commands the client sends, and the URLs it hands to players.

See docs/protocols/dvrip.md, "PTZ", "Live stream", "Talk-back" and "Players".
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from ..base import PresetAction, PtzMove, host_for_url

PTZ_COMMANDS = {
    PtzMove.UP: "DirectionUp",
    PtzMove.DOWN: "DirectionDown",
    PtzMove.LEFT: "DirectionLeft",
    PtzMove.RIGHT: "DirectionRight",
    PtzMove.ZOOM_IN: "ZoomTile",  # the vendor's spelling
    PtzMove.ZOOM_OUT: "ZoomWide",
}
PRESET_COMMANDS = {
    PresetAction.GOTO: "GotoPreset",
    PresetAction.SET: "SetPreset",
    PresetAction.CLEAR: "ClearPreset",
}
# A direction command with Preset 65535 starts a move; the same command with -1 stops it
# (a "Stop" command is ignored by the firmware).
PTZ_START_PRESET = 65535
PTZ_STOP_PRESET = -1
PTZ_DEFAULT_STEP = 5

# What the speaker is sent: G.711 A-law, 8 kHz (the vendor's own AudioFormat sample).
TALK_FORMAT: dict[str, Any] = {
    "BitRate": 0,
    "EncodeType": "G711_ALAW",
    "SampleBit": 8,
    "SampleRate": 8,
}
RTSP_PORT = 554  # XM cameras' RTSP server, when it is enabled
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def ptz_step(speed: int | None) -> int:
    """The ``Step`` (speed) of a move: 1-8, 5 when not given."""
    return PTZ_DEFAULT_STEP if speed is None else max(1, min(8, int(speed)))


def ptz_control(channel: int, command: str, preset: int, step: int) -> dict[str, Any]:
    """The ``OPPTZControl`` value; always the full Parameter object (some NVRs ignore less)."""
    parameter = {
        "AUX": {"Number": 0, "Status": "On"},
        "Channel": channel,
        "MenuOpts": "Enter",
        "POINT": {"bottom": 0, "left": 0, "right": 0, "top": 0},
        "Pattern": "SetBegin",
        "Preset": preset,
        "Step": step,
        "Tour": 0,
    }
    return {"Command": command, "Parameter": parameter}


def monitor(action: str, channel: int, stream: str) -> dict[str, Any]:
    """The ``OPMonitor`` value for Claim, Start or Stop of one channel's stream."""
    parameter = {"Channel": channel, "CombinMode": "NONE", "StreamType": stream, "TransMode": "TCP"}
    return {"Action": action, "Parameter": parameter}


def talk(action: str) -> dict[str, Any]:
    """The ``OPTalk`` value for Claim, Start or Stop."""
    return {"Action": action, "AudioFormat": TALK_FORMAT}


def go2rtc_source(
    host: str, port: int, username: str, password: str, channel: int, subtype: int
) -> str:
    """go2rtc's ``dvrip://`` source (it carries the credentials: never log it)."""
    user = urllib.parse.quote(username, safe="")
    secret = urllib.parse.quote(password, safe="")
    return (
        f"dvrip://{user}:{secret}@{host_for_url(host)}:{port}?channel={channel}&subtype={subtype}"
    )


def rtsp_url(host: str, username: str, password: str, channel: int, main: bool) -> str:
    """The camera's own RTSP server (port 554; channels count from 1 there; credentials!)."""
    user = urllib.parse.quote(username, safe="")
    secret = urllib.parse.quote(password, safe="")
    return (
        f"rtsp://{host_for_url(host)}:{RTSP_PORT}/user={user}&password={secret}"
        f"&channel={channel + 1}&stream={0 if main else 1}.sdp?real_stream"
    )
