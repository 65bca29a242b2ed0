"""Detector arming, preset listing and the simulator's identity, client against simulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.base import (
    CameraEvent,
    Capability,
    EventKind,
    PresetAction,
    PtzMove,
    PtzPreset,
    SettingKey,
)
from custom_components.ipcam.protocols.discovery import search
from custom_components.ipcam.protocols.errors import AuthError, NotSupported
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.client import Client
from custom_components.ipcam.protocols.foscam.search import SearchReq
from simulator.foscam import FoscamCamera
from simulator.foscam import wire as sw
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

pytestmark = pytest.mark.usefixtures("socket_enabled")

ARMING = {Capability.MOTION_ARMING, Capability.SOUND_ARMING, Capability.INPUT_ARMING}


@pytest.fixture
async def camera(start_simulator: Any) -> FoscamCamera:
    cam = await start_simulator("foscam", extra_users={"op": ("op-pass", 1), "guest": ("guest", 0)})
    assert isinstance(cam, FoscamCamera)
    return cam


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


async def connected(
    camera: FoscamCamera,
    clients: list[Client],
    username: str = SIM_USERNAME,
    password: str = SIM_PASSWORD,
) -> Client:
    client = open_client(
        "foscam", "127.0.0.1", camera.ports["http"], username, password, timeout=5.0
    )
    assert isinstance(client, Client)
    clients.append(client)
    await client.connect()
    return client


class Collector:
    """Every event of ``client.events()`` into a list, in a task."""

    def __init__(self, client: Client) -> None:
        self.events: list[CameraEvent] = []
        self.task = asyncio.create_task(self._run(client))

    async def _run(self, client: Client) -> None:
        async for event in client.events():
            self.events.append(event)

    async def wait(self, count: int) -> list[CameraEvent]:
        async with asyncio.timeout(5):
            while len(self.events) < count:
                await asyncio.sleep(0.02)
        return self.events

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


# --- arming ------------------------------------------------------------------------------------


async def test_administrator_gets_a_switch_per_detector(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    assert client.capabilities >= ARMING
    settings = await client.read_settings()
    assert {
        key: settings.values[key] for key in ("motion_armed", "sound_armed", "input_armed")
    } == {
        "motion_armed": True,
        "sound_armed": True,
        "input_armed": True,
    }


@pytest.mark.parametrize(("username", "password"), [("op", "op-pass"), ("guest", "guest")])
async def test_other_accounts_get_no_switch_and_cost_no_login(
    camera: FoscamCamera, clients: list[Client], username: str, password: str
) -> None:
    client = await connected(camera, clients, username, password)
    assert not client.capabilities & ARMING
    assert "get_params.cgi" not in camera.cgi_requests  # the administrator's CGI
    assert camera.state()["rejected_logins"] == 0
    with pytest.raises(NotSupported):
        await client.write_setting(SettingKey.MOTION_ARMED, False)
    assert SettingKey.MOTION_ARMED not in (await client.read_settings()).values


@pytest.mark.parametrize(
    ("key", "param"),
    [
        (SettingKey.MOTION_ARMED, "motion_armed"),
        (SettingKey.SOUND_ARMED, "sounddetect_armed"),
        (SettingKey.INPUT_ARMED, "input_armed"),
    ],
)
async def test_switching_a_detector_reaches_the_camera_and_reads_back(
    camera: FoscamCamera, clients: list[Client], key: SettingKey, param: str
) -> None:
    client = await connected(camera, clients)
    await client.write_setting(key, False)
    assert camera.alarm_config[param] == 0
    settings = await client.read_settings()
    assert settings.values[key] is False
    assert [v for k, v in settings.values.items() if k.endswith("_armed") and k != key] == [
        True,
        True,
    ]
    await client.write_setting(key, "on")
    assert camera.state()["alarm_config"][param] == 1
    assert (await client.read_settings()).values[key] is True


async def test_a_disarmed_detector_sends_no_alarm(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    collector = Collector(client)
    try:
        await client.write_setting(SettingKey.MOTION_ARMED, False)
        await camera.push_event("motion", True, 0)
        assert camera.state()["alarms_suppressed"] == 1
        assert camera.state()["armed"] == {"motion": False, "input": True, "sound": True}
        await camera.push_event("input", True, 0)  # other detectors still report
        # Alarms go out in order on one connection: the input alarm is the first one.
        events = await collector.wait(1)
        await asyncio.sleep(0.2)
        assert [(e.kind, e.active) for e in events] == [(EventKind.INPUT, True)]
    finally:
        await collector.stop()


async def test_disarming_ends_the_detectors_alarm(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    collector = Collector(client)
    try:
        await camera.push_event("sound", True, 0)
        await collector.wait(1)
        await client.write_setting(SettingKey.SOUND_ARMED, False)
        events = await collector.wait(2)
        assert [(e.kind, e.active) for e in events] == [
            (EventKind.SOUND, True),
            (EventKind.SOUND, False),
        ]
        assert camera.alarm is None
    finally:
        await collector.stop()


async def test_firmware_without_sound_detection(
    start_simulator: Any, clients: list[Client]
) -> None:
    camera = await start_simulator("foscam", sound_detection=False)
    client = await connected(camera, clients)
    assert Capability.SOUND_ARMING not in client.capabilities
    assert {Capability.MOTION_ARMING, Capability.INPUT_ARMING} <= client.capabilities
    with pytest.raises(NotSupported):
        await client.write_setting(SettingKey.SOUND_ARMED, True)
    assert SettingKey.SOUND_ARMED not in (await client.read_settings()).values


async def test_set_alarm_refuses_values_out_of_range(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    body = await client.cgis.get("set_alarm.cgi", {"motion_armed": 2})
    assert body.startswith(b"error")
    assert camera.alarm_config["motion_armed"] == 1
    assert await client.cgis.get("set_alarm.cgi", {"motion_sensitivity": 9, "nonsense": 3}) == (
        b"ok.\r\n"
    )
    assert camera.alarm_config["motion_sensitivity"] == 9
    params = await client.cgis.params()
    assert params["alarm_motion_sensitivity"] == "9"
    assert "user1_pwd" not in params and params["user1_name"] == SIM_USERNAME


async def test_changed_password_while_polling_arming(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    camera.users[SIM_USERNAME] = ("changed", op.Privilege.ADMINISTRATOR)
    rejected = camera.state()["rejected_logins"]
    with pytest.raises(AuthError):
        await client.read_settings()
    assert camera.state()["rejected_logins"] == rejected + 1


# --- presets -----------------------------------------------------------------------------------


async def test_presets_listed_and_goto_moves_the_head(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients, "op", "op-pass")  # presets need an operator
    presets = await client.ptz_presets()
    assert presets[0] == PtzPreset(1, "") and presets[-1] == PtzPreset(16, "")
    await client.ptz(PtzMove.RIGHT)
    await client.ptz(PtzMove.UP)
    await client.ptz(PtzMove.STOP)
    await client.ptz_preset(PresetAction.SET, 5)
    await client.ptz(PtzMove.HOME)
    assert (camera.state()["ptz"]["pan"], camera.state()["ptz"]["tilt"]) == (0, 0)
    await client.ptz_preset(PresetAction.GOTO, 5)
    assert (camera.state()["ptz"]["pan"], camera.state()["ptz"]["tilt"]) == (10, 10)


async def test_a_visitor_has_no_presets(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients, "guest", "guest")
    with pytest.raises(NotSupported):
        await client.ptz_presets()


# --- the simulator's identity and login counters ---------------------------------------------


async def test_every_simulator_has_its_own_camera_id(
    start_simulator: Any, clients: list[Client]
) -> None:
    first = await start_simulator("foscam")
    second = await start_simulator("foscam")
    ids = set()
    for cam in (first, second):
        client = await connected(cam, clients)
        port = cam.ports["http"]
        assert cam.camera_id == f"00626E30{port:04X}"
        assert client.identity.unique_id == f"00:62:6e:30:{port >> 8:02x}:{port & 0xFF:02x}"
        ids.add(client.identity.unique_id)
        found = await search([("127.0.0.1", cam.ports["search"])], seconds=0.3)
        assert [(f.serial, f.port) for f in found] == [(cam.camera_id, port)]
    assert len(ids) == 2


async def test_an_identity_can_be_given(start_simulator: Any, clients: list[Client]) -> None:
    camera = await start_simulator("foscam", serial="00:62:6e:aa:bb:cc")
    client = await connected(camera, clients)
    assert client.identity.mac == "00:62:6e:aa:bb:cc"
    assert camera.state()["camera_id"] == "00626EAABBCC"
    with pytest.raises(ValueError, match="MAC"):
        FoscamCamera(camera_id="not-a-mac")


def test_a_fixed_port_gives_a_fixed_identity() -> None:
    assert FoscamCamera(port=8082).camera_id == "00626E301F92"


def test_the_search_answer_names_the_address_that_reaches_the_asker() -> None:
    camera = FoscamCamera(host="0.0.0.0", port=8082)
    camera.ports = {"http": 8082}
    answer = camera.search_reply(sw.encode(SearchReq()), "127.0.0.1")
    assert answer is not None
    text = answer[23:]
    assert text[34:38] == bytes((127, 0, 0, 1))
    assert text[62:64] == (8082).to_bytes(2, "big")


async def test_logins_and_rejected_logins_are_counted(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    await connected(camera, clients)
    state = camera.state()
    # The MO_O login, then get_status.cgi and get_params.cgi with the same credentials.
    assert (state["logins"], state["rejected_logins"]) == (3, 0)
    for username, password in (("admin", "wrong"), ("nobody", "x")):
        with contextlib.suppress(AuthError), pytest.raises(AuthError):
            await connected(camera, clients, username, password)
    assert camera.state()["rejected_logins"] == 2
    client = Client("127.0.0.1", camera.ports["http"], SIM_USERNAME, "wrong", timeout=5)
    try:
        with pytest.raises(AuthError):
            await client.snapshot()  # Basic refused, then the query refused
    finally:
        await client.close()
    assert camera.state()["rejected_logins"] == 4
    assert camera.state()["active_logins"] == 1
