"""A minimal MPEG transport stream muxer for H.264 / H.265 access units (sans-I/O).

Used to hand DVRIP live video to FFmpeg-based consumers (Home Assistant's
``stream``, go2rtc) without transcoding: each Annex B access unit becomes one
PES packet; PAT and PMT are repeated before every key frame so a consumer can
join at any key frame; the PCR rides on the video PID. A stream with sound
carries AAC in ADTS frames on a second PID (``mux_audio``), one PES packet per
batch of frames.

ISO/IEC 13818-1: 188-byte packets, PSI sections with CRC-32/MPEG-2.

Every frame of a live stream goes through ``mux``, so it cuts an access unit
into packets without a Python step per packet for all but the first and last:
the packets in between are whole (184 bytes of payload after a 4-byte header
that differs only in its continuity counter), and NumPy lays them out in one
go; the tables, constant per codec, are built once.
"""

from __future__ import annotations

from functools import cache
from typing import Final

import numpy as np

TS_PACKET: Final = 188
PAT_PID: Final = 0x0000
PMT_PID: Final = 0x1000
VIDEO_PID: Final = 0x0100
AUDIO_PID: Final = 0x0101
AAC_ADTS: Final = 0x0F  # stream type of AAC in ADTS frames
PROGRAM_NUMBER: Final = 1
CLOCK_HZ: Final = 90_000

