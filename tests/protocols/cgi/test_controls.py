"""Motion detection switch, preset listing and the simulator's identity and login counters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import (
    Capability,
    PresetAction,
    PtzMove,
    PtzPreset,
    SettingKey,
)
from custom_components.ipcam.protocols.cgi.client import Client
from custom_components.ipcam.protocols.errors import AuthError, NotSupported
from simulator.cgi import CgiCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME


@pytest.fixture
async def cam(start_simulator: Any) -> CgiCamera:
    camera = await start_simulator("cgi")
    assert isinstance(camera, CgiCamera)
    return camera


def make_client(cam: CgiCamera, **kwargs: Any) -> Client:
    kwargs.setdefault("timeout", 5.0)
    username = kwargs.pop("username", SIM_USERNAME)
    password = kwargs.pop("password", SIM_PASSWORD)
    return Client("127.0.0.1", cam.ports["http"], username, password, **kwargs)


@pytest.fixture
async def client(cam: CgiCamera) -> AsyncIterator[Client]:
    camera_client = make_client(cam)
    await camera_client.connect()
    yield camera_client
    await camera_client.close()


# --- motion detection --------------------------------------------------------------------------


async def test_motion_detection_switch_reaches_the_camera(cam: CgiCamera, client: Client) -> None:
    assert Capability.MOTION_ARMING in client.capabilities
    assert (await client.read_settings()).values[SettingKey.MOTION_ARMED] is False
    await client.write_setting(SettingKey.MOTION_ARMED, True)
    assert cam.state()["motion"]["enable"] == 1
    assert cam.requests["/motion.cgi"] >= 3  # connect, read, write
    assert (await client.read_settings()).values[SettingKey.MOTION_ARMED] is True
    await client.write_setting(SettingKey.MOTION_ARMED, "off")
    assert cam.state()["motion"]["enable"] == 0
    # The rest of the group is left as it was.
    assert cam.state()["motion"]["sensitivity"] == 50


async def test_no_switch_without_motion_cgi(start_simulator: Any) -> None:
    cam = await start_simulator("cgi", motion_cgi=False)
    client = make_client(cam)
    try:
        await client.connect()
        assert Capability.MOTION_ARMING not in client.capabilities
        assert SettingKey.MOTION_ARMED not in (await client.read_settings()).values
        with pytest.raises(NotSupported):
            await client.write_setting(SettingKey.MOTION_ARMED, True)
        assert "/motion.cgi" not in cam.requests  # 404: this firmware has none
    finally:
        await client.close()


# --- presets -----------------------------------------------------------------------------------


async def test_presets_listed_and_goto_moves_the_head(cam: CgiCamera, client: Client) -> None:
    presets = await client.ptz_presets()
    assert presets[0] == PtzPreset(1, "") and presets[-1] == PtzPreset(24, "")
    for _ in range(3):
        await client.ptz(PtzMove.RIGHT, 10)
    await client.ptz(PtzMove.UP, 10)
    position = (cam.state()["ptz"]["pan"], cam.state()["ptz"]["tilt"])
    await client.ptz_preset(PresetAction.SET, 7)
    assert cam.state()["presets"]["7"]["pan"] == position[0]
    await client.ptz(PtzMove.HOME)
    assert (cam.state()["ptz"]["pan"], cam.state()["ptz"]["tilt"]) != position
    await client.ptz_preset(PresetAction.GOTO, 7)
    assert (cam.state()["ptz"]["pan"], cam.state()["ptz"]["tilt"]) == position


async def test_no_presets_without_pan_tilt(cam: CgiCamera) -> None:
    client = make_client(cam, ptz=False)
    try:
        await client.connect()
        assert Capability.PTZ_PRESETS not in client.capabilities
        with pytest.raises(NotSupported):
            await client.ptz_presets()
    finally:
        await client.close()


# --- the simulator's identity and login counters ---------------------------------------------


async def test_every_simulator_has_its_own_mac(start_simulator: Any) -> None:
    macs = set()
    for _ in range(2):
        cam = await start_simulator("cgi")
        port = cam.ports["http"]
        assert cam.mac == f"00:40:8c:30:{port >> 8:02x}:{port & 0xFF:02x}"
        client = make_client(cam)
        try:
            await client.connect()
        finally:
            await client.close()
        macs.add(client.identity.unique_id)
    assert len(macs) == 2
    assert CgiCamera(port=8081).mac == "00:40:8c:30:1f:91"  # the demo's camera keeps its MAC
    given = await start_simulator("cgi", serial="00-40-8C-AA-BB-CC")
    assert given.state()["mac"] == "00:40:8c:aa:bb:cc"


async def test_logins_and_rejected_logins_are_counted(cam: CgiCamera) -> None:
    client = make_client(cam)
    try:
        await client.connect()
    finally:
        await client.close()
    state = cam.state()
    assert state["rejected_logins"] == 0
    assert state["logins"] == sum(state["requests"].values())  # each request logs in
    wrong = make_client(cam, password="wrong")
    try:
        for _ in range(2):
            with pytest.raises(AuthError):
                await wrong.connect()
    finally:
        await wrong.close()
    assert cam.state()["rejected_logins"] == 2
