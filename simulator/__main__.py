"""Run simulated cameras: ``python -m simulator --vendor cgi|foscam|dvrip|grandstream|all``.

Prints one JSON line ``{"ready": true, "ports": {...}, "control_port": N}`` once
listening, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys

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
    return parser


async def _run(args: argparse.Namespace) -> None:
    vendors = list(SIMULATORS) if args.vendor == "all" else [args.vendor]
    cameras: dict[str, SimulatedCamera] = {}
    ports: dict[str, object] = {}
    for vendor in vendors:
        camera = simulator_class(vendor)(
            host=args.host,
            port=args.port if len(vendors) == 1 else 0,
            username=args.username,
            password=args.password,
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
