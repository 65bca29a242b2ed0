"""MO_I LAN search over UDP: the client's Search_Req and the camera's 65-byte Search_Resp.

Layout: docs/protocols/foscam.md, "LAN discovery (MO_I)". IP addresses are in
network order and the port is big-endian (unlike the rest of the protocol).
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Self

from ..errors import ProtocolError
from .framing import MAGIC_SEARCH, split_datagram
from .message import Incoming, Request, cstring, ipv4, need, version

SEARCH_PORT = 10000
SEARCH_RESP_TEXT = 65  # HD models send longer records; only these bytes are read


class SearchOpCode(enum.IntEnum):
    """MO_I op codes."""

    SEARCH_REQ = 0
    SEARCH_RESP = 1
    INIT_REQ = 2
    INIT_RESP = 3


@dataclass(frozen=True, slots=True)
class SearchReq(Request):
    """Op 0: four bytes, ``00 00 00 01`` in the captures."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.SEARCH_REQ
    flags: bytes = b"\x00\x00\x00\x01"

    def text(self) -> bytes:
        return self.flags[:4].ljust(4, b"\x00")


@dataclass(frozen=True, slots=True)
class SearchResp(Incoming):
    """Op 1: the camera's 65-byte record."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.SEARCH_RESP
    camera_id: str = ""
    name: str = ""
    ip: str = "0.0.0.0"
    mask: str = "0.0.0.0"
    gateway: str = "0.0.0.0"
    dns: str = "0.0.0.0"
    firmware: str = "0.0.0.0"
    webui: str = "0.0.0.0"
    port: int = 80
    dhcp: bool = False
    reserved: int = 0

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, SEARCH_RESP_TEXT, "Search_Resp")
        port, dhcp = struct.unpack_from(">HB", text, 62)
        return cls(
            camera_id=cstring(text[0:13]),
            name=cstring(text[13:34]),
            ip=ipv4(text[34:38]),
            mask=ipv4(text[38:42]),
            gateway=ipv4(text[42:46]),
            dns=ipv4(text[46:50]),
            reserved=struct.unpack_from(">I", text, 50)[0],
            firmware=version(text[54:58]),
            webui=version(text[58:62]),
            port=port,
            dhcp=bool(dhcp),
        )


class SearchDecoder:
    """Search answers from datagrams: ``feed(datagram) -> list[SearchResp]``.

    Each datagram is one whole packet; anything but a Search_Resp gives ``[]``
    (other MO_I ops, our own broadcast echoed back); a malformed one raises
    ProtocolError. ``found`` keeps the first answer of each camera id.
    """

    def __init__(self) -> None:
        self.found: dict[str, SearchResp] = {}

    def feed(self, data: bytes) -> list[SearchResp]:
        packet = split_datagram(data)
        if packet.magic != MAGIC_SEARCH or packet.op != SearchOpCode.SEARCH_RESP:
            return []
        try:
            answer = SearchResp.from_text(packet.text)
        except (struct.error, ValueError, IndexError) as err:
            raise ProtocolError("malformed Search_Resp") from err
        if answer.camera_id in self.found:
            return []
        self.found[answer.camera_id] = answer
        return [answer]
