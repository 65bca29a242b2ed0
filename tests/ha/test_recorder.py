"""A recorder: one entry, a device for the recorder and one per channel beneath it."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.ipcam.const import DOMAIN
from custom_components.ipcam.protocols.base import CameraEvent, ChannelInfo, EventKind
from tests.ha.conftest import SetupFake
from tests.ha.fake_client import FakeRecorder, motion
from tests.integration.helpers import wait_for


def _entity(hass: HomeAssistant, device_key: str, platform: str, key: str) -> str:
    registry = er.async_get(hass)
    entity_id = registry.async_get_entity_id(platform, DOMAIN, f"{device_key}_{key}")
    assert entity_id is not None, (device_key, key)
    return entity_id


async def test_a_device_per_channel_under_the_recorder(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeRecorder(4)
    entry = await setup_fake(client)
    devices = dr.async_get(hass)
    recorder = devices.async_get_device(identifiers={(DOMAIN, "fake-serial-recorder")})
    assert recorder is not None
    for channel, key in enumerate(
        ["fake-serial", "fake-serial-1", "fake-serial-2", "fake-serial-3"]
    ):
        device = devices.async_get_device(identifiers={(DOMAIN, key)})
        assert device is not None, key
        assert device.via_device_id == recorder.id
        assert device.name == f"Camera {channel + 1}"
        _entity(hass, key, "camera", "camera")
        _entity(hass, key, "binary_sensor", "motion")
    # The recorder's own controls are on its device, not repeated per channel.
    _entity(hass, "fake-serial-recorder", "switch", "alarm_out")
    _entity(hass, "fake-serial-recorder", "button", "reboot")
    _entity(hass, "fake-serial-recorder", "binary_sensor", "input")
    assert len(dr.async_entries_for_config_entry(devices, entry.entry_id)) == 5


async def test_an_alarm_on_channel_3_reaches_channel_3_only(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeRecorder(4)
    await setup_fake(client)
    sensors = [
        _entity(hass, key, "binary_sensor", "motion")
        for key in ("fake-serial", "fake-serial-1", "fake-serial-2", "fake-serial-3")
    ]
    client.events_script.put_nowait(motion(True, channel=3))
    await wait_for(hass, lambda: hass.states.get(sensors[3]).state == STATE_ON)
    assert [hass.states.get(s).state for s in sensors[:3]] == [STATE_OFF] * 3
    client.events_script.put_nowait(CameraEvent(EventKind.INPUT, True, 1, "LocalAlarm"))
    recorder_input = _entity(hass, "fake-serial-recorder", "binary_sensor", "input")
    await wait_for(hass, lambda: hass.states.get(recorder_input).state == STATE_ON)
    assert hass.states.get(sensors[1]).state == STATE_OFF


async def test_channels_that_come_and_go_gain_and_lose_their_devices(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeRecorder(2)
    entry = await setup_fake(client)
    coordinator = entry.runtime_data.coordinator
    devices = dr.async_get(hass)
    client.channel_list.append(ChannelInfo(2, "Garden"))  # a camera plugged into the recorder
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    garden = devices.async_get_device(identifiers={(DOMAIN, "fake-serial-2")})
    assert garden is not None and garden.name == "Garden"
    _entity(hass, "fake-serial-2", "camera", "camera")
    client.channel_list = [info for info in client.channel_list if info.number != 1]
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert devices.async_get_device(identifiers={(DOMAIN, "fake-serial-1")}) is None
    assert len(dr.async_entries_for_config_entry(devices, entry.entry_id)) == 3


async def test_triggers_of_the_recorder_and_of_a_channel(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    from homeassistant.components.device_automation import DeviceAutomationType
    from pytest_homeassistant_custom_component.common import async_get_device_automations

    client = FakeRecorder(2)
    await setup_fake(client)
    devices = dr.async_get(hass)

    async def ours(key: str, kind: DeviceAutomationType) -> set[str]:
        device = devices.async_get_device(identifiers={(DOMAIN, key)})
        assert device is not None
        found = await async_get_device_automations(hass, kind, device.id)
        return {item["type"] for item in found if item["domain"] == DOMAIN}

    assert await ours("fake-serial-1", DeviceAutomationType.TRIGGER) == {
        "motion_detected",
        "motion_cleared",
    }
    assert await ours("fake-serial-recorder", DeviceAutomationType.TRIGGER) == {
        "input_triggered",
        "input_cleared",
    }
    assert await ours("fake-serial-1", DeviceAutomationType.CONDITION) == {"is_motion"}
    assert await ours("fake-serial-recorder", DeviceAutomationType.CONDITION) == set()


async def test_only_devices_the_recorder_no_longer_has_may_be_deleted(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    from custom_components.ipcam import async_remove_config_entry_device

    client = FakeRecorder(2)
    entry = await setup_fake(client)
    devices = dr.async_get(hass)
    current = devices.async_get_device(identifiers={(DOMAIN, "fake-serial-1")})
    assert current is not None
    assert not await async_remove_config_entry_device(hass, entry, current)
    stale = devices.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "fake-serial-9")}
    )
    assert await async_remove_config_entry_device(hass, entry, stale)
