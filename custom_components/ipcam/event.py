"""Event entities: one per alarm kind the camera reports, firing on every alarm change.

A binary sensor says whether an alarm is on; an event entity fires each time the
camera reports one (``started``/``stopped``), even when the sensor was already on,
with the channel and the camera's own text as attributes.
"""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.event import (
    EventDeviceClass,
    EventEntity,
    EventEntityDescription,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .alarm_types import ATTR_CHANNEL, ATTR_KIND, ATTR_RAW, TRIGGER_KINDS
from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription, Scope, async_add_supported
from .protocols.base import CameraEvent, EventKind

PARALLEL_UPDATES = 0

EVENT_STARTED = "started"
EVENT_STOPPED = "stopped"


@dataclass(frozen=True, kw_only=True)
class IpcamEventDescription(IpcamEntityDescription, EventEntityDescription):
    """Alarms of one kind (ALARM: of any kind)."""

    kind: EventKind


EVENTS: tuple[IpcamEventDescription, ...] = tuple(
    IpcamEventDescription(
        key=f"{kind.value}_event",
        translation_key=f"{kind.value}_event",
        kind=kind,
        device_class=EventDeviceClass.MOTION if kind is EventKind.MOTION else None,
        event_types=[EVENT_STARTED, EVENT_STOPPED],
        supported=lambda client, kind=kind: kind in client.event_kinds,  # type: ignore[misc]
        scope=Scope.DEVICE if kind is EventKind.INPUT else Scope.CHANNEL,
    )
    for kind in TRIGGER_KINDS
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_supported(coordinator, EVENTS, IpcamAlarmEvent, async_add_entities)


class IpcamAlarmEvent(IpcamEntity, EventEntity):
    """Fires ``started``/``stopped`` for each alarm of its kind."""

    entity_description: IpcamEventDescription

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.events.add_listener(self._alarm))

    @callback
    def _alarm(self, event: CameraEvent) -> None:
        kind = self.entity_description.kind
        any_alarm = kind is EventKind.ALARM and event.kind is not EventKind.OTHER
        if event.kind is not kind and not any_alarm:
            return
        if (
            self.coordinator.layout.recorder
            and self.coordinator.alarm_channel(event) != self.channel
        ):
            return  # another channel's camera
        self._trigger_event(
            EVENT_STARTED if event.active else EVENT_STOPPED,
            {ATTR_KIND: event.kind.value, ATTR_CHANNEL: event.channel, ATTR_RAW: event.raw[:255]},
        )
        self.async_write_ha_state()
