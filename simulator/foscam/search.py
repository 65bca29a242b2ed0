"""The simulated Foscam camera's MO_I search: answers with its id, address and web port.

See docs/protocols/foscam.md, "LAN discovery".
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam import search

from ..identity import mac_for_port
from ..network import address_towards
from . import wire as sw

if TYPE_CHECKING:
    from .camera import FoscamCamera


class SearchProtocol(asyncio.DatagramProtocol):
    def __init__(self, camera: FoscamCamera) -> None:
        self.camera = camera
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = self.camera.search_reply(data, str(addr[0]))
        if reply is not None and self.transport is not None and self.camera.reachable:
            self.transport.sendto(reply, addr)


def search_answer(camera: FoscamCamera, data: bytes, peer: str = "127.0.0.1") -> bytes | None:
    """The MO_I answer to a datagram from ``peer``: the camera's id, address and real
    web port (what a discovery reports and a user adds)."""
    try:
        message = sw.decode_request_datagram(data)
    except ProtocolError:
        return None
    if isinstance(message, search.SearchReq):
        camera.search_requests += 1
        answer = search.SearchResp(
            camera_id=camera.camera_id,
            name=camera.alias,
            ip=address_towards(camera.host, peer),
            mask="255.255.255.0",
            gateway="192.168.69.1",
            dns="192.168.69.1",
            firmware=camera.firmware,
            webui=camera.webui,
            port=camera.ports.get("http", camera.port),
            dhcp=True,
        )
        return sw.encode(answer)
    if isinstance(message, sw.InitReq):
        ok = camera.users.get(message.username) == (camera.password, op.Privilege.ADMINISTRATOR)
        return sw.encode(sw.InitResp(0 if ok else op.Result.WRONG_USER))
    return None


def camera_id_for(port: int) -> str:
    """Foscam's OUI 00:62:6E and the port: the camera id of a simulator on ``port``."""
    return mac_for_port("00:62:6e", port).replace(":", "").upper()
