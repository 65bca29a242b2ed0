"""From one entry per recorder channel (older versions) to one entry per recorder.

Entries made for one channel of a recorder or encoder keep working as they are.
When the recorder itself is added, its entry adopts them: their entities and
devices move to it (entity IDs, names, areas and history stay: the recorder's
channel devices have the same keys those entries had), and the old entries are
removed. Adding the recorder when the entry for its first channel exists turns
that entry into the recorder's (config_flow.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from .const import CONF_CHANNEL, CONF_FAMILY, DOMAIN

if TYPE_CHECKING:
    from .data import IpcamConfigEntry
    from .device_layout import DeviceLayout

_LOGGER = logging.getLogger(__name__)


async def async_adopt_channel_entries(
    hass: HomeAssistant, entry: IpcamConfigEntry, layout: DeviceLayout
) -> list[str]:
    """Move the entities and devices of this recorder's one-channel entries here (before
    this entry's entities are made); return the entry IDs left to remove."""
    if not layout.recorder:
        return []
    keys = {layout.key_for(channel) for channel in layout.channels()}
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    # A one-channel entry's device carried the recorder's MAC; now the recorder's own
    # device does, and Home Assistant would merge the two by it.
    for key in keys:
        device = devices.async_get_device(identifiers={(DOMAIN, key)})
        if device is not None and device.connections:
            devices.async_update_device(device.id, new_connections=set())
    adopted: list[str] = []
    for other in hass.config_entries.async_entries(DOMAIN, include_ignore=False):
        if (
            other.entry_id == entry.entry_id
            or CONF_CHANNEL not in other.data
            or other.data.get(CONF_FAMILY) != entry.data.get(CONF_FAMILY)
            or other.unique_id not in keys
        ):
            continue
        # Its entities leave Home Assistant before they are handed over, so that this
        # entry's can take their IDs.
        await hass.config_entries.async_unload(other.entry_id)
        for registered in er.async_entries_for_config_entry(entities, other.entry_id):
            entities.async_update_entity(registered.entity_id, config_entry_id=entry.entry_id)
        for device in dr.async_entries_for_config_entry(devices, other.entry_id):
            # Two calls: given both at once, Home Assistant 2025.4 forgets the one added.
            devices.async_update_device(device.id, add_config_entry_id=entry.entry_id)
            devices.async_update_device(device.id, remove_config_entry_id=other.entry_id)
        _LOGGER.info("%s takes over the entry %s of its channel", entry.title, other.title)
        adopted.append(other.entry_id)
    return adopted
