"""Simulated IPCamCGI v1.2 camera (D-Link DCS-930L class with pan/tilt), on aiohttp.web.

Implements every CGI of the document plus D-Link's ``motion.cgi`` and
``iactiveuser.cgi``: HTTP Basic auth (admin from ``system.cgi``, users from
``userlist.cgi`` with their privilege), case-insensitive paths, writes as GET
query strings or POST form bodies, 400 on unknown names or invalid values,
``ConfigReboot=Yes`` and ``reset.cgi`` restart the camera (unreachable for
``reboot_seconds``), ``/image.jpg`` and ``/mjpeg.cgi`` at the configured
resolution and frame rate with the ``--video boundary--`` framing, the I/O and
pan/tilt state in each part's ``Date:`` header, and at most ``max_streams``
concurrent MJPEG streams (503 beyond).

Two options model the firmware differences ``docs/protocols/cgi.md`` leaves
open: ``io_order`` numbers the ``Date:`` I/O digits the document's way
(``"document"``, the default: Trigger1, Trigger2, ImageUpload, ImageEmail from
the left, no inputs) or D-Link's applet's (``"jplug"``: Trigger1 rightmost,
inputs at digits 1-2); ``iocontrol_inputs`` (default True) adds
``Input1``/``Input2`` (not in the document) to ``iocontrol.cgi`` reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from aiohttp import web

from custom_components.ipcam.protocols.cgi.fields import CgiGroup
from custom_components.ipcam.protocols.cgi.groups import (
    COM_MAX,
    DateTimeConfig,
    EmailConfig,
    FtpConfig,
    ImageConfig,
    MotionConfig,
    NetworkConfig,
    SystemConfig,
    UserAccessConfig,
    UserEntry,
    WirelessConfig,
)
from custom_components.ipcam.protocols.cgi.iostate import IoFlags, IoOrder
from custom_components.ipcam.protocols.cgi.query import norm_name
from custom_components.ipcam.protocols.errors import ProtocolError

from ..base import FaultError, SimulatedCamera
from ..media import jpeg_cycle
from .accounts import ADMIN, ANYONE, OPERATOR, VIEWER, access_level, change_users, user_name
from .answers import (
    CONTENT_TYPE,
    encode_io,
    format_date_header,
    format_params,
    format_part,
    image_info,
    io_status_line,
    network_info,
    system_info,
    to_pairs,
    wireless_info,
)
from .pantilt import PanTiltHead
from .requests import BadRequest, apply_changes, parse_request

MAX_REQUEST_BODY: Final = 8192
AUTO_FPS: Final = 15  # FrameRate 0 ("Auto")
REALM: Final = "DCS-930L"

Handler = Callable[[web.Request, list[tuple[str, str]]], Awaitable[web.StreamResponse]]


def _text(pairs: list[tuple[str, str]], *, spaced: bool = False) -> web.Response:
    return web.Response(
        body=format_params(pairs, spaced=spaced),
        content_type="text/html",
        charset="utf-8",
    )


def _no_content() -> web.Response:
    return web.Response(status=204)


def _public(group: CgiGroup) -> dict[str, Any]:
    """A group as JSON-able data, secret fields (passwords, keys) left out."""
    return {
        item.name: getattr(group, item.name)
        for item in dataclasses.fields(group)  # type: ignore[arg-type]
        if item.repr
    }


class CgiCamera(SimulatedCamera):
    """A fake IPCamCGI camera."""

    vendor = "cgi"
    default_port = 80

    def __init__(
        self, *, io_order: str = "document", iocontrol_inputs: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.io_order = IoOrder(io_order)
        self.iocontrol_inputs = iocontrol_inputs
        self.max_streams = 3
        self.reboot_seconds = 3.0
        self.swing_interval = 1.0
        # A camera on a fixed port keeps its MAC across restarts (the demo re-adds nothing);
        # on port 0 (tests) every camera is a different one.
        tail = (
            [0x30, self.port >> 8 & 0xFF, self.port & 0xFF]
            if self.port
            else [random.randrange(256) for _ in range(3)]
        )
        self.mac = "00:40:8c:" + ":".join(f"{byte:02x}" for byte in tail)
        self.model = "DCS-930L"
        self.firmware = "1.04 (2010-06-25)"
        self.streams = 0
        self.streams_total = 0
        self.frames_sent = 0
        self.com_out: list[str] = []
        self.active_users: dict[int, tuple[str, str, str]] = {}
        self.requests: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._stopping = False
        self._stop_event = asyncio.Event()
        self._swing_task: asyncio.Task[Any] | None = None
        self._factory_defaults()

    # --- state -------------------------------------------------------------------------------

    def _factory_defaults(self) -> None:
        self.system = SystemConfig(
            camera_name=self.model,
            location="",
            admin_id=self.username,
            admin_password=self.password,
            led_control=0,
        )
        self.datetime = DateTimeConfig(time_server="pool.ntp.org", time_zone_index=31)
        self.clock_offset = 0.0
        self.user_access = UserAccessConfig(access_control_enable=0)
        self.users: list[UserEntry] = []
        self.image = ImageConfig(video_resolution=1, frame_rate=0)
        self.network = NetworkConfig(
            ip_address_mode=4,
            ip_address=self.host if self.host.count(".") == 3 else "192.168.0.20",
            subnet_mask="255.255.255.0",
            default_gateway="192.168.0.1",
            dns1="192.168.0.1",
            dns2="",
        )
        self.wireless = WirelessConfig(ssid="dlink")
        self.ftp = FtpConfig()
        self.email = EmailConfig()
        self.motion = MotionConfig()
        self.io = {"trigger1": 0, "trigger2": 0, "image_upload": 0, "image_email": 0}
        self.inputs = {1: 0, 2: 0}
        self.head = PanTiltHead()

    def _now(self) -> dt.datetime:
        return dt.datetime.now() + dt.timedelta(seconds=self.clock_offset)

    @property
    def pan(self) -> int:
        return self.head.pan

    @property
    def tilt(self) -> int:
        return self.head.tilt

    @property
    def presets(self) -> dict[int, tuple[int, int, str]]:
        return self.head.presets

    @property
    def swing(self) -> int:
        return self.head.swing

    def io_digits(self) -> str:
        return encode_io(
            IoFlags(
                trigger1=bool(self.io["trigger1"]),
                trigger2=bool(self.io["trigger2"]),
                image_upload=bool(self.io["image_upload"]),
                image_email=bool(self.io["image_email"]),
                input1=bool(self.inputs[1]),
                input2=bool(self.inputs[2]),
            ),
            self.io_order,
        )

    def date_header(self) -> str:
        stamp = self._now().strftime("%Y-%m-%d %H:%M:%S")
        return format_date_header(stamp, self.io_digits(), self.pan, self.tilt)

    @property
    def fps(self) -> int:
        return self.image.frame_rate or AUTO_FPS

    def current_jpeg(self) -> bytes:
        width, height = self.image.size
        frames = jpeg_cycle(width, height)
        return frames[int(time.monotonic() * self.fps) % len(frames)]

    # --- lifecycle ---------------------------------------------------------------------------

    async def _start(self) -> dict[str, int]:
        self._stopping = False
        self._stop_event.clear()
        jpeg_cycle(*self.image.size)  # encode before the first client waits for it
        app = web.Application(client_max_size=MAX_REQUEST_BODY)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        # A viewer that hangs up frees its stream slot at once (handler cancelled), as a
        # camera notices the closed connection; not at the stream's next write.
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes no public bound-port accessor
        sockets = getattr(server, "sockets", None) or []
        port = int(sockets[0].getsockname()[1]) if sockets else self.port
        return {"http": port}

    async def _stop(self) -> None:
        self._stopping = True
        self._stop_event.set()
        self._stop_swing()
        self.drop_connections()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _wait_unstalled(self) -> bool:
        """Like ``wait_unstalled``, but give up (False) when the simulator stops."""
        while self.stalled and not self._stop_event.is_set():
            remaining = self._stalled_until - time.monotonic()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop_event.wait(), max(0.001, remaining))
        return not self._stopping

    async def on_reboot(self) -> None:
        self.head.swing = 0
        self._stop_swing()
        self.active_users.clear()

    def _schedule_reboot(self, factory: bool = False) -> None:
        async def later() -> None:
            await asyncio.sleep(0.05)  # let the answer go out first
            if factory:
                self._factory_defaults()
            await self.reboot(self.reboot_seconds)

        self.spawn(later())

    # --- control API -------------------------------------------------------------------------

    async def push_event(self, kind: str, active: bool, channel: int) -> None:
        if kind != "input":
            raise FaultError(
                f"IPCamCGI cameras report only alarm inputs ('input', channel 1 or 2), not {kind!r}"
            )
        if channel == 0:
            channel = 1
        if channel not in (1, 2):
            raise FaultError("input channel must be 1 or 2")
        self.inputs[channel] = int(active)

    def vendor_state(self) -> dict[str, Any]:
        width, height = self.image.size
        return {
            "model": self.model,
            "mac": self.mac,
            "system": _public(self.system),
            "datetime": {
                **_public(self.datetime),
                "date": self._now().strftime("%Y-%m-%d"),
                "time": self._now().strftime("%H:%M:%S"),
            },
            "user_access": _public(self.user_access),
            "users": [{"name": u.user_name, "privilege": u.user_privilege} for u in self.users],
            "image": _public(self.image),
            "network": _public(self.network),
            "wireless": _public(self.wireless),
            "ftp": _public(self.ftp),
            "email": _public(self.email),
            "motion": _public(self.motion),
            "io": dict(self.io),
            "inputs": {str(k): v for k, v in self.inputs.items()},
            "io_digits": self.io_digits(),
            "io_order": self.io_order.value,
            "iocontrol_inputs": self.iocontrol_inputs,
            "ptz": {"pan": self.pan, "tilt": self.tilt, "swing": self.swing},
            "presets": {
                str(n): {"pan": p, "tilt": t, "name": name}
                for n, (p, t, name) in sorted(self.presets.items())
            },
            "led": self.system.led_control,
            "resolution": f"{width}x{height}",
            "frame_rate": self.image.frame_rate,
            "fps": self.fps,
            "mjpeg_streams": self.streams,
            "mjpeg_streams_total": self.streams_total,
            "frames_sent": self.frames_sent,
            "com_out": list(self.com_out),
            "requests": dict(self.requests),
        }

    # --- HTTP --------------------------------------------------------------------------------

    def _routes(self) -> dict[str, tuple[int, Handler]]:
        return {
            "/cgiversion.cgi": (ADMIN, self._cgiversion),
            "/isystem.cgi": (ADMIN, self._isystem),
            "/system.cgi": (ADMIN, self._config("system")),
            "/datetime.cgi": (ADMIN, self._datetime),
            "/user.cgi": (ADMIN, self._config("user_access")),
            "/userlist.cgi": (ADMIN, self._userlist),
            "/activeuser.cgi": (ADMIN, self._activeuser),
            "/iactiveuser.cgi": (ADMIN, self._activeuser),
            "/iimage.cgi": (ADMIN, self._iimage),
            "/image.cgi": (ADMIN, self._config("image")),
            "/inetwork.cgi": (ADMIN, self._inetwork),
            "/network.cgi": (ADMIN, self._config("network")),
            "/iwireless.cgi": (ADMIN, self._iwireless),
            "/wireless.cgi": (ADMIN, self._config("wireless")),
            "/upload.cgi": (ADMIN, self._config("ftp")),
            "/email.cgi": (ADMIN, self._config("email")),
            "/motion.cgi": (ADMIN, self._config("motion")),
            "/reset.cgi": (ADMIN, self._reset),
            "/image.jpg": (VIEWER, self._image_jpg),
            "/image/jpeg.cgi": (VIEWER, self._image_jpg),
            "/mjpeg.cgi": (VIEWER, self._mjpeg),
            "/iocontrol.cgi": (VIEWER, self._iocontrol),
            "/pantiltcontrol.cgi": (OPERATOR, self._pantilt),
            "/comport.cgi": (OPERATOR, self._comport),
        }

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if self._stopping or not self.track(transport):
            raise web.HTTPServiceUnavailable()
        try:
            if not await self._wait_unstalled():
                raise web.HTTPServiceUnavailable()
            response = await self._dispatch(request)
            response.force_close()
            return response
        finally:
            self.untrack(transport)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.lower()
        route = self._routes().get(path)
        if route is None:
            return web.Response(status=404, text="404 Not Found\r\n")
        self.requests[path] = self.requests.get(path, 0) + 1
        needed, handler = route
        if needed == VIEWER and self.user_access.access_control_enable == 1:
            needed = ANYONE  # access control disabled: viewing is open
        try:
            params = await self._params(request)
            if path == "/iocontrol.cgi" and params:
                needed = OPERATOR
            header = request.headers.get("Authorization", "")
            level = access_level(header, self.system, self.users)
            if level < needed:
                if level == ANYONE:
                    return web.Response(
                        status=401,
                        text="401 Unauthorized\r\n",
                        headers={"WWW-Authenticate": f'Basic realm="{REALM}"'},
                    )
                return web.Response(status=403, text="403 Forbidden\r\n")
            return await handler(request, params)
        except BadRequest as err:
            return web.Response(status=400, text=f"400 Bad Request: {err}\r\n")

    async def _params(self, request: web.Request) -> list[tuple[str, str]]:
        try:
            params = parse_request(request.query_string)
            if request.method == "POST":
                body = await request.content.read(MAX_REQUEST_BODY + 1)
                if len(body) > MAX_REQUEST_BODY:
                    raise BadRequest("body too large")
                params += parse_request(body)
        except ProtocolError as err:
            raise BadRequest(str(err)) from None
        return params

    # --- configuration CGIs -------------------------------------------------------------------

    def _config(self, attr: str) -> Handler:
        async def handler(request: web.Request, params: list[tuple[str, str]]) -> web.Response:
            group: CgiGroup = getattr(self, attr)
            if params:
                group, reboot = apply_changes(group, params)
                setattr(self, attr, group)
                if attr == "image":
                    jpeg_cycle(*self.image.size)
                if reboot:
                    self._schedule_reboot()
            return _text(to_pairs(group))

        return handler

    async def _datetime(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        if params:
            group, reboot = apply_changes(self.datetime, params)
            assert isinstance(group, DateTimeConfig)
            names = {norm_name(n) for n, _ in params}
            if "date" in names or "time" in names:
                now = self._now()
                date = group.date if "date" in names else now.strftime("%Y-%m-%d")
                clock = group.time if "time" in names else now.strftime("%H:%M:%S")
                try:
                    wanted = dt.datetime.strptime(f"{date} {clock}", "%Y-%m-%d %H:%M:%S")
                except ValueError as err:
                    raise BadRequest(str(err)) from None
                self.clock_offset = (wanted - dt.datetime.now()).total_seconds()
            self.datetime = group
            if reboot:
                self._schedule_reboot()
        now = self._now()
        current = dataclasses.replace(
            self.datetime, date=now.strftime("%Y-%m-%d"), time=now.strftime("%H:%M:%S")
        )
        return _text(to_pairs(current))

    async def _cgiversion(
        self, request: web.Request, params: list[tuple[str, str]]
    ) -> web.Response:
        return _text([("CGIVersion", "2")])

    async def _isystem(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        return _text(system_info(self.system, self.network, self.model, self.firmware, self.mac))

    async def _iimage(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        return _text(image_info(self.image, len(self.current_jpeg())))

    async def _inetwork(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        return _text(network_info(self.network))

    async def _iwireless(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        return _text(wireless_info(self.wireless))

    # --- users ---------------------------------------------------------------------------------

    def _userlist_answer(self) -> web.Response:
        pairs: list[tuple[str, str]] = []
        for user in self.users:
            pairs += to_pairs(user)
        return _text(pairs, spaced=True)

    async def _userlist(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        if not params:
            return self._userlist_answer()
        self.users = change_users(self.users, self.system.admin_id, params)
        return self._userlist_answer()

    async def _activeuser(
        self, request: web.Request, params: list[tuple[str, str]]
    ) -> web.Response:
        pairs: list[tuple[str, str]] = []
        for ip, user, since in self.active_users.values():
            ms = 1000 // self.fps
            pairs += [
                ("UserIPAddress", ip),
                ("UserName", user),
                ("AccessDateTime", since),
                ("MinisecondPerPacket", str(ms)),
            ]
        return _text(pairs, spaced=True)

    # --- system tools --------------------------------------------------------------------------

    async def _reset(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        given = {norm_name(n): v.lower() for n, v in params}
        if given == {"reset": "yes"}:
            self._schedule_reboot()
        elif given == {"factoryreset": "yes"}:
            self._schedule_reboot(factory=True)
        else:
            raise BadRequest("expected Reset=Yes or FactoryReset=Yes")
        return _no_content()

    # --- streaming -----------------------------------------------------------------------------

    async def _image_jpg(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        return web.Response(body=self.current_jpeg(), content_type="image/jpeg")

    async def _mjpeg(
        self, request: web.Request, params: list[tuple[str, str]]
    ) -> web.StreamResponse:
        if self.streams >= self.max_streams:
            return web.Response(status=503, text="503 Service Unavailable: too many streams\r\n")
        response = web.StreamResponse(status=200)
        response.headers["Content-Type"] = CONTENT_TYPE
        response.headers["Cache-Control"] = "no-cache"
        response.force_close()
        self.streams += 1
        self.streams_total += 1
        key = id(response)
        user = user_name(request.headers.get("Authorization", ""))
        peer = request.remote or ""
        self.active_users[key] = (peer, user, self._now().strftime("%Y-%m-%d %H:%M:%S"))
        try:
            await response.prepare(request)
            loop = asyncio.get_running_loop()
            next_at = loop.time()
            while await self._wait_unstalled() and self.reachable:
                await response.write(format_part(self.current_jpeg(), self.date_header()))
                self.frames_sent += 1
                next_at += 1 / self.fps
                delay = next_at - loop.time()
                if delay < -1:  # fell behind (slow reader): do not burst
                    next_at = loop.time()
                await asyncio.sleep(max(0.0, delay))
        except (ConnectionError, RuntimeError):
            pass  # the viewer went away (or we dropped it)
        finally:
            self.streams -= 1
            self.active_users.pop(key, None)
        return response

    # --- remote control ------------------------------------------------------------------------

    async def _iocontrol(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        if not params:
            line = io_status_line(
                self.io,
                self.inputs if self.iocontrol_inputs else None,
                self._now().strftime("%Y-%m-%d %H:%M:%S"),
            )
            return web.Response(body=line, content_type="text/html", charset="utf-8")
        names = {
            "trigger1": "trigger1",
            "trigger2": "trigger2",
            "imageupload": "image_upload",
            "imageemail": "image_email",
        }
        changes: dict[str, int] = {}
        for name, value in params:
            attr = names.get(norm_name(name))
            if attr is None:
                raise BadRequest(f"unknown parameter {name!r}")
            if value.strip() not in ("0", "1"):
                raise BadRequest(f"{name}={value!r}: expected 0 or 1")
            changes[attr] = int(value.strip())
        self.io.update(changes)
        return _no_content()

    async def _pantilt(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        self.head.command(params)
        if self.head.swing != 2:
            self._stop_swing()
        elif self._swing_task is None:
            self._swing_task = self.spawn(self._swing_loop())
        return _no_content()

    def _stop_swing(self) -> None:
        if self._swing_task is not None:
            self._swing_task.cancel()
            self._swing_task = None

    async def _swing_loop(self) -> None:
        index = 0
        while self.head.swing == 2 and self.head.presets:
            self.head.swing_step(index)
            index += 1
            await asyncio.sleep(self.swing_interval)

    async def _comport(self, request: web.Request, params: list[tuple[str, str]]) -> web.Response:
        given = {norm_name(n): v for n, v in params}
        if set(given) != {"comout", "comsend"} or given["comsend"].lower() != "yes":
            raise BadRequest("expected ComOut=<data>&ComSend=Yes")
        if len(given["comout"]) > COM_MAX:
            raise BadRequest("ComOut too long")
        self.com_out = [*self.com_out[-15:], given["comout"]]
        return _no_content()
