"""The picture size in an H.264 SPS: real encoder output and malformed units."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.h264 import NAL_PPS, NAL_SPS, nal_type
from custom_components.ipcam.protocols.grandstream.sps import sps_dimensions
from simulator.grandstream.media_wire import split_annexb
from simulator.media import video_cycle

VENDOR_SPS = bytes.fromhex("6742e01eda02c0f440")  # the vendor document's sprop, 704x480


def test_sps_dimensions_of_real_streams() -> None:
    for width, height in ((640, 360), (320, 180), (160, 96)):
        cycle = video_cycle(width, height, 25, "h264", count=2, gop=2)
        sps = next(n for n in split_annexb(cycle[0].data) if nal_type(n) == NAL_SPS)
        assert sps_dimensions(sps) == (width, height)
        assert any(nal_type(n) == NAL_PPS for n in split_annexb(cycle[0].data))


def test_vendor_sps() -> None:
    assert sps_dimensions(VENDOR_SPS) == (704, 480)


@pytest.mark.parametrize(
    "sps",
    [
        b"",
        b"\x67\x42",  # too short
        bytes.fromhex("68ce30a480"),  # a PPS
        VENDOR_SPS[:5],  # truncated
        b"\x67\x42\xe0\x1e" + b"\x00" * 8,  # an endless Exp-Golomb prefix
    ],
)
def test_malformed_sps(sps: bytes) -> None:
    with pytest.raises(ProtocolError):
        sps_dimensions(sps)
