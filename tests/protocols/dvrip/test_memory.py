"""A DVRIP client given what an earlier connect learnt (``memory()`` / ``recall()``).

Counted by the simulator: the same device connects with its login and SystemInfo
alone and comes out the same; another device, new firmware or a damaged memory
asks everything; and what connect took from memory is read again by the polls,
which learn a change.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from hypothesis import given

from custom_components.ipcam.protocols.base import Capability
from custom_components.ipcam.protocols.dvrip import device, memory
from custom_components.ipcam.protocols.dvrip.client import Client
from custom_components.ipcam.protocols.dvrip.views import LoginReply, SystemInfo
from simulator.dvrip import DvripCamera
from simulator.dvrip import camera as camera_module
from tests.conftest import SIM_PASSWORD, SIM_USERNAME
from tests.protocols.dvrip.strategies import mutations

Start = Callable[..., Awaitable[Any]]

PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "bare": {"white_light": False, "talk": False, "alarm_inputs": 0},
    "recorder": {"channels": 4},
}


def _client(camera: DvripCamera, channel: int | None = 0) -> Client:
    port = camera.ports["dvrip"]
    return Client("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=5.0, channel=channel)


def _asked(camera: DvripCamera) -> set[str]:
    return {key for key, count in camera.requests.items() if count}


def _stored(remembered: object) -> dict[str, Any]:
    """As the host keeps it: JSON there and back."""
    loaded = json.loads(json.dumps(remembered))
    assert isinstance(loaded, dict)
    return loaded


async def _learnt(camera: DvripCamera, channel: int | None = 0) -> dict[str, Any]:
    """A first connect's memory (and the camera's request counts cleared after it)."""
    client = _client(camera, channel)
    try:
        await client.connect()
        remembered = client.memory()
    finally:
        await client.close()
    camera.requests.clear()
    return _stored(remembered)


def _what_it_knows(client: Client) -> tuple[object, ...]:
    channels = tuple(
        (info, client.channel_client(info.number).capabilities) for info in client.channels
    )
    return client.identity, client.capabilities, client.channel_count, channels, client.abilities


@pytest.mark.parametrize("profile", sorted(PROFILES))
async def test_the_same_device_is_known_from_login_and_systeminfo(
    start_simulator: Start, profile: str
) -> None:
    options = PROFILES[profile]
    camera = await start_simulator("dvrip", **options)
    assert isinstance(camera, DvripCamera)
    channel = None if options.get("channels", 1) > 1 else 0
    cold = _client(camera, channel)
    await cold.connect()
    remembered = _stored(cold.memory())
    camera.requests.clear()
    warm = _client(camera, channel)
    warm.recall(remembered)
    try:
        await warm.connect()
        assert _asked(camera) == {"1020 SystemInfo"}
        assert _what_it_knows(warm) == _what_it_knows(cold)
        assert warm.memory() == remembered
    finally:
        await warm.close()
        await cold.close()


async def test_a_warm_set_up_asks_fewer_questions(start_simulator: Start) -> None:
    """Connect and the first settings read (what set-up does): the answers connect took
    from memory that the settings read needs are asked there, plus one more."""
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    cold = _client(camera)
    try:
        await cold.connect()
        cold_settings = await cold.read_settings()
        cold_questions = sum(camera.requests.values())
        remembered = _stored(cold.memory())
    finally:
        await cold.close()
    camera.requests.clear()
    warm = _client(camera)
    warm.recall(remembered)
    try:
        await warm.connect()
        assert await warm.read_settings() == cold_settings
        asked = dict(camera.requests)
        # SystemInfo; the six sections the settings need; NetWork.NetCommon read again.
        assert sum(asked.values()) == 1 + 6 + 1, asked
        assert cold_questions == 1 + 8 + 3
        assert asked["1042 NetWork.NetCommon"] == 1
        assert "1360 SystemFunction" not in asked  # the firmware's answers are not asked
    finally:
        await warm.close()


async def test_another_device_at_the_address_is_asked_everything(
    start_simulator: Start,
) -> None:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    camera.serial = "OTHERCAMERA00001"
    client = _client(camera)
    client.recall(remembered)
    try:
        await client.connect()
        assert "1360 SystemFunction" in _asked(camera)
        assert client.identity.serial == "OTHERCAMERA00001"
        assert client.memory() != remembered
    finally:
        await client.close()


async def test_new_firmware_is_asked_everything(
    start_simulator: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    before = camera_module.system_info

    def upgraded(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**before(*args, **kwargs), "BuildTime": "2024-05-01 10:00:00"}

    monkeypatch.setattr(camera_module, "system_info", upgraded)
    client = _client(camera)
    client.recall(remembered)
    try:
        await client.connect()
        assert {"1360 SystemFunction", "1360 EncodeCapability"} <= _asked(camera)
    finally:
        await client.close()


def _damaged(remembered: dict[str, Any]) -> list[object]:
    device_part = remembered["device"]
    deep: list[Any] = []
    for _ in range(memory.MAX_DEPTH + 1):
        deep = [deep]
    return [
        None,
        "text",
        [remembered],
        {**remembered, "format": 2},
        {**remembered, "device": "x"},
        {**remembered, "answers": []},
        {**remembered, "device": {**device_part, "SerialNo": ""}},
        {**remembered, "device": {k: v for k, v in device_part.items() if k != "BuildTime"}},
        {**remembered, "device": {**device_part, "Extra": 1}},
        {**remembered, "device": {**device_part, "HardWare": ["a"]}},
        {**remembered, "answers": {**remembered["answers"], "OPTimeQuery": 1}},
        {**remembered, "answers": {"SystemFunction": deep}},
        {**remembered, "answers": {"SystemFunction": "x" * (memory.MAX_ANSWERS_JSON + 1)}},
    ]


async def test_a_damaged_memory_is_asked_everything(start_simulator: Start) -> None:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    for number, damaged in enumerate(_damaged(remembered)):
        client = _client(camera)
        client.recall(damaged)  # type: ignore[arg-type]
        try:
            await client.connect()
            assert "1360 SystemFunction" in _asked(camera), number
            assert client.memory() == remembered, number
        finally:
            await client.close()
        camera.requests.clear()


async def test_answers_with_odd_shapes_from_memory_give_defaults(start_simulator: Start) -> None:
    """Remembered answers go through the same reading as the camera's: odd shapes give
    defaults, never an exception (a store edited by hand, an odd firmware); the polls then
    read the config sections again."""
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    odd = {
        name: ["odd", {"x": None}] if name in device.CONFIGS else answer
        for name, answer in remembered["answers"].items()
    }
    client = _client(camera)
    client.recall({**remembered, "answers": odd})
    try:
        await client.connect()
        assert _asked(camera) == {"1020 SystemInfo"}
        assert Capability.WHITE_LIGHT not in client.capabilities  # the defaults
        for _poll in device.REREAD:  # the polls read the real answers and learn them
            await client.read_settings()
        assert Capability.WHITE_LIGHT in client.capabilities
    finally:
        await client.close()


async def test_the_polls_learn_what_changed_since(start_simulator: Start) -> None:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    camera.config["General"]["General"]["MachineName"] = "Porch"
    camera.config["Simplify"]["Encode"][0]["MainFormat"]["AudioEnable"] = False
    client = _client(camera)
    client.recall(remembered)
    try:
        await client.connect()
        assert client.media_carries_audio  # as remembered
        await client.read_settings()  # the stream's section (the sound is off), NetCommon
        assert not client.media_carries_audio
        assert Capability.AUDIO not in client.capabilities
        await client.read_settings()  # General.General, the next remembered answer
        assert client.identity.name == "Porch"
        assert client.memory() != remembered
        polls = dict(camera.requests)
        for _poll in device.REREAD:
            await client.read_settings()
        # Once each remembered answer was read, a poll asks what it asked before.
        assert camera.requests["1042 NetWork.NetCommon"] == 1
        assert camera.requests["1042 General.General"] == polls["1042 General.General"]
    finally:
        await client.close()
    warm = _client(camera)
    warm.recall(_stored(client.memory()))
    try:
        await warm.connect()
        assert warm.identity.name == "Porch"
        assert not warm.media_carries_audio
    finally:
        await warm.close()


async def test_a_device_without_a_serial_number_is_not_remembered(
    start_simulator: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    before = camera_module.system_info
    monkeypatch.setattr(
        camera_module, "system_info", lambda *a, **k: {**before(*a, **k), "SerialNo": ""}
    )
    client = _client(camera)
    try:
        await client.connect()
        assert client.memory() is None
    finally:
        await client.close()


def _nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


def test_answers_too_deep_or_too_large_are_not_kept() -> None:
    """An odd camera's answer that a JSON writer could not store is left out of the memory
    (the next connect asks everything), not an error when the host saves it."""
    login = LoginReply()
    info = SystemInfo.from_json({"SerialNo": "ABC", "SoftWareVersion": "1"})
    remembered = memory.DeviceMemory()
    remembered.keep(login, info, {"SystemFunction": _nested(memory.MAX_DEPTH - 1)}, set())
    kept = remembered.export()
    assert kept is not None
    assert memory.DeviceMemory().recall(kept, device.REMEMBERED)
    for odd in (_nested(10_000), "x" * memory.MAX_ANSWERS_JSON, {1.5, 2}):
        remembered.keep(login, info, {"SystemFunction": odd}, set())
        assert remembered.export() is None


_SAMPLE_INFO = {"SerialNo": "ABC123", "SoftWareVersion": "V4", "VideoInChannel": 1}
_SAMPLE = memory.DeviceMemory()
_SAMPLE.keep(
    LoginReply(channel_count=1),
    SystemInfo.from_json(_SAMPLE_INFO),
    {"SystemFunction": {"OtherFunction": {}}, "General.General": {"MachineName": "x"}},
    set(),
)


@given(mutations(_SAMPLE.export()))
def test_any_damage_to_a_record_is_refused_or_read_the_same(record: Any) -> None:
    """A record changed anywhere is refused (False, nothing remembered) or taken as it is:
    never an exception, never a record the client would not have made."""
    remembered = memory.DeviceMemory()
    if remembered.recall(record, device.REMEMBERED):
        assert remembered.export() == record
        same = remembered.answers_for(
            LoginReply(channel_count=1), SystemInfo.from_json(_SAMPLE_INFO), device.REMEMBERED
        )
        assert same == ({} if record["device"] != _SAMPLE.export()["device"] else record["answers"])
    else:
        assert remembered.export() is None


def test_only_news_about_remembered_answers_is_learnt() -> None:
    remembered = memory.DeviceMemory()
    remembered.keep(LoginReply(), SystemInfo.from_json(_SAMPLE_INFO), {"General.General": 1}, set())
    version = remembered.version
    remembered.learn({"General.General": None, "Alarm.AlarmOut": [1]})  # nothing, unknown
    assert remembered.version == version
    assert remembered.unverified(device.REREAD) == "General.General"
    remembered.learn({"General.General": 1})  # read again, the same
    assert (remembered.version, remembered.unverified(device.REREAD)) == (version, None)
    remembered.learn({"General.General": 2})
    assert remembered.version == version + 1
    assert remembered.answers == {"General.General": 2}


async def test_an_ability_not_given_is_asked_again(start_simulator: Start) -> None:
    """A config section the device did not give is read again by the polls; an ability is not,
    so connect asks it again rather than take "not given" (a garbled answer once) for good."""
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    remembered = await _learnt(camera)
    answers = {**remembered["answers"], "SystemFunction": None, "Camera.WhiteLight": None}
    client = _client(camera)
    client.recall({**remembered, "answers": answers})
    try:
        await client.connect()
        assert _asked(camera) == {"1020 SystemInfo", "1360 SystemFunction"}
        assert Capability.MOTION_ARMING in client.capabilities
    finally:
        await client.close()
