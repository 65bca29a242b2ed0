"""The simulated XM camera's own behaviour, spoken to over raw sockets: config paths and rules,
system manager, PTZ, talk and monitor refusals, discovery, the camera-side encoders."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.codes import MsgId, Ret
from custom_components.ipcam.protocols.dvrip.media import MediaDemuxer
from simulator.base import FaultError
from simulator.dvrip import DvripCamera, config, frames
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

Start = Callable[..., Awaitable[Any]]


class Peer:
    """A raw DVRIP connection to the simulator (test helper)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = wire.PacketDecoder()
        self.pending: list[wire.Message] = []
        self.session = 0

    async def next(self, timeout: float = 5.0) -> wire.Message:
        while not self.pending:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            assert data, "connection closed"
            self.pending += self.decoder.feed(data)
        return self.pending.pop(0)

    def send(self, msg_id: int, body: dict[str, Any]) -> None:
        self.writer.write(wire.encode_json(msg_id, body, session=self.session))

    async def ask(self, msg_id: int, name: str, value: object = None) -> wire.JsonMessage:
        self.send(msg_id, wire.request_body(name, self.session, value))
        while True:
            reply = await self.next()
            if reply.msg_id == msg_id + 1 and isinstance(reply, wire.JsonMessage):
                return reply

    async def login(self, password: str = SIM_PASSWORD, encrypt: str = "MD5") -> wire.JsonMessage:
        secret = wire.sofia_hash(password) if encrypt == "MD5" else password
        body = {"EncryptType": encrypt, "LoginType": "DVRIP-Web", "PassWord": secret}
        self.send(MsgId.LOGIN, {**body, "UserName": SIM_USERNAME})
        reply = await self.next()
        assert isinstance(reply, wire.JsonMessage)
        if reply.ret == Ret.OK:
            self.session = wire.parse_session(reply.body["SessionID"])
        return reply


@pytest.fixture
async def camera(start_simulator: Start) -> DvripCamera:
    camera = await start_simulator("dvrip", channels=2, ptz_reply=True)
    assert isinstance(camera, DvripCamera)
    return camera


@pytest.fixture
async def peer(camera: DvripCamera) -> AsyncIterator[Peer]:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    peer = Peer(reader, writer)
    assert (await peer.login()).ret == Ret.OK
    yield peer
    writer.close()


async def test_login_with_a_plain_password_and_logout(camera: DvripCamera) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    peer = Peer(reader, writer)
    try:
        assert (await peer.login(SIM_PASSWORD, encrypt="NONE")).ret == Ret.OK
        assert (await peer.ask(MsgId.LOGOUT, "")).ret == Ret.OK
        assert camera.sessions == {}
        # The socket stays, the session is gone.
        assert (await peer.ask(MsgId.SYSINFO, "SystemInfo")).ret == Ret.NOT_LOGGED_IN
    finally:
        writer.close()


async def test_system_info_names(peer: Peer) -> None:
    work = await peer.ask(MsgId.SYSINFO, "WorkState")
    assert len(work.body["WorkState"]["ChannelState"]) == 2
    assert (await peer.ask(MsgId.SYSINFO, "StorageInfo")).body["StorageInfo"] == []
    assert (await peer.ask(MsgId.SYSINFO, "TimeZone")).ret == Ret.CONFIG_NOT_FOUND
    assert (await peer.ask(9998, "x")).ret == Ret.ILLEGAL_COMMAND


