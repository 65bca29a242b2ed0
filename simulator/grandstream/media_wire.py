"""The camera's side of the media: RTP packets and H.264 packetisation (RFC 6184, mode 1).

The client's depacketiser is ``custom_components.ipcam.protocols.grandstream.h264``.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from custom_components.ipcam.protocols.grandstream.h264 import NAL_FU_A, NAL_STAP_A
from custom_components.ipcam.protocols.grandstream.rtp import RTP_VERSION


def format_rtp(
    payload_type: int, marker: bool, sequence: int, timestamp: int, ssrc: int, payload: bytes
) -> bytes:
    """Build an RTP packet with a 12-byte header (no CSRC, extension or padding)."""
    return (
        struct.pack(
            "!BBHII",
            RTP_VERSION << 6,
            (0x80 if marker else 0) | (payload_type & 0x7F),
            sequence & 0xFFFF,
            timestamp & 0xFFFFFFFF,
            ssrc & 0xFFFFFFFF,
        )
        + payload
    )


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


def packetize(access_unit: bytes, max_payload: int = 1024) -> list[bytes]:
    """RTP payloads for one Annex B access unit: single NAL units or FU-A fragments.

    ``max_payload`` is the fragment data size (the vendor document says "1K";
    one server build uses 1425). The caller sets the marker bit on the last payload.
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
