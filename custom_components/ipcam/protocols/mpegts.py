"""A minimal MPEG transport stream muxer for H.264 / H.265 access units (sans-I/O).

Used to hand DVRIP live video to FFmpeg-based consumers (Home Assistant's
``stream``, go2rtc) without transcoding: each Annex B access unit becomes one
PES packet; PAT and PMT are repeated before every key frame so a consumer can
join at any key frame; the PCR rides on the video PID.

ISO/IEC 13818-1: 188-byte packets, PSI sections with CRC-32/MPEG-2.
"""

from __future__ import annotations

from typing import Final

TS_PACKET: Final = 188
PAT_PID: Final = 0x0000
PMT_PID: Final = 0x1000
VIDEO_PID: Final = 0x0100
PROGRAM_NUMBER: Final = 1
CLOCK_HZ: Final = 90_000

STREAM_TYPES: Final = {"h264": 0x1B, "h265": 0x24}
# Access unit delimiters, which some decoders want at the start of each PES payload.
_AUD: Final = {"h264": b"\x00\x00\x00\x01\x09\xf0", "h265": b"\x00\x00\x00\x01\x46\x01\x50"}


def _crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
            crc &= 0xFFFFFFFF
    return crc


def _pts_bytes(marker: int, value: int) -> bytes:
    value &= (1 << 33) - 1
    return bytes(
        (
            (marker << 4) | (((value >> 30) & 0x07) << 1) | 1,
            (value >> 22) & 0xFF,
            (((value >> 15) & 0x7F) << 1) | 1,
            (value >> 7) & 0xFF,
            ((value & 0x7F) << 1) | 1,
        )
    )


class TsMuxer:
    """Turns access units into transport stream bytes."""

    def __init__(self, codec: str = "h264") -> None:
        if codec not in STREAM_TYPES:
            raise ValueError(f"unsupported codec {codec!r}")
        self.codec = codec
        self._continuity: dict[int, int] = {}

    def _next_cc(self, pid: int) -> int:
        value = self._continuity.get(pid, 0)
        self._continuity[pid] = (value + 1) & 0x0F
        return value

    def _section_packet(self, pid: int, table: bytes) -> bytes:
        payload = b"\x00" + table + _crc32_mpeg2(table).to_bytes(4, "big")  # pointer field
        header = bytes((0x47, 0x40 | (pid >> 8), pid & 0xFF, 0x10 | self._next_cc(pid)))
        return (header + payload).ljust(TS_PACKET, b"\xff")

    def psi(self) -> bytes:
        """PAT + PMT packets."""
        pat_body = PROGRAM_NUMBER.to_bytes(2, "big") + (0xE000 | PMT_PID).to_bytes(2, "big")
        pat = (
            bytes((0x00, 0xB0 | ((len(pat_body) + 9) >> 8), (len(pat_body) + 9) & 0xFF))
            + b"\x00\x01\xc1\x00\x00"
            + pat_body
        )
        stream = (
            bytes((STREAM_TYPES[self.codec],))
            + (0xE000 | VIDEO_PID).to_bytes(2, "big")
            + b"\xf0\x00"
        )
        pmt_body = (0xE000 | VIDEO_PID).to_bytes(2, "big") + b"\xf0\x00" + stream
        length = len(pmt_body) + 9
        pmt = (
            bytes((0x02, 0xB0 | (length >> 8), length & 0xFF))
            + PROGRAM_NUMBER.to_bytes(2, "big")
            + b"\xc1\x00\x00"
            + pmt_body
        )
        return self._section_packet(PAT_PID, pat) + self._section_packet(PMT_PID, pmt)

    def mux(self, access_unit: bytes, pts: int, keyframe: bool) -> bytes:
        """One access unit (Annex B) at ``pts`` (90 kHz ticks) as TS packets."""
        data = access_unit
        if not data.startswith(_AUD[self.codec][:5]):
            data = _AUD[self.codec] + data
        pes_header = b"\x00\x00\x01\xe0\x00\x00" + bytes((0x80, 0x80, 5)) + _pts_bytes(2, pts)
        pes = pes_header + data
        out = bytearray(self.psi() if keyframe else b"")
        offset = 0
        first = True
        while offset < len(pes):
            field: bytes | None = None  # adaptation field body (after its length byte)
            if first:
                # PCR a little before the PTS, so the decoder's clock leads the frames.
                pcr = max(0, pts - CLOCK_HZ // 10)
                flags = 0x50 if keyframe else 0x10  # random access indicator + PCR flag
                field = bytes(
                    (
                        flags,
                        (pcr >> 25) & 0xFF,
                        (pcr >> 17) & 0xFF,
                        (pcr >> 9) & 0xFF,
                        (pcr >> 1) & 0xFF,
                        ((pcr & 1) << 7) | 0x7E,
                        0x00,
                    )
                )
            room = TS_PACKET - 4 - (0 if field is None else 1 + len(field))
            remaining = len(pes) - offset
            if remaining < room:
                stuffing = room - remaining
                if field is not None:
                    field += b"\xff" * stuffing
                elif stuffing == 1:
                    field = b""  # an adaptation field of length 0 takes the one byte
                else:
                    field = b"\x00" + b"\xff" * (stuffing - 2)
                room = remaining
            chunk = pes[offset : offset + room]
            header = bytes(
                (
                    0x47,
                    (0x40 if first else 0x00) | (VIDEO_PID >> 8),
                    VIDEO_PID & 0xFF,
                    (0x10 if field is None else 0x30) | self._next_cc(VIDEO_PID),
                )
            )
            adaptation = b"" if field is None else bytes((len(field),)) + field
            packet = header + adaptation + chunk
            if len(packet) != TS_PACKET:  # pragma: no cover - arithmetic above guarantees it
                raise AssertionError(f"TS packet of {len(packet)} bytes")
            out += packet
            offset += len(chunk)
            first = False
        return bytes(out)
