"""Build and connect a camera client from config-entry data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import CONF_CHANNEL, CONF_FAMILY, CONF_STREAM, REQUEST_TIMEOUT_SECONDS
from .protocols import open_client, profile_for
from .protocols.base import CameraClient


def build_client(hass: HomeAssistant, data: Mapping[str, Any]) -> CameraClient:
    """A client (not yet connected) for the camera described by ``data``."""
    profile = profile_for(data[CONF_FAMILY])
    options: dict[str, Any] = {"timeout": REQUEST_TIMEOUT_SECONDS}
    if profile.connection.http:
        # Home Assistant's shared aiohttp session (no session per camera).
        options["session"] = async_get_clientsession(hass)
    if CONF_CHANNEL in data:
        options["channel"] = int(data[CONF_CHANNEL])  # an entry made for one channel
    elif profile.connection.whole_device:
        options["channel"] = None
    if CONF_STREAM in data:
        options["stream"] = str(data[CONF_STREAM])
    return open_client(
        profile.vendor,
        data[CONF_HOST],
        data.get(CONF_PORT),
        data.get(CONF_USERNAME, ""),
        data.get(CONF_PASSWORD, ""),
        **options,
    )


async def connect_client(
    hass: HomeAssistant, data: Mapping[str, Any], remembered: Mapping[str, Any] | None = None
) -> CameraClient:
    """Build and log in (with what an earlier connect learnt, ``CameraClient.recall``); the
    client is closed again if the login fails."""
    client = build_client(hass, data)
    if remembered is not None:
        client.recall(remembered)
    try:
        await client.connect()
    except BaseException:
        await client.close()
        raise
    return client
