"""Minimal JPEG inspection: is it a JPEG, and how big is the picture."""

from __future__ import annotations

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
# Start-of-frame markers (baseline, extended, progressive, lossless, ...); not DHT/JPG/DAC.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def is_jpeg(data: bytes) -> bool:
    """True when ``data`` starts like a JPEG image."""
    return data.startswith(SOI + b"\xff")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the first SOF segment, or (0, 0) when there is none."""
    if not data.startswith(SOI):
        return 0, 0
    offset = 2
    end = len(data)
    while offset + 4 <= end:
        if data[offset] != 0xFF:
            return 0, 0
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            offset += 2
            continue
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if length < 2:
            return 0, 0
        if marker in _SOF_MARKERS:
            if offset + 9 > end:
                return 0, 0
            height = int.from_bytes(data[offset + 5 : offset + 7], "big")
            width = int.from_bytes(data[offset + 7 : offset + 9], "big")
            return width, height
        if marker == 0xDA:  # start of scan before any SOF
            return 0, 0
        offset += 2 + length
    return 0, 0
