"""What a Xiongmai DVRIP camera or recorder is, for the host application."""

from __future__ import annotations

from ..base import CameraProfile, ConnectionSpec, EventKind, StreamSource, Vendor, VideoDelivery

DEFAULT_PORT = 34567
MAX_CHANNELS = 64

PROFILE = CameraProfile(
    vendor=Vendor.DVRIP,
    # A recorder is one entry (its channels found at connect); entries made for one
    # channel before keep it.
    connection=ConnectionSpec(
        default_port=DEFAULT_PORT, channel_count=MAX_CHANNELS, whole_device=True
    ),
    event_kinds=(
        EventKind.MOTION,
        EventKind.HUMAN,
        EventKind.INPUT,
        EventKind.VIDEO_LOSS,
        EventKind.TAMPER,
    ),
    # H.264/H.265 only inside DVRIP frames: the host relays them as MPEG-TS.
    video=VideoDelivery.CODED,
    # A still is an OPSNAP command on a small connection pool (or a decoded key frame).
    still_cache_seconds=5.0,
    # Ret 203/205 are definite, and XM firmware locks the account after as few as three.
    auth_failures_before_reauth=1,
    stream_sources=(StreamSource.RELAY, StreamSource.RTSP, StreamSource.GO2RTC),
)
