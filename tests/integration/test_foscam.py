"""A legacy Foscam MO_O / MO_V camera in Home Assistant, against the Foscam simulator."""

from __future__ import annotations

import asyncio

from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam.const import CONF_MOTION_TIMEOUT
from custom_components.ipcam.protocols.jpeg import jpeg_size
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, keys, wait_for
from tests.integration.test_cgi import _read_mjpeg_frames


async def test_entities(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.identity.unique_id
    assert keys(hass, entry, "binary_sensor") == {"motion", "input", "sound"}
    assert "ir" in keys(hass, entry, "switch")
    assert {"ptz_up", "ptz_down", "ptz_left", "ptz_right", "ptz_stop", "reboot"} <= keys(
        hass, entry, "button"
    )


async def test_alarms_are_pushed_and_cleared_by_stop(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    for kind in ("motion", "input", "sound"):
        sensor = entity_id(hass, entry, "binary_sensor", kind)
        assert hass.states.get(sensor).state == STATE_OFF
        await camera.push_event(kind, True, 0)
        await wait_for(hass, lambda sensor=sensor: hass.states.get(sensor).state == STATE_ON)
        await camera.push_event(kind, False, 0)
        await wait_for(hass, lambda sensor=sensor: hass.states.get(sensor).state == STATE_OFF)


async def test_alarm_clears_after_timeout_without_stop(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera, options={CONF_MOTION_TIMEOUT: 1})
    sensor = entity_id(hass, entry, "binary_sensor", "motion")
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_OFF, 10)


async def test_live_view_shares_one_camera_connection(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    client = await hass_client()
    first = await client.get(f"/api/camera_proxy_stream/{cam}")
    second = await client.get(f"/api/camera_proxy_stream/{cam}")
    frames_a, frames_b = await asyncio.gather(
        _read_mjpeg_frames(first, 5), _read_mjpeg_frames(second, 5)
    )
    for frames in (frames_a, frames_b):
        assert all(jpeg_size(frame) != (0, 0) for frame in frames)
        assert len(set(frames)) > 1
    assert camera.vendor_state()["av_connections"] == 1
    snapshots_before = camera.vendor_state()["cgi_requests"].get("snapshot.cgi", 0)
    image = await async_get_image(hass, cam)
    assert image.content.startswith(b"\xff\xd8")
    assert camera.vendor_state()["cgi_requests"].get("snapshot.cgi", 0) == snapshots_before
    first.close()
    second.close()
    await wait_for(hass, lambda: coordinator(entry).video.subscriber_count == 0)


async def test_still_image_without_viewers(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    image = await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))
    assert jpeg_size(image.content) != (0, 0)


async def test_ir_switch_and_pan_tilt(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    switch = entity_id(hass, entry, "switch", "ir")
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: switch}, blocking=True)
    assert camera.vendor_state()["ir"]
    assert hass.states.get(switch).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: switch}, blocking=True)
    assert not camera.vendor_state()["ir"]
    assert hass.states.get(switch).state == STATE_OFF

    start = dict(camera.vendor_state()["ptz"])
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "ptz_left")},
        blocking=True,
    )
    ptz = camera.vendor_state()["ptz"]
    assert not ptz["moving"]  # the nudge ended with a stop
    assert ptz["pan"] != start["pan"]


async def test_reconnects_after_a_dropped_connection(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    sensor = entity_id(hass, entry, "binary_sensor", "motion")
    await camera.inject_fault("drop", 0)
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_OFF, 30)
    await wait_for(hass, lambda: camera.vendor_state()["active_logins"] >= 1)
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)


async def test_refused_login_starts_reauth(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera, password="wrong")
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("ipcam")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert camera.vendor_state()["auth_failures"] == 1
