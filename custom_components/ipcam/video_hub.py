"""One upstream video connection per camera, shared by every viewer.

Cameras allow few concurrent streams, so viewers (MJPEG relays, the DVRIP
remuxer, snapshots) subscribe to the hub instead of opening their own
connection. Each subscriber has a bounded queue. When a viewer falls behind,
MJPEG viewers lose their oldest pictures; H.264/H.265 viewers lose everything up
to the next key frame (dropping single coded frames would corrupt the picture).

A viewer that only writes each frame out (the MJPEG relay) attaches a *sink*
instead: a function the upstream calls with every frame as it arrives, with no
queue and no task of its own — one wake-up per frame for all such viewers
together, however many there are. A sink may also take the camera's audio
when the camera sends it in the same stream (``CameraClient.stream_media``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

from .credential_guard import CredentialGuard
from .protocols.backoff import Backoff
from .protocols.base import AudioChunk, CameraClient, VideoFrame
from .protocols.errors import AuthError, CameraError

_LOGGER = logging.getLogger(__name__)

# Keep the upstream open this long after the last viewer leaves (page reloads).
LINGER_SECONDS = 5.0
RETRY_MIN_SECONDS = 2.0
RETRY_MAX_SECONDS = 30.0
FRESH_FRAME_SECONDS = 2.0
# A viewer that gets no frame for this long is let go (the camera is gone).
IDLE_SECONDS = 20.0

# Takes every frame as it arrives; None: the upstream ended for good (or the sink idled).
FrameSink = Callable[[VideoFrame | None], None]
AudioSink = Callable[[AudioChunk], None]


@dataclass(slots=True)
class _Subscriber:
    queue: asyncio.Queue[VideoFrame | None]
    awaiting_keyframe: bool = True
    frames: int = field(default=0)


@dataclass(slots=True, eq=False)
class _Sink:
    deliver: FrameSink
    attached_at: float
    audio: AudioSink | None = None


class VideoHub:
    """Fans one ``client.stream_media()`` run (video, and audio where the stream has it) out
    to many subscribers."""

    def __init__(
        self,
        client: CameraClient,
        *,
        queue_frames: int = 4,
        guard: CredentialGuard | None = None,
        read_every: float = 0.0,
    ) -> None:
        self._client = client
        self._queue_frames = queue_frames
        self.read_every = read_every  # see CameraClient.stream_media
        self._guard = guard or CredentialGuard(1, lambda: None)
        self._guard.add_listener(self._end_all)
        self._backoff = Backoff(RETRY_MIN_SECONDS, RETRY_MAX_SECONDS)
        self._wake = asyncio.Event()
        self._subscribers: list[_Subscriber] = []
        self._sinks: list[_Sink] = []
        self._sink_idle_timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[None] | None = None
        self._linger: asyncio.TimerHandle | None = None
        self._closed = False
        self._delivered = False  # the current upstream connection delivered a frame
        self.latest: VideoFrame | None = None
        self.latest_at = 0.0
        self.audio_at = 0.0  # when this upstream's latest audio chunk came (0: none yet)
        self.upstream_connections = 0
        self.last_error: str | None = None
        self.unexpected_errors = 0
        self.codec: str | None = None
        self._codec_listeners: list[Callable[[str], None]] = []

    @property
    def carries_audio(self) -> bool:
        """Whether the upstream interleaves the camera's audio with its video."""
        return self._client.media_carries_audio

    @property
    def subscriber_count(self) -> int:
        """Viewers: iterations of ``frames()`` and attached sinks."""
        return len(self._subscribers) + len(self._sinks)

    def _watched(self) -> bool:
        return bool(self._subscribers or self._sinks)

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
        """Yield live frames; the upstream starts with the first subscriber.

        Ends when the hub closes, the camera refuses the credentials, or no frame
        arrives for ``IDLE_SECONDS``.
        """
        if self._closed or self._guard.rejected:
            return
        subscriber = _Subscriber(asyncio.Queue(self._queue_frames))
        self._subscribers.append(subscriber)
        self._start()
        try:
            while True:
                try:
                    async with asyncio.timeout(IDLE_SECONDS):
                        frame = await subscriber.queue.get()
                except TimeoutError:
                    return
                if frame is None:
                    return
                yield frame
        finally:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(subscriber)
            if not self._watched():
                self._schedule_linger()

    def attach(self, deliver: FrameSink, audio: AudioSink | None = None) -> Callable[[], None]:
        """Call ``deliver`` with every frame as it arrives, on the upstream's task (and
        ``audio``, if given, with every chunk of the camera's audio).

        The sink must not block: it writes the frame out (or drops it) and returns.
        It gets ``None`` once, when its stream ends — the hub closes, the camera
        refuses the credentials, or no frame arrives for ``IDLE_SECONDS`` — and
        counts as a viewer until then. Returns the function that detaches it.
        """
        if self._closed or self._guard.rejected:
            deliver(None)
            return lambda: None
        sink = _Sink(deliver, time.monotonic(), audio)
        self._sinks.append(sink)
        self._start()
        self._arm_sink_idle()

        def detach() -> None:
            if sink in self._sinks:
                self._sinks.remove(sink)
                if not self._watched():
                    self._schedule_linger()

        return detach

    def _start(self) -> None:
        self._cancel_linger()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(
                self._pump(), name="ipcam video upstream"
            )

    def _end_sink(self, sink: _Sink) -> None:
        with contextlib.suppress(ValueError):
            self._sinks.remove(sink)
        try:
            sink.deliver(None)
        except Exception:  # a bug in the viewer: it is gone anyway
            _LOGGER.exception("Unexpected error ending a video viewer")

    def _arm_sink_idle(self) -> None:
        if self._sink_idle_timer is None and self._sinks:
            loop = asyncio.get_running_loop()
            self._sink_idle_timer = loop.call_later(IDLE_SECONDS / 4, self._check_sink_idle)

    def _check_sink_idle(self) -> None:
        """Sinks that got no frame for ``IDLE_SECONDS`` end (one timer for all of them)."""
        self._sink_idle_timer = None
        cutoff = time.monotonic() - IDLE_SECONDS
        for sink in list(self._sinks):
            if max(sink.attached_at, self.latest_at) < cutoff:
                self._end_sink(sink)
        if not self._watched():
            self._schedule_linger()
        self._arm_sink_idle()

    def _enqueue(self, frame: VideoFrame) -> None:
        for subscriber in self._subscribers:
            if frame.codec == "jpeg":
                if subscriber.queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        subscriber.queue.get_nowait()
            else:
                if subscriber.queue.full():
                    # Behind: throw away everything and restart at the next key frame.
                    while not subscriber.queue.empty():
                        subscriber.queue.get_nowait()
                    subscriber.awaiting_keyframe = True
                if subscriber.awaiting_keyframe:
                    if not frame.keyframe:
                        continue
                    subscriber.awaiting_keyframe = False
            subscriber.queue.put_nowait(frame)

    def _deliver_audio(self, chunk: AudioChunk) -> None:
        self.audio_at = time.monotonic()
        for sink in tuple(self._sinks):
            if sink.audio is None:
                continue
            try:
                sink.audio(chunk)
            except Exception:
                _LOGGER.exception("Unexpected error in a video viewer")
                self._end_sink(sink)

    def _on_frame(self, frame: VideoFrame) -> None:
        if frame.codec != self.codec:
            self._codec_changed(frame.codec)
        self.latest = frame
        self.latest_at = time.monotonic()
        if not self._delivered:
            self._delivered = True
            self._backoff.succeeded()
        if self._subscribers:
            self._enqueue(frame)
        # The sinks here, not in a method of their own: every frame passes (one call less).
        if self._sinks:
            for sink in tuple(self._sinks):
                try:
                    sink.deliver(frame)
                except Exception:
                    # A bug in that viewer, not the camera: end it, keep the others.
                    _LOGGER.exception("Unexpected error in a video viewer")
                    self._end_sink(sink)

    async def _pump(self) -> None:
        try:
            while self._watched() and not self._closed and not self._guard.rejected:
                try:
                    self.upstream_connections += 1
                    self._backoff.connected()
                    self._delivered = False
                    self.audio_at = 0.0
                    # Frames (and audio) come to _on_frame (_deliver_audio) as the client
                    # cuts them (see CameraClient.stream_media).
                    await self._client.stream_media(
                        self._on_frame, self._deliver_audio, read_every=self.read_every
                    )
                    self.last_error = "video stream ended"
                except AuthError as err:
                    # Never retry a rejected login: the camera may lock the account.
                    self.last_error = type(err).__name__
                    self._guard.note_rejection(err)
                    if self._guard.rejected:
                        return
                except (CameraError, OSError) as err:
                    self.last_error = f"{type(err).__name__}: {err}"
                    _LOGGER.debug("Video upstream failed: %s", self.last_error)
                except Exception as err:
                    # A bug, not the camera: say it once with the traceback, then carry on.
                    self.unexpected_errors += 1
                    self.last_error = f"unexpected {type(err).__name__}"
                    if self.unexpected_errors == 1:
                        _LOGGER.exception("Unexpected error in a video upstream")
                if not self._watched() or self._closed:
                    return
                self._wake.clear()
                await self._backoff.wait(self._wake)
        finally:
            # However the upstream ends, no viewer is left waiting for frames.
            self._end_subscribers()

    def add_codec_listener(self, listener: Callable[[str], None]) -> None:
        """Call ``listener`` whenever the camera's stream changes codec (e.g. to H.265)."""
        self._codec_listeners.append(listener)

    def _codec_changed(self, codec: str) -> None:
        self.codec = codec
        for listener in list(self._codec_listeners):
            listener(codec)

    def wake(self) -> None:
        """The camera is back: end a back-off wait now rather than up to half a minute later."""
        self._wake.set()

    def _end_subscribers(self) -> None:
        for subscriber in self._subscribers:
            while not subscriber.queue.empty():
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(None)
        for sink in list(self._sinks):
            self._end_sink(sink)

    def _end_all(self) -> None:
        """The credentials were rejected: every viewer's stream ends now."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self._end_subscribers()

    def _schedule_linger(self) -> None:
        self._cancel_linger()
        if self._task is None:
            return
        loop = asyncio.get_running_loop()
        self._linger = loop.call_later(LINGER_SECONDS, self._stop_if_idle)

    def _cancel_linger(self) -> None:
        if self._linger is not None:
            self._linger.cancel()
            self._linger = None

    def _stop_if_idle(self) -> None:
        self._linger = None
        if not self._watched() and self._task is not None:
            self._task.cancel()
            self._task = None

    async def close(self) -> None:
        """Stop the upstream and end every subscriber's iteration."""
        self._closed = True
        self._cancel_linger()
        if self._sink_idle_timer is not None:
            self._sink_idle_timer.cancel()
            self._sink_idle_timer = None
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._end_subscribers()
