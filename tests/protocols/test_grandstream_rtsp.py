"""Grandstream RTSP, SDP and RTP parsing: the vendor's quirky replies, byte-exact."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import (
    check_channel,
    is_secondary,
    rtsp_port_for_web_port,
    web_port_for_rtsp_port,
)
from custom_components.ipcam.protocols.grandstream.h264 import sps_dimensions
from custom_components.ipcam.protocols.grandstream.rtp import (
    InterleavedFrame,
    ReceptionStats,
    RtpPacket,
    build_receiver_report,
    format_interleaved,
    format_rtp,
    is_rtcp,
    parse_rtp,
)
from custom_components.ipcam.protocols.grandstream.rtsp import (
    MAX_HEADERS,
    RtspReader,
    RtspRequest,
    RtspResponse,
    build_url,
    format_request,
    format_response,
    parse_session,
    parse_transport,
    parse_url,
    stream_channel,
)
from custom_components.ipcam.protocols.grandstream.sdp import (
    build_sdp,
    control_url,
    parse_sdp,
    parse_sprop,
    parse_videoinfo,
)

# The vendor document's DESCRIBE reply body: only the eight media lines.
VENDOR_SDP = (
    b"m=video 0 RTP/AVP 96\r\n"
    b"a=control:trackID=0\r\n"
    b"a=rtpmap:96 H264/90000\r\n"
    b"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LgHtoCwPRA,aM4wpIA=\r\n"
    b"m=audio 0 RTP/AVP 0\r\n"
    b"a=control:trackID=1\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=ptime:20\r\n"
)

VENDOR_401 = (
    b"RTSP/1.0 401 Unauthorized\r\n"
    b"Cseq: 1 \r\n"
    b"Server: GrandStream Rtsp Server V100R001\r\n"
    b'WWW-Authenticate: Digest realm="Surveillance Server", nonce="30507280"\r\n'
    b"\r\n"
)

VENDOR_200 = (
    b"RTSP/1.0 200 OK\r\n"
    b"Cseq: 2 \r\n"
    b"Server: GrandStream Rtsp Server 704*480*30*1024\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-length: 219\r\n"
    b"Content-Base: rtsp://192.168.86.232/0\r\n"
    b"\r\n" + VENDOR_SDP
)

VENDOR_SETUP_200 = (
    b"RTSP/1.0 200 OK\r\n"
    b"CSeq: 3\r\n"
    b"Server: GrandStream Rtsp Server V100R001\r\n"
    b"Session: 09682642;timeout=120\r\n"
    b"Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
    b"\r\n"
)


def _events(data: bytes, splits: tuple[int, ...] = ()) -> list[object]:
    reader = RtspReader()
    out: list[object] = []
    last = 0
    for cut in (*splits, len(data)):
        reader.feed(data[last:cut])
        out.extend(reader.events())
        last = cut
    return out


def test_vendor_sdp_is_219_bytes() -> None:
    assert len(VENDOR_SDP) == 219


def test_vendor_401() -> None:
    (response,) = _events(VENDOR_401)
    assert isinstance(response, RtspResponse)
    assert response.status == 401
    assert response.cseq == 1  # "Cseq: 1 " - lower-case s, trailing space
    assert response.headers.get("www-authenticate") == (
        'Digest realm="Surveillance Server", nonce="30507280"'
    )


def test_vendor_describe_reply() -> None:
    (response,) = _events(VENDOR_200)
    assert isinstance(response, RtspResponse)
    assert response.cseq == 2
    assert response.body == VENDOR_SDP  # "Content-length" honoured
    assert response.headers.get("CONTENT-BASE") == "rtsp://192.168.86.232/0"
    assert parse_videoinfo(response.headers.get("Server") or "") == (704, 480, 30, 1024)


def test_every_split_point_with_interleaved_frames() -> None:
    frame = format_interleaved(0, format_rtp(96, True, 7, 3600, 41158, b"\x65abc"))
    stream = VENDOR_401 + VENDOR_200 + frame + VENDOR_SETUP_200 + format_interleaved(3, b"\x81")
    expected = _events(stream)
    assert [type(e).__name__ for e in expected] == [
        "RtspResponse",
        "RtspResponse",
        "InterleavedFrame",
        "RtspResponse",
        "InterleavedFrame",
    ]
    assert expected[2] == InterleavedFrame(0, frame[4:])
    for cut in range(1, len(stream)):
        assert _events(stream, (cut,)) == expected, cut
    # And byte by byte.
    assert _events(stream, tuple(range(1, len(stream)))) == expected


def test_request_parsing_and_lf_only_and_folding() -> None:
    data = (
        b"DESCRIBE rtsp://192.168.86.232:554/0 RTSP/1.0\n"
        b"CSeq: 2\n"
        b"Accept: application/sdp\n"
        b'Authorization: Digest username="admin", realm="Surveillance Server",\n'
        b' nonce="30507280"\n'
        b"\n"
    )
    (request,) = _events(data)
    assert isinstance(request, RtspRequest)
    assert request.method == "DESCRIBE"
    assert request.url == "rtsp://192.168.86.232:554/0"
    assert request.cseq == 2
    assert request.headers.get("authorization", "").endswith('nonce="30507280"')


def test_format_request_exact() -> None:
    data = format_request(
        "DESCRIBE", "rtsp://192.168.86.232:554/0", 1, [("Accept", "application/sdp")]
    )
    assert data == (
        b"DESCRIBE rtsp://192.168.86.232:554/0 RTSP/1.0\r\n"
        b"CSeq: 1\r\n"
        b"Accept: application/sdp\r\n"
        b"\r\n"
    )
    with pytest.raises(ValueError):
        format_request("DESCRIBE", "rtsp://x/0", 1, [("X", "a\r\nInjected: 1")])


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


@pytest.mark.parametrize(
    "data",
    [
        b"RTSP/1.0 200 OK\r\n" + b"X-Long: " + b"a" * 9000 + b"\r\n\r\n",
        b"RTSP/1.0 200 OK\r\n"
        + b"".join(b"H%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
        + b"\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: 12abc\r\n\r\n",
        b"\x00\x01garbage\r\n\r\n",
        b"RTSP/1.0 2000 OK\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nno colon line\r\n\r\n",
    ],
)
def test_malformed_or_oversized(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _events(data)


def test_header_section_bound_without_terminator() -> None:
    reader = RtspReader()
    reader.feed(b"RTSP/1.0 200 OK\r\nX: " + b"a" * 10000)
    with pytest.raises(ProtocolError):
        reader.next_event()


def test_session_and_transport() -> None:
    assert parse_session("09682642;timeout=120").session_id == "09682642"
    assert parse_session("09682642;timeout=120").timeout == 120
    assert parse_session("ABC").timeout is None
    transport = parse_transport("RTP/AVP/TCP;unicast;interleaved=0-1")
    assert transport.tcp
    assert transport.interleaved == (0, 1)
    assert parse_transport("RTP/AVP/TCP;unicast;interleaved=2").interleaved == (2, 3)
    udp = parse_transport("RTP/AVP;unicast;client_port=5000-5001")
    assert not udp.tcp
    assert udp.interleaved is None
    with pytest.raises(ProtocolError):
        _ = parse_transport("RTP/AVP/TCP;interleaved=300-301").interleaved
    with pytest.raises(ProtocolError):
        parse_session("")


def test_urls_and_stream_numbers() -> None:
    assert build_url("192.168.1.5", 554, "0") == "rtsp://192.168.1.5:554/0"
    url = build_url("cam", 10080, "/4", "ad min", "p@ss:w/rd%")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd%25@cam:10080/4"
    parsed = parse_url(url)
    assert (parsed.host, parsed.port, parsed.path) == ("cam", 10080, "/4")
    assert (parsed.username, parsed.password) == ("ad min", "p@ss:w/rd%")
    assert build_url("fe80::1", 554, "0") == "rtsp://[fe80::1]:554/0"
    assert stream_channel("/0") == 0
    assert stream_channel("/7") == 7
    assert stream_channel("/0/") is None  # the camera answers 400
    assert stream_channel("/10") is None
    with pytest.raises(ProtocolError):
        parse_url("http://cam/0")


def test_port_rule_and_channels() -> None:
    assert rtsp_port_for_web_port(80) == 554
    assert rtsp_port_for_web_port(8080) == 10080
    assert rtsp_port_for_web_port(81) == 2081
    assert web_port_for_rtsp_port(554) == 80
    assert web_port_for_rtsp_port(10080) == 8080
    assert web_port_for_rtsp_port(2080) is None  # 2000 + 80 cannot happen
    with pytest.raises(ValueError):
        rtsp_port_for_web_port(64000)
    assert check_channel(7) == 7
    assert is_secondary(4)
    assert not is_secondary(3)
    with pytest.raises(ValueError):
        check_channel(8)


# --- SDP -----------------------------------------------------------------------------------


def test_vendor_sdp_without_session_lines() -> None:
    sdp = parse_sdp(VENDOR_SDP)
    video = sdp.first("video")
    audio = sdp.first("audio")
    assert video is not None
    assert audio is not None
    assert video.encoding == "H264"
    assert video.clock_rate == 90000
    assert video.payload_type == 96
    assert video.control == "trackID=0"
    assert video.fmtp()["packetization-mode"] == "1"
    sps, pps = parse_sprop(video.fmtp()["sprop-parameter-sets"])
    assert sps == bytes.fromhex("6742e01eda02c0f440")
    assert pps == bytes.fromhex("68ce30a480")
    # The SPS agrees with the Server tag "704*480*30*1024".
    assert sps_dimensions(sps) == (704, 480)
    assert (audio.encoding, audio.clock_rate, audio.control) == ("PCMU", 8000, "trackID=1")
    assert audio.attribute("ptime") == "20"


def test_build_sdp_matches_vendor_sample() -> None:
    sps, pps = parse_sprop("Z0LgHtoCwPRA,aM4wpIA=")
    text = build_sdp("192.168.86.232", (sps, pps), 704, 480, 30, session_section=False)
    assert text.encode() == VENDOR_SDP
    full = parse_sdp(build_sdp("10.0.0.2", (sps, pps), 704, 480, 30))
    assert full.attributes == [("control", "*")]
    video = full.first("video")
    assert video is not None
    assert parse_videoinfo(video.attribute("videoinfo") or "") == (704, 480, 30, 4096)


def test_control_url_from_request_url_not_content_base() -> None:
    base = "rtsp://10.0.0.2:10080/0"
    assert control_url(base, "trackID=0") == "rtsp://10.0.0.2:10080/0/trackID=0"
    assert control_url(base, "*") == base
    assert control_url(base, "rtsp://other/0/trackID=1") == "rtsp://other/0/trackID=1"


def test_sdp_bounds() -> None:
    with pytest.raises(ProtocolError):
        parse_sdp("a=x\r\n" * 300)
    with pytest.raises(ProtocolError):
        parse_sdp("m=video\r\n")
    with pytest.raises(ProtocolError):
        parse_sprop("!!!notbase64")


# --- RTP -----------------------------------------------------------------------------------


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
