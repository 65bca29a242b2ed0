"""The MO_V audio/video connection as a sans-I/O session.

It opens with the A/V Login_Req carrying the data connection id from a
*_Start_Resp; the camera never answers it and just streams (a wrong id makes it
hang up). Video_Data and Audio_Data come out as events; talk packets and
keep-alives go in. Two silence bounds end the connection with ``CannotConnect``:
a medium that is expected (video or audio started) and stops arriving for
``media_timeout``; and nothing at all for ``dead_after`` (by default the vendor
document's two minutes: while only talking the camera sends nothing but sporadic
keep-alives, and a stalled camera is noticed sooner by the operation session,
whose loss closes this connection too). See docs/protocols/foscam.md,
"Audio/video channel (MO_V)".
"""

from __future__ import annotations

import enum
from collections import deque

from ..errors import CameraError, CannotConnect, ProtocolError
from ..sansio import OutBuffer, earliest
from .av import AudioData, AvKeepAlive, AvLoginReq, VideoData
from .decoder import MessageDecoder
from .framing import MAGIC_AV
from .message import Incoming, Request, UnknownMessage
from .operation import (
    AudioEnd,
    AudioStartReq,
    AudioStartResp,
    VideoEnd,
    VideoStartReq,
    VideoStartResp,
)
from .session import KEEPALIVE_INTERVAL, MAX_UNKNOWN_RUN

AvEvent = VideoData | AudioData
AV_DEAD_AFTER = 120.0  # vendor document: a connection is cut after 2 minutes of silence


class Media(enum.Enum):
    VIDEO = "video"
    AUDIO = "audio"


# Per medium, on the operation connection: the start request, its answer, the end request.
MEDIA_REQUESTS: dict[Media, tuple[Request, type[Incoming], Request]] = {
    Media.VIDEO: (VideoStartReq(1), VideoStartResp, VideoEnd()),
    Media.AUDIO: (AudioStartReq(1), AudioStartResp, AudioEnd()),
}


class AvSession:
    """One MO_V connection."""

    def __init__(
        self,
        connection_id: int,
        *,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        media_timeout: float = 10.0,
        dead_after: float = AV_DEAD_AFTER,
    ) -> None:
        self.connection_id = connection_id
        self.keepalive_interval = keepalive_interval
        self.media_timeout = media_timeout
        self.dead_after = dead_after
        self._tick = min(media_timeout, dead_after) / 2
        self.closed = False
        self._decoder = MessageDecoder(MAGIC_AV)
        self._out = OutBuffer()
        self._events: deque[AvEvent] = deque()
        self._unknown_run = 0
        self._keepalive_at: float | None = None
        self._check_at: float | None = None
        # Per expected kind (and for any byte): when it was last known to arrive, and
        # whether it did since the previous tick.
        self._seen_at: dict[Media, float] = {}
        self._heard: set[Media] = set()
        self._alive_at = 0.0
        self._heard_any = False
        self.stats = {"frames": 0, "audio_packets": 0, "keepalives": 0}

    def diagnostics(self) -> dict[str, object]:
        stats = self.stats
        return {
            "frames": stats["frames"],
            "audio_packets": stats["audio_packets"],
            "av_keepalives": stats["keepalives"],
            "av_resyncs": self._decoder.discarded,
        }

    def start(self, now: float) -> None:
        """Queue the A/V Login_Req."""
        self._out.write(AvLoginReq(self.connection_id).encode())
        self._keepalive_at = now + self.keepalive_interval
        self._alive_at = now
        self._check_at = now + self._tick

    def expect(self, kind: Media, expected: bool, now: float) -> None:
        """Start (or stop) holding the camera to sending ``kind``."""
        if not expected:
            self._seen_at.pop(kind, None)
            self._heard.discard(kind)
            return
        self._seen_at.setdefault(kind, now)

    def receive_data(self, data: bytes) -> None:
        if self.closed:
            return
        if not data:
            self.closed = True
            raise CannotConnect("the camera closed the A/V connection")
        self._heard_any = True
        try:
            for message in self._decoder.feed(data):
                self._handle(message)
        except CameraError:
            self.closed = True
            raise

    def _handle(self, message: object) -> None:
        if isinstance(message, UnknownMessage):
            self._unknown_run += 1
            if self._unknown_run > MAX_UNKNOWN_RUN:
                raise ProtocolError(f"{self._unknown_run} packets in a row with unknown op codes")
            return
        self._unknown_run = 0
        if isinstance(message, VideoData):
            self.stats["frames"] += 1
            self._heard.add(Media.VIDEO)
            self._events.append(message)
        elif isinstance(message, AudioData):
            self.stats["audio_packets"] += 1
            self._heard.add(Media.AUDIO)
            self._events.append(message)
        elif isinstance(message, AvKeepAlive):
            self.stats["keepalives"] += 1

    def next_event(self) -> AvEvent | None:
        return self._events.popleft() if self._events else None

    def send(self, message: Request) -> None:
        """Queue talk data (or anything else the client sends on MO_V)."""
        if self.closed:
            raise CannotConnect("the A/V connection is closed")
        self._out.write(message.encode())

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        return None if self.closed else earliest(self._keepalive_at, self._check_at)

    def handle_timer(self, now: float) -> None:
        if self.closed:
            return
        if self._keepalive_at is not None and now >= self._keepalive_at:
            self._out.write(AvKeepAlive().encode())
            self._keepalive_at = now + self.keepalive_interval
        if self._check_at is None or now < self._check_at:
            return
        if self._heard_any:
            self._heard_any = False
            self._alive_at = now
        elif now - self._alive_at >= self.dead_after:
            self.closed = True
            raise CannotConnect("the camera's A/V connection went silent")
        for kind in self._seen_at:
            if kind in self._heard:
                self._seen_at[kind] = now
            elif now - self._seen_at[kind] >= self.media_timeout:
                self.closed = True
                raise CannotConnect(f"no {kind.value} from the camera")
        self._heard.clear()
        self._check_at = now + self._tick

    def close(self) -> None:
        self.closed = True
