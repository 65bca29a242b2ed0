"""What a Grandstream GXV camera or encoder is, for the host application."""

from __future__ import annotations

from ..base import CameraProfile, ConnectionSpec, EventKind, Vendor, VideoDelivery
from . import DEFAULT_RTSP_PORT, INPUTS, rtsp_port_for_web_port

ADDRESS_ID_PREFIX = "grandstream:"


def rtsp_port_instead_of(port: int) -> int | None:
    """The RTSP port when ``port`` was the web port (554 for 80, else 2000 + port)."""
    try:
        rtsp = rtsp_port_for_web_port(port)
    except ValueError:
        return None
    return None if rtsp == port else rtsp


PROFILE = CameraProfile(
    vendor=Vendor.GRANDSTREAM,
    connection=ConnectionSpec(
        default_port=DEFAULT_RTSP_PORT,
        channel_count=INPUTS,
        secondary_stream=True,
        alternate_port=rtsp_port_instead_of,
        whole_device=True,
    ),
    # The alarm format is unpublished: ALARM is on for any alarm the camera reports.
    event_kinds=(EventKind.ALARM, EventKind.MOTION, EventKind.INPUT),
    video=VideoDelivery.URL,
    # A still costs an RTSP session and a key-frame decode.
    still_cache_seconds=5.0,
    # A second Digest 401 is a definite answer.
    auth_failures_before_reauth=1,
    address_id_prefix=ADDRESS_ID_PREFIX,
    mac_prefixes=("000B82",),
)
