"""Live talk audio: PCM from a browser's microphone, resampled to 8 kHz as it arrives.

The talk card streams 16-bit mono PCM (16 kHz or 8 kHz) in small binary
websocket messages. ``LiveAudio`` checks every message (size, whole samples),
resamples it to the 8 kHz the camera clients take, and hands it to the talk path
through a small bounded buffer: a camera that takes audio slower than real time
loses the oldest audio rather than letting it pile up (latency stays bounded).
The stream ends when the talker releases the button, when no audio came for a
while (the page went away), or after the longest talk allowed.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncGenerator
from typing import Any

import numpy as np

TARGET_RATE = 8000
SUPPORTED_RATES = (8000, 16000)
# One message carries at most this much audio (the card sends 20 ms).
MAX_MESSAGE_BYTES = 16000  # 0.5 s at 16 kHz
# Audio waiting for the camera beyond this is dropped, oldest first. The clients pace talk in
# real time, so audio that piled up before the camera took the channel would otherwise stay
# as latency for the whole talk.
MAX_BUFFERED_SECONDS = 0.3
# A talk that gets no audio for this long is over (the page closed, the network broke).
IDLE_SECONDS = 2.0
MAX_SECONDS = 300.0

# Half-band low-pass (cut-off 3.6 kHz at 16 kHz) before keeping every other sample.
_TAPS = 31


def _half_band() -> Any:
    n = np.arange(_TAPS) - (_TAPS - 1) / 2
    cutoff = 3600 / 16000  # cycles per sample
    taps = 2 * cutoff * np.sinc(2 * cutoff * n) * np.hamming(_TAPS)
    return (taps / taps.sum()).astype(np.float32)


class Downsampler:
    """16 kHz -> 8 kHz s16le, stateful across chunks (no clicks at chunk borders)."""

    def __init__(self) -> None:
        self._taps = _half_band()
        self._history: Any = np.zeros(_TAPS - 1, dtype=np.float32)
        self._phase = 0  # index of the next kept sample within the next chunk

    def process(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
        if not len(samples):
            return b""
        joined = np.concatenate((self._history, samples))
        filtered = np.convolve(joined, self._taps, mode="valid")  # one per new sample
        self._history = joined[-(_TAPS - 1) :]
        kept = filtered[self._phase :: 2]
        self._phase = (self._phase + len(samples)) % 2
        return bytes(np.clip(np.rint(kept), -32768, 32767).astype("<i2").tobytes())


class LiveAudioError(ValueError):
    """A message that is not 16-bit PCM of the announced format."""


class LiveAudio:
    """Bounded, resampling buffer between websocket messages and the talk path."""

    def __init__(
        self,
        sample_rate: int,
        *,
        idle_seconds: float | None = None,
        max_seconds: float | None = None,
    ) -> None:
        if sample_rate not in SUPPORTED_RATES:
            raise LiveAudioError(f"sample rate must be one of {SUPPORTED_RATES}")
        self._downsampler = Downsampler() if sample_rate != TARGET_RATE else None
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._max_buffered = int(MAX_BUFFERED_SECONDS * TARGET_RATE * 2)
        self._max_bytes = int((max_seconds or MAX_SECONDS) * TARGET_RATE * 2)
        self._idle_seconds = idle_seconds or IDLE_SECONDS
        self._wake = asyncio.Event()
        self._ended = False
        self.received_bytes = 0  # 8 kHz bytes accepted
        self.dropped_bytes = 0
        self.messages = 0
        self.first_message_at: float | None = None  # time.time(), for latency figures
        self.end_reason: str | None = None

    @property
    def ended(self) -> bool:
        return self._ended

    def feed(self, payload: bytes) -> None:
        """Take one binary message (raises LiveAudioError for a malformed one)."""
        if self._ended:
            return
        if len(payload) > MAX_MESSAGE_BYTES:
            raise LiveAudioError(
                f"audio message of {len(payload)} bytes (at most {MAX_MESSAGE_BYTES})"
            )
        if len(payload) % 2:
            raise LiveAudioError("audio message is not whole 16-bit samples")
        if self.first_message_at is None:
            self.first_message_at = time.time()
        self.messages += 1
        pcm = self._downsampler.process(payload) if self._downsampler else payload
        if not pcm:
            return
        room = self._max_bytes - self.received_bytes
        if room <= 0:
            self.end("the longest talk allowed was reached")
            return
        pcm = pcm[:room]
        self.received_bytes += len(pcm)
        self._chunks.append(pcm)
        self._buffered += len(pcm)
        while self._buffered > self._max_buffered and len(self._chunks) > 1:
            dropped = self._chunks.popleft()
            self._buffered -= len(dropped)
            self.dropped_bytes += len(dropped)
        self._wake.set()

    def end(self, reason: str = "released") -> None:
        """No more audio: what is buffered is still played, then the stream ends."""
        if not self._ended:
            self._ended = True
            self.end_reason = reason
        self._wake.set()

    async def chunks(self) -> AsyncGenerator[bytes]:
        """8 kHz s16le chunks as they arrive; ends after ``end`` or when audio stops coming."""
        while True:
            while self._chunks:
                chunk = self._chunks.popleft()
                self._buffered -= len(chunk)
                yield chunk
            if self._ended:
                return
            self._wake.clear()
            try:
                async with asyncio.timeout(self._idle_seconds):
                    await self._wake.wait()
            except TimeoutError:
                self.end("no audio arrived")
