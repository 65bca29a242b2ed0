"""MJPEG over ``multipart/x-mixed-replace`` as IPCamCGI cameras send it: pure, sans-I/O.

The cameras' framing is not RFC 2046-clean: the delimiter line is
``--video boundary--`` (space, trailing ``--``), the ``Content-Type`` boundary
parameter may or may not match it, part header names vary in case
(``Content-length``), some firmware gets ``Content-length`` wrong and some
adds two bytes after the JPEG. So the parser:

- never depends on the boundary parameter: any line starting with ``--`` between
  parts is a separator;
- frames on ``Content-length`` when the bytes it covers are one JPEG
  (``FF D8`` ... ``FF D9``), otherwise (missing, unparsable or wrong length)
  scans for the JPEG end marker followed by the next part;
- bounds everything: a frame larger than ``max_frame`` bytes, a header block
  larger than ``MAX_HEADER_BYTES``, or too much garbage between frames raises
  ``ProtocolError``.

The common case — a read that holds whole, well-formed parts (a boundary line,
header lines, a ``Content-length`` that frames a JPEG) — is cut straight out of
the received bytes with one regular expression per part, and when the length
comes first (as the cameras send it) the lines after it are parsed only when
they differ from the part before (the ``Date`` once a second); anything else (a
part split between reads, odd framing) goes through the general state machine,
which gives the same parts.

Use: ``parser.feed(data)`` returns the complete parts so far; ``parser.close()``
at end of stream returns the last part if it is complete and raises
``ProtocolError`` if the stream stopped inside a part. ``FrameClock`` turns
parts into ``VideoFrame``s. See ``docs/protocols/cgi.md``, "MJPEG stream".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from .. import jpeg
from ..base import VideoFrame
from ..errors import ProtocolError
from .iostate import MjpegState, parse_date_header

MAX_FRAME: Final = 4 * 1024 * 1024
MAX_HEADER_BYTES: Final = 4096
MAX_HEADERS: Final = 32
MAX_LENGTH_DIGITS: Final = 11  # a Content-length of more digits is no frame's (4 MiB at most)
# Line ends after a part's JPEG taken with it (cameras put two or four there).
MAX_TRAILING_LINE_ENDS: Final = 16

SOI: Final = b"\xff\xd8"
EOI: Final = b"\xff\xd9"

# The end of a JPEG whose length we could not trust: EOI, optional line ends, then the next
# part (a boundary line, a part header, or a headerless next JPEG) — or the end of the stream.
_END = re.compile(rb"\xff\xd9(?:\r?\n)*(?=--|[Cc][Oo][Nn][Tt][Ee][Nn][Tt]-|\xff\xd8)")


@dataclass(slots=True)  # not frozen: made for every picture (see VideoFrame)
class MjpegPart:
    """One part of the stream: a JPEG and its headers (read-only by convention)."""

    jpeg: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    state: MjpegState | None = None  # parsed ``Date:`` header, when it carries IO_/PT_

    @property
    def date(self) -> str:
        return self.headers.get("date", "")


class MjpegParser:
    """Incremental parser for the body of ``/mjpeg.cgi``."""

    _SYNC, _HEADERS, _BODY = range(3)

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()
        self._state = self._SYNC
        self._headers: dict[str, str] = {}
        self._header_bytes = 0
        self._length: int | None = None
        self._scan_from = 0  # where the EOI search resumes inside the body
        self._discarded = 0  # garbage bytes since the last frame
        self._date: str | None = None  # the last Date header and its state
        self._date_state: MjpegState | None = None
        self._rest = b""  # the last part head's lines after its length, and their headers
        self._rest_headers: dict[str, str] = {}
        # That head's bytes before and after the length's digits (see ``_part_head``).
        self._head_around_length = (b"", b"")
        self.frames = 0

    # --- public ------------------------------------------------------------------------------

    @property
    def buffered(self) -> int:
        """Bytes held until the next read completes a part."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[MjpegPart]:
        """Add received bytes; return every part completed by them."""
        parts: list[MjpegPart] = []
        if not self._buf and self._state == self._SYNC:
            used = self._whole_parts(data, parts)
            if used == len(data):
                return parts
            self._buf += memoryview(data)[used:]
        else:
            self._buf += data
        while True:
            if self._state == self._SYNC:
                if not self._sync():
                    break
            elif self._state == self._HEADERS:
                if not self._read_header():
                    break
            else:
                part = self._read_body(final=False)
                if part is None:
                    break
                parts.append(part)
        return parts

    def close(self) -> list[MjpegPart]:
        """End of stream: return the last part if complete; ``ProtocolError`` if truncated."""
        parts: list[MjpegPart] = []
        if self._state == self._BODY:
            part = self._read_body(final=True)
            if part is None:
                raise ProtocolError("MJPEG stream ended inside a frame")
            parts.append(part)
        elif self._state == self._HEADERS:
            raise ProtocolError("MJPEG stream ended inside part headers")
        elif self._buf.strip(b"\r\n"):
            # Leftovers that are neither a boundary nor white space.
            if not self._buf.lstrip(b"\r\n").startswith(b"--"):
                raise ProtocolError("MJPEG stream ended with garbage")
        self._buf.clear()
        return parts

    def _whole_parts(self, data: bytes, parts: list[MjpegPart]) -> int:
        """Cut the whole, well-formed parts at the start of ``data``; how many bytes they took.

        Only what the general path would read the same way is taken here: a short
        run of line ends, a boundary line, 1-32 header lines of plain ``Name: value``
        form within ``MAX_HEADER_BYTES``, and a ``Content-length`` covering a whole
        JPEG that is all there.
        """
        position = 0
        # Fewer bytes than the line ends after a JPEG cannot hold a whole part.
        while len(data) - position > MAX_TRAILING_LINE_ENDS:
            head = self._part_head(data, position)
            if head is None:
                break
            start, length, headers = head
            if length is None:
                return position
            end = start + length
            if (
                length < 4
                or length > self.max_frame
                or end > len(data)
                or data[start : start + 2] != SOI
                or data[end - 2 : end] != EOI
            ):
                break
            # What _finish does, for a parser that is between parts already (a frame: what
            # came before it was no endless garbage); inline, as every picture passes here.
            self._discarded = 0
            self.frames += 1
            parts.append(MjpegPart(data[start:end], headers, self._date_of(headers)))
            position = end
        return self._trailing_line_ends(data, position)

    def _part_head(
        self, data: bytes, position: int
    ) -> tuple[int, int | None, dict[str, str]] | None:
        """Where the JPEG of the whole part head at ``position`` starts, its length (None
        without a valid one) and its headers; None if no whole head of the common form."""
        # A camera repeats its part head but for the length's digits (and the Date once a
        # second): the same bytes around other digits are the head matched before.
        before, after = self._head_around_length
        if before and data.startswith(before, position):
            digits_at = position + len(before)
            digits_end = data.find(after, digits_at, digits_at + MAX_LENGTH_DIGITS + len(after))
            if digits_end > digits_at:
                digits = data[digits_at:digits_end]
                if digits.isdigit():  # ASCII digits only
                    headers = {"content-length": digits.decode("ascii"), **self._rest_headers}
                    return digits_end + len(after), int(digits), headers
        match = _REPEATED_HEAD.match(data, position)
        if match is not None and match.end() - match.start(1) <= MAX_HEADER_BYTES:
            # The lines after the length are parsed once while they stay the same.
            rest = match.group(3)
            if rest != self._rest:
                self._rest, self._rest_headers = rest, _block_headers(rest)
                self._head_around_length = (b"", b"")  # it held the lines before
            if "content-length" not in self._rest_headers:  # else the last one counts
                digits = match.group(2)
                if match.end() - position <= MAX_HEADER_BYTES - MAX_LENGTH_DIGITS:
                    self._head_around_length = (
                        data[position : match.start(2)],
                        data[match.end(2) : match.end()],
                    )
                headers = {"content-length": digits.decode("ascii"), **self._rest_headers}
                return match.end(), int(digits), headers
        match = _WHOLE_HEAD.match(data, position)
        if match is None or match.end() - match.start(1) > MAX_HEADER_BYTES:
            return None
        headers = _block_headers(match.group(1))
        length_text = headers.get("content-length", "")
        length = int(length_text) if _LENGTH.fullmatch(length_text) else None
        return match.end(), length, headers

    def _trailing_line_ends(self, data: bytes, position: int) -> int:
        """``position``, or the end of ``data`` when a part was cut and only the line ends
        cameras put after a JPEG follow it (``_sync`` would skip them the same way, counted
        as what came after the frame)."""
        rest = len(data) - position
        if position and 0 < rest <= MAX_TRAILING_LINE_ENDS and not data[position:].strip(b"\r\n"):
            self._discarded = rest
            return len(data)
        return position

    # --- states ------------------------------------------------------------------------------

    def _garbage(self, count: int) -> None:
        self._discarded += count
        if self._discarded > self.max_frame:
            raise ProtocolError("no JPEG found in the MJPEG stream")

    def _sync(self) -> bool:
        """Between parts: skip blank and boundary lines; find headers or a bare JPEG."""
        buf = self._buf
        while buf:
            if buf[0] in b"\r\n":
                blank = len(buf) - len(buf.lstrip(b"\r\n"))
                self._garbage(blank)  # line ends forever are no stream either
                del buf[:blank]
                continue
            if buf.startswith(SOI):
                self._start_body({})
                return True
            if len(buf) < 2:
                return False
            newline = buf.find(b"\n")
            if newline < 0:
                if len(buf) > MAX_HEADER_BYTES:
                    # No line end in sight: garbage; keep looking for a JPEG start.
                    start = buf.find(SOI)
                    drop = start if start > 0 else len(buf) - 1
                    self._garbage(drop)
                    del buf[:drop]
                    continue
                return False
            line = bytes(buf[:newline]).rstrip(b"\r")
            if line.startswith(b"--"):
                self._garbage(newline + 1)  # counted: endless boundaries are no stream
                del buf[: newline + 1]
                continue
            if _header_line(line) is not None:
                self._state = self._HEADERS
                self._headers = {}
                self._header_bytes = 0
                return True
            start = line.find(SOI)
            if start >= 0:
                self._garbage(start)
                del buf[:start]
                continue
            self._garbage(newline + 1)
            del buf[: newline + 1]
        return False

    def _read_header(self) -> bool:
        buf = self._buf
        newline = buf.find(b"\n")
        if newline < 0:
            if len(buf) + self._header_bytes > MAX_HEADER_BYTES:
                raise ProtocolError("MJPEG part headers too long")
            return False
        self._header_bytes += newline + 1
        if self._header_bytes > MAX_HEADER_BYTES:
            raise ProtocolError("MJPEG part headers too long")
        line = bytes(buf[:newline]).rstrip(b"\r")
        del buf[: newline + 1]
        if not line:
            self._start_body(self._headers)
            return True
        if line.startswith(b"--"):  # a boundary with no body before it: start over
            self._garbage(self._header_bytes)
            self._headers = {}
            self._header_bytes = 0
            return True
        parsed = _header_line(line)
        if parsed is None:
            raise ProtocolError(f"malformed MJPEG part header {line[:60]!r}")
        if len(self._headers) >= MAX_HEADERS:
            raise ProtocolError("too many MJPEG part headers")
        self._headers[parsed[0]] = parsed[1]
        return True

    def _start_body(self, headers: dict[str, str]) -> None:
        self._state = self._BODY
        self._headers = headers
        self._scan_from = 0
        length_text = headers.get("content-length", "").strip()
        # ASCII digits only: str.isdigit() also accepts superscripts that int() refuses.
        self._length = int(length_text) if _LENGTH.fullmatch(length_text) else None
        if self._length is not None and self._length > self.max_frame:
            raise ProtocolError(f"MJPEG frame of {self._length} bytes exceeds {self.max_frame}")

    def _read_body(self, *, final: bool) -> MjpegPart | None:
        buf = self._buf
        # Skip white space some cameras put before the JPEG.
        lead = 0
        while lead < len(buf) and buf[lead] in b"\r\n":
            lead += 1
        if lead:
            self._garbage(lead)  # bounded, like the garbage between parts
            del buf[:lead]
        if len(buf) >= 2 and not buf.startswith(SOI):
            raise ProtocolError("MJPEG part is not a JPEG")
        length = self._length
        if length is not None and len(buf) >= length:
            if buf.startswith(SOI) and _ends_with_eoi(buf[:length]):
                jpeg = bytes(buf[:length])
                del buf[:length]
                return self._finish(jpeg)
            length = self._length = None  # the length lies: scan instead
        end = self._scan_end(final)
        if end is None:
            if len(buf) > self.max_frame:
                raise ProtocolError(f"MJPEG frame exceeds {self.max_frame} bytes")
            return None
        jpeg = bytes(buf[:end])
        del buf[:end]
        return self._finish(jpeg)

    def _scan_end(self, final: bool) -> int | None:
        """The end of the JPEG at the start of the buffer, or None while unknown."""
        buf = self._buf
        match = _END.search(buf, max(self._scan_from, 2))
        if match is not None:
            return match.start() + 2
        if final:
            tail = bytes(buf).rstrip(b"\r\n")
            if len(tail) >= 4 and tail.endswith(EOI):
                return len(tail)
            return None
        # Resume later slightly before the end (a marker may straddle two feeds).
        self._scan_from = max(2, len(buf) - 32)
        return None

    def _date_of(self, headers: Mapping[str, str]) -> MjpegState | None:
        """The state in the part's ``Date:`` header (parsed once per distinct header)."""
        date = headers.get("date")
        if date is None:
            return None
        if date != self._date:  # else the same second as the part before: the same state
            try:
                state = parse_date_header(date)
            except ProtocolError:
                state = None
            self._date, self._date_state = date, state
        return self._date_state

    def _finish(self, jpeg: bytes) -> MjpegPart:
        if len(jpeg) > self.max_frame:
            raise ProtocolError(f"MJPEG frame exceeds {self.max_frame} bytes")
        headers = self._headers
        state = self._date_of(headers)
        self._state = self._SYNC
        self._headers = {}
        self._length = None
        self._discarded = 0
        self.frames += 1
        return MjpegPart(jpeg=jpeg, headers=headers, state=state)


