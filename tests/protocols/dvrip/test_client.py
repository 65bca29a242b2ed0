"""Our DVRIP client against the simulated XM camera, over real sockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import av
import pytest

from custom_components.ipcam.protocols import base, open_client
from custom_components.ipcam.protocols.audio.pacing import pcm_chunks
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from custom_components.ipcam.protocols.base import (
    Capability,
    EventKind,
    PresetAction,
    PtzMove,
    SettingKey,
    StreamSource,
    VideoFrame,
)
from custom_components.ipcam.protocols.dvrip import media, wire
from custom_components.ipcam.protocols.dvrip.client import Client
from custom_components.ipcam.protocols.dvrip.discovery import decode_ip_hex
from custom_components.ipcam.protocols.errors import (
    AccountLocked,
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from simulator.dvrip import DvripCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME
from tests.protocols.dvrip import seed

Start = Callable[..., Awaitable[Any]]


async def _camera(start_simulator: Start, **kwargs: Any) -> DvripCamera:
    camera = await start_simulator("dvrip", **kwargs)
    assert isinstance(camera, DvripCamera)
    return camera


def _client(camera: DvripCamera, password: str = SIM_PASSWORD, **options: Any) -> Client:
    options.setdefault("timeout", 5.0)
    return Client("127.0.0.1", camera.ports["dvrip"], SIM_USERNAME, password, **options)


async def _until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def _decoded_video(
    client: Client, decoder_name: str, count: int
) -> tuple[list[Any], list[Any]]:
    """The first ``count`` frames of ``video()`` and what PyAV's ``decoder_name`` made of them."""
    decoder: Any = av.CodecContext.create(decoder_name, "r")
    decoded: list[Any] = []
    frames: list[Any] = []
    video = client.video()
    try:
        async for frame in video:
            frames.append(frame)
            decoded += decoder.decode(av.Packet(frame.data))
            if len(frames) >= count:
                break
    finally:
        await video.aclose()
    return frames, decoded


@pytest.fixture
async def camera(start_simulator: Start) -> DvripCamera:
    return await _camera(start_simulator)


@pytest.fixture
async def client(camera: DvripCamera) -> AsyncIterator[Client]:
    client = _client(camera)
    await client.connect()
    yield client
    await client.close()


# --- the simulator answers like the capture ------------------------------------------------------


async def test_simulator_replays_the_capture_byte_for_byte(start_simulator: Start) -> None:
    camera = await _camera(start_simulator, password="", serial=seed.SERIAL)
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    try:
        exchanges = [
            (seed.LOGIN_REQUEST, seed.LOGIN_REPLY),
            (seed.SYSINFO_REQUEST, seed.SYSINFO_REPLY),
            (seed.KEEPALIVE_REQUEST, seed.KEEPALIVE_REPLY),
            (seed.ALARMOUT_ON_REQUEST, seed.ALARMOUT_SET_REPLY),
        ]
        for request, reply in exchanges:
            writer.write(request)
            assert await asyncio.wait_for(reader.readexactly(len(reply)), 5) == reply
        assert camera.vendor_state()["settings"]["alarm_out"] == [True]
        # The OFF request has sequence 2: the reply echoes it.
        writer.write(seed.ALARMOUT_OFF_REQUEST)
        off_reply = seed.ALARMOUT_SET_REPLY[:8] + b"\x02" + seed.ALARMOUT_SET_REPLY[9:]
        assert await asyncio.wait_for(reader.readexactly(len(off_reply)), 5) == off_reply
        assert camera.vendor_state()["settings"]["alarm_out"] == [False]
        # Guard (not in the capture as a request) gets the captured 1501 reply.
        guard = seed.UNGUARD_REQUEST[:14] + b"\xdc\x05" + seed.UNGUARD_REQUEST[16:]
        writer.write(guard)
        assert await asyncio.wait_for(reader.readexactly(78), 5) == seed.GUARD_REPLY
        # Unguard: no reply (like the capture); the next keep-alive is answered first.
        writer.write(seed.UNGUARD_REQUEST + seed.KEEPALIVE_REQUEST)
        assert await asyncio.wait_for(reader.readexactly(87), 5) == seed.KEEPALIVE_REPLY
    finally:
        writer.close()
        await writer.wait_closed()


# --- login ---------------------------------------------------------------------------------------


async def test_connect_identity_and_capabilities(client: Client, camera: DvripCamera) -> None:
    identity = client.identity
    assert identity.unique_id == camera.serial
    assert identity.serial == camera.serial
    assert identity.model == "HI3516D_83H50N"
    assert identity.firmware == "V4.03.R12.G7914927.12012.145902.0020000"
    assert identity.name
    assert client.device_type == "IPC"
    assert client.channel_count == 1
    assert {
        Capability.SNAPSHOT,
        Capability.VIDEO,
        Capability.EVENTS,
        Capability.PTZ,
        Capability.PTZ_PRESETS,
        Capability.PTZ_ZOOM,
        Capability.REBOOT,
        Capability.ALARM_OUT,
        Capability.RESOLUTION,
        Capability.FRAME_RATE,
        Capability.TALK,
        Capability.AUDIO,
    } <= client.capabilities
    assert Capability.ALARM_OUT_2 not in client.capabilities
    diagnostics = client.diagnostics()
    assert diagnostics["channel_count"] == 1
    assert SIM_PASSWORD not in repr(diagnostics)
    assert SIM_PASSWORD not in repr(client)