async def test_config_paths_defaults_and_rules(peer: Peer, camera: DvripCamera) -> None:
    path = "Camera.Param.[1].DayNightColor"
    assert (await peer.ask(MsgId.CONFIG_GET, path)).body[path] == "0x00000000"
    assert (await peer.ask(MsgId.CONFIG_SET, path, "0x00000002")).ret == Ret.OK
    assert camera.config["Camera"]["Param"][1]["DayNightColor"] == "0x00000002"
    default = await peer.ask(MsgId.DEFAULT_CONFIG_GET, path)
    assert default.body[path] == "0x00000000"
    # A sparse write is merged into the current value.
    reply = await peer.ask(MsgId.CONFIG_SET, "Simplify.Encode.[1]", {"MainFormat": {}})
    assert reply.ret == Ret.OK
    assert camera.config["Simplify"]["Encode"][1]["MainFormat"]["Video"]["FPS"] == 25
    for name, value in (
        ("Alarm.AlarmOut", [{"AlarmOutType": "SOMETIMES"}]),
        ("Simplify.Encode.[0].MainFormat.Video.Resolution", "4K"),
        ("Simplify.Encode.[0].MainFormat.Video.FPS", 99),
        ("Simplify.Encode.[0].MainFormat.Video.BitRate", 9),
        ("Simplify.Encode.[0].MainFormat.Video.Compression", "MJPEG"),
        ("Camera.WhiteLight.[1].WorkMode", "Disco"),
        ("Detect.MotionDetect.[1].Enable", "yes"),
        ("Detect.HumanDetection.[0]", {"Enable": 1}),
        ("Alarm.LocalAlarm.[2].Enable", "on"),
    ):
        assert (await peer.ask(MsgId.CONFIG_SET, name, value)).ret == Ret.CONFIG_PARSE_ERROR, name
    assert (await peer.ask(MsgId.CONFIG_SET, "Nope.Nothing", 1)).ret == Ret.CONFIG_NOT_FOUND
    assert (await peer.ask(MsgId.CONFIG_SET, "")).ret == Ret.BAD_FORMAT
    assert (await peer.ask(MsgId.CONFIG_GET, "Camera.Param.[7]")).ret == Ret.CONFIG_NOT_FOUND
    assert (await peer.ask(MsgId.CONFIG_GET, "Camera.Param.x")).ret == Ret.CONFIG_NOT_FOUND
    assert (await peer.ask(MsgId.ABILITY, "MultiLanguage")).ret == Ret.CONFIG_NOT_FOUND


