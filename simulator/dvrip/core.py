"""The simulated XM camera's core: its state, sockets, the reaper, reply helpers.

``DvripCamera`` (camera.py) adds the control API and the command handlers,
``StreamingCamera`` (streams.py) the snapshot, live stream and talk handlers.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import itertools
import logging
import time
from abc import abstractmethod
from collections.abc import Iterable
from typing import Any

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.resolutions import resolution_size
from custom_components.ipcam.protocols.errors import ProtocolError

from ..base import SimulatedCamera
from ..identity import mac_for_port
from .config import OUI, default_config, serial_for_port
from .config import abilities as default_abilities
from .discovery import DiscoveryResponder
from .state import Conn, Ptz, Session

_LOGGER = logging.getLogger(__name__)

MAX_REQUEST_KINDS = 256


class DvripCameraCore(SimulatedCamera):
    """State and sockets of a simulated Xiongmai IPC (or NVR with ``channels`` > 1)."""

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
        ptz_flag: str = "true",
        offline_channels: Iterable[int] = (),
        serial: str | None = None,
        discovery_port: int = 0,
        discovery_answer_port: int | None = None,
        white_light: bool = True,
        talk: bool = True,
        alarm_inputs: int | None = None,
    ) -> None:
        super().__init__(host=host, port=port, username=username, password=password)
        if not 1 <= channels <= 64:
            raise ValueError("channels must be between 1 and 64")
        if snapshot_mode not in ("raw", "frame", "none"):
            raise ValueError("snapshot_mode must be raw, frame or none")
        if ptz_flag not in ("true", "false", "absent"):
            raise ValueError("ptz_flag must be true, false or absent")
        self.channels = channels
        # Channels of a recorder without a camera on them (Ret 121 for their media).
        self.offline_channels = frozenset(offline_channels)
        if not self.offline_channels <= set(range(channels)):
            raise ValueError("offline_channels must be channels of the recorder")
        # Its own identity: the serial given, else one derived from its port, like its MAC.
        self.serial = serial or (serial_for_port(port) if port else "")
        self.mac = mac_for_port(OUI, port) if port else ""
        self.channel_titles = [f"CAM{index + 1:02d}" for index in range(channels)]
        self.alive_interval = alive_interval
        self.lockout_after = lockout_after
        self.lockout_seconds = lockout_seconds
        self.snapshot_mode = snapshot_mode
        self.ptz_reply = ptz_reply
        if alarm_inputs is not None and not 0 <= alarm_inputs <= 64:
            raise ValueError("alarm_inputs must be between 0 and 64")
        # What the device has besides video (SystemInfo, SystemFunction and config say so).
        self.talk, self.alarm_inputs = talk, alarm_inputs
        self.config: dict[str, Any] = default_config(
            channels, inputs=alarm_inputs, light=white_light
        )
        self.defaults: dict[str, Any] = default_config(
            channels, inputs=alarm_inputs, light=white_light
        )
        self.abilities = default_abilities(channels, ptz_flag, light=white_light)
        self.ptz_state = [Ptz() for _ in range(channels)]
        self.sessions: dict[int, Session] = {}
        self._session_ids = itertools.count(1)
        self.failed_logins = 0
        self._locked_until = 0.0
        self.time_offset = 0.0
        self.snapshots = 0
        self.suppressed_alarms = 0
        self.logouts = 0
        self.keepalives = 0
        self.streams_started = 0
        # Requests answered or refused after the login, by "message id name" (bounded).
        self.requests: collections.Counter[str] = collections.Counter()
        self.ptz_commands: list[dict[str, Any]] = []
        self._conns: dict[int, Conn] = {}
        self._talker: Conn | None = None
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self.discovery_port = discovery_port
        # Firmware that answers a search at this port of the asker (34569 on both sides, as
        # the vendor's document draws it) instead of at the port the probe came from.
        self.discovery_answer_port = discovery_answer_port

    # --- lifecycle -------------------------------------------------------------------------------

    async def _start(self) -> dict[str, int]:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        port = int(self._server.sockets[0].getsockname()[1])
        self.spawn(self._reaper())
        loop = asyncio.get_running_loop()
        self._udp, _ = await loop.create_datagram_endpoint(
            lambda: DiscoveryResponder(self), local_addr=(self.host, self.discovery_port)
        )
        udp_port = int(self._udp.get_extra_info("sockname")[1])
        self.serial = self.serial or serial_for_port(port)
        self.mac = self.mac or mac_for_port(OUI, port)
        for tree in (self.config, self.defaults):
            tree["NetWork"]["NetCommon"]["MAC"] = self.mac
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
        """Drop connections that stopped sending (three missed keep-alives), and sessions no
        connection carried for as long (a session not logged out lingers until then)."""
        while True:
            await asyncio.sleep(1.0)
            self.reap(time.monotonic())

    def reap(self, now: float) -> None:
        limit = 3 * max(self.alive_interval, 1) + 2
        for conn in list(self._conns.values()):
            if conn.session in self.sessions:
                self.sessions[conn.session].last_seen = max(
                    self.sessions[conn.session].last_seen, conn.last_seen
                )
            if conn.streams or conn.talking:
                continue
            if now - conn.last_seen > limit:
                _LOGGER.debug("dvrip: dropping idle connection %s", conn.id)
                conn.abort()
        carried = {conn.session for conn in self._conns.values()}
        for session in list(self.sessions.values()):
            if session.session_id not in carried and now - session.last_seen > limit:
                del self.sessions[session.session_id]

    # --- helpers ---------------------------------------------------------------------------------

    def count_request(self, message: wire.JsonMessage) -> None:
        """Count a request by message id and name (a test counts the questions a client asks;
        names beyond the first ``MAX_REQUEST_KINDS`` are counted together)."""
        name = message.body.get("Name")
        key = f"{message.msg_id} {name if isinstance(name, str) else ''}"[:80]
        if key not in self.requests and len(self.requests) >= MAX_REQUEST_KINDS:
            key = f"{message.msg_id} (other)"
        self.requests[key] += 1

    def _now(self) -> dt.datetime:
        return dt.datetime.now() + dt.timedelta(seconds=self.time_offset)

    def _size(self, channel: int, stream: str = "Main") -> tuple[int, int]:
        fmt = "ExtraFormat" if stream.startswith("Extra") else "MainFormat"
        name = self.config["Simplify"]["Encode"][channel][fmt]["Video"]["Resolution"]
        return resolution_size(str(name)) or (640, 480)

    def _reply(self, conn: Conn, request: wire.JsonMessage, body: dict[str, Any]) -> None:
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

    def _ret(self, conn: Conn, request: wire.JsonMessage, ret: int, name: str = "") -> None:
        session = conn.session or 0
        self._reply(
            conn, request, {"Name": name, "Ret": ret, "SessionID": wire.session_hex(session)}
        )

    # --- connection handling ---------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.track(writer.transport):
            return
        conn = Conn(reader, writer)
        self._conns[conn.id] = conn
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                conn.last_seen = time.monotonic()
                gone: ConnectionError | OSError | None = None
                for message in conn.decoder.feed(data):
                    await self.wait_unstalled()
                    try:
                        await self._dispatch(conn, message)
                    except (ConnectionError, OSError) as err:
                        # The client left while its answer was written: what it sent before
                        # leaving still counts (a goodbye and Logout), as on a camera.
                        gone = gone or err
                if gone is not None:
                    raise gone
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

    @abstractmethod
    async def _dispatch(self, conn: Conn, message: wire.Message) -> None:
        """Answer one message from ``conn``."""
