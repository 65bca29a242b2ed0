"""The IPCamCGI client against the IPCamCGI simulator, call by call, over 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.base import (
    CameraEvent,
    Capability,
    EventKind,
    PresetAction,
    PtzMove,
    VideoFrame,
)
from custom_components.ipcam.protocols.cgi import calls, ptz
from custom_components.ipcam.protocols.cgi import client as cgi_client
from custom_components.ipcam.protocols.cgi.client import Client
from custom_components.ipcam.protocols.cgi.groups import (
    DateTimeConfig,
    EmailConfig,
    FtpConfig,
    ImageConfig,
    ImageInfo,
    MotionConfig,
    NetworkConfig,
    NetworkInfo,
    SystemConfig,
    SystemInfo,
    UserAccessConfig,
    UserEntry,
    WirelessConfig,
    WirelessInfo,
)
from custom_components.ipcam.protocols.cgi.iostate import IoOrder, decode_io
from custom_components.ipcam.protocols.cgi.mjpeg import jpeg_size
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from custom_components.ipcam.protocols.transport import TcpConnection
from simulator.base import FaultError
from simulator.cgi import CgiCamera
from simulator.cgi.answers import format_part
from simulator.media import jpeg_cycle
from tests.conftest import SIM_PASSWORD, SIM_USERNAME


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll until ``condition()`` holds (a bounded wait, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


@pytest.fixture
async def cam(start_simulator: Any) -> CgiCamera:
    camera = await start_simulator("cgi")
    assert isinstance(camera, CgiCamera)
    camera.reboot_seconds = 1.0
    return camera


def make_client(cam: CgiCamera, **kwargs: Any) -> Client:
    kwargs.setdefault("timeout", 5.0)
    username = kwargs.pop("username", SIM_USERNAME)
    password = kwargs.pop("password", SIM_PASSWORD)
    return Client("127.0.0.1", cam.ports["http"], username, password, **kwargs)


@pytest.fixture
async def client(cam: CgiCamera) -> AsyncIterator[Client]:
    camera_client = make_client(cam, poll_interval=0.05)
    await camera_client.connect()
    yield camera_client
    await camera_client.close()


async def first_frame(camera_client: Client) -> VideoFrame:
    async with contextlib.aclosing(camera_client.video()) as frames:
        async for frame in frames:
            return frame
    raise AssertionError("no frame")


# --- connect, identity, errors ---


async def test_connect_identity_and_capabilities(cam: CgiCamera) -> None:
    camera_client = open_client("cgi", "127.0.0.1", cam.ports["http"], SIM_USERNAME, SIM_PASSWORD)
    assert isinstance(camera_client, Client)
    try:
        await camera_client.connect()
        identity = camera_client.identity
        assert identity.unique_id == cam.mac
        assert identity.mac == cam.mac
        assert identity.model == "DCS-930L"
        assert identity.manufacturer == "D-Link"
        assert identity.firmware == cam.firmware
        assert camera_client.capabilities == {
            Capability.SNAPSHOT,
            Capability.VIDEO,
            Capability.EVENTS,
            Capability.PTZ,
            Capability.PTZ_HOME,
            Capability.PTZ_PRESETS,
            Capability.REBOOT,
            Capability.ALARM_OUT,
            Capability.ALARM_OUT_2,
            Capability.LED,
            Capability.RESOLUTION,
            Capability.FRAME_RATE,
            Capability.INPUTS,
            Capability.MOTION_ARMING,  # motion.cgi answers
        }
        assert SIM_PASSWORD not in repr(camera_client)
        assert SIM_PASSWORD not in str(camera_client.diagnostics())
        assert await camera_client.call(calls.cgi_version()) == 2
    finally:
        await camera_client.close()


async def test_wrong_password_is_auth_error(cam: CgiCamera) -> None:
    camera_client = make_client(cam, password="wrong-password")
    with pytest.raises(AuthError) as info:
        await camera_client.connect()
    assert "wrong-password" not in str(info.value)
    await camera_client.close()


async def test_closed_port_is_cannot_connect(socket_enabled: None) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    with pytest.raises(CannotConnect):
        await camera_client.connect()
    await camera_client.close()


@pytest.fixture
async def fake_camera(socket_enabled: None) -> AsyncIterator[Callable[..., Any]]:
    """A web server answering fixed bodies per path (to feed the client garbage)."""
    runners: list[web.AppRunner] = []

    async def start(bodies: dict[str, tuple[int, bytes]]) -> int:
        async def handler(request: web.Request) -> web.Response:
            status, body = bodies.get(request.path, (404, b"nope"))
            return web.Response(status=status, body=body, content_type="text/html")

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        runners.append(runner)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return int(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]

    yield start
    for runner in runners:
        await runner.cleanup()


async def test_garbage_answers_are_protocol_errors(fake_camera: Any) -> None:
    port = await fake_camera(
        {
            "/isystem.cgi": (200, b"<html><body>Welcome</body></html>"),
            "/system.cgi": (200, b"this is not a CGI answer"),
            "/image.jpg": (200, b"GIF89a not a jpeg"),
            "/iocontrol.cgi": (503, b"busy"),
        }
    )
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    with pytest.raises(ProtocolError):
        await camera_client.connect()
    with pytest.raises(ProtocolError):
        await camera_client.read_group(SystemConfig)
    with pytest.raises(ProtocolError):
        await camera_client.snapshot()
    with pytest.raises(DeviceBusy):
        await camera_client.get_io_status()
    with pytest.raises(NotSupported):
        await camera_client.read_group(MotionConfig)
    await camera_client.close()


async def test_firmware_names_and_odd_answers(fake_camera: Any) -> None:
    """404 for the document's name: the firmware's other name is asked (see ``calls``)."""
    jpeg = jpeg_cycle(160, 120)[0]
    port = await fake_camera(
        {
            "/image.cgi": (200, b"VideoResolution=640 x 480\r\nFrameRate=Auto\r\n"),
            "/iactiveuser.cgi": (200, b"UserIPAddress =192.0.2.9\r\nUserName =admin\r\n"),
            "/image/jpeg.cgi": (200, jpeg + b"\r\n"),
            "/isystem.cgi": (200, b"CameraName=" + b"x" * (70 * 1024)),
            "/mjpeg.cgi": (200, format_part(jpeg)),  # a part without a Date: header
            "/iocontrol.cgi": (200, b""),
        }
    )
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    try:
        assert (await camera_client.read_group(ImageInfo)).video_resolution == "640 x 480"
        (user,) = await camera_client.call(calls.active_users())
        assert user.user_ip_address == "192.0.2.9"
        assert await camera_client.snapshot() == jpeg
        with pytest.raises(ProtocolError, match="is over|larger than"):
            await camera_client.read_group(SystemInfo)  # larger than any CGI answer
        with pytest.raises(ProtocolError, match="Date header"):
            await camera_client.read_stream_state()
        with pytest.raises(ProtocolError):
            await camera_client.get_io_status()  # an empty answer is no I/O status
    finally:
        await camera_client.close()


async def test_stream_that_ends_at_once(fake_camera: Any) -> None:
    port = await fake_camera({"/mjpeg.cgi": (200, b"")})
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    with pytest.raises(CannotConnect, match="ended"):
        await camera_client.read_stream_state()
    await camera_client.close()


async def test_camera_without_pan_tilt(cam: CgiCamera) -> None:
    camera_client = make_client(cam, ptz=False)
    await camera_client.connect()
    try:
        assert Capability.PTZ not in camera_client.capabilities
        with pytest.raises(NotSupported):
            await camera_client.ptz(PtzMove.UP)
        with pytest.raises(NotSupported):
            await camera_client.ptz_preset(PresetAction.GOTO, 0)
    finally:
        await camera_client.close()


async def test_busy_camera_is_device_busy(fake_camera: Any) -> None:
    port = await fake_camera({"/isystem.cgi": (503, b"Service Unavailable")})
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    with pytest.raises(DeviceBusy):
        await camera_client.connect()
    await camera_client.close()


async def test_camera_without_inputs_in_iocontrol(fake_camera: Any) -> None:
    """A document-only camera: no Input1/2 in iocontrol.cgi, so no EVENTS."""
    port = await fake_camera(
        {
            "/isystem.cgi": (200, b"Model=DCS-930L\r\nMACAddress=00 FF 5C 8A 13 18\r\n"),
            "/iocontrol.cgi": (
                200,
                b"Trigger1=0&Trigger2=1&ImageUpload=0&ImageEmail=0&CurrentTime=2008-10-01 15:37:53",
            ),
        }
    )
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    await camera_client.connect()
    assert camera_client.identity.unique_id == "00:ff:5c:8a:13:18"
    assert Capability.EVENTS not in camera_client.capabilities
    assert Capability.INPUTS not in camera_client.capabilities
    assert Capability.ALARM_OUT_2 in camera_client.capabilities
    assert (await camera_client.get_io_status()).trigger2 == 1
    await camera_client.close()


async def test_a_session_given_is_not_needed_and_left_open(cam: CgiCamera) -> None:
    """Home Assistant hands its shared aiohttp session to HTTP clients; this one has its own
    connection per request and leaves the session alone."""
    async with aiohttp.ClientSession() as session:
        camera_client = make_client(cam, session=session)
        await camera_client.connect()
        await camera_client.close()
        assert not session.closed


async def test_close_then_connect(cam: CgiCamera) -> None:
    camera_client = make_client(cam)
    await camera_client.connect()
    await camera_client.close()
    await camera_client.close()  # twice is fine
    with pytest.raises(CannotConnect):
        await camera_client.read_group(SystemConfig)  # a closed client refuses politely
    await camera_client.connect()  # ...until connect() reopens it
    before = camera_client.diagnostics()["requests"]
    assert (await camera_client.read_group(SystemConfig)).camera_name == "DCS-930L"
    assert camera_client.diagnostics()["requests"] == before + 1
    await camera_client.close()


async def test_stall_times_out(cam: CgiCamera, client: Client) -> None:
    fast = make_client(cam, timeout=0.3)
    await cam.inject_fault("stall", 2)
    with pytest.raises(CannotConnect):
        await fast.read_group(SystemConfig)
    await fast.close()


# --- settings ---


async def test_read_settings_defaults(client: Client) -> None:
    settings = await client.read_settings()
    assert settings.values == {
        "alarm_out": False,
        "alarm_out_2": False,
        "led": True,
        "resolution": "320x240",
        "frame_rate": "0",
        "input_1": False,
        "input_2": False,
        "motion_armed": False,
    }
    assert settings.options == {
        "resolution": ("160x120", "320x240", "640x480"),
        "frame_rate": ("0", "1", "5", "7", "15", "20"),
    }


async def test_write_settings_round_trip(cam: CgiCamera, client: Client) -> None:
    await client.write_setting("alarm_out", True)
    await client.write_setting("alarm_out_2", True)
    await client.write_setting("led", False)
    await client.write_setting("resolution", "640x480")
    await client.write_setting("frame_rate", "20")
    values = (await client.read_settings()).values
    assert values["alarm_out"] is True
    assert values["alarm_out_2"] is True
    assert values["led"] is False
    assert values["resolution"] == "640x480"
    assert values["frame_rate"] == "20"
    state = cam.vendor_state()
    assert state["io"]["trigger1"] == 1
    assert state["io"]["trigger2"] == 1
    assert state["led"] == 1
    assert state["resolution"] == "640x480"
    assert state["fps"] == 20
    await client.write_setting("alarm_out", False)
    await client.write_setting("led", True)
    values = (await client.read_settings()).values
    assert values["alarm_out"] is False
    assert values["alarm_out_2"] is True  # carried over: all four flags are written together
    assert values["led"] is True


@pytest.mark.parametrize(
    ("key", "value", "error"),
    [
        ("resolution", "1x1", InvalidValue),
        ("resolution", "big", InvalidValue),
        ("frame_rate", "3", InvalidValue),
        ("frame_rate", "fast", InvalidValue),
        ("alarm_out", "maybe", InvalidValue),
        ("led", 7, InvalidValue),
        ("input_1", True, NotSupported),
        ("ir", True, NotSupported),
    ],
)
async def test_write_setting_rejects(
    cam: CgiCamera, client: Client, key: str, value: Any, error: type[Exception]
) -> None:
    before = cam.vendor_state()
    with pytest.raises(error):
        await client.write_setting(key, value)
    after = cam.vendor_state()
    assert (after["image"], after["io"], after["led"]) == (
        before["image"],
        before["io"],
        before["led"],
    )


async def test_camera_answers_400_for_bad_values(cam: CgiCamera, client: Client) -> None:
    """Values the client would refuse, sent raw: the camera answers 400 -> InvalidValue."""
    for path, params in [
        ("/image.cgi", {"FrameRate": "3"}),
        ("/image.cgi", {"BrightnessControl": "129"}),
        ("/image.cgi", {"NoSuchName": "1"}),
        ("/system.cgi", {"LEDControl": "5"}),
        ("/datetime.cgi", {"Time": "25:00:00"}),
        ("/network.cgi", {"IPAddress": "300.1.1.1"}),
        ("/iocontrol.cgi", {"Trigger1": "2"}),
        ("/pantiltcontrol.cgi", {"PanTiltSingleMove": "2"}),
        ("/pantiltcontrol.cgi", {"PanTiltSwingMode": "1"}),
        ("/pantiltcontrol.cgi", {"SetPosition": "0"}),
        ("/pantiltcontrol.cgi", {"ClearPosition": "0"}),
        ("/reset.cgi", {"Reset": "Maybe"}),
    ]:
        with pytest.raises(InvalidValue, match="400"):
            await client.call(calls.raw(path, params))
    assert cam.vendor_state()["image"]["frame_rate"] == 0
    assert cam.reboots == 0
    with pytest.raises(InvalidValue, match="400"):
        await client.pan_tilt(ptz.preset_move(7))  # valid number, but preset 7 is not set
    with pytest.raises(InvalidValue, match="400"):
        await client.call(calls.delete_user("nobody"))


# --- media ---


async def test_snapshot_follows_resolution(cam: CgiCamera, client: Client) -> None:
    assert jpeg_size(await client.snapshot()) == (320, 240)
    await client.write_setting("resolution", "160x120")
    assert jpeg_size(await client.snapshot()) == (160, 120)
    frame = await first_frame(client)
    assert (frame.codec, frame.width, frame.height) == ("jpeg", 160, 120)
    await client.write_setting("resolution", "640x480")
    assert jpeg_size(await client.snapshot()) == (640, 480)
    assert (await first_frame(client)).width == 640


async def test_video_frames_change_and_carry_state(cam: CgiCamera, client: Client) -> None:
    await client.write_setting("frame_rate", "20")
    frames: list[VideoFrame] = []
    async with contextlib.aclosing(client.video()) as stream:
        async for frame in stream:
            frames.append(frame)
            if len(frames) == 4:
                break
    assert all(f.codec == "jpeg" and (f.width, f.height) == (320, 240) for f in frames)
    assert len({f.data for f in frames}) > 1
    assert frames[-1].timestamp >= frames[0].timestamp
    assert frames[0].fps == 0.0
    assert frames[-1].fps > 0
    state = client.io.latest
    assert state is not None
    assert (state.io, state.pan, state.tilt) == ("00000000", 170, 67)


async def test_triggers_show_in_date_header(cam: CgiCamera, client: Client) -> None:
    await client.set_io(trigger1=True)
    await first_frame(client)
    state = client.io.latest
    assert state is not None
    assert state.io == "10000000"  # the document's order: the 1st digit is Trigger1
    flags = client.io.flags(state)
    assert flags.trigger1
    assert not flags.trigger2
    status = await client.set_io(trigger2=True, image_upload=True, image_email=True)
    assert (status.trigger1, status.trigger2, status.image_upload, status.image_email) == (
        1,
        1,
        1,
        1,
    )
    await first_frame(client)
    assert client.io.latest is not None
    assert client.io.latest.io == "11110000"
    await client.set_io(image_upload=False)
    status = await client.set_io(image_email=False)
    assert (status.image_upload, status.image_email) == (0, 0)
    assert cam.vendor_state()["io_digits"] == "11000000"
    with pytest.raises(InvalidValue):
        await client.set_io(trigger3=True)


async def test_stream_limit_is_device_busy(cam: CgiCamera, client: Client) -> None:
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(cam.max_streams):
            stream = await stack.enter_async_context(contextlib.aclosing(client.video()))
            await anext(stream)
        assert cam.streams == cam.max_streams
        users = await client.call(calls.active_users())
        assert len(users) == cam.max_streams
        assert users[0].user_name == SIM_USERNAME
        assert users[0].user_ip_address == "127.0.0.1"
        with pytest.raises(DeviceBusy):
            await first_frame(client)
    await wait_for(lambda: cam.streams == 0)
    assert (await first_frame(client)).width == 320


async def test_dropped_stream_is_cannot_connect(cam: CgiCamera, client: Client) -> None:
    async with contextlib.aclosing(client.video()) as stream:
        await anext(stream)
        cam.drop_connections()
        with pytest.raises(CannotConnect):
            for _ in range(1000):
                await anext(stream)


async def test_stream_media_hands_over_frames_until_the_stream_ends(
    cam: CgiCamera, client: Client
) -> None:
    frames: list[VideoFrame] = []
    task = asyncio.create_task(client.stream_media(frames.append))
    await wait_for(lambda: len(frames) >= 3)
    assert all(frame.codec == "jpeg" and frame.width == 320 for frame in frames)
    cam.drop_connections()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(task, 5)
    wrong = make_client(cam, password="wrong-password")
    with pytest.raises(AuthError):
        await wrong.stream_media(frames.append)  # 401 on the stream itself
    await wrong.close()


async def test_stream_media_batches_its_reads_when_asked(
    cam: CgiCamera, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``read_every``: once the stream has run a while its pictures come several to a read."""
    reads: list[int] = []
    receive = TcpConnection.data_received

    def counted(conn: TcpConnection, data: bytes) -> None:
        reads.append(len(data))
        receive(conn, data)

    monkeypatch.setattr(TcpConnection, "data_received", counted)
    monkeypatch.setattr(cgi_client, "BATCHED_READS_AFTER", 0.3)
    frames: list[VideoFrame] = []
    task = asyncio.create_task(client.stream_media(frames.append, read_every=0.5))
    try:
        await wait_for(lambda: len(frames) >= 3)
        await asyncio.sleep(0.5)  # batching has begun
        reads.clear()
        first = len(frames)
        await wait_for(lambda: len(frames) >= first + 12)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(reads) <= (len(frames) - first) // 2
    assert all(frame.codec == "jpeg" for frame in frames)


