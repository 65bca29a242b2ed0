"""Constants of the ipcam integration."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "ipcam"

# Which camera family an entry is (stored as "vendor" since the first release).
CONF_FAMILY: Final = "vendor"
CONF_CHANNEL: Final = "channel"
CONF_MOTION_TIMEOUT: Final = "motion_timeout"
CONF_STREAM_SOURCE: Final = "stream_source"
CONF_LAN_SEARCH: Final = "lan_search"  # option: search the network for new cameras
CONF_STREAM: Final = "stream"  # "primary" or "secondary" encoder stream
STREAM_PRIMARY: Final = "primary"
STREAM_SECONDARY: Final = "secondary"

DEFAULT_USERNAME: Final = "admin"
DEFAULT_MOTION_TIMEOUT: Final = 60  # seconds an alarm stays on when the camera never says "stop"

# Settings are re-read this often; alarms are pushed and do not wait for it.
SCAN_INTERVAL_SECONDS: Final = 30
RECONNECT_MIN_SECONDS: Final = 1.0
RECONNECT_MAX_SECONDS: Final = 60.0
REQUEST_TIMEOUT_SECONDS: Final = 10.0
