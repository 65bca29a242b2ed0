"""The base entity every ipcam entity derives from."""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import DOMAIN, REQUEST_TIMEOUT_SECONDS
from .coordinator import IpcamCoordinator
from .protocols.base import CameraClient, Settings
from .protocols.errors import AuthError, CameraError, InvalidValue, NotSupported


class Scope(enum.StrEnum):
    """Where an entity belongs on a recorder: the recorder itself or one of its channels.

    A camera is one device: both scopes are that device.
    """

    DEVICE = "device"  # alarm outputs and inputs, reboot, the speaker
    CHANNEL = "channel"  # live view, motion and other per-camera alarms, image settings, PTZ


@dataclass(frozen=True, kw_only=True)
class IpcamEntityDescription(EntityDescription):
    """An entity description with a predicate saying whether the camera supports it."""

    supported: Callable[[CameraClient], bool] = lambda _client: True
    scope: Scope = Scope.CHANNEL


type EntityFactory[D] = Callable[[IpcamCoordinator, D, int | None], Entity]


@callback
def async_add_supported[D: IpcamEntityDescription](
    coordinator: IpcamCoordinator,
    descriptions: Iterable[D],
    make: EntityFactory[D],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity per description (and channel) the camera supports, now and later.

    A camera may show a capability only after set-up (an IPCamCGI camera proves
    its input layout after the first output change), and a recorder may gain a
    channel (a camera plugged in): their entities appear then, without a reload.
    """
    descriptions = tuple(descriptions)
    added: set[tuple[str, int | None]] = set()

    @callback
    def add_new() -> None:
        new: list[Entity] = []
        for description in descriptions:
            for channel in coordinator.entity_channels(description.scope):
                if (description.key, channel) in added:
                    continue
                if description.supported(coordinator.client_for(channel)):
                    added.add((description.key, channel))
                    new.append(make(coordinator, description, channel))
        if new:
            async_add_entities(new)

    add_new()
    coordinator.config_entry.async_on_unload(coordinator.async_add_capability_listener(add_new))


class IpcamEntity(CoordinatorEntity[IpcamCoordinator]):
    """Device info, unique ID and availability shared by all ipcam entities.

    ``channel`` is None for a camera's entities and a recorder's own (device scope),
    and the channel number for a recorder channel's entities.
    """

    _attr_has_entity_name = True

    def __init__(
        self,
        coordinator: IpcamCoordinator,
        description: EntityDescription,
        channel: int | None = None,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self.channel = channel
        device_key = coordinator.device_key_for(channel)
        self._attr_unique_id = f"{device_key}_{description.key}"
        self._attr_device_info = coordinator.device_info_for(channel)

    @property
    def client(self) -> CameraClient:
        """The client of this entity's channel (the camera's, or the recorder's own)."""
        return self.coordinator.client_for(self.channel)

    @property
    def settings(self) -> Settings:
        """The polled settings of this entity's channel (or the device's)."""
        return self.coordinator.settings_for(self.channel)

    @property
    def available(self) -> bool:
        return self.coordinator.camera_available and self.coordinator.channel_online(self.channel)

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        if self.channel is not None:
            self.coordinator.async_link_channel_device(self.channel)


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Turn camera errors raised by an action into translated Home Assistant errors."""
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
            yield
    except InvalidValue as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_value",
            translation_placeholders={"error": str(err)},
        ) from err
    except NotSupported as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"error": str(err)},
        ) from err
    except AuthError as err:
        raise HomeAssistantError(translation_domain=DOMAIN, translation_key="invalid_auth") from err
    except (CameraError, TimeoutError, OSError) as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="command_failed",
            translation_placeholders={"error": str(err) or type(err).__name__},
        ) from err
