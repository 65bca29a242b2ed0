"""The simulator's fault handling, which every vendor simulator relies on."""

from __future__ import annotations

import asyncio

import pytest

from simulator.base import FaultError
from tests.conftest import StartSimulator


async def test_a_stall_can_be_ended_early(start_simulator: StartSimulator) -> None:
    camera = await start_simulator("cgi")
    await camera.inject_fault("stall", 60)
    assert camera.stalled
    waiter = asyncio.create_task(camera.wait_unstalled())
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await camera.inject_fault("stall", 0)
    await asyncio.wait_for(waiter, 2)
    assert not camera.stalled


async def test_stop_wakes_stalled_handlers(start_simulator: StartSimulator) -> None:
    camera = await start_simulator("cgi")
    await camera.inject_fault("stall", 60)
    waiter = asyncio.create_task(camera.wait_unstalled())
    await asyncio.sleep(0.05)
    await camera.stop()
    await asyncio.wait_for(waiter, 2)


async def test_bad_faults_are_refused(start_simulator: StartSimulator) -> None:
    camera = await start_simulator("cgi")
    with pytest.raises(FaultError):
        await camera.inject_fault("melt", 1)
    with pytest.raises(FaultError):
        await camera.inject_fault("stall", -1)
    with pytest.raises(FaultError):
        await camera.inject_fault("stall", 7200)