async def test_a_stream_whose_answer_ends_keeps_its_last_whole_part(fake_camera: Any) -> None:
    jpeg = jpeg_cycle(160, 120)[0]
    part = format_part(jpeg, "2026-01-01 10:00:00 IO_00000000_PT_001_002")
    port = await fake_camera({"/mjpeg.cgi": (200, part * 2), "/image.jpg": (401, b"")})
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    frames: list[VideoFrame] = []
    with pytest.raises(CannotConnect, match="ended"):
        await camera_client.stream_media(frames.append)
    assert [frame.data for frame in frames] == [jpeg, jpeg]
    await camera_client.close()
    with pytest.raises(CannotConnect, match="closed"):
        await camera_client.stream_media(frames.append)  # after close(): nothing opened


@pytest.mark.parametrize(
    ("tail", "error"), [(b"", CannotConnect), (b"\xff\xd8\x00", ProtocolError)]
)
async def test_a_camera_that_closes_after_a_part(
    socket_enabled: None, tail: bytes, error: type[Exception]
) -> None:
    """A stream without a length ends when the camera closes: a whole last part (no line
    after it to prove its end) is kept; a part cut short is a ProtocolError."""
    jpeg = jpeg_cycle(160, 120)[0]
    body = b"--video boundary--\r\nContent-Type: image/jpeg\r\n\r\n" + jpeg + tail

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace\r\n\r\n" + body)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    camera_client = Client("127.0.0.1", port, "admin", "x", timeout=2)
    frames: list[VideoFrame] = []
    with pytest.raises(error):
        await camera_client.stream_media(frames.append)
    assert [frame.data for frame in frames] == [jpeg]
    await camera_client.close()
    server.close()
    await server.wait_closed()