async def test_open_client_builds_the_dvrip_client(camera: DvripCamera) -> None:
    client = open_client("dvrip", "127.0.0.1", camera.ports["dvrip"], SIM_USERNAME, SIM_PASSWORD)
    assert isinstance(client, Client)
    try:
        await client.connect()
        assert client.identity.serial == camera.serial
    finally:
        await client.close()


async def test_wrong_password_then_lockout(start_simulator: Start) -> None:
    camera = await _camera(start_simulator, lockout_after=3)
    for _ in range(2):
        bad = _client(camera, password="wrong")
        with pytest.raises(AuthError) as info:
            await bad.connect()
        assert not isinstance(info.value, AccountLocked)
        assert "wrong" not in str(info.value)
        await bad.close()
    third = _client(camera, password="wrong")
    with pytest.raises(AccountLocked):
        await third.connect()
    await third.close()
    # Locked: even the right password is refused now.
    good = _client(camera)
    with pytest.raises(AccountLocked):
        await good.connect()
    await good.close()
    assert camera.vendor_state()["locked"] is True


async def test_cannot_connect(camera: DvripCamera) -> None:
    await camera.inject_fault("refuse", 30)
    client = _client(camera, timeout=2.0)
    with pytest.raises(CannotConnect):
        await client.connect()
    await client.close()


async def test_keepalive_at_the_device_interval(start_simulator: Start) -> None:
    camera = await _camera(start_simulator, alive_interval=1)
    client = _client(camera)
    try:
        await client.connect()
        await _until(lambda: camera.keepalives >= 2, timeout=6)
        assert client.diagnostics()["alive_interval"] == 1
        assert client.diagnostics()["connected"] is True
    finally:
        await client.close()


# --- events --------------------------------------------------------------------------------------


async def test_events(client: Client, camera: DvripCamera) -> None:
    events = client.events()
    pushes = [
        ("motion", True, EventKind.MOTION, "VideoMotion"),
        ("motion", False, EventKind.MOTION, "VideoMotion"),
        ("human", True, EventKind.HUMAN, "HumanDetect"),
        ("human_app", True, EventKind.HUMAN, "appEventHumanDetectAlarm"),
        ("input", True, EventKind.INPUT, "LocalAlarm"),
        ("video_loss", True, EventKind.VIDEO_LOSS, "VideoLoss"),
        ("tamper", True, EventKind.TAMPER, "VideoBlind"),
        ("storage", True, EventKind.STORAGE, "StorageFailure"),
        ("raw:CrossLineDetection", True, EventKind.OTHER, "CrossLineDetection"),
    ]
    try:
        first = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        for kind, active, _expected, _raw in pushes:
            await camera.push_event(kind, active, 0)
        received = [await asyncio.wait_for(first, 5)]
        for _ in pushes[1:]:
            received.append(await asyncio.wait_for(anext(events), 5))
    finally:
        await events.aclose()
    assert [(e.kind, e.active, e.raw, e.channel) for e in received] == [
        (expected, active, raw, 0) for _kind, active, expected, raw in pushes
    ]


async def test_unknown_event_kind_is_refused(camera: DvripCamera) -> None:
    from simulator.base import FaultError

    with pytest.raises(FaultError):
        await camera.push_event("earthquake", True, 0)
    with pytest.raises(FaultError):
        await camera.push_event("motion", True, 1)


async def test_events_end_with_cannot_connect_when_dropped(
    client: Client, camera: DvripCamera
) -> None:
    events = client.events()
    try:
        pending = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        camera.drop_connections()
        with pytest.raises(CannotConnect):
            await asyncio.wait_for(pending, 5)
    finally:
        await events.aclose()


async def test_reconnect_after_drop(client: Client, camera: DvripCamera) -> None:
    await client.write_setting(SettingKey.ALARM_OUT, True)
    await camera.inject_fault("drop", 0)
    await _until(lambda: client.diagnostics()["connected"] is False)
    # The control connection is rebuilt (new login) on the next command.
    settings = await client.read_settings()
    assert settings.values[SettingKey.ALARM_OUT] is True
    # Events also work again after a drop.
    events = client.events()
    try:
        pending = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        await camera.push_event("input", True, 0)
        event = await asyncio.wait_for(pending, 5)
        assert event.kind == EventKind.INPUT
    finally:
        await events.aclose()


# --- multi-channel -------------------------------------------------------------------------------


async def test_multi_channel_device(start_simulator: Start) -> None:
    camera = await _camera(start_simulator, channels=4)
    client = _client(camera, channel=2)
    try:
        await client.connect()
        assert client.channel_count == 4
        assert client.diagnostics()["channel_count"] == 4
        assert client.device_type == "NVR"
        events = client.events()
        try:
            pending = asyncio.ensure_future(anext(events))
            await _until(lambda: camera.vendor_state()["guarded"] == 1)
            await camera.push_event("motion", True, 3)
            event = await asyncio.wait_for(pending, 5)
            assert (event.kind, event.channel) == (EventKind.MOTION, 3)
        finally:
            await events.aclose()
        await client.ptz(PtzMove.RIGHT)
        await client.ptz(PtzMove.STOP)
        state = camera.vendor_state()["ptz"]
        assert state[2]["pan"] > 0
        assert state[0]["pan"] == 0
    finally:
        await client.close()
    missing = _client(camera, channel=7)
    with pytest.raises(InvalidValue):
        await missing.connect()
    await missing.close()


# --- PTZ -----------------------------------------------------------------------------------------


