"""Controls built from what a client declares: presets, arming, uncertain pan/tilt."""

from __future__ import annotations

import pytest
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er

from custom_components.ipcam.const import DOMAIN
from custom_components.ipcam.protocols.base import Capability, PresetAction
from tests.ha.conftest import SetupFake
from tests.ha.fake_client import FakeClient
from tests.integration.helpers import entity_id

PTZ = frozenset({Capability.EVENTS, Capability.PTZ, Capability.PTZ_PRESETS})


async def test_the_preset_select_lists_names_and_moves_the_camera(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient(capabilities=PTZ)
    entry = await setup_fake(client)
    preset = entity_id(hass, entry, "select", "ptz_preset")
    state = hass.states.get(preset)
    assert state.attributes["options"] == ["Gate", "Preset 2", "Gate (3)"]
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: preset, "option": "Gate (3)"}, blocking=True
    )
    assert client.preset_calls == [(PresetAction.GOTO, 3)]
    assert hass.states.get(preset).state == "Gate (3)"
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "select", "select_option", {ATTR_ENTITY_ID: preset, "option": "Nowhere"}, blocking=True
        )
    # Saving a preset through the action refreshes the list.
    camera = entity_id(hass, entry, "camera", "camera")
    await hass.services.async_call(
        DOMAIN,
        "ptz_preset",
        {ATTR_ENTITY_ID: camera, "action": "set", "preset": 7},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert "Saved 7" in hass.states.get(preset).attributes["options"]


async def test_unconfirmed_pan_tilt_controls_start_disabled_but_still_work(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient(capabilities=PTZ)
    client.ptz_confirmed = False
    entry = await setup_fake(client)
    registry = er.async_get(hass)
    for platform, key in (("button", "ptz_up"), ("select", "ptz_preset")):
        entity = registry.async_get(entity_id(hass, entry, platform, key))
        assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    # The action is sent anyway, rather than refused.
    camera = entity_id(hass, entry, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: camera, "action": "goto", "preset": 2}, blocking=True
    )
    assert client.preset_calls == [(PresetAction.GOTO, 2)]


async def test_arming_switches_write_and_show_the_cameras_state(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient(capabilities=frozenset({Capability.EVENTS, Capability.MOTION_ARMING}))
    client.settings.values["motion_armed"] = True
    entry = await setup_fake(client)
    switch = entity_id(hass, entry, "switch", "motion_armed")
    assert hass.states.get(switch).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: switch}, blocking=True)
    assert client.settings.values["motion_armed"] is False
    assert hass.states.get(switch).state == STATE_OFF