# --- inputs and events ---


async def test_inputs_settings_and_events(cam: CgiCamera, client: Client) -> None:
    await cam.push_event("input", True, 2)
    values = (await client.read_settings()).values
    assert (values["input_1"], values["input_2"]) == (False, True)
    await first_frame(client)
    assert client.io.latest is not None
    assert client.io.latest.io == "00000000"  # the document's order has no inputs
    received: list[CameraEvent] = []
    async with contextlib.aclosing(client.events()) as events:
        received.append(await anext(events))
        received.append(await anext(events))
        await cam.push_event("input", True, 1)
        received.append(await anext(events))
        await cam.push_event("input", False, 2)
        received.append(await anext(events))
    assert [(e.kind, e.active, e.channel) for e in received] == [
        (EventKind.INPUT, False, 1),
        (EventKind.INPUT, True, 2),
        (EventKind.INPUT, True, 1),
        (EventKind.INPUT, False, 2),
    ]
    with pytest.raises(FaultError):
        await cam.push_event("motion", True, 0)
    with pytest.raises(FaultError):
        await cam.push_event("input", True, 3)


# --- the Date: I/O digits: the document's order unless the camera proves another (issue 13) ---


async def io_camera(start_simulator: Any, io_order: str) -> CgiCamera:
    """A camera that reports its inputs only in the Date: digits (no Input1/2 in iocontrol)."""
    camera = await start_simulator("cgi", io_order=io_order, iocontrol_inputs=False)
    assert isinstance(camera, CgiCamera)
    return camera