async def test_ptz_start_stop_and_presets(client: Client, camera: DvripCamera) -> None:
    await client.ptz(PtzMove.LEFT, speed=8)
    state = camera.vendor_state()["ptz"][0]
    assert state["moving"] == "DirectionLeft"
    await asyncio.sleep(0.1)
    await client.ptz(PtzMove.STOP)
    state = camera.vendor_state()["ptz"][0]
    assert state["moving"] is None
    assert state["pan"] < 0
    commands = camera.vendor_state()["ptz_commands"]
    # Stop is the same command with Preset -1; start used Preset 65535.
    assert commands[-2:] == [
        {"command": "DirectionLeft", "channel": 0, "preset": 65535},
        {"command": "DirectionLeft", "channel": 0, "preset": -1},
    ]
    await client.ptz_preset(PresetAction.SET, 4)
    await client.ptz(PtzMove.UP)
    await asyncio.sleep(0.05)
    await client.ptz(PtzMove.STOP)
    assert camera.vendor_state()["ptz"][0]["tilt"] > 0
    await client.ptz_preset(PresetAction.GOTO, 4)
    state = camera.vendor_state()["ptz"][0]
    assert state["tilt"] == 0
    assert "4" in state["presets"]
    await client.ptz_preset(PresetAction.CLEAR, 4)
    assert "4" not in camera.vendor_state()["ptz"][0]["presets"]
    await client.ptz(PtzMove.ZOOM_IN)
    await asyncio.sleep(0.05)
    await client.ptz(PtzMove.STOP)
    assert camera.vendor_state()["ptz"][0]["zoom"] > 1
    with pytest.raises(InvalidValue):
        await client.ptz_preset(PresetAction.GOTO, 0)


async def test_ptz_without_replies(start_simulator: Start) -> None:
    camera = await _camera(start_simulator, ptz_reply=False)
    client = _client(camera, timeout=1.0)
    try:
        await client.connect()
        await client.ptz(PtzMove.DOWN)
        await client.ptz(PtzMove.STOP)
        assert camera.vendor_state()["ptz"][0]["tilt"] < 0
        # The connection is still usable.
        assert (await client.read_settings()).values[SettingKey.ALARM_OUT] is False
    finally:
        await client.close()


# --- settings ------------------------------------------------------------------------------------


async def test_alarm_out(client: Client, camera: DvripCamera) -> None:
    assert (await client.read_settings()).values[SettingKey.ALARM_OUT] is False
    await client.write_setting(SettingKey.ALARM_OUT, True)
    assert camera.vendor_state()["settings"]["alarm_out_raw"] == [
        {"AlarmOutStatus": "OPEN", "AlarmOutType": "MANUAL"}
    ]
    assert (await client.read_settings()).values[SettingKey.ALARM_OUT] is True
    await client.write_setting(SettingKey.ALARM_OUT, False)
    assert camera.vendor_state()["settings"]["alarm_out"] == [False]


async def test_resolution_and_frame_rate(client: Client, camera: DvripCamera) -> None:
    settings = await client.read_settings()
    assert settings.values[SettingKey.RESOLUTION] == "640x480"
    assert "320x240" in settings.options[SettingKey.RESOLUTION]
    assert "1920x1080" in settings.options[SettingKey.RESOLUTION]
    await client.write_setting(SettingKey.RESOLUTION, "320x240")
    await client.write_setting(SettingKey.FRAME_RATE, "10")
    encode = camera.vendor_state()["settings"]["encode"][0]
    assert (encode["resolution"], encode["size"], encode["fps"]) == ("QVGA", [320, 240], 10)
    settings = await client.read_settings()
    assert settings.values[SettingKey.RESOLUTION] == "320x240"
    assert settings.values[SettingKey.FRAME_RATE] == "10"
    with pytest.raises(InvalidValue):
        await client.write_setting(SettingKey.RESOLUTION, "1234x567")
    with pytest.raises(InvalidValue):
        await client.write_setting(SettingKey.FRAME_RATE, "0")


async def test_the_white_light_is_a_mode(client: Client, camera: DvripCamera) -> None:
    assert Capability.LED not in client.capabilities  # issue 13: it is the floodlight
    settings = await client.read_settings()
    assert settings.values[SettingKey.WHITE_LIGHT] == "auto"
    assert settings.options[SettingKey.WHITE_LIGHT] == ("auto", "on", "off", "smart")
    before = camera.vendor_state()["settings"]["white_light_raw"]
    await client.write_setting(SettingKey.WHITE_LIGHT, "on")
    after = camera.vendor_state()["settings"]["white_light_raw"]
    assert after == {**before, "WorkMode": "KeepOpen"}  # every other field as it was
    assert (await client.read_settings()).values[SettingKey.WHITE_LIGHT] == "on"
    with pytest.raises(InvalidValue):
        await client.write_setting(SettingKey.WHITE_LIGHT, "disco")
    with pytest.raises(NotSupported):
        await client.write_setting(SettingKey.LED, True)
    assert camera.vendor_state()["settings"]["white_light"] == "KeepOpen"
    # A mode the camera has of its own is shown (and kept when chosen again).
    camera.config["Camera"]["WhiteLight"]["WorkMode"] = "Timing"
    settings = await client.read_settings()
    assert settings.values[SettingKey.WHITE_LIGHT] == "schedule"
    assert settings.options[SettingKey.WHITE_LIGHT] == ("auto", "on", "off", "smart", "schedule")
    await client.write_setting(SettingKey.WHITE_LIGHT, "schedule")
    assert camera.vendor_state()["settings"]["white_light"] == "Timing"


