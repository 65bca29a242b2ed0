"""A still from a key frame: decoded and JPEG-encoded with PyAV; what does not decode is typed."""

from __future__ import annotations

import io

import av
import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.keyframe import keyframe_to_jpeg
from simulator.media import video_cycle


@pytest.mark.parametrize(("codec", "ffmpeg_name"), [("h264", "h264"), ("h265", "hevc")])
def test_key_frame_to_jpeg(codec: str, ffmpeg_name: str) -> None:
    cycle = video_cycle(160, 96, 25, ffmpeg_name, count=1, gop=1)
    jpeg = keyframe_to_jpeg(codec, cycle[0].data)
    assert jpeg[:2] == b"\xff\xd8"
    with av.open(io.BytesIO(jpeg)) as container:
        picture = next(container.decode(video=0))
        assert (picture.width, picture.height) == (160, 96)


@pytest.mark.parametrize("codec", ["h264", "h265"])
@pytest.mark.parametrize(
    "data", [b"", bytes(100), b"\x00\x00\x00\x01\x65" + bytes(100), b"garbage"]
)
def test_what_does_not_decode(codec: str, data: bytes) -> None:
    with pytest.raises(ProtocolError):
        keyframe_to_jpeg(codec, data)


def test_a_picture_larger_than_the_bound_is_refused_before_it_is_decoded() -> None:
    """The camera's parameter sets announce the size: over the bound, FFmpeg allocates
    nothing and the still is a ProtocolError."""
    key = video_cycle(640, 480, 25, "h264", count=1, gop=1)[0].data
    assert keyframe_to_jpeg("h264", key, max_pixels=640 * 480)[:2] == b"\xff\xd8"
    with pytest.raises(ProtocolError):
        keyframe_to_jpeg("h264", key, max_pixels=640 * 480 - 1)