async def test_document_camera_output_is_never_an_input(start_simulator: Any) -> None:
    """The camera of issue 13: Trigger1 is the 1st digit, where JPLUG puts input 1."""
    cam = await io_camera(start_simulator, "document")
    client = make_client(cam, poll_interval=0.05)
    await client.connect()
    try:
        assert Capability.INPUTS not in client.capabilities
        assert Capability.EVENTS not in client.capabilities
        await client.write_setting("alarm_out", True)
        assert cam.vendor_state()["io_digits"] == "10000000"
        # Read the JPLUG way, this is "input 1 on": what the automation used to see.
        assert decode_io(cam.vendor_state()["io_digits"], IoOrder.JPLUG).input1
        assert client.io.proven is IoOrder.DOCUMENT  # learnt from the output just set
        values = (await client.read_settings()).values
        assert values["alarm_out"] is True
        assert "input_1" not in values
        assert Capability.INPUTS not in client.capabilities
        with pytest.raises(NotSupported):
            await anext(client.events())
        requests = cam.vendor_state()["requests"].get("/mjpeg.cgi", 0)
        await client.write_setting("alarm_out", False)  # decided: no more look at the digits
        assert cam.vendor_state()["requests"].get("/mjpeg.cgi", 0) == requests
    finally:
        await client.close()


