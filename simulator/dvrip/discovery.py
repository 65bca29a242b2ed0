"""The simulated camera's answer to LAN discovery: a 1531 NetCommon reply to each 1530 probe."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.codes import MsgId, Ret
from custom_components.ipcam.protocols.errors import ProtocolError

from ..network import address_towards
from .config import system_info
from .frames import encode_ip_hex

if TYPE_CHECKING:
    from .core import DvripCameraCore


def discovery_reply(camera: DvripCameraCore, peer: str = "127.0.0.1") -> bytes:
    """The 1531 answer to a discovery probe from ``peer`` (its HostIP is the camera's
    address as the asker reaches it, also when listening on every address)."""
    common = dict(camera.config["NetWork"]["NetCommon"])
    port = camera.ports.get("dvrip", camera.default_port)
    host = address_towards(camera.host, peer)
    common.update(
        {
            "ChannelNum": camera.channels,
            "DeviceType": 1,
            "HostIP": encode_ip_hex(host),
            "SN": camera.serial,
            "TCPPort": port,
            "Version": system_info(camera.channels, camera.serial)["SoftWareVersion"],
        }
    )
    body = {"NetWork.NetCommon": common, "Ret": Ret.OK, "SessionID": "0x00000000"}
    return wire.encode_json(MsgId.DISCOVERY_REPLY, body, version=wire.DEVICE_VERSION)


class DiscoveryResponder(asyncio.DatagramProtocol):
    """Answers the UDP discovery probe (1530) with 1531 NetCommon JSON."""

    def __init__(self, camera: DvripCameraCore) -> None:
        self.camera = camera
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if self.transport is None or not self.camera.reachable or len(data) < wire.HEADER_SIZE:
            return
        try:
            header = wire.Header.unpack(data[: wire.HEADER_SIZE])
        except ProtocolError:
            return
        if header.msg_id != MsgId.DISCOVERY:
            return
        peer, source_port = str(addr[0]), int(addr[1])
        answer_port = self.camera.discovery_answer_port or source_port
        self.transport.sendto(discovery_reply(self.camera, peer), (peer, answer_port))
