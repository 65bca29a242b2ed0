"""Repair issues raised from what the camera does: too many clients, an H.265 stream."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from custom_components.ipcam import event_source
from custom_components.ipcam.const import DOMAIN
from custom_components.ipcam.protocols.errors import CannotConnect, DeviceBusy
from tests.ha.conftest import SetupFake
from tests.ha.fake_client import FakeClient, frame


@pytest.fixture(autouse=True)
def fast_reconnects(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_source, "RECONNECT_FIRST_SECONDS", 0.01)
    monkeypatch.setattr(event_source, "RECONNECT_CAP_SECONDS", 0.05)


async def test_a_camera_at_its_connection_limit_is_reported_until_it_accepts_again(
    hass: HomeAssistant, setup_fake: SetupFake, issue_registry: ir.IssueRegistry
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    coordinator = entry.runtime_data.coordinator
    issue_id = f"connection_limit_{entry.entry_id}"
    for _ in range(2):
        client.settings_errors.append(DeviceBusy("too many users"))
        await coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None  # not yet
    client.settings_errors.append(DeviceBusy("too many users"))
    await coordinator.async_refresh()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    client.settings_errors.append(CannotConnect("other trouble"))
    await coordinator.async_refresh()
    await coordinator.async_refresh()  # accepted again
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_busy_refusals_on_the_push_channel_count_too(
    hass: HomeAssistant, setup_fake: SetupFake, issue_registry: ir.IssueRegistry
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    client.connect_errors.extend([DeviceBusy("too many users")] * 2)
    client.events_script.put_nowait(DeviceBusy("too many users"))
    issue_id = f"connection_limit_{entry.entry_id}"
    async with asyncio.timeout(5):
        while issue_registry.async_get_issue(DOMAIN, issue_id) is None:
            await asyncio.sleep(0.02)


async def test_an_h265_stream_is_reported_and_cleared_when_the_camera_switches(
    hass: HomeAssistant, setup_fake: SetupFake, issue_registry: ir.IssueRegistry
) -> None:
    client = FakeClient()
    entry = await setup_fake(client)
    hub = entry.runtime_data.coordinator.video
    issue_id = f"h265_stream_{entry.entry_id}"
    async with contextlib.aclosing(hub.frames()) as frames:  # type: ignore[type-var]
        client.frames_script.put_nowait(frame(0, codec="h265"))
        await anext(frames)
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
        client.frames_script.put_nowait(frame(10, codec="h264"))
        await anext(frames)
        assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
