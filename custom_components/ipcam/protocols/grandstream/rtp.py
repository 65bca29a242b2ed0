"""RTP/RTCP over RTSP interleaved TCP (RFC 2326 section 10.12, RFC 3550), sans-I/O.

An interleaved frame is ``$``, a channel byte, a 16-bit big-endian length and
that many bytes; even channels carry RTP, odd channels RTCP (with
``interleaved=0-1`` for video and ``2-3`` for audio).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ..errors import ProtocolError

INTERLEAVED_MAGIC = 0x24  # "$"
MAX_INTERLEAVED_PAYLOAD = 0xFFFF
RTP_VERSION = 2
RTCP_SR = 200
RTCP_RR = 201
RTCP_SDES = 202
RTCP_BYE = 203


@dataclass(frozen=True, slots=True)
class InterleavedFrame:
    """One ``$``-framed packet on the RTSP connection."""

    channel: int
    payload: bytes


def format_interleaved(channel: int, payload: bytes) -> bytes:
    """Frame ``payload`` for interleaved channel ``channel``."""
    if not 0 <= channel <= 255:
        raise ValueError("interleaved channel must be 0-255")
    if len(payload) > MAX_INTERLEAVED_PAYLOAD:
        raise ValueError("interleaved payload longer than 65535 bytes")
    return struct.pack("!BBH", INTERLEAVED_MAGIC, channel, len(payload)) + payload


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """A parsed RTP packet (RFC 3550 §5.1); ``payload`` excludes padding and extensions."""

    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    csrcs: tuple[int, ...] = ()


def is_rtcp(data: bytes) -> bool:
    """True when ``data`` looks like RTCP (payload type 200-204) rather than RTP."""
    return len(data) >= 2 and data[0] >> 6 == RTP_VERSION and 200 <= data[1] <= 204


def parse_rtp(data: bytes) -> RtpPacket:
    """Parse one RTP packet; ProtocolError if malformed."""
    if len(data) < 12:
        raise ProtocolError("RTP packet shorter than its header")
    first, second, sequence, timestamp, ssrc = struct.unpack_from("!BBHII", data)
    if first >> 6 != RTP_VERSION:
        raise ProtocolError("not an RTP version 2 packet")
    csrc_count = first & 0x0F
    offset = 12 + 4 * csrc_count
    if offset > len(data):
        raise ProtocolError("RTP CSRC list exceeds the packet")
    csrcs = struct.unpack_from(f"!{csrc_count}I", data, 12) if csrc_count else ()
    if first & 0x10:  # header extension
        if offset + 4 > len(data):
            raise ProtocolError("RTP extension header exceeds the packet")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
        if offset > len(data):
            raise ProtocolError("RTP extension exceeds the packet")
    end = len(data)
    if first & 0x20:  # padding
        pad = data[-1]
        if pad == 0 or end - pad < offset:
            raise ProtocolError("invalid RTP padding")
        end -= pad
    return RtpPacket(
        payload_type=second & 0x7F,
        marker=bool(second & 0x80),
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(data[offset:end]),
        csrcs=tuple(csrcs),
    )


class ReceptionStats:
    """Per-source reception statistics for RTCP receiver reports (RFC 3550 §6.4.1, A.3)."""

    def __init__(self) -> None:
        self.ssrc: int | None = None
        self.base_seq = 0
        self.max_seq = 0
        self.cycles = 0
        self.received = 0
        self._expected_prior = 0
        self._received_prior = 0

    def update(self, packet: RtpPacket) -> None:
        """Account for one received packet."""
        if self.ssrc != packet.ssrc:
            self.ssrc = packet.ssrc
            self.base_seq = self.max_seq = packet.sequence
            self.cycles = 0
            self.received = 0
            self._expected_prior = self._received_prior = 0
        else:
            delta = (packet.sequence - self.max_seq) & 0xFFFF
            if 0 < delta < 0x8000:
                if packet.sequence < self.max_seq:
                    self.cycles += 1 << 16
                self.max_seq = packet.sequence
        self.received += 1

    @property
    def extended_max(self) -> int:
        return self.cycles + self.max_seq

    def report_block(self) -> tuple[int, int, int]:
        """(fraction lost 0-255, cumulative lost, extended highest sequence number)."""
        expected = self.extended_max - self.base_seq + 1
        lost = max(-0x800000, min(0x7FFFFF, expected - self.received))
        expected_interval = expected - self._expected_prior
        received_interval = self.received - self._received_prior
        self._expected_prior = expected
        self._received_prior = self.received
        lost_interval = expected_interval - received_interval
        fraction = 0
        if expected_interval > 0 and lost_interval > 0:
            fraction = min(255, (lost_interval << 8) // expected_interval)
        return fraction, lost, self.extended_max & 0xFFFFFFFF


def build_receiver_report(
    reporter_ssrc: int, stats: ReceptionStats | None, cname: str = "ipcam"
) -> bytes:
    """A compound RTCP packet: Receiver Report (one block if ``stats`` has a source) + SDES."""
    blocks = b""
    count = 0
    if stats is not None and stats.ssrc is not None:
        fraction, lost, highest = stats.report_block()
        blocks = struct.pack(
            "!IB3sIIII",
            stats.ssrc,
            fraction,
            (lost & 0xFFFFFF).to_bytes(3, "big"),
            highest,
            0,  # interarrival jitter (not computed)
            0,  # LSR: the camera sends no sender reports
            0,  # DLSR
        )
        count = 1
    rr_length = (8 + len(blocks)) // 4 - 1
    header = struct.pack("!BBHI", (RTP_VERSION << 6) | count, RTCP_RR, rr_length, reporter_ssrc)
    rr = header + blocks
    name = cname.encode("utf-8")[:255]
    chunk = struct.pack("!IBB", reporter_ssrc, 1, len(name)) + name + b"\x00"
    chunk += b"\x00" * (-len(chunk) % 4)
    sdes = struct.pack("!BBH", (RTP_VERSION << 6) | 1, RTCP_SDES, len(chunk) // 4) + chunk
    return rr + sdes
