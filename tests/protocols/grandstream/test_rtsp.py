"""Grandstream RTSP messages: the vendor's quirky replies, byte-exact, at every split point."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.rtp import InterleavedFrame, format_interleaved
from custom_components.ipcam.protocols.grandstream.rtsp import (
    MAX_HEADERS,
    RtspReader,
    RtspRequest,
    RtspResponse,
    build_url,
    format_request,
    parse_session,
)
from custom_components.ipcam.protocols.grandstream.sdp import parse_videoinfo
from simulator.grandstream.media_wire import format_rtp

from .vectors import VENDOR_200, VENDOR_401, VENDOR_SDP, VENDOR_SETUP_200


def _events(data: bytes, splits: tuple[int, ...] = ()) -> list[object]:
    reader = RtspReader()
    out: list[object] = []
    last = 0
    for cut in (*splits, len(data)):
        out.extend(reader.feed(data[last:cut]))
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


def test_many_frames_in_one_read_and_a_partial_one_kept() -> None:
    frames = [format_interleaved(n % 4, bytes([n]) * n) for n in range(200)]
    data = b"".join(frames)
    reader = RtspReader()
    events = reader.feed(data + frames[5][:3])
    assert [e for e in events if isinstance(e, InterleavedFrame)] == [
        InterleavedFrame(n % 4, bytes([n]) * n) for n in range(200)
    ]
    assert reader.buffered == 3
    assert reader.feed(frames[5][3:]) == [InterleavedFrame(1, bytes([5]) * 5)]
    assert reader.buffered == 0


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


def test_cseq_must_be_a_short_ascii_number() -> None:
    for value, cseq in ((b"7", 7), (b"\xd9\xa7", None), (b"1" * 11, None), (b"", None)):
        (response,) = _events(b"RTSP/1.0 200 OK\r\nCSeq: " + value + b"\r\n\r\n")
        assert isinstance(response, RtspResponse)
        assert response.cseq == cseq


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
    with pytest.raises(ValueError):
        format_request("DESCRIBE", "rtsp://x/0 RTSP/1.0\r\nX: 1", 1)


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
        b"RTSP/1.0 200 OK\r\nContent-Length: \xd9\xa1\xd9\xa2\r\n\r\n",  # Arabic-Indic digits
        b"\x00\x01garbage\r\n\r\n",
        b"RTSP/1.0 2000 OK\r\n\r\n",
        b"RTSP/1.0\r\n\r\n",
        b"GARBAGE\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nno colon line\r\n\r\n",
    ],
)
def test_malformed_or_oversized(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        _events(data)


def test_header_section_bound_without_terminator() -> None:
    reader = RtspReader()
    with pytest.raises(ProtocolError):
        reader.feed(b"RTSP/1.0 200 OK\r\nX: " + b"a" * 10000)


def test_session_header() -> None:
    assert parse_session("09682642;timeout=120").session_id == "09682642"
    assert parse_session("09682642;timeout=120").timeout == 120
    assert parse_session("ABC").timeout is None
    assert parse_session("ABC;timeout=\u0661\u0662").timeout is None
    assert parse_session("ABC;timeout=9999999").timeout is None
    # The id goes back in every request: one that could not is the camera's fault.
    for bad in ("", "a b", "a\rb", "x" * 129, "\u0661\u0662"):
        with pytest.raises(ProtocolError):
            parse_session(bad)


def test_urls() -> None:
    assert build_url("192.168.1.5", 554, "0") == "rtsp://192.168.1.5:554/0"
    url = build_url("cam", 10080, "/4", "ad min", "p@ss:w/rd%")
    assert url == "rtsp://ad%20min:p%40ss%3Aw%2Frd%25@cam:10080/4"
    assert build_url("fe80::1", 554, "0") == "rtsp://[fe80::1]:554/0"
