"""RTSP/1.0 messages (RFC 2326), sans-I/O, tolerant of the Grandstream server's quirks.

The camera writes ``Cseq: N `` (lower-case s, trailing space) and
``Content-length:`` on some replies and ``CSeq: N`` on others, so header names are
matched case-insensitively and values stripped. Interleaved ``$`` frames and
RTSP messages share one TCP connection; ``RtspReader`` demultiplexes them.

Everything read is bounded: header section size, header count, body length.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from ..errors import ProtocolError
from .rtp import INTERLEAVED_MAGIC, InterleavedFrame

RTSP_VERSION = "RTSP/1.0"
MAX_HEADER_BYTES = 8192
MAX_HEADERS = 64
MAX_BODY = 65536

REASONS: dict[int, str] = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    551: "Option not supported",
}

_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


@dataclass(frozen=True, slots=True)
class Headers:
    """An ordered list of header fields with case-insensitive look-up."""

    items: tuple[tuple[str, str], ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        lower = name.lower()
        for key, value in self.items:
            if key.lower() == lower:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lower = name.lower()
        return [value for key, value in self.items if key.lower() == lower]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.items)


def _cseq(headers: Headers) -> int | None:
    value = headers.get("CSeq")
    if value is None:
        return None
    token = value.split()[0] if value.split() else ""
    return int(token) if token.isdecimal() and len(token) <= 10 else None


@dataclass(frozen=True, slots=True)
class RtspRequest:
    method: str
    url: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = RTSP_VERSION

    @property
    def cseq(self) -> int | None:
        return _cseq(self.headers)


@dataclass(frozen=True, slots=True)
class RtspResponse:
    status: int
    reason: str
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    version: str = RTSP_VERSION

    @property
    def cseq(self) -> int | None:
        return _cseq(self.headers)


RtspEvent = RtspRequest | RtspResponse | InterleavedFrame


def _header_lines(headers: Iterable[tuple[str, str]]) -> str:
    out = []
    for name, value in headers:
        if not _TOKEN.match(name) or "\r" in value or "\n" in value:
            raise ValueError(f"invalid header {name!r}")
        out.append(f"{name}: {value}\r\n")
    return "".join(out)


def format_request(
    method: str,
    url: str,
    cseq: int,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
) -> bytes:
    """Serialise a request; ``CSeq: <n>`` comes first, exactly as the camera parses it."""
    if not _TOKEN.match(method) or any(c in url for c in " \r\n"):
        raise ValueError("invalid request line")
    text = f"{method} {url} {RTSP_VERSION}\r\nCSeq: {cseq}\r\n" + _header_lines(headers)
    if body:
        text += f"Content-Length: {len(body)}\r\n"
    return (text + "\r\n").encode("utf-8") + body


def format_response(
    status: int,
    cseq: int | None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    reason: str | None = None,
    cseq_name: str = "CSeq",
    cseq_suffix: str = "",
    length_name: str = "Content-Length",
) -> bytes:
    """Serialise a response. ``cseq_name="Cseq"``, ``cseq_suffix=" "`` and
    ``length_name="Content-length"`` reproduce the camera's odd spellings."""
    text = f"{RTSP_VERSION} {status} {reason or REASONS.get(status, 'Unknown')}\r\n"
    if cseq is not None:
        text += f"{cseq_name}: {cseq}{cseq_suffix}\r\n"
    text += _header_lines(headers)
    if body:
        text += f"{length_name}: {len(body)}\r\n"
    return (text + "\r\n").encode("utf-8") + body


def _find_header_end(buffer: bytearray) -> tuple[int, int] | None:
    """(end of headers, start of body) for CRLFCRLF or a bare LFLF, whichever comes first."""
    crlf = buffer.find(b"\r\n\r\n")
    lf = buffer.find(b"\n\n")
    candidates = []
    if crlf >= 0:
        candidates.append((crlf, crlf + 4))
    if lf >= 0:
        candidates.append((lf, lf + 2))
    return min(candidates) if candidates else None


