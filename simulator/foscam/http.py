"""The simulated camera's web server: the FI89xx CGIs on the same port as MO_O/MO_V.

Credentials come as ``user=``/``pwd=`` or HTTP Basic; ``get_*.cgi`` answer
``var name=value;`` lines; ``decoder_control.cgi`` moves left for command 6 and
right for 4 (the documented numbers are swapped on real cameras).
"""

from __future__ import annotations

import asyncio
import base64
import time
import urllib.parse
from typing import TYPE_CHECKING

from custom_components.ipcam.protocols.base import PresetAction, PtzMove
from custom_components.ipcam.protocols.foscam.cgi import MAX_PRESET, Decoder, ptz_command
from custom_components.ipcam.protocols.foscam.operation import Privilege

if TYPE_CHECKING:
    from .camera import FoscamCamera

MAX_HTTP_HEAD = 8192


def physical_direction(command: int, *, swap_left_right: bool = True) -> str | None:
    """The direction a real camera moves for a ``decoder_control`` command."""
    for move in (PtzMove.UP, PtzMove.DOWN, PtzMove.LEFT, PtzMove.RIGHT):
        if ptz_command(move, swap_left_right=swap_left_right)[0] == command:
            return move.value
    return None


def preset_from_command(command: int) -> tuple[PresetAction, int] | None:
    """Set preset n = 30 + 2(n-1), go to preset n = 31 + 2(n-1) (None for other commands)."""
    offset = command - Decoder.PRESET_SET_BASE
    if 0 <= offset < 2 * MAX_PRESET:
        action = PresetAction.SET if offset % 2 == 0 else PresetAction.GOTO
        return action, offset // 2 + 1
    return None


def format_vars(values: dict[str, str | int]) -> str:
    """{name: value} -> ``var name=value;`` lines (strings quoted, like the cameras)."""
    lines = []
    for name, value in values.items():
        text = str(value) if isinstance(value, int) else "'" + value.replace("'", "") + "'"
        lines.append(f"var {name}={text};")
    return "\n".join(lines) + "\n"


