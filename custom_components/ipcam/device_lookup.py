"""From a device-registry device to the camera's coordinator and channel (automations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import IpcamCoordinator


def camera_for_device(
    hass: HomeAssistant, device_id: str
) -> tuple[IpcamCoordinator, int | None] | None:
    """The loaded coordinator of ``device_id`` and the channel the device is (None: a
    camera, or a recorder itself)."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    keys = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator: IpcamCoordinator = entry.runtime_data.coordinator
        for channel in (None, *coordinator.layout.channels()):
            if coordinator.layout.key_for(channel) in keys:
                return coordinator, channel if coordinator.layout.recorder else None
    return None


def coordinator_for_device(hass: HomeAssistant, device_id: str) -> IpcamCoordinator | None:
    """The loaded coordinator whose camera (or recorder, or channel) is ``device_id``."""
    found = camera_for_device(hass, device_id)
    return None if found is None else found[0]