def parse_head(head: bytes) -> tuple[str, Headers]:
    """Split a header section into its start line and headers (bounded, tolerant)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    lines = text.replace("\r\n", "\n").split("\n")
    start = lines[0].strip()
    items: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line.strip():
            continue
        if line[0] in " \t" and items:  # obsolete line folding
            name, value = items[-1]
            items[-1] = (name, f"{value} {line.strip()}")
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ProtocolError("malformed RTSP header line")
        items.append((name.strip(), value.strip()))
        if len(items) > MAX_HEADERS:
            raise ProtocolError("too many RTSP headers")
    return start, Headers(tuple(items))


class RtspReader:
    """Demultiplex a byte stream into RTSP messages and interleaved frames.

    ``feed()`` bytes as they arrive, then call ``next_event()`` until it
    returns None. ``max_body`` bounds Content-Length; the buffer never holds
    more than one header section plus one body (or one interleaved frame).
    """

    def __init__(self, *, max_body: int = MAX_BODY) -> None:
        self._buffer = bytearray()
        self._max_body = max_body
        self._stray = 0  # line breaks in a row between messages

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        self._buffer.extend(data)

    def events(self) -> Iterator[RtspEvent]:
        """Every complete event in the buffer."""
        while (event := self.next_event()) is not None:
            yield event

    def next_event(self) -> RtspEvent | None:
        buffer = self._buffer
        # Tolerate stray line breaks between messages, but not an endless stream of them.
        if buffer[:1] in (b"\r", b"\n"):
            stray = len(buffer) - len(buffer.lstrip(b"\r\n"))
            del buffer[:stray]
            self._stray += stray
            if self._stray > MAX_HEADER_BYTES:
                raise ProtocolError("RTSP stream of empty lines")
        if not buffer:
            return None
        self._stray = 0
        if buffer[0] == INTERLEAVED_MAGIC:
            if len(buffer) < 4:
                return None
            channel, length = struct.unpack_from("!BH", buffer, 1)
            if len(buffer) < 4 + length:
                return None
            payload = bytes(buffer[4 : 4 + length])
            del buffer[: 4 + length]
            return InterleavedFrame(channel, payload)
        if not (65 <= buffer[0] <= 90 or 97 <= buffer[0] <= 122):
            raise ProtocolError("RTSP stream out of sync")
        found = _find_header_end(buffer)
        if found is None:
            if len(buffer) > MAX_HEADER_BYTES:
                raise ProtocolError("RTSP header section too long")
            return None
        head_end, body_start = found
        if head_end > MAX_HEADER_BYTES:
            raise ProtocolError("RTSP header section too long")
        start, headers = parse_head(bytes(buffer[:head_end]))
        length_text = headers.get("Content-Length", "0") or "0"
        if not length_text.isdecimal() or len(length_text) > 9:
            raise ProtocolError("invalid Content-Length")
        length = int(length_text)
        if length > self._max_body:
            raise ProtocolError("RTSP body too long")
        if len(buffer) < body_start + length:
            return None
        body = bytes(buffer[body_start : body_start + length])
        del buffer[: body_start + length]
        return _message(start, headers, body)


def _message(start: str, headers: Headers, body: bytes) -> RtspRequest | RtspResponse:
    parts = start.split(None, 2)
    if parts and parts[0].upper().startswith("RTSP/"):
        if len(parts) < 2 or not parts[1].isdecimal() or len(parts[1]) != 3:
            raise ProtocolError("malformed RTSP status line")
        return RtspResponse(
            status=int(parts[1]),
            reason=parts[2] if len(parts) > 2 else "",
            headers=headers,
            body=body,
            version=parts[0],
        )
    if len(parts) != 3 or not parts[2].upper().startswith("RTSP/") or not _TOKEN.match(parts[0]):
        raise ProtocolError("malformed RTSP request line")
    return RtspRequest(
        method=parts[0].upper(), url=parts[1], headers=headers, body=body, version=parts[2]
    )


# --- header values -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionHeader:
    session_id: str
    timeout: int | None = None


def parse_session(value: str) -> SessionHeader:
    """``Session: 09682642;timeout=120`` -> ("09682642", 120)."""
    parts = [part.strip() for part in value.split(";")]
    if not parts[0] or len(parts[0]) > 128:
        raise ProtocolError("invalid Session header")
    timeout: int | None = None
    for part in parts[1:]:
        name, _, raw = part.partition("=")
        if name.strip().lower() == "timeout" and raw.strip().isdecimal() and len(raw.strip()) < 7:
            timeout = int(raw.strip())
    return SessionHeader(parts[0], timeout)


@dataclass(frozen=True, slots=True)
class Transport:
    profile: str
    params: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        for key, value in self.params:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def tcp(self) -> bool:
        return self.profile.upper().endswith("/TCP")

    @property
    def interleaved(self) -> tuple[int, int] | None:
        """The interleaved pair; rtcp = rtp + 1 when the second number is missing."""
        value = self.get("interleaved")
        if value is None:
            return None
        first, _, second = value.partition("-")
        if not first.strip().isdecimal() or (second and not second.strip().isdecimal()):
            raise ProtocolError("invalid interleaved channels")
        rtp = int(first)
        rtcp = int(second) if second else rtp + 1
        if rtp > 255 or rtcp > 255:
            raise ProtocolError("interleaved channel out of range")
        return rtp, rtcp


def parse_transport(value: str) -> Transport:
    """Parse the first transport spec of a ``Transport`` header."""
    spec = value.split(",")[0]
    parts = [part.strip() for part in spec.split(";") if part.strip()]
    if not parts or len(parts) > 32:
        raise ProtocolError("invalid Transport header")
    params = []
    for part in parts[1:]:
        name, _, raw = part.partition("=")
        params.append((name.strip(), raw.strip()))
    return Transport(parts[0], tuple(params))


# --- URLs ----------------------------------------------------------------------------------


def host_for_url(host: str) -> str:
    """Bracket IPv6 literals."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def build_url(host: str, port: int, path: str, username: str = "", password: str = "") -> str:
    """``rtsp://[user:pass@]host:port/path``; credentials percent-encoded."""
    auth = ""
    if username or password:
        auth = f"{quote(username, safe='')}:{quote(password, safe='')}@"
    return f"rtsp://{auth}{host_for_url(host)}:{port}/{path.lstrip('/')}"


@dataclass(frozen=True, slots=True)
class RtspUrl:
    host: str
    port: int | None
    path: str
    username: str = ""
    password: str = ""


def parse_url(url: str) -> RtspUrl:
    """Split an rtsp:// URL (ProtocolError if it is not one)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise ProtocolError("invalid RTSP URL") from err
    if parts.scheme.lower() != "rtsp" or not parts.hostname:
        raise ProtocolError("not an rtsp:// URL")
    return RtspUrl(
        host=parts.hostname,
        port=port,
        path=parts.path or "/",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def stream_channel(path: str) -> int | None:
    """The stream number of a DESCRIBE path as the camera checks it.

    The camera wants the last character to be one digit preceded by ``/``:
    ``/0`` is stream 0; ``/0/`` and ``/10`` are rejected (None).
    """
    if len(path) >= 2 and path[-2] == "/" and path[-1].isdecimal():
        return int(path[-1])
    return None
