"""Who the camera is: the MAC from the ARP table, else the address; one ID per stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from custom_components.ipcam.protocols.base import DeviceIdentity, Vendor
from custom_components.ipcam.protocols.grandstream.identity import (
    arp_lookup,
    device_identity,
    display_name,
    input_name,
    unique_id,
)


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


@pytest.mark.parametrize(
    ("stream", "name"),
    [
        (0, "Grandstream 192.0.2.5"),  # a camera's stream: as before
        (1, "Grandstream 192.0.2.5 input 2"),
        (3, "Grandstream 192.0.2.5 input 4"),
        (4, "Grandstream 192.0.2.5 secondary stream"),
        (5, "Grandstream 192.0.2.5 input 2 secondary stream"),
        (7, "Grandstream 192.0.2.5 input 4 secondary stream"),
    ],
)
def test_names_tell_inputs_and_streams_apart(stream: int, name: str) -> None:
    assert display_name("192.0.2.5", stream) == name


def test_every_stream_has_its_own_name_and_id() -> None:
    streams = range(8)
    assert len({display_name("cam", s) for s in streams}) == 8
    assert len({unique_id("", "cam", 554, s) for s in streams}) == 8


def test_an_encoders_inputs_are_named_with_their_number() -> None:
    assert input_name("cam", 0) == "Grandstream cam input 1"
    assert input_name("cam", 6) == "Grandstream cam input 3 secondary stream"
    assert input_name("cam", 0) != display_name("cam", 0)  # not named like the encoder


def test_device_identity_per_stream() -> None:
    assert device_identity("00:0b:82:12:34:56", "192.0.2.5", 554, 5, "V100R001") == (
        DeviceIdentity(
            vendor=Vendor.GRANDSTREAM,
            unique_id="00:0b:82:12:34:56-channel1-secondary",
            name="Grandstream 192.0.2.5 input 2 secondary stream",
            model="GXV",
            manufacturer="Grandstream",
            firmware="V100R001",
            mac="00:0b:82:12:34:56",
        )
    )
    off_link = device_identity("", "192.0.2.5", 10080, 0, "")
    assert (off_link.unique_id, off_link.name) == (
        "grandstream:192.0.2.5:10080",
        "Grandstream 192.0.2.5",
    )
    assert off_link.mac == ""
