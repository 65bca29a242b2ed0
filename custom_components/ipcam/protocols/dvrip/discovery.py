"""LAN discovery of DVRIP devices: a 1530 probe on UDP 34569, 1531 NetCommon replies."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from dataclasses import dataclass
from typing import Any

from ..errors import ProtocolError
from . import wire
from .wire import MsgId

PROBE = wire.encode_packet(MsgId.DISCOVERY, b"")
MAX_DEVICES = 256


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """One device that answered the probe."""

    host: str
    port: int
    serial: str = ""
    mac: str = ""
    name: str = ""
    channels: int = 0


def parse_discovery_reply(data: bytes, source: str = "") -> DiscoveredDevice:
    """A 1531 datagram as a ``DiscoveredDevice``; ProtocolError when it is not one."""
    messages = wire.PacketDecoder(max_json=64 * 1024).feed(data)
    if len(messages) != 1 or not isinstance(messages[0], wire.JsonMessage):
        raise ProtocolError("not a single DVRIP message")
    message = messages[0]
    if message.msg_id != MsgId.DISCOVERY_REPLY:
        raise ProtocolError(f"not a discovery reply ({message.msg_id})")
    common = message.body.get("NetWork.NetCommon")
    if not isinstance(common, dict):
        raise ProtocolError("discovery reply without NetWork.NetCommon")
    host = source
    with contextlib.suppress(ProtocolError):
        host = wire.decode_ip_hex(str(common.get("HostIP", ""))) or source
    port = common.get("TCPPort", 34567)
    channels = common.get("ChannelNum", 0)
    return DiscoveredDevice(
        host=host,
        port=port if isinstance(port, int) and 0 < port < 65536 else 34567,
        serial=str(common.get("SN", "")),
        mac=str(common.get("MAC", "")).lower(),
        name=str(common.get("HostName", "")),
        channels=channels if isinstance(channels, int) and channels >= 0 else 0,
    )


class _Collector(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.devices: dict[str, DiscoveredDevice] = {}

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if len(self.devices) >= MAX_DEVICES:
            return
        with contextlib.suppress(ProtocolError):
            device = parse_discovery_reply(data, str(addr[0]))
            self.devices.setdefault(str(addr[0]), device)


async def discover(
    timeout: float = 2.0,
    *,
    address: str = "255.255.255.255",
    port: int = wire.DISCOVERY_PORT,
    local_port: int = 0,
) -> list[DiscoveredDevice]:
    """Broadcast the probe three times (100 ms apart) and collect replies for ``timeout`` s.

    Devices answer to port 34569 on some firmware: pass ``local_port=34569`` to
    listen there (needs the port to be free).
    """
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Collector, local_addr=("0.0.0.0", local_port), family=socket.AF_INET
    )
    try:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        for _ in range(3):
            transport.sendto(PROBE, (address, port))
            await asyncio.sleep(0.1)
        await asyncio.sleep(max(0.0, timeout - 0.3))
    finally:
        transport.close()
    return sorted(protocol.devices.values(), key=lambda device: device.host)
