"""Binary sensors: pushed alarms (motion, input, sound, ...) and polled I/O inputs."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_CHANNEL
from .coordinator import IpcamCoordinator
from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription, Scope, async_add_supported
from .protocols.base import Capability, EventKind, SettingKey

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class IpcamAlarmDescription(IpcamEntityDescription, BinarySensorEntityDescription):
    """An alarm kind the camera pushes."""

    kind: EventKind


@dataclass(frozen=True, kw_only=True)
class IpcamInputDescription(IpcamEntityDescription, BinarySensorEntityDescription):
    """A digital input whose state the camera reports when asked."""

    setting: SettingKey


_ALARM_DEVICE_CLASSES: dict[EventKind, BinarySensorDeviceClass | None] = {
    EventKind.MOTION: BinarySensorDeviceClass.MOTION,
    EventKind.HUMAN: BinarySensorDeviceClass.OCCUPANCY,
    EventKind.SOUND: BinarySensorDeviceClass.SOUND,
    EventKind.INPUT: None,
    EventKind.VIDEO_LOSS: BinarySensorDeviceClass.PROBLEM,
    EventKind.TAMPER: BinarySensorDeviceClass.TAMPER,
    EventKind.STORAGE: BinarySensorDeviceClass.PROBLEM,
    EventKind.ALARM: BinarySensorDeviceClass.SAFETY,
}

ALARMS: tuple[IpcamAlarmDescription, ...] = tuple(
    IpcamAlarmDescription(
        key=kind.value,
        translation_key=kind.value,
        kind=kind,
        device_class=device_class,
        supported=lambda client, kind=kind: kind in client.event_kinds,  # type: ignore[misc]
        # Alarm inputs belong to a recorder itself; the other alarms to its cameras.
        scope=Scope.DEVICE if kind is EventKind.INPUT else Scope.CHANNEL,
    )
    for kind, device_class in _ALARM_DEVICE_CLASSES.items()
)

INPUTS: tuple[IpcamInputDescription, ...] = tuple(
    IpcamInputDescription(
        key=setting.value,
        translation_key=setting.value,
        setting=setting,
        supported=lambda client: Capability.INPUTS in client.capabilities,
        scope=Scope.DEVICE,
    )
    for setting in (SettingKey.INPUT_1, SettingKey.INPUT_2)
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_supported(coordinator, ALARMS, IpcamAlarmSensor, async_add_entities)
    async_add_supported(coordinator, INPUTS, IpcamInputSensor, async_add_entities)


class IpcamAlarmSensor(IpcamEntity, BinarySensorEntity):
    """On while the camera reports the alarm (cleared by "stop" or the motion timeout)."""

    entity_description: IpcamAlarmDescription

    def __init__(
        self,
        coordinator: IpcamCoordinator,
        description: IpcamAlarmDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        if coordinator.layout.recorder:
            self._channel = channel  # None (the recorder's inputs): any channel
        else:
            # A one-channel entry of a recorder shows its own channel's alarms only.
            configured = coordinator.config_entry.data.get(CONF_CHANNEL)
            self._channel = None if configured is None else int(configured)

    @property
    def is_on(self) -> bool:
        # The generic "alarm" sensor is on whatever the kind of the alarm.
        return self.coordinator.events.is_active(self.entity_description.kind, self._channel)


class IpcamInputSensor(IpcamEntity, BinarySensorEntity):
    """A digital input as the camera reports it."""

    entity_description: IpcamInputDescription

    @property
    def is_on(self) -> bool | None:
        value = self.settings.values.get(self.entity_description.setting)
        return None if value is None else bool(value)
