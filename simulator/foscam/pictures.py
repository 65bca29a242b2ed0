"""Pictures as the FI89xx camera sends them."""

from __future__ import annotations

import struct


def camera_style_jpeg(jpeg: bytes) -> bytes:
    """Rewrite a JPEG like the FI89xx captures: no JFIF APP0, SOF0 before the tables."""
    if jpeg[:2] != b"\xff\xd8":
        return jpeg
    position = 2
    segments: list[tuple[int, bytes]] = []
    while position + 4 <= len(jpeg) and jpeg[position] == 0xFF:
        marker = jpeg[position + 1]
        if marker == 0xDA:
            break
        (length,) = struct.unpack_from(">H", jpeg, position + 2)
        segments.append((marker, jpeg[position : position + 2 + length]))
        position += 2 + length
    sof = [raw for marker, raw in segments if marker == 0xC0]
    rest = [raw for marker, raw in segments if marker not in (0xC0, 0xE0)]
    return b"\xff\xd8" + b"".join(sof) + b"".join(rest) + jpeg[position:]
