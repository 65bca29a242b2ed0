"""The questions our DVRIP client asks at connect and at set-up, counted by the simulator.

DVRIP has one request in flight per connection, so every question is a round trip:
connect asks only what something uses (``device.next_query``) and comes out with the
same capabilities as a client that asks everything.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability
from custom_components.ipcam.protocols.dvrip import device
from custom_components.ipcam.protocols.dvrip.client import Client
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from simulator.dvrip import DvripCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

Start = Callable[..., Awaitable[Any]]

# What a client that asks everything would ask after SystemInfo (the order does not matter).
EVERYTHING = (
    *((int(MsgId.ABILITY), name) for name in device.ABILITIES),
    *((int(MsgId.CONFIG_GET), name) for name in device.CONFIGS),
)
BARE = {"white_light": False, "talk": False, "alarm_inputs": 0}  # a camera without them
PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "bare": BARE,
    "no white light": {"white_light": False},
    "no talk": {"talk": False},
    "no inputs": {"alarm_inputs": 0},
    "ptz flag false": {"ptz_flag": "false"},
    "ptz flag absent": {"ptz_flag": "absent", **BARE},
    "recorder": {"channels": 4},
    "bare recorder": {"channels": 3, **BARE},
}


def _client(camera: DvripCamera, **options: Any) -> Client:
    return Client(
        "127.0.0.1", camera.ports["dvrip"], SIM_USERNAME, SIM_PASSWORD, timeout=5.0, **options
    )


async def _profile_camera(start_simulator: Start, profile: str) -> tuple[DvripCamera, Client]:
    """A simulated camera of ``profile`` and a client of it (a recorder's as one device)."""
    options = PROFILES[profile]
    camera = await start_simulator("dvrip", **options)
    assert isinstance(camera, DvripCamera)
    recorder = options.get("channels", 1) > 1
    return camera, _client(camera, channel=None if recorder else 0)


def _asked(camera: DvripCamera) -> dict[str, int]:
    """The requests the camera has answered (login and logout are not counted)."""
    return {key: count for key, count in camera.requests.items() if count}


async def _capabilities_when_asking_everything(
    client: Client,
) -> dict[tuple[int | None, bool, device.Scope], frozenset[Capability]]:
    """Capabilities computed, as before, from every answer connect could ask for."""
    info = await client.get_ability("SystemInfo", MsgId.SYSINFO)
    answers = {
        name: await client._unless_unsupported(client.get_ability(name, msg_id))
        for msg_id, name in EVERYTHING
    }
    login = client._hub.links["control"].session.login
    assert login is not None
    facts = device.DeviceFacts.from_answers(login, info, answers)
    return {
        (number, extra, scope): device.capabilities(facts, device.Stream(number, extra), scope)
        for number in range(facts.channel_count)
        for extra in (False, True)
        for scope in device.Scope
    }


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_connect_asks_less_and_learns_the_same(start_simulator: Start, profile: str) -> None:
    camera, client = await _profile_camera(start_simulator, profile)
    options = PROFILES[profile]
    recorder = options.get("channels", 1) > 1
    try:
        await client.connect()
        asked = _asked(camera)
        assert all(count == 1 for count in asked.values()), asked  # no question twice
        expected = {"1020 SystemInfo", "1360 SystemFunction", "1042 General.General"}
        expected |= {"1042 NetWork.NetCommon", "1042 Simplify.Encode", "1360 EncodeCapability"}
        if options.get("talk", True):
            expected.add("1360 TalkAudioFormat")
        if options.get("white_light", True):
            expected.add("1042 Camera.WhiteLight")
        if options.get("alarm_inputs", 1):
            expected.add("1042 Alarm.LocalAlarm")
        if recorder:
            expected.add("1048 ChannelTitle")
        assert set(asked) == expected
        # The same capabilities, for every channel, stream and scope, as from every answer.
        everything = await _capabilities_when_asking_everything(client)
        facts = client._facts
        assert facts is not None
        for (number, extra, scope), capabilities in everything.items():
            stream = device.Stream(number, extra)
            assert device.capabilities(facts, stream, scope) == capabilities, (number, scope)
        if not recorder:
            assert client.capabilities == everything[(0, False, device.Scope.CAMERA)]
        for capability, present in (
            (Capability.WHITE_LIGHT, options.get("white_light", True)),
            (Capability.TALK, options.get("talk", True)),
            (Capability.INPUT_ARMING, options.get("alarm_inputs", 1) > 0),
        ):
            assert (capability in everything[(0, False, device.Scope.CAMERA)]) == bool(present)
    finally:
        await client.close()


# --- set-up: connect, then the first settings read ------------------------------------------------


async def _set_up(client: Client) -> list[Any]:
    """What the integration does at set-up: connect, then read the settings (a recorder's
    and each channel's)."""
    await client.connect()
    return await _read_settings(client)


async def _read_settings(client: Client) -> list[Any]:
    read = [await client.read_settings()]
    if client.channel is None and client.channel_count > 1:
        for channel in range(client.channel_count):
            read.append(await client.channel_client(channel).read_settings())
    return read


@pytest.mark.parametrize(
    ("profile", "questions"),
    [
        # login + SystemInfo + 8 answers at connect; Alarm.AlarmOut and the two detectors
        # read (Simplify.Encode, Camera.WhiteLight and Alarm.LocalAlarm connect read).
        ("default", 1 + 9 + 3),
        ("bare", 1 + 6 + 3),
        # + ChannelTitle at connect; then each of 4 channels' two detectors.
        ("recorder", 1 + 10 + 1 + 4 * 2),
    ],
)
async def test_set_up_asks_each_question_once(
    start_simulator: Start, profile: str, questions: int
) -> None:
    camera, client = await _profile_camera(start_simulator, profile)
    options = PROFILES[profile]
    recorder = options.get("channels", 1) > 1
    try:
        fresh = await _set_up(client)
        asked = _asked(camera)
        assert all(count == 1 for count in asked.values()), asked
        assert camera.logins + sum(asked.values()) == questions
        # What connect's answers gave is what the camera says when asked.
        client._recent.forget()
        assert await _read_settings(client) == fresh
        assert camera.requests["1042 Simplify.Encode"] == 1 + (4 if recorder else 1)
    finally:
        await client.close()


async def test_a_write_or_time_makes_the_settings_read_ask_again(
    start_simulator: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.ipcam.protocols.base import SettingKey
    from custom_components.ipcam.protocols.dvrip import model

    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    client = _client(camera)
    try:
        await client.connect()
        await client.write_setting(SettingKey.WHITE_LIGHT, "on")
        settings = await client.read_settings()
        assert settings.values[SettingKey.WHITE_LIGHT] == "on"
        # connect, the write's current value, the read after the write
        assert camera.requests["1042 Camera.WhiteLight"] == 3
        assert camera.requests["1042 Simplify.Encode"] == 2  # every answer is forgotten
        monkeypatch.setattr(model, "FRESH_SECONDS", 0.0)  # connect's answers are stale at once
        await client.close()
        client = _client(camera)  # one without memory: it asks at connect
        await client.connect()
        await client.read_settings()
        assert camera.requests["1042 Simplify.Encode"] == 4
    finally:
        await client.close()


async def test_a_write_through_one_channel_forgets_the_recorders_answers(
    start_simulator: Start,
) -> None:
    from custom_components.ipcam.protocols.base import SettingKey

    camera = await start_simulator("dvrip", channels=3)
    assert isinstance(camera, DvripCamera)
    client = _client(camera, channel=None)
    try:
        await client.connect()
        one, two = client.channel_client(1), client.channel_client(2)
        await one.write_setting(SettingKey.WHITE_LIGHT, "off")
        assert camera.requests["1042 Camera.WhiteLight"] == 2  # connect, the write's current
        assert (await one.read_settings()).values[SettingKey.WHITE_LIGHT] == "off"
        await two.read_settings()
        assert camera.requests["1042 Camera.WhiteLight"] == 4  # each read asked the camera
    finally:
        await client.close()
