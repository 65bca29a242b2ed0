"""How an alarm is named for automations: bus event payloads, device triggers, conditions.

Every alarm the camera reports is fired on Home Assistant's bus as ``ipcam_alarm``
with the camera's device and a ``type`` such as ``motion_detected`` or
``input_cleared`` (and ``subtype`` ``input_2`` for the second alarm input), so a
device trigger fires on each alarm, even when its binary sensor was already on.
"""

from __future__ import annotations

from typing import Final

from .protocols.base import CameraEvent, EventKind

EVENT_ALARM: Final = "ipcam_alarm"

ATTR_KIND: Final = "kind"
ATTR_ACTIVE: Final = "active"
ATTR_CHANNEL: Final = "channel"
ATTR_RAW: Final = "raw"
ATTR_TYPE: Final = "type"
ATTR_SUBTYPE: Final = "subtype"

# Kinds an automation can name (OTHER and STORAGE are logged, not offered).
TRIGGER_KINDS: Final = (
    EventKind.MOTION,
    EventKind.HUMAN,
    EventKind.SOUND,
    EventKind.INPUT,
    EventKind.VIDEO_LOSS,
    EventKind.TAMPER,
    EventKind.ALARM,
)


def started_type(kind: EventKind) -> str:
    return f"{kind.value}_triggered" if kind is EventKind.INPUT else f"{kind.value}_detected"


def stopped_type(kind: EventKind) -> str:
    return f"{kind.value}_cleared"


def input_subtype(channel: int) -> str:
    """Alarm inputs are numbered from 1 for people (the camera counts from 0)."""
    return f"input_{channel + 1}"


def event_payload(device_id: str | None, event: CameraEvent) -> dict[str, object]:
    """The bus event data of one alarm change."""
    kind = event.kind
    payload: dict[str, object] = {
        "device_id": device_id,
        ATTR_KIND: kind.value,
        ATTR_ACTIVE: event.active,
        ATTR_CHANNEL: event.channel,
        ATTR_RAW: event.raw,
        ATTR_TYPE: started_type(kind) if event.active else stopped_type(kind),
    }
    if kind is EventKind.INPUT:
        payload[ATTR_SUBTYPE] = input_subtype(event.channel)
    return payload