_HEADER = re.compile(rb"^([A-Za-z][A-Za-z0-9\-]*)\s*:\s?(.*)$")
_LENGTH = re.compile(f"[0-9]{{1,{MAX_LENGTH_DIGITS}}}")
# A whole part in its common form (see ``_whole_parts``): a few line ends, the boundary line,
# plain header lines (no control character but tab in them), the blank line.
_NAME = rb"[A-Za-z][A-Za-z0-9\-]*"
_VALUE = rb"[^\x00-\x08\x0a-\x1f]*"
_WHOLE_HEAD = re.compile(
    rb"(?:\r?\n){0,8}--[^\r\n]*\r?\n((?:" + _NAME + rb"[ \t]*:" + _VALUE + rb"\r?\n){1,32})\r?\n"
)
_WHOLE_HEADER_TEXT = re.compile(
    "(" + _NAME.decode() + ")[ \t]*:[ \t]?(" + _VALUE.decode() + ")\r?\n"
)
# The same with the length first (as the cameras send it): its digits, then the other lines.
_REPEATED_HEAD = re.compile(
    rb"(?:\r?\n){0,8}--[^\r\n]*\r?\n([Cc]ontent-[Ll]ength[ \t]*:[ \t]*([0-9]{1,%d})[ \t]*\r?\n"
    % MAX_LENGTH_DIGITS
    + rb"((?:"
    + _NAME
    + rb"[ \t]*:"
    + _VALUE
    + rb"\r?\n){0,31}))\r?\n"
)


