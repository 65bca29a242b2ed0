"""The camera's speaker as a media player, so TTS and any media automation can talk through it."""

from __future__ import annotations

from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import MediaPlayerDeviceClass, MediaPlayerEntity
from homeassistant.components.media_player.browse_media import BrowseMedia
from homeassistant.components.media_player.const import (
    MediaPlayerEntityFeature,
    MediaPlayerState,
    MediaType,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .coordinator import IpcamCoordinator
from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription, Scope
from .protocols.base import Capability

PARALLEL_UPDATES = 1

SPEAKER_DESCRIPTION = IpcamEntityDescription(
    key="speaker", translation_key="speaker", scope=Scope.DEVICE
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    if Capability.TALK in coordinator.client.capabilities:
        async_add_entities([IpcamSpeaker(coordinator)])


class IpcamSpeaker(IpcamEntity, MediaPlayerEntity, RestoreEntity):
    """Plays media (TTS, files, URLs) through the camera's talk-back channel."""

    _attr_device_class = MediaPlayerDeviceClass.SPEAKER
    _attr_media_content_type = MediaType.MUSIC
    _attr_supported_features = (
        MediaPlayerEntityFeature.PLAY_MEDIA
        | MediaPlayerEntityFeature.STOP
        | MediaPlayerEntityFeature.VOLUME_SET
        | MediaPlayerEntityFeature.MEDIA_ANNOUNCE
        | MediaPlayerEntityFeature.BROWSE_MEDIA
    )

    def __init__(self, coordinator: IpcamCoordinator) -> None:
        super().__init__(coordinator, SPEAKER_DESCRIPTION)
        self._attr_volume_level = 1.0

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            volume = last.attributes.get("volume_level")
            if isinstance(volume, int | float) and 0 <= volume <= 1:
                self._attr_volume_level = float(volume)
        self.async_on_remove(self.coordinator.talk.async_add_listener(self.async_write_ha_state))

    @property
    def state(self) -> MediaPlayerState:
        return MediaPlayerState.PLAYING if self.coordinator.talk.playing else MediaPlayerState.IDLE

    async def async_play_media(self, media_type: str, media_id: str, **kwargs: Any) -> None:
        await self.coordinator.talk.async_start(media_id, self._attr_volume_level or 0.0)

    async def async_media_stop(self) -> None:
        await self.coordinator.talk.async_stop()

    async def async_set_volume_level(self, volume: float) -> None:
        self._attr_volume_level = volume
        self.async_write_ha_state()

    async def async_browse_media(
        self, media_content_type: str | None = None, media_content_id: str | None = None
    ) -> BrowseMedia:
        return await media_source.async_browse_media(
            self.hass,
            media_content_id,
            content_filter=lambda item: item.media_content_type.startswith("audio/"),
        )
