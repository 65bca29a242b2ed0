"""Resilience of the Home Assistant layer: lock-outs, refused talk, lost heartbeats, races.

Every test runs real simulators on 127.0.0.1 and waits for behaviour with ``wait_for``;
"stops growing" checks watch the simulator's counters over a few quiet seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from unittest.mock import patch

import aiohttp
import pytest
from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_CONTENT_TYPE,
    MediaPlayerState,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam import talk as talk_module
from custom_components.ipcam.const import CONF_CHANNEL, CONF_MOTION_TIMEOUT, DOMAIN
from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.audio.pcm import tone_pcm, wav_bytes
from custom_components.ipcam.protocols.errors import CannotConnect
from simulator.base import SimulatedCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME, StartSimulator
from tests.integration.conftest import AddEntry, camera_port
from tests.integration.helpers import coordinator, entity_id, wait_for

# How long a counter must stay still to count as "stopped growing" (the push loop's
# back-off starts at 1 s and the video upstream's at 2 s, so both would show up).
QUIET_SECONDS = 3.0


def _flows(hass: HomeAssistant) -> list[str]:
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


def _knocks(camera: SimulatedCamera) -> tuple[int, int, bool]:
    """What a client trying logins changes on the camera: connections, failures, lock."""
    state = camera.vendor_state()
    return camera.connections_total, state["failed_logins"], state["locked"]


async def _assert_no_more_logins(camera: SimulatedCamera) -> None:
    """The camera sees no further login attempts (nor new connections) for a while."""
    before = _knocks(camera)
    await asyncio.sleep(QUIET_SECONDS)
    assert _knocks(camera) == before


@pytest.fixture
def slow_media() -> Iterator[tuple[asyncio.Event, asyncio.Event]]:
    """Make talk media slow to open: (entered, release) events around the first chunk."""
    real_decode = talk_module.decode_to_pcm
    entered = asyncio.Event()
    release = asyncio.Event()

    def slow_decode(source: str | bytes, **kwargs: Any) -> AsyncGenerator[bytes]:
        async def chunks() -> AsyncGenerator[bytes]:
            inner = real_decode(source, **kwargs)
            try:
                entered.set()
                await release.wait()
                async for chunk in inner:
                    yield chunk
            finally:
                await inner.aclose()

        return chunks()

    with patch.object(talk_module, "decode_to_pcm", slow_decode):
        yield entered, release


@pytest.fixture
def long_tone(hass: HomeAssistant, tmp_path: Path) -> Path:
    """A 6 s tone in a folder Home Assistant may read."""
    path = tmp_path / "long.wav"
    path.write_bytes(wav_bytes(tone_pcm(440, 6.0)))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    return path


# --- 1. lock-out care ------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _live_viewer(hass: HomeAssistant, url: str) -> AsyncIterator[Callable[[], int]]:
    """Watch the DVRIP relay like FFmpeg would; yields a getter of the bytes received."""
    received = 0
    async with aiohttp.ClientSession() as session:
        response = await session.get(url)
        assert response.status == 200

        async def read() -> None:
            nonlocal received
            with contextlib.suppress(aiohttp.ClientError):
                while chunk := await response.content.read(65536):
                    received += len(chunk)

        reader = asyncio.create_task(read())
        try:
            await wait_for(hass, lambda: received >= 188 * 16, 20)
            yield lambda: received
        finally:
            response.close()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader


async def _change_password_and_drop(hass: HomeAssistant, camera: SimulatedCamera) -> None:
    """The user changes the password on the camera, which drops every connection."""
    camera.password = "changed-on-the-camera"
    await camera.inject_fault("drop", 0)
    await wait_for(hass, lambda: _flows(hass) == ["reauth"], 30)


async def test_password_changed_while_running_asks_once_and_stops_knocking(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """The push loop notices the new password, asks for it, and tries no more logins."""
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    await _change_password_and_drop(hass, camera)
    assert coordinator(entry).credentials_rejected
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    assert hass.states.get(motion).state == STATE_UNAVAILABLE
    # Neither the push loop nor polling knocks again (a poll fails without trying).
    before = _knocks(camera)
    await coordinator(entry).async_refresh()
    await hass.async_block_till_done()
    assert not coordinator(entry).last_update_success
    await asyncio.sleep(QUIET_SECONDS)
    assert _knocks(camera) == before
    assert _flows(hass) == ["reauth"]


async def test_password_changed_with_a_live_viewer_stops_knocking(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """The video upstream does not keep retrying a rejected password for its viewer."""
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    url = entry.runtime_data.live_url
    assert url is not None
    async with _live_viewer(hass, url):
        assert camera.vendor_state()["streams"] == 1
        await _change_password_and_drop(hass, camera)
        await _assert_no_more_logins(camera)
        # The viewer is let go rather than kept waiting on a camera we may not log in to.
        await wait_for(hass, lambda: coordinator(entry).video.subscriber_count == 0, 30)
    # A new viewer does not make the upstream try the old password again either.
    before = _knocks(camera)
    async with aiohttp.ClientSession() as session, session.get(url) as again:
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with asyncio.timeout(5):
                await again.content.read()
    assert _knocks(camera) == before
    assert _flows(hass) == ["reauth"]


@pytest.mark.parametrize("viewer", [False, True], ids=["push_only", "live_viewer"])
async def test_password_changed_while_running_does_not_lock_the_camera(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, viewer: bool
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    async with contextlib.AsyncExitStack() as stack:
        if viewer:
            assert entry.runtime_data.live_url is not None
            await stack.enter_async_context(_live_viewer(hass, entry.runtime_data.live_url))
        await _change_password_and_drop(hass, camera)
        assert camera.vendor_state()["locked"] is False


# --- 2. talk refused / stopped ---------------------------------------------------------------


async def test_talk_refused_while_another_client_talks_and_stop_closes_the_channel(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, long_tone: Path
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    speaker = entity_id(hass, entry, "media_player", "speaker")

    other = open_client("foscam", "127.0.0.1", camera_port(camera), SIM_USERNAME, SIM_PASSWORD)
    await other.connect()
    hold = asyncio.Event()

    async def silence() -> AsyncIterator[bytes]:
        while not hold.is_set():
            yield bytes(640)  # 40 ms of silence

    holder = asyncio.create_task(other.talk(silence()))
    try:
        await wait_for(hass, lambda: camera.vendor_state()["talking"])
        sessions = camera.talk_sessions
        with pytest.raises(HomeAssistantError) as err:
            await hass.services.async_call(
                DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(long_tone)}, blocking=True
            )
        assert err.value.translation_key == "talk_refused"
        assert camera.talk_sessions == sessions
        assert not coordinator(entry).talk.playing
        assert hass.states.get(speaker).state == MediaPlayerState.IDLE
    finally:
        hold.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(holder, 10)
        await other.close()
    await wait_for(hass, lambda: not camera.vendor_state()["talking"])

    # Now the channel is free: a talk runs, and media_stop closes the camera's channel.
    await hass.services.async_call(
        "media_player",
        "play_media",
        {
            ATTR_ENTITY_ID: speaker,
            ATTR_MEDIA_CONTENT_ID: str(long_tone),
            ATTR_MEDIA_CONTENT_TYPE: "music",
        },
        blocking=True,
    )
    await wait_for(hass, lambda: camera.vendor_state()["talking"])
    await hass.services.async_call(
        "media_player", "media_stop", {ATTR_ENTITY_ID: speaker}, blocking=True
    )
    await wait_for(hass, lambda: not camera.vendor_state()["talking"])
    assert hass.states.get(speaker).state == MediaPlayerState.IDLE


# --- 3. Grandstream heartbeat loss -----------------------------------------------------------


async def test_grandstream_heartbeat_loss_is_logged_once_and_recovers(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="custom_components.ipcam")
    camera = await start_simulator("grandstream")
    entry = await add_entry(camera)
    alarm = entity_id(hass, entry, "binary_sensor", "alarm")
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    assert hass.states.get(alarm).state == STATE_OFF
    caplog.clear()
    await camera.inject_fault("stall", 15)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_UNAVAILABLE, 25)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_OFF, 45)
    await wait_for(hass, lambda: camera.vendor_state()["mctp"]["alarm_subscribers"] >= 1)
    await camera.push_event("alarm", True, 0)
    await wait_for(hass, lambda: hass.states.get(alarm).state == STATE_ON)
    outage = [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("custom_components.ipcam")
        and ("unavailable" in record.getMessage() or "Error fetching" in record.getMessage())
    ]
    assert len(outage) <= 1, outage
    assert outage, "the outage was not logged at all"


# --- 4. diagnostics after a failure ----------------------------------------------------------


async def test_diagnostics_after_a_failure_hide_credentials_host_and_identifiers(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    await camera.inject_fault("refuse", 60)
    await coordinator(entry).async_refresh()  # a poll fails too, so its error text is kept
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_UNAVAILABLE)
    assert coordinator(entry).last_error

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    assert diagnostics["connection"]["available"] is False
    assert diagnostics["connection"]["last_error"]
    camera_id = camera.vendor_state()["camera_id"]
    mac = ":".join(camera_id[i : i + 2] for i in range(0, len(camera_id), 2))
    forbidden = {
        SIM_PASSWORD,
        "127.0.0.1",
        camera_id.lower(),
        camera_id.upper(),
        mac.lower(),
        mac.upper(),
    }
    for secret in forbidden:
        assert secret not in text, secret
    assert camera_id.lower() not in text.lower()
    assert mac.lower() not in text.lower()


# --- 5. races ----------------------------------------------------------------------------------


async def test_alarm_pushed_during_a_poll_is_not_lost(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    client = coordinator(entry).client
    real_read = client.read_settings
    entered = asyncio.Event()
    release = asyncio.Event()

    async def slow_read() -> Any:
        settings = await real_read()  # read the camera's state before the alarm...
        entered.set()
        await release.wait()  # ...and deliver it after
        return settings

    with patch.object(client, "read_settings", slow_read):
        poll = asyncio.create_task(coordinator(entry).async_refresh())
        await asyncio.wait_for(entered.wait(), 20)
        await camera.push_event("motion", True, 0)
        await wait_for(hass, lambda: hass.states.get(motion).state == STATE_ON)
        release.set()
        await poll
    await hass.async_block_till_done()
    assert coordinator(entry).last_update_success
    assert hass.states.get(motion).state == STATE_ON


async def test_pushed_events_and_alarm_timers_do_not_hide_failing_polls(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("foscam")
    entry = await add_entry(camera, options={CONF_MOTION_TIMEOUT: 1})
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    ir = entity_id(hass, entry, "switch", "ir")
    coord = coordinator(entry)
    await wait_for(hass, lambda: camera.vendor_state()["active_logins"] >= 1)
    # The settings side fails (as when the camera refuses its CGIs) while the
    # push connection still delivers alarms.
    with patch.object(coord.client, "read_settings", side_effect=CannotConnect("refused")):
        await coord.async_refresh()
        await hass.async_block_till_done()
        assert not coord.last_update_success
        assert hass.states.get(motion).state == STATE_UNAVAILABLE
        alarms_before = camera.vendor_state()["alarms_sent"]
        await camera.push_event("motion", True, 0)
        await wait_for(hass, lambda: any(coord.alarms.values()))
        assert camera.vendor_state()["alarms_sent"] == alarms_before + 1
        assert not coord.last_update_success
        assert hass.states.get(motion).state == STATE_UNAVAILABLE
        assert hass.states.get(ir).state == STATE_UNAVAILABLE
        # The motion timeout (1 s) clears the alarm; availability stays as polling says.
        await wait_for(hass, lambda: not any(coord.alarms.values()))
        await hass.async_block_till_done()
        assert not coord.last_update_success
        assert hass.states.get(motion).state == STATE_UNAVAILABLE
        assert hass.states.get(ir).state == STATE_UNAVAILABLE
    await coord.async_refresh()
    await hass.async_block_till_done()
    assert coord.last_update_success
    assert hass.states.get(motion).state == STATE_OFF

    # Now the camera refuses everything with an alarm on: its timer runs out meanwhile.
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_ON)
    await camera.inject_fault("refuse", 30)
    await coord.async_refresh()
    await hass.async_block_till_done()
    assert not coord.last_update_success
    await wait_for(hass, lambda: not any(coord.alarms.values()))
    await hass.async_block_till_done()
    assert not coord.last_update_success
    assert hass.states.get(motion).state == STATE_UNAVAILABLE


async def test_stop_while_a_talk_is_starting_leaves_nothing_playing(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    long_tone: Path,
    slow_media: tuple[asyncio.Event, asyncio.Event],
) -> None:
    """The ipcam.talk action waits on slow media; a media_stop meanwhile wins."""
    entered, release = slow_media
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    cam = entity_id(hass, entry, "camera", "camera")
    speaker = entity_id(hass, entry, "media_player", "speaker")
    start = asyncio.create_task(
        hass.services.async_call(
            DOMAIN, "talk", {ATTR_ENTITY_ID: cam, "media": str(long_tone)}, blocking=True
        )
    )
    await asyncio.wait_for(entered.wait(), 20)
    await asyncio.wait_for(
        hass.services.async_call(
            "media_player", "media_stop", {ATTR_ENTITY_ID: speaker}, blocking=True
        ),
        10,
    )
    release.set()
    await asyncio.wait_for(start, 20)
    await hass.async_block_till_done()
    await asyncio.sleep(0.5)  # a talk that started anyway would have reached the camera
    assert not coordinator(entry).talk.playing
    assert hass.states.get(speaker).state == MediaPlayerState.IDLE
    assert camera.talk_sessions == 0
    assert not camera.vendor_state()["talking"]


async def test_speaker_stop_during_a_slow_start_ends_with_the_channel_closed(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    long_tone: Path,
    slow_media: tuple[asyncio.Event, asyncio.Event],
) -> None:
    """play_media then media_stop on the speaker while the media opens: nothing keeps playing."""
    entered, release = slow_media
    camera = await start_simulator("foscam")
    entry = await add_entry(camera)
    speaker = entity_id(hass, entry, "media_player", "speaker")
    play = asyncio.create_task(
        hass.services.async_call(
            "media_player",
            "play_media",
            {
                ATTR_ENTITY_ID: speaker,
                ATTR_MEDIA_CONTENT_ID: str(long_tone),
                ATTR_MEDIA_CONTENT_TYPE: "music",
            },
            blocking=True,
        )
    )
    await asyncio.wait_for(entered.wait(), 20)
    stop = asyncio.create_task(
        hass.services.async_call(
            "media_player", "media_stop", {ATTR_ENTITY_ID: speaker}, blocking=True
        )
    )
    # The stop does not wait for the start to get anywhere: it ends it where it is.
    # (Not wait_for: hass.async_block_till_done would wait for the pending start.)
    await asyncio.wait_for(asyncio.shield(stop), 10)
    release.set()
    await asyncio.wait_for(asyncio.gather(play, stop), 20)
    await hass.async_block_till_done()
    await asyncio.sleep(0.5)  # a talk that started anyway would have reached the camera
    assert not camera.vendor_state()["talking"]
    assert camera.talk_sessions == 0
    assert not coordinator(entry).talk.playing
    assert hass.states.get(speaker).state == MediaPlayerState.IDLE