async def test_detectors_and_inputs_are_armed_and_read_back(
    client: Client, camera: DvripCamera
) -> None:
    arming = (SettingKey.MOTION_ARMED, SettingKey.HUMAN_ARMED, SettingKey.INPUT_ARMED)
    assert {
        Capability.MOTION_ARMING,
        Capability.HUMAN_ARMING,
        Capability.INPUT_ARMING,
    } <= client.capabilities
    assert [(await client.read_settings()).values[key] for key in arming] == [True] * 3
    for key in arming:
        await client.write_setting(key, False)
    state = camera.vendor_state()["settings"]
    assert (state["motion_armed"], state["human_armed"], state["input_armed"]) == (
        [False],
        [False],
        [False],
    )
    assert camera.config["Detect"]["MotionDetect"][0]["Level"] == 3  # the rest kept
    assert [(await client.read_settings()).values[key] for key in arming] == [False] * 3
    # A disarmed detector reports nothing; an armed one does.
    events = client.events()
    try:
        pending = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        for kind in ("motion", "human", "input"):
            await camera.push_event(kind, True, 0)
        await client.write_setting(SettingKey.MOTION_ARMED, True)
        await camera.push_event("motion", True, 0)
        event = await asyncio.wait_for(pending, 5)
    finally:
        await events.aclose()
    assert (event.kind, camera.vendor_state()["suppressed_alarms"]) == (EventKind.MOTION, 3)


async def test_presets_by_number(client: Client) -> None:
    presets = await client.ptz_presets()
    assert [preset.number for preset in presets] == list(range(1, 17))
    assert {preset.name for preset in presets} == {""}


@pytest.mark.parametrize(
    ("flag", "confirmed"), [("true", True), ("false", False), ("absent", False)]
)
async def test_ptz_when_the_flag_lies(start_simulator: Start, flag: str, confirmed: bool) -> None:
    camera = await _camera(start_simulator, ptz_flag=flag)
    client = _client(camera)
    try:
        await client.connect()
        assert {Capability.PTZ, Capability.PTZ_PRESETS} <= client.capabilities
        assert client.ptz_confirmed is confirmed
        assert (Capability.PTZ_ZOOM in client.capabilities) is confirmed
        # Explicit commands are sent all the same: the head moves.
        await client.ptz(PtzMove.RIGHT)
        await asyncio.sleep(0.05)
        await client.ptz(PtzMove.STOP)
        await client.ptz_preset(PresetAction.SET, 3)
        assert camera.vendor_state()["ptz"][0]["pan"] > 0
        assert "3" in camera.vendor_state()["ptz"][0]["presets"]
    finally:
        await client.close()


async def test_a_frame_rate_changed_while_streaming_keeps_the_timestamps_going_forward(
    client: Client,
) -> None:
    """25 → 10 fps written while the live stream runs (the camera applies it at its next key
    frame): no frame's timestamp goes back or jumps ahead; after the change they step 0.1 s."""
    video = client.video()
    stamps: list[float] = []
    rates: list[float] = []
    try:
        async with asyncio.timeout(15):
            async for frame in video:
                stamps.append(frame.timestamp)
                rates.append(frame.fps)
                if len(stamps) == 5:
                    await client.write_setting(SettingKey.FRAME_RATE, "10")
                if rates[-1] == 10 and rates.count(10) == 5:
                    break
    finally:
        await video.aclose()
    assert rates[0] == 25
    steps = [later - earlier for earlier, later in itertools.pairwise(stamps)]
    assert all(0 < step < 0.1 + 1e-9 for step in steps), steps
    assert steps[-1] == pytest.approx(0.1)


async def test_every_connection_logs_out_when_closed(client: Client, camera: DvripCamera) -> None:
    assert camera.vendor_state()["sessions"] == 1  # the command connection
    events = client.events()
    pending = asyncio.ensure_future(anext(events))
    await _until(lambda: camera.vendor_state()["guarded"] == 1)
    video = client.video()
    await anext(video)
    assert camera.vendor_state()["sessions"] == 3
    await video.aclose()  # the stream's connection: Stop, then Logout
    await _until(lambda: camera.vendor_state()["sessions"] == 2)
    pending.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await pending
    await events.aclose()
    await _until(lambda: camera.vendor_state()["sessions"] == 1)
    await client.close()
    await _until(lambda: camera.vendor_state()["sessions"] == 0)
    state = camera.state()
    assert (state["logouts"], state["logins"], state["guarded"]) == (3, 3, 0)


async def test_time_sync_reboot(client: Client, camera: DvripCamera) -> None:
    import datetime as dt

    target = dt.datetime(2030, 1, 2, 3, 4, 5)
    await client.sync_time(target)
    got = await client.get_time()
    assert abs((got - target).total_seconds()) < 5
    await client.reboot()
    await _until(lambda: camera.reboots == 1)


# --- media ---------------------------------------------------------------------------------------


async def test_snapshot_is_a_jpeg(client: Client, camera: DvripCamera) -> None:
    jpeg = await client.snapshot()
    assert jpeg[:3] == b"\xff\xd8\xff"
    assert jpeg.endswith(b"\xff\xd9")
    assert camera.snapshots == 1
    image = _decode_jpeg(jpeg)
    assert image == (640, 480)


@pytest.mark.parametrize("mode", ["frame", "none"])
async def test_snapshot_picture_frame_and_stream_fallback(
    start_simulator: Start, mode: str
) -> None:
    camera = await _camera(start_simulator, snapshot_mode=mode)
    client = _client(camera, timeout=2.0)
    try:
        await client.connect()
        await client.write_setting(SettingKey.RESOLUTION, "320x240")
        jpeg = await client.snapshot()
        assert jpeg[:2] == b"\xff\xd8"
        assert _decode_jpeg(jpeg) == (320, 240)
        if mode == "none":
            assert client.diagnostics()["snapshot_supported"] is False
            assert camera.streams_started == 1
    finally:
        await client.close()


