"""An HTTP/1.x response read as a stream, sans-I/O: its head once, then its body as it arrives.

Live streams (IPCamCGI's ``/mjpeg.cgi``) are one endless response on a
connection of their own. Read through ``transport.TcpConnection``, every
received chunk goes through here and on to the stream's own parser in the same
callback: no task, queue or timer of an HTTP client per read. Requests are
HTTP/1.0 (a server then sends the body as it is, until it closes); a body sent
``chunked`` all the same is decoded, one with a ``Content-Length`` ends there.

``feed(data)`` returns the body bytes ``data`` completed (``b""`` while the head
is still arriving; ``status`` and ``headers`` are set once it is complete);
``close()`` raises ``ProtocolError`` when the connection ended inside the head,
a chunk, or short of the ``Content-Length``. Every length is bounded; nothing
but ``ProtocolError`` leaves.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from .errors import InvalidValue, ProtocolError

MAX_HEAD: Final = 16 * 1024
MAX_CHUNK_LINE: Final = 1024
MAX_HEADERS: Final = 64

_STATUS = re.compile(rb"HTTP/1\.[01] +([0-9]{3})(?: [^\r\n]*)?")
_HEADER = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]*:[ \t]*([^\r\n]*?)[ \t]*")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")


def get_request(path: str, host: str, headers: Mapping[str, str]) -> bytes:
    """An HTTP/1.0 GET of ``path`` (already encoded) on ``host`` (``name:port``)."""
    lines = [f"GET {path} HTTP/1.0", f"Host: {host}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if any(c in line for line in lines for c in "\r\n\x00"):
        raise InvalidValue("a line break or NUL in an HTTP request line")
    try:
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError:
        raise InvalidValue("an HTTP request line that is not Latin-1") from None


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
        if "chunked" in headers.get("transfer-encoding", "").lower():
            self._state = self._CHUNK_SIZE
            return True
        length = headers.get("content-length")
        if length is not None:
            if not length.isascii() or not length.isdigit() or len(length) > 15:
                raise ProtocolError("bad Content-Length in an HTTP response")
            self._left = int(length)
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
