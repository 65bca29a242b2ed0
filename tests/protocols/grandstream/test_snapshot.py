"""A still from a key frame: decoded and JPEG-encoded with PyAV; what does not decode is typed."""

from __future__ import annotations

import io

import av
import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.snapshot import h264_to_jpeg
from simulator.media import video_cycle


def test_key_frame_to_jpeg() -> None:
    cycle = video_cycle(160, 96, 25, "h264", count=1, gop=1)
    jpeg = h264_to_jpeg(cycle[0].data)
    assert jpeg[:2] == b"\xff\xd8"
    with av.open(io.BytesIO(jpeg)) as container:
        picture = next(container.decode(video=0))
        assert (picture.width, picture.height) == (160, 96)


@pytest.mark.parametrize("data", [b"", b"\x00\x00\x00\x01\x65" + bytes(100), b"garbage"])
def test_what_does_not_decode(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        h264_to_jpeg(data)
