"""An HTTP/1.x response read as a stream, sans-I/O: its head once, then its body as it arrives.

Live streams (IPCamCGI's ``/mjpeg.cgi``) are one endless response on a
connection of their own. Read through ``transport.TcpConnection``, every
received chunk goes through here and on to the stream's own parser in the same
callback: no task, queue or timer of an HTTP client per read. Requests are
HTTP/1.0 (a server then sends the body as it is, until it closes); a body sent
``chunked`` all the same is decoded, one with a ``Content-Length`` ends there,
and a 1xx, 204 or 304 answer has none.

``feed(data)`` returns the body bytes ``data`` completed (``b""`` while the head
is still arriving; ``status`` and ``headers`` are set once it is complete);
``close()`` raises ``ProtocolError`` when the connection ended inside the head,
a chunk, or short of the ``Content-Length``. Every length is bounded; nothing
but ``ProtocolError`` leaves.

``WholeResponse`` reads a small exchange's answer (a CGI call: one request per
connection) the same way and keeps its body, at most ``limit`` bytes: a
``Content-Length`` over the limit is refused before any of the body is kept, a
body that grows past it as soon as it does (``ProtocolError``). HTTP framing that
is broken (no HTTP status line, a head over ``MAX_HEAD``, a bad length or chunk,
a body cut short) is ``CannotConnect``, as a transport failure; a connection that
ends before the head is whole is ``NoAnswer`` (a ``CannotConnect``: a camera that
restarts may just hang up). ``request()`` builds the HTTP/1.0 request.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from typing import Final

from .errors import CannotConnect, InvalidValue, ProtocolError

MAX_HEAD: Final = 16 * 1024
MAX_CHUNK_LINE: Final = 1024
MAX_HEADERS: Final = 64

_STATUS = re.compile(rb"HTTP/1\.[01] +([0-9]{3})(?: [^\r\n]*)?")
_HEADER = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")


def request(
    method: str, target: str, host: str, headers: Mapping[str, str], body: bytes = b""
) -> bytes:
    """An HTTP/1.0 request for ``target`` (path and query, already encoded) on ``host``
    (``name:port``); a ``body`` goes with its ``Content-Length``."""
    printable = target.isascii() and target.isprintable() and " " not in target
    if not target.startswith("/") or not printable:
        raise InvalidValue("an HTTP request target that is not an encoded path")
    lines = [f"{method} {target} HTTP/1.0", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body or method != "GET":
        lines.append(f"Content-Length: {len(body)}")
    if any(c in line for line in lines for c in "\r\n\x00"):
        raise InvalidValue("a line break or NUL in an HTTP request line")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
    except UnicodeEncodeError:
        raise InvalidValue("an HTTP request line that is not Latin-1") from None


def get_request(path: str, host: str, headers: Mapping[str, str]) -> bytes:
    """An HTTP/1.0 GET of ``path`` (already encoded) on ``host`` (``name:port``)."""
    return request("GET", path, host, headers)


def basic_auth(username: str, password: str) -> str:
    """The ``Authorization`` value of HTTP Basic authentication (Latin-1 where the
    credentials fit it, as browsers send them; UTF-8 otherwise)."""
    if ":" in username:
        raise InvalidValue("a user name with a colon cannot log in with HTTP Basic")
    text = f"{username}:{password}"
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


class ResponseStream:
    """One response: ``feed`` received bytes, get body bytes (see the module docstring)."""

    _HEAD, _BODY, _CHUNK_SIZE, _CHUNK_DATA, _CHUNK_END, _TRAILER, _DONE = range(7)

    def __init__(self, max_head: int = MAX_HEAD) -> None:
        self._max_head = max_head
        self._buf = bytearray()
        self._state = self._HEAD
        self._left = -1  # body (Content-Length) or chunk bytes still to come; -1: unknown
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self.length: int | None = None  # the Content-Length that frames the body, if any

    @property
    def complete(self) -> bool:
        """The whole body has arrived (a ``Content-Length`` or the last chunk)."""
        return self._state == self._DONE

    def feed(self, data: bytes) -> bytes:
        if self._state == self._BODY:
            return self._identity(data)
        if self._state == self._DONE:
            return b""
        self._buf += data
        if self._state == self._HEAD and not self._head():
            return b""
        if self._state == self._BODY:
            rest, self._buf = bytes(self._buf), bytearray()
            return self._identity(rest)
        return self._chunks()

    def close(self) -> None:
        """The connection ended: ``ProtocolError`` unless the response was whole."""
        state = self._state
        self._state = self._DONE
        if state == self._HEAD:
            raise ProtocolError("the HTTP response ended inside its head")
        if state == self._BODY and self._left > 0:
            raise ProtocolError("the HTTP response ended short of its Content-Length")
        if state in (self._CHUNK_SIZE, self._CHUNK_DATA, self._CHUNK_END, self._TRAILER):
            raise ProtocolError("the HTTP response ended inside a chunk")

    # --- internals ---------------------------------------------------------------------------

    def _head(self) -> bool:
        buf = self._buf
        end = buf.find(b"\r\n\r\n")
        if end < 0 or end > self._max_head:
            if len(buf) > self._max_head:
                raise ProtocolError("HTTP response head too long")
            return False
        lines = bytes(buf[:end]).split(b"\r\n")
        del buf[: end + 4]
        match = _STATUS.fullmatch(lines[0])
        if match is None:
            raise ProtocolError(f"not an HTTP response: {lines[0][:40]!r}")
        if len(lines) - 1 > MAX_HEADERS:
            raise ProtocolError("too many HTTP response headers")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            header = _HEADER.fullmatch(line)
            if header is not None:  # a line that is no header tells nothing: passed over
                headers[header.group(1).decode("ascii").lower()] = header.group(2).decode("latin-1")
        self.status, self.headers = int(match.group(1)), headers
        if self.status < 200 or self.status in (204, 304):  # no body, whatever the headers
            self._state = self._DONE
            return True
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = self._CHUNK_SIZE
            return True
        length = headers.get("content-length")
        if length is not None:
            if not length.isascii() or not length.isdigit() or len(length) > 15:
                raise ProtocolError("bad Content-Length in an HTTP response")
            self._left = self.length = int(length)
        self._state = self._BODY if self._left != 0 else self._DONE
        return True

    def _identity(self, data: bytes) -> bytes:
        left = self._left
        if left < 0:
            return data
        if len(data) >= left:
            self._state, self._left = self._DONE, 0
            return data[:left]
        self._left = left - len(data)
        return data

    def _chunks(self) -> bytes:
        buf = self._buf
        out: list[bytes] = []
        while True:
            state = self._state
            if state == self._CHUNK_DATA:
                take = min(self._left, len(buf))
                if not take:
                    break
                out.append(bytes(buf[:take]))
                del buf[:take]
                self._left -= take
                if not self._left:
                    self._state = self._CHUNK_END
                continue
            if state == self._DONE:
                buf.clear()
                break
            line_end = buf.find(b"\r\n")
            if line_end < 0:
                if len(buf) > MAX_CHUNK_LINE:
                    raise ProtocolError("HTTP chunk line too long")
                break
            line = bytes(buf[:line_end])
            del buf[: line_end + 2]
            if state == self._CHUNK_END:
                if line:
                    raise ProtocolError("HTTP chunk not followed by its line end")
                self._state = self._CHUNK_SIZE
            elif state == self._CHUNK_SIZE:
                size = _HEX.match(line)
                if size is None:
                    raise ProtocolError("bad HTTP chunk size")
                self._left = int(size.group(0), 16)
                self._state = self._CHUNK_DATA if self._left else self._TRAILER
            elif not line:  # the blank line after the trailers
                self._state = self._DONE
        return b"".join(out)


class NoAnswer(CannotConnect):
    """The server closed the connection before its answer's head was whole."""