async def test_jplug_camera_proves_its_order_when_an_output_is_set(
    start_simulator: Any,
) -> None:
    cam = await io_camera(start_simulator, "jplug")
    client = make_client(cam, poll_interval=0.05)
    await client.connect()
    try:
        # All digits zero at connect: the order cannot be told, so no inputs yet.
        assert client.io.proven is None
        assert Capability.INPUTS not in client.capabilities
        await client.write_setting("alarm_out", True)
        assert cam.vendor_state()["io_digits"] == "00000001"
        assert client.io.proven is IoOrder.JPLUG
        assert Capability.INPUTS in client.capabilities
        assert Capability.EVENTS not in client.capabilities  # polling a stream is no push
        values = (await client.read_settings()).values
        assert (values["alarm_out"], values["input_1"], values["input_2"]) == (True, False, False)
        await cam.push_event("input", True, 2)
        values = (await client.read_settings()).values
        assert (values["input_1"], values["input_2"]) == (False, True)
        # Every stream taken: the last state seen stands in.
        cam.max_streams = 0
        values = (await client.read_settings()).values
        assert (values["input_1"], values["input_2"]) == (False, True)
        cam.max_streams = 3
        # Polled input events from the digits (as the probe's --events shows them).
        async with contextlib.aclosing(client.events()) as events:
            first = [await anext(events), await anext(events)]
            await cam.push_event("input", True, 1)
            third = await anext(events)
        assert [(e.active, e.channel) for e in [*first, third]] == [
            (False, 1),
            (True, 2),
            (True, 1),
        ]
        # What was learnt holds across a reconnect: INPUTS from connect() on.
        await client.close()
        await client.connect()
        assert Capability.INPUTS in client.capabilities
    finally:
        await client.close()


