"""Identity and capabilities from the login's camera id and privilege byte."""

from __future__ import annotations

from custom_components.ipcam.protocols.base import Capability
from custom_components.ipcam.protocols.foscam.identity import capabilities_for, identity_for
from custom_components.ipcam.protocols.foscam.operation import camera_id_to_mac


def test_capabilities_by_privilege() -> None:
    visitor, operator, admin = (capabilities_for(p) for p in (0, 1, 2))
    assert Capability.VIDEO in visitor and Capability.PTZ not in visitor
    assert Capability.PTZ in operator and Capability.TALK not in operator
    assert {Capability.TALK, Capability.REBOOT} <= admin


def test_identity_falls_back_from_mac_to_id_to_address() -> None:
    assert identity_for("00626E4E72BF", "1.2.3.4", "cam1", "h", 80).unique_id == (
        "00:62:6e:4e:72:bf"
    )
    odd = identity_for("CAM-1", "", "", "h", 80)
    assert (odd.unique_id, odd.name, odd.mac) == ("cam-1", "Foscam CAM-1", "")
    assert identity_for("", "", "", "10.0.0.2", 81).unique_id == "10.0.0.2:81"
    assert identity_for("", "", "", "10.0.0.2", 81).name == "Foscam 10.0.0.2"


def test_camera_id_to_mac() -> None:
    assert camera_id_to_mac("00626E4E72BF") == "00:62:6e:4e:72:bf"
    assert camera_id_to_mac("not-a-mac") == ""
    assert camera_id_to_mac("") == ""