def _decode_jpeg(jpeg: bytes) -> tuple[int, int]:
    codec: Any = av.CodecContext.create("mjpeg", "r")
    frames = list(codec.decode(av.Packet(jpeg)))
    assert frames
    return frames[0].width, frames[0].height


async def test_video_frames_decode_as_h264_of_the_configured_size(
    client: Client, camera: DvripCamera
) -> None:
    await client.write_setting(SettingKey.RESOLUTION, "320x240")
    frames, decoded = await _decoded_video(client, "h264", 12)
    assert frames[0].keyframe
    assert all(f.codec == "h264" for f in frames)
    assert (frames[0].width, frames[0].height, frames[0].fps) == (320, 240, 25.0)
    assert any(not f.keyframe for f in frames)
    assert [f.timestamp for f in frames] == sorted(f.timestamp for f in frames)
    assert decoded
    assert {(f.width, f.height) for f in decoded} == {(320, 240)}
    # Closing the iterator stops the monitor on the camera.
    await _until(lambda: camera.vendor_state()["streams"] == 0)


async def test_audio_from_the_stream(client: Client) -> None:
    pcm = b""
    audio = client.audio()
    try:
        async for chunk in audio:
            assert chunk.sample_rate == 8000
            pcm += chunk.pcm
            if len(pcm) >= 8000:
                break
    finally:
        await audio.aclose()
    assert abs(dominant_frequency(pcm) - 1000) < 50


