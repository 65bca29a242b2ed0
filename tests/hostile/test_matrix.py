"""Every client against hostile or broken peers: one test over (family, operation, case).

Whatever the peer does, the operation ends in a ``CameraError`` subclass within the
case's guard time, without reading a flood to its end (no unbounded buffering); a fault
injected into a real simulator ends it with ``CannotConnect`` and ``connect()`` works
again afterwards. The cases are in ``cases_<family>.py``; ids read
``<family>-<operation>-<case>`` (``pytest tests/hostile -k dvrip-video``).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.errors import CannotConnect
from tests.conftest import StartSimulator

from .behaviours import (
    GUARD,
    HOSTILE_TIMEOUT,
    TIMEOUT,
    Hostile,
    Proxy,
    Server,
    consume,
    expect_camera_error,
    first_event,
    silence,
)
from .registry import case_id, matrix
from .table import (
    OPERATIONS,
    AfterConnect,
    AfterEvent,
    AfterMarker,
    Case,
    Family,
    Fault,
    FromFirstByte,
)

# A stall outlasts every client's detection (1-1.5 s). It is not lifted early: the
# simulators' handlers sleep until its planned end.
FAULT_SECONDS = 2.0

Action = Callable[[], Awaitable[object]]


def action(operation: str, client: CameraClient, case: Case) -> Action:
    """What the client does for ``operation`` (the whole of it, to its end or error)."""
    if operation == "connect":
        return client.connect
    if operation == "snapshot":
        return client.snapshot
    if operation == "video":
        return lambda: consume(client.video())
    if operation == "events":
        return lambda: consume(client.events())
    assert operation == "talk"
    return lambda: client.talk(silence(case.talk_seconds))


class Scene:
    """The servers, simulator and clients one case made (all closed at teardown)."""

    def __init__(
        self,
        family: Family,
        servers: list[Server],
        clients: list[CameraClient],
        start_simulator: StartSimulator,
    ) -> None:
        self.family = family
        self._servers = servers
        self._clients = clients
        self._start_simulator = start_simulator

    def client(self, port: int, timeout: float) -> CameraClient:
        client = self.family.make_client(port, timeout)
        self._clients.append(client)
        return client

    async def camera(self) -> Any:
        return await self._start_simulator(self.family.name, **self.family.simulator)

    async def serve(self, server: Server) -> Server:
        await server.start()
        self._servers.append(server)
        return server

    async def proxy(self, camera: Any, **options: Any) -> Proxy:
        server = Proxy(camera.ports[self.family.port_name], **options)
        await self.serve(server)
        return server


async def run_case(scene: Scene, operation: str, case: Case) -> None:
    peer = case.peer
    if isinstance(peer, FromFirstByte):
        server = await scene.serve(Hostile(peer.behaviour, wait_request=peer.wait_request))
        client = scene.client(server.port, HOSTILE_TIMEOUT)
        await expect_camera_error(action(operation, client, case), server.stats, case.guard)
    elif isinstance(peer, AfterMarker):
        camera = await scene.camera()
        server = await scene.proxy(
            camera, behaviour=peer.behaviour, marker=peer.marker, pass_through=peer.pass_through
        )
        client = scene.client(server.port, TIMEOUT)
        await client.connect()
        await expect_camera_error(action(operation, client, case), server.stats, case.guard)
    elif isinstance(peer, AfterConnect):
        camera = await scene.camera()
        server = await scene.proxy(camera)
        client = scene.client(server.port, TIMEOUT)
        await client.connect()
        server.go_hostile(peer.behaviour)
        await expect_camera_error(action(operation, client, case), server.stats, case.guard)
    elif isinstance(peer, AfterEvent):
        assert operation == "events"
        camera = await scene.camera()
        server = await scene.proxy(camera)
        client = scene.client(server.port, TIMEOUT)
        await client.connect()
        events = client.events()
        assert (await first_event(camera, events, scene.family.event_kind)).active
        server.go_hostile(peer.behaviour)
        await expect_camera_error(lambda: consume(events), server.stats, case.guard)
    else:
        assert isinstance(peer, Fault)
        await run_fault(scene, operation, peer.kind)
        return
    if case.max_read is not None:
        assert server.stats.sent < case.max_read, f"{server.stats.sent} hostile bytes read"
    if case.reconnect_after:
        async with asyncio.timeout(GUARD):
            await client.connect()  # the client recovers


async def started(scene: Scene, operation: str, camera: Any, client: CameraClient) -> Any:
    """Start ``operation`` on the real simulator and see it deliver; return its iterator."""
    if operation == "events":
        events = client.events()
        assert (await first_event(camera, events, scene.family.event_kind)).active
        return events
    assert operation == "video"
    video = client.video()
    async with asyncio.timeout(GUARD):
        assert (await anext(video)).data
    return video


async def run_fault(scene: Scene, operation: str, kind: str) -> None:
    """A dropped, refusing or stalled camera ends the operation with CannotConnect;
    connect() then works, and so does the operation."""
    camera = await scene.camera()
    client = scene.client(camera.ports[scene.family.port_name], scene.family.fault_timeout)
    await client.connect()
    running = await started(scene, operation, camera, client)
    await camera.inject_fault(kind, FAULT_SECONDS)
    error = await expect_camera_error(lambda: consume(running))
    assert isinstance(error, CannotConnect), repr(error)
    async with asyncio.timeout(FAULT_SECONDS + GUARD):
        while camera.stalled or not camera.reachable:
            await asyncio.sleep(0.05)
    async with asyncio.timeout(GUARD):
        await client.connect()
    again = await started(scene, operation, camera, client)
    await again.aclose()


MATRIX = matrix()


def test_every_case_has_its_own_id() -> None:
    ids = Counter(case_id(family, operation, case) for family, operation, case in MATRIX)
    assert not [name for name, count in ids.items() if count > 1]
    assert {operation for _, operation, _ in MATRIX} <= set(OPERATIONS)


@pytest.mark.parametrize(
    ("family", "operation", "case"),
    [
        pytest.param(family, operation, case, id=case_id(family, operation, case), marks=case.marks)
        for family, operation, case in MATRIX
    ],
)
async def test_hostile_peer(
    family: Family,
    operation: str,
    case: Case,
    servers: list[Server],
    clients: list[CameraClient],
    start_simulator: StartSimulator,
) -> None:
    await run_case(Scene(family, servers, clients, start_simulator), operation, case)
