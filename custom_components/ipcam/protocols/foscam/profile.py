"""What a legacy Foscam camera is, for the host application (see ``base.CameraProfile``)."""

from __future__ import annotations

from ..base import CameraProfile, ConnectionSpec, EventKind, Vendor, VideoDelivery

PROFILE = CameraProfile(
    vendor=Vendor.FOSCAM,
    # The MO_O port is the web port; the CGIs take the host application's HTTP session.
    connection=ConnectionSpec(default_port=80, http=True),
    event_kinds=(EventKind.MOTION, EventKind.INPUT, EventKind.SOUND),
    video=VideoDelivery.JPEG,
    web_ui=True,
    # A refused MO_O login is a definite answer.
    auth_failures_before_reauth=1,
    # 00626E: the camera id (= MAC) of the vendor document's captures; C4D655: Foscam.
    mac_prefixes=("00626E", "C4D655"),
)
