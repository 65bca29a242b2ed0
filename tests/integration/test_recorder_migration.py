"""From one entry per recorder channel (older versions) to one entry per recorder."""

from __future__ import annotations

from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import add_through_flow, coordinator, entity_id, wait_for


async def test_adding_the_recorder_takes_over_its_channel_entries(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip", channels=4)
    first = await add_entry(camera, **{CONF_CHANNEL: 0})
    third = await add_entry(camera, **{CONF_CHANNEL: 2})
    registry = er.async_get(hass)
    motion_0 = entity_id(hass, first, "binary_sensor", "motion")
    motion_2 = entity_id(hass, third, "binary_sensor", "motion")
    registry.async_update_entity(motion_2, name="Garden gate motion")  # a user's own name
    # Entries need unique IDs for the flow to find them (as the flow sets them).
    hass.config_entries.async_update_entry(first, unique_id=camera.serial)
    hass.config_entries.async_update_entry(third, unique_id=f"{camera.serial}-2")

    result = await add_through_flow(hass, camera)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "recorder_merged"
    await hass.async_block_till_done()

    entries = hass.config_entries.async_entries(DOMAIN)
    assert [entry.entry_id for entry in entries] == [first.entry_id]
    assert CONF_CHANNEL not in first.data
    await wait_for(hass, lambda: first.state.recoverable and coordinator(first).layout.recorder)
    # The channel entities kept their IDs and the user's name, now on the recorder's entry.
    assert registry.async_get(motion_0).config_entry_id == first.entry_id
    moved = registry.async_get(motion_2)
    assert moved is not None and moved.config_entry_id == first.entry_id
    assert moved.name == "Garden gate motion"
    devices = dr.async_get(hass)
    found = dr.async_entries_for_config_entry(devices, first.entry_id)
    assert len(found) == 5, [d.identifiers for d in found]  # recorder + 4
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    await camera.push_event("motion", True, 2)
    await wait_for(hass, lambda: hass.states.get(motion_2).state == STATE_ON)
