"""Decode any audio file or URL that FFmpeg reads into 8 kHz mono s16le PCM (for talk-back).

Decoding runs in a worker thread (PyAV blocks); chunks cross back to the event
loop through a bounded queue, so a long file is never held in memory whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
from collections.abc import AsyncGenerator
from typing import Any

from ..errors import InvalidValue

TARGET_RATE = 8000
QUEUE_CHUNKS = 16
OPEN_TIMEOUT_SECONDS = 10.0


class _Stop:
    """End-of-stream marker (optionally carrying the error)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def _decode_into(
    source: str | bytes,
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[bytes | _Stop],
    cancelled: threading.Event,
    max_seconds: float | None,
) -> None:
    import av

    produced = 0
    limit = None if max_seconds is None else int(max_seconds * TARGET_RATE * 2)

    def put(item: bytes | _Stop) -> None:
        future = asyncio.run_coroutine_threadsafe(queue.put(item), loop)
        while not cancelled.is_set():
            try:
                future.result(timeout=0.5)
                return
            except TimeoutError:
                continue
        future.cancel()

    try:
        container: Any
        if isinstance(source, bytes):
            container = av.open(io.BytesIO(source))
        else:
            options = {"rw_timeout": str(int(OPEN_TIMEOUT_SECONDS * 1_000_000))}
            container = av.open(source, options=options, timeout=OPEN_TIMEOUT_SECONDS)
        with container:
            streams = container.streams.audio
            if not streams:
                raise InvalidValue("the media has no audio")
            duration = (container.duration or 0) / 1_000_000  # AV_TIME_BASE units
            if max_seconds is not None and duration > max_seconds + 0.5:
                raise InvalidValue(
                    f"the media lasts {duration:.0f} s; at most {max_seconds:.0f} s can be played"
                )
            resampler: Any = av.AudioResampler(format="s16", layout="mono", rate=TARGET_RATE)
            for frame in container.decode(streams[0]):
                if cancelled.is_set():
                    return
                for out in resampler.resample(frame):
                    chunk = bytes(out.planes[0])[: out.samples * 2]
                    if limit is not None and produced + len(chunk) > limit:
                        chunk = chunk[: max(0, limit - produced)]
                    produced += len(chunk)
                    if chunk:
                        put(chunk)
                    if limit is not None and produced >= limit:
                        put(_Stop())
                        return
            for out in resampler.resample(None):
                put(bytes(out.planes[0])[: out.samples * 2])
        put(_Stop())
    except InvalidValue as err:
        put(_Stop(err))
    except Exception as err:
        put(_Stop(InvalidValue(f"cannot decode the media: {err}")))


async def decode_to_pcm(
    source: str | bytes, *, max_seconds: float | None = None
) -> AsyncGenerator[bytes]:
    """Yield 8 kHz mono s16le PCM chunks of ``source``.

    ``source`` is a path or URL FFmpeg can open, or the media file's bytes.

    Raises InvalidValue for media without audio or that FFmpeg cannot decode.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | _Stop] = asyncio.Queue(QUEUE_CHUNKS)
    cancelled = threading.Event()
    worker = loop.run_in_executor(None, _decode_into, source, loop, queue, cancelled, max_seconds)
    try:
        while True:
            item = await queue.get()
            if isinstance(item, _Stop):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        cancelled.set()
        # Unblock a worker waiting on a full queue, then let it finish.
        while not queue.empty():
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
        with contextlib.suppress(Exception):
            await worker
