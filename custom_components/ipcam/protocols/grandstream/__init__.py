"""Grandstream GXV surveillance cameras and video servers.

RTSP with Digest authentication, H.264 (FU-A) and PCMU over RTP/TCP interleaved,
and the "MCTP" heartbeat/alarm/talk connection on the RTSP port. The modules
here are sans-I/O (bytes in, typed messages out); ``client.py`` does the I/O.

Port rule (vendor document): the RTSP port is 554 while the web port is 80;
when the web port is changed to P, the RTSP port becomes 2000 + P. MCTP shares
the RTSP port.
"""

from __future__ import annotations

DEFAULT_RTSP_PORT = 554
DEFAULT_WEB_PORT = 80
INPUTS = 4  # video inputs of the largest encoders
SECONDARY_OFFSET = INPUTS  # streams 0-3 are the inputs' primary streams, 4-7 their secondary
MAX_CHANNEL = 2 * INPUTS - 1


def rtsp_port_for_web_port(web_port: int) -> int:
    """The RTSP (and MCTP) port of a camera whose web interface listens on ``web_port``."""
    if not 0 < web_port < 65536:
        raise ValueError("web port must be between 1 and 65535")
    if web_port == DEFAULT_WEB_PORT:
        return DEFAULT_RTSP_PORT
    port = 2000 + web_port
    if port > 65535:
        raise ValueError("2000 + web port exceeds 65535")
    return port


def web_port_for_rtsp_port(rtsp_port: int) -> int | None:
    """The inverse of ``rtsp_port_for_web_port``; None when the rule cannot have produced it."""
    if rtsp_port == DEFAULT_RTSP_PORT:
        return DEFAULT_WEB_PORT
    web = rtsp_port - 2000
    if 0 < web < 65536 and web != DEFAULT_WEB_PORT:
        return web
    return None


def check_channel(channel: int) -> int:
    """Validate a stream number (0-3 primary, 4-7 secondary)."""
    if type(channel) is not int or not 0 <= channel <= MAX_CHANNEL:
        raise ValueError(f"channel must be an integer from 0 to {MAX_CHANNEL}")
    return channel


def stream_channel(channel: int, stream: str | None) -> int:
    """The stream number of input ``channel`` (0-3) and ``stream`` ("primary"/"secondary").

    Without a stream name, ``channel`` is already a stream number (0-7).
    """
    if stream == "secondary" and 0 <= channel < SECONDARY_OFFSET:
        return channel + SECONDARY_OFFSET
    return check_channel(channel)


def is_secondary(channel: int) -> bool:
    """True for the secondary streams 4-7."""
    return check_channel(channel) >= 4
