"""What every typed Foscam message is, and the field codecs they share.

A message travels one way: the client **encodes** what it sends (``Request``:
``text()``/``encode()``) and **decodes** what the camera sends (``Incoming``:
``from_text()``). Keep-alives go both ways and are both. The camera's half of
each codec (decoding requests, encoding replies) lives in the simulator.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field
from typing import ClassVar, Self

from ..errors import InvalidValue, ProtocolError
from .framing import MAGIC_OPERATION, encode_packet

INT16 = struct.Struct("<h")
UINT32 = struct.Struct("<I")


class Message:
    """Base of every typed message: its magic and op code."""

    __slots__ = ()
    MAGIC: ClassVar[bytes] = MAGIC_OPERATION
    OP: ClassVar[int] = 0


class Request(Message):
    """Client -> camera: the client encodes it."""

    __slots__ = ()

    def text(self) -> bytes:
        return b""

    def encode(self) -> bytes:
        return encode_packet(self.MAGIC, self.OP, self.text())


class Incoming(Message):
    """Camera -> client: the client decodes it (``from_text`` may raise ProtocolError)."""

    __slots__ = ()

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        return cls()


@dataclass(frozen=True, slots=True)
class UnknownMessage(Message):
    """A packet with an op code the client does not decode (kept, never fatal alone)."""

    magic: bytes = MAGIC_OPERATION
    op: int = 0
    raw: bytes = field(default=b"", repr=False)


# --- field codecs -----------------------------------------------------------------------------


def need(text: bytes, size: int, what: str) -> None:
    """ProtocolError unless ``text`` has at least ``size`` bytes."""
    if len(text) < size:
        raise ProtocolError(f"{what}: text of {len(text)} bytes, expected at least {size}")


def int16(text: bytes, offset: int = 0) -> int:
    value: int = INT16.unpack_from(text, offset)[0]
    return value


def uint32(text: bytes, offset: int = 0) -> int:
    value: int = UINT32.unpack_from(text, offset)[0]
    return value


def cstring(raw: bytes) -> str:
    """A NUL-terminated (and NUL-padded) field; latin-1 decodes any byte."""
    return raw.split(b"\x00", 1)[0].decode("latin-1")


def fixed_field(value: str, size: int, what: str) -> bytes:
    """``value`` NUL-padded to ``size`` bytes (at most ``size - 1`` characters)."""
    raw = value.encode("utf-8")
    if len(raw) > size - 1:
        raise InvalidValue(f"{what} is limited to {size - 1} characters")
    return raw.ljust(size, b"\x00")


def ipv4(raw: bytes) -> str:
    """Four bytes in network order as a dotted address."""
    return str(ipaddress.IPv4Address(bytes(raw[:4]).ljust(4, b"\x00")))


def ipv4_bytes(value: str) -> bytes:
    try:
        return ipaddress.IPv4Address(value).packed
    except ValueError as err:
        raise InvalidValue(f"not an IPv4 address: {value!r}") from err


def version(raw: bytes) -> str:
    """One byte per component: ``0B 25 02 38`` -> ``11.37.2.56``."""
    return ".".join(str(b) for b in raw)


def version_bytes(value: str) -> bytes:
    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise InvalidValue(f"version must be four numbers 0-255: {value!r}")
    return bytes(int(p) for p in parts)
