"""LAN discovery: the probe's --discover and the library search find simulated cameras."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.base import Vendor
from custom_components.ipcam.protocols.discovery import broadcast_addresses, search
from tests.conftest import SIM_PASSWORD, SIM_USERNAME, StartSimulator

pytestmark = pytest.mark.usefixtures("socket_enabled")


def _search_ports(camera: object) -> tuple[str, int]:
    ports = camera.ports  # type: ignore[attr-defined]
    port = ports.get("dvrip_discovery") or ports.get("search")
    assert port, ports
    return "127.0.0.1", int(port)


async def test_search_finds_a_dvrip_and_a_foscam_camera_by_unicast(
    start_simulator: StartSimulator,
) -> None:
    dvrip = await start_simulator("dvrip")
    foscam = await start_simulator("foscam")
    found = await search([_search_ports(dvrip), _search_ports(foscam)], seconds=0.6)
    by_vendor = {camera.vendor: camera for camera in found}
    assert set(by_vendor) == {Vendor.DVRIP, Vendor.FOSCAM}
    assert by_vendor[Vendor.DVRIP].port == dvrip.ports["dvrip"]
    assert by_vendor[Vendor.FOSCAM].port == next(iter(foscam.ports.values()))
    # The unique ID is what a manual set-up (a login) stores.
    for camera, found_camera in (
        (dvrip, by_vendor[Vendor.DVRIP]),
        (foscam, by_vendor[Vendor.FOSCAM]),
    ):
        client = open_client(
            camera.vendor, "127.0.0.1", found_camera.port, SIM_USERNAME, SIM_PASSWORD
        )
        try:
            await client.connect()
            assert client.identity.unique_id == found_camera.unique_id
            assert client.identity.mac == found_camera.mac
        finally:
            await client.close()


async def test_search_hears_a_dvrip_device_that_answers_at_a_fixed_port(
    start_simulator: StartSimulator,
) -> None:
    """The DVRIP search goes out from the family's answer port (34569; a free one here), so
    firmware answering there is found; a search sent from any port misses it."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("0.0.0.0", 0))
        answer_port = int(sock.getsockname()[1])
    dvrip = await start_simulator("dvrip", discovery_answer_port=answer_port)
    target = [_search_ports(dvrip)]
    missed = await search(target, seconds=0.3, answer_ports={Vendor.DVRIP: 0})
    assert missed == []
    found = await search(target, seconds=0.3, answer_ports={Vendor.DVRIP: answer_port})
    assert [(camera.vendor, camera.port) for camera in found] == [
        (Vendor.DVRIP, dvrip.ports["dvrip"])
    ]


async def test_nothing_answering_is_an_empty_list() -> None:
    assert await search([("127.0.0.1", 9)], seconds=0.2) == []


def test_broadcast_addresses_always_include_the_limited_broadcast() -> None:
    assert "255.255.255.255" in broadcast_addresses()


async def test_the_probe_discovers_by_unicast_and_prints_one_json_object(
    start_simulator: StartSimulator,
) -> None:
    dvrip = await start_simulator("dvrip")
    foscam = await start_simulator("foscam")
    targets = []
    for camera in (dvrip, foscam):
        host, port = _search_ports(camera)
        targets += ["--discover-address", f"{host}:{port}"]
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.ipcam.protocols.probe",
        "--discover",
        "--timeout",
        "1",
        *targets,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err
    report = json.loads(out)
    vendors = sorted(camera["vendor"] for camera in report["cameras"])
    assert vendors == ["dvrip", "foscam"]
    for camera in report["cameras"]:
        assert set(camera) == {
            "vendor", "host", "port", "mac", "serial", "model", "name", "channels"
        }  # fmt: skip


async def test_the_probe_finds_nothing_and_still_exits_0() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.ipcam.protocols.probe", "--discover",
        "--timeout", "0.3", "--discover-address", "127.0.0.1:9",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    assert json.loads(out) == {"cameras": []}


async def test_a_malformed_address_is_a_usage_error() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.ipcam.protocols.probe", "--discover",
        "--discover-address", "nowhere",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"HOST:PORT" in err
