"""A still picture from a key frame: H.264 decoded and JPEG encoded with PyAV.

CPU work that blocks: the client runs it in a worker thread.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..errors import ProtocolError


def h264_to_jpeg(data: bytes) -> bytes:
    """Decode one H.264 key frame (Annex B with SPS/PPS) and encode it as JPEG."""
    import av

    try:
        decoder: Any = av.CodecContext.create("h264", "r")
        frames = list(decoder.decode(av.Packet(data)))
        frames += list(decoder.decode(None))
        if not frames:
            raise ProtocolError("the key frame did not decode")
        picture = frames[0].reformat(format="yuvj420p")
        encoder: Any = av.CodecContext.create("mjpeg", "w")
        encoder.width = picture.width
        encoder.height = picture.height
        encoder.pix_fmt = "yuvj420p"
        encoder.time_base = Fraction(1, 25)
        encoder.options = {"qscale": "3"}
        packets = list(encoder.encode(picture))
        packets += list(encoder.encode(None))
    except (av.error.FFmpegError, ValueError) as err:
        raise ProtocolError(f"cannot decode the key frame: {err}") from err
    if not packets:
        raise ProtocolError("JPEG encoding produced nothing")
    return bytes(packets[0])
