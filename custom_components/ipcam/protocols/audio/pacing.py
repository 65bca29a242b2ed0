"""Real-time pacing of outgoing audio (talk-back).

A camera's speaker buffer is small: sending a whole file at once overflows it,
sending too late starves it. ``paced_frames`` re-chunks PCM into fixed frames
and releases each one when its play time minus a small lead has come.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

DEFAULT_LEAD_SECONDS = 0.2


async def paced_frames(
    pcm: AsyncIterator[bytes],
    frame_bytes: int,
    *,
    sample_rate: int = 8000,
    bytes_per_sample: int = 2,
    lead: float = DEFAULT_LEAD_SECONDS,
    max_seconds: float | None = None,
) -> AsyncIterator[bytes]:
    """Yield ``frame_bytes``-sized frames of ``pcm`` no faster than real time (+``lead``).

    The last partial frame is padded with silence. Stops after ``max_seconds``
    of audio when given.
    """
    if frame_bytes <= 0 or frame_bytes % bytes_per_sample:
        raise ValueError("frame_bytes must be a positive multiple of the sample size")
    frame_seconds = frame_bytes / bytes_per_sample / sample_rate
    pending = bytearray()
    sent = 0
    start: float | None = None

    async def release(frame: bytes) -> bytes:
        nonlocal start, sent
        now = time.monotonic()
        if start is None:
            start = now
        due = start + sent * frame_seconds - lead
        if due > now:
            await asyncio.sleep(due - now)
        sent += 1
        return frame

    async for chunk in pcm:
        pending.extend(chunk)
        while len(pending) >= frame_bytes:
            if max_seconds is not None and sent * frame_seconds >= max_seconds:
                return
            frame = bytes(pending[:frame_bytes])
            del pending[:frame_bytes]
            yield await release(frame)
    if pending and (max_seconds is None or sent * frame_seconds < max_seconds):
        pending.extend(b"\x00" * (frame_bytes - len(pending)))
        yield await release(bytes(pending))


async def pcm_chunks(pcm: bytes, chunk: int = 3200) -> AsyncIterator[bytes]:
    """Turn a PCM buffer into an async iterator of chunks (for tests and the probe)."""
    for offset in range(0, len(pcm), chunk):
        yield pcm[offset : offset + chunk]
