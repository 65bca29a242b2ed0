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


def test_decoder_takes_odd_values() -> None:
    from custom_components.ipcam.protocols.dvrip.discovery import (
        DiscoveryDecoder,
        parse_discovery_reply,
    )

    common = {"HostIP": "0xZZ", "TCPPort": "34567", "SN": 7, "MAC": ["x"], "ChannelNum": -1}
    packet = wire.encode_json(MsgId.DISCOVERY_REPLY, {"NetWork.NetCommon": common})
    (device,) = DiscoveryDecoder().feed(packet)
    assert (device.host, device.port, device.serial, device.mac, device.channels) == (
        "",
        34567,
        "7",
        "",
        0,
    )
    assert parse_discovery_reply(packet, "10.0.0.9").host == "10.0.0.9"
    for odd in ({"NetWork.NetCommon": []}, {"NetWork.NetCommon": "x"}):
        with pytest.raises(ProtocolError):
            DiscoveryDecoder().feed(wire.encode_json(MsgId.DISCOVERY_REPLY, odd))
    with pytest.raises(ProtocolError):
        DiscoveryDecoder().feed(packet + packet)  # one datagram, one message
    with pytest.raises(ProtocolError):
        DiscoveryDecoder().feed(packet[:-3])
    assert decode_ip_hex("0xFFFFFFFF") == "255.255.255.255"
    with pytest.raises(ProtocolError):
        decode_ip_hex("0x1FFFFFFFF")


async def test_discover_ignores_what_is_no_reply(start_simulator: object) -> None:
    import asyncio

    from custom_components.ipcam.protocols.dvrip.discovery import PROBE, discover
    from simulator.dvrip import DvripCamera

    camera = await start_simulator("dvrip")  # type: ignore[operator]
    assert isinstance(camera, DvripCamera)

    class Junk(asyncio.DatagramProtocol):
        """A neighbour that answers the probe with nonsense and a truncated reply."""

        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            assert isinstance(transport, asyncio.DatagramTransport)
            self.transport = transport

        def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
            if data == PROBE:
                self.transport.sendto(b"junk", addr)
                self.transport.sendto(PROBE, addr)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Junk, local_addr=("127.0.0.2", 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        assert await discover(0.4, address="127.0.0.2", port=port) == []
        devices = await discover(0.4, address="127.0.0.1", port=camera.ports["dvrip_discovery"])
        assert [device.serial for device in devices] == [camera.serial]
    finally:
        transport.close()


def _free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("0.0.0.0", 0))
        return int(sock.getsockname()[1])


async def test_a_device_answering_at_the_discovery_port_is_heard_there(
    start_simulator: object,
) -> None:
    """Firmware that answers a search at a fixed port of the asker (34569 on both sides in
    the vendor's document) is found by a search sent from that port, and only by it."""
    from custom_components.ipcam.protocols.dvrip.discovery import ANSWER_PORTS, discover

    assert ANSWER_PORTS == (34569, 0)  # the discovery port first, any port when it is taken
    answer_port = _free_udp_port()  # stands in for 34569 (tests must not need that port)
    camera = await start_simulator("dvrip", discovery_answer_port=answer_port)  # type: ignore[operator]
    address, port = "127.0.0.1", camera.ports["dvrip_discovery"]
    assert await discover(0.3, address=address, port=port, local_ports=(0,)) == []
    devices = await discover(0.3, address=address, port=port, local_ports=(answer_port, 0))
    assert [device.serial for device in devices] == [camera.serial]


async def test_a_search_whose_port_is_taken_sends_from_any_port(start_simulator: object) -> None:
    import socket

    from custom_components.ipcam.protocols.dvrip.discovery import discover

    camera = await start_simulator("dvrip")  # type: ignore[operator]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", 0))
        busy = int(taken.getsockname()[1])
        devices = await discover(
            0.3, address="127.0.0.1", port=camera.ports["dvrip_discovery"], local_ports=(busy, 0)
        )
    assert [device.serial for device in devices] == [camera.serial]
