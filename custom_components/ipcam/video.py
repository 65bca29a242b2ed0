"""One upstream video connection per camera, shared by every viewer.

Cameras allow few concurrent streams, so viewers (MJPEG relays, the DVRIP
remuxer, snapshots) subscribe to the hub instead of opening their own
connection. Each subscriber has a small queue; a slow viewer loses old frames
instead of slowing the others or growing memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from .protocols.base import CameraClient, VideoFrame
from .protocols.errors import CameraError

_LOGGER = logging.getLogger(__name__)

SUBSCRIBER_QUEUE_FRAMES = 4
# Keep the upstream open this long after the last viewer leaves (page reloads).
LINGER_SECONDS = 5.0
RETRY_SECONDS = 2.0
FRESH_FRAME_SECONDS = 2.0


class VideoHub:
    """Fans one ``client.video()`` iteration out to many subscribers."""

    def __init__(self, client: CameraClient) -> None:
        self._client = client
        self._subscribers: set[asyncio.Queue[VideoFrame | None]] = set()
        self._task: asyncio.Task[None] | None = None
        self._linger: asyncio.TimerHandle | None = None
        self.latest: VideoFrame | None = None
        self.latest_at = 0.0
        self.latest_keyframe: VideoFrame | None = None
        self.upstream_connections = 0
        self.last_error: str | None = None

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def fresh_frame(self, codec: str = "jpeg") -> VideoFrame | None:
        """The latest frame if it is recent and of ``codec``."""
        frame = self.latest
        if (
            frame is not None
            and frame.codec == codec
            and time.monotonic() - self.latest_at < FRESH_FRAME_SECONDS
        ):
            return frame
        return None

    async def frames(self) -> AsyncIterator[VideoFrame]:
        """Yield live frames; the upstream starts with the first subscriber."""
        queue: asyncio.Queue[VideoFrame | None] = asyncio.Queue(SUBSCRIBER_QUEUE_FRAMES)
        self._subscribers.add(queue)
        self._cancel_linger()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._pump(), name="ipcam video upstream"
            )
        try:
            while True:
                frame = await queue.get()
                if frame is None:
                    return
                yield frame
        finally:
            self._subscribers.discard(queue)
            if not self._subscribers:
                self._schedule_linger()

    async def _pump(self) -> None:
        while self._subscribers:
            try:
                self.upstream_connections += 1
                async for frame in self._client.video():
                    self.latest = frame
                    self.latest_at = time.monotonic()
                    if frame.keyframe:
                        self.latest_keyframe = frame
                    for queue in list(self._subscribers):
                        if queue.full():
                            with contextlib.suppress(asyncio.QueueEmpty):
                                queue.get_nowait()
                        queue.put_nowait(frame)
                    if not self._subscribers:
                        return
                self.last_error = "video stream ended"
            except CameraError as err:
                self.last_error = f"{type(err).__name__}: {err}"
                _LOGGER.debug("Video upstream failed: %s", self.last_error)
            except OSError as err:
                self.last_error = f"{type(err).__name__}: {err}"
            await asyncio.sleep(RETRY_SECONDS)

    def _schedule_linger(self) -> None:
        self._cancel_linger()
        loop = asyncio.get_running_loop()
        self._linger = loop.call_later(LINGER_SECONDS, self._stop_if_idle)

    def _cancel_linger(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None

    def _stop_if_idle(self) -> None:
        self._linger = None
        if not self._subscribers and self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        """Stop the upstream and end every subscriber's iteration."""
        self._cancel_linger()
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(None)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
