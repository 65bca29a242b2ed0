"""The 23-byte header every legacy Foscam packet starts with, and the stream decoder.

Every packet is a header followed by a "text" (payload)::

    0  magic        4   b"MO_O" (operation), b"MO_V" (audio/video data), b"MO_I" (UDP search)
    4  op code      2   UINT16 LE
    6  reserved     1   0
    7  reserved     8   0
    15 text length  4   UINT32 LE  (the only length a decoder reads)
    19 text length  4   "reserved" in the vendor document; cameras repeat the length here
    23 text         n

``PacketDecoder`` cuts a TCP byte stream into packets: it survives any
fragmentation, re-synchronises on the magic after garbage (as the vendor's own
receiver does), refuses a length above its cap from the header alone, before
anything is buffered for the text, and gives up on a run of garbage longer than
any packet. See docs/protocols/foscam.md, "Framing".
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

from ..errors import ProtocolError

MAGIC_OPERATION = b"MO_O"
MAGIC_AV = b"MO_V"
MAGIC_SEARCH = b"MO_I"
MAGICS = (MAGIC_OPERATION, MAGIC_AV, MAGIC_SEARCH)

HEADER_SIZE = 23
HEADER = struct.Struct("<4sHB8sII")

# Bounds for lengths read from the network (text bytes, header excluded).
MAX_OPERATION_TEXT = 64 * 1024  # the largest real MO_O text is op 28 with 1152 bytes
MAX_AV_TEXT = 2 * 1024 * 1024  # one JPEG frame (captures saw 78 785 bytes; cap at 2 MiB)
MAX_SEARCH_TEXT = 1024  # MO_I texts are 4 to 129 bytes
DEFAULT_MAX_TEXT: Mapping[bytes, int] = {
    MAGIC_OPERATION: MAX_OPERATION_TEXT,
    MAGIC_AV: MAX_AV_TEXT,
    MAGIC_SEARCH: MAX_SEARCH_TEXT,
}


def encode_packet(magic: bytes, op: int, text: bytes = b"") -> bytes:
    """One packet: header with the text length at offsets 15 AND 19, then the text."""
    if magic not in MAGICS:
        raise ValueError(f"unknown magic {magic!r}")
    if not 0 <= op <= 0xFFFF:
        raise ValueError("op code out of range")
    return HEADER.pack(magic, op, 0, bytes(8), len(text), len(text)) + text


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded 23-byte header."""

    magic: bytes
    op: int
    length: int
    length_copy: int  # offset 19: a copy of the length on real cameras, 0 on some clients


def decode_header(data: bytes | bytearray | memoryview) -> Header:
    """Decode the first 23 bytes; raise ProtocolError when they are no Foscam header."""
    if len(data) < HEADER_SIZE:
        raise ProtocolError("truncated Foscam header")
    magic, op, _flag, _key, length, length_copy = HEADER.unpack_from(data, 0)
    if magic not in MAGICS:
        raise ProtocolError("not a Foscam packet (bad magic)")
    return Header(bytes(magic), op, length, length_copy)


@dataclass(frozen=True, slots=True)
class Packet:
    """One raw packet cut out of a stream or a datagram."""

    magic: bytes
    op: int
    text: bytes


def split_datagram(data: bytes) -> Packet:
    """The one packet of a datagram; bytes after its text are ignored (HD models add some)."""
    header = decode_header(data)
    if header.length > DEFAULT_MAX_TEXT[header.magic]:
        raise ProtocolError("Foscam packet longer than allowed")
    if len(data) < HEADER_SIZE + header.length:
        raise ProtocolError("truncated Foscam packet")
    return Packet(header.magic, header.op, bytes(data[HEADER_SIZE : HEADER_SIZE + header.length]))


class PacketDecoder:
    """Cuts a TCP byte stream into packets: ``feed(data) -> list[Packet]``.

    - bytes before an accepted magic are discarded (counted in ``discarded``);
    - a declared length above the magic's cap raises ProtocolError before anything is
      buffered for it (the connection should then be closed);
    - more garbage in a row than ``max_garbage`` bytes (default: the largest packet an
      accepted magic allows) raises ProtocolError: resynchronising never needs more, so
      the peer is not speaking this protocol.
    """

    def __init__(
        self,
        magics: tuple[bytes, ...] = (MAGIC_OPERATION, MAGIC_AV),
        max_text: Mapping[bytes, int] | None = None,
        max_garbage: int | None = None,
    ) -> None:
        self._magics = magics
        self._max_text = dict(DEFAULT_MAX_TEXT)
        if max_text:
            self._max_text.update(max_text)
        if max_garbage is None:
            max_garbage = HEADER_SIZE + max(self._max_text.get(m, 0) for m in magics)
        self._max_garbage = max_garbage
        self._garbage_run = 0  # bytes discarded since the last complete packet
        self._buffer = bytearray()
        self.discarded = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Packet]:
        """Take ``data``; return every packet it completed, in order."""
        self._buffer.extend(data)
        packets: list[Packet] = []
        while (packet := self._next()) is not None:
            packets.append(packet)
        return packets

    def _next(self) -> Packet | None:
        if not self._resync() or len(self._buffer) < HEADER_SIZE:
            return None
        buffer = self._buffer
        magic, op, _flag, _key, length, _copy = HEADER.unpack_from(buffer, 0)
        if length > self._max_text.get(magic, 0):
            raise ProtocolError(f"{magic.decode()} op {op}: text length {length} exceeds the limit")
        end = HEADER_SIZE + length
        if len(buffer) < end:
            return None
        text = bytes(buffer[HEADER_SIZE:end])
        del buffer[:end]
        self._garbage_run = 0
        return Packet(bytes(magic), op, text)

    def _discard(self, count: int) -> None:
        self.discarded += count
        self._garbage_run += count
        del self._buffer[:count]
        if self._garbage_run > self._max_garbage:
            raise ProtocolError(f"{self._garbage_run} bytes without a Foscam packet")

    def _resync(self) -> bool:
        """Drop bytes before the first magic; True when the buffer starts with one."""
        buffer = self._buffer
        if buffer[:4] in self._magics:
            return True
        positions = [p for p in (buffer.find(m) for m in self._magics) if p >= 0]
        if positions:
            self._discard(min(positions))
            return True
        # Keep a possible magic prefix (up to 3 bytes) at the end.
        keep = 0
        for size in (3, 2, 1):
            tail = bytes(buffer[-size:]) if len(buffer) >= size else b""
            if tail and any(m.startswith(tail) for m in self._magics):
                keep = size
                break
        self._discard(len(buffer) - keep)
        return False
