"""Selects: resolution and frame rate, with the values the camera itself offers."""

from __future__ import annotations

from dataclasses import dataclass

from homeassistant.components.select import SelectEntity, SelectEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import DOMAIN
from .coordinator import IpcamCoordinator
from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription, async_add_supported, translated_errors
from .protocols.base import Capability, PresetAction, SettingKey

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
        key="white_light",
        translation_key="white_light",
        setting=SettingKey.WHITE_LIGHT,
        supported=lambda client: Capability.WHITE_LIGHT in client.capabilities,
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
    for channel in coordinator.entity_channels(PRESET_DESCRIPTION.scope):
        if PRESET_DESCRIPTION.supported(
            coordinator.client_for(channel)
        ) and await coordinator.async_load_presets(channel):
            async_add_entities([IpcamPresetSelect(coordinator, PRESET_DESCRIPTION, channel)])


class IpcamSelect(IpcamEntity, SelectEntity):
    """A camera setting chosen from the camera's own list."""

    entity_description: IpcamSelectDescription

    @property
    def options(self) -> list[str]:
        return list(self.settings.options.get(self.entity_description.setting, ()))

    @property
    def current_option(self) -> str | None:
        value = self.settings.values.get(self.entity_description.setting)
        return None if value is None else str(value)

    async def async_select_option(self, option: str) -> None:
        async with translated_errors():
            await self.coordinator.async_write_setting(
                self.entity_description.setting, option, self.channel
            )


PRESET_DESCRIPTION = IpcamEntityDescription(
    key="ptz_preset",
    translation_key="ptz_preset",
    supported=lambda client: Capability.PTZ_PRESETS in client.capabilities,
)


class IpcamPresetSelect(IpcamEntity, SelectEntity):
    """The camera's pan/tilt presets by name; choosing one moves the camera there."""

    def __init__(
        self,
        coordinator: IpcamCoordinator,
        description: IpcamEntityDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator, description, channel)
        self._attr_current_option = None
        if not self.client.ptz_confirmed:
            self._attr_entity_registry_enabled_default = False

    @property
    def _labels(self) -> dict[str, int]:
        """Option label -> preset number (names made unique, numbers where none)."""
        labels: dict[str, int] = {}
        for preset in self.coordinator.presets.get(self.channel, ()):
            label = preset.name.strip() or f"Preset {preset.number}"
            if label in labels:
                label = f"{label} ({preset.number})"
            labels[label] = preset.number
        return labels

    @property
    def options(self) -> list[str]:
        return list(self._labels)

    async def async_select_option(self, option: str) -> None:
        number = self._labels.get(option)
        if number is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_value",
                translation_placeholders={"error": f"no preset {option!r}"},
            )
        async with translated_errors():
            await self.client.ptz_preset(PresetAction.GOTO, number)
        self._attr_current_option = option
        self.async_write_ha_state()
