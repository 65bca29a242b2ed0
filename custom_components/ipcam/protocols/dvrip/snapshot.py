"""DVRIP stills: the 1561 reply to OPSNAP, and a key frame decoded when there is no OPSNAP.

A 1561 reply is a bare JPEG, a ``0x1FE`` picture frame (possibly over several
packets), or a JSON error; cameras without OPSNAP stay silent, and the client
then decodes a key frame of the live stream instead (``protocols/keyframe.py``).
See docs/protocols/dvrip.md, "Snapshot".
"""

from __future__ import annotations

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
            if not payload.startswith(b"\xff\xd8"):  # a bare JPEG: the usual reply
                if payload.startswith(START):
                    kinds = frozenset({"picture"})
                    self._demuxer = MediaDemuxer(kinds=kinds, max_frame=MAX_SNAPSHOT)
                elif payload.lstrip().startswith(b"{"):
                    self.ret = as_int(decode_json_body(payload).get("Ret"), -1)
                    return b""
                else:
                    raise ProtocolError("snapshot reply is neither a JPEG nor a picture frame")
        if self._demuxer is not None:
            for frame in self._demuxer.feed(payload):
                return frame.data
            if self._demuxer.skipped > MAX_SNAPSHOT:
                raise ProtocolError("snapshot reply without a picture")
            return None
        if not self._buffer and len(payload) <= MAX_SNAPSHOT and payload.endswith(b"\xff\xd9"):
            return bytes(payload)  # the usual reply: the whole JPEG in one packet, not copied
        self._buffer += payload
        if len(self._buffer) > MAX_SNAPSHOT:
            raise ProtocolError("snapshot too large")
        if self._buffer.endswith(b"\xff\xd9") or self._buffer.rstrip(b"\x00").endswith(b"\xff\xd9"):
            return bytes(self._buffer)
        return None
