"""Our Foscam client, raw sockets, curl and PyAV against the simulated FI89xx camera."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import shutil
import struct
import subprocess
from collections.abc import AsyncIterator
from typing import Any

import av
import pytest

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.audio.pacing import pcm_chunks
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from custom_components.ipcam.protocols.base import (
    Capability,
    EventKind,
    PresetAction,
    PtzMove,
    SettingKey,
)
from custom_components.ipcam.protocols.discovery import search
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
)
from custom_components.ipcam.protocols.foscam import av as mo_v
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.client import Client, CredentialsTooLong
from custom_components.ipcam.protocols.foscam.decoder import decode_datagram
from custom_components.ipcam.protocols.foscam.framing import encode_packet
from custom_components.ipcam.protocols.foscam.media import jpeg_dimensions
from custom_components.ipcam.protocols.foscam.message import Message, Request
from simulator.foscam import FoscamCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

pytestmark = pytest.mark.usefixtures("socket_enabled")


CAPTURED_ID = "00626E4E72BF"  # the camera of the published captures


@pytest.fixture
async def camera(start_simulator: Any) -> FoscamCamera:
    cam = await start_simulator("foscam", camera_id=CAPTURED_ID)
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
    **options: Any,
) -> Client:
    options.setdefault("timeout", 5.0)
    client = open_client("foscam", "127.0.0.1", camera.ports["http"], username, password, **options)
    assert isinstance(client, Client)
    clients.append(client)
    await client.connect()
    return client


async def wait_for(predicate: Any, seconds: float = 5.0) -> None:
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.02)


# --- login ------------------------------------------------------------------------------------


async def test_login_identity_and_capabilities(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    identity = client.identity
    assert identity.unique_id == "00:62:6e:4e:72:bf"
    assert identity.mac == "00:62:6e:4e:72:bf"
    assert identity.firmware == "11.37.2.56"
    assert identity.name == "cam1"  # alias from get_status.cgi
    assert client.privilege == op.Privilege.ADMINISTRATOR
    assert {
        Capability.SNAPSHOT,
        Capability.VIDEO,
        Capability.EVENTS,
        Capability.AUDIO,
        Capability.TALK,
        Capability.PTZ,
        Capability.PTZ_HOME,
        Capability.PTZ_PRESETS,
        Capability.REBOOT,
        Capability.IR,
    } <= client.capabilities
    assert camera.vendor_state()["active_logins"] == 1
    assert camera.op_requests["ParamsFetchReq"] == 1  # op 16 like the official clients
    assert SIM_PASSWORD not in repr(client.diagnostics())
    assert client.ptz_needs_stop is True


async def test_visitor_gets_fewer_capabilities(start_simulator: Any, clients: list[Client]) -> None:
    camera = await start_simulator("foscam", extra_users={"guest": ("guest", 0)})
    client = await connected(camera, clients, "guest", "guest")
    assert client.privilege == 0
    assert Capability.VIDEO in client.capabilities
    assert not {Capability.PTZ, Capability.TALK, Capability.REBOOT} & client.capabilities


@pytest.mark.parametrize(("username", "password"), [("admin", "wrong"), ("nobody", SIM_PASSWORD)])
async def test_login_refused(
    camera: FoscamCamera, clients: list[Client], username: str, password: str
) -> None:
    with pytest.raises(AuthError):
        await connected(camera, clients, username, password)
    assert camera.auth_failures == 1


async def test_credentials_over_12_characters(camera: FoscamCamera, clients: list[Client]) -> None:
    with pytest.raises(CredentialsTooLong) as info:
        await connected(camera, clients, "admin", "p" * 13)
    assert isinstance(info.value, InvalidValue)
    assert isinstance(info.value, AuthError)
    assert "12" in str(info.value)
    assert "p" * 13 not in str(info.value)
    assert camera.connections_total == 0  # refused before touching the network


async def test_connection_limit_is_device_busy(start_simulator: Any, clients: list[Client]) -> None:
    camera = await start_simulator("foscam", max_connections=1)
    first = await connected(camera, clients)
    with pytest.raises(DeviceBusy):
        await connected(camera, clients)
    assert camera.login_refusals == 1
    await first.close()
    await wait_for(lambda: camera.vendor_state()["active_logins"] == 0)
    await connected(camera, clients)


async def test_cannot_connect(clients: list[Client], socket_enabled: None) -> None:
    client = Client("127.0.0.1", 9, "admin", "", timeout=2)
    clients.append(client)
    with pytest.raises(CannotConnect):
        await client.connect()


# --- raw protocol quirks ----------------------------------------------------------------------


class Raw:
    """A bare MO_O/MO_V socket for checking the simulator's bytes."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, camera: FoscamCamera) -> Raw:
        reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["http"])
        return cls(reader, writer)

    async def send(self, message: Request) -> None:
        self.writer.write(message.encode())
        await self.writer.drain()

    async def read_raw(self) -> bytes:
        async with asyncio.timeout(5):
            head = await self.reader.readexactly(23)
            length, copy = struct.unpack_from("<II", head, 15)
            assert length == copy  # the length is repeated at offset 19
            return head + await self.reader.readexactly(length)

    async def read(self) -> Message:
        return decode_datagram(await self.read_raw())

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


