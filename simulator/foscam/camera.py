"""A simulated legacy Foscam MJPEG camera (FI89xx): MO_O/MO_V binary protocol + HTTP CGIs.

One TCP port serves both: the first four bytes decide (``MO_O`` operation channel,
``MO_V`` audio/video channel, anything else is HTTP). A UDP socket answers the
MO_I search. Quirks reproduced (docs/protocols/foscam.md, "Simulator checklist"):

- the text length at header offsets 15 and 19;
- login answers written in uneven fragments with pauses (``fragment_writes``), so a
  client must buffer (real cameras' answers arrive split across TCP reads);
- Login_Resp with the MAC as camera id, ``00 00 00 01``, ``00 00 00 00`` and firmware
  11.37.2.56; result 2 (too many connections) above ``max_connections`` logins;
- Verify_Resp of 3 bytes (privilege) on success, 2 bytes (result 1 or 5) on failure,
  then an unprompted op 28 with 1152 zero bytes;
- op 16 answered by op 17 with 8 bytes (32, 163, 0, 2, 2, 0, 0, 0);
- the data connection id in *_Start_Resp only while no A/V socket is attached;
  talk for one login at a time (result 2 otherwise);
- MO_V login gets no reply, a wrong id drops the connection; video packets carry a
  10 ms tick and Unix time, every other JPEG has no JFIF APP0 and its SOF0 before the
  tables (like the captures); audio every 40 ms (tick +4, serial +1 counting from
  "boot", 160 bytes ADPCM high nibble first, encoder state carried);
- camera keep-alives on both sockets, silent connections dropped after
  ``idle_timeout`` seconds;
- alarms (op 25) with the area 0, 0, 100, 100, none for a detector disarmed with
  ``set_alarm.cgi`` (read back in ``get_params.cgi``'s ``alarm_*`` variables);
- the MO_I search answered with the real web port; a camera id of its own (derived
  from the port unless ``camera_id``/``serial`` is given);
- CGIs accept ``user=``/``pwd=`` and HTTP Basic; ``get_*.cgi`` answer ``var name=value;``
  lines; ``decoder_control.cgi`` moves left for command 6 and right for 4 (the
  documented numbers are swapped on real cameras).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from custom_components.ipcam.protocols.audio.adpcm import FoscamAdpcmDecoder, FoscamAdpcmEncoder
from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import av, cgi
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.framing import MAGIC_AV, MAGIC_OPERATION
from custom_components.ipcam.protocols.foscam.message import Message

from ..base import FaultError, SimulatedCamera
from ..identity import normalize_mac
from ..media import jpeg_cycle
from . import wire as sw
from .alarm_config import ARMED_PARAMS, apply_set_alarm, params_vars
from .head import apply_decoder_command
from .http import CgiServer
from .pictures import camera_style_jpeg
from .search import SearchProtocol, camera_id_for, search_answer

ALARM_KINDS = {
    "motion": op.AlarmType.MOTION,
    "input": op.AlarmType.INPUT,
    "sound": op.AlarmType.SOUND,
}
ALARM_AREA = (0, 0, 100, 100)


@dataclass(eq=False)
class _Login:
    """One operation connection (one login) and its optional A/V socket."""

    writer: asyncio.StreamWriter
    connection_id: int
    verified: bool = False
    username: str = ""
    privilege: int = 0
    av: asyncio.StreamWriter | None = None
    video: bool = False
    audio: bool = False
    talk: bool = False
    audio_encoder: FoscamAdpcmEncoder = field(default_factory=FoscamAdpcmEncoder)
    talk_decoder: FoscamAdpcmDecoder = field(default_factory=FoscamAdpcmDecoder)
    audio_serial: int = 0
    audio_tick: int = 0
    audio_sample: int = 0
    video_frames: int = 0
    audio_packets: int = 0

    def send(self, message: Message) -> None:
        if not self.writer.is_closing():
            self.writer.write(sw.encode(message))


class FoscamCamera(SimulatedCamera):
    """A fake FI8918W: HTTP + MO_O/MO_V on one port, MO_I search on UDP."""

    vendor = "foscam"
    default_port = 80

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        username: str = "admin",
        password: str = "",
        max_connections: int = 4,
        fps: float = 10.0,
        tone_hz: float = 1000.0,
        camera_id: str | None = None,
        serial: str | None = None,
        alias: str = "cam1",
        firmware: str = "11.37.2.56",
        webui: str = "2.4.10.10",
        keepalive_interval: float = 30.0,
        idle_timeout: float = 120.0,
        search_port: int | None = 0,
        extra_users: dict[str, tuple[str, int]] | None = None,
        fragment_writes: bool = True,
        cgi_auth: str = "both",
        sound_detection: bool = True,
    ) -> None:
        super().__init__(host=host, port=port, username=username, password=password)
        self.max_connections = max_connections
        self.fps = fps
        self.tone_hz = tone_hz
        # The MAC as 12 hex digits (the capture's camera is 00626E4E72BF); by default
        # derived from the port, so that simulators side by side never share one.
        given = camera_id or serial
        self._derive_id = given is None
        self.camera_id = "" if given is None else normalize_mac(given).replace(":", "").upper()
        if given is None and port:
            self.camera_id = camera_id_for(port)
        self.alias = alias
        self.firmware = firmware
        self.webui = webui
        self.keepalive_interval = keepalive_interval
        self.idle_timeout = idle_timeout
        self.search_port = search_port
        self.fragment_writes = fragment_writes
        self.cgi_auth = cgi_auth  # "both", or "query": only user=/pwd= credentials
        self.users: dict[str, tuple[str, int]] = {username: (password, op.Privilege.ADMINISTRATOR)}
        self.users.update(extra_users or {})
        self._server: asyncio.Server | None = None
        self._search: asyncio.DatagramTransport | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._logins: list[_Login] = []
        self._talker: _Login | None = None
        self._boot = time.monotonic() - random.uniform(3600, 86400)
        # camera state
        self.resolution = 32
        self.brightness = 163
        self.contrast = 0
        self.mode = 2
        self.flip = 0
        self.pan = 0
        self.tilt = 0
        self.moving: str | None = None
        self.ptz_commands: list[int] = []
        self.presets: dict[int, tuple[int, int]] = {}
        self.ir = True
        self.misc: dict[str, str] = {"led_mode": "0", "ptz_center_onstart": "0"}
        self.alarm: str | None = None
        self.alarms_sent = 0
        self.alarms_suppressed = 0  # pushed while that detector was disarmed: not sent
        # set_alarm.cgi / get_params.cgi (alarm_*). Armed from the start, so that pushed
        # alarms reach clients; a real camera's factory setting is not documented.
        # ``sound_detection=False`` is firmware without sound detection (no sounddetect_*).
        self.sound_detection = sound_detection
        self.alarm_config: dict[str, int] = {
            "motion_armed": 1,
            "motion_sensitivity": 5,
            "motion_compensation": 0,
            "input_armed": 1,
            "ioin_level": 1,
            "iolinkage": 0,
            "ioout_level": 0,
            "preset": 0,
            "mail": 0,
            "upload_interval": 0,
            "http": 0,
            "schedule_enable": 0,
        }
        if sound_detection:
            self.alarm_config |= {"sounddetect_armed": 1, "sounddetect_sensitivity": 5}
        self.login_refusals = 0
        self.keepalives_received = 0
        self.cgi_requests: dict[str, int] = {}
        self.cgi_auth_methods: dict[str, int] = {"basic": 0, "query": 0}
        self.op_requests: dict[str, int] = {}
        self.search_requests = 0
        self._cgi_server = CgiServer(self)

    # --- lifecycle -------------------------------------------------------------------------

    async def _start(self) -> dict[str, int]:
        self._server = await asyncio.start_server(self._accept, self.host, self.port)
        port = int(self._server.sockets[0].getsockname()[1])
        if self._derive_id and not self.camera_id:
            self.camera_id = camera_id_for(port)
        ports = {"http": port}
        if self.search_port is not None:
            loop = asyncio.get_running_loop()
            transport, _ = await loop.create_datagram_endpoint(
                lambda: SearchProtocol(self), local_addr=(self.host, self.search_port)
            )
            self._search = transport
            ports["search"] = int(transport.get_extra_info("sockname")[1])
        return ports

    async def _stop(self) -> None:
        if self._search is not None:
            self._search.close()
            self._search = None
        if self._server is not None:
            self._server.close()
            self.drop_connections()
            self._server.abort_clients()
        for task in list(self._handlers):
            task.cancel()
        for task in list(self._handlers):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def on_reboot(self) -> None:
        self._logins.clear()
        self._talker = None
        self.alarm = None
        self.moving = None

    @property
    def auth_failures(self) -> int:
        """Refused credentials, MO_O and CGI (``rejected_logins``)."""
        return self.rejected_logins

    # --- control API -----------------------------------------------------------------------

    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        if kind not in ALARM_KINDS:
            raise FaultError(f"unknown event kind {kind!r}; expected one of {sorted(ALARM_KINDS)}")
        alarm_type = ALARM_KINDS[kind] if active else op.AlarmType.STOP
        if active and not self.armed(kind):
            self.alarms_suppressed += 1  # a disarmed detector reports nothing
            return
        if active:
            self.alarm = kind
        elif self.alarm == kind or self.alarm is None:
            self.alarm = None
        else:
            return  # another alarm is active; a stop for this kind changes nothing
        self.notify(alarm_type)

    def notify(self, alarm_type: op.AlarmType) -> None:
        message = op.AlarmNotify(alarm_type, ALARM_AREA)
        for login in list(self._logins):
            if login.verified:
                login.send(message)
        self.alarms_sent += 1

    def armed(self, kind: str) -> bool:
        """Whether the detector of an alarm kind is armed (set_alarm.cgi)."""
        return bool(self.alarm_config.get(ARMED_PARAMS[kind], 0))

    def set_alarm(self, changes: dict[str, int]) -> bool:
        """Apply ``set_alarm.cgi`` parameters (see ``alarm_config.py``)."""
        return apply_set_alarm(self, changes)

    def params_vars(self) -> dict[str, str | int]:
        """``get_params.cgi`` (see ``alarm_config.py``)."""
        return params_vars(self)

    def vendor_state(self) -> dict[str, Any]:
        return {
            "camera_id": self.camera_id,
            "ptz": {
                "pan": self.pan,
                "tilt": self.tilt,
                "moving": self.moving,
                "last_command": self.ptz_commands[-1] if self.ptz_commands else None,
                "commands": self.ptz_commands[-20:],
            },
            "presets": {str(k): list(v) for k, v in sorted(self.presets.items())},
            "ir": self.ir,
            "resolution": cgi.RESOLUTIONS.get(self.resolution, str(self.resolution)),
            "brightness": self.brightness,
            "contrast": self.contrast,
            "mode": self.mode,
            "flip": self.flip,
            "misc": dict(self.misc),
            "alarm": self.alarm,
            "alarms_sent": self.alarms_sent,
            "alarms_suppressed": self.alarms_suppressed,
            "armed": {kind: self.armed(kind) for kind in ARMED_PARAMS},
            "alarm_config": dict(self.alarm_config),
            "active_logins": sum(1 for login in self._logins if login.verified),
            "av_connections": sum(1 for login in self._logins if login.av is not None),
            "talking": self._talker is not None,
            "login_refusals": self.login_refusals,
            "auth_failures": self.auth_failures,
            "keepalives_received": self.keepalives_received,
            "cgi_requests": dict(self.cgi_requests),
            "cgi_auth_methods": dict(self.cgi_auth_methods),
            "op_requests": dict(self.op_requests),
            "search_requests": self.search_requests,
            "max_connections": self.max_connections,
        }

    # --- shared camera behaviour -----------------------------------------------------------

    def _ticks(self) -> int:
        return int((time.monotonic() - self._boot) * 100) & 0xFFFFFFFF

    def frame_size(self) -> tuple[int, int]:
        return (320, 240) if self.resolution == 8 else (640, 480)

    def current_jpeg(self, index: int | None = None) -> bytes:
        frames = jpeg_cycle(*self.frame_size())
        if index is None:
            index = int(time.monotonic() * self.fps)
        jpeg = frames[index % len(frames)]
        return camera_style_jpeg(jpeg) if index % 2 else jpeg

    def decoder_control(self, command: int) -> bool:
        """Apply a ``decoder_control`` command; False when unknown (see ``head.py``)."""
        self.ptz_commands.append(command)
        del self.ptz_commands[:-100]
        return apply_decoder_command(self, command)

    def set_param(self, param: int, value: int) -> bool:
        if param == cgi.PARAM_RESOLUTION and value in cgi.RESOLUTIONS:
            self.resolution = value
        elif param == cgi.PARAM_BRIGHTNESS and 0 <= value <= 255:
            self.brightness = value
        elif param == cgi.PARAM_CONTRAST and 0 <= value <= 6:
            self.contrast = value
        elif param == cgi.PARAM_MODE and 0 <= value <= 2:
            self.mode = value
        elif param == cgi.PARAM_FLIP and 0 <= value <= 3:
            self.flip = value
        else:
            return False
        for login in list(self._logins):
            if login.verified:
                login.send(op.ParamsChangedNotify(param, value))
        return True

    def search_reply(self, data: bytes, peer: str = "127.0.0.1") -> bytes | None:
        """The MO_I answer to a datagram from ``peer`` (see ``search.py``)."""
        return search_answer(self, data, peer)

    # --- connections -----------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        transport = writer.transport
        try:
            if not self.track(transport):
                return
            first = await asyncio.wait_for(reader.readexactly(4), 30)
            if first == MAGIC_OPERATION:
                await self._operation(reader, writer, first)
            elif first == MAGIC_AV:
                await self._av(reader, writer, first)
            else:
                await self._cgi_server.handle(reader, writer, first)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError, ProtocolError):
            pass
        finally:
            self.untrack(transport)
            writer.close()
            self._handlers.discard(task)

    def _count(self, name: str) -> None:
        self.op_requests[name] = self.op_requests.get(name, 0) + 1

    async def _operation(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes
    ) -> None:
        parser = sw.RequestDecoder(MAGIC_OPERATION)
        messages = parser.feed(first)
        login: _Login | None = None
        keepalive: asyncio.Task[None] | None = None
        try:
            while True:
                for message in messages:
                    await self.wait_unstalled()
                    self._count(type(message).__name__)
                    if isinstance(message, op.LoginReq):
                        if login is not None:
                            continue
                        if len(self._logins) >= self.max_connections:
                            self.login_refusals += 1
                            writer.write(sw.encode(op.LoginResp(op.Result.TOO_MANY_CONNECTIONS)))
                            await writer.drain()
                            return
                        login = _Login(writer, random.getrandbits(32))
                        self._logins.append(login)
                        response = op.LoginResp(
                            op.Result.OK, self.camera_id, op.PROTOCOL_VERSION, 0, self.firmware
                        )
                        await self._send_split(writer, sw.encode(response))
                    elif login is None:
                        continue  # nothing before Login_Req
                    elif isinstance(message, op.VerifyReq):
                        replies = self._verify(login, message)
                        await self._send_split(writer, b"".join(sw.encode(r) for r in replies))
                        if len(replies) == 1:
                            return  # refused: the 2-byte Verify_Resp, then hang up
                        login.verified = True  # only now may alarms interleave
                        keepalive = asyncio.ensure_future(self._keepalive(login))
                    elif not login.verified:
                        continue
                    else:
                        self._operate(login, message)
                await writer.drain()
                data = await asyncio.wait_for(reader.read(65536), self.idle_timeout)
                if not data:
                    return
                messages = parser.feed(data)
        finally:
            if keepalive is not None:
                keepalive.cancel()
                with contextlib.suppress(BaseException):
                    await keepalive
            if login is not None:
                self._forget(login)

    def _verify(self, login: _Login, message: op.VerifyReq) -> list[Message]:
        """Verify_Resp (+ the unprompted op 28 on success)."""
        expected = self.users.get(message.username)
        if expected is None:
            self.login_rejected()
            return [op.VerifyResp(op.Result.WRONG_USER)]
        password, privilege = expected
        if message.password != password:
            self.login_rejected()
            return [op.VerifyResp(op.Result.WRONG_PASSWORD)]
        self.login_accepted()
        login.username = message.username
        login.privilege = privilege
        return [op.VerifyResp(op.Result.OK, privilege), op.OtherDevicesNotify()]

    async def _send_split(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        """Write in uneven pieces with pauses: real cameras' answers arrive fragmented."""
        if not self.fragment_writes:
            writer.write(data)
            await writer.drain()
            return
        cuts = [0, 3, 11, 24, len(data) // 2, len(data) - 1, len(data)]
        cuts = sorted({c for c in cuts if 0 <= c <= len(data)})
        for start, end in itertools.pairwise(cuts):
            writer.write(data[start:end])
            await writer.drain()
            await asyncio.sleep(0.002)

    def _operate(self, login: _Login, message: Message) -> None:
        new_id = None if login.av is not None else login.connection_id
        if isinstance(message, op.KeepAlive):
            self.keepalives_received += 1
        elif isinstance(message, op.ParamsFetchReq):
            # FI89xx capture: 32, 163, 0, 2, 2, 0, 0, 0 (8 bytes, order partly unconfirmed)
            values = (self.resolution, self.brightness, self.contrast, self.mode, 2, self.flip)
            login.send(op.ParamsFetchResp(bytes((*values, 0, 0))))
        elif isinstance(message, op.VideoStartReq):
            login.video = True
            login.send(op.VideoStartResp(op.Result.OK, new_id))
        elif isinstance(message, op.AudioStartReq):
            login.audio = True
            login.audio_encoder = FoscamAdpcmEncoder()
            login.audio_serial = int((time.monotonic() - self._boot) / 0.04)
            login.audio_tick = self._ticks()
            login.send(op.AudioStartResp(op.Result.OK, new_id))
        elif isinstance(message, op.TalkStartReq):
            if login.privilege < op.Privilege.OPERATOR:
                login.send(op.TalkStartResp(op.Result.NO_PRIVILEGE))
            elif self._talker is not None and self._talker is not login:
                login.send(op.TalkStartResp(op.Result.TOO_MANY_CONNECTIONS))
            else:
                self._talker = login
                login.talk = True
                login.talk_decoder = FoscamAdpcmDecoder()
                self.talk_sessions += 1
                login.send(op.TalkStartResp(op.Result.OK, new_id))
        elif isinstance(message, op.VideoEnd):
            login.video = False
        elif isinstance(message, op.AudioEnd):
            login.audio = False
        elif isinstance(message, op.TalkEnd):
            self._end_talk(login)
        elif isinstance(message, sw.DecoderControlReq):
            if login.privilege >= op.Privilege.OPERATOR:
                self.decoder_control(message.value)
        elif isinstance(message, sw.ParamsSetReq) and login.privilege >= op.Privilege.OPERATOR:
            self.set_param(message.param, message.value)

    def _end_talk(self, login: _Login) -> None:
        login.talk = False
        if self._talker is login:
            self._talker = None

    def _forget(self, login: _Login) -> None:
        self._end_talk(login)
        with contextlib.suppress(ValueError):
            self._logins.remove(login)
        if login.av is not None:
            login.av.close()
            login.av = None

    async def _keepalive(self, login: _Login) -> None:
        while True:
            await asyncio.sleep(self.keepalive_interval)
            await self.wait_unstalled()
            login.send(op.KeepAlive())
            if login.av is not None and not login.av.is_closing():
                login.av.write(sw.encode(av.AvKeepAlive()))

    async def _av(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes
    ) -> None:
        parser = sw.RequestDecoder(MAGIC_AV)
        pending = parser.feed(first)
        login: _Login | None = None
        async with asyncio.timeout(10):
            while login is None:
                if not pending:
                    data = await reader.read(4096)
                    if not data:
                        return
                    pending = parser.feed(data)
                    continue
                message = pending.pop(0)
                if not isinstance(message, av.AvLoginReq):
                    return
                login = next(
                    (
                        candidate
                        for candidate in self._logins
                        if candidate.verified
                        and candidate.connection_id == message.connection_id
                        and candidate.av is None
                    ),
                    None,
                )
                if login is None:
                    return  # wrong id: drop without a reply
        login.av = writer
        streamer = asyncio.ensure_future(self._stream(login, writer))
        try:
            while True:
                for message in pending:
                    if isinstance(message, av.TalkData) and login.talk:
                        self.record_talk(login.talk_decoder.decode(message.data))
                    elif isinstance(message, av.AvKeepAlive):
                        self.keepalives_received += 1
                data = await asyncio.wait_for(reader.read(65536), self.idle_timeout)
                if not data:
                    return
                pending = parser.feed(data)
        finally:
            streamer.cancel()
            with contextlib.suppress(BaseException):
                await streamer
            if login.av is writer:
                login.av = None

    async def _stream(self, login: _Login, writer: asyncio.StreamWriter) -> None:
        """Push video frames at ``fps`` and audio every 40 ms while they are started."""
        start = time.monotonic()
        video_period = 1.0 / self.fps
        next_video = start
        next_audio = start
        while not writer.is_closing():
            now = time.monotonic()
            await asyncio.sleep(max(0.0, min(next_video, next_audio) - now))
            await self.wait_unstalled()
            now = time.monotonic()
            if now >= next_video:
                next_video = max(next_video + video_period, now - video_period)
                if login.video:
                    jpeg = self.current_jpeg(login.video_frames)
                    login.video_frames += 1
                    writer.write(sw.encode(av.VideoData(self._ticks(), int(time.time()), jpeg)))
            if now >= next_audio:
                next_audio = max(next_audio + 0.04, now - 0.2)
                if login.audio:
                    writer.write(sw.encode(self._audio_packet(login)))
            await writer.drain()

    def _audio_packet(self, login: _Login) -> av.AudioData:
        count = 2 * av.AUDIO_PACKET_BYTES
        n = np.arange(login.audio_sample, login.audio_sample + count, dtype=np.float64)
        login.audio_sample += count
        samples = np.sin(2 * math.pi * self.tone_hz * n / 8000) * 12000
        data = login.audio_encoder.encode(samples.astype("<i2").tobytes())
        packet = av.AudioData(login.audio_tick, login.audio_serial, int(time.time()), data)
        login.audio_serial += 1
        login.audio_tick += av.AUDIO_PACKET_TICKS  # exactly 40 ms per packet
        login.audio_packets += 1
        return packet
