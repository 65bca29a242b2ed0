"""Push-to-talk from the talk card: the ``ipcam/talk/start`` websocket subscription.

The browser side (microphone, AudioWorklet, the card) is tested in a real
browser in ``tests/browser``; here a websocket client sends the PCM the card
would send, against simulated cameras.
"""

from __future__ import annotations

import asyncio
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockUser
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam import frontend, live_audio
from custom_components.ipcam.const import CONF_CHANNEL
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, wait_for

CHUNK_BYTES = 640  # 20 ms at 16 kHz, as the card sends


async def _start(client: Any, cam: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    await client.send_json_auto_id({"type": "ipcam/talk/start", "entity_id": cam, **extra})
    result = await client.receive_json()
    return result["id"], result


async def _event(client: Any, seconds: float = 10) -> dict[str, Any]:
    async with asyncio.timeout(seconds):
        message = await client.receive_json()
    assert message["type"] == "event", message
    return message["event"]  # type: ignore[no-any-return]


async def _send_tone(client: Any, handler: int, hz: int, seconds: float) -> None:
    """Stream a tone in 20 ms messages at real-time pace, as a microphone would."""
    pcm = tone_pcm(hz, seconds, rate=16000)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for index, offset in enumerate(range(0, len(pcm), CHUNK_BYTES)):
        await client.send_bytes(bytes([handler]) + pcm[offset : offset + CHUNK_BYTES])
        delay = start + (index + 1) * 0.02 - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)


@pytest.mark.parametrize(
    ("vendor", "extra"), [("foscam", {}), ("dvrip", {CONF_CHANNEL: 0}), ("grandstream", {})]
)
async def test_live_talk_reaches_the_camera(
    hass: HomeAssistant,
    hass_ws_client: Any,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    vendor: str,
    extra: dict[str, Any],
) -> None:
    camera = await start_simulator(vendor)
    entry = await add_entry(camera, **extra)
    cam = entity_id(hass, entry, "camera", "camera")
    client = await hass_ws_client(hass)

    msg_id, result = await _start(client, cam)
    assert result["success"], result
    ready = await _event(client)
    assert ready["type"] == "ready"
    handler = ready["binary_handler_id"]
    sender = asyncio.create_task(_send_tone(client, handler, 1000, 1.5))
    assert (await _event(client))["type"] == "started"
    await sender
    await client.send_json_auto_id({"type": "unsubscribe_events", "subscription": msg_id})
    await wait_for(hass, lambda: not coordinator(entry).talk.playing)
    await wait_for(hass, lambda: camera.talk_statistics()["seconds"] >= 1.4)
    stats = camera.talk_statistics()
    assert 1.4 <= stats["seconds"] <= 1.7
    assert abs(dominant_frequency(bytes(camera.talk_pcm)) - 1000) <= 10
    assert camera.talk_sessions == 1


async def test_second_talker_takes_over(
    hass: HomeAssistant,
    hass_ws_client: Any,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    first = await hass_ws_client(hass)
    second = await hass_ws_client(hass)

    await _start(first, cam)
    handler = (await _event(first))["binary_handler_id"]
    sender = asyncio.create_task(_send_tone(first, handler, 1000, 3.0))
    assert (await _event(first))["type"] == "started"

    await _start(second, cam)
    handler2 = (await _event(second))["binary_handler_id"]
    sender2 = asyncio.create_task(_send_tone(second, handler2, 500, 0.6))
    assert (await _event(second))["type"] == "started"
    ended = await _event(first)
    assert ended == {
        "type": "ended",
        "reason": "replaced",
        "message": "another talk took over the camera's speaker",
    }
    sender.cancel()
    await sender2
    ended2 = await _event(second, 5)  # the second talk ends when its audio stops
    assert ended2["type"] == "ended"
    assert ended2["reason"] == "idle"


async def test_talk_is_refused_clearly(
    hass: HomeAssistant,
    hass_ws_client: Any,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
) -> None:
    foscam = await add_entry(await start_simulator("foscam"))
    cgi = await add_entry(await start_simulator("cgi"))
    cam = entity_id(hass, foscam, "camera", "camera")
    admin = await hass_ws_client(hass)

    _, result = await _start(admin, "camera.nothing_here")
    assert result["error"]["code"] == "not_found"
    _, result = await _start(admin, "light.kitchen")
    assert result["error"]["code"] == "not_found"
    _, result = await _start(admin, "not an entity")
    assert result["error"]["code"] == "invalid_format"
    _, result = await _start(admin, cam, sample_rate=44100)
    assert result["error"]["code"] == "invalid_format"
    _, result = await _start(admin, entity_id(hass, cgi, "camera", "camera"))
    assert result["error"]["code"] == "not_supported"
    assert "no talk-back channel" in result["error"]["message"]

    reader = await hass_ws_client(hass, hass_read_only_access_token)
    _, result = await _start(reader, cam)
    assert result["error"]["code"] == "unauthorized"

    # A user whose permissions allow controlling this camera may talk.
    hass_read_only_user.mock_policy({"entities": {"entity_ids": {cam: True}}})
    _, result = await _start(reader, cam)
    assert result["success"], result
    assert (await _event(reader))["type"] == "ready"

    await hass.config_entries.async_unload(foscam.entry_id)
    _, result = await _start(admin, cam)
    assert result["error"]["code"] == "not_found"
    assert "not loaded" in result["error"]["message"]


async def test_malformed_audio_and_silence_end_the_talk(
    hass: HomeAssistant,
    hass_ws_client: Any,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    cam = entity_id(hass, entry, "camera", "camera")
    client = await hass_ws_client(hass)

    await _start(client, cam)
    handler = (await _event(client))["binary_handler_id"]
    await client.send_bytes(bytes([handler]) + tone_pcm(1000, 0.1, rate=16000))
    assert (await _event(client))["type"] == "started"
    await client.send_bytes(bytes([handler]) + b"\x01\x02\x03")  # half a sample
    ended = await _event(client)
    assert ended["reason"] == "error"
    assert "16-bit" in ended["message"]
    await wait_for(hass, lambda: not coordinator(entry).talk.playing)

    # Nothing sent at all: the talk gives up after the idle time.
    with patch.object(live_audio, "IDLE_SECONDS", 0.2):
        await _start(client, cam, sample_rate=8000)
        assert (await _event(client))["type"] == "ready"
        ended = await _event(client)
    assert ended["reason"] == "idle"

    # Too large a message.
    await _start(client, cam)
    handler = (await _event(client))["binary_handler_id"]
    await client.send_bytes(bytes([handler]) + bytes(live_audio.MAX_MESSAGE_BYTES + 2))
    ended = await _event(client)
    assert ended["reason"] == "error"
    assert "at most" in ended["message"]


async def test_card_is_served_and_registered(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
) -> None:
    hass.config.components.add("frontend")
    with patch.object(frontend, "add_extra_js_url") as add_js:
        await add_entry(await start_simulator("cgi"))
    url = hass.data[frontend.DATA_FRONTEND]
    add_js.assert_called_once_with(hass, url)
    assert url.startswith("/ipcam_static/ipcam-talk-card.js?v=")
    client = await hass_client()
    response = await client.get(url)
    assert response.status == 200
    assert 'customElements.define("ipcam-talk-card"' in await response.text()
    response = await client.get("/ipcam_static/ipcam-talk-worklet.js")
    assert response.status == 200
    assert "registerProcessor" in await response.text()