async def test_jplug_camera_with_an_active_input_is_known_at_connect(
    start_simulator: Any,
) -> None:
    cam = await io_camera(start_simulator, "jplug")
    await cam.push_event("input", True, 1)
    client = make_client(cam)
    await client.connect()
    try:
        assert client.io.proven is IoOrder.JPLUG
        assert Capability.INPUTS in client.capabilities
        assert (await client.read_settings()).values["input_1"] is True
        assert client.diagnostics()["io_order"] == "jplug"
    finally:
        await client.close()


async def test_configured_order_is_not_second_guessed(start_simulator: Any) -> None:
    cam = await io_camera(start_simulator, "document")
    client = make_client(cam, io_order="document")
    await client.connect()
    try:
        assert "/mjpeg.cgi" not in cam.vendor_state()["requests"]  # nothing to learn
        assert Capability.INPUTS not in client.capabilities
    finally:
        await client.close()


async def test_settings_poll_reads_inputs_from_the_running_stream(start_simulator: Any) -> None:
    cam = await io_camera(start_simulator, "jplug")
    await cam.push_event("input", True, 2)
    client = make_client(cam)
    await client.connect()
    assert Capability.INPUTS in client.capabilities

    def mjpeg_requests() -> int:
        return int(cam.vendor_state()["requests"].get("/mjpeg.cgi", 0))

    def streamed(not_before: float = -1.0) -> bool:
        return client.io.fresh(time.monotonic(), not_before) is not None

    async def watch() -> None:
        async with contextlib.aclosing(client.video()) as stream:
            async for _frame in stream:
                pass

    viewer = asyncio.create_task(watch())
    try:
        await wait_for(streamed)
        before = mjpeg_requests()
        values = (await client.read_settings()).values
        assert (values["input_1"], values["input_2"]) == (False, True)
        await cam.push_event("input", True, 1)
        await wait_for(lambda: client.io.latest is not None and client.io.latest.io[0] == "1")
        values = (await client.read_settings()).values
        assert (values["input_1"], values["input_2"]) == (True, True)
        # The position after a move comes from a part made after it.
        await client.ptz(PtzMove.LEFT)
        await wait_for(lambda: streamed(client._last_ptz_at))
        assert await client.get_position() == (165, 67)
        assert mjpeg_requests() == before  # all from the stream already open
    finally:
        viewer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await viewer
    try:
        # Without a running stream the poll opens one part.
        await client.read_settings()
        assert mjpeg_requests() == before + 1
        # So does a move without a part made after it.
        await client.ptz(PtzMove.RIGHT)
        assert await client.get_position() == (170, 67)
        assert mjpeg_requests() == before + 2
    finally:
        await client.close()


# --- pan/tilt ---


def position(cam: CgiCamera) -> tuple[int, int]:
    return cam.pan, cam.tilt


async def test_ptz_steps_and_home(cam: CgiCamera, client: Client) -> None:
    await client.ptz(PtzMove.LEFT, 10)
    assert position(cam) == (160, 67)
    await client.ptz(PtzMove.RIGHT)
    assert position(cam) == (165, 67)
    await client.ptz(PtzMove.UP, 3)
    assert position(cam) == (165, 70)
    await client.ptz(PtzMove.DOWN, 50)  # speed is clamped to the 10-degree maximum
    assert position(cam) == (165, 60)
    assert await client.get_position() == (165, 60)
    await client.ptz(PtzMove.HOME)
    assert position(cam) == (170, 67)
    with pytest.raises(NotSupported):
        await client.ptz(PtzMove.ZOOM_IN)
    await client.pan_tilt(ptz.move_position(340, 0))
    assert position(cam) == (340, 0)
    await client.ptz(PtzMove.RIGHT)
    assert position(cam) == (340, 0)  # clamped at the end stop
    with pytest.raises(InvalidValue):
        await client.pan_tilt(ptz.move_position(341, 0))


async def test_ptz_presets(cam: CgiCamera, client: Client) -> None:
    await client.pan_tilt(ptz.move_position(100, 20))
    await client.ptz_preset(PresetAction.SET, 3)
    assert cam.vendor_state()["presets"] == {"3": {"pan": 100, "tilt": 20, "name": "Preset 3"}}
    await client.pan_tilt(ptz.set_preset(24, 300, 130, "Gate"))
    await client.ptz_preset(PresetAction.GOTO, 0)
    assert position(cam) == (170, 67)
    await client.ptz_preset(PresetAction.GOTO, 3)
    assert position(cam) == (100, 20)
    await client.ptz_preset(PresetAction.GOTO, 24)
    assert position(cam) == (300, 130)
    await client.ptz_preset(PresetAction.CLEAR, 3)
    assert "3" not in cam.vendor_state()["presets"]
    with pytest.raises(InvalidValue):
        await client.ptz_preset(PresetAction.GOTO, 3)
    for action, number in [
        (PresetAction.GOTO, 25),
        (PresetAction.SET, 0),
        (PresetAction.SET, 25),
        (PresetAction.CLEAR, 0),
        (PresetAction.GOTO, -1),
    ]:
        with pytest.raises(InvalidValue):
            await client.ptz_preset(action, number)


