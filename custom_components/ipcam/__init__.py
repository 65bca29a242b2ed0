"""The ipcam integration: Foscam MO_O, XM DVRIP, Grandstream GXV and IPCamCGI cameras."""

from __future__ import annotations

import logging

from homeassistant.const import EVENT_HOMEASSISTANT_STOP, Platform
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryError, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.typing import ConfigType

from .client_factory import connect_client
from .const import CONF_STREAM_SOURCE, DOMAIN
from .coordinator import IpcamCoordinator
from .data import IpcamConfigEntry, IpcamData
from .device_memory import async_setup_device_memory, device_memory
from .entry_migration import async_adopt_channel_entries
from .frontend import async_register_frontend
from .lan_search import async_setup_lan_search
from .protocols.base import Capability
from .protocols.errors import AuthError, CameraError, InvalidValue, NotSupported
from .repairs import async_check_stream_source, async_delete_entry_issues
from .services import async_setup_services
from .websocket_api import async_setup_websocket_api

_LOGGER = logging.getLogger(__name__)

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.EVENT,
    Platform.MEDIA_PLAYER,
    Platform.SELECT,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they exist even with no camera loaded), the talk card's
    websocket command and the card itself, and start the LAN search for new cameras."""
    async_setup_services(hass)
    async_setup_websocket_api(hass)
    await async_register_frontend(hass)
    async_setup_lan_search(hass)
    await async_setup_device_memory(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: IpcamConfigEntry) -> bool:
    """Log in to the camera, then set up its entities."""
    try:
        remembered = device_memory(hass).async_for_entry(entry.entry_id, entry.unique_id)
        client = await connect_client(hass, entry.data, remembered)
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except (NotSupported, InvalidValue) as err:
        # Retrying cannot help (unsupported device, channel that does not exist, ...).
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"error": str(err)},
        ) from err
    except (CameraError, TimeoutError, OSError) as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err) or type(err).__name__},
        ) from err

    coordinator = IpcamCoordinator(hass, entry, client)
    try:
        await coordinator.async_config_entry_first_refresh()
    except BaseException:
        await coordinator.async_shutdown()
        raise
    entry.runtime_data = IpcamData(client=client, coordinator=coordinator)
    adopted = await async_adopt_channel_entries(hass, entry, coordinator.layout)
    try:
        await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    except BaseException:
        await coordinator.async_close_relays()
        await coordinator.async_shutdown()
        raise

    async def _stop(_event: Event) -> None:
        await coordinator.async_shutdown()

    entry.async_on_unload(hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _stop))

    for entry_id in adopted:  # their entities and devices are this entry's now
        hass.async_create_task(hass.config_entries.async_remove(entry_id))
    if Capability.EVENTS in client.capabilities:
        coordinator.async_start_events()
    if sources := client.profile.stream_sources:
        source = entry.options.get(CONF_STREAM_SOURCE, sources[0].value)
        async_check_stream_source(hass, entry.entry_id, entry.title, source)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: IpcamConfigEntry) -> bool:
    """Unload entities, then stop the push loop, video and the connection."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        # First stop serving the relay (its viewers end), then the camera connections.
        await entry.runtime_data.coordinator.async_close_relays()
        await entry.runtime_data.coordinator.async_shutdown()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: IpcamConfigEntry) -> None:
    """The camera is removed: so are its repair issues and what its client learnt."""
    async_delete_entry_issues(hass, entry.entry_id)
    device_memory(hass).async_remove(entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: IpcamConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a device the camera no longer has (a recorder channel gone)."""
    keys = {identifier for domain, identifier in device.identifiers if domain == DOMAIN}
    return not keys & entry.runtime_data.coordinator.layout.known_keys()
