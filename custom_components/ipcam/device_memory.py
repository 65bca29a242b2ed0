"""What each camera's client learnt at connect, kept across restarts (``CameraClient.memory``).

Home Assistant starting is when every camera connects at once; a client given
what it learnt last time asks only what may have changed (a DVRIP camera: 2
round trips instead of up to 10). One storage file for the integration, one
record per config entry, written a few seconds after a change; the client
checks what it is given, so a damaged or foreign record only costs a full
connect. Nothing here is a credential.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

_LOGGER = logging.getLogger(__name__)

STORAGE_KEY = f"{DOMAIN}.device_memory"
STORAGE_VERSION = 1
SAVE_DELAY_SECONDS = 10.0
MAX_OFFERS = 16
DATA_DEVICE_MEMORY: HassKey[DeviceMemoryStore] = HassKey(f"{DOMAIN}_device_memory")
# What a config flow's login learnt, by the unique ID of the entry it creates (a flow may run
# before the integration is set up, so not in the store).
DATA_OFFERS: HassKey[dict[str, Mapping[str, Any]]] = HassKey(f"{DOMAIN}_device_memory_offers")


class DeviceMemoryStore:
    """The records of every entry, loaded once."""

    def __init__(self, hass: HomeAssistant) -> None:
        self._hass = hass
        # Private (owner-only file): the records hold the cameras' network settings.
        self._store: Store[dict[str, Any]] = Store(hass, STORAGE_VERSION, STORAGE_KEY, private=True)
        self._records: dict[str, Any] = {}

    async def async_load(self) -> None:
        try:
            stored = await self._store.async_load()
        except Exception as err:  # a damaged file: start afresh (it is only a cache)
            _LOGGER.warning("Camera memory not read, every camera asks everything: %s", err)
            stored = None
        self._records = dict(stored) if isinstance(stored, dict) else {}

    def get(self, entry_id: str) -> Mapping[str, Any] | None:
        record = self._records.get(entry_id)
        return record if isinstance(record, Mapping) else None

    @callback
    def async_for_entry(self, entry_id: str, unique_id: str | None) -> Mapping[str, Any] | None:
        """The entry's record, else what its config flow's login learnt (taken once)."""
        offers = self._hass.data.get(DATA_OFFERS, {})
        offered = offers.pop(unique_id, None) if unique_id is not None else None
        return self.get(entry_id) or offered

    @callback
    def async_set(self, entry_id: str, record: Mapping[str, Any] | None) -> None:
        """Keep ``record`` for the entry (None: forget it); saved soon if it changed."""
        if record is None:
            self.async_remove(entry_id)
        elif self._records.get(entry_id) != record:
            self._records[entry_id] = dict(record)
            self._store.async_delay_save(self._data, SAVE_DELAY_SECONDS)

    @callback
    def async_remove(self, entry_id: str) -> None:
        if self._records.pop(entry_id, None) is not None:
            self._store.async_delay_save(self._data, SAVE_DELAY_SECONDS)

    def _data(self) -> dict[str, Any]:
        return dict(self._records)


async def async_setup_device_memory(hass: HomeAssistant) -> None:
    """Load the store (at the integration's set-up, before any entry's)."""
    store = DeviceMemoryStore(hass)
    await store.async_load()
    hass.data[DATA_DEVICE_MEMORY] = store


def device_memory(hass: HomeAssistant) -> DeviceMemoryStore:
    """The integration's store (``async_setup_device_memory`` has run)."""
    return hass.data[DATA_DEVICE_MEMORY]


@callback
def async_offer(hass: HomeAssistant, unique_id: str, record: Mapping[str, Any]) -> None:
    """A config flow's login learnt ``record`` about the camera of the entry it creates, so
    that the entry's first set-up, a moment later, need not ask again."""
    offers = hass.data.setdefault(DATA_OFFERS, {})
    offers.pop(unique_id, None)
    offers[unique_id] = record
    while len(offers) > MAX_OFFERS:  # flows whose entry was never set up
        del offers[next(iter(offers))]
