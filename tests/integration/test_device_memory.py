"""What a camera's client learnt at connect, kept by Home Assistant for the next start."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.ipcam.const import CONF_CHANNEL
from custom_components.ipcam.device_memory import (
    DATA_OFFERS,
    MAX_OFFERS,
    SAVE_DELAY_SECONDS,
    STORAGE_KEY,
    async_offer,
    device_memory,
)
from simulator.dvrip import DvripCamera
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import add_through_flow, keys

ABILITY = "1360 SystemFunction"


@pytest.fixture
async def camera(start_simulator: StartSimulator) -> DvripCamera:
    started = await start_simulator("dvrip")
    assert isinstance(started, DvripCamera)
    return started


@pytest.fixture
async def entry(hass: HomeAssistant, camera: DvripCamera, add_entry: AddEntry) -> MockConfigEntry:
    """The camera's entry, set up, its record saved."""
    added = await add_entry(camera, **{CONF_CHANNEL: 0})
    assert added.state is ConfigEntryState.LOADED
    await _saved(hass)
    return added


async def _saved(hass: HomeAssistant) -> None:
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=SAVE_DELAY_SECONDS + 1))
    await hass.async_block_till_done()


async def test_a_restart_connects_with_what_the_last_start_learnt(
    hass: HomeAssistant, hass_storage: dict[str, Any], camera: DvripCamera, entry: MockConfigEntry
) -> None:
    entities = {platform: keys(hass, entry, platform) for platform in ("switch", "select")}
    record = hass_storage[STORAGE_KEY]["data"][entry.entry_id]
    assert record["device"]["SerialNo"] == camera.serial
    assert "password" not in str(record).lower()
    assert camera.requests[ABILITY] == 1

    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert camera.requests[ABILITY] == 1  # not asked again: the same device and firmware
    assert camera.requests["1020 SystemInfo"] == 2
    assert {platform: keys(hass, entry, platform) for platform in entities} == entities


async def test_a_damaged_store_costs_a_full_connect(
    hass: HomeAssistant,
    hass_storage: dict[str, Any],
    camera: DvripCamera,
    add_entry: AddEntry,
) -> None:
    hass_storage[STORAGE_KEY] = {"version": 1, "key": STORAGE_KEY, "data": ["not", "records"]}
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    assert entry.state is ConfigEntryState.LOADED
    assert camera.requests[ABILITY] == 1
    # A record that is not the client's own (another entry's id reused, edited by hand).
    device_memory(hass).async_set(entry.entry_id, {"format": 1, "device": {}, "answers": 5})
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert camera.requests[ABILITY] == 2
    assert device_memory(hass).get(entry.entry_id) == entry.runtime_data.client.memory()


async def test_a_removed_camera_is_forgotten(
    hass: HomeAssistant, hass_storage: dict[str, Any], entry: MockConfigEntry
) -> None:
    assert entry.entry_id in hass_storage[STORAGE_KEY]["data"]
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert device_memory(hass).get(entry.entry_id) is None
    await _saved(hass)
    assert entry.entry_id not in hass_storage[STORAGE_KEY]["data"]


async def test_cameras_without_memory_keep_none(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.LOADED
    assert device_memory(hass).get(entry.entry_id) is None


async def test_an_unreadable_store_file_costs_a_full_connect(
    hass: HomeAssistant,
    camera: DvripCamera,
    add_entry: AddEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A storage file Home Assistant cannot read (damaged JSON) is a warning, not a failed
    set-up: every camera asks everything, and the store is written afresh."""

    class Unreadable(Store[dict[str, Any]]):
        async def async_load(self) -> dict[str, Any] | None:
            raise HomeAssistantError("bad JSON")

    with patch("custom_components.ipcam.device_memory.Store", Unreadable):
        entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    assert entry.state is ConfigEntryState.LOADED
    assert "Camera memory not read" in caplog.text
    assert camera.requests[ABILITY] == 1
    assert device_memory(hass).get(entry.entry_id) is not None


async def test_the_set_up_after_adding_a_camera_takes_what_its_login_learnt(
    hass: HomeAssistant, camera: DvripCamera
) -> None:
    """The config flow's login learns the camera; the set-up a moment later does not ask
    again (the flow's record is offered once, by the entry's unique ID)."""
    result = await add_through_flow(hass, camera)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert camera.requests[ABILITY] == 1  # the flow's login; the set-up took its answers
    assert camera.requests["1020 SystemInfo"] == 2
    assert device_memory(hass).get(entry.entry_id) is not None
    assert device_memory(hass).async_for_entry("another", entry.unique_id) is None  # taken
    await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()


async def test_offers_of_flows_that_made_no_entry_are_bounded(hass: HomeAssistant) -> None:
    for number in range(MAX_OFFERS + 5):
        async_offer(hass, f"camera-{number}", {"format": 1})
    offers = hass.data[DATA_OFFERS]
    assert len(offers) == MAX_OFFERS
    assert "camera-0" not in offers and f"camera-{MAX_OFFERS + 4}" in offers
