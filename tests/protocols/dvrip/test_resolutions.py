"""DVRIP picture sizes: Resolution names, sizes and capability mask bits."""

from __future__ import annotations

from custom_components.ipcam.protocols.dvrip import resolutions
from simulator.dvrip.frames import resolution_mask


def test_resolution_tables() -> None:
    assert resolutions.resolution_size("1080P") == (1920, 1080)
    assert resolutions.resolution_size("vga") == (640, 480)
    assert resolutions.resolution_name(320, 240) == "QVGA"
    assert resolutions.resolution_size("nonsense") is None
    mask = resolution_mask(["D1", "VGA", "1080P"])
    assert mask == (1 << 0) | (1 << 5) | (1 << 14)
    assert [name for name, _w, _h in resolutions.resolutions_in_mask(mask)] == [
        "D1",
        "VGA",
        "1080P",
    ]
    assert resolutions.parse_mask("0x00004021") == 0x4021
    assert resolutions.parse_mask("junk") == 0


def test_mask_values_of_other_types_are_empty() -> None:
    assert resolutions.parse_mask(True) == 0
    assert resolutions.parse_mask(None) == 0
    assert resolutions.parse_mask(["0x1"]) == 0
    assert resolutions.parse_mask(0x1_0000_0001) == 1
