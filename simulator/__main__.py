"""Run simulated cameras: ``python -m simulator --vendor cgi|foscam|dvrip|grandstream|all``.

Prints one JSON line ``{"ready": true, "ports": {...}, "control_port": N}`` once
listening, then serves until interrupted. ``--serial`` gives the camera its identity
(MAC, serial or camera id; by default each derives one from its port), ``--inputs``
the video inputs of a Grandstream encoder, ``--channels`` the channels of a DVRIP
recorder; ``--search-port`` the UDP port its LAN search answer listens on (DVRIP
and Foscam); each goes to the simulators that take it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import json
import signal
import sys
from typing import Any

from .base import SimulatedCamera
from .control import ControlServer
from .registry import SIMULATORS, simulator_class


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--vendor", required=True, choices=[*SIMULATORS, "all"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="camera port (0: any free port)")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--control-port", type=int, default=0)
    parser.add_argument(
        "--serial", help="the camera's MAC / serial / camera id (default: from its port)"
    )
    parser.add_argument("--inputs", type=int, help="video inputs of a Grandstream encoder (1-4)")
    parser.add_argument("--channels", type=int, help="channels of a DVRIP recorder (1-64)")
    parser.add_argument(
        "--search-port",
        type=int,
        help="UDP port of the LAN search answer (DVRIP 34569, Foscam 10000; default: any free)",
    )
    return parser


# Command-line options that only some simulators take: argument name -> the constructor
# keywords that take it (the first one a simulator has).
OPTIONAL: dict[str, tuple[str, ...]] = {
    "serial": ("serial",),
    "inputs": ("inputs",),
    "channels": ("channels",),
    "search_port": ("search_port", "discovery_port"),
}


def _options(vendors: list[str], args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """The optional keywords each vendor's simulator gets; SystemExit(2) when an option
    given applies to none of them."""
    options: dict[str, dict[str, Any]] = {vendor: {} for vendor in vendors}
    for name, keywords in OPTIONAL.items():
        value = getattr(args, name)
        if value is None:
            continue
        takers = 0
        for vendor in vendors:
            parameters = inspect.signature(simulator_class(vendor)).parameters
            keyword = next((k for k in keywords if k in parameters), None)
            if keyword is not None:
                options[vendor][keyword] = value
                takers += 1
        if not takers:
            _parser().error(f"--{name.replace('_', '-')} does not apply to {', '.join(vendors)}")
    return options


async def _run(args: argparse.Namespace) -> None:
    vendors = list(SIMULATORS) if args.vendor == "all" else [args.vendor]
    options = _options(vendors, args)
    cameras: dict[str, SimulatedCamera] = {}
    ports: dict[str, object] = {}
    for vendor in vendors:
        camera = simulator_class(vendor)(
            host=args.host,
            port=args.port if len(vendors) == 1 else 0,
            username=args.username,
            password=args.password,
            **options[vendor],
        )
        bound = await camera.start()
        cameras[vendor] = camera
        ports[vendor] = bound if len(vendors) > 1 else None
        if len(vendors) == 1:
            ports = dict(bound)
    control = ControlServer(cameras)
    control_port = await control.start(args.host, args.control_port)
    print(
        json.dumps({"ready": True, "ports": ports, "control_port": control_port}),
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await control.stop()
        for camera in cameras.values():
            await camera.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        asyncio.run(_run(args))
    except OSError as err:
        print(f"simulator: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # an option value a simulator refuses
        print(f"simulator: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