def _block_headers(block: bytes) -> dict[str, str]:
    """The headers of whole lines of ``_WHOLE_HEAD``'s form (names in lower case)."""
    # One decode for the block (its lines end in ASCII, so a bad sequence cannot straddle
    # two values): each of the camera's parts passes here.
    text = block.decode("utf-8", errors="replace")
    return {name.lower(): value.strip() for name, value in _WHOLE_HEADER_TEXT.findall(text)}


def _header_line(line: bytes) -> tuple[str, str] | None:
    match = _HEADER.match(line)
    if match is None:
        return None
    return (
        match.group(1).decode("ascii").lower(),
        match.group(2).decode("utf-8", errors="replace").strip(),
    )


def _ends_with_eoi(data: bytes | bytearray) -> bool:
    return bytes(data[-2:]) == EOI


# --- JPEG geometry -----------------------------------------------------------------------------


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the JPEG's SOF segment; ``ProtocolError`` if not a JPEG."""
    if not data.startswith(SOI):
        raise ProtocolError("not a JPEG (no SOI marker)")
    size = jpeg.jpeg_size(data)
    if size == (0, 0):
        raise ProtocolError("JPEG without a frame header (SOF)")
    return size


def is_jpeg(data: bytes) -> bool:
    """Starts with SOI, ends with EOI (trailing CR/LF allowed) and has a frame header."""
    if not data.startswith(SOI) or not data.rstrip(b"\r\n").endswith(EOI):
        return False
    try:
        jpeg_size(data)
    except ProtocolError:
        return False
    return True