async def test_raw_login_sequence_and_quirks(camera: FoscamCamera) -> None:
    raw = await Raw.open(camera)
    try:
        await raw.send(op.LoginReq())
        login_bytes = await raw.read_raw()
        assert login_bytes[23 + 15 : 23 + 19] == b"\x00\x00\x00\x01"
        assert login_bytes[23 + 23 : 23 + 27] == bytes((11, 37, 2, 56))
        login = decode_datagram(login_bytes)
        assert isinstance(login, op.LoginResp)
        assert login.camera_id == "00626E4E72BF"
        await raw.send(op.VerifyReq(SIM_USERNAME, SIM_PASSWORD))
        verify_bytes = await raw.read_raw()
        assert len(verify_bytes) == 23 + 3
        assert decode_datagram(verify_bytes) == op.VerifyResp(0, 2)
        assert await raw.read_raw() == encode_packet(b"MO_O", 28, bytes(1152))
        await raw.send(op.ParamsFetchReq())
        assert await raw.read() == op.ParamsFetchResp(bytes((32, 163, 0, 2, 2, 0, 0, 0)))
        await raw.send(op.VideoStartReq(1))
        start = await raw.read()
        assert isinstance(start, op.VideoStartResp)
        assert start.result == 0
        assert start.connection_id is not None
        # the id is repeated while no A/V socket is attached ...
        await raw.send(op.AudioStartReq(2))
        again = await raw.read()
        assert isinstance(again, op.AudioStartResp)
        assert again.connection_id == start.connection_id
        # ... a wrong id is dropped without a reply ...
        bad = await Raw.open(camera)
        await bad.send(mo_v.AvLoginReq(start.connection_id ^ 1))
        async with asyncio.timeout(5):
            assert await bad.reader.read() == b""
        await bad.close()
        # ... the right one gets no reply either, just data
        av_socket = await Raw.open(camera)
        await av_socket.send(mo_v.AvLoginReq(start.connection_id))
        seen: dict[type, Message] = {}
        while len(seen) < 2:
            message = await av_socket.read()
            seen[type(message)] = message
        assert set(seen) == {mo_v.VideoData, mo_v.AudioData}
        audio = seen[mo_v.AudioData]
        assert isinstance(audio, mo_v.AudioData)
        assert len(audio.data) == 160
        assert audio.serial > 1000  # counts from "boot", not from zero
        second = await av_socket.read()
        while not isinstance(second, mo_v.AudioData):
            second = await av_socket.read()
        assert second.serial == audio.serial + 1
        assert second.tick - audio.tick == 4  # 40 ms in 10 ms ticks
        # now that the A/V socket exists, the id is no longer sent
        await raw.send(op.TalkStartReq(1))
        talk = await raw.read()
        assert talk == op.TalkStartResp(0, None)
        await wait_for(lambda: camera.talk_sessions == 1)
        await av_socket.close()
    finally:
        await raw.close()


async def test_raw_refusals(start_simulator: Any) -> None:
    camera = await start_simulator("foscam", max_connections=1)
    first = await Raw.open(camera)
    second = await Raw.open(camera)
    try:
        await first.send(op.LoginReq())
        assert isinstance(await first.read(), op.LoginResp)
        await second.send(op.LoginReq())
        refused = await second.read_raw()
        assert refused == encode_packet(b"MO_O", 1, b"\x02\x00")  # result only
        await first.send(op.VerifyReq(SIM_USERNAME, "wrong"))
        failure = await first.read_raw()
        assert failure == encode_packet(b"MO_O", 3, b"\x05\x00")  # 2 bytes, no privilege
    finally:
        await first.close()
        await second.close()


