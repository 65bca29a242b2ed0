"""SDP as the cameras send it: the vendor's media-only sample, bounds, the video format."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.sdp import (
    VideoFormat,
    control_url,
    parameter_sets,
    parse_sdp,
    parse_sprop,
    parse_videoinfo,
    video_format,
)
from custom_components.ipcam.protocols.grandstream.sps import sps_dimensions
from simulator.grandstream.rtsp_wire import build_sdp

from .vectors import VENDOR_SDP


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


def test_static_payload_types_and_odd_numbers() -> None:
    sdp = parse_sdp(
        "m=audio 0 RTP/AVP 8\r\nm=video 0 RTP/AVP 26\r\nm=audio 0 RTP/AVP 0\r\n"
        "m=video 0 RTP/AVP 300\r\nm=video 0 RTP/AVP \u0669\r\n"
        "m=video 0 RTP/AVP 97\r\na=rtpmap:97 H264/x/y\r\n"
    )
    assert [m.encoding for m in sdp.media] == ["PCMA", "JPEG", "PCMU", "", "", "H264"]
    assert sdp.media[5].clock_rate == 0
    assert sdp.media[5].fmtp() == {}


def test_video_format_from_videoinfo_server_and_sps() -> None:
    sps, pps = parse_sprop("Z0LgHtoCwPRA,aM4wpIA=")
    full = parse_sdp(build_sdp("10.0.0.2", (sps, pps), 704, 480, 30))
    assert video_format(full) == VideoFormat(704, 480, 30.0)
    # Without a=videoinfo the Server suffix gives the rate; the SPS always gives the size.
    vendor = parse_sdp(VENDOR_SDP)
    assert video_format(vendor, "GrandStream Rtsp Server 704*480*25*1024") == VideoFormat(
        704, 480, 25.0
    )
    assert video_format(vendor) == VideoFormat(704, 480, 0.0)
    assert video_format(parse_sdp("m=audio 0 RTP/AVP 0\r\n")) == VideoFormat()
    broken = parse_sdp(
        "m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
        "a=fmtp:96 sprop-parameter-sets=Z0LgHg==,!!!\r\na=videoinfo:1*2*3\r\n"
    )
    assert parameter_sets(broken.media[0]) == []
    assert video_format(broken) == VideoFormat()
    short_sps = parse_sdp(
        "m=video 0 RTP/AVP 96\r\na=fmtp:96 sprop-parameter-sets=Z0LgHg==\r\n"
        "a=videoinfo:640*360*25*4096\r\n"
    )
    assert video_format(short_sps) == VideoFormat(640, 360, 25.0)  # the SPS is unreadable


def test_control_url_from_request_url_not_content_base() -> None:
    base = "rtsp://10.0.0.2:10080/0"
    assert control_url(base, "trackID=0") == "rtsp://10.0.0.2:10080/0/trackID=0"
    assert control_url(base, "*") == base
    assert control_url(base, None) == base
    assert control_url(base, "rtsp://other/0/trackID=1") == "rtsp://other/0/trackID=1"
    for bad in ("track 0", "trackID=0\r\nX: 1", "\x00"):
        with pytest.raises(ProtocolError):
            control_url(base, bad)


def test_sdp_bounds() -> None:
    with pytest.raises(ProtocolError):
        parse_sdp("a=x\r\n" * 300)
    with pytest.raises(ProtocolError):
        parse_sdp("m=video\r\n")
    with pytest.raises(ProtocolError):
        parse_sdp("m=video 123456 RTP/AVP 96\r\n")
    with pytest.raises(ProtocolError):
        parse_sdp("a=" + "x" * 5000 + "\r\n")
    with pytest.raises(ProtocolError):
        parse_sprop("!!!notbase64")
    with pytest.raises(ProtocolError):
        parse_sprop(",".join(["Z0Lg"] * 9))


def test_videoinfo() -> None:
    assert parse_videoinfo("704*480*30*1024") == (704, 480, 30, 1024)
    assert parse_videoinfo("GrandStream Rtsp Server V100R001") is None
    assert parse_videoinfo("1*2*3*\u0664") is None
