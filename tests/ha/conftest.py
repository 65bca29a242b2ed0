"""Unit tests of the Home Assistant layer's parts, each against a scripted fake client."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam.const import CONF_FAMILY, DOMAIN
from tests.ha.fake_client import FakeClient


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


SetupFake = Callable[..., Coroutine[Any, Any, MockConfigEntry]]


@pytest.fixture
async def setup_fake(hass: HomeAssistant) -> Any:
    """Set up a config entry whose camera client is the given ``FakeClient``."""
    entries: list[MockConfigEntry] = []

    async def setup(
        client: FakeClient, *, options: dict[str, Any] | None = None
    ) -> MockConfigEntry:
        entry = MockConfigEntry(
            domain=DOMAIN,
            title="Fake camera",
            unique_id="fake-serial",
            data={
                CONF_FAMILY: client.profile.vendor.value,
                CONF_HOST: "127.0.0.1",
                CONF_PORT: 1,
                CONF_USERNAME: "admin",
                CONF_PASSWORD: "secret",
            },
            options=options or {},
        )
        entry.add_to_hass(hass)

        async def connect(_hass: HomeAssistant, _data: Any, remembered: Any = None) -> FakeClient:
            if remembered is not None:
                client.recall(remembered)
            await client.connect()
            return client

        with patch("custom_components.ipcam.connect_client", connect):
            await hass.config_entries.async_setup(entry.entry_id)
            await hass.async_block_till_done()
        entries.append(entry)
        return entry

    yield setup
    for entry in entries:
        if entry.state.recoverable:
            await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
