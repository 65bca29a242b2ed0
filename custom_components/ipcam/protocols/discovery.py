"""Finding cameras on the LAN: every family's search at once, one answer shape.

Two families answer a UDP search: DVRIP devices (message 1530 on port 34569,
docs/protocols/dvrip.md "Discovery") and legacy Foscam cameras (MO_I Search_Req on
port 10000, docs/protocols/foscam.md "LAN discovery"). ``search()`` sends both
probes to every target — a broadcast address (each family's own port) or a
``(host, port)`` pair (both probes to that port, for cameras and simulators on
one machine) — and turns whatever answers into ``DiscoveredCamera`` records whose
``unique_id`` is the one a manual set-up of that camera would store.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .base import Vendor
from .dvrip.discovery import ANSWER_PORTS, DISCOVERY_PORT, PROBE, DiscoveryDecoder
from .errors import CameraError, ProtocolError
from .foscam.identity import identity_for
from .foscam.operation import camera_id_to_mac
from .foscam.search import SearchDecoder, SearchReq
from .transport import broadcast

FOSCAM_SEARCH_PORT = 10000
MAX_CAMERAS = 256
DEFAULT_SECONDS = 2.0

Target = str | tuple[str, int]


@dataclass(frozen=True, slots=True)
class DiscoveredCamera:
    """A camera that answered a search."""

    vendor: Vendor
    host: str
    port: int  # the camera's own service port (DVRIP TCP port, Foscam web port)
    unique_id: str  # what a manual set-up of the whole camera would store
    mac: str = ""
    serial: str = ""
    model: str = ""
    name: str = ""
    channels: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "vendor": self.vendor.value,
            "host": self.host,
            "port": self.port,
            "mac": self.mac,
            "serial": self.serial,
            "model": self.model,
            "name": self.name,
            "channels": self.channels,
        }


def _dvrip(data: bytes, source: str) -> list[DiscoveredCamera]:
    found = []
    for device in DiscoveryDecoder().feed(data):
        mac = _colon_mac(device.mac)
        unique_id = device.serial or mac.replace(":", "")
        if not unique_id:
            continue  # nothing to tell this device apart by
        found.append(
            DiscoveredCamera(
                Vendor.DVRIP,
                device.host or source,
                device.port,
                unique_id,
                mac=mac,
                serial=device.serial,
                name=device.name,
                channels=device.channels,
            )
        )
    return found


def _foscam(data: bytes, source: str) -> list[DiscoveredCamera]:
    found = []
    for answer in SearchDecoder().feed(data):
        host = answer.ip if answer.ip not in ("", "0.0.0.0") else source
        identity = identity_for(answer.camera_id, answer.firmware, answer.name, host, answer.port)
        found.append(
            DiscoveredCamera(
                Vendor.FOSCAM,
                host,
                answer.port,
                identity.unique_id,
                mac=camera_id_to_mac(answer.camera_id),
                serial=answer.camera_id,
                model=identity.model,
                name=answer.name,
                channels=1,
            )
        )
    return found


def _colon_mac(value: str) -> str:
    """A MAC in any common spelling as lower case, colon separated ("" if it is none)."""
    digits = value.replace(":", "").replace("-", "").strip().lower()
    if len(digits) != 12 or any(c not in "0123456789abcdef" for c in digits):
        return ""
    if digits == "0" * 12:
        return ""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


Reader = Callable[[bytes, str], list[DiscoveredCamera]]
# family -> (probe, its own port for broadcasts, answer reader, local ports to send from
# in order of preference: 0 is any free port)
SEARCHES: dict[Vendor, tuple[bytes, int, Reader, tuple[int, ...]]] = {
    Vendor.DVRIP: (PROBE, DISCOVERY_PORT, _dvrip, ANSWER_PORTS),
    Vendor.FOSCAM: (SearchReq().encode(), FOSCAM_SEARCH_PORT, _foscam, (0,)),
}


def broadcast_addresses() -> list[str]:
    """The broadcast address of every IPv4 interface (the limited broadcast as a fallback).

    ``ifaddr`` (shipped with Home Assistant) lists the interfaces; without it, only
    255.255.255.255 is used, which most systems send on their default interface.
    """
    addresses = {"255.255.255.255"}
    try:
        import ifaddr
    except ImportError:
        return sorted(addresses)
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if not isinstance(ip.ip, str) or ip.ip.startswith("127."):
                continue
            with contextlib.suppress(ValueError):
                network = ipaddress.IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False)
                if network.prefixlen < 31:
                    addresses.add(str(network.broadcast_address))
    return sorted(addresses)


async def search(
    targets: Iterable[Target] = ("255.255.255.255",),
    *,
    seconds: float = DEFAULT_SECONDS,
    answer_ports: Mapping[Vendor, int] | None = None,
) -> list[DiscoveredCamera]:
    """Send every family's search to every target; the cameras that answered in time.

    A camera that answers more than once (several targets, repeated probes) is
    listed once. A socket that cannot be opened skips its target. A family whose
    devices may answer to a fixed port sends from that port while it is free
    (``answer_ports`` replaces it; one search's first probe takes it, the others
    and a port in use fall back to any free port).
    """
    found: dict[tuple[Vendor, str], DiscoveredCamera] = {}

    def collector(read: Reader) -> Callable[[bytes, str], None]:
        def on_datagram(data: bytes, source: str) -> None:
            if len(found) >= MAX_CAMERAS:
                return
            with contextlib.suppress(ProtocolError):
                for camera in read(data, source):
                    found.setdefault((camera.vendor, camera.unique_id), camera)

        return on_datagram

    async def probe(
        address: str, port: int, message: bytes, read: Reader, local_ports: tuple[int, ...]
    ) -> None:
        with contextlib.suppress(CameraError):
            await broadcast(
                message, address, port, collector(read), seconds=seconds, local_ports=local_ports
            )

    probes = []
    for target in targets:
        for vendor, (message, family_port, read, preferred) in SEARCHES.items():
            chosen = answer_ports.get(vendor) if answer_ports is not None else None
            local_ports = preferred if chosen is None else (chosen, 0)
            address, port = (target, family_port) if isinstance(target, str) else target
            probes.append(probe(address, port, message, read, local_ports))
    await asyncio.gather(*probes)
    return sorted(found.values(), key=lambda camera: (camera.host, camera.vendor.value))
