"""Bodies of the DVRIP commands the client sends, and the URLs it hands to players.

See docs/protocols/dvrip.md, "PTZ", "Live stream", "Talk-back", "Alarms" and
"Players".
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from ..base import PresetAction, PtzMove, PtzPreset, StreamSource, host_for_url
from ..errors import InvalidValue, NotSupported, ProtocolError
from .codes import MsgId

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
# No source shows a way to list a camera's presets or their names: the presets offered
# are these numbers (the preset commands take any of 1-255).
LISTED_PRESETS = tuple(PtzPreset(number) for number in range(1, 17))

# What the speaker is sent: G.711 A-law, 8 kHz (the vendor's own AudioFormat sample).
TALK_FORMAT: dict[str, Any] = {
    "BitRate": 0,
    "EncodeType": "G711_ALAW",
    "SampleBit": 8,
    "SampleRate": 8,
}
RTSP_PORT = 554  # XM cameras' RTSP server, when it is enabled
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def time_text(when: dt.datetime) -> str:
    """A device-local time as OPTimeSetting takes it."""
    return when.strftime(TIME_FORMAT)


def parse_time(value: object) -> dt.datetime:
    """OPTimeQuery's answer (device local time); ``ProtocolError`` when unreadable."""
    try:
        return dt.datetime.strptime(value if isinstance(value, str) else "", TIME_FORMAT)
    except ValueError:
        raise ProtocolError("the camera sent an unreadable time") from None


def ptz_step(speed: int | None) -> int:
    """The ``Step`` (speed) of a move: 1-8, 5 when not given."""
    return PTZ_DEFAULT_STEP if speed is None else max(1, min(8, int(speed)))


class PtzMoves:
    """Which ``(command, preset, step)`` each move sends.

    A move runs until the same command comes again with Preset -1, so a new
    direction first stops the running one, and STOP repeats the running command
    (DirectionUp when none is known).
    """

    def __init__(self) -> None:
        self.running: str | None = None

    def commands(self, move: PtzMove, speed: int | None) -> list[tuple[str, int, int]]:
        step = ptz_step(speed)
        if move == PtzMove.STOP:
            command, self.running = self.running or "DirectionUp", None
            return [(command, PTZ_STOP_PRESET, step)]
        new = PTZ_COMMANDS.get(move)
        if new is None:
            raise NotSupported(f"PTZ {move.value} is not supported by DVRIP")
        sent = []
        if self.running is not None and self.running != new:
            sent.append((self.running, PTZ_STOP_PRESET, step))
        self.running = new
        return [*sent, (new, PTZ_START_PRESET, step)]


def preset_command(action: PresetAction, preset: int) -> tuple[str, int, int]:
    """The ``(command, preset, step)`` of a preset action; presets are 1-255."""
    if not 1 <= preset <= 255:
        raise InvalidValue("preset must be between 1 and 255")
    return PRESET_COMMANDS[PresetAction(action)], preset, PTZ_DEFAULT_STEP


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


Message = tuple[int, str, object]  # message id, name, value


@dataclass(frozen=True, slots=True)
class Opening:
    """How a connection of its own starts and ends: a claim whose reply must succeed, a
    message sent without waiting for a reply (Start, Guard), and the goodbye said before
    hanging up (Stop, Unguard)."""

    claim: Message | None
    start: Message
    goodbye: Message
    what: str = ""  # the claim, for errors


def live_opening(channel: int, stream: str) -> Opening:
    """A live stream: 1413 Claim, 1410 Start, 1410 Stop (see "Live stream")."""
    name = "OPMonitor"
    return Opening(
        (MsgId.MONITOR_CLAIM, name, monitor("Claim", channel, stream)),
        (MsgId.MONITOR, name, monitor("Start", channel, stream)),
        (MsgId.MONITOR, name, monitor("Stop", channel, stream)),
        "the stream claim",
    )


# Talk: 1434 Claim, 1430 Start, 1430 Stop (see "Talk-back"); alarms: Guard, which some
# firmware never answers although it pushes alarms, and Unguard (see "Alarms").
TALK_OPENING = Opening(
    (MsgId.TALK_CLAIM, "OPTalk", talk("Claim")),
    (MsgId.TALK, "OPTalk", talk("Start")),
    (MsgId.TALK, "OPTalk", talk("Stop")),
    "the talk claim",
)
ALARM_OPENING = Opening(None, (MsgId.GUARD, "", None), (MsgId.UNGUARD, "", None))


@dataclass(frozen=True, slots=True)
class StreamUrls:
    """Where players other than the integration's relay open this stream (with credentials:
    never log these URLs)."""

    host: str
    port: int
    username: str
    password: str = field(repr=False)
    channel: int = 0
    extra: bool = False

    def go2rtc(self, subtype: int) -> str:
        """go2rtc's ``dvrip://`` source (its WebRTC path; ffmpeg and HLS cannot open it)."""
        user = urllib.parse.quote(self.username, safe="")
        secret = urllib.parse.quote(self.password, safe="")
        host = host_for_url(self.host)
        return (
            f"dvrip://{user}:{secret}@{host}:{self.port}?channel={self.channel}&subtype={subtype}"
        )

    def rtsp(self) -> str:
        """The camera's own RTSP server (port 554; its channels count from 1)."""
        user = urllib.parse.quote(self.username, safe="")
        secret = urllib.parse.quote(self.password, safe="")
        return (
            f"rtsp://{host_for_url(self.host)}:{RTSP_PORT}/user={user}&password={secret}"
            f"&channel={self.channel + 1}&stream={1 if self.extra else 0}.sdp?real_stream"
        )

    def for_source(self, source: StreamSource | None, relay_url: str | None) -> str | None:
        """The URL for the user's choice of stream source (the relay by default)."""
        if source is StreamSource.RTSP:
            return self.rtsp()
        if source is StreamSource.GO2RTC:
            return self.go2rtc(subtype=1 if self.extra else 0)
        return relay_url
