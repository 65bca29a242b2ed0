"""What the host application is told about DVRIP devices."""

from __future__ import annotations

from custom_components.ipcam.protocols.base import StreamSource, Vendor, VideoDelivery
from custom_components.ipcam.protocols.dvrip.client import Client
from custom_components.ipcam.protocols.dvrip.profile import DEFAULT_PORT, PROFILE


def test_profile() -> None:
    assert Client.profile is PROFILE
    assert PROFILE.vendor is Vendor.DVRIP
    assert PROFILE.connection.default_port == DEFAULT_PORT == 34567
    assert PROFILE.video is VideoDelivery.CODED
    assert PROFILE.stream_sources[0] is StreamSource.RELAY
    assert PROFILE.auth_failures_before_reauth == 1
