"""Build and connect a camera client from config-entry data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .const import (
    CONF_CHANNEL,
    CONF_STREAM,
    CONF_VENDOR,
    GRANDSTREAM_SECONDARY_OFFSET,
    REQUEST_TIMEOUT_SECONDS,
    STREAM_SECONDARY,
)
from .protocols import open_client
from .protocols.base import CameraClient, Vendor


def build_client(hass: HomeAssistant, data: Mapping[str, Any]) -> CameraClient:
    """A client (not yet connected) for the camera described by ``data``."""
    vendor = Vendor(data[CONF_VENDOR])
    options: dict[str, Any] = {"timeout": REQUEST_TIMEOUT_SECONDS}
    if vendor in (Vendor.CGI, Vendor.FOSCAM):
        # Inject Home Assistant's shared aiohttp session for HTTP (no session per camera).
        options["session"] = async_get_clientsession(hass)
    if CONF_CHANNEL in data:
        options["channel"] = int(data[CONF_CHANNEL])
    if vendor is Vendor.GRANDSTREAM:
        secondary = data.get(CONF_STREAM) == STREAM_SECONDARY
        channel = int(data.get(CONF_CHANNEL, 0))
        options["channel"] = channel + (GRANDSTREAM_SECONDARY_OFFSET if secondary else 0)
    return open_client(
        vendor,
        data[CONF_HOST],
        data.get(CONF_PORT),
        data.get(CONF_USERNAME, ""),
        data.get(CONF_PASSWORD, ""),
        **options,
    )


async def connect_client(hass: HomeAssistant, data: Mapping[str, Any]) -> CameraClient:
    """Build and log in; the client is closed again if the login fails."""
    client = build_client(hass, data)
    try:
        await client.connect()
    except BaseException:
        await client.close()
        raise
    return client
