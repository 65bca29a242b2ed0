"""An IPCamCGI camera in Home Assistant: every entity reads and changes the simulator's state."""

from __future__ import annotations

import asyncio
import logging

import pytest
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam.const import DOMAIN
from custom_components.ipcam.protocols.jpeg import jpeg_size
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, keys, wait_for


async def test_entities_created_from_capabilities(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.LOADED
    assert keys(hass, entry, "switch") == {"alarm_out", "alarm_out_2", "led", "motion_armed"}
    assert keys(hass, entry, "select") == {"resolution", "frame_rate", "ptz_preset"}
    assert keys(hass, entry, "binary_sensor") == {"input_1", "input_2"}
    assert {"ptz_up", "ptz_down", "ptz_left", "ptz_right", "ptz_home", "reboot"} <= keys(
        hass, entry, "button"
    )
    assert keys(hass, entry, "camera") == {"camera"}


async def test_switches_write_and_read_back(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    for key, sim_state in (
        ("alarm_out", lambda: camera.vendor_state()["io"]["trigger1"]),
        ("alarm_out_2", lambda: camera.vendor_state()["io"]["trigger2"]),
        ("led", lambda: camera.vendor_state()["led"] != 1),  # LEDControl 1 is "off"
        ("motion_armed", lambda: camera.vendor_state()["motion"]["enable"] == 1),
    ):
        switch = entity_id(hass, entry, "switch", key)
        assert hass.states.get(switch).state == (STATE_ON if sim_state() else STATE_OFF)
        await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: switch}, blocking=True)
        assert sim_state()
        assert hass.states.get(switch).state == STATE_ON
        await hass.services.async_call(
            "switch", "turn_off", {ATTR_ENTITY_ID: switch}, blocking=True
        )
        assert not sim_state()
        assert hass.states.get(switch).state == STATE_OFF


async def test_state_changed_on_the_camera_shows_after_refresh(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    camera.io["trigger1"] = 1  # someone used the camera's web page
    await coordinator(entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(entity_id(hass, entry, "switch", "alarm_out")).state == STATE_ON


async def test_resolution_and_frame_rate_selects(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    resolution = entity_id(hass, entry, "select", "resolution")
    state = hass.states.get(resolution)
    assert state.state == camera.vendor_state()["resolution"]
    options = state.attributes["options"]
    target = next(option for option in options if option != state.state)
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: resolution, "option": target}, blocking=True
    )
    assert camera.vendor_state()["resolution"] == target
    assert hass.states.get(resolution).state == target
    # The picture really changed size.
    image = await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))
    width, height = (int(part) for part in target.split("x"))
    assert jpeg_size(image.content) == (width, height)

    frame_rate = entity_id(hass, entry, "select", "frame_rate")
    rates = hass.states.get(frame_rate).attributes["options"]
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: frame_rate, "option": rates[-1]}, blocking=True
    )
    assert str(camera.vendor_state()["frame_rate"]) == rates[-1]
    assert hass.states.get(frame_rate).state == rates[-1]


async def test_pan_tilt_buttons_and_presets(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    home = dict(camera.vendor_state()["ptz"])
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "ptz_right")},
        blocking=True,
    )
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "ptz_up")},
        blocking=True,
    )
    moved = dict(camera.vendor_state()["ptz"])
    assert moved["pan"] != home["pan"]
    assert moved["tilt"] != home["tilt"]

    cam = entity_id(hass, entry, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: cam, "action": "set", "preset": 3}, blocking=True
    )
    assert "3" in camera.vendor_state()["presets"]
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "ptz_home")},
        blocking=True,
    )
    assert camera.vendor_state()["ptz"]["pan"] == home["pan"]
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: cam, "action": "goto", "preset": 3}, blocking=True
    )
    assert camera.vendor_state()["ptz"]["pan"] == moved["pan"]
    await hass.services.async_call(
        DOMAIN, "ptz_preset", {ATTR_ENTITY_ID: cam, "action": "clear", "preset": 3}, blocking=True
    )
    assert "3" not in camera.vendor_state()["presets"]

    # Out-of-range values are refused with a clear error, not a traceback.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "ptz_preset",
            {ATTR_ENTITY_ID: cam, "action": "goto", "preset": 200},
            blocking=True,
        )
    with pytest.raises(Exception, match="preset"):
        await hass.services.async_call(
            DOMAIN,
            "ptz_preset",
            {ATTR_ENTITY_ID: cam, "action": "goto", "preset": 999},
            blocking=True,
        )


