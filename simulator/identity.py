"""Who a simulated camera is: an identity of its own for every instance.

Many simulators run side by side (a load test adds 50 of them to one Home
Assistant), so no two may share a MAC, serial or camera id. Unless one is given
(``serial=`` / ``--serial``), it is derived from the port the camera listens on:
``<vendor OUI>:30:<port high byte>:<port low byte>``. A camera started on port 0
takes the port it was given when it first starts and keeps that identity.
"""

from __future__ import annotations

import re

_HEX12 = re.compile(r"[0-9a-f]{12}")


def mac_for_port(oui: str, port: int) -> str:
    """``oui`` (``"00:40:8c"``) + ``30`` + the port as two bytes, lower case, colons."""
    if not 0 < port < 65536:
        raise ValueError("a port from 1 to 65535 is needed to derive an identity")
    return f"{oui.lower()}:30:{port >> 8:02x}:{port & 0xFF:02x}"


def normalize_mac(text: str) -> str:
    """A MAC given as ``aa:bb:..``, ``aa-bb-..``, ``aabb.ccdd.eeff`` or 12 hex digits."""
    digits = re.sub(r"[:\-. ]", "", text.strip().lower())
    if not _HEX12.fullmatch(digits):
        raise ValueError(f"not a MAC address (12 hex digits): {text!r}")
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
