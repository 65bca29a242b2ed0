"""A Grandstream GXV camera in Home Assistant, against the Grandstream simulator."""

from __future__ import annotations

import asyncio

from homeassistant.components.camera import (
    CameraEntityFeature,
    async_get_image,
    async_get_stream_source,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er

from custom_components.ipcam.const import CONF_STREAM, DOMAIN, STREAM_SECONDARY
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency
from custom_components.ipcam.protocols.jpeg import jpeg_size
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import decode_audio, decode_video, entity_id, keys, wait_for

RTSP_TCP = {"rtsp_transport": "tcp"}


async def test_entities_and_stream(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.LOADED
    assert {"alarm", "motion", "input"} == keys(hass, entry, "binary_sensor")
    cam = entity_id(hass, entry, "camera", "camera")
    assert hass.states.get(cam).attributes[ATTR_SUPPORTED_FEATURES] & CameraEntityFeature.STREAM
    url = await async_get_stream_source(hass, cam)
    assert url is not None
    assert url.startswith("rtsp://")
    codec, decoded, width, height = await asyncio.wait_for(
        asyncio.to_thread(decode_video, url, 10, RTSP_TCP), 60
    )
    assert (codec, decoded) == ("h264", 10)
    assert width > 0
    assert height > 0


async def test_the_stream_source_carries_the_cameras_pcmu_audio(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """What go2rtc hands to WebRTC as it is (PCMU is a WebRTC codec); Home Assistant's HLS
    keeps only AAC or MP3 and leaves it out (README, "Which audio plays where")."""
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    url = await async_get_stream_source(hass, entity_id(hass, entry, "camera", "camera"))
    assert url is not None
    codec, rate, pcm = await asyncio.wait_for(
        asyncio.to_thread(decode_audio, url, 1.0, RTSP_TCP), 60
    )
    assert (codec, rate) == ("pcm_mulaw", 8000)
    assert abs(dominant_frequency(pcm, 8000) - 1000) <= 20


async def test_secondary_stream_is_a_smaller_picture(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    primary = await add_entry(camera)
    url = await async_get_stream_source(hass, entity_id(hass, primary, "camera", "camera"))
    await hass.config_entries.async_unload(primary.entry_id)
    secondary = await add_entry(camera, **{CONF_STREAM: STREAM_SECONDARY})
    url2 = await async_get_stream_source(hass, entity_id(hass, secondary, "camera", "camera"))
    assert url != url2
    _, _, w1, _ = await asyncio.to_thread(decode_video, url, 1, RTSP_TCP)
    _, _, w2, _ = await asyncio.to_thread(decode_video, url2, 1, RTSP_TCP)
    assert w2 < w1


async def test_still_from_a_key_frame_is_cached(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    first = await async_get_image(hass, cam)
    assert jpeg_size(first.content) != (0, 0)
    describes = camera.vendor_state()["rtsp"]["describes"]
    second = await async_get_image(hass, cam)
    assert second.content == first.content
    assert camera.vendor_state()["rtsp"]["describes"] == describes  # no new stream opened


async def test_alarms_from_mctp(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    alarm = entity_id(hass, entry, "binary_sensor", "alarm")
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_ON)
    assert hass.states.get(alarm).state == STATE_ON  # "alarm" is on for any alarm
    await camera.push_event("motion", False, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_OFF)


async def test_heartbeat_loss_then_recovery(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    alarm = entity_id(hass, entry, "binary_sensor", "alarm")
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    await camera.inject_fault("refuse", 2)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_OFF, 40)
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    await camera.push_event("alarm", True, 0)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_ON)


async def test_wrong_password_starts_reauth(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera, password="wrong")
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("ipcam")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]


async def test_a_multi_input_encoder_is_one_entry_with_a_device_per_input(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream", inputs=3)
    entry = await add_entry(camera)  # no channel: the whole encoder
    coordinator = entry.runtime_data.coordinator
    assert coordinator.layout.recorder
    devices = dr.async_get(hass)
    recorder = devices.async_get_device(identifiers={(DOMAIN, coordinator.layout.key_for(None))})
    assert recorder is not None
    sensors = {}
    for channel in (0, 1, 2):
        key = coordinator.layout.key_for(channel)
        device = devices.async_get_device(identifiers={(DOMAIN, key)})
        assert device is not None and device.via_device_id == recorder.id
        assert device.name.endswith(f"input {channel + 1}")
        sensors[channel] = er.async_get(hass).async_get_entity_id(
            "binary_sensor", DOMAIN, f"{key}_motion"
        )
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    await camera.push_event("motion", True, 2)
    await wait_for(hass, lambda: hass.states.get(sensors[2]).state == STATE_ON)
    assert hass.states.get(sensors[0]).state == STATE_OFF
    assert hass.states.get(sensors[1]).state == STATE_OFF
    # One heartbeat/alarm connection for the whole encoder.
    assert camera.vendor_state()["mctp"]["alarm_subscribers"] == 1
