"""A multi-input Grandstream encoder as one device (``channel=None``), against the simulator."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency
from custom_components.ipcam.protocols.base import (
    CameraClient,
    CameraEvent,
    Capability,
    ChannelInfo,
    EventKind,
)
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CannotConnect,
    InvalidValue,
    ProtocolError,
)
from custom_components.ipcam.protocols.grandstream.client import Client
from simulator.grandstream import GrandstreamCamera
from simulator.grandstream.camera import tone_hz
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

KEEPALIVE = 0.3


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


class Collector:
    """``client.events()`` into a list, in a task; ``error`` is how it ended."""

    def __init__(self, client: CameraClient) -> None:
        self.events: list[CameraEvent] = []
        self.error: BaseException | None = None
        self.task = asyncio.create_task(self._run(client))

    async def _run(self, client: CameraClient) -> None:
        try:
            async with contextlib.aclosing(client.events()) as events:  # type: ignore[type-var]
                async for event in events:
                    self.events.append(event)
        except CannotConnect as err:
            self.error = err

    def seen(self) -> list[tuple[EventKind, bool, int]]:
        return [(e.kind, e.active, e.channel) for e in self.events]

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def encoder_client(camera: GrandstreamCamera, **options: Any) -> Client:
    options.setdefault("channel", None)
    client = open_client(
        "grandstream",
        "127.0.0.1",
        camera.ports["rtsp"],
        SIM_USERNAME,
        SIM_PASSWORD,
        timeout=5.0,
        keepalive_interval=KEEPALIVE,
        **options,
    )
    assert isinstance(client, Client)
    return client


@pytest.fixture
async def camera(start_simulator: Any) -> GrandstreamCamera:
    cam: GrandstreamCamera = await start_simulator("grandstream", inputs=3)
    return cam


@pytest.fixture
async def encoder(camera: GrandstreamCamera) -> AsyncIterator[Client]:
    client = encoder_client(camera)
    await client.connect()
    yield client
    await client.close()


# --- inputs found at connect() -----------------------------------------------------------------


async def test_inputs_are_found(camera: GrandstreamCamera, encoder: Client) -> None:
    assert encoder.channels == (
        ChannelInfo(0, "Grandstream 127.0.0.1 input 1"),
        ChannelInfo(1, "Grandstream 127.0.0.1 input 2"),
        ChannelInfo(2, "Grandstream 127.0.0.1 input 3"),
    )  # input 4 answered 404: not a channel
    port = camera.ports["rtsp"]
    assert encoder.identity.unique_id == f"grandstream:127.0.0.1:{port}"
    assert encoder.identity.name == "Grandstream 127.0.0.1"
    assert camera.state()["rtsp"]["describes"] == 3
    assert encoder.diagnostics()["inputs"] == [0, 1, 2]


async def test_channel_clients_are_the_inputs(camera: GrandstreamCamera, encoder: Client) -> None:
    port = camera.ports["rtsp"]
    second = encoder.channel_client(1)
    assert second is encoder.channel_client(1)
    # The same unique ID and a telling name, as a client made for input 2 has.
    assert second.identity.unique_id == f"grandstream:127.0.0.1:{port}-channel1"
    assert second.identity.name == "Grandstream 127.0.0.1 input 2"
    assert {Capability.VIDEO, Capability.AUDIO, Capability.EVENTS} <= second.capabilities
    assert second.channels == (ChannelInfo(1, "Grandstream 127.0.0.1 input 2"),)
    assert second.channel_client(1) is second
    assert second.stream_url() == (f"rtsp://{SIM_USERNAME}:{SIM_PASSWORD}@127.0.0.1:{port}/1")
    first = encoder.channel_client(0)
    assert first is not encoder
    assert first.identity.unique_id == encoder.identity.unique_id
    for missing in (3, 4, -1):
        with pytest.raises(InvalidValue):
            encoder.channel_client(missing)


async def test_each_input_streams_its_own_media(camera: GrandstreamCamera, encoder: Client) -> None:
    third = encoder.channel_client(2)
    pcm = bytearray()
    async with asyncio.timeout(20), contextlib.aclosing(third.audio()) as chunks:  # type: ignore[type-var]
        async for chunk in chunks:
            pcm.extend(chunk.pcm)
            if len(pcm) >= 8000:
                assert camera.state()["rtsp"]["playing_by_input"] == {"0": 0, "1": 0, "2": 1}
                break
    assert dominant_frequency(bytes(pcm)) == pytest.approx(tone_hz(2), abs=20)


async def test_a_camera_has_one_input(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream")
    client = encoder_client(camera)
    try:
        await client.connect()
        assert client.channels == (ChannelInfo(0, "Grandstream 127.0.0.1 input 1"),)
        assert client.channel_client(0).identity.unique_id == client.identity.unique_id
    finally:
        await client.close()


async def test_secondary_streams(camera: GrandstreamCamera) -> None:
    client = encoder_client(camera, stream="secondary")
    try:
        await client.connect()
        assert [c.number for c in client.channels] == [0, 1, 2]
        assert client.channels[1].name == "Grandstream 127.0.0.1 input 2 secondary stream"
        assert client.identity.name == "Grandstream 127.0.0.1 secondary stream"
        second = client.channel_client(1)
        assert second.identity.name == "Grandstream 127.0.0.1 input 2 secondary stream"
        assert second.identity.unique_id.endswith("-channel1-secondary")
        assert second.stream_url() is not None and second.stream_url().endswith("/5")  # type: ignore[union-attr]
    finally:
        await client.close()


async def test_a_wrong_password_fails_at_the_first_input(camera: GrandstreamCamera) -> None:
    client = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, "wrong", channel=None)
    try:
        with pytest.raises(AuthError):
            await client.connect()
    finally:
        await client.close()
    assert camera.state()["rejected_logins"] == 1  # inputs 2-4 not tried with it
    assert camera.state()["logins"] == 0


async def test_reconnecting_keeps_the_input_clients(
    camera: GrandstreamCamera, encoder: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    second = encoder.channel_client(1)
    describe = encoder._describe

    async def flaky(stream: int) -> Any:
        if stream == 1:
            raise CannotConnect("the camera closed the connection")
        return await describe(stream)

    monkeypatch.setattr(encoder, "_describe", flaky)
    await encoder.connect()
    # A lost connection is no answer: input 2 stays; an input never seen is not made up.
    assert [c.number for c in encoder.channels] == [0, 1, 2]
    assert encoder.channel_client(1) is second
    monkeypatch.setattr(encoder, "_describe", describe)
    camera.inputs = 1  # inputs unplugged (the simulator now answers 404 for them)
    await encoder.connect()
    assert [c.number for c in encoder.channels] == [0]
    with pytest.raises(InvalidValue):
        encoder.channel_client(1)


# --- one alarm connection for the device -------------------------------------------------------


async def test_one_alarm_connection_serves_every_input(
    camera: GrandstreamCamera, encoder: Client
) -> None:
    everything = Collector(encoder)
    per_input = {n: Collector(encoder.channel_client(n)) for n in (0, 1, 2)}
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
        await asyncio.sleep(0.1)  # every consumer has joined
        await camera.push_event("motion", True, 2)
        await camera.push_event("input", True, 0)
        await camera.push_event("motion", False, 2)
        await wait_for(lambda: len(everything.events) == 3)
        await wait_for(lambda: len(per_input[2].events) == 2 and len(per_input[0].events) == 1)
        assert everything.seen() == [
            (EventKind.MOTION, True, 2),
            (EventKind.INPUT, True, 0),
            (EventKind.MOTION, False, 2),
        ]
        assert per_input[2].seen() == [(EventKind.MOTION, True, 2), (EventKind.MOTION, False, 2)]
        assert per_input[0].seen() == [(EventKind.INPUT, True, 0)]
        assert per_input[1].events == []
        state = camera.state()
        assert state["mctp"]["connections"] == 1
        assert state["mctp"]["heartbeats"] == 1
        assert state["rtsp"]["sessions"] == 1  # the heartbeat's RTSP session, no other
        assert encoder.diagnostics()["alarm_connections"] == 2  # RTSP + MCTP
    finally:
        for collector in (everything, *per_input.values()):
            await collector.stop()
    # The last consumer gone, the connection is closed (TEARDOWN).
    await wait_for(lambda: camera.state()["mctp"]["connections"] == 0)
    await wait_for(lambda: camera.state()["rtsp"]["sessions"] == 0)


async def test_older_firmware_gets_a_subscription_per_input(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator(
        "grandstream", inputs=2, alarm_all_channels=False
    )
    client = encoder_client(camera)
    await client.connect()
    everything = Collector(client)
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 2)
        await camera.push_event("motion", True, 1)
        await camera.push_event("motion", True, 0)
        await wait_for(lambda: len(everything.events) == 2)
        assert sorted(e.channel for e in everything.events) == [0, 1]
    finally:
        await everything.stop()
        await client.close()


async def test_a_lost_alarm_connection_ends_every_consumer_and_reopens(
    camera: GrandstreamCamera, encoder: Client
) -> None:
    first, second = Collector(encoder), Collector(encoder.channel_client(1))
    await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
    await asyncio.sleep(0.1)
    await camera.inject_fault("drop", 0)
    async with asyncio.timeout(10):
        await asyncio.gather(first.task, second.task)
    assert isinstance(first.error, CannotConnect) and isinstance(second.error, CannotConnect)
    again = Collector(encoder.channel_client(1))
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
        await camera.push_event("alarm", True, 1)
        await wait_for(lambda: again.seen() == [(EventKind.ALARM, True, 1)])
    finally:
        await again.stop()


async def test_closing_an_input_client_ends_only_its_events(
    camera: GrandstreamCamera, encoder: Client
) -> None:
    device, second = Collector(encoder), Collector(encoder.channel_client(1))
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
        await asyncio.sleep(0.1)
        await encoder.channel_client(1).close()
        async with asyncio.timeout(5):
            await second.task
        assert isinstance(second.error, CannotConnect)
        await camera.push_event("motion", True, 1)
        await wait_for(lambda: len(device.events) == 1)  # the device still listens
        await encoder.close()  # and closing the device ends the rest
        async with asyncio.timeout(5):
            await device.task
        assert isinstance(device.error, CannotConnect)
        await wait_for(lambda: camera.state()["mctp"]["connections"] == 0)
    finally:
        await device.stop()
        await second.stop()


# --- a client made for one stream is as before ------------------------------------------------


async def test_a_client_for_one_input_is_unchanged(camera: GrandstreamCamera) -> None:
    client = Client(
        "127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, channel=1, timeout=5.0
    )
    try:
        await client.connect()
        assert client.identity.name == "Grandstream 127.0.0.1 input 2"
        assert client.channels == (ChannelInfo(0, "Grandstream 127.0.0.1 input 2"),)
        assert client.channel_client(0) is client
        assert camera.state()["rtsp"]["describes"] == 1  # no other input asked
        everything = Collector(client)
        try:
            await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
            await camera.push_event("motion", True, 0)  # every channel, as before
            await wait_for(lambda: everything.seen() == [(EventKind.MOTION, True, 0)])
        finally:
            await everything.stop()
    finally:
        await client.close()
    with pytest.raises(InvalidValue):
        Client("127.0.0.1", 554, channel=9)


async def test_an_absent_input_is_refused(camera: GrandstreamCamera) -> None:
    client = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, channel=3)
    try:
        with pytest.raises(ProtocolError, match="404"):
            await client.connect()
    finally:
        await client.close()


# --- the simulator ---------------------------------------------------------------------------


@pytest.mark.parametrize("inputs", [0, 5, True])
def test_inputs_are_checked(inputs: Any) -> None:
    with pytest.raises(ValueError, match="inputs"):
        GrandstreamCamera(inputs=inputs)


async def test_identity_and_login_counters(start_simulator: Any) -> None:
    first: GrandstreamCamera = await start_simulator("grandstream")
    second: GrandstreamCamera = await start_simulator("grandstream", serial="000B82AABBCC")
    port = first.ports["rtsp"]
    assert first.state()["mac"] == f"00:0b:82:30:{port >> 8:02x}:{port & 0xFF:02x}"
    assert second.state()["mac"] == "00:0b:82:aa:bb:cc"
    client = encoder_client(first)
    try:
        await client.connect()
    finally:
        await client.close()
    assert (first.state()["logins"], first.state()["rejected_logins"]) == (1, 0)
