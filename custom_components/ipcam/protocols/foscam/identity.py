"""Who a logged-in camera is and what it lets this account do (no I/O).

The camera id of Login_Resp is the MAC as 12 hex characters; the privilege byte
of Verify_Resp decides the capabilities: pan/tilt and settings need an operator,
talk and reboot an administrator (iSpy talks only with an administrator login,
``reboot.cgi`` needs one). See docs/protocols/foscam.md, "Login".
"""

from __future__ import annotations

from ..base import Capability, DeviceIdentity, Vendor
from .operation import Privilege, camera_id_to_mac

_EVERYONE = frozenset({Capability.SNAPSHOT, Capability.VIDEO, Capability.EVENTS, Capability.AUDIO})
_OPERATOR = frozenset(
    {
        Capability.PTZ,
        Capability.PTZ_HOME,
        Capability.PTZ_PRESETS,
        Capability.IR,
        Capability.RESOLUTION,
    }
)
_ADMINISTRATOR = frozenset({Capability.TALK, Capability.REBOOT})


def capabilities_for(privilege: int) -> frozenset[Capability]:
    caps = _EVERYONE
    if privilege >= Privilege.OPERATOR:
        caps |= _OPERATOR
    if privilege >= Privilege.ADMINISTRATOR:
        caps |= _ADMINISTRATOR
    return caps


def identity_for(camera_id: str, firmware: str, alias: str, host: str, port: int) -> DeviceIdentity:
    """The identity; the unique ID is the MAC, else the camera id, else host:port."""
    mac = camera_id_to_mac(camera_id)
    return DeviceIdentity(
        vendor=Vendor.FOSCAM,
        unique_id=mac or camera_id.lower() or f"{host}:{port}",
        name=alias or f"Foscam {camera_id or host}",
        model="MJPEG (MO_O)",
        manufacturer="Foscam",
        firmware=firmware,
        serial=camera_id,
        mac=mac,
    )
