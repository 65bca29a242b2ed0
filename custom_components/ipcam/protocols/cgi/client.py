"""Asyncio client for IPCamCGI v1.2 cameras (D-Link DCS-930L class) over aiohttp.

HTTP Basic auth on every request. Reads are ``GET /<name>.cgi``; configuration
writes are GET query strings with ``ConfigReboot`` (as D-Link's SDK sends them);
control writes (I/O, pan/tilt, COM port) are POST form bodies (as the document
and D-Link's applet send them).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import re
import time
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping
from typing import Any, Final, TypeVar

import aiohttp
from yarl import URL

from ..base import (
    CameraClient,
    CameraEvent,
    Capability,
    DeviceIdentity,
    EventKind,
    PresetAction,
    PtzMove,
    SettingKey,
    Settings,
    Vendor,
    VideoFrame,
)
from ..errors import (
    AuthError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from . import wire
from .mjpeg import MAX_FRAME, MjpegParser, MjpegPart, is_jpeg, jpeg_size
from .profile import PROFILE
from .wire import (
    FRAME_RATES,
    PRESET_MAX,
    RESOLUTIONS,
    ActiveUser,
    CgiGroup,
    DateTimeConfig,
    EmailConfig,
    FtpConfig,
    ImageConfig,
    ImageInfo,
    IoFlags,
    IoOrder,
    IoStatus,
    LedMode,
    MjpegState,
    MotionConfig,
    NetworkConfig,
    NetworkInfo,
    PanTiltMove,
    Params,
    SwingMode,
    SystemConfig,
    SystemInfo,
    UserAccessConfig,
    UserEntry,
    WirelessConfig,
    WirelessInfo,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0
MANUFACTURER: Final = "IPCamCGI"  # generic CAS-3xx and OEM models
_CHUNK: Final = 64 * 1024

G = TypeVar("G", bound=CgiGroup)

RESOLUTION_OPTIONS: Final = tuple(f"{w}x{h}" for w, h in RESOLUTIONS.values())
FRAME_RATE_OPTIONS: Final = tuple(str(rate) for rate in FRAME_RATES)  # "0" is Auto

_MOVES: Final = {
    PtzMove.UP: PanTiltMove.UP,
    PtzMove.DOWN: PanTiltMove.DOWN,
    PtzMove.LEFT: PanTiltMove.LEFT,
    PtzMove.RIGHT: PanTiltMove.RIGHT,
    PtzMove.HOME: PanTiltMove.HOME,
}


def parse_resolution(value: object) -> int:
    """``"640x480"`` (or ``"640 x 480"``, or the index 0/1/2) -> ``VideoResolution`` index."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value in RESOLUTIONS:
            return value
        raise InvalidValue(f"resolution index {value} is not one of {tuple(RESOLUTIONS)}")
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+)\s*[xX\u00d7]\s*(\d+)\s*", value)
        if match is not None:
            size = (int(match.group(1)), int(match.group(2)))
            for index, known in RESOLUTIONS.items():
                if known == size:
                    return index
    raise InvalidValue(f"resolution {value!r} is not one of {', '.join(RESOLUTION_OPTIONS)}")


def parse_frame_rate(value: object) -> int:
    """``"15"`` / ``15`` -> 15; ``"0"`` or ``"auto"`` -> 0 (Auto)."""
    if isinstance(value, str) and value.strip().lower() == "auto":
        return 0
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or number not in FRAME_RATES:
        raise InvalidValue(f"frame rate {value!r} is not one of {', '.join(FRAME_RATE_OPTIONS)}")
    return number


