"""RTP and RTCP over interleaved TCP: parsing, framing, receiver reports."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.rtp import (
    ReceptionStats,
    RtpPacket,
    build_receiver_report,
    format_interleaved,
    is_rtcp,
    parse_rtp,
)
from simulator.grandstream.media_wire import format_rtp


def test_rtp_round_trip() -> None:
    data = format_rtp(96, True, 65535, 3600, 41030 + 128, b"\x7c\x85payload")
    packet = parse_rtp(data)
    assert packet == RtpPacket(96, True, 65535, 3600, 41158, b"\x7c\x85payload")
    assert data[:2] == b"\x80\xe0"
    assert not is_rtcp(data)


def test_rtp_csrc_extension_padding() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 2, 0, 1, 2, 3)
    csrcs = struct.pack("!II", 10, 11)
    extension = struct.pack("!HH", 0xBEDE, 1) + b"\x00" * 4
    data = header + csrcs + extension + b"body" + b"\x00\x00\x03"
    packet = parse_rtp(data)
    assert packet.csrcs == (10, 11)
    assert packet.payload == b"body"


@pytest.mark.parametrize(
    "data",
    [
        b"\x80\x60\x00",  # short
        b"\x40" + b"\x00" * 11,  # version 1
        b"\x8f" + b"\x00" * 11,  # 15 CSRCs, none present
        b"\x90" + b"\x00" * 11,  # extension header missing
        b"\x90" + b"\x00" * 11 + b"\x00\x00\x00\x05",  # extension longer than packet
        b"\xa0" + b"\x00" * 11 + b"\x20",  # padding longer than packet
        b"\xa0" + b"\x00" * 11 + b"\x00",  # zero padding count
    ],
)
def test_rtp_malformed(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_rtp(data)


def test_interleaved_frame_bytes() -> None:
    assert format_interleaved(2, b"ab") == b"$\x02\x00\x02ab"
    with pytest.raises(ValueError):
        format_interleaved(0, b"x" * 70000)
    with pytest.raises(ValueError):
        format_interleaved(256, b"")


def test_receiver_report() -> None:
    stats = ReceptionStats()
    for seq in (65534, 65535, 0, 2, 3):  # 1 lost, across the wrap
        stats.update(RtpPacket(96, False, seq, 0, 41158, b""))
    report = build_receiver_report(0x11223344, stats, "ipcam")
    assert is_rtcp(report)
    first, pt, length, reporter = struct.unpack_from("!BBHI", report)
    assert (first & 0x1F, pt, reporter) == (1, 201, 0x11223344)
    rr_size = (length + 1) * 4
    source, fraction, lost3, highest = struct.unpack_from("!IB3sI", report, 8)
    assert source == 41158
    assert int.from_bytes(lost3, "big") == 1
    assert highest == (1 << 16) + 3
    assert fraction == 256 // 6
    sdes = report[rr_size:]
    assert sdes[1] == 202
    assert (struct.unpack_from("!H", sdes, 2)[0] + 1) * 4 == len(sdes)
    assert b"ipcam" in sdes
    empty = build_receiver_report(1, None)
    assert empty[0] & 0x1F == 0


def test_a_new_source_restarts_the_statistics() -> None:
    stats = ReceptionStats()
    stats.update(RtpPacket(96, False, 10, 0, 1, b""))
    stats.update(RtpPacket(96, False, 5, 0, 1, b""))  # old: not a new maximum
    stats.update(RtpPacket(96, False, 500, 0, 2, b""))
    assert (stats.ssrc, stats.base_seq, stats.received) == (2, 500, 1)
