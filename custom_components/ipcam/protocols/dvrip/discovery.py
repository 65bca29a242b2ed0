"""LAN discovery of DVRIP devices: a 1530 probe on UDP 34569, 1531 NetCommon replies.

``DiscoveryDecoder`` turns reply datagrams into devices (sans-I/O); ``discover``
broadcasts the probe with ``transport.broadcast`` and collects what answers.
See docs/protocols/dvrip.md, "Discovery".
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ProtocolError
from ..transport import broadcast
from .codes import MsgId
from .profile import DEFAULT_PORT
from .views import NetCommon
from .wire import JsonMessage, PacketDecoder, encode_packet

DISCOVERY_PORT = 34569
# Where a search listens: the discovery port itself when free (the vendor's document has
# both sides on it, and clients bind it), else any free port (most answer the sender).
ANSWER_PORTS = (DISCOVERY_PORT, 0)
PROBE = encode_packet(MsgId.DISCOVERY, b"")
MAX_DEVICES = 256
MAX_REPLY = 64 * 1024


@dataclass(frozen=True, slots=True)
class DiscoveredDevice:
    """One device that answered the probe (``host`` "" when its reply has no readable HostIP)."""

    host: str
    port: int
    serial: str = ""
    mac: str = ""
    name: str = ""
    channels: int = 0


def decode_ip_hex(value: str) -> str:
    """A NetCommon address (``"0x7200060A"``: little-endian uint32 as hex) as dotted quad."""
    try:
        number = int(value, 16) if len(value) <= 10 else -1
    except (TypeError, ValueError):
        raise ProtocolError("address is not a hex number") from None
    if not 0 <= number <= 0xFFFFFFFF:
        raise ProtocolError("address out of range")
    return ".".join(str(part) for part in number.to_bytes(4, "little"))


class DiscoveryDecoder:
    """Reply datagrams in, devices out: each datagram is one whole 1531 message."""

    def feed(self, data: bytes) -> list[DiscoveredDevice]:
        messages = PacketDecoder(max_json=MAX_REPLY).feed(data)
        if len(messages) != 1 or not isinstance(messages[0], JsonMessage):
            raise ProtocolError("not a single DVRIP message")
        message = messages[0]
        if message.msg_id != MsgId.DISCOVERY_REPLY:
            raise ProtocolError(f"not a discovery reply ({message.msg_id})")
        raw = message.body.get("NetWork.NetCommon")
        if not isinstance(raw, dict):
            raise ProtocolError("discovery reply without NetWork.NetCommon")
        common = NetCommon.from_json(raw)
        host = ""
        with contextlib.suppress(ProtocolError):
            host = decode_ip_hex(common.host_ip)
        return [
            DiscoveredDevice(
                host=host,
                port=common.tcp_port or DEFAULT_PORT,
                serial=common.serial,
                mac=common.mac,
                name=common.host_name,
                channels=common.channel_count,
            )
        ]


def parse_discovery_reply(data: bytes, source: str = "") -> DiscoveredDevice:
    """A 1531 datagram from ``source`` as a ``DiscoveredDevice``; ProtocolError if it is none."""
    (device,) = DiscoveryDecoder().feed(data)
    return device if device.host else dataclasses.replace(device, host=source)


async def discover(
    timeout: float = 2.0,
    *,
    address: str = "255.255.255.255",
    port: int = DISCOVERY_PORT,
    local_ports: Sequence[int] = ANSWER_PORTS,
) -> list[DiscoveredDevice]:
    """Broadcast the probe three times (100 ms apart) and collect replies for ``timeout`` s,
    sent from port 34569 when it is free (some firmware answers there, whatever the probe's
    source port), else from any port."""
    devices: dict[str, DiscoveredDevice] = {}

    def on_datagram(data: bytes, source: str) -> None:
        if len(devices) < MAX_DEVICES:
            with contextlib.suppress(ProtocolError):
                devices.setdefault(source, parse_discovery_reply(data, source))

    await broadcast(PROBE, address, port, on_datagram, seconds=timeout, local_ports=local_ports)
    return sorted(devices.values(), key=lambda device: device.host)
