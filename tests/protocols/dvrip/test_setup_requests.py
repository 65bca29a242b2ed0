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
    options = PROFILES[profile]
    camera = await start_simulator("dvrip", **options)
    assert isinstance(camera, DvripCamera)
    recorder = options.get("channels", 1) > 1
    client = _client(camera, channel=None if recorder else 0)
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
