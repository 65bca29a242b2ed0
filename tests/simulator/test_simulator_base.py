"""The simulator's fault handling, which every vendor simulator relies on."""

from __future__ import annotations

import asyncio

import pytest

from simulator.base import FaultError
from simulator.identity import mac_for_port, normalize_mac
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


@pytest.mark.parametrize("vendor", ["cgi", "foscam", "dvrip", "grandstream"])
async def test_every_simulator_shows_login_counters(
    start_simulator: StartSimulator, vendor: str
) -> None:
    camera = await start_simulator(vendor)
    state = camera.state()
    assert (state["logins"], state["rejected_logins"]) == (0, 0)
    camera.login_rejected()
    camera.login_accepted()
    assert (camera.state()["logins"], camera.state()["rejected_logins"]) == (1, 1)


def test_identities_from_ports() -> None:
    assert mac_for_port("00:0B:82", 554) == "00:0b:82:30:02:2a"
    assert mac_for_port("00:40:8c", 65535) == "00:40:8c:30:ff:ff"
    for port in (0, 65536):
        with pytest.raises(ValueError, match="port"):
            mac_for_port("00:40:8c", port)
    # 50 simulators on consecutive ports: 50 identities.
    assert len({mac_for_port("00:62:6e", port) for port in range(8080, 8130)}) == 50


@pytest.mark.parametrize(
    "text", ["00:0B:82:AA:BB:CC", "00-0b-82-aa-bb-cc", "000b.82aa.bbcc", "000B82AABBCC"]
)
def test_macs_in_any_usual_form(text: str) -> None:
    assert normalize_mac(text) == "00:0b:82:aa:bb:cc"


@pytest.mark.parametrize("text", ["", "00:0b:82:aa:bb", "00:0b:82:aa:bb:cc:dd", "zz0b82aabbcc"])
def test_what_is_not_a_mac(text: str) -> None:
    with pytest.raises(ValueError, match="MAC"):
        normalize_mac(text)
