"""A recorder as one device (``channel=None``) and its channels' clients, against the simulated
XM recorder: one login, one command and one alarm connection for every channel."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols.audio.pcm import dominant_frequency
from custom_components.ipcam.protocols.base import (
    CameraEvent,
    Capability,
    ChannelInfo,
    EventKind,
    PtzMove,
    SettingKey,
)
from custom_components.ipcam.protocols.dvrip import device
from custom_components.ipcam.protocols.dvrip.client import Client
from custom_components.ipcam.protocols.dvrip.profile import PROFILE
from custom_components.ipcam.protocols.errors import (
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
)
from simulator.dvrip import DvripCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

Start = Callable[..., Awaitable[Any]]
SIZES = [(640, 480), (320, 240), (352, 288), (176, 144)]  # the simulated channels' cameras
RECORDER = {
    Capability.EVENTS,
    Capability.REBOOT,
    Capability.ALARM_OUT,
    Capability.TALK,
    Capability.INPUT_ARMING,
}


def _client(camera: DvripCamera, **options: Any) -> Client:
    options.setdefault("timeout", 5.0)
    return Client("127.0.0.1", camera.ports["dvrip"], SIM_USERNAME, SIM_PASSWORD, **options)


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


@pytest.fixture
async def camera(start_simulator: Start) -> DvripCamera:
    camera = await start_simulator("dvrip", channels=4)
    assert isinstance(camera, DvripCamera)
    return camera


@pytest.fixture
async def recorder(camera: DvripCamera) -> AsyncIterator[Client]:
    client = _client(camera, channel=None)
    await client.connect()
    yield client
    await client.close()


def _channel(recorder: Client, number: int) -> Client:
    client = recorder.channel_client(number)
    assert isinstance(client, Client)
    return client


def test_new_entries_take_the_whole_device() -> None:
    assert PROFILE.connection.whole_device


async def test_the_recorder_and_its_channels(recorder: Client, camera: DvripCamera) -> None:
    assert recorder.channels == tuple(ChannelInfo(n, f"CAM{n + 1:02d}") for n in range(4))
    assert recorder.identity.unique_id == camera.serial  # what a channel-0 entry has
    assert recorder.capabilities == RECORDER
    assert recorder.diagnostics()["scope"] == "recorder"
    for number in range(4):
        channel = _channel(recorder, number)
        assert channel is recorder.channel_client(number)  # one client per channel
        # Exactly what an entry made for that channel has: entity IDs carry over.
        assert channel.identity.unique_id == (
            camera.serial if number == 0 else f"{camera.serial}-{number}"
        )
        assert {Capability.VIDEO, Capability.PTZ, Capability.WHITE_LIGHT} <= channel.capabilities
        assert not (channel.capabilities & {Capability.REBOOT, Capability.ALARM_OUT})
        assert Capability.EVENTS in channel.capabilities
    for missing in (4, -1):
        with pytest.raises(InvalidValue):
            recorder.channel_client(missing)
    with pytest.raises(NotSupported):
        await recorder.ptz(PtzMove.UP)  # the recorder's heads are its channels'
    with pytest.raises(NotSupported):
        await recorder.ptz_presets()
    # One login, one command connection, for the recorder and all its channels.
    for number in range(4):
        await _channel(recorder, number).read_settings()
    await recorder.read_settings()
    assert (camera.state()["logins"], camera.open_connections) == (1, 1)


async def test_channels_settings_are_their_own(recorder: Client, camera: DvripCamera) -> None:
    two = await _channel(recorder, 2).read_settings()
    assert two.values[SettingKey.RESOLUTION] == "352x288"
    assert SettingKey.ALARM_OUT not in two.values
    assert (await recorder.read_settings()).values == {
        SettingKey.ALARM_OUT: False,
        SettingKey.INPUT_ARMED: True,
    }
    await _channel(recorder, 1).write_setting(SettingKey.WHITE_LIGHT, "on")
    await _channel(recorder, 3).write_setting(SettingKey.MOTION_ARMED, False)
    await _channel(recorder, 2).write_setting(SettingKey.FRAME_RATE, "10")
    await recorder.write_setting(SettingKey.ALARM_OUT, True)
    state = camera.vendor_state()["settings"]
    assert state["white_light"] == ["Auto", "KeepOpen", "Auto", "Auto"]
    assert state["motion_armed"] == [True, True, True, False]
    assert [channel["fps"] for channel in state["encode"]] == [25, 25, 10, 25]
    assert state["alarm_out"] == [True]
    with pytest.raises(NotSupported):
        await _channel(recorder, 1).write_setting(SettingKey.ALARM_OUT, True)
    with pytest.raises(NotSupported):
        await recorder.write_setting(SettingKey.WHITE_LIGHT, "on")
    await _channel(recorder, 3).ptz(PtzMove.LEFT)
    await _channel(recorder, 3).ptz(PtzMove.STOP)
    assert [head["pan"] < 0 for head in camera.vendor_state()["ptz"]] == [False] * 3 + [True]


async def _first_events(client: Client, count: int) -> list[CameraEvent]:
    got: list[CameraEvent] = []
    async for event in client.events():
        got.append(event)
        if len(got) == count:
            break
    return got


async def test_four_channels_end_to_end(recorder: Client, camera: DvripCamera) -> None:
    """Each channel's client gives that channel's video and alarms; one alarm connection."""
    channels = [_channel(recorder, number) for number in range(4)]
    for number, channel in enumerate(channels):
        video = channel.video()
        try:
            frame = await anext(video)
        finally:
            await video.aclose()
        assert (frame.width, frame.height) == SIZES[number]
    audio = channels[2].audio()
    pcm = b""
    try:
        async for chunk in audio:
            pcm += chunk.pcm
            if len(pcm) >= 8000:
                break
    finally:
        await audio.aclose()
    assert abs(dominant_frequency(pcm) - 1500) < 50  # channel 2's microphone

    listeners = [asyncio.ensure_future(_first_events(c, 1)) for c in channels]
    everything = asyncio.ensure_future(_first_events(recorder, 5))
    await _until(lambda: len(recorder._hub.listeners) == 5)
    await _until(lambda: camera.vendor_state()["guarded"] == 1)
    await camera.push_event("input", True, 1)  # the recorder's input 1: not channel 1's
    for number in (3, 1, 0, 2):
        await camera.push_event("motion", True, number)
    got = await asyncio.wait_for(asyncio.gather(*listeners), 5)
    assert [[(e.kind, e.channel) for e in events] for events in got] == [
        [(EventKind.MOTION, number)] for number in range(4)
    ]
    assert [(e.kind, e.channel) for e in await asyncio.wait_for(everything, 5)] == [
        (EventKind.INPUT, 1),
        (EventKind.MOTION, 3),
        (EventKind.MOTION, 1),
        (EventKind.MOTION, 0),
        (EventKind.MOTION, 2),
    ]
    # One alarm connection served all five; the last listener to leave closed it.
    assert camera.state()["logins"] == 1 + 4 + 1 + 1  # command, streams, audio, alarms
    await _until(lambda: camera.vendor_state()["guarded"] == 0)
    await _until(lambda: camera.vendor_state()["sessions"] == 1)


async def test_closing_a_channel_ends_only_its_own(recorder: Client, camera: DvripCamera) -> None:
    one, two = _channel(recorder, 1), _channel(recorder, 2)
    mine = asyncio.ensure_future(_first_events(one, 1))
    theirs = asyncio.ensure_future(_first_events(two, 1))
    await _until(
        lambda: camera.vendor_state()["guarded"] == 1 and len(recorder._hub.listeners) == 2
    )
    video = one.video()
    await anext(video)
    await one.close()
    with pytest.raises(CannotConnect, match="closed"):
        await asyncio.wait_for(mine, 5)
    with contextlib.suppress(CannotConnect, StopAsyncIteration):
        await anext(video)
    await video.aclose()
    await camera.push_event("motion", True, 2)
    assert [(e.kind, e.channel) for e in await asyncio.wait_for(theirs, 5)] == [
        (EventKind.MOTION, 2)
    ]
    assert (await one.read_settings()).values  # a closed channel still has the command line
    await recorder.close()  # the device's close ends everything
    await _until(lambda: camera.vendor_state()["sessions"] == 0)
    with pytest.raises(CannotConnect, match="closed"):
        await two.read_settings()


async def test_the_device_connection_limit(recorder: Client, camera: DvripCamera) -> None:
    camera.config["NetWork"]["NetCommon"]["TCPMaxConn"] = 3
    await recorder.connect()  # the same device: the limit comes from the last connect
    for _poll in device.REREAD:  # the polls read connect's answers again, one a poll
        await recorder.read_settings()
    first, second = _channel(recorder, 0).video(), _channel(recorder, 1).video()
    try:
        await anext(first)
        await anext(second)  # the command connection and two streams
        with pytest.raises(DeviceBusy, match="3 connections"):
            await anext(_channel(recorder, 2).video())
    finally:
        await first.aclose()
        await second.aclose()
    video = _channel(recorder, 2).video()  # a stream closed: there is room again
    await anext(video)
    await video.aclose()


async def test_a_channel_without_a_camera(start_simulator: Start) -> None:
    camera = await start_simulator("dvrip", channels=2, offline_channels=[1])
    recorder = _client(camera, channel=None)
    try:
        await recorder.connect()
        empty = _channel(recorder, 1)
        assert recorder.channels[1].online  # no source shows a status to read
        with pytest.raises(CannotConnect, match="no camera"):
            await anext(empty.video())
        with pytest.raises(CannotConnect, match="no camera"):
            await empty.snapshot()
        assert await _channel(recorder, 0).snapshot()
    finally:
        await recorder.close()


async def test_a_camera_as_the_whole_device_is_a_camera(start_simulator: Start) -> None:
    camera = await start_simulator("dvrip")
    whole, first = _client(camera, channel=None), _client(camera, channel=0)
    try:
        await whole.connect()
        await first.connect()
        assert whole.channel_client(0) is whole
        assert len(whole.channels) == 1
        assert (whole.identity, whole.capabilities) == (first.identity, first.capabilities)
        assert (await whole.read_settings()).values == (await first.read_settings()).values
        with pytest.raises(InvalidValue):
            whole.channel_client(1)
    finally:
        await whole.close()
        await first.close()


async def test_entries_made_for_one_channel_stay_as_they_were(camera: DvripCamera) -> None:
    client = _client(camera, channel=2)
    try:
        await client.connect()
        assert client.identity.unique_id == f"{camera.serial}-2"
        assert {Capability.ALARM_OUT, Capability.REBOOT, Capability.VIDEO} <= client.capabilities
        assert client.channel_client(0) is client
        assert len(client.channels) == 1
        assert client.diagnostics()["scope"] == "camera"
        # No channel names asked: the connect of a one-channel entry is as before.
        assert (await client.read_settings()).values[SettingKey.RESOLUTION] == "352x288"
        events = client.events()  # every channel's alarms, as before
        pending = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        await camera.push_event("motion", True, 3)
        assert (await asyncio.wait_for(pending, 5)).channel == 3
        await events.aclose()
    finally:
        await client.close()