STREAM_TYPES: Final = {"h264": 0x1B, "h265": 0x24}
# Access unit delimiters, which some decoders want at the start of each PES payload.
_AUD: Final = {"h264": b"\x00\x00\x00\x01\x09\xf0", "h265": b"\x00\x00\x00\x01\x46\x01\x50"}
PAYLOAD: Final = TS_PACKET - 4  # bytes after the header of a packet without adaptation field
# The header of a video packet without adaptation field, by continuity counter.
_VIDEO_HEADS: Final = tuple(
    bytes((0x47, VIDEO_PID >> 8, VIDEO_PID & 0xFF, 0x10 | cc)) for cc in range(16)
)
_VIDEO_HEAD_TABLE: Final = np.array([list(head) for head in _VIDEO_HEADS], dtype=np.uint8)
# Whole packets in one access unit from which NumPy beats a Python loop over them.
_VECTOR_FROM: Final = 24


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

    def __init__(self, codec: str = "h264", *, audio: bool = False) -> None:
        if codec not in STREAM_TYPES:
            raise ValueError(f"unsupported codec {codec!r}")
        self.codec = codec
        self.audio = audio  # the PMT lists an AAC (ADTS) stream on AUDIO_PID
        self._continuity: dict[int, int] = {}
        self._aud = _AUD[codec]

    def _next_cc(self, pid: int) -> int:
        value = self._continuity.get(pid, 0)
        self._continuity[pid] = (value + 1) & 0x0F
        return value

    def _section_packet(self, pid: int, section: bytes) -> bytes:
        header = bytes((0x47, 0x40 | (pid >> 8), pid & 0xFF, 0x10 | self._next_cc(pid)))
        return header + section

    def psi(self) -> bytes:
        """PAT + PMT packets."""
        pat, pmt = _psi_sections(self.codec, self.audio)
        return self._section_packet(PAT_PID, pat) + self._section_packet(PMT_PID, pmt)

    def mux(self, access_unit: bytes, pts: int, keyframe: bool) -> bytes:
        """One access unit (Annex B) at ``pts`` (90 kHz ticks) as TS packets."""
        # PES header; the access unit delimiter some decoders want rides along with it.
        head = b"\x00\x00\x01\xe0\x00\x00" + bytes((0x80, 0x80, 5)) + _pts_bytes(2, pts)
        if not access_unit.startswith(self._aud[:5]):
            head += self._aud
        total = len(head) + len(access_unit)
        out: list[bytes | memoryview] = [self.psi()] if keyframe else []
        cc = self._continuity.get(VIDEO_PID, 0)
        # The first packet: payload unit start, an adaptation field with the PCR a little
        # before the PTS (so the decoder's clock leads the frames), random access on a key
        # frame.
        pcr = max(0, pts - CLOCK_HZ // 10)
        field = bytes(
            (
                0x50 if keyframe else 0x10,
                (pcr >> 25) & 0xFF,
                (pcr >> 17) & 0xFF,
                (pcr >> 9) & 0xFF,
                (pcr >> 1) & 0xFF,
                ((pcr & 1) << 7) | 0x7E,
                0x00,
            )
        )
        room = PAYLOAD - 1 - len(field)
        if total < room:
            field += b"\xff" * (room - total)
            room = total
        taken = room - len(head)
        out.append(
            bytes((0x47, 0x40 | (VIDEO_PID >> 8), VIDEO_PID & 0xFF, 0x30 | cc, len(field)))
            + field
            + head
            + access_unit[:taken]
        )
        cc = (cc + 1) & 0x0F
        # Whole packets.
        whole, tail = divmod(len(access_unit) - taken, PAYLOAD)
        if whole >= _VECTOR_FROM:
            payload = np.frombuffer(access_unit, np.uint8, whole * PAYLOAD, taken)
            packets = np.empty((whole, TS_PACKET), np.uint8)
            packets[:, 4:] = payload.reshape(whole, PAYLOAD)
            packets[:, :4] = _VIDEO_HEAD_TABLE[(np.arange(cc, cc + whole)) & 0x0F]
            out.append(packets.data)
        elif whole:
            view = memoryview(access_unit)
            heads = _VIDEO_HEADS
            for index in range(whole):
                start = taken + index * PAYLOAD
                out += (heads[(cc + index) & 0x0F], view[start : start + PAYLOAD])
        cc = (cc + whole) & 0x0F
        # The last packet, filled up by an adaptation field of stuffing bytes.
        if tail:
            stuffing = PAYLOAD - tail
            adaptation = (
                b"\x00" if stuffing == 1 else bytes((stuffing - 1, 0)) + b"\xff" * (stuffing - 2)
            )
            header = bytes((0x47, VIDEO_PID >> 8, VIDEO_PID & 0xFF, 0x30 | cc))
            out.append(header + adaptation + access_unit[len(access_unit) - tail :])
            cc = (cc + 1) & 0x0F
        self._continuity[VIDEO_PID] = cc
        return b"".join(out)

    def mux_audio(self, adts: bytes, pts: int) -> bytes:
        """ADTS frames (one or more, whole) at ``pts`` (90 kHz ticks) as TS packets on the
        audio PID; a muxer made without ``audio`` refuses."""
        if not self.audio:
            raise ValueError("this stream was announced without audio")
        pes_length = 3 + 5 + len(adts)  # flags, header length and PTS, then the payload
        if pes_length > 0xFFFF:
            raise ValueError(f"{len(adts)} bytes of audio in one PES packet")
        pes = (
            b"\x00\x00\x01\xc0"
            + pes_length.to_bytes(2, "big")
            + bytes((0x80, 0x80, 5))
            + _pts_bytes(2, pts)
            + adts
        )
        out: list[bytes] = []
        for start in range(0, len(pes), PAYLOAD):
            piece = pes[start : start + PAYLOAD]
            unit_start = 0x40 if start == 0 else 0x00
            cc = self._next_cc(AUDIO_PID)
            if len(piece) == PAYLOAD:
                head = bytes((0x47, unit_start | (AUDIO_PID >> 8), AUDIO_PID & 0xFF, 0x10 | cc))
                out.append(head + piece)
                continue
            stuffing = PAYLOAD - len(piece)  # the last packet: an adaptation field fills it
            adaptation = (
                b"\x00" if stuffing == 1 else bytes((stuffing - 1, 0)) + b"\xff" * (stuffing - 2)
            )
            head = bytes((0x47, unit_start | (AUDIO_PID >> 8), AUDIO_PID & 0xFF, 0x30 | cc))
            out.append(head + adaptation + piece)
        return b"".join(out)


@cache
def _psi_sections(codec: str, audio: bool = False) -> tuple[bytes, bytes]:
    """The PAT and PMT sections of a stream (after the packet header, stuffed to 184 bytes)."""
    pat_body = PROGRAM_NUMBER.to_bytes(2, "big") + (0xE000 | PMT_PID).to_bytes(2, "big")
    pat = (
        bytes((0x00, 0xB0 | ((len(pat_body) + 9) >> 8), (len(pat_body) + 9) & 0xFF))
        + b"\x00\x01\xc1\x00\x00"
        + pat_body
    )
    stream = bytes((STREAM_TYPES[codec],)) + (0xE000 | VIDEO_PID).to_bytes(2, "big") + b"\xf0\x00"
    if audio:
        stream += bytes((AAC_ADTS,)) + (0xE000 | AUDIO_PID).to_bytes(2, "big") + b"\xf0\x00"
    pmt_body = (0xE000 | VIDEO_PID).to_bytes(2, "big") + b"\xf0\x00" + stream
    length = len(pmt_body) + 9
    pmt = (
        bytes((0x02, 0xB0 | (length >> 8), length & 0xFF))
        + PROGRAM_NUMBER.to_bytes(2, "big")
        + b"\xc1\x00\x00"
        + pmt_body
    )

    def section(table: bytes) -> bytes:
        payload = b"\x00" + table + _crc32_mpeg2(table).to_bytes(4, "big")  # pointer field
        return payload.ljust(PAYLOAD, b"\xff")

    return section(pat), section(pmt)
