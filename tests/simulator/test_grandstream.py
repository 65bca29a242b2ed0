"""The Grandstream client, PyAV and ffmpeg against the simulated GXV camera over 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import io
import shutil
import subprocess
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
from custom_components.ipcam.protocols.grandstream import mctp, web_port_for_rtsp_port
from custom_components.ipcam.protocols.grandstream.client import Client
from custom_components.ipcam.protocols.grandstream.rtsp import RtspReader, RtspResponse
from simulator.base import FaultError
from simulator.grandstream import GrandstreamCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

FFMPEG = "/usr/bin/ffmpeg"
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


def test_mac_from_the_arp_table(tmp_path: Any) -> None:
    from custom_components.ipcam.protocols.grandstream.client import _arp_lookup

    table = tmp_path / "arp"
    table.write_text(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.168.1.20     0x1         0x2         00:0B:82:12:34:56     *        eth0\n"
        "192.168.1.21     0x1         0x0         00:00:00:00:00:00     *        eth0\n"
    )
    assert _arp_lookup("192.168.1.20", table) == "00:0b:82:12:34:56"
    assert _arp_lookup("192.168.1.21", table) == ""  # incomplete entry
    assert _arp_lookup("10.0.0.1", table) == ""
    assert _arp_lookup("10.0.0.1", tmp_path / "missing") == ""


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
    camera: GrandstreamCamera = await start_simulator("grandstream", session_timeout=2)
    cli = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD)
    await cli.connect()
    frames = await _frames(cli, 80)  # 3.2 s of video at 25 fps
    assert len(frames) == 80
    state = camera.state()["rtsp"]
    assert state["keepalives"] >= 2  # OPTIONS with Session, never GET_PARAMETER
    assert state["rtcp_received"] >= 1  # receiver reports on the odd channel
    await cli.close()


async def test_events_keep_the_rtsp_session_alive(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream", session_timeout=2)
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
        await camera.push_event("input", True, 5)  # delivered once the stall ends
        await wait_for(lambda: len(received) == 1)
        assert received[0].kind is EventKind.INPUT
        assert received[0].channel == 5
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


async def test_events_from_control_pushes(
    client: Client, camera: GrandstreamCamera, control_server: Any
) -> None:
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
            async with http.post(
                f"http://127.0.0.1:{control_port}/event", json={"kind": "smoke"}
            ) as r:
                assert r.status == 400
        await wait_for(lambda: len(received) == 3)
        # Keep-alives flow (every 0.3 s here) and the session stays up.
        await wait_for(lambda: camera.state()["mctp"]["keepalives"] >= 3)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
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
    camera: GrandstreamCamera = await start_simulator("grandstream", alarm_all_channels=False)
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


async def test_unknown_event_kind(camera: GrandstreamCamera) -> None:
    with pytest.raises(FaultError):
        await camera.push_event("smoke", True, 0)


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


async def test_camera_drops_silent_mctp_and_its_rtsp_session(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream", mctp_timeout=0.5)
    port = camera.ports["rtsp"]
    # A live RTSP session (DESCRIBE with auth + SETUP) through our client's plumbing.
    cli = Client("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=5.0)
    session = await cli._start_session(video=True, audio=False, play=False)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(mctp.heartbeat_request(session.session_id, 0))
        reply = await asyncio.wait_for(reader.readuntil(b"END\n"), 5)
        assert reply == mctp.heartbeat_reply(session.session_id, 0, True)
        # Silence: the camera hangs up on MCTP and on the RTSP session.
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        await wait_for(lambda: camera.state()["mctp"]["timeouts"] == 1)
        await wait_for(lambda: camera.state()["rtsp"]["sessions"] == 0)
        with pytest.raises(CannotConnect):
            await session.connection.request("OPTIONS", cli.base_url)
    finally:
        await cli._end_session(session)
        await cli.close()


async def test_heartbeat_with_unknown_session_is_refused(camera: GrandstreamCamera) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["rtsp"])
    writer.write(mctp.heartbeat_request("12345678", 0))
    reply = await asyncio.wait_for(reader.readuntil(b"END\n"), 5)
    assert reply == b"CMD:ALIVE MCTP/1.0 SC\n@12345678@0@0\nEND\n"
    writer.write(mctp.keepalive_request())
    assert await asyncio.wait_for(reader.readuntil(b"END\n"), 5) == mctp.keepalive_reply()
    writer.close()
    await writer.wait_closed()


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


# --- raw protocol quirks ----------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> RtspResponse:
    writer.write(request)
    parser = RtspReader()
    while True:
        event = parser.next_event()
        if isinstance(event, RtspResponse):
            return event
        data = await asyncio.wait_for(reader.read(65536), 5)
        assert data, "connection closed"
        parser.feed(data)


async def test_server_quirks(camera: GrandstreamCamera) -> None:
    port = camera.ports["rtsp"]
    base = f"rtsp://127.0.0.1:{port}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        options = await _exchange(
            reader, writer, f"OPTIONS {base}/0 RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode()
        )
        assert options.status == 200
        assert "GET_PARAMETER" not in (options.headers.get("Public") or "")
        challenge = await _exchange(
            reader, writer, f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode()
        )
        assert challenge.status == 401
        assert ("Cseq", "2") in challenge.headers.items  # the camera's spelling
        nonce1 = challenge.headers.get("WWW-Authenticate")
        again = await _exchange(
            reader, writer, f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 3\r\n\r\n".encode()
        )
        assert again.headers.get("WWW-Authenticate") != nonce1  # fresh nonce per 401
        for path, status in (("/0/", 400), ("/10", 400)):
            reply = await _exchange(
                reader, writer, f"DESCRIBE {base}{path} RTSP/1.0\r\nCSeq: 4\r\n\r\n".encode()
            )
            assert reply.status == status
        reply = await _exchange(
            reader,
            writer,
            f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 5\r\nAccept: text/plain\r\n\r\n".encode(),
        )
        assert reply.status == 551
        for method, status in (("GET_PARAMETER", 501), ("PAUSE", 455), ("SET_PARAMETER", 200)):
            reply = await _exchange(
                reader, writer, f"{method} {base}/0 RTSP/1.0\r\nCSeq: 6\r\n\r\n".encode()
            )
            assert reply.status == status
    finally:
        writer.close()
        await writer.wait_closed()
    # A first request without lower-case "rtsp" (nor MCTP) is dropped unanswered.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await writer.wait_closed()


async def test_describe_reply_has_content_base_without_port(client: Client) -> None:
    session = await client._start_session(video=True, audio=True, play=False)
    try:
        video = session.sdp.first("video")
        assert video is not None
        assert video.fmtp()["packetization-mode"] == "1"
        assert "sprop-parameter-sets" in video.fmtp()
        assert len(session.session_id) == 8
        assert session.timeout == 120
    finally:
        await client._end_session(session)


# --- third-party players --------------------------------------------------------------------


def _pyav_play(url: str, count: int) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    # timeout=(open, read) seconds: PyAV can never hang the suite.
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=(10.0, 10.0)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "pcm_mulaw"
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) >= count:
                break
    return sizes


@pytest.mark.parametrize("password", [SIM_PASSWORD, "p@ss:w/rd%"])
async def test_pyav_plays_stream_url(start_simulator: Any, password: str) -> None:
    # Port 0: an arbitrary port, i.e. the "2000 + web port" case (not 554), where the
    # camera's Content-Base (no port) must not mislead the player.
    camera: GrandstreamCamera = await start_simulator("grandstream", password=password)
    port = camera.ports["rtsp"]
    assert port != 554
    cli = Client("127.0.0.1", port, SIM_USERNAME, password)
    await cli.connect()
    url = cli.stream_url()
    assert url is not None
    sizes = await asyncio.wait_for(asyncio.to_thread(_pyav_play, url, 10), 30)
    assert sizes == [(640, 360)] * 10
    assert camera.state()["rtsp"]["describes"] == 2  # ours, then PyAV's (Digest)
    await cli.close()


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


@pytest.mark.skipif(
    shutil.which(FFMPEG) is None, reason=f"the ffmpeg CLI is not installed at {FFMPEG}"
)
async def test_ffmpeg_cli_plays_stream_url(client: Client) -> None:
    url = client.stream_url()
    assert url is not None

    def run() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                FFMPEG,
                "-nostdin",
                "-rtsp_transport",
                "tcp",
                "-i",
                url,
                "-frames:v",
                "5",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr[-500:]
    assert len(result.stdout) == 5 * 640 * 360