async def test_ptz_swing(cam: CgiCamera, client: Client) -> None:
    cam.swing_interval = 0.05
    await client.pan_tilt(ptz.set_preset(1, 10, 10, "One"))
    await client.pan_tilt(ptz.set_preset(2, 200, 100, "Two"))
    await client.pan_tilt(ptz.swing(True))
    assert cam.swing == 2
    await wait_for(lambda: position(cam) == (10, 10))
    await wait_for(lambda: position(cam) == (200, 100))
    await client.ptz(PtzMove.STOP)
    assert cam.swing == 0


async def test_com_port(cam: CgiCamera, client: Client) -> None:
    await client.call(calls.com_send("PING 1"))
    assert cam.vendor_state()["com_out"] == ["PING 1"]
    with pytest.raises(InvalidValue):
        await client.call(calls.com_send("x" * 300))


# --- reboot and reset ---


async def wait_reachable(camera_client: Client) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 15
    while True:
        try:
            await camera_client.connect()
            return
        except CannotConnect:
            assert loop.time() < deadline, "camera never came back"
            await asyncio.sleep(0.1)


async def test_reboot_makes_camera_unreachable(cam: CgiCamera, client: Client) -> None:
    await client.reboot()
    await wait_for(lambda: cam.reboots == 1)
    with pytest.raises(CannotConnect):
        await client.connect()
    await wait_reachable(client)
    assert cam.reboots == 1


async def test_config_reboot(cam: CgiCamera, client: Client) -> None:
    image = await client.write_group(ImageConfig, frame_rate=5, reboot=True)
    assert image.frame_rate == 5
    await wait_for(lambda: cam.reboots == 1)
    await wait_reachable(client)
    assert (await client.read_group(ImageConfig)).frame_rate == 5


async def test_factory_reset(cam: CgiCamera, client: Client) -> None:
    await client.write_group(SystemConfig, camera_name="Garage")
    await client.pan_tilt(ptz.set_preset(5, 1, 1, "Five"))
    await client.reset(factory=True)
    await wait_for(lambda: cam.reboots == 1)
    await wait_reachable(client)
    assert (await client.read_group(SystemConfig)).camera_name == "DCS-930L"
    assert cam.presets == {}


# --- every configuration group ---


async def test_system_and_datetime(cam: CgiCamera, client: Client) -> None:
    system = await client.read_group(SystemConfig)
    assert system.admin_id == SIM_USERNAME
    assert system.admin_password == SIM_PASSWORD
    changed = await client.write_group(
        SystemConfig, camera_name="Porch", location="Front", led_control=2
    )
    assert (changed.camera_name, changed.location, changed.led_control) == ("Porch", "Front", 2)
    assert changed.admin_password == SIM_PASSWORD  # what was not written stays
    assert (await client.read_group(SystemInfo)).camera_name == "Porch"
    assert (await client.read_settings()).values["led"] is True  # dummy LED is not "off"
    answer = await client.write_group(
        DateTimeConfig,
        date_time_mode=1,
        time_server="time.example.org",
        time_zone=1,
        time_zone_index=32,
        date="2004-09-01",
        time="06:12:35",
    )
    assert answer.date == "2004-09-01"
    assert answer.time_zone == 1
    read = await client.read_group(DateTimeConfig)
    assert (read.date, read.time_server, read.time_zone_index) == (
        "2004-09-01",
        "time.example.org",
        32,
    )
    assert read.time.startswith("06:1")


async def test_network_wireless_ftp_email_motion(cam: CgiCamera, client: Client) -> None:
    net = await client.write_group(
        NetworkConfig, ip_address_mode=1, ip_address="192.168.0.99", second_http_port=81
    )
    assert (net.ip_address_mode, net.ip_address, net.second_http_port) == (1, "192.168.0.99", 81)
    assert (await client.read_group(NetworkInfo)).ip_address == "192.168.0.99"
    wifi = await client.write_group(
        WirelessConfig, ssid="home", wireless_channel=11, wep_encryption=4, pre_shared_key="a" * 10
    )
    assert (wifi.ssid, wifi.wireless_channel, wifi.pre_shared_key) == ("home", 11, "a" * 10)
    assert (await client.read_group(WirelessInfo)).ssid == "home"
    ftp = await client.write_group(
        FtpConfig, host_address="ftp.example.org", port_number=2121, schedule_file_mode=2
    )
    assert (ftp.host_address, ftp.port_number, ftp.schedule_file_mode) == (
        "ftp.example.org",
        2121,
        2,
    )
    assert (await client.read_group(FtpConfig)) == ftp
    mail = await client.write_group(
        EmailConfig, smtp_server="smtp.example.org", receiver_address="me@example.org"
    )
    assert mail.receiver_address == "me@example.org"
    assert (await client.read_group(EmailConfig)) == mail
    motion = await client.write_group(MotionConfig, enable=1, sensitivity=70)
    assert (motion.enable, motion.sensitivity) == (1, 70)
    assert cam.vendor_state()["motion"]["sensitivity"] == 70
    info = await client.read_group(ImageInfo)
    assert info.video_resolution == "320 x 240"
    assert info.frame_rate == "Auto"
    assert int(info.frame_size) > 0
    with pytest.raises(InvalidValue):
        await client.write_group(FtpConfig, port_number=0)
    with pytest.raises(InvalidValue):
        await client.write_group(FtpConfig, no_such_field=1)


