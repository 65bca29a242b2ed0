"""The ipcam camera library: async clients for four IP camera families.

This package imports nothing from Home Assistant; the simulators and the probe
use it as a plain library.
"""

from __future__ import annotations

from typing import Any

from .base import CameraClient, Vendor

# Every client is imported with the package, not on demand: Home Assistant imports
# the integration in a worker thread, and an import inside the event loop blocks it.
from .cgi.client import Client as CgiClient
from .dvrip.client import Client as DvripClient
from .errors import NotSupported
from .foscam.client import Client as FoscamClient
from .grandstream.client import Client as GrandstreamClient

DEFAULT_PORTS: dict[Vendor, int] = {
    Vendor.CGI: 80,
    Vendor.FOSCAM: 80,
    Vendor.DVRIP: 34567,
    Vendor.GRANDSTREAM: 554,
}

_CLIENTS: dict[Vendor, type[CameraClient]] = {
    Vendor.CGI: CgiClient,
    Vendor.FOSCAM: FoscamClient,
    Vendor.DVRIP: DvripClient,
    Vendor.GRANDSTREAM: GrandstreamClient,
}


def supported_vendors() -> frozenset[Vendor]:
    """The vendors this build of the library can talk to."""
    return frozenset(_CLIENTS)


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
    vendor = Vendor(vendor)
    client_class = _CLIENTS.get(vendor)
    if client_class is None:
        raise NotSupported(f"vendor {vendor.value!r} is not supported yet")
    return client_class(  # type: ignore[call-arg]
        host, port or DEFAULT_PORTS[vendor], username, password, **options
    )
