"""Diagnostics: a whitelist of what helps debugging; never credentials, hosts or MACs.

Client diagnostics and error texts are free-form, so besides dropping known keys,
every string is scrubbed of the entry's host, credentials and device identifiers.
"""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant

from .const import CONF_CHANNEL, CONF_FAMILY, CONF_STREAM
from .data import IpcamConfigEntry
from .mpegts_relay import DATA_LIVE_SERVER

REDACTED = "**REDACTED**"
TO_REDACT = {
    "host",
    "port",
    "mac",
    "serial",
    "camera_id",
    "username",
    "password",
    "url",
    "stream_url",
    "lost",
}


def _scrub(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(item, secrets) for item in value]
    return value


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: IpcamConfigEntry
) -> dict[str, Any]:
    coordinator = entry.runtime_data.coordinator
    client = coordinator.client
    identity = client.identity
    settings = coordinator.data
    report = {
        "entry": {
            "vendor": entry.data.get(CONF_FAMILY),
            "channel": entry.data.get(CONF_CHANNEL),
            "stream": entry.data.get(CONF_STREAM),
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
            "credentials_rejected": coordinator.credentials_rejected,
            "reconnects": coordinator.reconnects,
            "last_error": coordinator.last_error,
            "video_subscribers": sum(hub.subscriber_count for hub in coordinator.video_hubs),
            "video_upstream_connections": sum(
                hub.upstream_connections for hub in coordinator.video_hubs
            ),
            "video_last_error": next(
                (hub.last_error for hub in coordinator.video_hubs if hub.last_error), None
            ),
            "channels": coordinator.layout.channels(),
            "client": async_redact_data(dict(client.diagnostics()), TO_REDACT),
        },
        "live": {
            "relayed": bool(coordinator.relay_urls),
            "hls_sound": (
                server.hls_keeps_sound if (server := hass.data.get(DATA_LIVE_SERVER)) else None
            ),
        },
        "talk": {
            "supported": coordinator.talk.supported,
            "sessions": coordinator.talk.sessions,
            "last_seconds": coordinator.talk.last_seconds,
            "last_error": coordinator.talk.last_error,
        },
        "settings": dict(settings.values) if settings else {},
        "alarms": {f"{kind.value}:{ch}": on for (kind, ch), on in coordinator.alarms.items()},
    }
    secrets = [
        str(secret)
        for secret in (
            entry.data.get(CONF_PASSWORD),
            entry.data.get(CONF_HOST),
            entry.data.get(CONF_USERNAME),
            identity.mac,
            identity.mac.replace(":", ""),
            identity.mac.upper(),
            identity.serial,
            identity.unique_id,
            entry.unique_id,
        )
        if secret and len(str(secret)) >= 3
    ]
    # Longest first, so a MAC inside a unique ID is not half replaced.
    return _scrub(report, sorted(set(secrets), key=len, reverse=True))  # type: ignore[no-any-return]