async def test_system_manager_and_time(peer: Peer, camera: DvripCamera) -> None:
    assert (await peer.ask(MsgId.SYSMANAGER, "OPMachine", {"Action": "Dance"})).ret == (
        Ret.ILLEGAL_REQUEST
    )
    assert (await peer.ask(MsgId.SYSMANAGER, "OPDefaultConfig", {})).ret == Ret.CONFIG_NOT_FOUND
    assert (await peer.ask(MsgId.SYSMANAGER, "OPTimeSetting", "yesterday")).ret == (
        Ret.ILLEGAL_REQUEST
    )
    target = (dt.datetime.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    assert (await peer.ask(MsgId.SYNC_TIME, "OPTimeSettingNoRTC", target)).ret == Ret.OK
    assert 3500 < camera.vendor_state()["time_offset"] < 3700


async def test_ptz_refusals(peer: Peer, camera: DvripCamera) -> None:
    def control(command: str, **parameter: Any) -> dict[str, Any]:
        return {"Command": command, "Parameter": {"Channel": 0, "Preset": 65535, **parameter}}

    assert (await peer.ask(MsgId.PTZ, "OPPTZControl", "up")).ret == Ret.BAD_FORMAT
    for value in (control("DirectionUp", Channel=5), control("DirectionUp", Step="fast")):
        assert (await peer.ask(MsgId.PTZ, "OPPTZControl", value)).ret == Ret.ILLEGAL_REQUEST
    assert (await peer.ask(MsgId.PTZ, "OPPTZControl", control("Dance"))).ret == (
        Ret.ILLEGAL_REQUEST
    )
    assert (await peer.ask(MsgId.PTZ, "OPPTZControl", control("SetPreset", Preset=0))).ret == (
        Ret.ILLEGAL_REQUEST
    )
    assert (await peer.ask(MsgId.PTZ, "OPPTZControl", control("StartTour"))).ret == Ret.OK
    assert (await peer.ask(MsgId.PTZ, "OPPTZControl", control("GotoPreset", Preset=9))).ret == (
        Ret.OK  # an unknown preset: nothing moves
    )
    assert camera.vendor_state()["ptz"][0]["moving"] is None


async def test_monitor_snapshot_and_talk_refusals(peer: Peer, camera: DvripCamera) -> None:
    bad = {"Action": "Claim", "Parameter": {"Channel": 9}}
    assert (await peer.ask(MsgId.MONITOR_CLAIM, "OPMonitor", bad)).ret == Ret.ILLEGAL_REQUEST
    assert (await peer.ask(MsgId.MONITOR, "OPMonitor", {**bad, "Action": "Start"})).ret == (
        Ret.ILLEGAL_REQUEST
    )
    peer.send(MsgId.SNAPSHOT, wire.request_body("OPSNAP", peer.session, {"Channel": "x"}))
    refusal = await peer.next()  # 1561 is binary: the JSON refusal comes as its payload
    assert isinstance(refusal, wire.BinaryMessage)
    assert wire.decode_json_body(refusal.payload)["Ret"] == Ret.ILLEGAL_REQUEST
    aac = {"Action": "Claim", "AudioFormat": {"EncodeType": "AAC"}}
    assert (await peer.ask(MsgId.TALK_CLAIM, "OPTalk", aac)).ret == Ret.ILLEGAL_REQUEST
    # Stop on 1434, as some clients send it, is accepted.
    assert (await peer.ask(MsgId.TALK_CLAIM, "OPTalk", {"Action": "Stop"})).ret == Ret.OK
    # Talk data before Start is ignored; after Start it is decoded and recorded.
    tone = frames.encode_audio_frame(bytes([0xD5]) * 320)
    peer.writer.write(wire.encode_packet(MsgId.TALK_DATA, tone, session=peer.session))
    peer.send(MsgId.TALK, wire.request_body("OPTalk", peer.session, {"Action": "Start"}))
    peer.writer.write(wire.encode_packet(MsgId.TALK_DATA, tone, session=peer.session))
    peer.send(MsgId.TALK, wire.request_body("OPTalk", peer.session, {"Action": "Stop"}))
    assert (await peer.ask(MsgId.KEEPALIVE, "KeepAlive")).ret == Ret.OK
    assert camera.talk_packets == 1
    assert camera.vendor_state()["talking"] is False


async def test_a_second_talker_is_refused(camera: DvripCamera, peer: Peer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    other = Peer(reader, writer)
    try:
        await other.login()
        claim = {"Action": "Claim", "AudioFormat": {"EncodeType": "G711_ALAW"}}
        assert (await peer.ask(MsgId.TALK_CLAIM, "OPTalk", claim)).ret == Ret.OK
        assert (await other.ask(MsgId.TALK_CLAIM, "OPTalk", claim)).ret == Ret.TALK_ALREADY_OPEN
        start = {"Action": "Start"}
        assert (await other.ask(MsgId.TALK, "OPTalk", start)).ret == Ret.TALK_ALREADY_OPEN
    finally:
        writer.close()


async def test_stream_to_the_claiming_socket(camera: DvripCamera, peer: Peer) -> None:
    """The vendor's model: claim on a second socket carrying the session, start on the first;
    Stop ends the stream."""
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    media = Peer(reader, writer)
    media.session = peer.session
    try:
        params = {"Channel": 1, "StreamType": "Extra1"}
        claimed = {"Action": "Claim", "Parameter": params}
        claim = await media.ask(MsgId.MONITOR_CLAIM, "OPMonitor", claimed)
        assert claim.ret == Ret.OK
        start = {"Action": "Start", "Parameter": params}
        assert (await peer.ask(MsgId.MONITOR, "OPMonitor", start)).ret == Ret.OK
        demuxer = MediaDemuxer()
        got: list[Any] = []
        while not got:
            packet = await media.next()
            assert isinstance(packet, wire.BinaryMessage)
            got += demuxer.feed(packet.payload)
        assert (got[0].width, got[0].height) == (320, 240)  # the extra stream's QVGA
        stop = {"Action": "Stop", "Parameter": params}
        assert (await peer.ask(MsgId.MONITOR, "OPMonitor", stop)).ret == Ret.OK
        async with asyncio.timeout(5):
            while camera.vendor_state()["streams"]:
                await asyncio.sleep(0.02)
    finally:
        writer.close()


async def test_channel_titles_are_read_and_set(peer: Peer, camera: DvripCamera) -> None:
    titles = await peer.ask(MsgId.CHANNEL_TITLE_GET, "ChannelTitle")
    assert titles.body["ChannelTitle"] == ["CAM01", "CAM02"]
    renamed = await peer.ask(MsgId.CHANNEL_TITLE_SET, "ChannelTitle", ["Garden"])
    assert renamed.ret == Ret.OK
    assert camera.vendor_state()["channel_titles"] == ["Garden", "CAM02"]
    bad = await peer.ask(MsgId.CHANNEL_TITLE_SET, "ChannelTitle", [1, 2])
    assert bad.ret == Ret.BAD_FORMAT


async def test_a_recorder_has_per_channel_cameras(peer: Peer, camera: DvripCamera) -> None:
    encode = (await peer.ask(MsgId.CONFIG_GET, "Simplify.Encode")).body["Simplify.Encode"]
    assert [ch["MainFormat"]["Video"]["Resolution"] for ch in encode] == ["VGA", "QVGA"]
    light = await peer.ask(MsgId.CONFIG_SET, "Camera.WhiteLight.[1].WorkMode", "KeepOpen")
    assert light.ret == Ret.OK
    assert camera.vendor_state()["settings"]["white_light"] == ["Auto", "KeepOpen"]
    info = (await peer.ask(MsgId.SYSINFO, "SystemInfo")).body["SystemInfo"]
    assert (info["VideoInChannel"], info["AlarmInChannel"]) == (2, 4)
    assert info["SerialNo"] == camera.serial


async def test_a_disarmed_detector_sends_no_alarm(peer: Peer, camera: DvripCamera) -> None:
    assert (await peer.ask(MsgId.GUARD, "")).ret == Ret.OK
    for path in ("Detect.MotionDetect.[1].Enable", "Detect.HumanDetection.[1].Enable"):
        assert (await peer.ask(MsgId.CONFIG_SET, path, False)).ret == Ret.OK
    assert (await peer.ask(MsgId.CONFIG_SET, "Alarm.LocalAlarm.[3].Enable", False)).ret == Ret.OK
    for kind, channel in (("motion", 1), ("human", 1), ("human_app", 1), ("input", 3)):
        await camera.push_event(kind, True, channel)
    await camera.push_event("motion", True, 0)  # still armed
    await camera.push_event("video_loss", True, 1)  # not a detector that can be disarmed
    received = [await peer.next(), await peer.next()]
    assert [
        (m.body["AlarmInfo"]["Event"], m.body["AlarmInfo"]["Channel"])
        for m in received
        if isinstance(m, wire.JsonMessage)
    ] == [("VideoMotion", 0), ("VideoLoss", 1)]
    state = camera.vendor_state()
    assert state["suppressed_alarms"] == 4
    assert state["settings"]["motion_armed"] == [True, False]
    assert state["settings"]["input_armed"] == [True, True, True, False]
    with pytest.raises(FaultError):
        await camera.push_event("input", True, 4)  # four inputs on a recorder


async def test_logins_logouts_and_lingering_sessions(camera: DvripCamera, peer: Peer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    other = Peer(reader, writer)
    try:
        assert (await other.login("wrong")).ret == Ret.WRONG_PASSWORD
        assert (await other.login()).ret == Ret.OK
    finally:
        writer.close()
    state = camera.state()
    assert (state["logins"], state["rejected_logins"], state["sessions"]) == (2, 1, 2)
    # The other connection left without a logout: its session lingers until it expires.
    async with asyncio.timeout(5):
        while camera.open_connections > 1:
            await asyncio.sleep(0.02)
    camera.reap(time.monotonic())
    assert camera.vendor_state()["sessions"] == 2
    camera.sessions[other.session].last_seen -= 3 * camera.alive_interval + 3  # time passes
    camera.reap(time.monotonic())
    assert set(camera.sessions) == {peer.session}  # the peer's connection still carries its own
    assert (await peer.ask(MsgId.LOGOUT, "")).ret == Ret.OK
    assert camera.vendor_state()["sessions"] == 0
    assert camera.vendor_state()["logouts"] == 1


async def test_a_recorder_channel_without_a_camera(start_simulator: Start) -> None:
    camera = await start_simulator("dvrip", channels=3, offline_channels=[2])
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["dvrip"])
    peer = Peer(reader, writer)
    try:
        await peer.login()
        claim = {"Action": "Claim", "Parameter": {"Channel": 2, "StreamType": "Main"}}
        assert (await peer.ask(MsgId.MONITOR_CLAIM, "OPMonitor", claim)).ret == 121
        peer.send(MsgId.SNAPSHOT, wire.request_body("OPSNAP", peer.session, {"Channel": 2}))
        refusal = await peer.next()
        assert isinstance(refusal, wire.BinaryMessage)
        assert wire.decode_json_body(refusal.payload)["Ret"] == 121
        work = (await peer.ask(MsgId.SYSINFO, "WorkState")).body["WorkState"]
        assert work["AlarmState"]["VideoLoss"] == 0b100
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("flag", "direction", "rs485"),
    [("true", True, True), ("false", False, True), ("absent", None, False)],
)
def test_the_ptz_flag_may_lie_or_be_absent(flag: str, direction: bool | None, rs485: bool) -> None:
    function = DvripCamera(ptz_flag=flag).abilities["SystemFunction"]
    assert function["OtherFunction"].get("SupportPTZDirectionControl") is direction
    assert function["CommFunction"]["CommRS485"] is rs485


async def test_identity_from_the_port_or_given(start_simulator: Start) -> None:
    one = await start_simulator("dvrip")
    two = await start_simulator("dvrip")
    assert one.serial != two.serial and one.mac != two.mac
    assert one.serial == config.serial_for_port(one.ports["dvrip"])
    assert one.config["NetWork"]["NetCommon"]["MAC"] == one.mac
    given = await start_simulator("dvrip", serial="ABC123")
    assert given.serial == "ABC123"
    fixed = DvripCamera(port=34567)
    assert (fixed.serial, fixed.mac) == ("58e7fa5e00008707", "00:12:31:30:87:07")


async def test_push_event_checks(camera: DvripCamera) -> None:
    with pytest.raises(FaultError):
        await camera.push_event("raw:not ok!", True, 0)
    await camera.push_event("raw:CrossLineDetection", True, 1)  # nobody guarded: nothing sent


async def test_discovery_ignores_what_is_no_probe(camera: DvripCamera) -> None:
    loop = asyncio.get_running_loop()
    replies: asyncio.Queue[bytes] = asyncio.Queue()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: Any) -> None:
            replies.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(
        Probe, remote_addr=("127.0.0.1", camera.ports["dvrip_discovery"])
    )
    try:
        transport.sendto(b"short")
        transport.sendto(b"\xfe" + bytes(19))
        transport.sendto(wire.encode_packet(MsgId.KEEPALIVE, b""))
        await camera.inject_fault("refuse", 1)
        transport.sendto(wire.encode_packet(MsgId.DISCOVERY, b""))  # away: no answer
        await asyncio.sleep(0.2)
        assert replies.empty()
    finally:
        transport.close()


