"""Constants of the ipcam integration."""

from __future__ import annotations

from typing import Final

from .protocols.base import EventKind, Vendor

DOMAIN: Final = "ipcam"

CONF_VENDOR: Final = "vendor"
CONF_CHANNEL: Final = "channel"
CONF_MOTION_TIMEOUT: Final = "motion_timeout"
CONF_STREAM_SOURCE: Final = "stream_source"
CONF_STREAM: Final = "stream"  # Grandstream: "primary" or "secondary" encoder stream
STREAM_PRIMARY: Final = "primary"
STREAM_SECONDARY: Final = "secondary"
# Grandstream numbers streams as channels: 0-3 primary, 4-7 the matching secondary.
GRANDSTREAM_SECONDARY_OFFSET: Final = 4
# The Grandstream client's ID when it cannot learn the camera's MAC (see its identity).
GRANDSTREAM_FALLBACK_PREFIX: Final = "grandstream:"

DEFAULT_USERNAME: Final = "admin"
DEFAULT_MOTION_TIMEOUT: Final = 60  # seconds an alarm stays on when the camera never says "stop"

# Settings are re-read this often; alarms are pushed and do not wait for it.
SCAN_INTERVAL_SECONDS: Final = 30
# Consecutive authentication failures before asking the user for new credentials.
# Cameras lock accounts after a handful of bad logins, so we never retry past this.
MAX_AUTH_FAILURES: Final = 3
RECONNECT_MIN_SECONDS: Final = 1.0
RECONNECT_MAX_SECONDS: Final = 60.0
REQUEST_TIMEOUT_SECONDS: Final = 10.0

# Which alarm kinds each camera family can report (one binary sensor each).
VENDOR_EVENT_KINDS: Final[dict[Vendor, tuple[EventKind, ...]]] = {
    Vendor.CGI: (),
    Vendor.FOSCAM: (EventKind.MOTION, EventKind.INPUT, EventKind.SOUND),
    Vendor.DVRIP: (
        EventKind.MOTION,
        EventKind.HUMAN,
        EventKind.INPUT,
        EventKind.VIDEO_LOSS,
        EventKind.TAMPER,
    ),
    # Grandstream's alarm format is unpublished: "alarm" is on for any alarm it reports.
    Vendor.GRANDSTREAM: (EventKind.ALARM, EventKind.MOTION, EventKind.INPUT),
}

# Families whose H.264/H.265 video is only reachable over their own protocol: the
# integration relays it as MPEG-TS for Home Assistant's stream and go2rtc.
REMUXED_VIDEO_VENDORS: Final = frozenset({Vendor.DVRIP})

# Where a DVRIP camera's stream_source() points (option CONF_STREAM_SOURCE).
STREAM_SOURCE_INTEGRATION: Final = "integration"
STREAM_SOURCE_RTSP: Final = "rtsp"
STREAM_SOURCE_GO2RTC: Final = "go2rtc"
STREAM_SOURCES: Final = (STREAM_SOURCE_INTEGRATION, STREAM_SOURCE_RTSP, STREAM_SOURCE_GO2RTC)

# Session-login protocols give a definite answer (DVRIP Ret 203/205, a refused MO_O login,
# a second Digest 401): one rejection is enough, and XM firmware locks the account after as
# few as three (shared notes, dvrip.md section 14). A plain HTTP 401 from an IPCamCGI camera may be
# a proxy or a reboot in progress, so it gets MAX_AUTH_FAILURES tries.
AUTH_FAILURES_BEFORE_REAUTH: Final[dict[Vendor, int]] = {
    Vendor.CGI: MAX_AUTH_FAILURES,
    Vendor.FOSCAM: 1,
    Vendor.DVRIP: 1,
    Vendor.GRANDSTREAM: 1,
}