async def test_media_without_audio_is_the_video(camera: DvripCamera) -> None:
    camera.config["Simplify"]["Encode"][0]["MainFormat"]["AudioEnable"] = False
    quiet = _client(camera)
    await quiet.connect()
    assert not quiet.media_carries_audio
    frames: list[VideoFrame] = []
    chunks: list[object] = []
    task = asyncio.create_task(quiet.stream_media(frames.append, chunks.append))
    try:
        await _until(lambda: len(frames) >= 5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await quiet.close()
    assert chunks == []


# --- talk ----------------------------------------------------------------------------------------


async def test_talk_tone(client: Client, camera: DvripCamera) -> None:
    tone = tone_pcm(440.0, 1.0)
    seconds = await client.talk(pcm_chunks(tone))
    assert seconds == pytest.approx(1.0, rel=0.1)
    await _until(lambda: not camera.vendor_state()["talking"])
    stats = camera.talk_statistics()
    assert stats["sessions"] == 1
    assert stats["packets"] == 25
    assert stats["seconds"] == pytest.approx(1.0, rel=0.1)
    assert dominant_frequency(bytes(camera.talk_pcm)) == pytest.approx(440.0, rel=0.1)


async def test_talk_is_stopped_when_cancelled(client: Client, camera: DvripCamera) -> None:
    async def endless() -> AsyncIterator[bytes]:
        chunk = tone_pcm(300.0, 0.1)
        while True:
            yield chunk

    task = asyncio.ensure_future(client.talk(endless()))
    await _until(lambda: camera.talk_packets >= 10)
    assert camera.vendor_state()["talking"] is True
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _until(lambda: not camera.vendor_state()["talking"])
    assert client.diagnostics()["open_connections"] == ["control"]


async def test_second_talker_is_busy(client: Client, camera: DvripCamera) -> None:
    async def endless() -> AsyncIterator[bytes]:
        while True:
            yield bytes(640)

    first = asyncio.ensure_future(client.talk(endless()))
    try:
        await _until(lambda: camera.talk_packets >= 2)
        other = _client(camera)
        try:
            await other.connect()
            with pytest.raises(DeviceBusy):
                await other.talk(pcm_chunks(bytes(640)))
        finally:
            await other.close()
    finally:
        first.cancel()
        with pytest.raises(asyncio.CancelledError):
            await first


# --- vendor socket model, faults, discovery, control API ---------------------------------------


class _Packets:
    """Reads DVRIP messages one at a time from a raw socket (test helper)."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self.reader = reader
        self.decoder = wire.PacketDecoder()
        self.pending: list[wire.Message] = []

    async def next(self) -> wire.Message:
        while not self.pending:
            data = await asyncio.wait_for(self.reader.read(65536), 5)
            assert data, "connection closed"
            self.pending += self.decoder.feed(data)
        return self.pending.pop(0)


async def test_media_socket_without_login_carries_the_session(camera: DvripCamera) -> None:
    port = camera.ports["dvrip"]
    control_reader, control_writer = await asyncio.open_connection("127.0.0.1", port)
    media_reader, media_writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        login = {
            "EncryptType": "MD5",
            "LoginType": "DVRIP-Web",
            "PassWord": wire.sofia_hash(SIM_PASSWORD),
            "UserName": SIM_USERNAME,
        }
        control_writer.write(wire.encode_json(wire.MsgId.LOGIN, login))
        control = _Packets(control_reader)
        reply = await control.next()
        assert isinstance(reply, wire.JsonMessage)
        session = wire.parse_session(reply.body["SessionID"])
        assert reply.session == session
        params = {"Channel": 0, "CombinMode": "NONE", "StreamType": "Main", "TransMode": "TCP"}
        # Claim on the new socket (no login there), with the session id in the header.
        claim = wire.request_body("OPMonitor", session, {"Action": "Claim", "Parameter": params})
        media_writer.write(wire.encode_json(wire.MsgId.MONITOR_CLAIM, claim, session=session))
        media_packets = _Packets(media_reader)
        claimed = await media_packets.next()
        assert isinstance(claimed, wire.JsonMessage)
        assert (claimed.msg_id, claimed.ret) == (wire.MsgId.MONITOR_CLAIM_REPLY, 100)
        # Start on the control socket: the reply comes there, the media on the claimed one.
        start = wire.request_body("OPMonitor", session, {"Action": "Start", "Parameter": params})
        control_writer.write(wire.encode_json(wire.MsgId.MONITOR, start, session=session))
        started = await control.next()
        assert isinstance(started, wire.JsonMessage)
        assert (started.msg_id, started.ret) == (wire.MsgId.MONITOR_REPLY, 100)
        demuxer = media.MediaDemuxer()
        frames: list[media.MediaFrame] = []
        brace_packets = 0
        while len(frames) < 12:
            packet = await media_packets.next()
            assert isinstance(packet, wire.BinaryMessage)
            assert packet.msg_id == wire.MsgId.MONITOR_DATA
            assert packet.session == session
            brace_packets += packet.payload.startswith(b"{")
            frames += demuxer.feed(packet.payload)
        assert (frames[0].kind, frames[0].codec, frames[0].keyframe) == ("video", "h264", True)
        assert {f.kind for f in frames} == {"video", "audio"}
        # A key frame continuation packet starts with '{': routed by id, it stays media.
        assert brace_packets >= 1
        # A socket with neither login nor a known session is refused.
        stranger_reader, stranger_writer = await asyncio.open_connection("127.0.0.1", port)
        stranger_writer.write(
            wire.encode_json(wire.MsgId.SYSINFO, wire.request_body("SystemInfo", 999), session=999)
        )
        refused = await _Packets(stranger_reader).next()
        assert isinstance(refused, wire.JsonMessage)
        assert refused.ret == wire.Ret.NOT_LOGGED_IN
        stranger_writer.close()
    finally:
        for writer in (control_writer, media_writer):
            writer.close()


async def test_stalled_camera_times_out_and_the_client_recovers(
    camera: DvripCamera,
) -> None:
    client = _client(camera, timeout=0.5)
    try:
        await client.connect()
        await camera.inject_fault("stall", 1.5)
        with pytest.raises(CannotConnect):
            await client.read_settings()
        # The timed-out connection was dropped (a late reply cannot answer the next request).
        assert client.diagnostics()["connected"] is False
        await _until(lambda: not camera.stalled)
        settings = await client.read_settings()
        assert settings.values[SettingKey.ALARM_OUT] is False
    finally:
        await client.close()


async def test_udp_discovery(camera: DvripCamera) -> None:
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(
        Probe, remote_addr=("127.0.0.1", camera.ports["dvrip_discovery"])
    )
    try:
        transport.sendto(bytes.fromhex("FF00 0000 00000000 00000000 0000 FA05 00000000"))
        data = await asyncio.wait_for(replies.get(), 5)
    finally:
        transport.close()
    (message,) = wire.PacketDecoder().feed(data)
    assert isinstance(message, wire.JsonMessage)
    assert message.msg_id == wire.MsgId.DISCOVERY_REPLY
    common = message.body["NetWork.NetCommon"]
    assert decode_ip_hex(common["HostIP"]) == "127.0.0.1"
    assert common["TCPPort"] == camera.ports["dvrip"]
    assert common["SN"] == camera.serial
    assert common["MAC"] == camera.mac


async def test_control_api_drives_the_camera(
    client: Client, camera: DvripCamera, control_server: Callable[..., Any]
) -> None:
    import aiohttp

    port = await control_server({"dvrip": camera})
    events = client.events()
    try:
        pending = asyncio.ensure_future(anext(events))
        await _until(lambda: camera.vendor_state()["guarded"] == 1)
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"http://127.0.0.1:{port}/event", json={"kind": "tamper", "active": True}
            ) as response:
                assert response.status == 200
            event = await asyncio.wait_for(pending, 5)
            assert (event.kind, event.raw) == (EventKind.TAMPER, "VideoBlind")
            async with session.post(
                f"http://127.0.0.1:{port}/event", json={"kind": "bogus", "active": True}
            ) as response:
                assert response.status == 400
            await client.write_setting(SettingKey.ALARM_OUT, True)
            async with session.get(f"http://127.0.0.1:{port}/state") as response:
                state = await response.json()
            assert state["vendor"] == "dvrip"
            assert state["settings"]["alarm_out"] == [True]
            assert state["guarded"] == 1
    finally:
        await events.aclose()


# --- login Ret codes from a canned device, H.265, extras ------------------------------------------


@pytest.mark.parametrize(
    ("ret", "error"),
    [
        (203, AuthError),
        (106, AuthError),
        (205, AccountLocked),
        (104, DeviceBusy),
        (207, DeviceBusy),
        (212, DeviceBusy),
        (101, ProtocolError),
    ],
)
async def test_login_ret_codes(socket_enabled: None, ret: int, error: type[Exception]) -> None:
    async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        packets = _Packets(reader)
        request = await packets.next()
        assert isinstance(request, wire.JsonMessage)
        assert request.msg_id == wire.MsgId.LOGIN
        assert request.body["PassWord"] == wire.sofia_hash("pw")
        body = {"Ret": ret, "SessionID": "0x00000000"}
        writer.write(wire.encode_json(wire.MsgId.LOGIN_REPLY, body, version=1))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(device, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client("127.0.0.1", port, "admin", "pw", timeout=5.0)
    try:
        with pytest.raises(error) as info:
            await client.connect()
        if error is AuthError:
            assert not isinstance(info.value, AccountLocked)
        assert "pw" not in str(info.value).replace("password", "")
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


async def test_h265_stream(client: Client, camera: DvripCamera) -> None:
    await client.write_setting(SettingKey.RESOLUTION, "320x240")
    await client.set_config(
        "Simplify.Encode", [{"MainFormat": {"Video": {"Compression": "H.265"}}}]
    )
    assert (await client.encode_settings())["Compression"] == "H.265"
    frames, decoded = await _decoded_video(client, "hevc", 8)
    assert {f.codec for f in frames} == {"h265"}
    assert {(f.width, f.height) for f in decoded} == {(320, 240)}


async def test_extras_mac_bitrate_abilities(client: Client, camera: DvripCamera) -> None:
    assert client.identity.mac == camera.mac
    await client.write_setting("bitrate", 512)
    assert camera.vendor_state()["settings"]["encode"][0]["bitrate"] == 512
    assert (await client.encode_settings())["BitRate"] == 512
    ability = await client.get_ability("EncodeCapability")
    assert ability["EncodeInfo"][0]["StreamType"] == "MainStream"
    with pytest.raises(NotSupported):
        await client.get_config("SystemInfo")  # 607: asked through the wrong message id
    with pytest.raises(NotSupported):
        await client.write_setting(SettingKey.IR, True)
    settings = await client.read_settings()
    assert set(settings.values) <= {key.value for key in SettingKey}


def test_go2rtc_source_quotes_credentials() -> None:
    client = Client("192.0.2.7", 34567, "ad min", "p@ss:w/rd", channel=1)
    assert client.go2rtc_source() == (
        "dvrip://ad%20min:p%40ss%3Aw%2Frd@192.0.2.7:34567?channel=1&subtype=0"
    )
    assert "p@ss" not in repr(client)
    assert "p@ss" not in repr(client.diagnostics())


async def test_forgotten_session_is_replaced_by_a_new_login(
    client: Client, camera: DvripCamera
) -> None:
    before = camera.connections_total
    camera.sessions.clear()  # the camera forgets the session but keeps the socket
    settings = await client.read_settings()
    assert settings.values[SettingKey.ALARM_OUT] is False
    assert camera.connections_total == before + 1
    assert len(camera.sessions) == 1


async def test_discover_finds_the_simulator(camera: DvripCamera) -> None:
    from custom_components.ipcam.protocols.dvrip.discovery import discover

    devices = await discover(0.5, address="127.0.0.1", port=camera.ports["dvrip_discovery"])
    assert len(devices) == 1
    device = devices[0]
    assert (device.host, device.port, device.serial) == (
        "127.0.0.1",
        camera.ports["dvrip"],
        camera.serial,
    )
    assert device.mac == camera.mac
    assert device.channels == 1


# --- answers of odd shapes -----------------------------------------------------------------------


async def test_odd_system_function_shapes_give_defaults(camera: DvripCamera) -> None:
    camera.abilities["SystemFunction"]["OtherFunction"] = []  # a list where an object belongs
    camera.abilities["SystemFunction"]["CommFunction"] = "CommRS485"
    client = _client(camera)
    try:
        await client.connect()
        assert {Capability.PTZ, Capability.RESOLUTION} <= client.capabilities
        assert not client.ptz_confirmed  # nothing readable said so
        assert Capability.WHITE_LIGHT not in client.capabilities
    finally:
        await client.close()


async def test_any_value_replaced_by_a_random_type_connects_or_fails_typed(
    camera: DvripCamera,
) -> None:
    """What once raised AttributeError in 3 of 400 connects: now defaults or a CameraError."""
    import copy
    import random

    rng = random.Random(400)
    oddities: list[object] = [None, True, 7, -1, 2.5, "x", [], [1, "a"], {}, {"k": []}]
    pristine = (copy.deepcopy(camera.abilities), copy.deepcopy(camera.config))

    def positions(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        found = [path] if path else []
        if isinstance(value, dict | list):
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                found += positions(item, (*path, key))
        return found

    outcomes: set[str] = set()
    for _ in range(25):
        camera.abilities, camera.config = copy.deepcopy(pristine[0]), copy.deepcopy(pristine[1])
        tree = rng.choice([camera.abilities, camera.config["General"], camera.config["NetWork"]])
        path = rng.choice(positions(tree))
        node: Any = tree
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = rng.choice(oddities)
        client = _client(camera)
        try:
            await client.connect()
            outcomes.add("connected")
        except CameraError:
            outcomes.add("refused")
        finally:
            await client.close()
    assert "connected" in outcomes


# --- the shell's own paths -----------------------------------------------------------------------


async def test_what_this_camera_cannot_do(start_simulator: Start) -> None:
    with pytest.raises(InvalidValue):
        Client("127.0.0.1", 1, "admin", "pw", channel=-1)
    camera = await _camera(start_simulator)
    camera.abilities["SystemFunction"] = {}
    camera.abilities["TalkAudioFormat"] = [{"EncodeType": "AAC"}]
    camera.config["Simplify"]["Encode"][0]["MainFormat"]["AudioEnable"] = False
    client = _client(camera)
    try:
        await client.connect()
        assert not client.ptz_confirmed
        await client.ptz(PtzMove.UP)  # unconfirmed: sent all the same
        assert camera.vendor_state()["ptz_commands"][-1]["command"] == "DirectionUp"
        for call in (
            lambda: client.talk(pcm_chunks(bytes(640))),
            lambda: anext(client.audio()),
        ):
            with pytest.raises(NotSupported):
                await call()
    finally:
        await client.close()
    with pytest.raises(CannotConnect, match="client is closed"):
        await anext(client.events())
    with pytest.raises(CannotConnect, match="client is closed"):
        await client.read_settings()


def test_stream_source_urls() -> None:
    client = Client("192.0.2.7", 34567, "admin", "pw", channel=2, stream="secondary")
    assert client.rtsp_url() == (
        "rtsp://192.0.2.7:554/user=admin&password=pw&channel=3&stream=1.sdp?real_stream"
    )
    assert client.stream_source_url(StreamSource.GO2RTC, None) == (
        "dvrip://admin:pw@192.0.2.7:34567?channel=2&subtype=1"
    )
    assert client.stream_source_url(StreamSource.RTSP, "x") == client.rtsp_url()
    assert client.stream_source_url(None, "http://relay") == "http://relay"


async def test_a_slow_viewer_pauses_the_stream_not_the_camera(
    client: Client, camera: DvripCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    from custom_components.ipcam.protocols.dvrip import client as client_module

    monkeypatch.setattr(client_module, "MEDIA_QUEUE", 3)
    video = client.video()
    try:
        first = await anext(video)
        await asyncio.sleep(0.6)  # 15 frames arrive meanwhile: reading pauses at 3 reads
        frames = [first] + [await anext(video) for _ in range(20)]
    finally:
        await video.aclose()
    assert frames[0].keyframe
    assert [f.timestamp for f in frames] == sorted(f.timestamp for f in frames)
    assert len({f.timestamp for f in frames}) == len(frames)  # none lost


async def test_a_config_reply_without_the_section(socket_enabled: None) -> None:
    async def device(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        packets = _Packets(reader)
        while not reader.at_eof():
            try:
                request = await packets.next()
            except AssertionError:  # the client hung up
                return
            assert isinstance(request, wire.JsonMessage)
            body: dict[str, Any] = {"Ret": 100, "SessionID": "0x00000001"}
            if request.msg_id == wire.MsgId.LOGIN:
                body["AliveInterval"] = 20
            elif request.msg_id == wire.MsgId.SYSINFO:
                body["SystemInfo"] = {"SerialNo": "abc", "VideoInChannel": 1}
            writer.write(wire.encode_json(request.msg_id + 1, body, session=1, version=1))

    server = await asyncio.start_server(device, "127.0.0.1", 0)
    client = Client("127.0.0.1", server.sockets[0].getsockname()[1], "admin", "pw")
    try:
        await client.connect()  # every optional answer lacks its section: defaults
        assert client.identity.unique_id == "abc"
        assert client.capabilities == {
            Capability.SNAPSHOT,
            Capability.VIDEO,
            Capability.EVENTS,
            Capability.REBOOT,
            Capability.PTZ,  # unconfirmed
            Capability.PTZ_PRESETS,
        }
        with pytest.raises(ProtocolError, match="without 'Camera.Param'"):
            await client.get_config("Camera.Param")
    finally:
        await client.close()
        server.close()
        await server.wait_closed()


async def test_stream_media_pushes_frames_and_audio_until_the_stream_ends(
    client: Client, camera: DvripCamera
) -> None:
    assert client.media_carries_audio
    frames: list[VideoFrame] = []
    chunks: list[object] = []
    task = asyncio.create_task(client.stream_media(frames.append, chunks.append))
    await _until(lambda: len(frames) >= 10 and len(chunks) >= 10)
    assert frames[0].keyframe and frames[0].codec == "h264"
    assert camera.vendor_state()["streams_started"] == 1  # video and audio: one connection
    await camera.inject_fault("drop", 0)
    with pytest.raises(CannotConnect):
        await asyncio.wait_for(task, 5)
    # Without an audio taker the connection asks for video alone.
    frames.clear()
    task = asyncio.create_task(client.stream_media(frames.append))
    await _until(lambda: len(frames) >= 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await _until(lambda: "monitor" not in client.diagnostics()["open_connections"])


async def test_stream_media_batches_its_reads_once_the_stream_has_started(
    client: Client, camera: DvripCamera, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``read_every`` the stream's first moments are read as they come (a live view
    starting cold), then its reads are a quarter second apart: several frames per read, none
    lost (the camera's timestamps have no gap), audio still beside its pictures."""
    monkeypatch.setattr(base, "BATCHED_READS_AFTER", 0.6)
    frames: list[VideoFrame] = []
    chunks: list[object] = []
    order: list[str] = []

    def on_video(frame: VideoFrame) -> None:
        frames.append(frame)
        order.append("v")

    def on_audio(chunk: object) -> None:
        chunks.append(chunk)
        order.append("a")

    task = asyncio.create_task(client.stream_media(on_video, on_audio, read_every=0.25))
    try:
        await _until(lambda: len(frames) >= 8)  # within the first 0.6 s
        (monitor,) = [conn for conn in client._hub.owners if conn.purpose == "monitor"]
        connection = monitor.link.connection
        early_frames, early_reads = len(frames), connection.reads
        await asyncio.sleep(0.8)  # batching has begun
        later_frames, later_reads = len(frames), connection.reads
        await _until(lambda: len(frames) >= later_frames + 30, timeout=10)
        batched_reads = connection.reads - later_reads
        batched_frames = len(frames) - later_frames
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert early_reads >= early_frames - 2  # at the start: a read (or more) per frame
    assert batched_reads <= batched_frames // 2  # then several frames per read
    steps = [b.timestamp - a.timestamp for a, b in itertools.pairwise(frames)]
    fps = frames[0].fps or 25.0
    assert all(0 < step < 1.5 / fps for step in steps)
    assert len(chunks) >= 20
    # Each read's sound comes beside its pictures, as the camera sent them (one audio frame
    # after each video frame), not all after the read's last picture.
    steady = "".join(order[order.index("a") :])
    assert "vvv" not in steady