def test_encoders_refuse_what_no_camera_sends() -> None:
    for call in (
        lambda: frames.encode_video_frame("h264", bytes(9 * 1024 * 1024), keyframe=False),
        lambda: frames.encode_video_frame("h264", b"", keyframe=True, width=9000, height=8),
        lambda: frames.encode_picture(bytes(9 * 1024 * 1024), 8, 8),
        lambda: frames.encode_info_frame(bytes(70000)),
        lambda: frames.encode_ip_hex("10.0.0"),
        lambda: frames.encode_ip_hex("10.0.0.256"),
    ):
        with pytest.raises(ValueError):
            call()
    assert frames.pack_datetime(dt.datetime(1999, 1, 1)) >> 26 == 0  # before 2000: year 0


def test_config_helpers() -> None:
    tree = config.default_config(1)
    assert config.resolve(tree, "NetWork.NetCommon.TCPPort") == (34567, True)
    assert config.resolve(tree, "Camera.Param.[3]") == (None, False)
    assert config.merge([1, 2], [5, 6, 7]) == [5, 6]
    assert config.merge({"a": {"b": 1}}, {"a": {"c": 2}, "d": 3}) == {"a": {"b": 1, "c": 2}, "d": 3}
    assert (
        config.jfif(b"\xff\xd8\xff\xdb")
        == b"\xff\xd8" + bytes.fromhex("ffe000104a46494600010100000100010000") + b"\xff\xdb"
    )
    assert config.validate(tree) is None


def test_camera_options_are_checked() -> None:
    with pytest.raises(ValueError):
        DvripCamera(channels=0)
    with pytest.raises(ValueError):
        DvripCamera(snapshot_mode="gif")
    with pytest.raises(ValueError):
        DvripCamera(ptz_flag="maybe")
    with pytest.raises(ValueError):
        DvripCamera(channels=2, offline_channels=[2])
