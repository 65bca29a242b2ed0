"""The simulated Grandstream camera's own wire code: replies, SDP, Transport, packetiser."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.h264 import NAL_IDR, annexb
from custom_components.ipcam.protocols.grandstream.sdp import (
    parse_sdp,
    parse_sprop,
    parse_videoinfo,
)
from simulator.grandstream.media_wire import packetize, split_annexb, stap_a
from simulator.grandstream.rtsp_wire import (
    build_sdp,
    describe_path_stream,
    format_response,
    parse_transport,
    parse_url,
)
from tests.protocols.grandstream.vectors import VENDOR_SDP

SPS = bytes.fromhex("6742e01eda02c0f440")
PPS = bytes.fromhex("68ce30a480")
IDR = bytes([0x65]) + bytes(range(256)) * 13  # 3329 bytes: four FU-A fragments at 1 KB
SLICE = bytes([0x41]) + b"\x11" * 500


def test_format_response_odd_spelling() -> None:
    data = format_response(
        200,
        2,
        [("Content-Type", "application/sdp")],
        b"v=0\r\n",
        cseq_name="Cseq",
        cseq_suffix=" ",
        length_name="Content-length",
    )
    assert data == (
        b"RTSP/1.0 200 OK\r\nCseq: 2 \r\nContent-Type: application/sdp\r\n"
        b"Content-length: 5\r\n\r\nv=0\r\n"
    )
    assert format_response(599, None).startswith(b"RTSP/1.0 599 Unknown\r\n\r\n")


def test_build_sdp_matches_vendor_sample() -> None:
    sps, pps = parse_sprop("Z0LgHtoCwPRA,aM4wpIA=")
    text = build_sdp("192.168.86.232", (sps, pps), 704, 480, 30, session_section=False)
    assert text.encode() == VENDOR_SDP
    full = parse_sdp(build_sdp("10.0.0.2", (sps, pps), 704, 480, 30))
    assert full.attributes == [("control", "*")]
    video = full.first("video")
    assert video is not None
    assert parse_videoinfo(video.attribute("videoinfo") or "") == (704, 480, 30, 4096)


def test_transport() -> None:
    transport = parse_transport("RTP/AVP/TCP;unicast;interleaved=0-1")
    assert transport.tcp
    assert transport.interleaved == (0, 1)
    assert parse_transport("RTP/AVP/TCP;unicast;interleaved=2").interleaved == (2, 3)
    udp = parse_transport("RTP/AVP;unicast;client_port=5000-5001")
    assert not udp.tcp
    assert udp.interleaved is None
    for bad in ("RTP/AVP/TCP;interleaved=300-301", "RTP/AVP/TCP;interleaved=a-b"):
        with pytest.raises(ProtocolError):
            _ = parse_transport(bad).interleaved
    with pytest.raises(ProtocolError):
        parse_transport(";")


def test_urls_and_stream_numbers() -> None:
    parsed = parse_url("rtsp://ad%20min:p%40ss%3Aw%2Frd%25@cam:10080/4")
    assert (parsed.host, parsed.port, parsed.path) == ("cam", 10080, "/4")
    assert (parsed.username, parsed.password) == ("ad min", "p@ss:w/rd%")
    assert describe_path_stream("/0") == 0
    assert describe_path_stream("/7") == 7
    assert describe_path_stream("/0/") is None  # the camera answers 400
    assert describe_path_stream("/10") is None
    with pytest.raises(ProtocolError):
        parse_url("http://cam/0")
    with pytest.raises(ProtocolError):
        parse_url("rtsp://cam:99999/0")


def test_split_and_join_annexb() -> None:
    data = b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + PPS + b"\x00\x00\x00\x01" + SLICE
    assert split_annexb(data) == [SPS, PPS, SLICE]
    assert split_annexb(annexb([SPS, PPS])) == [SPS, PPS]
    assert split_annexb(SLICE) == [SLICE]
    assert split_annexb(b"") == []


def test_packetize_uses_fu_a_for_large_nals() -> None:
    payloads = packetize(annexb([IDR]), 1024)
    assert len(payloads) == 4
    assert payloads[0][0] & 0x1F == 28
    assert payloads[0][1] == 0x80 | NAL_IDR  # start bit
    assert payloads[-1][1] == 0x40 | NAL_IDR  # end bit
    assert all(p[1] & 0xC0 == 0 for p in payloads[1:-1])
    assert all(len(p) <= 1026 for p in payloads)
    assert packetize(annexb([SPS]), 1024) == [SPS]
    with pytest.raises(ValueError):
        packetize(annexb([SPS]), 2)


def test_stap_a_bounds() -> None:
    assert stap_a([SPS, PPS])[0] & 0x1F == 24
    with pytest.raises(ValueError):
        stap_a([b"\x41" * 70000])
