"""Fixtures of the hostile-peer matrix: servers and clients closed at teardown."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.errors import CameraError

from .behaviours import Server


@pytest.fixture
async def servers(socket_enabled: None) -> AsyncIterator[list[Server]]:
    made: list[Server] = []
    yield made
    for server in made:
        await server.stop()


@pytest.fixture
async def clients() -> AsyncIterator[list[CameraClient]]:
    made: list[CameraClient] = []
    yield made
    for client in made:
        with contextlib.suppress(CameraError):
            await client.close()
