"""The ipcam camera library: async clients for four IP camera families.

This package imports nothing from Home Assistant; the simulators and the probe
use it as a plain library.
"""

from __future__ import annotations

from typing import Any

from .base import CameraClient, CameraProfile, Vendor

# Every client is imported with the package, not on demand: Home Assistant imports
# the integration in a worker thread, and an import inside the event loop blocks it.
from .cgi.client import Client as CgiClient
from .dvrip.client import Client as DvripClient
from .errors import NotSupported
from .foscam.client import Client as FoscamClient
from .grandstream.client import Client as GrandstreamClient

_CLIENTS: dict[Vendor, type[CameraClient]] = {
    client.profile.vendor: client
    for client in (CgiClient, FoscamClient, DvripClient, GrandstreamClient)
}

DEFAULT_PORTS: dict[Vendor, int] = {
    vendor: client.profile.connection.default_port for vendor, client in _CLIENTS.items()
}


def supported_vendors() -> frozenset[Vendor]:
    """The vendors this build of the library can talk to."""
    return frozenset(_CLIENTS)


def profile_for(vendor: Vendor | str) -> CameraProfile:
    """What a camera family is (``NotSupported`` for a family this build lacks)."""
    try:
        return _CLIENTS[Vendor(vendor)].profile
    except (KeyError, ValueError):
        raise NotSupported(f"vendor {vendor!r} is not supported") from None


def family_for_mac(mac: str) -> Vendor | None:
    """The family whose cameras use the MAC's prefix (an OUI), if any."""
    digits = mac.replace(":", "").replace("-", "").upper()
    for vendor, client in _CLIENTS.items():
        if any(digits.startswith(prefix) for prefix in client.profile.mac_prefixes):
            return vendor
    return None


def address_based_id(unique_id: str) -> bool:
    """Whether a unique ID was made from an address (the camera could not be identified)."""
    return any(
        client.profile.address_id_prefix and unique_id.startswith(client.profile.address_id_prefix)
        for client in _CLIENTS.values()
    )


def open_client(
    vendor: Vendor | str,
    host: str,
    port: int | None,
    username: str,
    password: str,
    **options: Any,
) -> CameraClient:
    """Build (not connect) the client for ``vendor``.

    ``options`` are vendor specific (``session`` for an aiohttp session,
    ``channel`` for multi-channel devices, ``timeout`` in seconds, ...).
    """
    profile = profile_for(vendor)
    client_class = _CLIENTS[profile.vendor]
    return client_class(  # type: ignore[call-arg]
        host, port or profile.connection.default_port, username, password, **options
    )
