"""DVRIP LAN discovery: the probe vector, address decoding, reply datagrams."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.discovery import decode_ip_hex
from custom_components.ipcam.protocols.dvrip.wire import Header, MsgId
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.dvrip.frames import encode_ip_hex


def test_discovery_probe_vector() -> None:
    probe = bytes.fromhex("FF00 0000 00000000 00000000 0000 FA05 00000000")
    assert wire.encode_packet(MsgId.DISCOVERY, b"") == probe
    assert Header.unpack(probe).msg_id == 1530


def test_discovery_address_vector() -> None:
    assert decode_ip_hex("0x7200060A") == "10.6.0.114"
    assert encode_ip_hex("10.6.0.114") == "0x7200060A"
    with pytest.raises(ProtocolError):
        decode_ip_hex("nope")


def test_parse_discovery_reply() -> None:
    from custom_components.ipcam.protocols.dvrip.discovery import PROBE, parse_discovery_reply

    probe = bytes.fromhex("FF00 0000 00000000 00000000 0000 FA05 00000000")
    assert probe == PROBE
    body = {
        "NetWork.NetCommon": {
            "HostIP": "0x7200060A",
            "TCPPort": 34567,
            "SN": "abc",
            "MAC": "00:12:31:47:E7:18",
            "HostName": "cam",
        },
        "Ret": 100,
        "SessionID": "0x00000000",
    }
    packet = wire.encode_json(MsgId.DISCOVERY_REPLY, body, version=1)
    device = parse_discovery_reply(packet, "10.0.0.9")
    assert (device.host, device.port, device.serial, device.mac, device.name) == (
        "10.6.0.114",
        34567,
        "abc",
        "00:12:31:47:e7:18",
        "cam",
    )
    with pytest.raises(ProtocolError):
        parse_discovery_reply(PROBE)
    with pytest.raises(ProtocolError):
        parse_discovery_reply(wire.encode_json(MsgId.DISCOVERY_REPLY, {"Ret": 100}))