async def test_inputs_follow_the_camera(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    sensor = entity_id(hass, entry, "binary_sensor", "input_1")
    assert hass.states.get(sensor).state == STATE_OFF
    await camera.push_event("input", True, 1)
    await coordinator(entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == STATE_ON
    assert hass.states.get(entity_id(hass, entry, "binary_sensor", "input_2")).state == STATE_OFF


async def test_still_image_is_the_cameras_jpeg(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    image = await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))
    assert image.content_type == "image/jpeg"
    width, height = (int(v) for v in camera.vendor_state()["resolution"].split("x"))
    assert jpeg_size(image.content) == (width, height)


async def _read_mjpeg_frames(response: object, count: int) -> list[bytes]:
    """Read ``count`` JPEG frames from a multipart response body."""
    frames: list[bytes] = []
    buffer = b""
    async with asyncio.timeout(20):
        while len(frames) < count:
            chunk = await response.content.readany()  # type: ignore[attr-defined]
            assert chunk, "the MJPEG stream ended"
            buffer += chunk
            while True:
                start = buffer.find(b"\xff\xd8")
                end = buffer.find(b"\xff\xd9", start + 2)
                if start < 0 or end < 0:
                    break
                frames.append(buffer[start : end + 2])
                buffer = buffer[end + 2 :]
    return frames


async def test_mjpeg_relay_two_viewers_share_one_upstream(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    client = await hass_client()
    first = await client.get(f"/api/camera_proxy_stream/{cam}")
    second = await client.get(f"/api/camera_proxy_stream/{cam}")
    assert first.status == 200
    assert first.headers["Content-Type"].startswith("multipart/x-mixed-replace")
    frames_a, frames_b = await asyncio.gather(
        _read_mjpeg_frames(first, 5), _read_mjpeg_frames(second, 5)
    )
    for frames in (frames_a, frames_b):
        assert len(frames) == 5
        assert all(jpeg_size(frame) != (0, 0) for frame in frames)
        assert len(set(frames)) > 1  # the picture changes over time
    assert camera.vendor_state()["mjpeg_streams"] == 1
    assert coordinator(entry).video.subscriber_count == 2
    assert coordinator(entry).video.read_every == 0  # JPEG: each picture as it comes
    # While a viewer watches, a still comes from the live stream, not a new request.
    requests_before = camera.vendor_state()["requests"].get("/image.jpg", 0)
    image = await async_get_image(hass, cam)
    assert image.content.startswith(b"\xff\xd8")
    assert camera.vendor_state()["requests"].get("/image.jpg", 0) == requests_before
    first.close()
    second.close()
    await wait_for(hass, lambda: coordinator(entry).video.subscriber_count == 0)


async def test_unreachable_then_back(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    switch = entity_id(hass, entry, "switch", "led")
    caplog.set_level(logging.INFO)
    await camera.inject_fault("refuse", 60)
    await coordinator(entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(switch).state == STATE_UNAVAILABLE

    def outage_logs() -> int:
        return sum(
            "unavailable" in r.getMessage() or "Error fetching" in r.getMessage()
            for r in caplog.records
            if r.name.startswith("custom_components.ipcam")
        )

    await wait_for(hass, lambda: not coordinator(entry).push_connected)
    logged = outage_logs()
    assert logged >= 1
    for _ in range(3):
        await coordinator(entry).async_refresh()
    await asyncio.sleep(1.5)  # let the push loop retry too
    await hass.async_block_till_done()
    assert outage_logs() == logged  # said once, not on every retry
    assert hass.states.get(switch).state == STATE_UNAVAILABLE

    camera._refusing_until = 0  # the camera is back
    await coordinator(entry).async_refresh()
    await wait_for(hass, lambda: hass.states.get(switch).state != STATE_UNAVAILABLE, 70)
    assert hass.states.get(switch).state == STATE_ON  # the LED's real state
    assert any(
        "back online" in r.getMessage() or "recovered" in r.getMessage() for r in caplog.records
    )


async def test_reboot_button(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "reboot")},
        blocking=True,
    )
    await wait_for(hass, lambda: camera.reboots == 1)


async def test_diagnostics_hold_no_secrets(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    from pytest_homeassistant_custom_component.components.diagnostics import (
        get_diagnostics_for_config_entry,
    )

    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = repr(diagnostics)
    assert diagnostics["entry"]["vendor"] == "cgi"
    assert "snapshot" in diagnostics["capabilities"]
    for secret in (camera.password, "127.0.0.1", camera.vendor_state()["mac"]):
        assert secret not in text


@pytest.mark.defaults
async def test_rarely_used_entities_are_disabled_by_default(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    registry = er.async_get(hass)
    for platform, key in (("switch", "led"), ("select", "frame_rate")):
        entry_id = entity_id(hass, entry, platform, key)
        assert registry.async_get(entry_id).disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entry_id) is None
    resolution = entity_id(hass, entry, "select", "resolution")
    assert registry.async_get(resolution).disabled_by is None


async def test_input_sensors_appear_once_the_camera_proves_its_input_layout(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """A camera numbering its I/O digits the applet's way, with no inputs in iocontrol.cgi:
    inputs are only trusted once an output change proves the layout, and then their
    sensors are added without a reload."""
    camera = await start_simulator("cgi", io_order="jplug", iocontrol_inputs=False)
    entry = await add_entry(camera)
    assert "input_1" not in keys(hass, entry, "binary_sensor")
    switch = entity_id(hass, entry, "switch", "alarm_out")
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: switch}, blocking=True)
    await wait_for(hass, lambda: "input_1" in keys(hass, entry, "binary_sensor"), 15)
    assert entry.state is ConfigEntryState.LOADED
    assert {"input_1", "input_2"} <= keys(hass, entry, "binary_sensor")
