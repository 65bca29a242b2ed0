"""Diagnostics: a whitelist of what helps debugging; never credentials, hosts or MACs."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import CONF_CHANNEL, CONF_VENDOR
from .data import IpcamConfigEntry

TO_REDACT = {"host", "port", "mac", "serial", "username", "password", "url", "stream_url"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IpcamConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    client = coordinator.client
    identity = client.identity
    state = coordinator.data
    return {
        "entry": {
            "vendor": entry.data.get(CONF_VENDOR),
            "channel": entry.data.get(CONF_CHANNEL),
            "options": dict(entry.options),
        },
        "device": {
            "model": identity.model,
            "manufacturer": identity.manufacturer,
            "firmware": identity.firmware,
            "hardware": identity.hardware,
        },
        "capabilities": sorted(capability.value for capability in client.capabilities),
        "connection": {
            "available": coordinator.camera_available,
            "push_connected": coordinator.push_connected,
            "last_update_success": coordinator.last_update_success,
            "reconnects": coordinator.reconnects,
            "last_error": coordinator.last_error,
            "video_subscribers": coordinator.video.subscriber_count,
            "video_upstream_connections": coordinator.video.upstream_connections,
            # Belt and braces: whatever a client reports, these never leave.
            "client": async_redact_data(dict(client.diagnostics()), TO_REDACT),
        },
        "settings": dict(state.settings.values) if state else {},
        "alarms": {f"{kind.value}:{channel}": on for (kind, channel), on in state.alarms.items()}
        if state
        else {},
    }
