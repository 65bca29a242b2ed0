"""Addresses a simulated camera tells its clients (LAN search answers)."""

from __future__ import annotations

import contextlib
import socket


def is_ipv4(host: str) -> bool:
    parts = host.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def address_towards(host: str, peer: str) -> str:
    """The IPv4 address the camera answers from: its own, or (listening on every address)
    the one the system would use to reach ``peer``."""
    if is_ipv4(host) and host != "0.0.0.0":
        return host
    if is_ipv4(peer):
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect((peer, 9))  # no packet is sent: this only picks the route
            address = str(s.getsockname()[0])
            if is_ipv4(address) and address != "0.0.0.0":
                return address
    return "127.0.0.1"
