"""DVRIP alarm events (1504): firmware event names to ``EventKind``, bodies to ``CameraEvent``.

Event names are free text that differs between firmware versions; see
docs/protocols/dvrip.md, "Alarms".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..base import CameraEvent, EventKind
from .views import as_str

MAX_CHANNEL = 1024

# Event names seen on firmware (lower case) -> kind; anything else is OTHER with raw kept.
_EVENT_KINDS: dict[str, EventKind] = {
    "videomotion": EventKind.MOTION,
    "motiondetect": EventKind.MOTION,
    "motion": EventKind.MOTION,
    "humandetect": EventKind.HUMAN,
    "humandetection": EventKind.HUMAN,
    "appeventhumandetectalarm": EventKind.HUMAN,
    "facedetect": EventKind.HUMAN,
    "facedetection": EventKind.HUMAN,
    "facedetectv2": EventKind.HUMAN,
    "localalarm": EventKind.INPUT,
    "alarmlocal": EventKind.INPUT,
    "ioalarm": EventKind.INPUT,
    "localio": EventKind.INPUT,
    "netalarm": EventKind.INPUT,
    "videoloss": EventKind.VIDEO_LOSS,
    "videolost": EventKind.VIDEO_LOSS,
    "lossdetect": EventKind.VIDEO_LOSS,
    "videoblind": EventKind.TAMPER,
    "blinddetect": EventKind.TAMPER,
    "hidealarm": EventKind.TAMPER,
}


def event_kind(name: str) -> EventKind:
    """Normalise a firmware event name (free text) to an ``EventKind``."""
    key = name.strip().lower()
    if key in _EVENT_KINDS:
        return _EVENT_KINDS[key]
    if key.startswith("stor"):  # StorageNotExist, StorrageLowSpace (sic), StorageFailure...
        return EventKind.STORAGE
    return EventKind.OTHER


def parse_alarm(body: Mapping[str, Any]) -> CameraEvent | None:
    """A 1504 body (``{"AlarmInfo": {...}, "Name": "AlarmInfo"}``) as a CameraEvent.

    None when the body holds no alarm object. ``Status`` "Stop" ends an alarm;
    "Start" and "None" (disk alarms, which have no end) start one.
    """
    info = body.get("AlarmInfo")
    if not isinstance(info, dict):
        name = body.get("Name")
        info = body.get(name) if isinstance(name, str) else None
    if not isinstance(info, dict):
        return None
    raw = as_str(info.get("Event"))
    status = as_str(info.get("Status"), "Start").strip().lower()
    channel = info.get("Channel", 0)
    if not isinstance(channel, int) or isinstance(channel, bool) or not 0 <= channel < MAX_CHANNEL:
        channel = 0
    return CameraEvent(event_kind(raw), status != "stop", channel, raw)


def for_channel(event: CameraEvent, channel: int | None) -> bool:
    """Whether a client of ``channel`` reports ``event``: a camera or a recorder as one
    device (None) every alarm; a recorder's channel its own, not the recorder's alarm
    inputs (their ``Channel`` is the input's number)."""
    return channel is None or (event.channel == channel and event.kind is not EventKind.INPUT)
