"""Fixtures for Home Assistant tests: the integration enabled and entries on simulators."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam.const import CONF_FAMILY, DOMAIN
from simulator.base import SimulatedCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

AddEntry = Callable[..., Coroutine[Any, Any, MockConfigEntry]]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/ipcam in every test here."""


@pytest.fixture(autouse=True)
def no_lan_search() -> Any:
    """The LAN search finds nothing unless a test gives it targets (tests do not broadcast)."""

    async def no_targets(_hass: HomeAssistant) -> list[Any]:
        return []

    with patch("custom_components.ipcam.lan_search.async_broadcast_targets", no_targets):
        yield


@pytest.fixture(autouse=True)
def every_entity_enabled(request: pytest.FixtureRequest) -> Any:
    """Entities disabled by default are enabled here (tests marked ``defaults`` see them off)."""
    if request.node.get_closest_marker("defaults"):
        yield
        return
    with patch.object(Entity, "entity_registry_enabled_default", True):
        yield


@pytest.fixture(autouse=True)
def no_blocking_calls_in_the_event_loop(caplog: pytest.LogCaptureFixture) -> Any:
    """Home Assistant only logs a blocking call in the event loop; here it fails the test."""
    yield
    blocking = [
        record.getMessage()
        for record in caplog.records
        if "Detected blocking call" in record.getMessage() and "ipcam" in record.getMessage()
    ]
    assert not blocking, blocking


def camera_port(camera: SimulatedCamera) -> int:
    return next(iter(camera.ports.values()))


def entry_data(camera: SimulatedCamera, **extra: Any) -> dict[str, Any]:
    return {
        CONF_FAMILY: camera.vendor,
        CONF_HOST: "127.0.0.1",
        CONF_PORT: camera_port(camera),
        CONF_USERNAME: SIM_USERNAME,
        CONF_PASSWORD: SIM_PASSWORD,
        **extra,
    }


@pytest.fixture
async def add_entry(hass: HomeAssistant) -> Any:
    """Add (and set up) a config entry for a started simulator; unloaded at teardown."""
    entries: list[MockConfigEntry] = []

    async def add(
        camera: SimulatedCamera, *, options: dict[str, Any] | None = None, **extra: Any
    ) -> MockConfigEntry:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Simulated {camera.vendor}",
            data=entry_data(camera, **extra),
            options=options or {},
        )
        entry.add_to_hass(hass)
        await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        entries.append(entry)
        return entry

    yield add
    for entry in entries:
        if hass.config_entries.async_get_entry(entry.entry_id) and entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