async def test_users_and_privileges(cam: CgiCamera, client: Client) -> None:
    users = await client.call(calls.add_user(UserEntry("viewer", "v-pass", 0)))
    users = await client.call(calls.add_user(UserEntry("oper", "o-pass", 1)))
    assert [(u.user_name, u.user_privilege) for u in users] == [("viewer", 0), ("oper", 1)]
    assert [u.user_name for u in await client.call(calls.users())] == ["viewer", "oper"]
    with pytest.raises(InvalidValue):
        await client.call(calls.add_user(UserEntry("oper", "x", 0)))  # exists: 400

    viewer = make_client(cam, username="viewer", password="v-pass")
    assert jpeg_size(await viewer.snapshot()) == (320, 240)
    with pytest.raises(AuthError):
        await viewer.connect()  # configuration is for administrators
    with pytest.raises(AuthError):
        await viewer.pan_tilt(ptz.single_move(ptz.PanTiltMove.UP))
    await viewer.close()

    operator = make_client(cam, username="oper", password="o-pass")
    await operator.pan_tilt(ptz.single_move(ptz.PanTiltMove.LEFT))
    assert cam.pan == 165
    await operator.set_io(trigger1=True)
    assert cam.io["trigger1"] == 1
    await operator.close()

    assert [u.user_name for u in await client.call(calls.delete_user("viewer"))] == ["oper"]
    for index in range(7):
        await client.call(calls.add_user(UserEntry(f"u{index}", "p", 0)))
    with pytest.raises(InvalidValue):
        await client.call(calls.add_user(UserEntry("onemore", "p", 0)))  # the list is full


async def test_access_control_disabled_opens_viewing(cam: CgiCamera, client: Client) -> None:
    anonymous = make_client(cam, username="nobody", password="nothing")
    with pytest.raises(AuthError):
        await anonymous.snapshot()
    access = await client.write_group(UserAccessConfig, access_control_enable=1)
    assert not access.enabled
    assert jpeg_size(await anonymous.snapshot()) == (320, 240)
    with pytest.raises(AuthError):
        await anonymous.read_group(SystemConfig)
    await anonymous.close()


async def test_upper_case_paths_and_jplug_post(cam: CgiCamera, client: Client) -> None:
    """JPLUG's upper-case paths and its CRLF-terminated form body."""
    url = f"http://127.0.0.1:{cam.ports['http']}/IOCONTROL.CGI"
    body = b"Trigger1=1&Trigger2=0&ImageUpload=0&ImageEmail=1\r\n\r\n"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, auth=aiohttp.BasicAuth(SIM_USERNAME, SIM_PASSWORD)) as answer,
    ):
        assert answer.status == 204
    assert cam.io == {"trigger1": 1, "trigger2": 0, "image_upload": 0, "image_email": 1}


async def test_inputs_come_from_a_running_stream_without_requests(start_simulator: Any) -> None:
    """Issue 14: while a stream runs and its digits carry the inputs, an input change reaches
    events() with the next part, and events() makes no request of its own."""
    cam = await start_simulator("cgi", io_order="jplug")  # Input1/2 in iocontrol.cgi too
    client = make_client(cam, io_order="jplug", poll_interval=30.0)
    await client.connect()
    frames: list[VideoFrame] = []
    stream = asyncio.create_task(client.stream_media(frames.append))
    try:
        async with asyncio.timeout(10):
            while len(frames) < 3:
                await asyncio.sleep(0.01)
        async with contextlib.aclosing(client.events()) as events:
            first = [await anext(events), await anext(events)]
            assert [(e.active, e.channel) for e in first] == [(False, 1), (False, 2)]
            before = dict(cam.vendor_state()["requests"])
            await cam.push_event("input", True, 1)
            # Far sooner than the 30 s poll: the next part's digits.
            change = await asyncio.wait_for(anext(events), 5)
            assert (change.active, change.channel) == (True, 1)
            after = cam.vendor_state()["requests"]
            assert after.get("/iocontrol.cgi", 0) == before.get("/iocontrol.cgi", 0)
            assert after.get("/mjpeg.cgi", 0) == before.get("/mjpeg.cgi", 0)
    finally:
        stream.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stream
        await client.close()
