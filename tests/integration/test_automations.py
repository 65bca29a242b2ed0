"""Automations on camera alarms: event entities, device triggers and device conditions.

Each family that pushes alarms is driven through its simulator: the camera pushes,
the event entity fires once per alarm (also while its binary sensor stays on), the
device offers only the triggers of what it reports, and an automation built on a
device trigger runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import (
    async_get_device_automations,
    async_mock_service,
)

from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from simulator.base import SimulatedCamera
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, keys, wait_for

# (family, entry extras, the alarm to push, the trigger it fires, the kinds it reports)
PUSHING = [
    ("foscam", {}, "motion", "motion_detected", {"motion", "input", "sound"}),
    (
        "dvrip",
        {CONF_CHANNEL: 0},
        "human",
        "human_detected",
        {"motion", "human", "input", "video_loss", "tamper"},
    ),
    ("grandstream", {}, "motion", "motion_detected", {"alarm", "motion", "input"}),
]


async def _push_ready(hass: HomeAssistant, camera: SimulatedCamera) -> None:
    """Wait until the camera has our alarm subscription (where it shows one)."""
    state = camera.vendor_state()
    if "guarded" in state:
        await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    elif "mctp" in state:
        await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)


async def _ours(
    hass: HomeAssistant, kind: DeviceAutomationType, device_id: str
) -> list[dict[str, Any]]:
    """The device automations of this integration (entity platforms add their own)."""
    found = await async_get_device_automations(hass, kind, device_id)
    return [item for item in found if item["domain"] == DOMAIN]


def _device_id(hass: HomeAssistant, entry: Any) -> str:
    device = dr.async_get(hass).async_get_device(
        identifiers={(DOMAIN, coordinator(entry).device_key)}
    )
    assert device is not None
    return device.id


@pytest.mark.parametrize(("family", "extra", "alarm", "trigger", "kinds"), PUSHING)
async def test_event_entities_fire_on_every_alarm(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    family: str,
    extra: dict[str, Any],
    alarm: str,
    trigger: str,
    kinds: set[str],
) -> None:
    camera = await start_simulator(family)
    entry = await add_entry(camera, **extra)
    event = entity_id(hass, entry, "event", f"{alarm}_event")
    assert hass.states.get(event).state == STATE_UNKNOWN
    await _push_ready(hass, camera)
    fired: list[str] = []

    def note(changed: Any) -> None:
        new = changed.data["new_state"]
        if changed.data["entity_id"] == event and new.attributes.get("event_type"):
            fired.append(new.attributes["event_type"])

    hass.bus.async_listen("state_changed", note)
    await camera.push_event(alarm, True, 0)
    await wait_for(hass, lambda: fired == ["started"])
    await camera.push_event(alarm, True, 0)  # again, while the sensor is still on
    await wait_for(hass, lambda: fired == ["started", "started"])
    await camera.push_event(alarm, False, 0)
    await wait_for(hass, lambda: fired == ["started", "started", "stopped"])
    state = hass.states.get(event)
    assert state.attributes["channel"] == 0
    assert state.attributes["kind"] == alarm
    assert keys(hass, entry, "event") == {f"{kind}_event" for kind in kinds}


@pytest.mark.parametrize(("family", "extra", "alarm", "trigger", "kinds"), PUSHING)
async def test_device_triggers_list_what_the_camera_reports_and_fire(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    family: str,
    extra: dict[str, Any],
    alarm: str,
    trigger: str,
    kinds: set[str],
) -> None:
    camera = await start_simulator(family)
    entry = await add_entry(camera, **extra)
    device_id = _device_id(hass, entry)
    triggers = await _ours(hass, DeviceAutomationType.TRIGGER, device_id)
    offered = {(t["type"], t.get("subtype")) for t in triggers}
    expected: set[tuple[str, str | None]] = set()
    for kind in kinds:
        if kind == "input":
            expected |= {("input_triggered", "input_1"), ("input_cleared", "input_1")}
        else:
            expected |= {(f"{kind}_detected", None), (f"{kind}_cleared", None)}
    assert offered == expected
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "triggers": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device_id,
                        "type": trigger,
                    },
                    "actions": {
                        "action": "test.automation",
                        "data": {"channel": "{{ trigger.event.data.channel }}"},
                    },
                },
                {
                    "triggers": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device_id,
                        "type": "input_triggered",
                        "subtype": "input_1",
                    },
                    "actions": {"action": "test.automation", "data": {"input": 1}},
                },
            ]
        },
    )
    await _push_ready(hass, camera)
    await camera.push_event(alarm, True, 0)
    await wait_for(hass, lambda: len(calls) == 1)
    await camera.push_event(alarm, True, 0)
    await wait_for(hass, lambda: len(calls) == 2)  # each alarm, not only the first
    await camera.push_event("input", True, 0)
    await wait_for(hass, lambda: len(calls) == 3)
    assert calls[2].data == {"input": 1}
    conditions = await _ours(hass, DeviceAutomationType.CONDITION, device_id)
    assert {c["type"] for c in conditions} == {f"is_{kind}" for kind in kinds if kind != "input"}


async def test_a_camera_without_alarms_offers_no_triggers(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    device_id = _device_id(hass, entry)
    assert await _ours(hass, DeviceAutomationType.TRIGGER, device_id) == []


async def test_the_motion_condition_follows_the_camera(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    device_id = _device_id(hass, entry)
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: {
                "triggers": {"platform": "event", "event_type": "test_event"},
                "conditions": {
                    "condition": "device",
                    "domain": DOMAIN,
                    "device_id": device_id,
                    "type": "is_motion",
                },
                "actions": {"action": "test.automation"},
            }
        },
    )
    hass.bus.async_fire("test_event")
    await hass.async_block_till_done()
    assert calls == []
    await camera.push_event("motion", True, 0)
    sensor = entity_id(hass, entry, "binary_sensor", "motion")
    await wait_for(hass, lambda: hass.states.get(sensor).state == "on")
    hass.bus.async_fire("test_event")
    await hass.async_block_till_done()
    assert len(calls) == 1
