"""Shared fixtures: simulated cameras on 127.0.0.1 for every test layer.

``import custom_components`` first, so this repository's package (not the one in
phacc's testing config) is the one Python caches.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest

import custom_components  # noqa: F401  (see the module docstring)
from simulator.base import SimulatedCamera
from simulator.control import ControlServer
from simulator.registry import simulator_class

SIM_USERNAME = "admin"
SIM_PASSWORD = "s3cret-pass"

StartSimulator = Callable[..., Coroutine[Any, Any, SimulatedCamera]]


@pytest.fixture
async def start_simulator(socket_enabled: None) -> AsyncIterator[StartSimulator]:
    """Start simulated cameras on 127.0.0.1 (any free port); all stopped at teardown.

    ``await start_simulator("cgi", password="x")`` returns the started camera;
    its ``ports`` say where it listens.
    """
    started: list[SimulatedCamera] = []

    async def start(vendor: str, **kwargs: Any) -> SimulatedCamera:
        kwargs.setdefault("username", SIM_USERNAME)
        kwargs.setdefault("password", SIM_PASSWORD)
        camera = simulator_class(vendor)(host="127.0.0.1", **kwargs)
        await camera.start()
        started.append(camera)
        return camera

    yield start
    for camera in started:
        await camera.stop()


@pytest.fixture
async def control_server(socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    """Start the control API for given cameras; returns its port."""
    servers: list[ControlServer] = []

    async def start(cameras: dict[str, SimulatedCamera]) -> int:
        server = ControlServer(cameras)
        servers.append(server)
        return await server.start("127.0.0.1", 0)

    yield start
    for server in servers:
        await server.stop()
