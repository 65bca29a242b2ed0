"""Byte builders and the capture-derived texts shared by the Foscam tests."""

from __future__ import annotations

import struct

CAMERA_ID = "00626E4E72BF"


def header(magic: bytes, op: int, length: int, copy: int | None = None) -> bytes:
    """A header built by hand from the vendor document's table."""
    return (
        magic
        + struct.pack("<H", op)
        + b"\x00"
        + b"\x00" * 8
        + struct.pack("<I", length)
        + struct.pack("<I", length if copy is None else copy)
    )


def packet(magic: bytes, op: int, text: bytes) -> bytes:
    return header(magic, op, len(text)) + text


# The published FI89xx captures, rebuilt from their described content
# (docs/protocols/foscam.md, "Test vectors").
LOGIN_RESP_TEXT = (
    b"\x00\x00"
    + CAMERA_ID.encode()
    + b"\x00"
    + b"\x00\x00\x00\x01"
    + b"\x00" * 4
    + b"\x0b\x25\x02\x38"
)
SEARCH_RESP_TEXT = (
    CAMERA_ID.encode()
    + b"\x00"
    + b"cam1".ljust(21, b"\x00")
    + bytes((192, 168, 69, 21))
    + bytes((255, 255, 255, 0))
    + bytes((192, 168, 69, 1))
    + bytes((192, 168, 69, 1))
    + b"\x00" * 4
    + bytes((11, 37, 2, 56))
    + bytes((2, 4, 10, 10))
    + b"\x00\x50"
    + b"\x01"
)