class CgiServer:
    """HTTP requests to one simulated camera."""

    def __init__(self, camera: FoscamCamera) -> None:
        self.camera = camera

    async def handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes
    ) -> None:
        await self._http(reader, writer, first)

    async def _http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes
    ) -> None:
        head = bytearray(first)
        async with asyncio.timeout(10):
            while b"\r\n\r\n" not in head:
                if len(head) > MAX_HTTP_HEAD:
                    await self._respond(writer, 431, b"header too large\n")
                    return
                data = await reader.read(4096)
                if not data:
                    return
                head.extend(data)
        text = bytes(head).split(b"\r\n\r\n", 1)[0].decode("latin-1")
        request_line, *header_lines = text.split("\r\n")
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            await self._respond(writer, 400, b"bad request\n")
            return
        method, target, _version = parts
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        await self.camera.wait_unstalled()
        if method not in ("GET", "HEAD"):
            await self._respond(writer, 405, b"method not allowed\n")
            return
        url = urllib.parse.urlsplit(target)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        name = url.path.rsplit("/", 1)[-1]
        self.camera.cgi_requests[name] = self.camera.cgi_requests.get(name, 0) + 1
        privilege = self._http_privilege(headers, query)
        needed = CGI_PRIVILEGE.get(name)
        if needed is None:
            await self._respond(writer, 404, b"404 Not Found\n")
            return
        if privilege is None or privilege < needed:
            await self._respond(
                writer,
                401,
                b"401 Unauthorized\n",
                extra={"WWW-Authenticate": 'Basic realm="ipcamera"'},
            )
            return
        await self._cgi(writer, name, query)

    def _http_privilege(self, headers: dict[str, str], query: dict[str, str]) -> int | None:
        user: str | None = None
        password = ""
        method = ""
        auth = headers.get("authorization", "")
        if auth and self.camera.cgi_auth == "query":
            return None  # firmware that refuses Basic (and counts no failure for it)
        if auth.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(auth[6:].strip(), validate=True).decode("utf-8")
            except ValueError:
                return None
            user, _, password = decoded.partition(":")
            method = "basic"
        elif "user" in query:
            user, password = query["user"], query.get("pwd", "")
            method = "query"
        if user is None:
            return None
        expected = self.camera.users.get(user)
        if expected is None or expected[0] != password:
            self.camera.auth_failures += 1
            return None
        self.camera.cgi_auth_methods[method] += 1
        return int(expected[1])

    async def _cgi(self, writer: asyncio.StreamWriter, name: str, query: dict[str, str]) -> None:
        if name == "snapshot.cgi":
            await self._respond(writer, 200, self.camera.current_jpeg(), content_type="image/jpeg")
        elif name == "videostream.cgi":
            await self._mjpeg(writer)
        elif name == "decoder_control.cgi":
            command = _int(query.get("command"))
            ok = command is not None and self.camera.decoder_control(command)
            await self._respond(writer, 200, b"ok.\r\n" if ok else b"error: command\r\n")
        elif name == "camera_control.cgi":
            param, value = _int(query.get("param")), _int(query.get("value"))
            ok = param is not None and value is not None and self.camera.set_param(param, value)
            await self._respond(writer, 200, b"ok.\r\n" if ok else b"error: param\r\n")
        elif name == "get_status.cgi":
            alarm_status = {None: 0, "motion": 1, "input": 2, "sound": 3}[self.camera.alarm]
            body = format_vars(
                {
                    "id": self.camera.camera_id,
                    "sys_ver": self.camera.firmware,
                    "app_ver": self.camera.webui,
                    "alias": self.camera.alias,
                    "now": int(time.time()),
                    "tz": 0,
                    "alarm_status": alarm_status,
                    "ddns_status": 0,
                    "ddns_host": "",
                    "oray_type": 0,
                    "upnp_status": 0,
                    "p2p_status": 0,
                    "p2p_local_port": 0,
                }
            )
            await self._respond(writer, 200, body.encode(), content_type="text/plain")
        elif name == "get_camera_params.cgi":
            body = format_vars(
                {
                    "resolution": self.camera.resolution,
                    "brightness": self.camera.brightness,
                    "contrast": self.camera.contrast,
                    "mode": self.camera.mode,
                    "flip": self.camera.flip,
                    "fps": 0,
                }
            )
            await self._respond(writer, 200, body.encode(), content_type="text/plain")
        elif name == "get_misc.cgi":
            misc: dict[str, str | int] = {
                k: int(v) if v.isdigit() else v for k, v in self.camera.misc.items()
            }
            body = format_vars(misc)
            await self._respond(writer, 200, body.encode(), content_type="text/plain")
        elif name == "set_misc.cgi":
            for key, text in query.items():
                if key.startswith(("led_", "ptz_")) and len(text) <= 16:
                    self.camera.misc[key] = text
            await self._respond(writer, 200, b"ok.\r\n")
        elif name == "check_user.cgi":
            await self._respond(writer, 200, b"ok.\r\n")
        elif name == "reboot.cgi":
            await self._respond(writer, 200, b"ok.\r\n")
            self.camera.spawn(self._delayed_reboot())

    async def _delayed_reboot(self) -> None:
        await asyncio.sleep(0.2)
        await self.camera.reboot(2.0)

    async def _mjpeg(self, writer: asyncio.StreamWriter) -> None:
        boundary = "ipcamera"
        writer.write(
            (
                "HTTP/1.0 200 OK\r\nServer: Netwave IP Camera\r\nCache-Control: no-cache\r\n"
                f"Content-Type: multipart/x-mixed-replace;boundary={boundary}\r\n\r\n"
            ).encode()
        )
        index = 0
        while not writer.is_closing():
            await self.camera.wait_unstalled()
            jpeg = self.camera.current_jpeg(index)
            index += 1
            part = (
                f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
            )
            writer.write(part.encode() + jpeg + b"\r\n")
            await writer.drain()
            await asyncio.sleep(1.0 / self.camera.fps)

    @staticmethod
    async def _respond(
        writer: asyncio.StreamWriter,
        status: int,
        body: bytes,
        *,
        content_type: str = "text/plain",
        extra: dict[str, str] | None = None,
    ) -> None:
        reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
        lines = [
            f"HTTP/1.0 {status} {reasons.get(status, 'Error')}",
            "Server: Netwave IP Camera",
            f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in (extra or {}).items()),
        ]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()


CGI_PRIVILEGE: dict[str, int] = {
    "snapshot.cgi": Privilege.VISITOR,
    "videostream.cgi": Privilege.VISITOR,
    "get_status.cgi": Privilege.VISITOR,
    "get_camera_params.cgi": Privilege.VISITOR,
    "check_user.cgi": Privilege.VISITOR,
    "decoder_control.cgi": Privilege.OPERATOR,
    "camera_control.cgi": Privilege.OPERATOR,
    "get_misc.cgi": Privilege.VISITOR,
    "set_misc.cgi": Privilege.ADMINISTRATOR,
    "reboot.cgi": Privilege.ADMINISTRATOR,
}


def _int(value: str | None) -> int | None:
    if value is None or not value.strip().lstrip("-").isdigit() or len(value) > 10:
        return None
    return int(value)
