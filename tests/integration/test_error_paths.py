"""What users see when things go wrong: setup failures, refused commands, bad input, lock-outs."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from unittest.mock import patch

import aiohttp
import pytest
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from custom_components.ipcam.mpegts_relay import MAX_CLIENTS_PER_CAMERA
from custom_components.ipcam.protocols.cgi.profile import PROFILE as CGI_PROFILE
from custom_components.ipcam.protocols.errors import NotSupported, ProtocolError
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, talk_settled, wait_for


async def test_setup_retries_when_the_camera_is_away(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    await camera.inject_fault("refuse", 60)
    entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_error_when_the_camera_cannot_do_it(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    with patch(
        "custom_components.ipcam.protocols.cgi.client.Client.connect",
        side_effect=NotSupported("firmware too old"),
    ):
        entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.SETUP_ERROR


async def test_first_refresh_failure_closes_the_client(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    with (
        patch(
            "custom_components.ipcam.protocols.cgi.client.Client.read_settings",
            side_effect=ProtocolError("garbage"),
        ),
        patch("custom_components.ipcam.protocols.cgi.client.Client.close") as close,
    ):
        entry = await add_entry(camera)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert close.called


async def test_password_changed_on_the_camera_asks_for_it_without_hammering(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    camera.system = dataclasses.replace(camera.system, admin_password="changed")  # type: ignore[attr-defined]

    def reauth_flows() -> list[str]:
        return [
            flow["context"]["source"]
            for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        ]

    for _ in range(CGI_PROFILE.auth_failures_before_reauth):
        await coordinator(entry).async_refresh()
        await hass.async_block_till_done()
    await wait_for(hass, lambda: reauth_flows() == ["reauth"])
    assert hass.states.get(entity_id(hass, entry, "switch", "led")).state == STATE_UNAVAILABLE
    # Then it stops knocking: neither polling nor the push loop tries the old password again.
    requests = sum(camera.vendor_state()["requests"].values())
    await asyncio.sleep(4)
    assert sum(camera.vendor_state()["requests"].values()) == requests


async def test_refused_commands_give_translated_errors(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("cgi")
    entry = await add_entry(camera)
    led = entity_id(hass, entry, "switch", "led")
    with (
        patch(
            "custom_components.ipcam.protocols.cgi.client.Client.write_setting",
            side_effect=NotSupported("no"),
        ),
        pytest.raises(ServiceValidationError) as err,
    ):
        await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: led}, blocking=True)
    assert err.value.translation_key == "not_supported"
    await camera.inject_fault("refuse", 60)
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: led}, blocking=True)
    assert err.value.translation_key == "command_failed"
    with pytest.raises(HomeAssistantError) as err:
        await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))
    assert err.value.translation_key == "snapshot_failed"


async def test_a_non_jpeg_snapshot_is_refused(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    with (
        patch(
            "custom_components.ipcam.protocols.dvrip.client.Client.snapshot",
            return_value=b"<html>login</html>",
        ),
        pytest.raises(HomeAssistantError),
    ):
        await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))


async def test_talk_input_validation(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, tmp_path: Path
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    for media in ("", {"media_content_type": "music"}, 42):
        with pytest.raises(Exception, match="media"):
            await hass.services.async_call(
                DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": media}, blocking=True
            )
    with pytest.raises(Exception, match="volume"):
        await hass.services.async_call(
            DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": "/x.wav", "volume": 3}, blocking=True
        )
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "talk",
            {ATTR_ENTITY_ID: cam, "media": str(tmp_path / "missing.wav")},
            blocking=True,
        )
    assert err.value.translation_key == "bad_media"
    # A URL nobody answers is a clear error too, not a hang.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            DOMAIN,
            "talk",
            {ATTR_ENTITY_ID: cam, "media": "http://127.0.0.1:9/nothing.mp3"},
            blocking=True,
        )
    assert camera.talk_sessions == 0
    speaker = entity_id(hass, entry, "media_player", "speaker")
    await hass.services.async_call(
        "media_player", "volume_set", {ATTR_ENTITY_ID: speaker, "volume_level": 0.3}, blocking=True
    )
    assert hass.states.get(speaker).attributes["volume_level"] == 0.3
    await hass.services.async_call(
        "media_player", "media_stop", {ATTR_ENTITY_ID: speaker}, blocking=True
    )


async def test_talk_volume_scales_the_audio(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, tmp_path: Path
) -> None:
    from custom_components.ipcam.protocols.audio.pcm import rms, tone_pcm, wav_bytes

    tone = tmp_path / "tone.wav"
    tone.write_bytes(wav_bytes(tone_pcm(440, 1.0, amplitude=0.5)))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    cam = entity_id(hass, entry, "camera", "camera")
    levels = []
    for volume in (1.0, 0.25):
        camera.reset_talk()
        await hass.services.async_call(
            DOMAIN,
            "talk",
            {ATTR_ENTITY_ID: cam, "media": str(tone), "volume": volume},
            blocking=True,
        )
        await coordinator(entry).talk.async_wait()
        await talk_settled(hass, camera)
        levels.append(rms(bytes(camera.talk_pcm)))
    assert levels[1] == pytest.approx(levels[0] * 0.25, rel=0.15)


async def test_live_relay_refuses_strangers_and_crowds(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = entry.runtime_data.live_url
    base = url.rsplit("/", 2)[0]
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/not-the-token/live.ts") as response:
            assert response.status == 404
        responses = [await session.get(url) for _ in range(MAX_CLIENTS_PER_CAMERA)]
        try:
            for response in responses:
                assert response.status == 200
            async with session.get(url) as extra:
                assert extra.status == 503
            first = await asyncio.wait_for(responses[0].content.readexactly(188 * 4), 20)
            assert first[0] == 0x47  # MPEG-TS sync byte
        finally:
            for response in responses:
                response.close()
