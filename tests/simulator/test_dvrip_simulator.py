"""The simulated XM camera's own behaviour, spoken to over raw sockets: config paths and rules,
system manager, PTZ, talk and monitor refusals, discovery, the camera-side encoders."""

from __future__ import annotations

import asyncio
import datetime as dt
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
        ("Camera.WhiteLight.WorkMode", "Disco"),
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
