"""Cameras found on the network: the families' own searches, offered under *Discovered*.

At start-up and then every ``SEARCH_INTERVAL`` the library's search (DVRIP and
Foscam) goes to the broadcast address of every IPv4 interface Home Assistant
uses (its ``network`` helper). Each camera that answers starts a discovery flow;
Home Assistant keeps one flow per camera, and the flow itself skips cameras that
are configured (following one to a new address after a login proves it) or
ignored. The search can be switched off in any camera's options.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from homeassistant.components import network
from homeassistant.config_entries import SOURCE_INTEGRATION_DISCOVERY
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import discovery_flow
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.start import async_at_started

from .const import CONF_LAN_SEARCH, DOMAIN
from .protocols.discovery import Target, search

_LOGGER = logging.getLogger(__name__)

# Cameras answer within a second; the search never runs more often than this.
SEARCH_INTERVAL = timedelta(minutes=10)
SEARCH_SECONDS = 3.0

DISCOVERY_UNIQUE_ID = "unique_id"


async def async_broadcast_targets(hass: HomeAssistant) -> list[Target]:
    """The broadcast addresses of the interfaces Home Assistant uses."""
    addresses = await network.async_get_ipv4_broadcast_addresses(hass)
    return sorted(str(address) for address in addresses)


def search_enabled(hass: HomeAssistant) -> bool:
    """Off when the user switched it off in any camera's options."""
    return all(
        entry.options.get(CONF_LAN_SEARCH, True)
        for entry in hass.config_entries.async_entries(DOMAIN, include_ignore=False)
    )


async def async_search_once(hass: HomeAssistant) -> int:
    """Search now; start a discovery flow per camera found. Returns how many answered."""
    if not search_enabled(hass):
        return 0
    targets = await async_broadcast_targets(hass)
    if not targets:
        return 0
    cameras = await search(targets, seconds=SEARCH_SECONDS)
    for camera in cameras:
        discovery_flow.async_create_flow(
            hass,
            DOMAIN,
            context={"source": SOURCE_INTEGRATION_DISCOVERY},
            data={**camera.as_dict(), DISCOVERY_UNIQUE_ID: camera.unique_id},
        )
    _LOGGER.debug("LAN search: %d camera(s) answered", len(cameras))
    return len(cameras)


@callback
def async_setup_lan_search(hass: HomeAssistant) -> CALLBACK_TYPE:
    """Search once Home Assistant has started, then every ``SEARCH_INTERVAL``."""

    async def run(*_args: object) -> None:
        try:
            await async_search_once(hass)
        except Exception:  # a search must never take anything else down
            _LOGGER.exception("LAN search for cameras failed")

    @callback
    def started(_hass: HomeAssistant) -> None:
        hass.async_create_background_task(run(), f"{DOMAIN} LAN search")

    cancel_start = async_at_started(hass, started)
    cancel_interval = async_track_time_interval(
        hass, run, SEARCH_INTERVAL, name=f"{DOMAIN} LAN search", cancel_on_shutdown=True
    )

    @callback
    def cancel() -> None:
        cancel_start()
        cancel_interval()

    return cancel
