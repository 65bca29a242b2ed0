"""The base entity every ipcam entity derives from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from .const import CONF_CHANNEL, CONF_STREAM, DOMAIN, REQUEST_TIMEOUT_SECONDS, STREAM_PRIMARY
from .coordinator import IpcamCoordinator
from .protocols.base import CameraClient
from .protocols.errors import AuthError, CameraError, InvalidValue, NotSupported


@dataclass(frozen=True, kw_only=True)
class IpcamEntityDescription(EntityDescription):
    """An entity description with a predicate saying whether the camera supports it."""

    supported: Callable[[CameraClient], bool] = lambda _client: True


@callback
def async_add_supported[D: IpcamEntityDescription](
    coordinator: IpcamCoordinator,
    descriptions: Iterable[D],
    make: Callable[[IpcamCoordinator, D], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity per description the camera supports, now and whenever it learns more.

    A camera may show a capability only after set-up (an IPCamCGI camera proves
    its input layout after the first output change): its entities appear then,
    without a reload.
    """
    descriptions = tuple(descriptions)
    added: set[str] = set()

    @callback
    def add_new() -> None:
        new = [
            description
            for description in descriptions
            if description.key not in added and description.supported(coordinator.client)
        ]
        if new:
            added.update(description.key for description in new)
            async_add_entities(make(coordinator, description) for description in new)

    add_new()
    coordinator.config_entry.async_on_unload(coordinator.async_add_capability_listener(add_new))


class IpcamEntity(CoordinatorEntity[IpcamCoordinator]):
    """Device info, unique ID and availability shared by all ipcam entities."""

    _attr_has_entity_name = True

    def __init__(self, coordinator: IpcamCoordinator, description: EntityDescription) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        client = coordinator.client
        identity = client.identity
        device_id = coordinator.device_key
        self._attr_unique_id = f"{device_id}_{description.key}"
        data = coordinator.config_entry.data
        # Only the first channel's device carries the MAC: the recorder's other channels
        # are devices of their own, which older Home Assistant would merge by the MAC.
        first_channel = int(data.get(CONF_CHANNEL, 0)) == 0 and data.get(CONF_STREAM) in (
            None,
            STREAM_PRIMARY,
        )
        mac_connection = {(CONNECTION_NETWORK_MAC, identity.mac)}
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, device_id)},
            connections=mac_connection if identity.mac and first_channel else set(),
            name=identity.name,
            manufacturer=identity.manufacturer or None,
            model=identity.model or None,
            sw_version=identity.firmware or None,
            hw_version=identity.hardware or None,
            serial_number=identity.serial or None,
            configuration_url=client.web_ui_url(),
        )

    @property
    def client(self) -> CameraClient:
        return self.coordinator.client

    @property
    def available(self) -> bool:
        return self.coordinator.camera_available


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
