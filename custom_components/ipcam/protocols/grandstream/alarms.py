"""What an MCTP alarm from the camera means. The format is UNCONFIRMED: it is detected.

No public source shows what a Grandstream camera sends when an alarm fires: the
vendor document only says that the connection subscribed with session
``FFFFFFFF`` receives "all the alarms from both connected alarm equipment and
motion detector". So:

- any camera->client message whose verb is not ALIVE or TALK is an alarm;
- its kind, channel and state are read from whatever it carries (below);
- its raw text is always kept, so a capture from a real camera can correct this.

The simulator pushes ``CMD:ALARM MCTP/1.0 SC`` / ``@<channel>@<MOTION|INPUT|ALARM>@<1|0>`` /
``END``, which is what this reads best (``docs/protocols/grandstream.md``, "Alarms").
"""

from __future__ import annotations

from ..base import CameraEvent, EventKind
from .mctp import CLIENT_TO_SERVER, MctpMessage
from .values import ascii_decimal

_KIND_WORDS: dict[str, EventKind] = {
    "MOTION": EventKind.MOTION,
    "MD": EventKind.MOTION,
    "MOTION_DETECT": EventKind.MOTION,
    "INPUT": EventKind.INPUT,
    "IO": EventKind.INPUT,
    "ALARMIN": EventKind.INPUT,
    "ALARM_IN": EventKind.INPUT,
    "SENSOR": EventKind.INPUT,
    "VIDEOLOSS": EventKind.VIDEO_LOSS,
    "VIDEO_LOSS": EventKind.VIDEO_LOSS,
    "TAMPER": EventKind.TAMPER,
}
_ACTIVE_WORDS = {"1": True, "ON": True, "START": True, "0": False, "OFF": False, "STOP": False}
MAX_CHANNEL = 7


def is_alarm(message: MctpMessage) -> bool:
    """Any camera->client command other than ALIVE and TALK counts as an alarm."""
    return message.direction != CLIENT_TO_SERVER and message.verb not in ("ALIVE", "TALK")


def alarm_event(message: MctpMessage) -> CameraEvent:
    """Best reading of an alarm message (the format is UNCONFIRMED; see the module docstring).

    - kind: a verb or field naming motion/input/... maps to that kind, else ALARM;
    - channel: the first field (not the last) that is a small integer 0-7, else 0;
    - active: the last field if it reads 1/0/on/off/start/stop, else True.
    The raw text is kept in ``raw``.
    """
    fields = [f.strip() for f in message.fields]
    kind = _KIND_WORDS.get(message.verb.upper(), EventKind.ALARM)
    for value in fields:
        if value.upper() in _KIND_WORDS:
            kind = _KIND_WORDS[value.upper()]
            break
    channel = 0
    for value in fields[:-1] if len(fields) > 1 else fields:
        number = ascii_decimal(value, 3)
        if number is not None and number <= MAX_CHANNEL:
            channel = number
            break
    active = True
    if len(fields) >= 2 and fields[-1].upper() in _ACTIVE_WORDS:
        active = _ACTIVE_WORDS[fields[-1].upper()]
    return CameraEvent(kind=kind, active=active, channel=channel, raw=message.raw)
