"""H.264 over RTP (RFC 6184, packetization-mode 1), sans-I/O.

``H264Depacketizer`` turns RTP packets (single NAL unit, STAP-A, FU-A) into Annex B
access units. A sequence-number gap damages the access unit being assembled,
which is then dropped whole rather than handed to a decoder half-built. The SDP
``sprop-parameter-sets`` (SPS/PPS) are put in front of every IDR access unit
that does not carry its own, so each key frame decodes on its own.

The fragment size is not assumed: the vendor document says "1K", one server
build uses 1425 (``docs/protocols/grandstream.md``, "H.264 over RTP").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .rtp import RtpPacket

NAL_SLICE = 1
NAL_IDR = 5
NAL_SEI = 6
NAL_SPS = 7
NAL_PPS = 8
NAL_AUD = 9
NAL_STAP_A = 24
NAL_FU_A = 28

START_CODE = b"\x00\x00\x00\x01"
MAX_ACCESS_UNIT = 4 * 1024 * 1024
MAX_NALS_PER_UNIT = 512


def nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F if nal else 0


def annexb(nals: Iterable[bytes]) -> bytes:
    return b"".join(START_CODE + nal for nal in nals)


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One depacketised access unit: Annex B bytes, key frame flag, RTP timestamp."""

    data: bytes
    keyframe: bool
    timestamp: int


class H264Depacketizer:
    """Reassemble access units from RTP packets of one H.264 stream."""

    def __init__(self, parameter_sets: Sequence[bytes] = (), *, max_unit: int = MAX_ACCESS_UNIT):
        self._sps: bytes | None = None
        self._pps: bytes | None = None
        for unit in parameter_sets:
            self._remember(unit)
        self._max_unit = max_unit
        self._nals: list[bytes] = []
        self._size = 0
        self._timestamp: int | None = None
        self._damaged = False
        self._touched = False  # the current unit has received data
        self._fu: bytearray | None = None
        self._last_seq: int | None = None
        self.dropped = 0  # access units dropped as damaged
        self.lost_packets = 0

    def _remember(self, nal: bytes) -> None:
        if nal_type(nal) == NAL_SPS:
            self._sps = bytes(nal)
        elif nal_type(nal) == NAL_PPS:
            self._pps = bytes(nal)

    @property
    def parameter_sets(self) -> tuple[bytes | None, bytes | None]:
        return self._sps, self._pps

    def push(self, packet: RtpPacket) -> list[AccessUnit]:
        """Feed one RTP packet; return the access units it completes (usually 0 or 1)."""
        out: list[AccessUnit] = []
        gap = False
        if self._last_seq is not None:
            expected = (self._last_seq + 1) & 0xFFFF
            if packet.sequence != expected:
                missing = (packet.sequence - expected) & 0xFFFF
                if missing >= 0x8000:  # old or duplicate packet: ignore it
                    return out
                self.lost_packets += missing
                gap = True
                self._damaged = True
                self._fu = None
        self._last_seq = packet.sequence
        if self._timestamp is not None and packet.timestamp != self._timestamp:
            # Timestamp changed without a marker: the previous unit is complete
            # (or, with a fragment pending, damaged).
            if self._fu is not None:
                self._damaged = True
            unit = self._finish()
            if unit is not None:
                out.append(unit)
            # The lost packets may just as well have been the start of this unit.
            self._damaged = gap
        self._timestamp = packet.timestamp
        self._payload(packet.payload)
        if packet.marker:
            if self._fu is not None:  # marker inside an unfinished fragment
                self._damaged = True
                self._fu = None
            unit = self._finish()
            if unit is not None:
                out.append(unit)
        return out

    def _add(self, nal: bytes) -> None:
        if not nal:
            return
        self._size += len(nal) + 4
        if self._size > self._max_unit or len(self._nals) >= MAX_NALS_PER_UNIT:
            self._damaged = True
            return
        self._nals.append(nal)

    def _payload(self, payload: bytes) -> None:
        if not payload:
            return
        self._touched = True
        kind = payload[0] & 0x1F
        if 1 <= kind <= 23:
            if self._fu is not None:  # a new NAL while a fragment was open
                self._damaged = True
                self._fu = None
            self._add(payload)
        elif kind == NAL_STAP_A:
            offset = 1
            while offset < len(payload):
                if offset + 2 > len(payload):
                    self._damaged = True
                    return
                size = int.from_bytes(payload[offset : offset + 2], "big")
                offset += 2
                if size == 0 or offset + size > len(payload):
                    self._damaged = True
                    return
                self._add(payload[offset : offset + size])
                offset += size
        elif kind == NAL_FU_A:
            if len(payload) < 2:
                self._damaged = True
                return
            indicator, header = payload[0], payload[1]
            start, end = bool(header & 0x80), bool(header & 0x40)
            if start:
                if self._fu is not None:
                    self._damaged = True
                self._fu = bytearray([(indicator & 0xE0) | (header & 0x1F)])
            elif self._fu is None:
                self._damaged = True  # continuation without a start: lost fragment
                return
            self._fu.extend(payload[2:])
            if len(self._fu) > self._max_unit:
                self._damaged = True
                self._fu = None
                return
            if end:
                self._add(bytes(self._fu))
                self._fu = None
        else:
            # STAP-B, MTAP, FU-B are not allowed in packetization-mode 1; 0/30/31 are
            # undefined. Skip them, but the unit they belonged to is not trustworthy.
            self._damaged = True

    def _finish(self) -> AccessUnit | None:
        nals, damaged, timestamp = self._nals, self._damaged, self._timestamp
        touched = self._touched
        self._nals = []
        self._size = 0
        self._damaged = False
        self._touched = False
        self._fu = None
        if damaged:
            if touched:
                self.dropped += 1
            return None
        if not nals:
            return None
        types = {nal_type(n) for n in nals}
        for nal in nals:
            self._remember(nal)
        keyframe = NAL_IDR in types
        if keyframe:
            prefix = []
            if NAL_SPS not in types and self._sps is not None:
                prefix.append(self._sps)
            if NAL_PPS not in types and self._pps is not None:
                prefix.append(self._pps)
            if prefix:
                # After an access unit delimiter, if any.
                at = 1 if nal_type(nals[0]) == NAL_AUD else 0
                nals = nals[:at] + prefix + nals[at:]
        return AccessUnit(annexb(nals), keyframe, timestamp or 0)
