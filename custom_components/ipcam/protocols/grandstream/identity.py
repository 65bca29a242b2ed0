"""Who a Grandstream camera is: RTSP reveals no serial or MAC, so the host's ARP table may.

``arp_lookup`` reads the Linux ARP table (a file: the client runs it in a worker
thread). A camera on the local link is identified by its MAC; one elsewhere by
``grandstream:<host>:<port>``, which changes with the address. Each input and
stream of an encoder is its own device: ``-channelN`` and ``-secondary`` say which,
and so does the name (``Grandstream <host> input 2 secondary stream``):
``device_identity``.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..base import DeviceIdentity, Vendor
from . import SECONDARY_OFFSET
from .profile import ADDRESS_ID_PREFIX

ARP_TABLE = Path("/proc/net/arp")
MAX_ARP_LINES = 4096
_MAC = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}")


def arp_lookup(ip: str, table: Path = ARP_TABLE) -> str:
    """The MAC of ``ip`` from the Linux ARP table, or "" (not on the local link, not Linux)."""
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return ""
    for line in lines[:MAX_ARP_LINES]:
        parts = line.split()
        if len(parts) >= 4 and parts[0] == ip and parts[2] != "0x0":
            mac = parts[3].lower()
            if _MAC.fullmatch(mac) and mac != "00:00:00:00:00:00":
                return mac
    return ""


def unique_id(mac: str, host: str, port: int, stream: int) -> str:
    """The MAC (else the address), plus which input and stream (0-7) this client shows."""
    result = mac or f"{ADDRESS_ID_PREFIX}{host.lower()}:{port}"
    if video_input := stream % SECONDARY_OFFSET:
        result += f"-channel{video_input}"
    if stream >= SECONDARY_OFFSET:
        result += "-secondary"
    return result


def device_identity(mac: str, host: str, port: int, stream: int, firmware: str) -> DeviceIdentity:
    """Who the client of ``stream`` shows (an encoder: its first input's stream)."""
    return DeviceIdentity(
        vendor=Vendor.GRANDSTREAM,
        unique_id=unique_id(mac, host, port, stream),
        name=display_name(host, stream),
        model="GXV",
        manufacturer="Grandstream",
        firmware=firmware,
        mac=mac,
    )


def display_name(host: str, stream: int) -> str:
    """``Grandstream <host>``, plus the input (counted from 1, as the camera's labels do)
    and the stream when they are not the first input's primary stream."""
    name = f"Grandstream {host}"
    if video_input := stream % SECONDARY_OFFSET:
        name += f" input {video_input + 1}"
    if stream >= SECONDARY_OFFSET:
        name += " secondary stream"
    return name


def input_name(host: str, stream: int) -> str:
    """The name of an encoder's input (a channel of the device): always with its number,
    so that no channel is named like the encoder itself."""
    name = f"Grandstream {host} input {stream % SECONDARY_OFFSET + 1}"
    return name + (" secondary stream" if stream >= SECONDARY_OFFSET else "")