class FrameClock:
    """Timestamps and measured frame rate of one stream's frames (time is an argument)."""

    def __init__(self, start: float) -> None:
        self._start = start
        self.count = 0
        # The last picture's bytes up to its size fields, and that size: a camera's pictures
        # share their headers, so most frames need no walk through the JPEG segments.
        self._header = b""
        self._size = (0, 0)

    def _measure(self, data: bytes) -> tuple[int, int]:
        """The picture's size from its segments; kept with its header when found."""
        offset = jpeg.sof_offset(data)  # one walk through the segments for offset and size
        size = jpeg.size_at(data, offset)
        if size != (0, 0):
            self._header, self._size = data[: offset + 9], size
        return size

    def frame(self, part: MjpegPart, now: float) -> VideoFrame:
        data = part.jpeg
        if self._header and data.startswith(self._header):
            width, height = self._size
        else:
            width, height = self._measure(data)
        elapsed = now - self._start
        self.count += 1
        # round(x * 100) / 100, not round(x, 2): with a number of digits, round() formats
        # the float as text and parses it back (a few µs of a picture's path).
        fps = (
            round((self.count - 1) * 100 / elapsed) / 100 if self.count > 1 and elapsed > 0 else 0.0
        )
        return VideoFrame("jpeg", data, True, width, height, elapsed, fps)
