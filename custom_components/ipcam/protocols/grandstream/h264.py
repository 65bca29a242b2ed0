"""H.264 over RTP (RFC 6184, packetization-mode 1), sans-I/O.

``H264Depacketizer`` turns RTP packets (single NAL unit, STAP-A, FU-A) into Annex B
access units. A sequence-number gap damages the access unit being assembled,
which is then dropped whole rather than handed to a decoder half-built. The SDP
``sprop-parameter-sets`` (SPS/PPS) are put in front of every IDR access unit
that does not carry its own, so each key frame decodes on its own.

``packetize`` is the other direction (used by the simulator): NAL units up to
``max_payload`` bytes go as single NAL unit packets, larger ones as FU-A.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import ProtocolError
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


def split_annexb(data: bytes) -> list[bytes]:
    """Split an Annex B byte stream at 3- and 4-byte start codes."""
    nals: list[bytes] = []
    i = data.find(b"\x00\x00\x01")
    if i < 0:
        return [data] if data else []
    while i >= 0:
        start = i + 3
        j = data.find(b"\x00\x00\x01", start)
        end = len(data) if j < 0 else j
        # A 4-byte start code leaves a zero at the end of the previous NAL.
        nal = data[start:end]
        if j >= 0 and nal.endswith(b"\x00"):
            nal = nal.rstrip(b"\x00")
        if nal:
            nals.append(nal)
        i = j
    return nals


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


def packetize(access_unit: bytes, max_payload: int = 1024) -> list[bytes]:
    """RTP payloads for one Annex B access unit: single NAL units or FU-A fragments.

    ``max_payload`` is the fragment data size (the vendor document says "1K";
    one build uses 1425). The caller sets the marker bit on the last payload.
    """
    if max_payload < 3:
        raise ValueError("max_payload too small")
    payloads: list[bytes] = []
    for nal in split_annexb(access_unit):
        if len(nal) <= max_payload:
            payloads.append(nal)
            continue
        indicator = (nal[0] & 0xE0) | NAL_FU_A
        kind = nal[0] & 0x1F
        body = nal[1:]
        for offset in range(0, len(body), max_payload):
            header = kind
            if offset == 0:
                header |= 0x80
            if offset + max_payload >= len(body):
                header |= 0x40
            payloads.append(bytes([indicator, header]) + body[offset : offset + max_payload])
    return payloads


def stap_a(nals: Sequence[bytes]) -> bytes:
    """Aggregate small NAL units into one STAP-A payload."""
    nri = max((nal[0] & 0x60 for nal in nals), default=0)
    out = bytearray([nri | NAL_STAP_A])
    for nal in nals:
        if len(nal) > 0xFFFF:
            raise ValueError("NAL unit too large for STAP-A")
        out += len(nal).to_bytes(2, "big") + nal
    return bytes(out)


# --- SPS -----------------------------------------------------------------------------------


class _Bits:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    def bit(self) -> int:
        if self._pos >= len(self._data) * 8:
            raise ProtocolError("SPS truncated")
        value = (self._data[self._pos >> 3] >> (7 - (self._pos & 7))) & 1
        self._pos += 1
        return value

    def bits(self, count: int) -> int:
        value = 0
        for _ in range(count):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise ProtocolError("invalid Exp-Golomb code in SPS")
        return (1 << zeros) - 1 + self.bits(zeros)

    def se(self) -> int:
        value = self.ue()
        return (value + 1) // 2 if value & 1 else -(value // 2)


def _unescape(nal: bytes) -> bytes:
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def sps_dimensions(sps: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a sequence parameter set NAL unit (with header)."""
    if nal_type(sps) != NAL_SPS or len(sps) < 4:
        raise ProtocolError("not an SPS")
    bits = _Bits(_unescape(sps[1:]))
    profile = bits.bits(8)
    bits.bits(16)  # constraint flags, level
    bits.ue()  # seq_parameter_set_id
    chroma_format = 1
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        chroma_format = bits.ue()
        if chroma_format == 3:
            bits.bit()
        bits.ue()  # bit depth luma
        bits.ue()  # bit depth chroma
        bits.bit()
        if bits.bit():  # seq_scaling_matrix_present
            for index in range(8 if chroma_format != 3 else 12):
                if bits.bit():
                    size = 16 if index < 6 else 64
                    last = next_scale = 8
                    for _ in range(size):
                        if next_scale:
                            next_scale = (last + bits.se() + 256) % 256
                        last = next_scale or last
    bits.ue()  # log2_max_frame_num
    poc_type = bits.ue()
    if poc_type == 0:
        bits.ue()
    elif poc_type == 1:
        bits.bit()
        bits.se()
        bits.se()
        cycle = bits.ue()
        if cycle > 255:
            raise ProtocolError("invalid SPS")
        for _ in range(cycle):
            bits.se()
    bits.ue()  # max_num_ref_frames
    bits.bit()
    width_mbs = bits.ue() + 1
    height_units = bits.ue() + 1
    frame_mbs_only = bits.bit()
    if not frame_mbs_only:
        bits.bit()
    bits.bit()  # direct_8x8_inference
    crop = (0, 0, 0, 0)
    if bits.bit():
        crop = (bits.ue(), bits.ue(), bits.ue(), bits.ue())
    sub_w = 2 if chroma_format in (1, 2) else 1
    sub_h = 2 if chroma_format == 1 else 1
    crop_x = sub_w if chroma_format else 1
    crop_y = (sub_h if chroma_format else 1) * (2 - frame_mbs_only)
    width = width_mbs * 16 - crop_x * (crop[0] + crop[1])
    height = (2 - frame_mbs_only) * height_units * 16 - crop_y * (crop[2] + crop[3])
    if not (0 < width <= 16384 and 0 < height <= 16384):
        raise ProtocolError("implausible SPS dimensions")
    return width, height
