"""The coordinator and its event source against a scripted client.

Alarms, availability, the login gate and recovery, with every failure on cue:
camera errors, rejected logins and exceptions nobody expected.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.ipcam import event_source
from custom_components.ipcam.const import CONF_MOTION_TIMEOUT, DOMAIN
from custom_components.ipcam.coordinator import IpcamCoordinator
from custom_components.ipcam.protocols.errors import AuthError, CannotConnect
from tests.ha.conftest import SetupFake
from tests.ha.fake_client import END, FakeClient, lost, motion
from tests.integration.helpers import entity_id, wait_for

MOTION = "motion"


@pytest.fixture(autouse=True)
def fast_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_source, "RECONNECT_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(event_source, "RECONNECT_CAP_SECONDS", 0.05)
    monkeypatch.setattr(event_source, "GRACE_SECONDS", 0.05)


def _flows(hass: HomeAssistant) -> list[str]:
    progress = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    return [flow["context"]["source"] for flow in progress]


def _coordinator(entry: object) -> IpcamCoordinator:
    return entry.runtime_data.coordinator  # type: ignore[attr-defined,no-any-return]


async def test_pushed_alarms_turn_the_sensor_on_and_off(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    sensor = entity_id(hass, entry, "binary_sensor", MOTION)
    assert hass.states.get(sensor).state == STATE_OFF
    client.events_script.put_nowait(motion(True))
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)
    client.events_script.put_nowait(motion(False))
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_OFF)


async def test_an_alarm_the_camera_never_ends_clears_after_the_timeout(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient()
    entry = await setup_fake(client, options={CONF_MOTION_TIMEOUT: 30})
    sensor = entity_id(hass, entry, "binary_sensor", MOTION)
    client.events_script.put_nowait(motion(True))
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert hass.states.get(sensor).state == STATE_OFF


async def test_the_push_loop_survives_an_unexpected_exception_and_delivers_the_next_alarm(
    hass: HomeAssistant, setup_fake: SetupFake, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    sensor = entity_id(hass, entry, "binary_sensor", MOTION)
    with caplog.at_level(logging.DEBUG):
        client.events_script.put_nowait(RuntimeError("a bug in a client"))
        client.events_script.put_nowait(KeyError("another"))
        client.events_script.put_nowait(motion(True))
        await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)
    coordinator = _coordinator(entry)
    assert coordinator.events.unexpected_errors == 2
    assert client.event_iterations == 3
    assert client.connects == 3  # the first login, then one per failure
    tracebacks = [
        record
        for record in caplog.records
        if record.levelno >= logging.ERROR
        and "Unexpected error in the event loop" in record.message
    ]
    assert len(tracebacks) == 1 and tracebacks[0].exc_info is not None


async def test_a_rejected_login_on_the_push_channel_asks_for_credentials_and_stops(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    client.events_script.put_nowait(AuthError("password changed"))
    await wait_for(
        hass,
        lambda: [
            f["context"]["source"]
            for f in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        ]
        == ["reauth"],
    )
    connects = client.connects
    iterations = client.event_iterations
    coordinator = _coordinator(entry)
    await coordinator.async_refresh()  # polling asks the gate too
    await hass.async_block_till_done()
    assert client.connects == connects
    assert client.event_iterations == iterations
    with pytest.raises(AuthError):
        await coordinator.async_write_setting("alarm_out", True)
    camera = entity_id(hass, entry, "camera", "camera")
    snapshots = client.snapshots
    with pytest.raises(HomeAssistantError):
        await async_get_image(hass, camera)
    assert client.snapshots == snapshots


async def test_the_camera_is_available_again_as_soon_as_its_push_channel_returns(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    """A poll failed during the outage; the push channel's return refreshes at once."""
    client = FakeClient()
    entry = await setup_fake(client)
    sensor = entity_id(hass, entry, "binary_sensor", MOTION)
    coordinator = _coordinator(entry)
    client.settings_errors.append(CannotConnect("offline"))
    client.connect_errors.extend([CannotConnect("offline")] * 3)
    client.events_script.put_nowait(lost())
    await coordinator.async_refresh()
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_UNAVAILABLE)
    # The camera is back: the push loop reconnects; no 30 s poll interval is waited for.
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_OFF, seconds=3)
    assert coordinator.last_update_success
    client.events_script.put_nowait(motion(True))
    await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)


async def test_unavailability_is_logged_once_each_way(
    hass: HomeAssistant, setup_fake: SetupFake, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    sensor = entity_id(hass, entry, "binary_sensor", MOTION)
    with caplog.at_level(logging.INFO):
        client.connect_errors.extend([CannotConnect("offline")] * 5)
        client.events_script.put_nowait(END)
        await wait_for(hass, lambda: client.connects >= 6)
        assert hass.states.get(sensor).state == STATE_UNAVAILABLE
        client.events_script.put_nowait(motion(True))
        await wait_for(hass, lambda: hass.states.get(sensor).state == STATE_ON)
    messages = [record.getMessage() for record in caplog.records]
    assert sum("is unavailable" in message for message in messages) == 1
    assert sum("is back online" in message for message in messages) == 1


async def test_no_stream_source_once_the_credentials_are_rejected(
    hass: HomeAssistant, setup_fake: SetupFake
) -> None:
    client = FakeClient()
    client.stream_url = lambda: "rtsp://admin:secret@127.0.0.1:554/0"  # type: ignore[method-assign]
    entry = await setup_fake(client)
    camera = entity_id(hass, entry, "camera", "camera")
    assert await async_get_stream_source(hass, camera) is not None
    _coordinator(entry).async_note_auth_error(AuthError("no"))
    assert await async_get_stream_source(hass, camera) is None
