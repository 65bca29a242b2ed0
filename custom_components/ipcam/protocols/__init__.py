"""The ipcam camera library: async clients for four IP camera families.

This package imports nothing from Home Assistant; the simulators and the probe
use it as a plain library.
"""

from __future__ import annotations

import importlib
from typing import Any

from .base import CameraClient, Vendor
from .errors import NotSupported

DEFAULT_PORTS: dict[Vendor, int] = {
    Vendor.CGI: 80,
    Vendor.FOSCAM: 80,
    Vendor.DVRIP: 34567,
    Vendor.GRANDSTREAM: 554,
}

# Vendors whose client module exists; the others answer "not supported yet".
_CLIENT_MODULES: dict[Vendor, str] = {
    Vendor.CGI: ".cgi.client",
    Vendor.GRANDSTREAM: ".grandstream.client",
    Vendor.FOSCAM: ".foscam.client",
    Vendor.DVRIP: ".dvrip.client",
}


def supported_vendors() -> frozenset[Vendor]:
    """The vendors this build of the library can talk to."""
    return frozenset(_CLIENT_MODULES)


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
    module_name = _CLIENT_MODULES.get(vendor)
    if module_name is None:
        raise NotSupported(f"vendor {vendor.value!r} is not supported yet")
    module = importlib.import_module(module_name, __name__)
    client_class: type[CameraClient] = module.Client
    return client_class(  # type: ignore[call-arg]
        host, port or DEFAULT_PORTS[vendor], username, password, **options
    )
