"""From a device-registry device to the camera's coordinator (device automations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr

from .const import DOMAIN

if TYPE_CHECKING:
    from .coordinator import IpcamCoordinator


def coordinator_for_device(hass: HomeAssistant, device_id: str) -> IpcamCoordinator | None:
    """The loaded coordinator whose camera is ``device_id``, if any."""
    device = dr.async_get(hass).async_get(device_id)
    if device is None:
        return None
    keys = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
    for entry in hass.config_entries.async_entries(DOMAIN):
        if entry.state is not ConfigEntryState.LOADED:
            continue
        coordinator: IpcamCoordinator = entry.runtime_data.coordinator
        if coordinator.device_key in keys:
            return coordinator
    return None
