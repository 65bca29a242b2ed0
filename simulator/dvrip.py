"""A simulated Xiongmai (XM / XMEye) DVRIP camera on TCP (default port 34567).

It answers like the vendor capture (``seeds/002_097ac1538622d370.txt``): the
same JSON layout (``{ "Key" : value }``, keys sorted), ``"DeviceType "`` with
its trailing space, replies ending ``\\n\\0``, the request's sequence number
echoed, ``"SessionID" : "0x1"`` in the SystemInfo reply and ``"Name" : ""`` in
set replies, and no reply to Unguard (1502).

Control API behaviour:

- ``push_event(kind, active, channel)``: kinds ``motion`` (VideoMotion),
  ``human`` (HumanDetect), ``human_app`` (appEventHumanDetectAlarm), ``input``
  (LocalAlarm), ``video_loss`` (VideoLoss), ``tamper`` (VideoBlind),
  ``storage`` (StorageFailure); ``raw:<Name>`` sends ``<Name>`` verbatim (e.g.
  ``raw:FaceDetect``). Anything else, or a channel out of range, raises
  ``FaultError``. Events go to every connection that sent Guard (1500).
- ``vendor_state()``: ``channels``; ``settings`` (``alarm_out`` booleans and
  ``alarm_out_raw``, ``encode`` per channel: resolution name, size, fps,
  bitrate, audio; ``white_light``); ``ptz`` per channel (pan, tilt, zoom,
  moving command, presets) and the last ``ptz_commands``; ``sessions``,
  ``guarded`` connections, live ``streams`` and ``streams_started``,
  ``snapshots``, ``keepalives``, ``talking``, ``failed_logins``, ``locked``,
  ``time_offset`` (seconds the camera clock was moved by OPTimeSetting).
- Faults: ``drop``/``refuse``/``reboot`` close every socket (the reboot also
  forgets sessions and stops PTZ moves); ``stall`` holds every reply and the
  live streams until it ends.

Ports: ``dvrip`` (TCP, default 34567 in real life, any free port here) and
``dvrip_discovery`` (UDP; a 1530 probe gets a 1531 NetCommon reply).

Options: ``channels`` (multi-channel NVR, 1-64), ``alive_interval`` (login
reply; connections silent for three intervals are dropped), ``lockout_after``
wrong passwords (Ret 203 each, then Ret 205 for ``lockout_seconds``),
``snapshot_mode`` ``"raw"`` (a bare JFIF JPEG in the 1561 reply), ``"frame"``
(a 0x1FE picture frame split over packets) or ``"none"`` (no reply, like NVRs
without OPSNAP), ``ptz_reply`` (False: PTZ commands get no reply, like some
firmware), ``discovery_port``.

Live video: 1413 claims (whatever its Action), 1410 Start streams H.264 (or
H.265 when ``Simplify.Encode`` says so) of the configured size at its FPS in
real time, each frame split over 8 KiB 1412 packets (one key-frame packet per
GOP starts with ``{`` when the data allows), plus 0x1FA G.711A audio (a 1 kHz
tone) when ``AudioEnable`` is set. Start on another socket of the same
session streams to the claiming socket and is answered with 1411. Talk: 1434
Claim (Ret 503 when another client talks), 1430 Start/Stop, 1432 frames are
decoded from A-law and recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import datetime as dt
import itertools
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from custom_components.ipcam.protocols.audio.g711 import alaw_decode, alaw_encode
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.dvrip import media, wire
from custom_components.ipcam.protocols.dvrip.wire import MsgId
from custom_components.ipcam.protocols.errors import ProtocolError

from .base import FaultError, SimulatedCamera
from .media import jpeg_cycle, video_cycle

_LOGGER = logging.getLogger(__name__)

EVENT_NAMES = {
    "motion": "VideoMotion",
    "human": "HumanDetect",
    "human_app": "appEventHumanDetectAlarm",
    "input": "LocalAlarm",
    "video_loss": "VideoLoss",
    "tamper": "VideoBlind",
    "storage": "StorageFailure",
}
_RAW_EVENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")

SERIAL = "58e7fa5e6e262535"
ALLOWED_MAIN = ("D1", "CIF", "QCIF", "VGA", "QVGA", "720P", "1080P")
ALLOWED_EXTRA = ("CIF", "QCIF", "VGA", "QVGA")
PTZ_DIRECTIONS = {
    "DirectionUp": (0, 1, 0),
    "DirectionDown": (0, -1, 0),
    "DirectionLeft": (-1, 0, 0),
    "DirectionRight": (1, 0, 0),
    "DirectionLeftUp": (-1, 1, 0),
    "DirectionLeftDown": (-1, -1, 0),
    "DirectionRightUp": (1, 1, 0),
    "DirectionRightDown": (1, -1, 0),
    "ZoomTile": (0, 0, 1),
    "ZoomWide": (0, 0, -1),
}
MEDIA_PACKET = 8192  # bytes of media per 1412 packet
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def _system_info(channels: int) -> dict[str, Any]:
    return {
        "AlarmInChannel": 1,
        "AlarmOutChannel": 1,
        "AudioInChannel": 1,
        "BuildTime": "2020-02-26 17:11:38",
        "CombineSwitch": 0,
        "DeviceModel": "",
        "DeviceRunTime": "0x00001278",
        "DeviceType": 40,
        "DigChannel": 0,
        "EncryptVersion": "Unknown",
        "ExtraChannel": 0,
        "HardWare": "HI3516D_83H50N",
        "HardWareVersion": "1.01",
        "SerialNo": SERIAL,
        "SoftWareVersion": "V4.03.R12.G7914927.12012.145902.0020000",
        "TalkInChannel": 1,
        "TalkOutChannel": 1,
        "UpdataTime": "",
        "UpdataType": "0x00000000",
        "VideoInChannel": channels,
        "VideoOutChannel": 1,
    }


def _format(resolution: str, fps: int, bitrate: int, audio: bool) -> dict[str, Any]:
    return {
        "AudioEnable": audio,
        "Video": {
            "BitRate": bitrate,
            "BitRateControl": "VBR",
            "Compression": "H.264",
            "FPS": fps,
            "GOP": 2,
            "Quality": 4,
            "Resolution": resolution,
        },
        "VideoEnable": True,
    }


def _default_config(channels: int) -> dict[str, Any]:
    return {
        "Alarm": {
            "AlarmOut": [{"AlarmOutStatus": "OPEN", "AlarmOutType": "CLOSE"}],
        },
        "Simplify": {
            "Encode": [
                {
                    "MainFormat": _format("VGA", 25, 1024, True),
                    "ExtraFormat": _format("QVGA", 15, 256, False),
                }
                for _ in range(channels)
            ]
        },
        "Camera": {
            "Param": [
                {
                    "AeSensitivity": 5,
                    "BLCMode": "0x00000000",
                    "DayNightColor": "0x00000000",
                    "DncThr": 30,
                    "IrcutSwap": 0,
                    "PictureFlip": "0x00000000",
                    "PictureMirror": "0x00000000",
                    "RejectFlicker": "0x00000000",
                }
                for _ in range(channels)
            ],
            "WhiteLight": {
                "MoveTrigLight": {"Duration": 60, "Level": 3},
                "WorkMode": "Auto",
                "WorkPeriod": {"EHour": 6, "EMinute": 0, "Enable": 1, "SHour": 18, "SMinute": 0},
            },
        },
        "Detect": {
            "MotionDetect": [{"Enable": True, "Level": 3} for _ in range(channels)],
            "HumanDetection": [{"Enable": True} for _ in range(channels)],
            "BlindDetect": [{"Enable": True} for _ in range(channels)],
            "LossDetect": [{"Enable": True} for _ in range(channels)],
        },
        "General": {
            "General": {
                "AutoLogout": 0,
                "LocalNo": 0,
                "MachineName": "LocalHost",
                "OverWrite": "OverWrite",
                "VideoOutPut": "Auto",
            }
        },
        "NetWork": {
            "NetCommon": {
                "GateWay": "0x0101A8C0",
                "HostIP": "0x0C01A8C0",
                "HostName": "LocalHost",
                "HttpPort": 80,
                "MAC": "00:12:31:47:e7:18",
                "MaxBps": 0,
                "MonMode": "TCP",
                "SSLPort": 8443,
                "Submask": "0x00FFFFFF",
                "TCPMaxConn": 10,
                "TCPPort": 34567,
                "TransferPlan": "Quality",
                "UDPPort": 34568,
                "UseHSDownLoad": False,
            }
        },
    }


def _abilities(channels: int) -> dict[str, Any]:
    main_mask = f"0x{wire.resolution_mask(ALLOWED_MAIN):08X}"
    extra_mask = f"0x{wire.resolution_mask(ALLOWED_EXTRA):08X}"
    return {
        "SystemFunction": {
            "AlarmFunction": {
                "AlarmConfig": True,
                "BlindDetect": True,
                "HumanDection": True,
                "LossDetect": True,
                "MotionDetect": True,
                "NetAlarm": True,
                "StorageFailure": True,
            },
            "CommFunction": {"CommRS232": False, "CommRS485": True},
            "EncodeFunction": {"DoubleStream": True, "SnapStream": True},
            "OtherFunction": {
                "SupportCameraWhiteLight": True,
                "SupportPTZDirectionControl": True,
                "SupportPTZTour": False,
                "SupportSetPTZPresetAttribute": True,
            },
            "PreviewFunction": {"Tour": False},
        },
        "EncodeCapability": {
            "ChannelMaxSetSync": 0,
            "Compression": "0x00000008",
            "EncodeInfo": [
                {
                    "CompressionMask": "0x00000008",
                    "Enable": True,
                    "HaveAudio": True,
                    "ResolutionMask": main_mask,
                    "StreamType": "MainStream",
                },
                {
                    "CompressionMask": "0x00000008",
                    "Enable": True,
                    "HaveAudio": True,
                    "ResolutionMask": extra_mask,
                    "StreamType": "ExtraStream",
                },
            ],
            "ExImageSizePerChannel": [extra_mask] * channels,
            "ImageSizePerChannel": [main_mask] * channels,
            "MaxBitrate": 8192,
            "MaxEncodePower": 2488320 * channels,
        },
        "TalkAudioFormat": [
            {"BitRate": 128, "EncodeType": "G711_ALAW", "SampleBit": 16, "SampleRate": 8000}
        ],
    }


_JFIF_APP0 = bytes.fromhex("ffe000104a46494600010100000100010000")


def _jfif(jpeg: bytes) -> bytes:
    """Start the JPEG with a JFIF APP0 segment (``FF D8 FF E0``) as camera JPEGs do."""
    if jpeg[:2] == b"\xff\xd8" and jpeg[2:4] != b"\xff\xe0":
        return jpeg[:2] + _JFIF_APP0 + jpeg[2:]
    return jpeg


_PATH_PART = re.compile(r"^\[(\d{1,4})\]$")


def _resolve(tree: Any, path: str) -> tuple[Any, bool]:
    """Follow a dotted config path (``Camera.Param.[0].DayNightColor``)."""
    node = tree
    for part in path.split("."):
        match = _PATH_PART.match(part)
        if match is not None:
            index = int(match.group(1))
            if not isinstance(node, list) or index >= len(node):
                return None, False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None, False
    return node, True


def _merge(current: Any, value: Any) -> Any:
    """Merge a (sparse) written value into the current one, keeping the current shape."""
    if isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for key, item in value.items():
            merged[key] = _merge(current[key], item) if key in current else item
        return merged
    if isinstance(current, list) and isinstance(value, list):
        merged_list = list(current)
        for index, item in enumerate(value[: len(current)]):
            merged_list[index] = _merge(current[index], item)
        return merged_list
    return value


@dataclass
class _Session:
    session_id: int
    username: str
    created: float = field(default_factory=time.monotonic)


@dataclass
class _Ptz:
    pan: float = 0.0
    tilt: float = 0.0
    zoom: float = 1.0
    moving: str | None = None
    speed: int = 5
    since: float = 0.0
    presets: dict[int, tuple[float, float, float]] = field(default_factory=dict)

    def settle(self) -> None:
        if self.moving is None:
            return
        now = time.monotonic()
        dx, dy, dz = PTZ_DIRECTIONS[self.moving]
        elapsed = now - self.since
        self.pan = max(-180.0, min(180.0, self.pan + dx * self.speed * 10 * elapsed))
        self.tilt = max(-90.0, min(90.0, self.tilt + dy * self.speed * 10 * elapsed))
        self.zoom = max(1.0, min(30.0, self.zoom + dz * self.speed * 0.5 * elapsed))
        self.since = now

    def state(self) -> dict[str, Any]:
        self.settle()
        return {
            "pan": round(self.pan, 2),
            "tilt": round(self.tilt, 2),
            "zoom": round(self.zoom, 2),
            "moving": self.moving,
            "presets": {str(k): list(v) for k, v in sorted(self.presets.items())},
        }


class _Conn:
    """One accepted TCP connection."""

    _ids = itertools.count(1)

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.id = next(self._ids)
        self.reader = reader
        self.writer = writer
        self.decoder = wire.PacketDecoder()
        self.session: int | None = None
        self.sequence = 0
        self.guarded = False
        self.claims: dict[int, str] = {}  # channel -> stream type claimed on this connection
        self.streams: dict[int, asyncio.Task[None]] = {}
        self.talking = False
        self.talk_claimed = False
        self.talk_demuxer = media.MediaDemuxer(max_frame=64 * 1024)
        self.last_seen = time.monotonic()

    def next_sequence(self) -> int:
        self.sequence = (self.sequence + 1) & 0xFFFFFFFF
        return self.sequence

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    def abort(self) -> None:
        self.writer.transport.abort()


class _Discovery(asyncio.DatagramProtocol):
    """Answers the UDP discovery probe (1530) with 1531 NetCommon JSON."""

    def __init__(self, camera: DvripCamera) -> None:
        self.camera = camera
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.DatagramTransport)
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        if self.transport is None or not self.camera.reachable or len(data) < wire.HEADER_SIZE:
            return
        try:
            header = wire.Header.unpack(data[: wire.HEADER_SIZE])
        except ProtocolError:
            return
        if header.msg_id != MsgId.DISCOVERY:
            return
        self.transport.sendto(self.camera.discovery_reply(), addr)


class DvripCamera(SimulatedCamera):
    """A Xiongmai IPC (or an NVR with ``channels`` > 1) speaking DVRIP."""

    vendor = "dvrip"
    default_port = 34567

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        channels: int = 1,
        alive_interval: int = 20,
        lockout_after: int = 3,
        lockout_seconds: float = 60.0,
        snapshot_mode: str = "raw",
        ptz_reply: bool = True,
        discovery_port: int = 0,
    ) -> None:
        super().__init__(host=host, port=port, username=username, password=password)
        if not 1 <= channels <= 64:
            raise ValueError("channels must be between 1 and 64")
        if snapshot_mode not in ("raw", "frame", "none"):
            raise ValueError("snapshot_mode must be raw, frame or none")
        self.channels = channels
        self.alive_interval = alive_interval
        self.lockout_after = lockout_after
        self.lockout_seconds = lockout_seconds
        self.snapshot_mode = snapshot_mode
        self.ptz_reply = ptz_reply
        self.config: dict[str, Any] = _default_config(channels)
        self.defaults: dict[str, Any] = _default_config(channels)
        self.abilities = _abilities(channels)
        self.ptz_state = [_Ptz() for _ in range(channels)]
        self.sessions: dict[int, _Session] = {}
        self._session_ids = itertools.count(1)
        self.failed_logins = 0
        self._locked_until = 0.0
        self.time_offset = 0.0
        self.snapshots = 0
        self.keepalives = 0
        self.streams_started = 0
        self.ptz_commands: list[dict[str, Any]] = []
        self._conns: dict[int, _Conn] = {}
        self._talker: _Conn | None = None
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self.discovery_port = discovery_port

    # --- lifecycle ---------------------------------------------------------------------------

    async def _start(self) -> dict[str, int]:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        port = int(self._server.sockets[0].getsockname()[1])
        self.spawn(self._reaper())
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: _Discovery(self), local_addr=(self.host, self.discovery_port)
        )
        udp_port = int(self._udp.get_extra_info("sockname")[1])
        return {"dvrip": port, "dvrip_discovery": udp_port}

    async def _stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._server is not None:
            self._server.close()
            for conn in list(self._conns.values()):
                conn.abort()
            await self._server.wait_closed()
            self._server = None

    async def on_reboot(self) -> None:
        self.sessions.clear()
        for ptz in self.ptz_state:
            ptz.settle()
            ptz.moving = None

    async def _reaper(self) -> None:
        """Drop connections that stopped sending (three missed keep-alives)."""
        while True:
            await asyncio.sleep(1.0)
            limit = 3 * max(self.alive_interval, 1) + 2
            now = time.monotonic()
            for conn in list(self._conns.values()):
                if conn.streams or conn.talking:
                    continue
                if now - conn.last_seen > limit:
                    _LOGGER.debug("dvrip: dropping idle connection %s", conn.id)
                    conn.abort()

    # --- control API -------------------------------------------------------------------------

    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        if kind.startswith("raw:"):
            name = kind[4:]
            if not _RAW_EVENT.match(name):
                raise FaultError("raw event names are letters, digits and _")
        elif kind in EVENT_NAMES:
            name = EVENT_NAMES[kind]
        else:
            raise FaultError(
                f"unknown event {kind!r}; expected one of {sorted(EVENT_NAMES)} or raw:<Name>"
            )
        if not 0 <= channel < self.channels:
            raise FaultError(f"channel must be between 0 and {self.channels - 1}")
        for conn in list(self._conns.values()):
            if not conn.guarded or conn.session is None:
                continue
            body = {
                "AlarmInfo": {
                    "Channel": channel,
                    "Event": name,
                    "StartTime": self._now().strftime(TIME_FORMAT),
                    "Status": "Start" if active else "Stop",
                },
                "Name": "AlarmInfo",
                "SessionID": wire.session_hex(conn.session),
            }
            conn.send(
                wire.encode_json(
                    MsgId.ALARM,
                    body,
                    session=conn.session,
                    sequence=conn.next_sequence(),
                    version=wire.DEVICE_VERSION,
                )
            )

    def vendor_state(self) -> dict[str, Any]:
        encode = self.config["Simplify"]["Encode"]
        return {
            "channels": self.channels,
            "settings": {
                "alarm_out": [
                    entry.get("AlarmOutType") == "MANUAL"
                    for entry in self.config["Alarm"]["AlarmOut"]
                ],
                "alarm_out_raw": copy.deepcopy(self.config["Alarm"]["AlarmOut"]),
                "encode": [
                    {
                        "resolution": ch["MainFormat"]["Video"]["Resolution"],
                        "size": list(self._size(index)),
                        "fps": ch["MainFormat"]["Video"]["FPS"],
                        "bitrate": ch["MainFormat"]["Video"]["BitRate"],
                        "audio": ch["MainFormat"]["AudioEnable"],
                    }
                    for index, ch in enumerate(encode)
                ],
                "white_light": self.config["Camera"]["WhiteLight"]["WorkMode"],
            },
            "ptz": [ptz.state() for ptz in self.ptz_state],
            "ptz_commands": self.ptz_commands[-10:],
            "sessions": len(self.sessions),
            "guarded": sum(1 for conn in self._conns.values() if conn.guarded),
            "streams": sum(len(conn.streams) for conn in self._conns.values()),
            "streams_started": self.streams_started,
            "snapshots": self.snapshots,
            "keepalives": self.keepalives,
            "talking": any(conn.talking for conn in self._conns.values()),
            "failed_logins": self.failed_logins,
            "locked": time.monotonic() < self._locked_until,
            "time_offset": round(self.time_offset, 1),
        }

    def discovery_reply(self) -> bytes:
        """The 1531 answer to a discovery probe."""
        common = dict(self.config["NetWork"]["NetCommon"])
        port = self.ports.get("dvrip", self.default_port)
        host = self.host if self.host.count(".") == 3 else "127.0.0.1"
        common.update(
            {
                "ChannelNum": self.channels,
                "DeviceType": 1,
                "HostIP": wire.encode_ip_hex(host),
                "SN": SERIAL,
                "TCPPort": port,
                "Version": _system_info(self.channels)["SoftWareVersion"],
            }
        )
        body = {"NetWork.NetCommon": common, "Ret": wire.Ret.OK, "SessionID": "0x00000000"}
        return wire.encode_json(MsgId.DISCOVERY_REPLY, body, version=wire.DEVICE_VERSION)

    # --- helpers -----------------------------------------------------------------------------

    def _now(self) -> dt.datetime:
        return dt.datetime.now() + dt.timedelta(seconds=self.time_offset)

    def _size(self, channel: int, stream: str = "Main") -> tuple[int, int]:
        fmt = "ExtraFormat" if stream.startswith("Extra") else "MainFormat"
        name = self.config["Simplify"]["Encode"][channel][fmt]["Video"]["Resolution"]
        return wire.resolution_size(str(name)) or (640, 480)

    def _reply(self, conn: _Conn, request: wire.JsonMessage, body: dict[str, Any]) -> None:
        session = conn.session or 0
        conn.send(
            wire.encode_json(
                request.msg_id + 1,
                body,
                session=session,
                sequence=request.sequence,
                version=wire.DEVICE_VERSION,
            )
        )

    def _ret(self, conn: _Conn, request: wire.JsonMessage, ret: int, name: str = "") -> None:
        session = conn.session or 0
        self._reply(
            conn, request, {"Name": name, "Ret": ret, "SessionID": wire.session_hex(session)}
        )

    # --- connection handling -----------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.track(writer.transport):
            return
        conn = _Conn(reader, writer)
        self._conns[conn.id] = conn
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                conn.last_seen = time.monotonic()
                for message in conn.decoder.feed(data):
                    await self.wait_unstalled()
                    await self._dispatch(conn, message)
        except (ProtocolError, ConnectionError, OSError) as err:
            _LOGGER.debug("dvrip: connection %s closed: %s", conn.id, err)
        finally:
            for task in conn.streams.values():
                task.cancel()
            conn.streams.clear()
            if self._talker is conn:
                self._talker = None
            del self._conns[conn.id]
            self.untrack(writer.transport)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _dispatch(self, conn: _Conn, message: wire.Message) -> None:
        if isinstance(message, wire.BinaryMessage):
            if message.msg_id == MsgId.TALK_DATA:
                self._talk_data(conn, message)
            return
        if message.msg_id == MsgId.LOGIN:
            self._login(conn, message)
            return
        if message.msg_id == MsgId.DISCOVERY:
            return
        if conn.session is None or conn.session not in self.sessions:
            # A connection may skip login and carry a logged-in session (vendor media sockets).
            if message.session in self.sessions:
                conn.session = message.session
            else:
                self._ret(conn, message, wire.Ret.NOT_LOGGED_IN)
                return
        handler_name = _HANDLERS.get(message.msg_id)
        if handler_name is None:
            self._ret(conn, message, wire.Ret.ILLEGAL_COMMAND)
            return
        handler: Callable[[_Conn, wire.JsonMessage], Awaitable[None]] = getattr(self, handler_name)
        await handler(conn, message)

    # --- login / keep-alive / info -----------------------------------------------------------

    def _login(self, conn: _Conn, request: wire.JsonMessage) -> None:
        body = request.body
        now = time.monotonic()
        if now < self._locked_until:
            self._reply(conn, request, {"Ret": wire.Ret.USER_LOCKED, "SessionID": "0x00000000"})
            return
        given = str(body.get("PassWord", ""))
        if str(body.get("EncryptType", "MD5")).upper() == "NONE":
            given = wire.sofia_hash(given)
        if body.get("UserName") != self.username or given != wire.sofia_hash(self.password):
            self.failed_logins += 1
            ret = wire.Ret.WRONG_PASSWORD
            if self.failed_logins >= self.lockout_after:
                self._locked_until = now + self.lockout_seconds
                self.failed_logins = 0
                ret = wire.Ret.USER_LOCKED
            self._reply(conn, request, {"Ret": ret, "SessionID": "0x00000000"})
            return
        self.failed_logins = 0
        session = next(self._session_ids)
        self.sessions[session] = _Session(session, str(body.get("UserName")))
        conn.session = session
        self._reply(
            conn,
            request,
            {
                "AliveInterval": self.alive_interval,
                "ChannelNum": self.channels,
                "DataUseAES": False,
                "DeviceType ": "IPC" if self.channels == 1 else "NVR",
                "ExtraChannel": 0,
                "Ret": wire.Ret.OK,
                "SessionID": wire.session_hex(session),
            },
        )

    async def _keepalive(self, conn: _Conn, request: wire.JsonMessage) -> None:
        self.keepalives += 1
        self._ret(conn, request, wire.Ret.OK, "KeepAlive")

    async def _logout(self, conn: _Conn, request: wire.JsonMessage) -> None:
        self._ret(conn, request, wire.Ret.OK)
        if conn.session is not None:
            self.sessions.pop(conn.session, None)

    async def _sysinfo(self, conn: _Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        session = conn.session or 0
        value: Any
        if name == "SystemInfo":
            value = _system_info(self.channels)
        elif name == "WorkState":
            value = {
                "AlarmState": {"AlarmIn": 0, "AlarmOut": 0, "VideoBlind": 0, "VideoLoss": 0},
                "ChannelState": [{"Bitrate": 1024, "Record": False}] * self.channels,
            }
        elif name == "StorageInfo":
            value = []
        else:
            self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND, str(name or ""))
            return
        # The capture's SystemInfo reply spells the session "0x1" (not "0x00000001").
        self._reply(
            conn,
            request,
            {"Name": name, "Ret": wire.Ret.OK, "SessionID": f"0x{session:X}", name: value},
        )

    async def _config_get(self, conn: _Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        tree = self.defaults if request.msg_id == MsgId.DEFAULT_CONFIG_GET else self.config
        value, found = _resolve(tree, name) if isinstance(name, str) and name else (None, False)
        if not found:
            self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND, str(name or ""))
            return
        self._reply(
            conn,
            request,
            {
                "Name": name,
                "Ret": wire.Ret.OK,
                "SessionID": wire.session_hex(conn.session or 0),
                str(name): copy.deepcopy(value),
            },
        )

    async def _config_set(self, conn: _Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        if not isinstance(name, str) or not name or name not in request.body:
            self._ret(conn, request, wire.Ret.BAD_FORMAT)
            return
        current, found = _resolve(self.config, name)
        if not found:
            self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND)
            return
        merged = _merge(current, request.body[name])
        candidate = copy.deepcopy(self.config)
        parts = name.split(".")
        parent: Any
        parent, _ = _resolve(candidate, ".".join(parts[:-1])) if len(parts) > 1 else (None, True)
        last = parts[-1]
        match = _PATH_PART.match(last)
        if len(parts) == 1:
            candidate[last] = merged
        elif match is not None:
            parent[int(match.group(1))] = merged
        else:
            parent[last] = merged
        error = self._validate(candidate)
        if error is not None:
            self._ret(conn, request, wire.Ret.CONFIG_PARSE_ERROR)
            return
        self.config = candidate
        self._ret(conn, request, wire.Ret.OK)

    def _validate(self, config: dict[str, Any]) -> str | None:
        valid_types = {"MANUAL", "CLOSE", "AUTO", "ManualAlarm", "ClosedAlarm", "ConfigAlarm"}
        for entry in config["Alarm"]["AlarmOut"]:
            if not isinstance(entry, dict) or entry.get("AlarmOutType") not in valid_types:
                return "AlarmOutType"
        for channel in config["Simplify"]["Encode"]:
            for fmt, allowed in (("MainFormat", ALLOWED_MAIN), ("ExtraFormat", ALLOWED_EXTRA)):
                video = channel.get(fmt, {}).get("Video", {})
                if video.get("Resolution") not in allowed:
                    return "Resolution"
                fps = video.get("FPS")
                if not isinstance(fps, int) or isinstance(fps, bool) or not 1 <= fps <= 30:
                    return "FPS"
                bitrate = video.get("BitRate")
                if not isinstance(bitrate, int) or not 16 <= bitrate <= 8192:
                    return "BitRate"
                if video.get("Compression") not in ("H.264", "H.265"):
                    return "Compression"
        if config["Camera"]["WhiteLight"].get("WorkMode") not in (
            "Auto",
            "Intelligent",
            "KeepOpen",
            "Close",
        ):
            return "WorkMode"
        return None

    async def _ability(self, conn: _Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        if not isinstance(name, str) or name not in self.abilities:
            self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND, str(name or ""))
            return
        self._reply(
            conn,
            request,
            {
                "Name": name,
                "Ret": wire.Ret.OK,
                "SessionID": wire.session_hex(conn.session or 0),
                name: copy.deepcopy(self.abilities[name]),
            },
        )

    # --- alarms ------------------------------------------------------------------------------

    async def _guard(self, conn: _Conn, request: wire.JsonMessage) -> None:
        conn.guarded = True
        self._ret(conn, request, wire.Ret.OK)

    async def _unguard(self, conn: _Conn, request: wire.JsonMessage) -> None:
        conn.guarded = False  # the capture shows no reply to 1502

    # --- PTZ -------------------------------------------------------------------------------------

    async def _ptz(self, conn: _Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPPTZControl")
        if not isinstance(op, dict) or not isinstance(op.get("Parameter"), dict):
            self._ret(conn, request, wire.Ret.BAD_FORMAT)
            return
        command = op.get("Command")
        param = op["Parameter"]
        channel = param.get("Channel", 0)
        preset = param.get("Preset", -1)
        step = param.get("Step", 5)
        if (
            not isinstance(channel, int)
            or not 0 <= channel < self.channels
            or not isinstance(preset, int)
            or not isinstance(step, int)
        ):
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        self.ptz_commands.append({"command": command, "channel": channel, "preset": preset})
        del self.ptz_commands[:-50]
        ptz = self.ptz_state[channel]
        ptz.settle()
        ok = True
        if command in PTZ_DIRECTIONS:
            if preset == -1:
                if ptz.moving == command:
                    ptz.moving = None
            else:
                ptz.moving = str(command)
                ptz.speed = max(1, min(8, step))
                ptz.since = time.monotonic()
        elif command in ("SetPreset", "GotoPreset", "ClearPreset"):
            if not 1 <= preset <= 255:
                ok = False
            elif command == "SetPreset":
                ptz.presets[preset] = (ptz.pan, ptz.tilt, ptz.zoom)
            elif command == "ClearPreset":
                ptz.presets.pop(preset, None)
            elif preset in ptz.presets:
                ptz.moving = None
                ptz.pan, ptz.tilt, ptz.zoom = ptz.presets[preset]
        elif command not in ("StartTour", "StopTour", "AutoPanOn", "AutoPanOff"):
            ok = False
        if self.ptz_reply:
            self._ret(conn, request, wire.Ret.OK if ok else wire.Ret.ILLEGAL_REQUEST)

    # --- system manager ----------------------------------------------------------------------

    async def _sysmanager(self, conn: _Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        if name == "OPMachine":
            action = request.body.get("OPMachine", {})
            if isinstance(action, dict) and action.get("Action") == "Reboot":
                self._ret(conn, request, wire.Ret.OK)
                self.spawn(self._delayed_reboot())
                return
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        if name in ("OPTimeSetting", "OPTimeSettingNoRTC"):
            self._set_time(conn, request, str(name))
            return
        self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND)

    def _set_time(self, conn: _Conn, request: wire.JsonMessage, name: str) -> None:
        try:
            when = dt.datetime.strptime(str(request.body.get(name)), TIME_FORMAT)
        except ValueError:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        self.time_offset = (when - dt.datetime.now()).total_seconds()
        self._ret(conn, request, wire.Ret.OK)

    async def _sync_time(self, conn: _Conn, request: wire.JsonMessage) -> None:
        self._set_time(conn, request, "OPTimeSettingNoRTC")

    async def _delayed_reboot(self) -> None:
        await asyncio.sleep(0.2)
        await self.reboot(3.0)

    async def _time_query(self, conn: _Conn, request: wire.JsonMessage) -> None:
        self._reply(
            conn,
            request,
            {
                "Name": "OPTimeQuery",
                "OPTimeQuery": self._now().strftime(TIME_FORMAT),
                "Ret": wire.Ret.OK,
                "SessionID": wire.session_hex(conn.session or 0),
            },
        )

    # --- snapshot ----------------------------------------------------------------------------

    async def _snapshot(self, conn: _Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPSNAP")
        channel = op.get("Channel", 0) if isinstance(op, dict) else 0
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        if self.snapshot_mode == "none":
            return
        width, height = self._size(channel)
        jpeg = await asyncio.to_thread(jpeg_cycle, width, height)
        image = _jfif(jpeg[self.snapshots % len(jpeg)])
        self.snapshots += 1
        session = conn.session or 0
        if self.snapshot_mode == "raw":
            conn.send(
                wire.encode_packet(
                    MsgId.SNAPSHOT_REPLY,
                    image,
                    session=session,
                    sequence=request.sequence,
                    version=wire.DEVICE_VERSION,
                )
            )
            return
        data = media.encode_picture(image, width, height, self._now())
        pieces = [data[i : i + MEDIA_PACKET] for i in range(0, len(data), MEDIA_PACKET)]
        for index, piece in enumerate(pieces):
            conn.send(
                wire.encode_packet(
                    MsgId.SNAPSHOT_REPLY,
                    piece,
                    session=session,
                    sequence=request.sequence,
                    version=wire.DEVICE_VERSION,
                    total=channel,
                    current=1 if index == len(pieces) - 1 else 0,
                )
            )

    # --- live monitor ------------------------------------------------------------------------

    @staticmethod
    def _monitor_params(request: wire.JsonMessage) -> tuple[str, dict[str, Any]]:
        op = request.body.get("OPMonitor")
        if not isinstance(op, dict):
            return "", {}
        param = op.get("Parameter")
        return str(op.get("Action", "")), param if isinstance(param, dict) else {}

    async def _monitor_claim(self, conn: _Conn, request: wire.JsonMessage) -> None:
        # 1413 is a claim whatever its Action says (alexshpilkin/dvrip sends "Start").
        _action, param = self._monitor_params(request)
        channel = param.get("Channel", 0)
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPMonitor")
            return
        conn.claims[channel] = str(param.get("StreamType", "Main"))
        self._ret(conn, request, wire.Ret.OK, "OPMonitor")

    async def _monitor(self, conn: _Conn, request: wire.JsonMessage) -> None:
        action, param = self._monitor_params(request)
        channel = param.get("Channel", 0)
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPMonitor")
            return
        target = conn
        if channel not in conn.claims:
            # Start on the control socket: media goes to the socket that claimed it.
            for other in self._conns.values():
                if other.session == conn.session and channel in other.claims:
                    target = other
                    break
        stream = str(param.get("StreamType", target.claims.get(channel, "Main")))
        if action == "Start":
            if channel not in target.streams:
                self.streams_started += 1
                target.streams[channel] = self.spawn(self._stream(target, channel, stream))
        elif action == "Stop":
            task = target.streams.pop(channel, None)
            if task is not None:
                task.cancel()
        if target is not conn:
            self._ret(conn, request, wire.Ret.OK, "OPMonitor")

    async def _stream(self, conn: _Conn, channel: int, stream: str) -> None:
        """Send live H.264/H.265 + G.711A as 1412 packets, in real time."""
        session = conn.session or 0
        tone = alaw_encode(tone_pcm(1000.0, 1.0, amplitude=0.3))
        audio_offset = 0
        start = time.monotonic()
        sent_seconds = 0.0
        try:
            while True:
                fmt_name = "ExtraFormat" if stream.startswith("Extra") else "MainFormat"
                fmt = self.config["Simplify"]["Encode"][channel][fmt_name]
                width, height = self._size(channel, stream)
                fps = int(fmt["Video"]["FPS"])
                codec = "hevc" if fmt["Video"]["Compression"] == "H.265" else "h264"
                units = await asyncio.to_thread(video_cycle, width, height, fps, codec)
                # One GOP per pass, so a new resolution takes effect at the next key frame.
                first = True
                for unit in units:
                    if not first and unit.keyframe:
                        break
                    first = False
                    frame = media.encode_video_frame(
                        "h265" if codec == "hevc" else "h264",
                        unit.data,
                        keyframe=unit.keyframe,
                        width=width,
                        height=height,
                        fps=fps,
                        when=self._now(),
                    )
                    await self._send_media(conn, session, channel, frame, brace=unit.keyframe)
                    if fmt.get("AudioEnable"):
                        samples = 8000 // fps
                        while audio_offset + samples > len(tone):
                            audio_offset = 0
                        chunk = tone[audio_offset : audio_offset + samples]
                        audio_offset += samples
                        await self._send_media(
                            conn, session, channel, media.encode_audio_frame(chunk), brace=False
                        )
                    sent_seconds += 1.0 / fps
                    delay = start + sent_seconds - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await self.wait_unstalled()
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("dvrip: stream on connection %s ended: %s", conn.id, err)
        finally:
            conn.streams.pop(channel, None)

    async def _send_media(
        self, conn: _Conn, session: int, channel: int, frame: bytes, *, brace: bool
    ) -> None:
        """Split one frame into 1412 packets; for key frames let one packet start with '{'."""
        cuts: list[int] = []
        offset = 0
        if brace:
            position = frame.find(b"{", 64, MEDIA_PACKET)
            if position > 0:
                cuts.append(position)
                offset = position
        while offset + MEDIA_PACKET < len(frame):
            offset += MEDIA_PACKET
            cuts.append(offset)
        bounds = [0, *cuts, len(frame)]
        for low, high in itertools.pairwise(bounds):
            conn.send(
                wire.encode_packet(
                    MsgId.MONITOR_DATA,
                    frame[low:high],
                    session=session,
                    sequence=conn.next_sequence(),
                    version=wire.DEVICE_VERSION,
                    total=channel,
                )
            )
        try:
            await asyncio.wait_for(conn.writer.drain(), 10)
        except TimeoutError:
            conn.abort()
            raise ConnectionError("client stopped reading") from None

    # --- talk --------------------------------------------------------------------------------

    async def _talk_claim(self, conn: _Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPTalk")
        action = op.get("Action") if isinstance(op, dict) else None
        if action == "Stop":  # some clients stop on 1434
            self._talk_stop(conn)
            self._ret(conn, request, wire.Ret.OK, "OPTalk")
            return
        if self._talker is not None and self._talker is not conn:
            self._ret(conn, request, wire.Ret.TALK_ALREADY_OPEN, "OPTalk")
            return
        fmt = op.get("AudioFormat", {}) if isinstance(op, dict) else {}
        encode_type = fmt.get("EncodeType", "G711_ALAW") if isinstance(fmt, dict) else None
        if encode_type != "G711_ALAW":
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPTalk")
            return
        self._talker = conn
        conn.talk_claimed = True
        self._ret(conn, request, wire.Ret.OK, "OPTalk")

    async def _talk(self, conn: _Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPTalk")
        action = op.get("Action") if isinstance(op, dict) else None
        if action == "Start":
            if self._talker is not None and self._talker is not conn:
                self._ret(conn, request, wire.Ret.TALK_ALREADY_OPEN, "OPTalk")
                return
            self._talker = conn
            if not conn.talking:
                conn.talking = True
                self.talk_sessions += 1
        elif action == "Stop":
            self._talk_stop(conn)

    def _talk_stop(self, conn: _Conn) -> None:
        conn.talking = False
        conn.talk_claimed = False
        if self._talker is conn:
            self._talker = None

    def _talk_data(self, conn: _Conn, message: wire.BinaryMessage) -> None:
        if not conn.talking:
            return
        for frame in conn.talk_demuxer.feed(message.payload):
            if frame.kind == "audio" and frame.codec == "g711a":
                self.record_talk(alaw_decode(frame.data))


_HANDLERS: dict[int, str] = {
    MsgId.KEEPALIVE: "_keepalive",
    MsgId.LOGOUT: "_logout",
    MsgId.SYSINFO: "_sysinfo",
    MsgId.CONFIG_GET: "_config_get",
    MsgId.DEFAULT_CONFIG_GET: "_config_get",
    MsgId.CONFIG_SET: "_config_set",
    MsgId.ABILITY: "_ability",
    MsgId.GUARD: "_guard",
    MsgId.UNGUARD: "_unguard",
    MsgId.PTZ: "_ptz",
    MsgId.SYSMANAGER: "_sysmanager",
    MsgId.TIME_QUERY: "_time_query",
    MsgId.SYNC_TIME: "_sync_time",
    MsgId.SNAPSHOT: "_snapshot",
    MsgId.MONITOR_CLAIM: "_monitor_claim",
    MsgId.MONITOR: "_monitor",
    MsgId.TALK_CLAIM: "_talk_claim",
    MsgId.TALK: "_talk",
}

__all__ = ["EVENT_NAMES", "DvripCamera"]
