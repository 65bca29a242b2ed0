"""Talk-back through Home Assistant: the ipcam.talk action and the Speaker media player."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import av
import pytest
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    MediaPlayerState,
)
from homeassistant.const import ATTR_ENTITY_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component

from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm, wav_bytes
from simulator.base import SimulatedCamera
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, keys, talk_settled, wait_for

TALK_VENDORS = [("foscam", {}), ("dvrip", {CONF_CHANNEL: 0}), ("grandstream", {})]


@pytest.fixture
def tone_file(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A 2 s 440 Hz tone at 16 kHz (the integration resamples it) in an allowed folder."""
    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(tone_pcm(440, 2.0, rate=16000), rate=16000))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    return path


def _received(camera: SimulatedCamera) -> tuple[float, float]:
    stats = camera.talk_statistics()
    return stats["seconds"], dominant_frequency(bytes(camera.talk_pcm))


async def _finish(hass: HomeAssistant, entry: object) -> None:
    await asyncio.wait_for(coordinator(entry).talk.async_wait(), 30)  # type: ignore[arg-type]
    await hass.async_block_till_done()


@pytest.mark.parametrize(("vendor", "extra"), TALK_VENDORS)
async def test_talk_action_plays_a_tone(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    tone_file: Path,
    vendor: str,
    extra: dict[str, object],
) -> None:
    camera = await start_simulator(vendor)
    entry = await add_entry(camera, **extra)
    cam = entity_id(hass, entry, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(tone_file)}, blocking=True
    )
    await _finish(hass, entry)
    await wait_for(hass, lambda: camera.talk_statistics()["seconds"] >= 1.8)
    seconds, hz = _received(camera)
    assert abs(hz - 440) <= 5
    assert 1.8 <= seconds <= 2.2  # within 10 %
    assert camera.talk_sessions == 1


@pytest.mark.parametrize(("vendor", "extra"), TALK_VENDORS)
async def test_speaker_plays_media_and_tts(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    tone_file: Path,
    vendor: str,
    extra: dict[str, object],
) -> None:
    camera = await start_simulator(vendor)
    entry = await add_entry(camera, **extra)
    speaker = entity_id(hass, entry, "media_player", "speaker")
    assert hass.states.get(speaker).state == MediaPlayerState.IDLE
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            ATTR_ENTITY_ID: speaker,
            ATTR_MEDIA_CONTENT_ID: str(tone_file),
            ATTR_MEDIA_CONTENT_TYPE: "music",
        },
        blocking=True,
    )
    assert hass.states.get(speaker).state == MediaPlayerState.PLAYING
    await _finish(hass, entry)
    await wait_for(hass, lambda: hass.states.get(speaker).state == MediaPlayerState.IDLE)
    await talk_settled(hass, camera)
    seconds, hz = _received(camera)
    assert abs(hz - 440) <= 5
    assert 1.8 <= seconds <= 2.2

    # The demo TTS engine's MP3, through the media source, as tts.speak sends it.
    # The demo integration needs the core "homeassistant" component (exposed entities).
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "tts", {"tts": {"platform": "demo"}})
    await hass.async_block_till_done()
    camera.reset_talk()
    media_id = "media-source://tts/demo?message=Who%20is%20there"
    from homeassistant.components import tts

    _extension, mp3 = await tts.async_get_media_source_audio(hass, media_id)
    with av.open(io.BytesIO(mp3)) as container:
        stream = container.streams.audio[0]
        expected = float(sum(frame.samples for frame in container.decode(stream))) / stream.rate
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            ATTR_ENTITY_ID: speaker,
            ATTR_MEDIA_CONTENT_ID: media_id,
            ATTR_MEDIA_CONTENT_TYPE: "music",
            "announce": True,
        },
        blocking=True,
    )
    await _finish(hass, entry)
    await wait_for(hass, lambda: camera.talk_statistics()["seconds"] >= expected * 0.9)
    assert abs(camera.talk_statistics()["seconds"] - expected) <= expected * 0.1 + 0.1


@pytest.mark.parametrize(("vendor", "extra"), TALK_VENDORS)
async def test_stop_mid_sentence_and_replace(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    tmp_path: Path,
    vendor: str,
    extra: dict[str, object],
) -> None:
    long_tone = tmp_path / "long.wav"
    long_tone.write_bytes(wav_bytes(tone_pcm(440, 6.0)))
    short_tone = tmp_path / "short.wav"
    short_tone.write_bytes(wav_bytes(tone_pcm(880, 1.0)))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    camera = await start_simulator(vendor)
    entry = await add_entry(camera, **extra)
    speaker = entity_id(hass, entry, "media_player", "speaker")
    talk = coordinator(entry).talk

    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            ATTR_ENTITY_ID: speaker,
            ATTR_MEDIA_CONTENT_ID: str(long_tone),
            "media_content_type": "music",
        },
        blocking=True,
    )
    await wait_for(hass, lambda: camera.talk_statistics()["seconds"] >= 0.5)
    await hass.services.async_call(
        "media_player", "media_stop", {ATTR_ENTITY_ID: speaker}, blocking=True
    )
    assert not talk.playing
    await talk_settled(hass, camera)
    stopped_at = camera.talk_statistics()["seconds"]
    assert stopped_at < 4.0  # cut mid-sentence
    await asyncio.sleep(0.5)
    assert camera.talk_statistics()["seconds"] == stopped_at  # nothing more arrives

    # A new request replaces the running one.
    camera.reset_talk()
    cam = entity_id(hass, entry, "camera", "camera")
    await hass.services.async_call(
        DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(long_tone)}, blocking=True
    )
    await wait_for(hass, lambda: camera.talk_statistics()["seconds"] >= 0.5)
    await hass.services.async_call(
        DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(short_tone)}, blocking=True
    )
    await _finish(hass, entry)
    await talk_settled(hass, camera)
    assert camera.talk_sessions == 3
    assert camera.talk_statistics()["seconds"] < 5.0
    tail = bytes(camera.talk_pcm[-8000:])  # the last half second
    assert abs(dominant_frequency(tail) - 880) <= 10


async def test_bad_media_and_cameras_without_talk(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    tmp_path: Path,
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    garbage = tmp_path / "garbage.mp3"
    garbage.write_bytes(b"this is not audio" * 100)
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(garbage)}, blocking=True
        )
    assert err.value.translation_key == "bad_media"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": "/etc/passwd"}, blocking=True
        )
    assert err.value.translation_key == "path_not_allowed"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": "ftp://x"}, blocking=True
        )
    assert err.value.translation_key == "bad_media"
    assert camera.talk_sessions == 0

    cgi = await start_simulator("cgi")
    cgi_entry = await add_entry(cgi)
    assert keys(hass, cgi_entry, "media_player") == set()
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            "talk",
            {ATTR_ENTITY_ID: entity_id(hass, cgi_entry, "camera", "camera"), "media": "/x.wav"},
            blocking=True,
        )
    assert err.value.translation_key == "no_talk"


async def test_simultaneous_requests_are_taken_in_turn(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, tone_file: Path
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    await asyncio.gather(
        *(
            hass.services.async_call(
                DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(tone_file)}, blocking=True
            )
            for _ in range(3)
        )
    )
    await _finish(hass, entry)
    await talk_settled(hass, camera)
    assert camera.talk_sessions == 3  # each replaced the one before; none was refused as busy
    assert not camera.vendor_state()["talking"]
    assert 1.8 <= camera.talk_statistics()["seconds"] <= 2.2 + 0.5  # the last one played whole
