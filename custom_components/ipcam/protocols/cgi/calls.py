"""Which IPCamCGI CGI answers what: every exchange as data, and the status-code mapping.

A ``Call`` is one HTTP exchange described without doing it: the path, the
parameters (a GET query, or a POST form body for the control CGIs), the
largest answer accepted, how to read the answer, and the CGI to ask instead
when a firmware answers 404 for the document's name. The client runs a call
with one HTTP/1.0 request (``Client.call``); everything the protocol decides
lives here. Reads are ``GET /<name>.cgi``; configuration writes are GET
queries with ``ConfigReboot`` (as D-Link's SDK sends them); control writes (I/O,
pan/tilt, COM port) are POST form bodies answered by 204 No Content.

Pure; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Final

from ..base import host_for_url
from ..errors import AuthError, DeviceBusy, InvalidValue, NotSupported, ProtocolError
from . import groups, ptz
from .fields import G, config_write, parse_group, parse_list, with_changes
from .groups import ActiveUser, ImageInfo, IoStatus, UserEntry
from .mjpeg import is_jpeg
from .query import MAX_BODY, format_query, parse_params

IOCONTROL: Final = "/iocontrol.cgi"
MJPEG: Final = "/mjpeg.cgi"


@dataclasses.dataclass(frozen=True, slots=True)
class Call[T]:
    """One exchange: what to send and how to read the answer."""

    path: str
    read: Callable[[bytes], T]
    params: tuple[tuple[str, str], ...] = ()
    post: bool = False  # a form body (control CGIs) instead of a GET query
    limit: int = MAX_BODY
    fallback: Call[T] | None = None  # asked when the camera answers 404

    @property
    def target(self) -> str:
        """Path and (for GET) query, URL-encoded."""
        if self.post or not self.params:
            return self.path
        return f"{self.path}?{format_query(self.params)}"

    @property
    def body(self) -> bytes | None:
        """The form body of a POST."""
        return format_query(self.params).encode("ascii") if self.post else None

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Content-Type": "application/x-www-form-urlencoded"} if self.post else None


def check_status(status: int, path: str, body: bytes = b"") -> None:
    """Map an HTTP status to the library's errors (document 2.3); 200 and 204 pass."""
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


def _nothing(_body: bytes) -> None:
    return None


def control(path: str, params: Mapping[str, str]) -> Call[None]:
    """A control write: a POST form body, answered by 204 No Content."""
    return Call(path, _nothing, tuple(params.items()), post=True)


def raw(path: str, params: Mapping[str, str] | None = None) -> Call[bytes]:
    """Any GET, its answer as bytes (for CGIs this module does not know)."""
    return Call(path, bytes, tuple((params or {}).items()))


# --- configuration groups (chapter 3) ----------------------------------------------------------


def read_group(cls: type[G]) -> Call[G]:
    """Read a group from its CGI."""
    call = Call(cls.PATH, lambda body: parse_group(cls, parse_params(body)))
    if cls is ImageInfo:  # the document prints /image.cgi for the query form
        return dataclasses.replace(call, fallback=Call("/image.cgi", call.read))
    return call


def write_group(
    cls: type[G], changes: Mapping[str, Any], *, reboot: bool = False
) -> Call[G | None]:
    """Change some fields of a group (``changes`` by attribute name); the answer is the
    updated group, or None when the camera answered without it (an empty or ``<result>``
    answer: read the group again then)."""
    params = config_write(with_changes(cls, changes), only=changes.keys(), reboot=reboot)

    def read(body: bytes) -> G | None:
        answer = parse_params(body)
        if not any(name in answer for name in cls.REQUIRED):
            return None
        return parse_group(cls, answer)

    return Call(cls.PATH, read, tuple(params.items()))


def cgi_version() -> Call[int]:
    return Call("/cgiversion.cgi", groups.parse_cgi_version)


def users() -> Call[list[UserEntry]]:
    return Call("/userlist.cgi", _user_list)


def add_user(user: UserEntry) -> Call[list[UserEntry]]:
    return Call("/userlist.cgi", _user_list, tuple(groups.user_add(user).items()))


def delete_user(name: str) -> Call[list[UserEntry]]:
    return Call("/userlist.cgi", _user_list, tuple(groups.user_delete(name).items()))


def _user_list(body: bytes) -> list[UserEntry]:
    return parse_list(UserEntry, parse_params(body), "UserName")


def active_users() -> Call[list[ActiveUser]]:
    """``/activeuser.cgi`` (``/iactiveuser.cgi`` on firmware that names it so)."""

    def read(body: bytes) -> list[ActiveUser]:
        return parse_list(ActiveUser, parse_params(body), "UserIPAddress")

    return Call("/activeuser.cgi", read, fallback=Call("/iactiveuser.cgi", read))


def reset(*, factory: bool = False) -> Call[None]:
    """Restart (3.6.1) or reset to factory defaults and restart (3.6.2); 204."""
    params = groups.FACTORY_RESET if factory else groups.RESTART
    return Call("/reset.cgi", _nothing, tuple(params.items()))


# --- pictures (4.1) ----------------------------------------------------------------------------


def snapshot(max_frame: int) -> Call[bytes]:
    """``/image.jpg`` (else D-Link's ``/image/jpeg.cgi``); ProtocolError unless a JPEG."""

    def read(body: bytes) -> bytes:
        picture = body.rstrip(b"\r\n")
        if not is_jpeg(picture):
            raise ProtocolError("/image.jpg did not return a JPEG image")
        return picture

    return Call("/image.jpg", read, limit=max_frame, fallback=Call("/image/jpeg.cgi", read))


# --- remote control (chapter 5) ----------------------------------------------------------------


def io_status() -> Call[IoStatus]:
    return Call(IOCONTROL, groups.parse_io_status)


_IO_FLAGS: Final = ("trigger1", "trigger2", "image_upload", "image_email")


def io_write(current: IoStatus, **flags: bool | None) -> Call[None]:
    """All four flags in one write (``trigger1``, ``trigger2``, ``image_upload``,
    ``image_email``), those not given (or None) carried over from ``current``."""
    unknown = sorted(set(flags) - set(_IO_FLAGS))
    if unknown:
        raise InvalidValue(f"iocontrol.cgi has no flag {', '.join(unknown)}")
    values: list[bool | int] = []
    for name in _IO_FLAGS:
        given = flags.get(name)
        values.append(int(getattr(current, name)) if given is None else given)
    return control(IOCONTROL, groups.io_control(*values))


def pan_tilt(params: Mapping[str, str]) -> Call[None]:
    """One ``pantiltcontrol.cgi`` command (see ``ptz``)."""
    return control(ptz.PATH, params)


def com_send(data: str) -> Call[None]:
    return control("/comport.cgi", groups.com_out(data))


def base_url(host: str, port: int) -> str:
    """``http://host:port`` (IPv6 literals in brackets)."""
    return f"http://{host_for_url(host)}:{port}"


def stream_url(base: str, username: str, password: str) -> str:
    """The MJPEG URL with credentials (for ffmpeg/PyAV with ``format="mjpeg"``)."""
    user = urllib.parse.quote(username, safe="")
    secret = urllib.parse.quote(password, safe="")
    return f"http://{user}:{secret}@{base.removeprefix('http://')}{MJPEG}"
