"""A simulated Xiongmai (XM / XMEye) DVRIP camera on TCP (default port 34567).

It answers like the vendor capture (docs/protocols/dvrip.md, "Test vectors"): the
same JSON layout (``{ "Key" : value }``, keys sorted), ``"DeviceType "`` with
its trailing space, replies ending ``\\n\\0``, the request's sequence number
echoed, ``"SessionID" : "0x1"`` in the SystemInfo reply and ``"Name" : ""`` in
set replies, and no reply to Unguard (1502).

Control API behaviour:

- ``push_event(kind, active, channel)``: kinds ``motion`` (VideoMotion),
  ``human`` (HumanDetect), ``human_app`` (appEventHumanDetectAlarm), ``input``
  (LocalAlarm; ``channel`` is the alarm input), ``video_loss`` (VideoLoss),
  ``tamper`` (VideoBlind), ``storage`` (StorageFailure); ``raw:<Name>`` sends
  ``<Name>`` verbatim (e.g. ``raw:FaceDetect``). Anything else, or a channel out
  of range, raises ``FaultError``. Events go to every connection that sent Guard
  (1500); a disarmed detector (``Detect.MotionDetect.[n].Enable``,
  ``Detect.HumanDetection.[n].Enable``, ``Alarm.LocalAlarm.[n].Enable`` false)
  sends nothing (counted in ``suppressed_alarms``).
- ``vendor_state()``: ``channels``, ``serial``, ``mac``, ``channel_titles``,
  ``offline_channels``; ``settings`` (``alarm_out`` booleans and
  ``alarm_out_raw``, ``encode`` per channel: resolution name, size, fps,
  bitrate, audio; ``white_light``: the WorkMode, one per channel on a recorder,
  and ``white_light_raw``; ``motion_armed``/``human_armed`` per channel,
  ``input_armed`` per input); ``ptz`` per channel (pan, tilt, zoom, moving
  command, presets) and the last ``ptz_commands``; ``sessions`` (logged in and
  not yet logged out or expired), ``logouts``, ``guarded`` connections, live
  ``streams`` and ``streams_started``, ``snapshots``, ``keepalives``,
  ``talking``, ``failed_logins``, ``locked``, ``time_offset`` (seconds the
  camera clock was moved by OPTimeSetting), ``requests`` (the requests after a
  login, counted by ``"<message id> <Name>"``). ``logins``/``rejected_logins``
  count every login accepted or refused.
- Faults: ``drop``/``refuse``/``reboot`` close every socket (the reboot also
  forgets sessions and stops PTZ moves); ``stall`` holds every reply and the
  live streams until it ends.

Ports: ``dvrip`` (TCP, default 34567 in real life, any free port here) and
``dvrip_discovery`` (UDP; a 1530 probe gets a 1531 NetCommon reply).

Options: ``channels`` (a recorder, 1-64: per-channel titles ``CAM01``...,
cameras of different sizes, tones, white lights, detectors and PTZ heads),
``offline_channels`` (recorder channels without a camera: Ret 121 for their
media), ``serial`` (its SerialNo; else one derived from its port, like its MAC),
``alive_interval`` (login reply; connections silent for three intervals are
dropped, and sessions no connection carried for as long expire),
``lockout_after`` wrong passwords (Ret 203 each, then Ret 205 for
``lockout_seconds``), ``snapshot_mode`` ``"raw"`` (a bare JFIF JPEG in the 1561
reply), ``"frame"`` (a 0x1FE picture frame split over packets) or ``"none"`` (no
reply, like NVRs without OPSNAP), ``ptz_reply`` (False: PTZ commands get no
reply, like some firmware), ``ptz_flag`` (``"true"``; ``"false"``: the
SystemFunction says no pan/tilt although the head moves; ``"absent"``: neither
that flag nor the RS485 hint), ``white_light`` (False: SystemFunction says no
white light and there is no ``Camera.WhiteLight``), ``talk`` (False:
TalkOutChannel 0), ``alarm_inputs`` (AlarmInChannel and ``Alarm.LocalAlarm``
entries; 1 on a camera, 4 on a recorder by default), ``discovery_port``,
``discovery_answer_port`` (answer a search at this port of the asker, not at the
probe's source port).

Live video, snapshots and talk: see ``streams.py``; the data: ``config.py``.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.wire import MsgId

from ..base import FaultError
from .config import PATH_PART, TIME_FORMAT, merge, resolve, system_info, validate
from .state import PTZ_DIRECTIONS, Conn, Session
from .streams import StreamingCamera

EVENT_NAMES = {
    "motion": "VideoMotion",
    "human": "HumanDetect",
    "human_app": "appEventHumanDetectAlarm",
    "input": "LocalAlarm",
    "video_loss": "VideoLoss",
    "tamper": "VideoBlind",
    "storage": "StorageFailure",
}
# Where each detector is armed; an alarm kind not listed here is always reported.
ARMING_SECTIONS = {
    "motion": "Detect.MotionDetect",
    "human": "Detect.HumanDetection",
    "human_app": "Detect.HumanDetection",
    "input": "Alarm.LocalAlarm",
}
_RAW_EVENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


class DvripCamera(StreamingCamera):
    """A Xiongmai IPC (or an NVR with ``channels`` > 1) speaking DVRIP."""

    # --- control API -----------------------------------------------------------------------------

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
        # An input alarm's channel is the input's number.
        count = len(self.config["Alarm"]["LocalAlarm"]) if kind == "input" else self.channels
        if not 0 <= channel < count:
            raise FaultError(f"channel must be between 0 and {count - 1}")
        if not self.armed(kind, channel):
            self.suppressed_alarms += 1  # a disarmed detector reports nothing
            return
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

    def armed(self, kind: str, channel: int) -> bool:
        """Whether the detector behind an alarm kind is armed (``Detect``, ``Alarm.LocalAlarm``)."""
        section = ARMING_SECTIONS.get(kind)
        if section is None:
            return True
        entries, _found = resolve(self.config, section)
        return bool(entries[channel].get("Enable"))

    def vendor_state(self) -> dict[str, Any]:
        encode = self.config["Simplify"]["Encode"]
        lights = self.config["Camera"].get("WhiteLight", [])
        detect = self.config["Detect"]
        return {
            "channels": self.channels,
            "serial": self.serial,
            "mac": self.mac,
            "channel_titles": list(self.channel_titles),
            "offline_channels": sorted(self.offline_channels),
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
                # One mode (a camera) or one per channel (a recorder).
                "white_light": (
                    [light["WorkMode"] for light in lights]
                    if isinstance(lights, list)
                    else lights["WorkMode"]
                ),
                "white_light_raw": copy.deepcopy(lights),
                "motion_armed": [bool(d.get("Enable")) for d in detect["MotionDetect"]],
                "human_armed": [bool(d.get("Enable")) for d in detect["HumanDetection"]],
                "input_armed": [bool(d.get("Enable")) for d in self.config["Alarm"]["LocalAlarm"]],
            },
            "suppressed_alarms": self.suppressed_alarms,
            "ptz": [ptz.state() for ptz in self.ptz_state],
            "ptz_commands": self.ptz_commands[-10:],
            "sessions": len(self.sessions),
            "logouts": self.logouts,
            "guarded": sum(1 for conn in self._conns.values() if conn.guarded),
            "streams": sum(len(conn.streams) for conn in self._conns.values()),
            "streams_started": self.streams_started,
            "snapshots": self.snapshots,
            "keepalives": self.keepalives,
            "requests": dict(self.requests),
            "talking": any(conn.talking for conn in self._conns.values()),
            "failed_logins": self.failed_logins,
            "locked": time.monotonic() < self._locked_until,
            "time_offset": round(self.time_offset, 1),
        }

    # --- connection handling ---------------------------------------------------------------------

    async def _dispatch(self, conn: Conn, message: wire.Message) -> None:
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
        self.count_request(message)
        handler_name = _HANDLERS.get(message.msg_id)
        if handler_name is None:
            self._ret(conn, message, wire.Ret.ILLEGAL_COMMAND)
            return
        handler: Callable[[Conn, wire.JsonMessage], Awaitable[None]] = getattr(self, handler_name)
        await handler(conn, message)

    # --- login / keep-alive / info ---------------------------------------------------------------

    def _login(self, conn: Conn, request: wire.JsonMessage) -> None:
        body = request.body
        now = time.monotonic()
        if now < self._locked_until:
            self.login_rejected()
            self._reply(conn, request, {"Ret": wire.Ret.USER_LOCKED, "SessionID": "0x00000000"})
            return
        given = str(body.get("PassWord", ""))
        if str(body.get("EncryptType", "MD5")).upper() == "NONE":
            given = wire.sofia_hash(given)
        if body.get("UserName") != self.username or given != wire.sofia_hash(self.password):
            self.login_rejected()
            self.failed_logins += 1
            ret = wire.Ret.WRONG_PASSWORD
            if self.failed_logins >= self.lockout_after:
                self._locked_until = now + self.lockout_seconds
                self.failed_logins = 0
                ret = wire.Ret.USER_LOCKED
            self._reply(conn, request, {"Ret": ret, "SessionID": "0x00000000"})
            return
        self.failed_logins = 0
        self.login_accepted()
        session = next(self._session_ids)
        self.sessions[session] = Session(session, str(body.get("UserName")))
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

    async def _keepalive(self, conn: Conn, request: wire.JsonMessage) -> None:
        self.keepalives += 1
        self._ret(conn, request, wire.Ret.OK, "KeepAlive")

    async def _logout(self, conn: Conn, request: wire.JsonMessage) -> None:
        self._ret(conn, request, wire.Ret.OK)
        if conn.session is not None and self.sessions.pop(conn.session, None) is not None:
            self.logouts += 1

    async def _sysinfo(self, conn: Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        session = conn.session or 0
        value: Any
        if name == "SystemInfo":
            value = system_info(
                self.channels, self.serial, inputs=self.alarm_inputs, talk=self.talk
            )
        elif name == "WorkState":
            # UNCONFIRMED shape; video loss as a bit per channel without a camera.
            loss = sum(1 << channel for channel in self.offline_channels)
            value = {
                "AlarmState": {"AlarmIn": 0, "AlarmOut": 0, "VideoBlind": 0, "VideoLoss": loss},
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

    async def _config_get(self, conn: Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        tree = self.defaults if request.msg_id == MsgId.DEFAULT_CONFIG_GET else self.config
        value, found = resolve(tree, name) if isinstance(name, str) and name else (None, False)
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

    async def _config_set(self, conn: Conn, request: wire.JsonMessage) -> None:
        name = request.body.get("Name")
        if not isinstance(name, str) or not name or name not in request.body:
            self._ret(conn, request, wire.Ret.BAD_FORMAT)
            return
        current, found = resolve(self.config, name)
        if not found:
            self._ret(conn, request, wire.Ret.CONFIG_NOT_FOUND)
            return
        merged = merge(current, request.body[name])
        candidate = copy.deepcopy(self.config)
        parts = name.split(".")
        parent: Any
        parent, _ = resolve(candidate, ".".join(parts[:-1])) if len(parts) > 1 else (None, True)
        last = parts[-1]
        match = PATH_PART.match(last)
        if len(parts) == 1:
            candidate[last] = merged
        elif match is not None:
            parent[int(match.group(1))] = merged
        else:
            parent[last] = merged
        error = validate(candidate)
        if error is not None:
            self._ret(conn, request, wire.Ret.CONFIG_PARSE_ERROR)
            return
        self.config = candidate
        self._ret(conn, request, wire.Ret.OK)

    async def _ability(self, conn: Conn, request: wire.JsonMessage) -> None:
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

    async def _channel_title(self, conn: Conn, request: wire.JsonMessage) -> None:
        """1048 answers the channels' names; 1046 sets them (a list of strings)."""
        if request.msg_id == MsgId.CHANNEL_TITLE_SET:
            titles = request.body.get("ChannelTitle")
            if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
                self._ret(conn, request, wire.Ret.BAD_FORMAT, "ChannelTitle")
                return
            self.channel_titles[: len(titles)] = titles[: self.channels]
            self._ret(conn, request, wire.Ret.OK, "ChannelTitle")
            return
        self._reply(
            conn,
            request,
            {
                "ChannelTitle": list(self.channel_titles),
                "Name": "ChannelTitle",
                "Ret": wire.Ret.OK,
                "SessionID": wire.session_hex(conn.session or 0),
            },
        )

    # --- alarms ----------------------------------------------------------------------------------

    async def _guard(self, conn: Conn, request: wire.JsonMessage) -> None:
        conn.guarded = True
        self._ret(conn, request, wire.Ret.OK)

    async def _unguard(self, conn: Conn, request: wire.JsonMessage) -> None:
        conn.guarded = False  # the capture shows no reply to 1502

    # --- PTZ -------------------------------------------------------------------------------------

    async def _ptz(self, conn: Conn, request: wire.JsonMessage) -> None:
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

    # --- system manager --------------------------------------------------------------------------

    async def _sysmanager(self, conn: Conn, request: wire.JsonMessage) -> None:
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

    def _set_time(self, conn: Conn, request: wire.JsonMessage, name: str) -> None:
        try:
            when = dt.datetime.strptime(str(request.body.get(name)), TIME_FORMAT)
        except ValueError:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        self.time_offset = (when - dt.datetime.now()).total_seconds()
        self._ret(conn, request, wire.Ret.OK)

    async def _sync_time(self, conn: Conn, request: wire.JsonMessage) -> None:
        self._set_time(conn, request, "OPTimeSettingNoRTC")

    async def _delayed_reboot(self) -> None:
        await asyncio.sleep(0.2)
        await self.reboot(3.0)

    async def _time_query(self, conn: Conn, request: wire.JsonMessage) -> None:
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


_HANDLERS: dict[int, str] = {
    MsgId.KEEPALIVE: "_keepalive",
    MsgId.LOGOUT: "_logout",
    MsgId.SYSINFO: "_sysinfo",
    MsgId.CONFIG_GET: "_config_get",
    MsgId.DEFAULT_CONFIG_GET: "_config_get",
    MsgId.CONFIG_SET: "_config_set",
    MsgId.ABILITY: "_ability",
    MsgId.CHANNEL_TITLE_GET: "_channel_title",
    MsgId.CHANNEL_TITLE_SET: "_channel_title",
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
