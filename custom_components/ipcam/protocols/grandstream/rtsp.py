"""RTSP/1.0 messages (RFC 2326), sans-I/O, tolerant of the Grandstream server's quirks.

The camera writes ``Cseq: N `` (lower-case s, trailing space) and
``Content-length:`` on some replies and ``CSeq: N`` on others, so header names are
matched case-insensitively and values stripped. Interleaved ``$`` frames and
RTSP messages share one TCP connection; ``RtspReader`` demultiplexes them
(``docs/protocols/grandstream.md``, "RTSP").

Everything read is bounded: header section size, header count, body length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from ..base import host_for_url
from ..errors import ProtocolError
from .rtp import INTERLEAVED_MAGIC, InterleavedFrame
from .values import ascii_decimal

RTSP_VERSION = "RTSP/1.0"
MAX_HEADER_BYTES = 8192
MAX_HEADERS = 64
MAX_BODY = 65536
MAX_SESSION_ID = 128

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
# A session id goes back to the camera in every request: visible ASCII, no separators.
_SESSION_ID = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_LINE_BREAKS = (0x0D, 0x0A)


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
    tokens = value.split()
    return ascii_decimal(tokens[0], 10) if tokens else None


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


def header_lines(headers: Iterable[tuple[str, str]]) -> str:
    """``Name: value`` lines; ValueError for a name or value that would break the message."""
    out = []
    for name, value in headers:
        if not _TOKEN.fullmatch(name) or "\r" in value or "\n" in value:
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
    if not _TOKEN.fullmatch(method) or any(c in url for c in " \r\n"):
        raise ValueError("invalid request line")
    text = f"{method} {url} {RTSP_VERSION}\r\nCSeq: {cseq}\r\n" + header_lines(headers)
    if body:
        text += f"Content-Length: {len(body)}\r\n"
    return (text + "\r\n").encode("utf-8") + body


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


def _is_letter(byte: int) -> bool:
    return 65 <= byte <= 90 or 97 <= byte <= 122


class RtspReader:
    """Demultiplex a byte stream into RTSP messages and interleaved frames.

    ``feed(data)`` returns every message and frame that ``data`` completed.
    ``max_body`` bounds Content-Length; the buffer never holds more than one
    header section plus one body (or one interleaved frame) beyond what is
    returned.
    """

    def __init__(self, *, max_body: int = MAX_BODY) -> None:
        self._buffer = bytearray()
        self._max_body = max_body
        self._stray = 0  # line breaks in a row between messages

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[RtspEvent]:
        buffer = self._buffer
        buffer += data
        events: list[RtspEvent] = []
        position = 0
        try:
            position = self._parse(buffer, events)
        finally:
            # One deletion per feed, not one per frame: a read holds many frames.
            if position:
                del buffer[:position]
        return events

    def _parse(self, buffer: bytearray, events: list[RtspEvent]) -> int:
        size = len(buffer)
        position = 0
        while position < size:
            first = buffer[position]
            if first == INTERLEAVED_MAGIC:
                if size - position < 4:
                    break
                end = position + 4 + ((buffer[position + 2] << 8) | buffer[position + 3])
                if end > size:
                    break
                events.append(
                    InterleavedFrame(buffer[position + 1], bytes(buffer[position + 4 : end]))
                )
                self._stray = 0
                position = end
                continue
            if first in _LINE_BREAKS:
                # Tolerate stray line breaks between messages, but not an endless stream.
                start = position
                while position < size and buffer[position] in _LINE_BREAKS:
                    position += 1
                self._stray += position - start
                if self._stray > MAX_HEADER_BYTES:
                    raise ProtocolError("RTSP stream of empty lines")
                continue
            self._stray = 0
            if not _is_letter(first):
                raise ProtocolError("RTSP stream out of sync")
            message = self._message(buffer, position, size)
            if message is None:
                break
            event, position = message
            events.append(event)
        return position

    def _message(
        self, buffer: bytearray, start: int, size: int
    ) -> tuple[RtspRequest | RtspResponse, int] | None:
        """The message at ``start`` and where it ends, or None while incomplete."""
        limit = start + MAX_HEADER_BYTES + 4
        crlf = buffer.find(b"\r\n\r\n", start, limit)
        lf = buffer.find(b"\n\n", start, limit)
        if crlf < 0 and lf < 0:
            if size - start > MAX_HEADER_BYTES:
                raise ProtocolError("RTSP header section too long")
            return None
        # CRLFCRLF or a bare LFLF, whichever comes first.
        head_end, body_start = min(
            (found, found + length) for found, length in ((crlf, 4), (lf, 2)) if found >= 0
        )
        if head_end - start > MAX_HEADER_BYTES:
            raise ProtocolError("RTSP header section too long")
        first_line, headers = parse_head(bytes(buffer[start:head_end]))
        length = ascii_decimal(headers.get("Content-Length", "0") or "0", 9)
        if length is None:
            raise ProtocolError("invalid Content-Length")
        if length > self._max_body:
            raise ProtocolError("RTSP body too long")
        end = body_start + length
        if size < end:
            return None
        return _message(first_line, headers, bytes(buffer[body_start:end])), end


def _message(start: str, headers: Headers, body: bytes) -> RtspRequest | RtspResponse:
    parts = start.split(None, 2)
    if parts and parts[0].upper().startswith("RTSP/"):
        status = ascii_decimal(parts[1], 3) if len(parts) >= 2 else None
        if status is None or len(parts[1]) != 3:
            raise ProtocolError("malformed RTSP status line")
        return RtspResponse(
            status=status,
            reason=parts[2] if len(parts) > 2 else "",
            headers=headers,
            body=body,
            version=parts[0],
        )
    if (
        len(parts) != 3
        or not parts[2].upper().startswith("RTSP/")
        or not _TOKEN.fullmatch(parts[0])
    ):
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
    """``Session: 09682642;timeout=120`` -> ("09682642", 120).

    The id is sent back in every later request, so one that could not be (too
    long, with spaces or control characters) is a ``ProtocolError`` here.
    """
    parts = [part.strip() for part in value.split(";")]
    if len(parts[0]) > MAX_SESSION_ID or not _SESSION_ID.fullmatch(parts[0]):
        raise ProtocolError("invalid Session header")
    timeout: int | None = None
    for part in parts[1:]:
        name, _, raw = part.partition("=")
        if name.strip().lower() == "timeout":
            timeout = ascii_decimal(raw.strip(), 6)
    return SessionHeader(parts[0], timeout)


def build_url(host: str, port: int, path: str, username: str = "", password: str = "") -> str:
    """``rtsp://[user:pass@]host:port/path``; credentials percent-encoded."""
    auth = ""
    if username or password:
        auth = f"{quote(username, safe='')}:{quote(password, safe='')}@"
    return f"rtsp://{auth}{host_for_url(host)}:{port}/{path.lstrip('/')}"
