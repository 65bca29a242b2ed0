"""Switches: alarm outputs, detector arming, status LED and IR lamp, as the camera reports them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import IpcamConfigEntry
from .entity import (
    IpcamEntity,
    IpcamEntityDescription,
    Scope,
    async_add_supported,
    translated_errors,
)
from .protocols.base import Capability, SettingKey

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IpcamSwitchDescription(IpcamEntityDescription, SwitchEntityDescription):
    """A switch bound to one boolean camera setting."""

    setting: SettingKey


def _has(capability: Capability) -> Any:
    return lambda client: capability in client.capabilities


SWITCHES: tuple[IpcamSwitchDescription, ...] = (
    IpcamSwitchDescription(
        key="alarm_out",
        translation_key="alarm_out",
        setting=SettingKey.ALARM_OUT,
        supported=_has(Capability.ALARM_OUT),
        scope=Scope.DEVICE,
    ),
    IpcamSwitchDescription(
        key="alarm_out_2",
        translation_key="alarm_out_2",
        setting=SettingKey.ALARM_OUT_2,
        supported=_has(Capability.ALARM_OUT_2),
        scope=Scope.DEVICE,
    ),
    IpcamSwitchDescription(
        key="led",
        translation_key="led",
        setting=SettingKey.LED,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,  # rarely changed
        supported=_has(Capability.LED),
    ),
    *(
        IpcamSwitchDescription(
            key=setting.value,
            translation_key=setting.value,
            setting=setting,
            supported=_has(capability),
            scope=Scope.DEVICE if setting is SettingKey.INPUT_ARMED else Scope.CHANNEL,
        )
        for setting, capability in (
            (SettingKey.MOTION_ARMED, Capability.MOTION_ARMING),
            (SettingKey.HUMAN_ARMED, Capability.HUMAN_ARMING),
            (SettingKey.SOUND_ARMED, Capability.SOUND_ARMING),
            (SettingKey.INPUT_ARMED, Capability.INPUT_ARMING),
        )
    ),
    IpcamSwitchDescription(
        key="ir",
        translation_key="ir",
        setting=SettingKey.IR,
        entity_category=EntityCategory.CONFIG,
        supported=_has(Capability.IR),
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_supported(coordinator, SWITCHES, IpcamSwitch, async_add_entities)


class IpcamSwitch(IpcamEntity, SwitchEntity):
    """An on/off camera setting; the state is what the camera reports after each write."""

    entity_description: IpcamSwitchDescription

    @property
    def assumed_state(self) -> bool:
        return self.entity_description.setting in self.client.write_only_settings

    @property
    def is_on(self) -> bool | None:
        value = self.settings.values.get(self.entity_description.setting)
        return None if value is None else bool(value)

    async def async_turn_on(self, **kwargs: Any) -> None:
        async with translated_errors():
            await self.coordinator.async_write_setting(
                self.entity_description.setting, True, self.channel
            )

    async def async_turn_off(self, **kwargs: Any) -> None:
        async with translated_errors():
            await self.coordinator.async_write_setting(
                self.entity_description.setting, False, self.channel
            )
