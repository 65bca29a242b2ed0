"""The Grandstream client against the simulated GXV camera over 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import av
import pytest

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.audio.pacing import pcm_chunks
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from custom_components.ipcam.protocols.base import (
    CameraEvent,
    Capability,
    EventKind,
    Vendor,
    VideoFrame,
)
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
)
from custom_components.ipcam.protocols.grandstream import web_port_for_rtsp_port
from custom_components.ipcam.protocols.grandstream.client import Client, _until
from custom_components.ipcam.protocols.grandstream.rtsp_session import Described, Ready
from custom_components.ipcam.protocols.transport import Inbox
from simulator.grandstream import GrandstreamCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

KEEPALIVE = 0.3  # client MCTP keep-alive for the tests (the default is 5 s)


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll until ``condition()`` holds (a bounded wait, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


@pytest.fixture
async def camera(start_simulator: Any) -> GrandstreamCamera:
    cam: GrandstreamCamera = await start_simulator("grandstream")
    return cam


@pytest.fixture
async def client(camera: GrandstreamCamera) -> AsyncIterator[Client]:
    cli = Client(
        "127.0.0.1",
        camera.ports["rtsp"],
        SIM_USERNAME,
        SIM_PASSWORD,
        timeout=5.0,
        keepalive_interval=KEEPALIVE,
    )
    await cli.connect()
    yield cli
    await cli.close()


async def _frames(cli: Client, count: int) -> list[VideoFrame]:
    frames: list[VideoFrame] = []
    async with asyncio.timeout(20), contextlib.aclosing(cli.video()) as stream:  # type: ignore[type-var]
        async for frame in stream:
            frames.append(frame)
            if len(frames) >= count:
                break
    return frames


def _decode(data: bytes) -> tuple[int, int]:
    codec: Any = av.CodecContext.create("h264", "r")
    frames = list(codec.decode(av.Packet(data))) + list(codec.decode(None))
    assert frames, "the access unit did not decode"
    return frames[0].width, frames[0].height


# --- connect / identity ----------------------------------------------------------------------


async def test_connect_identity_and_capabilities(client: Client, camera: GrandstreamCamera) -> None:
    identity = client.identity
    assert identity.vendor is Vendor.GRANDSTREAM
    assert identity.manufacturer == "Grandstream"
    # No MAC for 127.0.0.1 in the ARP table: the documented host:port id.
    assert identity.unique_id == f"grandstream:127.0.0.1:{camera.ports['rtsp']}"
    assert {
        Capability.STREAM_URL,
        Capability.VIDEO,
        Capability.SNAPSHOT,
        Capability.EVENTS,
        Capability.TALK,
        Capability.AUDIO,
    } <= client.capabilities
    assert SIM_PASSWORD not in repr(client)
    assert SIM_PASSWORD not in str(client.diagnostics())
    assert client.diagnostics()["width"] == 640
    assert camera.state()["rtsp"]["describes"] == 1


def test_options_and_urls() -> None:
    with pytest.raises(InvalidValue):
        Client("cam", 554, "admin", "x", channel=8)
    assert Client("cam", 554, "admin", "x", channel=None).base_url == "rtsp://cam:554/0"
    ipv6 = Client("fe80::1", 10080, "ad min", "p@ss", channel=4, session=object())
    assert ipv6.base_url == "rtsp://[fe80::1]:10080/4"
    assert ipv6.stream_url() == "rtsp://ad%20min:p%40ss@[fe80::1]:10080/4"


async def test_open_client_registration(camera: GrandstreamCamera) -> None:
    cli = open_client("grandstream", "127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD)
    assert isinstance(cli, Client)
    await cli.connect()
    await cli.close()


async def test_wrong_password_is_auth_error(camera: GrandstreamCamera) -> None:
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, "wrong", timeout=5.0)
    with pytest.raises(AuthError):
        await cli.connect()
    await cli.close()
    assert camera.state()["rtsp"]["auth_failures"] == 1


async def test_refused_is_cannot_connect(camera: GrandstreamCamera) -> None:
    await camera.inject_fault("refuse", 30)
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, timeout=5.0)
    with pytest.raises(CannotConnect):
        await cli.connect()
    await cli.close()


async def test_closed_port_is_cannot_connect(socket_enabled: None) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cli = Client("127.0.0.1", port, "admin", "x", timeout=2.0)
    with pytest.raises(CannotConnect):
        await cli.connect()


# --- media ----------------------------------------------------------------------------------


async def test_video_frames(client: Client) -> None:
    frames = await _frames(client, 30)
    assert all(f.codec == "h264" for f in frames)
    assert frames[0].keyframe
    assert any(not f.keyframe for f in frames)
    assert sum(f.keyframe for f in frames) >= 1
    assert (frames[0].width, frames[0].height) == (640, 360)
    assert frames[0].fps == 25
    stamps = [f.timestamp for f in frames]
    assert stamps == sorted(stamps)
    assert stamps[1] - stamps[0] == pytest.approx(0.04)
    # A key frame decodes on its own, with the SPS/PPS in front.
    assert _decode(frames[0].data) == (640, 360)
    # Frames differ (the picture moves).
    assert len({f.data for f in frames}) > 20


async def test_rtsp_keepalive_and_receiver_reports(start_simulator: Any) -> None:
    # A 2 s session timeout makes the client refresh the session every second.
    camera: GrandstreamCamera = await start_simulator("grandstream", session_timeout=2, inputs=2)
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD)
    await cli.connect()
    frames = await _frames(cli, 80)  # 3.2 s of video at 25 fps
    assert len(frames) == 80
    state = camera.state()["rtsp"]
    assert state["keepalives"] >= 2  # OPTIONS with Session, never GET_PARAMETER
    assert state["rtcp_received"] >= 1  # receiver reports on the odd channel
    await cli.close()


async def test_events_keep_the_rtsp_session_alive(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream", session_timeout=2, inputs=2)
    cli = Client(
        "127.0.0.1",
        camera.ports["rtsp"],
        SIM_USERNAME,
        SIM_PASSWORD,
        keepalive_interval=KEEPALIVE,
    )
    await cli.connect()
    received: list[CameraEvent] = []
    task = asyncio.create_task(_collect(cli, received))
    try:
        await wait_for(lambda: camera.state()["rtsp"]["keepalives"] >= 2)
        assert camera.state()["rtsp"]["sessions"] == 1
        assert camera.state()["rtsp"]["playing"] == 0  # SETUP only: no media flows
        await camera.inject_fault("stall", 0.2)
        await camera.push_event("input", True, 1)  # delivered once the stall ends
        await wait_for(lambda: len(received) == 1)
        assert received[0].kind is EventKind.INPUT
        assert received[0].channel == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await cli.close()


async def test_secondary_stream(camera: GrandstreamCamera) -> None:
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, channel=4)
    await cli.connect()
    frames = await _frames(cli, 2)
    assert (frames[0].width, frames[0].height) == (320, 180)
    assert _decode(frames[0].data) == (320, 180)
    assert cli.stream_url() == (
        f"rtsp://{SIM_USERNAME}:{SIM_PASSWORD}@127.0.0.1:{camera.ports['rtsp']}/4"
    )
    await cli.close()


async def test_audio_is_the_tone(client: Client) -> None:
    pcm = bytearray()
    async with asyncio.timeout(20), contextlib.aclosing(client.audio()) as stream:  # type: ignore[type-var]
        async for chunk in stream:
            assert chunk.sample_rate == 8000
            pcm += chunk.pcm
            if len(pcm) >= 8000:
                break
    assert dominant_frequency(bytes(pcm)) == pytest.approx(1000, abs=20)


async def test_snapshot_is_a_jpeg(client: Client) -> None:
    jpeg = await client.snapshot()
    assert jpeg[:2] == b"\xff\xd8"
    with av.open(io.BytesIO(jpeg)) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (640, 360)


async def test_teardown_releases_the_session(client: Client, camera: GrandstreamCamera) -> None:
    await _frames(client, 3)
    await wait_for(lambda: camera.state()["rtsp"]["sessions"] == 0)


# --- events ---------------------------------------------------------------------------------


async def _collect(cli: Client, sink: list[CameraEvent]) -> None:
    async with contextlib.aclosing(cli.events()) as events:  # type: ignore[type-var]
        async for event in events:
            sink.append(event)


async def test_events_from_control_pushes(start_simulator: Any, control_server: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream", inputs=3)
    client = Client(
        "127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, keepalive_interval=KEEPALIVE
    )
    await client.connect()
    control_port = await control_server({"grandstream": camera})
    received: list[CameraEvent] = []
    task = asyncio.create_task(_collect(client, received))
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
        assert camera.state()["mctp"]["heartbeats"] == 1
        async with aiohttp.ClientSession() as http:
            for body in (
                {"kind": "motion", "active": True, "channel": 0},
                {"kind": "input", "active": True, "channel": 2},
                {"kind": "alarm", "active": False, "channel": 1},
            ):
                async with http.post(f"http://127.0.0.1:{control_port}/event", json=body) as r:
                    assert r.status == 200
            for bad in ({"kind": "smoke"}, {"kind": "motion", "channel": 3}):  # 3 inputs: 0-2
                async with http.post(f"http://127.0.0.1:{control_port}/event", json=bad) as r:
                    assert r.status == 400
        await wait_for(lambda: len(received) == 3)
        # Keep-alives flow (every 0.3 s here) and the session stays up.
        await wait_for(lambda: camera.state()["mctp"]["keepalives"] >= 3)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await client.close()
    assert [(e.kind, e.active, e.channel) for e in received] == [
        (EventKind.MOTION, True, 0),
        (EventKind.INPUT, True, 2),
        (EventKind.ALARM, False, 1),
    ]
    assert received[0].raw == "CMD:ALARM MCTP/1.0 SC\n@0@MOTION@1\nEND"
    await wait_for(lambda: camera.state()["mctp"]["connections"] == 0)
    await wait_for(lambda: camera.state()["rtsp"]["sessions"] == 0)


async def test_alarm_subscription_falls_back_to_one_channel(start_simulator: Any) -> None:
    # Older firmware refuses channel -1; the client subscribes to its own channel.
    camera: GrandstreamCamera = await start_simulator(
        "grandstream", alarm_all_channels=False, inputs=2
    )
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, channel=1)
    await cli.connect()
    received: list[CameraEvent] = []
    task = asyncio.create_task(_collect(cli, received))
    try:
        await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
        await camera.push_event("motion", True, 0)  # another channel: not delivered
        await camera.push_event("motion", True, 1)
        await wait_for(lambda: len(received) == 1)
        assert received[0].channel == 1
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await cli.close()


@pytest.mark.parametrize("fault", ["stall", "drop"])
async def test_heartbeat_loss_ends_events(
    client: Client, camera: GrandstreamCamera, fault: str
) -> None:
    received: list[CameraEvent] = []
    task = asyncio.create_task(_collect(client, received))
    await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
    await camera.push_event("motion", True, 0)
    await wait_for(lambda: len(received) == 1)
    await camera.inject_fault(fault, 3)
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(task, 15)


async def test_events_end_when_the_rtsp_connection_drops(
    client: Client, camera: GrandstreamCamera
) -> None:
    """The session MCTP's heartbeat refers to is gone: events() ends at once, not at the
    next RTSP keep-alive."""
    received: list[CameraEvent] = []
    task = asyncio.create_task(_collect(client, received))
    await wait_for(lambda: camera.state()["mctp"]["alarm_subscribers"] == 1)
    for session in list(camera.sessions.values()):
        session.abort()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(task, 5)


async def test_close_ends_a_running_stream(client: Client) -> None:
    video = client.video()
    assert (await anext(video)).data
    await client.close()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(video), 5)
    await video.aclose()  # type: ignore[attr-defined]


# --- talk -----------------------------------------------------------------------------------


async def test_talk_reaches_the_speaker(client: Client, camera: GrandstreamCamera) -> None:
    seconds = await client.talk(pcm_chunks(tone_pcm(1000, 0.6)))
    assert seconds == pytest.approx(0.6)
    await wait_for(lambda: camera.talk_statistics()["packets"] == 30)
    stats = camera.talk_statistics()
    assert stats["sessions"] == 1
    assert stats["bytes"] == 0.6 * 8000 * 2
    assert dominant_frequency(bytes(camera.talk_pcm)) == pytest.approx(1000, abs=20)
    await wait_for(lambda: not camera.state()["mctp"]["talking"])


async def test_talk_busy(client: Client, camera: GrandstreamCamera) -> None:
    started = asyncio.Event()

    async def slow() -> AsyncIterator[bytes]:
        started.set()
        for _ in range(10):
            yield tone_pcm(500, 0.1)
            await asyncio.sleep(0.05)

    first = asyncio.create_task(client.talk(slow()))
    await started.wait()
    await wait_for(lambda: camera.state()["mctp"]["talking"])
    with pytest.raises(DeviceBusy):
        await client.talk(pcm_chunks(tone_pcm(1000, 0.1)))
    assert await first == pytest.approx(1.0)


async def test_session_set_up_from_the_describe_url(client: Client) -> None:
    # SETUP URLs come from the request URL (the camera's Content-Base has no port).
    inbox: Inbox[Any] = Inbox(16)
    session = client._rtsp(video=True, audio=True)
    link = await client._open(session, inbox.put, inbox.end)
    try:
        described = await _until(inbox, Described)
        video = described.sdp.first("video")
        assert video is not None
        assert video.fmtp()["packetization-mode"] == "1"
        assert "sprop-parameter-sets" in video.fmtp()
        ready = await _until(inbox, Ready)
        assert len(ready.session_id) == 8
        assert ready.timeout == 120
        assert not ready.playing
    finally:
        await client._close(link)


async def test_port_rule_with_a_2000_plus_p_port(start_simulator: Any) -> None:
    # Find a free port Q above 2080 and treat it as 2000 + P for web port P = Q - 2000.
    camera = None
    for candidate in range(12554, 12654):
        web = web_port_for_rtsp_port(candidate)
        assert web == candidate - 2000
        try:
            camera = await start_simulator("grandstream", port=candidate)
        except OSError:
            continue
        break
    assert camera is not None
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD)
    await cli.connect()
    frames = await _frames(cli, 1)
    assert frames[0].keyframe
    await cli.close()


async def test_a_slow_viewer_is_not_a_silent_camera(camera: GrandstreamCamera) -> None:
    """A consumer that falls behind pauses the socket; the pause is not the camera's silence."""
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD, timeout=0.5)
    await cli.connect()
    video = cli.video()
    try:
        assert (await anext(video)).data
        await asyncio.sleep(4.0)  # 25 fps: the 64-frame backlog fills up, reading pauses
        for _ in range(100):
            assert (await asyncio.wait_for(anext(video), 5)).data
    finally:
        await video.aclose()  # type: ignore[attr-defined]
        await cli.close()
