"""Selects: resolution and frame rate, with the values the camera itself offers."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription, async_add_supported, translated_errors
from .protocols.base import Capability, SettingKey

PARALLEL_UPDATES = 1


@dataclass(frozen=True, kw_only=True)
class IpcamSelectDescription(IpcamEntityDescription, SelectEntityDescription):
    """A select bound to one camera setting whose options the camera lists."""

    setting: SettingKey


SELECTS: tuple[IpcamSelectDescription, ...] = (
    IpcamSelectDescription(
        key="resolution",
        translation_key="resolution",
        setting=SettingKey.RESOLUTION,
        entity_category=EntityCategory.CONFIG,
        supported=lambda client: Capability.RESOLUTION in client.capabilities,
    ),
    IpcamSelectDescription(
        key="frame_rate",
        translation_key="frame_rate",
        setting=SettingKey.FRAME_RATE,
        entity_category=EntityCategory.CONFIG,
        entity_registry_enabled_default=False,  # rarely changed
        supported=lambda client: Capability.FRAME_RATE in client.capabilities,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_supported(coordinator, SELECTS, IpcamSelect, async_add_entities)


class IpcamSelect(IpcamEntity, SelectEntity):
    """A camera setting chosen from the camera's own list."""

    entity_description: IpcamSelectDescription

    @property
    def options(self) -> list[str]:
        return list(self.coordinator.data.options.get(self.entity_description.setting, ()))

    @property
    def current_option(self) -> str | None:
        value = self.coordinator.data.values.get(self.entity_description.setting)
        return None if value is None else str(value)

    async def async_select_option(self, option: str) -> None:
        async with translated_errors():
            await self.coordinator.async_write_setting(self.entity_description.setting, option)
