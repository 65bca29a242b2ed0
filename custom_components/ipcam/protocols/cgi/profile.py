"""What an IPCamCGI camera is, for the host application (see ``base.CameraProfile``)."""

from __future__ import annotations

from ..base import CameraProfile, ConnectionSpec, Vendor, VideoDelivery

PROFILE = CameraProfile(
    vendor=Vendor.CGI,
    # Plain HTTP, but each exchange on a socket of its own: no aiohttp session wanted.
    connection=ConnectionSpec(default_port=80),
    # Inputs are levels the camera reports when asked (input sensors), not pushed alarms.
    event_kinds=(),
    video=VideoDelivery.JPEG,
    web_ui=True,
    # A plain HTTP 401 may come from a proxy or a camera still booting: a few tries.
    auth_failures_before_reauth=3,
    # D-Link's OUIs seen on DCS cameras (its routers share them: a login confirms).
    mac_prefixes=("1C7EE5", "28107B", "78542E", "B0C554", "BCF685", "C0A0BB", "C8D3A3", "F07D68"),
)
