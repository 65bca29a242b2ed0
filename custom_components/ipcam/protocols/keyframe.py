"""A still picture from a key frame: H.264/H.265 decoded and JPEG encoded with PyAV.

Cameras that serve no still of their own (Grandstream over RTSP, DVRIP without
OPSNAP) give their stills this way. CPU work that blocks: the clients run it in a
worker thread. A key frame announcing a picture larger than ``MAX_PIXELS`` is
refused by the decoder before it allocates one (FFmpeg's ``max_pixels``): a camera's
bytes never decide how much memory a still takes. Whatever PyAV makes of the
bytes, only ``ProtocolError`` leaves.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Final

from .errors import ProtocolError

# 16 megapixels: above every camera these families include (8 MP 4K sensors), far
# below what an absurd SPS could ask for.
MAX_PIXELS: Final = 4096 * 4096


def keyframe_to_jpeg(codec: str, data: bytes, max_pixels: int = MAX_PIXELS) -> bytes:
    """Decode one H.264 (``"h264"``) or H.265 (``"h265"``) key frame, Annex B with its
    parameter sets, and encode it as JPEG."""
    import av

    try:
        decoder: Any = av.CodecContext.create("hevc" if codec == "h265" else "h264", "r")
        decoder.options = {"max_pixels": str(max_pixels)}
        frames = list(decoder.decode(av.Packet(data)))
        frames += list(decoder.decode(None))
        if not frames:
            raise ProtocolError("the key frame could not be decoded")
        picture = frames[0].reformat(format="yuvj420p")
        encoder: Any = av.CodecContext.create("mjpeg", "w")
        encoder.width = picture.width
        encoder.height = picture.height
        encoder.pix_fmt = "yuvj420p"
        encoder.time_base = Fraction(1, 25)
        encoder.options = {"qscale": "3"}
        packets = list(encoder.encode(picture))
        packets += list(encoder.encode(None))
    except ProtocolError:
        raise
    except Exception as err:  # PyAV's errors for undecodable camera data
        raise ProtocolError(f"the key frame could not be decoded: {type(err).__name__}") from None
    if not packets:
        raise ProtocolError("JPEG encoding of the key frame failed")
    return bytes(packets[0])