async def test_only_one_talker(camera: FoscamCamera, clients: list[Client]) -> None:
    one = await connected(camera, clients)
    two = await connected(camera, clients)
    silence = bytes(8000 * 2)

    async def slow_pcm() -> AsyncIterator[bytes]:
        yield silence[:3200]
        await asyncio.sleep(5)
        yield silence[:3200]

    talking = asyncio.create_task(one.talk(slow_pcm()))
    await wait_for(lambda: camera.vendor_state()["talking"])
    with pytest.raises(DeviceBusy):
        await two.talk(pcm_chunks(silence))
    talking.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await talking
    # Talk_End is sent on cancellation too
    await wait_for(lambda: not camera.vendor_state()["talking"])
    assert camera.op_requests["TalkEnd"] == 1


# --- media ------------------------------------------------------------------------------------


async def test_video_frames_decode_as_jpeg_with_pyav(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    frames = []
    async for frame in client.video():
        frames.append(frame)
        if len(frames) == 6:
            break
    codec = av.CodecContext.create("mjpeg", "r")
    for frame in frames:
        assert frame.codec == "jpeg"
        assert (frame.width, frame.height) == (640, 480)
        decoded = codec.decode(av.Packet(frame.data))
        assert decoded
        assert (decoded[0].width, decoded[0].height) == (640, 480)
    # every other frame is camera style: SOF0 first, no JFIF, still decodable
    assert any(frame.data[2:4] == b"\xff\xc0" for frame in frames)
    assert frames[-1].timestamp > frames[0].timestamp
    assert len({frame.data for frame in frames}) > 1
    await wait_for(lambda: camera.op_requests.get("VideoEnd") == 1)
    await wait_for(lambda: camera.vendor_state()["av_connections"] == 0)


async def test_video_single_consumer_and_snapshot_from_stream(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    stream = client.video()
    first = await anext(stream)
    with pytest.raises(DeviceBusy):
        await anext(client.video())
    snapshot = await client.snapshot()
    assert snapshot[:2] == b"\xff\xd8"
    assert "snapshot.cgi" not in camera.cgi_requests  # served from the MO_V stream
    assert first.data[:2] == b"\xff\xd8"
    await stream.aclose()
    snapshot = await client.snapshot()
    assert camera.cgi_requests["snapshot.cgi"] == 1
    assert jpeg_dimensions(snapshot) == (640, 480)


async def test_audio_tone(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    pcm = bytearray()
    async for chunk in client.audio():
        assert chunk.sample_rate == 8000
        assert len(chunk.pcm) == 640  # 40 ms
        pcm.extend(chunk.pcm)
        if len(pcm) >= 16000:
            break
    assert abs(dominant_frequency(bytes(pcm)) - 1000) <= 3


async def test_video_and_audio_share_one_av_socket(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    video = client.video()
    audio = client.audio()
    await anext(video)
    await anext(audio)
    assert camera.vendor_state()["av_connections"] == 1
    assert client.diagnostics()["av_connections"] == 1
    await audio.aclose()
    await anext(video)
    await video.aclose()


async def test_talk_tone_arrives(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    seconds = await client.talk(pcm_chunks(tone_pcm(440, 1.0)))
    assert seconds == pytest.approx(1.0, abs=0.05)
    await wait_for(lambda: camera.vendor_state()["talking"] is False)
    stats = camera.talk_statistics()
    assert stats["sessions"] == 1
    assert abs(stats["dominant_hz"] - 440) <= 5
    assert stats["seconds"] == pytest.approx(1.0, rel=0.1)
    assert camera.op_requests["TalkStartReq"] == 1
    assert camera.op_requests["TalkEnd"] == 1


# --- events and control ------------------------------------------------------------------------


async def test_alarms_become_events(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    events = client.events()
    try:
        for kind, expected in (
            ("motion", EventKind.MOTION),
            ("input", EventKind.INPUT),
            ("sound", EventKind.SOUND),
        ):
            await camera.push_event(kind, True, 0)
            event = await asyncio.wait_for(anext(events), 5)
            assert (event.kind, event.active) == (expected, True)
            await camera.push_event(kind, False, 0)
            event = await asyncio.wait_for(anext(events), 5)
            assert (event.kind, event.active) == (expected, False)
    finally:
        await events.aclose()


async def test_unknown_event_kind_is_rejected(camera: FoscamCamera) -> None:
    from simulator.base import FaultError

    with pytest.raises(FaultError):
        await camera.push_event("tamper", True, 0)


async def test_ptz_ir_presets_change_the_camera(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    await client.ptz(PtzMove.LEFT)
    state = camera.vendor_state()["ptz"]
    assert state["moving"] == "left"
    assert state["pan"] < 0
    assert state["last_command"] == 6  # documented "right" moves left on real cameras
    await client.ptz(PtzMove.STOP)
    assert camera.vendor_state()["ptz"]["moving"] is None
    assert camera.vendor_state()["ptz"]["last_command"] == 7
    await client.ptz(PtzMove.RIGHT)
    await client.ptz(PtzMove.RIGHT)
    await client.ptz(PtzMove.UP)
    state = camera.vendor_state()["ptz"]
    assert (state["pan"], state["tilt"]) == (10, 10)
    await client.ptz_preset(PresetAction.SET, 3)
    await client.ptz(PtzMove.HOME)
    assert (camera.pan, camera.tilt) == (0, 0)
    await client.ptz_preset(PresetAction.GOTO, 3)
    assert (camera.pan, camera.tilt) == (10, 10)
    assert camera.vendor_state()["presets"] == {"3": [10, 10]}
    await client.write_setting(SettingKey.IR, False)
    assert camera.ir is False
    await client.write_setting(SettingKey.IR, True)
    assert camera.ir is True
    settings = await client.read_settings()
    assert settings.values[SettingKey.IR] is True
    assert settings.values[SettingKey.RESOLUTION] == "640x480"
    await client.write_setting(SettingKey.RESOLUTION, "320x240")
    assert camera.vendor_state()["resolution"] == "320x240"
    assert (await client.read_settings()).values[SettingKey.RESOLUTION] == "320x240"
    with pytest.raises(InvalidValue):
        await client.write_setting(SettingKey.RESOLUTION, "1920x1080")
    # Basic auth only: no password in any URL
    assert camera.cgi_auth_methods["query"] == 0
    assert camera.cgi_auth_methods["basic"] >= 10


async def test_reboot_ends_events_then_reconnect(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)
    events = client.events()
    await client.reboot()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(events), 5)
    assert camera.reboots == 1
    with pytest.raises(CannotConnect):
        await client.connect()  # still rebooting
    await wait_for(lambda: camera.reachable, 5)
    await client.connect()
    assert client.identity.unique_id == "00:62:6e:4e:72:bf"


async def test_reconnect_after_drop_fault(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    events = client.events()
    video = client.video()
    await anext(video)
    await camera.inject_fault("drop", 0)
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(events), 5)
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(video), 5)
    await client.connect()
    frame = await anext(client.video())
    assert frame.width == 640
    events = client.events()
    await camera.push_event("motion", True, 0)
    assert (await asyncio.wait_for(anext(events), 5)).kind is EventKind.MOTION
    await events.aclose()


async def test_stall_times_out_as_cannot_connect(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients, timeout=0.5)
    await camera.inject_fault("stall", 2)
    with pytest.raises(CannotConnect):
        await anext(client.video())
    with pytest.raises(CannotConnect):
        await client.connect()  # the login itself times out


async def test_keepalives_both_ways(start_simulator: Any, clients: list[Client]) -> None:
    camera = await start_simulator("foscam", keepalive_interval=0.1, idle_timeout=1.0)
    client = await connected(camera, clients, keepalive_interval=0.1)
    # Fifteen keep-alives each way (1.5 s and more): longer than the camera's idle timeout.
    await wait_for(
        lambda: camera.keepalives_received >= 15 and client.diagnostics()["keepalives"] >= 15, 20
    )
    assert client.diagnostics()["connected"] is True


async def test_silent_client_is_dropped(start_simulator: Any, clients: list[Client]) -> None:
    camera = await start_simulator("foscam", idle_timeout=0.3)
    client = await connected(camera, clients, keepalive_interval=60)
    events = client.events()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(events), 5)


async def test_discovery(camera: FoscamCamera) -> None:
    found = await search([("127.0.0.1", camera.ports["search"])], seconds=0.3)
    assert len(found) == 1
    assert found[0].serial == "00626E4E72BF"
    assert found[0].port == camera.ports["http"]
    assert found[0].unique_id == "00:62:6e:4e:72:bf"


# --- third party: curl -------------------------------------------------------------------------

CURL = shutil.which("curl")


async def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert CURL is not None
    return await asyncio.to_thread(
        subprocess.run, [CURL, "-s", "--max-time", "5", *args], capture_output=True, check=False
    )


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_curl_cgis(camera: FoscamCamera) -> None:
    base = f"http://127.0.0.1:{camera.ports['http']}"
    result = await curl("-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base}/snapshot.cgi")
    assert result.stdout[:2] == b"\xff\xd8"
    decoded = av.CodecContext.create("mjpeg", "r").decode(av.Packet(result.stdout))
    assert (decoded[0].width, decoded[0].height) == (640, 480)
    result = await curl(f"{base}/get_status.cgi?user={SIM_USERNAME}&pwd={SIM_PASSWORD}")
    assert b"var id='00626E4E72BF';" in result.stdout
    assert b"var alarm_status=0;" in result.stdout
    await camera.push_event("input", True, 0)
    client = Client("127.0.0.1", camera.ports["http"], SIM_USERNAME, SIM_PASSWORD, timeout=5)
    try:
        assert await client.alarm_status() is EventKind.INPUT  # CGI only, no login needed
    finally:
        await client.close()
    result = await curl("-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base}/get_status.cgi")
    assert b"var alarm_status=2;" in result.stdout
    result = await curl(
        "-o", "/dev/null", "-w", "%{http_code}", f"{base}/decoder_control.cgi?command=4"
    )
    assert result.stdout == b"401"
    result = await curl(
        "-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base}/decoder_control.cgi?command=4"
    )
    assert result.stdout.startswith(b"ok")
    assert camera.vendor_state()["ptz"]["moving"] == "right"
    result = await curl(
        "-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base}/camera_control.cgi?param=0&value=8"
    )
    assert camera.vendor_state()["resolution"] == "320x240"
    result = await curl("-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base}/get_camera_params.cgi")
    assert b"var resolution=8;" in result.stdout
    result = await curl(
        "-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", "-D", "-", "--max-time", "1",
        f"{base}/videostream.cgi?resolution=32&rate=0",
    )  # fmt: skip
    assert b"multipart/x-mixed-replace" in result.stdout
    assert result.stdout.count(b"Content-Type: image/jpeg") >= 2


async def test_query_credentials_fallback(
    start_simulator: Any, clients: list[Client], caplog: pytest.LogCaptureFixture
) -> None:
    """A camera that refuses Basic auth still works with user=/pwd= (never logged)."""
    import logging

    caplog.set_level(logging.DEBUG)
    camera = await start_simulator("foscam", cgi_auth="query")
    client = await connected(camera, clients)
    await client.ptz(PtzMove.DOWN)
    assert camera.tilt == -10
    assert camera.cgi_auth_methods["query"] >= 1
    assert camera.cgi_auth_methods["basic"] == 0
    assert client.diagnostics()["cgi_query_auth"] is True
    await client.reboot()
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(anext(client.events()), 5)
    assert "camera needs query-string credentials" in caplog.text
    assert SIM_PASSWORD not in caplog.text
    header = "Basic " + base64.b64encode(f"{SIM_USERNAME}:{SIM_PASSWORD}".encode()).decode()
    assert camera._cgi_server._http_privilege({"authorization": header}, {}) is None


async def test_each_still_costs_one_login_once_the_method_is_known(
    start_simulator: Any, clients: list[Client]
) -> None:
    """Basic is tried once; afterwards every still goes straight to query credentials."""
    camera = await start_simulator("foscam", cgi_auth="query")
    # get_status.cgi: Basic refused, then the query; get_params.cgi: the query at once.
    client = await connected(camera, clients)
    before = sum(camera.cgi_requests.values())
    for _ in range(5):
        assert (await client.snapshot())[:2] == b"\xff\xd8"
    assert sum(camera.cgi_requests.values()) - before == 5
    assert camera.cgi_auth_methods["query"] == 7
    assert camera.state()["rejected_logins"] == 0  # a refused Basic costs this firmware none


async def test_a_refused_known_method_costs_one_login(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients)  # Basic works and is remembered
    camera.users[SIM_USERNAME] = ("changed", 2)
    failures = camera.auth_failures
    with pytest.raises(AuthError):
        await client.snapshot()
    assert camera.auth_failures == failures + 1  # not Basic, then the query too


async def test_stale_video_generator_does_not_disturb_a_new_connection(
    camera: FoscamCamera, clients: list[Client]
) -> None:
    client = await connected(camera, clients, timeout=2.0)
    old = client.video()
    await anext(old)
    await client.connect()  # e.g. the coordinator reconnects while a viewer lingers
    new = client.video()
    await anext(new)
    await old.aclose()
    frame = await anext(new)
    assert frame.data[:2] == b"\xff\xd8"
    await new.aclose()


async def test_close_then_connect_again(camera: FoscamCamera, clients: list[Client]) -> None:
    client = await connected(camera, clients)
    await client.close()
    await client.close()  # idempotent
    with pytest.raises(CannotConnect):
        await anext(client.events())
    await client.connect()
    assert (await anext(client.video())).width == 640
    await wait_for(lambda: camera.vendor_state()["active_logins"] == 1)


async def test_visitor_talk_is_refused_by_privilege(
    start_simulator: Any, clients: list[Client]
) -> None:
    from custom_components.ipcam.protocols.errors import NotSupported

    camera = await start_simulator("foscam", extra_users={"guest": ("guest", 0)})
    client = await connected(camera, clients, "guest", "guest")
    with pytest.raises(NotSupported, match="privilege"):
        await client.talk(pcm_chunks(bytes(3200)))
    assert camera.talk_sessions == 0
    assert "TalkEnd" not in camera.op_requests


async def test_pyav_plays_videostream_cgi(camera: FoscamCamera) -> None:
    """ffmpeg's mpjpeg demuxer (through PyAV) reads the MJPEG CGI with Basic auth."""
    url = (
        f"http://{SIM_USERNAME}:{SIM_PASSWORD}@127.0.0.1:{camera.ports['http']}"
        "/videostream.cgi?resolution=32&rate=0"
    )

    def read_frames() -> list[tuple[int, int]]:
        sizes = []
        container = av.open(url, format="mpjpeg", timeout=5)
        try:
            for frame in container.decode(video=0):
                sizes.append((frame.width, frame.height))
                if len(sizes) == 3:
                    break
        finally:
            container.close()
        return sizes

    assert await asyncio.to_thread(read_frames) == [(640, 480)] * 3
    assert camera.cgi_auth_methods["basic"] == 1  # ffmpeg retried with Basic after a 401


# --- liveness (issue 13) -------------------------------------------------------------------


async def test_dropped_connection_leaves_no_unretrieved_task_exception(
    camera: FoscamCamera, clients: list[Client], caplog: pytest.LogCaptureFixture
) -> None:
    """The keep-alive used to run as a task whose send raised after a drop."""
    import gc

    client = await connected(camera, clients, keepalive_interval=0.1)
    await camera.inject_fault("drop", 0)
    await asyncio.sleep(0.5)  # several keep-alives fall due after the drop
    gc.collect()
    await asyncio.sleep(0)
    assert "never retrieved" not in caplog.text
    assert client.diagnostics()["connected"] is False


async def test_stalled_camera_is_noticed_within_about_two_keepalive_intervals(
    start_simulator: Any, clients: list[Client]
) -> None:
    camera = await start_simulator("foscam", keepalive_interval=60)
    client = await connected(camera, clients, keepalive_interval=0.4)
    events = client.events()
    await camera.inject_fault("stall", 3)
    # Noticed before the stall ends (the bound itself, 2.5 intervals, is the session's,
    # tested with its own clock: test_session.py).
    with pytest.raises(CannotConnect, match="nothing from the camera"):
        await asyncio.wait_for(anext(events), 5)


async def test_quiet_camera_that_answers_stays_connected(
    start_simulator: Any, clients: list[Client]
) -> None:
    """The camera sends nothing of its own (no keep-alive, no alarm) but answers probes."""
    camera = await start_simulator("foscam", keepalive_interval=60)
    client = await connected(camera, clients, keepalive_interval=0.2)
    loop = asyncio.get_running_loop()
    since = loop.time()
    # More than three times the dead-after bound (0.4 s), and four probes answered.
    await wait_for(
        lambda: loop.time() - since > 1.5 and camera.op_requests.get("ParamsFetchReq", 0) >= 4,
        20,
    )
    diagnostics = client.diagnostics()
    assert diagnostics["connected"] is True
    assert isinstance(diagnostics["probes"], int) and diagnostics["probes"] >= 4
    assert camera.op_requests.get("ParamsFetchReq", 0) >= 4
