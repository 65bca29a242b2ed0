"""DVRIP stills: the 1561 reply to OPSNAP, and a key frame decoded when there is no OPSNAP.

A 1561 reply is a bare JPEG, a ``0x1FE`` picture frame (possibly over several
packets), or a JSON error; cameras without OPSNAP stay silent, and the client
then decodes a key frame of the live stream instead. See docs/protocols/dvrip.md,
"Snapshot".
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ..errors import ProtocolError
from .media import START, MediaDemuxer
from .views import as_int
from .wire import decode_json_body

MAX_SNAPSHOT = 8 * 1024 * 1024


class SnapshotCollector:
    """Fed the payloads of 1561 packets; ``feed`` returns the JPEG once it is complete.

    It returns ``b""`` when the camera answered with a JSON error (its ``Ret`` is
    kept in ``ret``) and None while more packets are needed.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._demuxer: MediaDemuxer | None = None
        self._started = False
        self.ret: int | None = None

    def feed(self, payload: bytes) -> bytes | None:
        if not self._started:
            self._started = True
            if payload.startswith(START):
                self._demuxer = MediaDemuxer(kinds=frozenset({"picture"}), max_frame=MAX_SNAPSHOT)
            elif payload.lstrip().startswith(b"{"):
                self.ret = as_int(decode_json_body(payload).get("Ret"), -1)
                return b""
            elif not payload.startswith(b"\xff\xd8"):
                raise ProtocolError("snapshot reply is neither a JPEG nor a picture frame")
        if self._demuxer is not None:
            for frame in self._demuxer.feed(payload):
                return frame.data
            if self._demuxer.skipped > MAX_SNAPSHOT:
                raise ProtocolError("snapshot reply without a picture")
            return None
        self._buffer += payload
        if len(self._buffer) > MAX_SNAPSHOT:
            raise ProtocolError("snapshot too large")
        if self._buffer.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return bytes(self._buffer)
        return None


def keyframe_to_jpeg(codec: str, data: bytes) -> bytes:
    """Decode one H.264/H.265 key frame and encode it as JPEG (blocking: run it in a thread).

    Whatever PyAV makes of the camera's bytes, only ``ProtocolError`` leaves.
    """
    import av

    try:
        decoder: Any = av.CodecContext.create("hevc" if codec == "h265" else "h264", "r")
        frames = list(decoder.decode(av.Packet(data)))
        frames += list(decoder.decode(None))
        if not frames:
            raise ProtocolError("the key frame could not be decoded")
        picture = frames[0]
        encoder: Any = av.CodecContext.create("mjpeg", "w")
        encoder.width = picture.width
        encoder.height = picture.height
        encoder.pix_fmt = "yuvj420p"
        encoder.time_base = Fraction(1, 25)
        packets = list(encoder.encode(picture.reformat(format="yuvj420p")))
        packets += list(encoder.encode(None))
    except ProtocolError:
        raise
    except Exception as err:  # PyAV's errors for undecodable camera data
        raise ProtocolError(f"the key frame could not be decoded: {type(err).__name__}") from None
    if not packets:
        raise ProtocolError("JPEG encoding of the key frame failed")
    return bytes(packets[0])
