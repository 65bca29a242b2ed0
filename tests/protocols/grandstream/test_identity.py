"""Who the camera is: the MAC from the ARP table, else the address; one ID per stream."""

from __future__ import annotations

from pathlib import Path

from custom_components.ipcam.protocols.grandstream.identity import arp_lookup, unique_id


def test_mac_from_the_arp_table(tmp_path: Path) -> None:
    table = tmp_path / "arp"
    table.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.1.20     0x1         0x2         00:0B:82:12:34:56     *        eth0\n"
        "192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        eth0\n"
        "192.168.1.22     0x1         0x2         00:00:00:00:00:00     *        eth0\n"
        "192.168.1.23     0x1         0x2         not-a-mac             *        eth0\n"
    )
    assert arp_lookup("192.168.1.20", table) == "00:0b:82:12:34:56"
    assert arp_lookup("192.168.1.21", table) == ""  # incomplete entry
    assert arp_lookup("192.168.1.22", table) == ""
    assert arp_lookup("192.168.1.23", table) == ""
    assert arp_lookup("10.0.0.1", table) == ""
    assert arp_lookup("10.0.0.1", tmp_path / "missing") == ""


def test_unique_ids() -> None:
    mac = "00:0b:82:12:34:56"
    assert unique_id(mac, "cam", 554, 0) == mac
    assert unique_id("", "CAM.local", 10080, 0) == "grandstream:cam.local:10080"
    assert unique_id(mac, "cam", 554, 2) == f"{mac}-channel2"
    assert unique_id(mac, "cam", 554, 4) == f"{mac}-secondary"
    assert unique_id("", "cam", 554, 7) == "grandstream:cam:554-channel3-secondary"
