"""Stream URLs a DVRIP camera can be played from, by the user's choice."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_PORT, CONF_USERNAME

from .const import CONF_CHANNEL, STREAM_SOURCE_GO2RTC, STREAM_SOURCE_RTSP

XM_RTSP_PORT = 554


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def dvrip_stream_source(choice: str, data: Mapping[str, Any], live_url: str) -> str:
    """The integration's own relay (default), the camera's RTSP, or go2rtc's dvrip:// source.

    The camera's RTSP counts channels from 1, DVRIP from 0 (notes §16); go2rtc's
    ``dvrip://`` source plays only through WebRTC, not Home Assistant's HLS.
    """
    channel = int(data.get(CONF_CHANNEL, 0))
    user = quote(str(data.get(CONF_USERNAME, "")), safe="")
    password = quote(str(data.get(CONF_PASSWORD, "")), safe="")
    host = _host(str(data[CONF_HOST]))
    if choice == STREAM_SOURCE_RTSP:
        return (
            f"rtsp://{host}:{XM_RTSP_PORT}/user={user}&password={password}"
            f"&channel={channel + 1}&stream=0.sdp?real_stream"
        )
    if choice == STREAM_SOURCE_GO2RTC:
        port = int(data.get(CONF_PORT, 34567))
        return f"dvrip://{user}:{password}@{host}:{port}?channel={channel}&subtype=0"
    return live_url