def _as_bool(key: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("on", "off", "true", "false", "1", "0"):
        return value.strip().lower() in ("on", "true", "1")
    raise InvalidValue(f"{key} expects a boolean, got {value!r}")


class Client(CameraClient):
    """IPCamCGI camera client.

    Options: ``session`` (an ``aiohttp.ClientSession`` to use; otherwise the
    client creates and owns one), ``timeout`` (seconds for every request and
    every stream read, default 10), ``io_order`` (``"jplug"`` default or
    ``"document"``: how the ``IO_`` digits of the MJPEG ``Date:`` header are
    numbered), ``poll_interval`` (seconds between ``iocontrol.cgi`` polls in
    ``events()``, default 1), ``max_frame`` (bytes, default 4 MiB), ``ptz``
    (False for cameras without pan/tilt, default True).
    """

    profile = PROFILE
    vendor = Vendor.CGI
    ptz_needs_stop = False  # pan/tilt moves are single steps; nothing keeps moving

    def __init__(
        self,
        host: str,
        port: int | None = 80,
        username: str = "admin",
        password: str = "",
        *,
        session: aiohttp.ClientSession | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        io_order: IoOrder | str = IoOrder.JPLUG,
        poll_interval: float = 1.0,
        max_frame: int = MAX_FRAME,
        ptz: bool = True,
        **_options: Any,
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port or 80
        self.username = username
        self.__password = password
        self._auth = aiohttp.BasicAuth(username, password)
        self._session = session
        self._own_session = session is None
        self._timeout = float(timeout)
        self._io_order = IoOrder(io_order)
        self._poll_interval = max(0.1, float(poll_interval))
        self._max_frame = int(max_frame)
        self._ptz = ptz
        host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
        self._base = f"http://{host_part}:{self.port}"
        self._closed = False
        self.device_info: SystemInfo | None = None
        self.last_io_state: MjpegState | None = None
        self.last_io_status: IoStatus | None = None
        self._inputs_in_iocontrol = False
        self._requests = 0
        self._last_error = ""

    def __repr__(self) -> str:
        return f"<cgi.Client {self.username}@{self._base}>"

    # --- HTTP plumbing -----------------------------------------------------------------------

    async def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise CannotConnect("client is closed")
        if self._session is None:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True, limit=8),
                timeout=aiohttp.ClientTimeout(total=None),
            )
            self._own_session = True
        if self._session.closed:
            raise CannotConnect("the HTTP session is closed")
        return self._session

    def _url(self, path: str, params: Mapping[str, str] | None = None) -> URL:
        url = self._base + path
        if params:
            url += "?" + wire.format_query(params)
        return URL(url, encoded=True)

    def _raise_for_status(self, status: int, path: str, body: bytes = b"") -> None:
        if status in (200, 204):
            return
        detail = body[:120].decode("utf-8", errors="replace").strip()
        if status == 401:
            raise AuthError(f"{path}: the camera rejected the credentials (401)")
        if status == 403:
            raise AuthError(f"{path}: the account may not do this (403)")
        if status == 503:
            raise DeviceBusy(f"{path}: the camera is busy (503)")
        if status == 400:
            raise InvalidValue(
                f"{path}: the camera rejected the parameters (400 Bad Request)"
                + (f": {detail}" if detail else "")
            )
        if status == 404:
            raise NotSupported(f"{path}: not supported by this camera (404)")
        raise ProtocolError(f"{path}: unexpected HTTP status {status}")

    async def _request(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        post: bool = False,
        limit: int = wire.MAX_BODY,
    ) -> tuple[int, bytes, str]:
        """One request; returns (status, body, content type). Maps transport errors."""
        session = await self._get_session()
        self._requests += 1
        try:
            async with asyncio.timeout(self._timeout):
                if post:
                    response = await session.post(
                        self._url(path),
                        data=wire.format_query(params or {}).encode("ascii"),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                        auth=self._auth,
                        allow_redirects=False,
                        timeout=aiohttp.ClientTimeout(total=self._timeout),
                    )
                else:
                    response = await session.get(
                        self._url(path, params),
                        auth=self._auth,
                        allow_redirects=False,
                        timeout=aiohttp.ClientTimeout(total=self._timeout),
                    )
                async with response:
                    body = await _read_bounded(response, limit)
                    content_type = response.headers.get("Content-Type", "")
                    status = response.status
        except TimeoutError as err:
            self._last_error = "timeout"
            raise CannotConnect(f"{path}: no answer within {self._timeout:g} s") from err
        except aiohttp.ClientError as err:
            self._last_error = type(err).__name__
            raise CannotConnect(f"{path}: {type(err).__name__}: {_safe(err)}") from err
        except OSError as err:
            self._last_error = type(err).__name__
            raise CannotConnect(f"{path}: {err.strerror or type(err).__name__}") from err
        self._raise_for_status(status, path, body)
        return status, body, content_type

    async def _get_params(
        self, path: str, params: Mapping[str, str] | None = None, *, split_amp: bool = False
    ) -> Params:
        _, body, _ = await self._request(path, params)
        return wire.parse_params(body, split_amp=split_amp)

    async def _control(self, path: str, params: Mapping[str, str]) -> None:
        """A control write (POST form body; the camera answers 204)."""
        await self._request(path, params, post=True)

    async def _read_group(self, cls: type[G], required: Iterable[str] = ()) -> G:
        params = await self._get_params(cls.PATH)
        _require(params, cls.PATH, required)
        return wire.from_params(cls, params)

    async def _write_group(
        self, group: G, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> G:
        params = wire.config_write(group, only=only, reboot=reboot)
        path = type(group).PATH
        try:
            _, body, _ = await self._request(path, params)
        except CannotConnect:
            if reboot:  # the camera may go away before answering
                return group
            raise
        answer = wire.parse_params(body)
        if not answer:
            return await self._read_group(type(group))
        return wire.from_params(type(group), answer)

    # --- CameraClient ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read ``isystem.cgi`` (login check) and ``iocontrol.cgi``; set identity, capabilities."""
        self._closed = False  # connect() after close() reconnects (the client contract)
        info = await self.get_device_info()
        self.device_info = info
        mac = info.mac
        unique_id = mac or f"{self.host}:{self.port}"
        self._identity = DeviceIdentity(
            vendor=Vendor.CGI,
            unique_id=unique_id,
            name=info.camera_name or info.model or "IPCamCGI camera",
            model=info.model,
            manufacturer="D-Link" if info.model.upper().startswith("DCS") else MANUFACTURER,
            firmware=info.firmware_version,
            mac=mac,
        )
        try:
            status = await self.get_io_status()
        except (NotSupported, ProtocolError, AuthError, InvalidValue):
            status = None
        self._inputs_in_iocontrol = status is not None and status.input1 is not None
        caps = {
            Capability.SNAPSHOT,
            Capability.VIDEO,
            Capability.REBOOT,
            Capability.LED,
            Capability.RESOLUTION,
            Capability.FRAME_RATE,
        }
        if status is not None:
            caps |= {Capability.ALARM_OUT, Capability.ALARM_OUT_2}
        if self._io_order is IoOrder.JPLUG or self._inputs_in_iocontrol:
            caps.add(Capability.INPUTS)
        if self._inputs_in_iocontrol:
            caps.add(Capability.EVENTS)
        if self._ptz:
            caps |= {Capability.PTZ, Capability.PTZ_HOME, Capability.PTZ_PRESETS}
        self.capabilities = frozenset(caps)

    async def close(self) -> None:
        """Close the session we own (a caller's session stays open); ``connect()`` reopens."""
        self._closed = True
        if self._own_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "requests": self._requests,
            "last_error": self._last_error,
            "io_order": self._io_order.value,
            "inputs_in_iocontrol": self._inputs_in_iocontrol,
            "last_io_state": dataclasses.asdict(self.last_io_state) if self.last_io_state else None,
        }

    def stream_url(self) -> str | None:
        """The MJPEG URL with credentials (for ffmpeg/PyAV with ``format="mjpeg"``)."""
        user = urllib.parse.quote(self.username, safe="")
        password = urllib.parse.quote(self.__password, safe="")
        netloc = self._base.removeprefix("http://")
        return f"http://{user}:{password}@{netloc}/mjpeg.cgi"

    async def snapshot(self) -> bytes:
        """``/image.jpg`` (else D-Link's ``/image/jpeg.cgi``); ProtocolError unless a JPEG."""
        try:
            _, body, _ = await self._request("/image.jpg", limit=self._max_frame)
        except NotSupported:
            _, body, _ = await self._request("/image/jpeg.cgi", limit=self._max_frame)
        jpeg = body.rstrip(b"\r\n")
        if not is_jpeg(jpeg):
            raise ProtocolError("/image.jpg did not return a JPEG image")
        return jpeg

    async def video(self) -> AsyncIterator[VideoFrame]:
        """``/mjpeg.cgi`` frames as ``VideoFrame(codec="jpeg")``; updates ``last_io_state``."""
        start = time.monotonic()
        count = 0
        async with contextlib.aclosing(self._stream_parts()) as parts:
            async for part in parts:
                try:
                    width, height = jpeg_size(part.jpeg)
                except ProtocolError:
                    width = height = 0
                elapsed = time.monotonic() - start
                count += 1
                yield VideoFrame(
                    codec="jpeg",
                    data=part.jpeg,
                    keyframe=True,
                    width=width,
                    height=height,
                    timestamp=elapsed,
                    fps=round((count - 1) / elapsed, 2) if count > 1 and elapsed > 0 else 0.0,
                )

    async def _stream_parts(self) -> AsyncGenerator[MjpegPart]:
        session = await self._get_session()
        path = "/mjpeg.cgi"
        response: aiohttp.ClientResponse | None = None
        try:
            async with asyncio.timeout(self._timeout):
                response = await session.get(
                    self._url(path),
                    auth=self._auth,
                    headers={"User-Agent": "user"},
                    allow_redirects=False,
                    timeout=aiohttp.ClientTimeout(
                        total=None, sock_connect=self._timeout, sock_read=self._timeout
                    ),
                )
            if response.status != 200:
                body = await _read_bounded(response, 1024)
                self._raise_for_status(response.status, path, body)
                raise ProtocolError(f"{path}: unexpected HTTP status {response.status}")
            parser = MjpegParser(self._max_frame)
            while True:
                async with asyncio.timeout(self._timeout):
                    chunk = await response.content.readany()
                parts = parser.feed(chunk) if chunk else parser.close()
                for part in parts:
                    if part.state is not None:
                        self.last_io_state = part.state
                    yield part
                if not chunk:
                    raise CannotConnect(f"{path}: the camera ended the stream")
        except TimeoutError as err:
            raise CannotConnect(f"{path}: no data within {self._timeout:g} s") from err
        except aiohttp.ClientError as err:
            raise CannotConnect(f"{path}: {type(err).__name__}: {_safe(err)}") from err
        except OSError as err:
            raise CannotConnect(f"{path}: {err.strerror or type(err).__name__}") from err
        finally:
            if response is not None:
                response.close()

    async def read_stream_state(self) -> MjpegState:
        """Open the MJPEG stream, read one part's ``Date:`` state (I/O digits, pan, tilt), close."""
        async with contextlib.aclosing(self._stream_parts()) as parts:
            async for part in parts:
                if part.state is None:
                    raise ProtocolError("MJPEG part without an IO_..._PT_... Date header")
                return part.state
        raise CannotConnect("MJPEG stream ended before the first frame")

    @property
    def last_io_flags(self) -> IoFlags | None:
        """``last_io_state`` decoded with the configured ``io_order``."""
        return self.last_io_state.flags(self._io_order) if self.last_io_state else None

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        """A step move (speed = degrees 1...10, default 5); HOME; STOP ends a preset swing."""
        if not self._ptz:
            raise NotSupported("pan/tilt is disabled for this camera")
        move = PtzMove(move)
        if move is PtzMove.STOP:
            await self.ptz_swing(SwingMode.DISABLE)
            return
        code = _MOVES.get(move)
        if code is None:
            raise NotSupported(f"IPCamCGI cameras cannot {move.value}")
        degree = 5 if speed is None else speed
        if isinstance(degree, bool) or not isinstance(degree, int):
            raise InvalidValue(f"speed must be an integer 1...10, got {speed!r}")
        degree = max(1, min(wire.DEGREE_MAX, degree))
        await self.ptz_step(code, degree, degree)

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        """GOTO 0...24 (0 = home), SET 1...24 (at the current position), CLEAR 1...24."""
        if not self._ptz:
            raise NotSupported("pan/tilt is disabled for this camera")
        action = PresetAction(action)
        if isinstance(preset, bool) or not isinstance(preset, int):
            raise InvalidValue(f"preset must be an integer, got {preset!r}")
        if action is PresetAction.GOTO:
            await self.ptz_goto_preset(preset)
        elif action is PresetAction.SET:
            if not 1 <= preset <= PRESET_MAX:
                raise InvalidValue(f"preset {preset} is outside 1...{PRESET_MAX} (0 is home)")
            pan, tilt = await self.get_position()
            await self.ptz_set_preset(preset, pan, tilt, f"Preset {preset}")
        else:
            await self.ptz_clear_preset(preset)

    async def reboot(self) -> None:
        """``reset.cgi?Reset=Yes``; the camera answers 204 (or just goes away)."""
        await self._reset(wire.RESTART)

    async def read_settings(self) -> Settings:
        """Trigger 1/2, LED, resolution, frame rate and inputs, as the camera reports them."""
        values: dict[str, bool | int | str | None] = {}
        status: IoStatus | None = None
        if Capability.ALARM_OUT in self.capabilities:
            status = await self.get_io_status()
            values[SettingKey.ALARM_OUT] = bool(status.trigger1)
            values[SettingKey.ALARM_OUT_2] = bool(status.trigger2)
        system = await self.get_system()
        values[SettingKey.LED] = system.led_control != LedMode.OFF
        image = await self.get_image()
        width, height = image.size
        values[SettingKey.RESOLUTION] = f"{width}x{height}"
        values[SettingKey.FRAME_RATE] = str(image.frame_rate)
        if Capability.INPUTS in self.capabilities:
            input1, input2 = await self._read_inputs(status)
            values[SettingKey.INPUT_1] = input1
            values[SettingKey.INPUT_2] = input2
        return Settings(
            values=values,
            options={
                SettingKey.RESOLUTION: RESOLUTION_OPTIONS,
                SettingKey.FRAME_RATE: FRAME_RATE_OPTIONS,
            },
        )

    async def _read_inputs(self, status: IoStatus | None) -> tuple[bool | None, bool | None]:
        if status is not None and status.input1 is not None:
            return bool(status.input1), bool(status.input2)
        if self._io_order is not IoOrder.JPLUG:
            return None, None
        try:
            flags = (await self.read_stream_state()).flags(IoOrder.JPLUG)
        except DeviceBusy:
            flags = self.last_io_flags or IoFlags()
            if self.last_io_state is None:
                return None, None
        return flags.input1, flags.input2

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        """alarm_out / alarm_out_2 (Trigger 1/2), led, resolution ("640x480"), frame_rate ("15")."""
        if key == SettingKey.ALARM_OUT:
            await self.set_trigger(1, _as_bool(key, value))
        elif key == SettingKey.ALARM_OUT_2:
            await self.set_trigger(2, _as_bool(key, value))
        elif key == SettingKey.LED:
            led = LedMode.NORMAL if _as_bool(key, value) else LedMode.OFF
            await self.set_system(SystemConfig(led_control=led), only=("led_control",))
        elif key == SettingKey.RESOLUTION:
            index = parse_resolution(value)
            await self.set_image(ImageConfig(video_resolution=index), only=("video_resolution",))
        elif key == SettingKey.FRAME_RATE:
            rate = parse_frame_rate(value)
            await self.set_image(ImageConfig(frame_rate=rate), only=("frame_rate",))
        elif key in (SettingKey.INPUT_1, SettingKey.INPUT_2):
            raise NotSupported(f"{key} is read-only")
        else:
            raise NotSupported(f"setting {key!r} is not supported by IPCamCGI cameras")

    async def events(self) -> AsyncIterator[CameraEvent]:
        """Alarm-input changes, polled from ``iocontrol.cgi`` every ``poll_interval`` seconds.

        Only offered (``Capability.EVENTS``) when the camera reports ``Input1``/``Input2``
        there; the current state of each input is reported first.
        """
        if not self._inputs_in_iocontrol:
            raise NotSupported("this camera does not report its alarm inputs")
        known: dict[int, bool] = {}
        while True:
            status = await self.get_io_status()
            for channel, value in ((1, status.input1), (2, status.input2)):
                if value is None:
                    continue
                active = bool(value)
                if known.get(channel) != active:
                    known[channel] = active
                    yield CameraEvent(EventKind.INPUT, active, channel, raw=f"Input{channel}")
            await asyncio.sleep(self._poll_interval)

    # --- device information (3.1) ------------------------------------------------------------

    async def get_cgi_version(self) -> int:
        _, body, _ = await self._request("/cgiversion.cgi")
        return wire.parse_cgi_version(body)

    async def get_device_info(self) -> SystemInfo:
        """``/isystem.cgi``; also the login check of ``connect()``."""
        return await self._read_group(SystemInfo, ("Model", "MACAddress", "CameraName"))

    async def get_system(self) -> SystemConfig:
        return await self._read_group(SystemConfig, ("LEDControl", "CameraName", "AdminID"))

    async def set_system(
        self, config: SystemConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> SystemConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    async def get_datetime(self) -> DateTimeConfig:
        return await self._read_group(DateTimeConfig, ("Date", "Time", "DateTimeMode"))

    async def set_datetime(
        self, config: DateTimeConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> DateTimeConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    # --- users (3.2) -------------------------------------------------------------------------

    async def get_user_access(self) -> UserAccessConfig:
        return await self._read_group(UserAccessConfig, ("AccessControlEnable",))

    async def set_user_access(
        self, config: UserAccessConfig, *, reboot: bool = False
    ) -> UserAccessConfig:
        return await self._write_group(config, reboot=reboot)

    async def get_users(self) -> list[UserEntry]:
        params = await self._get_params("/userlist.cgi")
        return wire.parse_list(UserEntry, params, "UserName")

    async def add_user(self, user: UserEntry) -> list[UserEntry]:
        _, body, _ = await self._request("/userlist.cgi", wire.user_add(user))
        return wire.parse_list(UserEntry, wire.parse_params(body), "UserName")

    async def delete_user(self, name: str) -> list[UserEntry]:
        _, body, _ = await self._request("/userlist.cgi", wire.user_delete(name))
        return wire.parse_list(UserEntry, wire.parse_params(body), "UserName")

    async def get_active_users(self) -> list[ActiveUser]:
        """``/activeuser.cgi`` (``/iactiveuser.cgi`` on firmware that names it so)."""
        try:
            params = await self._get_params("/activeuser.cgi")
        except NotSupported:
            params = await self._get_params("/iactiveuser.cgi")
        return wire.parse_list(ActiveUser, params, "UserIPAddress")

    # --- image (3.3) -------------------------------------------------------------------------

    async def get_image_info(self) -> ImageInfo:
        """``/iimage.cgi`` (the document prints ``/image.cgi``; fall back to it)."""
        try:
            return await self._read_group(ImageInfo, ("VideoResolution",))
        except NotSupported:
            params = await self._get_params("/image.cgi")
            return wire.from_params(ImageInfo, params)

    async def get_image(self) -> ImageConfig:
        return await self._read_group(ImageConfig, ("VideoResolution", "FrameRate"))

    async def set_image(
        self, config: ImageConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> ImageConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    # --- network (3.4) -----------------------------------------------------------------------

    async def get_network_info(self) -> NetworkInfo:
        return await self._read_group(NetworkInfo, ("IPAddress",))

    async def get_network(self) -> NetworkConfig:
        return await self._read_group(NetworkConfig, ("IPAddressMode", "IPAddress"))

    async def set_network(
        self, config: NetworkConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> NetworkConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    async def get_wireless_info(self) -> WirelessInfo:
        return await self._read_group(WirelessInfo, ("ConnectionMode", "SSID", "WirelessLink"))

    async def get_wireless(self) -> WirelessConfig:
        return await self._read_group(WirelessConfig, ("ConnectionMode", "SSID"))

    async def set_wireless(
        self, config: WirelessConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> WirelessConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    # --- event handling (3.5) ----------------------------------------------------------------

    async def get_ftp(self) -> FtpConfig:
        return await self._read_group(FtpConfig, ("FTPHostAddress", "FTPPortNumber"))

    async def set_ftp(
        self, config: FtpConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> FtpConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    async def get_email(self) -> EmailConfig:
        return await self._read_group(EmailConfig, ("EmailSMTPServerAddress",))

    async def set_email(
        self, config: EmailConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> EmailConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    async def get_motion(self) -> MotionConfig:
        """``/motion.cgi`` (D-Link extension; 404 -> NotSupported)."""
        return await self._read_group(MotionConfig, ("MotionDetectionEnable",))

    async def set_motion(
        self, config: MotionConfig, *, only: Iterable[str] | None = None, reboot: bool = False
    ) -> MotionConfig:
        return await self._write_group(config, only=only, reboot=reboot)

    # --- system tools (3.6) ------------------------------------------------------------------

    async def factory_reset(self) -> None:
        """``reset.cgi?FactoryReset=Yes``: every setting back to default, then a restart."""
        await self._reset(wire.FACTORY_RESET)

    async def _reset(self, params: Mapping[str, str]) -> None:
        try:
            await self._request("/reset.cgi", params)
        except CannotConnect as err:
            # A camera restarting at once may drop the connection instead of answering.
            if not isinstance(err.__cause__, aiohttp.ServerDisconnectedError):
                raise

    # --- I/O (5.1.1 - 5.1.4) -----------------------------------------------------------------

    async def get_io_status(self) -> IoStatus:
        _, body, _ = await self._request("/iocontrol.cgi")
        status = wire.parse_io_status(body)
        self.last_io_status = status
        return status

    async def set_io(
        self,
        *,
        trigger1: bool | None = None,
        trigger2: bool | None = None,
        image_upload: bool | None = None,
        image_email: bool | None = None,
    ) -> IoStatus:
        """Write all four flags at once (unchanged ones carried over); return the read-back."""
        current = await self.get_io_status()
        params = wire.io_control(
            current.trigger1 if trigger1 is None else trigger1,
            current.trigger2 if trigger2 is None else trigger2,
            current.image_upload if image_upload is None else image_upload,
            current.image_email if image_email is None else image_email,
        )
        await self._control("/iocontrol.cgi", params)
        return await self.get_io_status()

    async def set_image_upload(self, on: bool) -> IoStatus:
        """Start or stop the FTP image upload (5.1.3)."""
        return await self.set_io(image_upload=on)

    async def set_image_email(self, on: bool) -> IoStatus:
        """Start or stop the e-mail image sending (5.1.4)."""
        return await self.set_io(image_email=on)

    async def set_trigger(self, number: int, on: bool) -> IoStatus:
        """Switch output Trigger1 or Trigger2."""
        if number == 1:
            return await self.set_io(trigger1=on)
        if number == 2:
            return await self.set_io(trigger2=on)
        raise InvalidValue(f"trigger {number} does not exist (1 or 2)")

    # --- pan/tilt (5.1.5 - 5.1.10) -----------------------------------------------------------

    async def ptz_step(
        self, move: PanTiltMove | int, pan_degree: int = 5, tilt_degree: int = 5
    ) -> None:
        await self._control(
            "/pantiltcontrol.cgi", wire.pt_single_move(move, pan_degree, tilt_degree)
        )

    async def ptz_goto_preset(self, preset: int) -> None:
        """Go to preset 1...24, or 0 for home."""
        await self._control("/pantiltcontrol.cgi", wire.pt_preset_move(preset))

    async def ptz_set_preset(self, preset: int, pan: int, tilt: int, name: str = "") -> None:
        await self._control(
            "/pantiltcontrol.cgi", wire.pt_set_preset(preset, pan, tilt, name or f"Preset {preset}")
        )

    async def ptz_clear_preset(self, preset: int) -> None:
        await self._control("/pantiltcontrol.cgi", wire.pt_clear_preset(preset))

    async def ptz_swing(self, mode: SwingMode | int | bool) -> None:
        """Start (True / 2) or stop (False / 0) the swing between presets."""
        if isinstance(mode, bool):
            mode = SwingMode.PRESET if mode else SwingMode.DISABLE
        await self._control("/pantiltcontrol.cgi", wire.pt_swing(mode))

    async def ptz_move_to(self, pan: int, tilt: int) -> None:
        """Move to the absolute position (pan 0...340, tilt 0...135)."""
        await self._control("/pantiltcontrol.cgi", wire.pt_move_position(pan, tilt))

    async def get_position(self) -> tuple[int, int]:
        """(pan, tilt) from a fresh MJPEG ``Date:`` header (the camera reports it nowhere else)."""
        state = await self.read_stream_state()
        return state.pan, state.tilt

    # --- COM port (5.1.11) -------------------------------------------------------------------

    async def com_send(self, data: str) -> None:
        await self._control("/comport.cgi", wire.com_out(data))


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    length = response.content_length
    if length is not None and length > limit:
        raise ProtocolError(f"answer of {length} bytes exceeds {limit}")
    body = bytearray()
    while True:
        chunk = await response.content.read(min(_CHUNK, limit + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > limit:
            raise ProtocolError(f"answer exceeds {limit} bytes")


def _require(params: Params, path: str, names: Iterable[str]) -> None:
    wanted = list(names)
    if wanted and not any(name in params for name in wanted):
        raise ProtocolError(f"{path}: not an IPCamCGI answer (none of {', '.join(wanted)})")


def _safe(err: BaseException) -> str:
    """An exception's text without any URL credentials."""
    return re.sub(r"//[^/@\s]*@", "//", str(err))[:200]


__all__ = [
    "FRAME_RATE_OPTIONS",
    "RESOLUTION_OPTIONS",
    "Client",
    "parse_frame_rate",
    "parse_resolution",
]
