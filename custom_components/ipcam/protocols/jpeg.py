"""Minimal JPEG inspection: is it a JPEG, and how big is the picture."""

from __future__ import annotations

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
# Start-of-frame markers (baseline, extended, progressive, lossless, ...); not DHT/JPG/DAC.
_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length: TEM and the restart markers.
_BARE_MARKERS = frozenset((0x01, *range(0xD0, 0xD8)))


def is_jpeg(data: bytes) -> bool:
    """True when ``data`` starts like a JPEG image."""
    return data.startswith(SOI + b"\xff")


def jpeg_size(data: bytes) -> tuple[int, int]:
    """(width, height) from the first SOF segment, or (0, 0) when there is none."""
    return size_at(data, sof_offset(data))


def size_at(data: bytes, offset: int) -> tuple[int, int]:
    """(width, height) from the SOF segment at ``offset`` (``sof_offset``'s answer), or
    (0, 0) when there is none."""
    if offset < 0 or offset + 9 > len(data):
        return 0, 0
    height = int.from_bytes(data[offset + 5 : offset + 7], "big")
    width = int.from_bytes(data[offset + 7 : offset + 9], "big")
    return width, height


def sof_offset(data: bytes) -> int:
    """Where the first SOF segment starts (its ``FF``), or -1 when there is none.

    Only the bytes before the segment's size fields decide it (nothing after
    ``offset + 9`` is read), so a picture that starts with the same bytes as
    another up to there has the same size.
    """
    if not data.startswith(SOI):
        return -1
    offset = 2
    end = len(data)
    while offset + 4 <= end:
        if data[offset] != 0xFF:
            return -1
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in _BARE_MARKERS:
            offset += 2
            continue
        length = int.from_bytes(data[offset + 2 : offset + 4], "big")
        if length < 2:
            return -1
        if marker in _SOF_MARKERS:
            return offset
        if marker == 0xDA:  # start of scan before any SOF
            return -1
        offset += 2 + length
    return -1