class WholeResponse:
    """The answer to one request, its body kept whole (see the module docstring).

    ``feed(data)`` is True once the answer is complete (a ``Content-Length`` met, the
    last chunk, a status without a body); ``close()`` says the connection ended (a body
    without a length ends there). ``status`` and ``body`` then hold the answer.
    ``what`` (the path asked) starts every error text.
    """

    def __init__(self, limit: int, what: str) -> None:
        self._http = ResponseStream()
        self._limit = limit
        self._what = what
        self._chunks: list[bytes] = []  # the body as it came (one read: kept, not copied)
        self._size = 0
        self.complete = False

    @property
    def status(self) -> int | None:
        return self._http.status

    @property
    def body(self) -> bytes:
        return b"".join(self._chunks)

    def feed(self, data: bytes) -> bool:
        if self.complete:
            return True  # bytes after a whole answer tell nothing
        http = self._http
        had_head = http.status is not None
        try:
            body = http.feed(data)
        except ProtocolError as err:
            raise CannotConnect(f"{self._what}: {err}") from None
        if http.status is None:
            return False
        length = http.length
        if not had_head and length is not None and length > self._limit:
            raise ProtocolError(
                f"{self._what}: HTTP answer of {length} bytes is over {self._limit}"
            )
        if body:
            self._size += len(body)
            if self._size > self._limit:
                raise ProtocolError(f"{self._what}: HTTP answer is larger than {self._limit} bytes")
            self._chunks.append(body)
        self.complete = http.complete
        return self.complete

    def close(self) -> None:
        """The server closed the connection: the answer ends here (or was cut short)."""
        if self.complete:
            return
        if self._http.status is None:
            raise NoAnswer(f"{self._what}: the camera closed the connection without answering")
        try:
            self._http.close()
        except ProtocolError as err:
            raise CannotConnect(f"{self._what}: {err}") from None
        self.complete = True
