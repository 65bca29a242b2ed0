"""MO_V packets <-> the library's media types, without I/O.

- ``VideoTimeline``: Video_Data -> ``VideoFrame`` (size from the JPEG's SOF, which
  real cameras put before the tables and without JFIF; timestamps and frame rate
  from the camera's 10 ms tick);
- ``AudioTimeline``: Audio_Data -> decoded ``AudioChunk`` (one ADPCM decoder whose
  state carries across packets, fresh for each audio start like the vendor's client);
- ``TalkPacketizer``: 40 ms of PCM -> Talk_Data (ms tick +40, serial +1, encoder
  state kept for the whole talk).
"""

from __future__ import annotations

from collections import deque

from .. import jpeg
from ..audio.adpcm import FoscamAdpcmDecoder, FoscamAdpcmEncoder
from ..base import AudioChunk, VideoFrame
from .av import AUDIO_PACKET_BYTES, AudioData, TalkData, VideoData

TALK_FRAME_BYTES = 2 * 2 * AUDIO_PACKET_BYTES  # 320 samples of s16le = 160 ADPCM bytes
TALK_FRAME_SECONDS = 0.04
TALK_FRAME_MS = 40


def jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the SOF segment, wherever it is; None when not found."""
    size = jpeg.jpeg_size(data)
    return None if size == (0, 0) else size


class TickClock:
    """A camera's 32-bit 10 ms tick as a count that only goes forward: wraps (every 497 days)
    are unwrapped, and a tick before the last one (a camera clock stepping back) leaves the
    count where it was, so timestamps stay monotonic within one iteration."""

    def __init__(self) -> None:
        self._last: int | None = None
        self.ticks = 0  # since the first tick seen

    def advance(self, tick: int) -> int:
        """The count at ``tick``."""
        if self._last is not None:
            delta = (tick - self._last) & 0xFFFFFFFF
            if delta < 1 << 31:  # else it went back: hold
                self.ticks += delta
        self._last = tick
        return self.ticks


class VideoTimeline:
    """Frames of one ``video()`` iteration: timestamps from its first tick, fps over 25."""

    def __init__(self) -> None:
        self._clock = TickClock()
        self._ticks: deque[int] = deque(maxlen=25)
        self._size = (0, 0)

    def frame(self, packet: VideoData) -> VideoFrame:
        elapsed = self._clock.advance(packet.tick)
        ticks = self._ticks
        ticks.append(elapsed)
        fps = 0.0
        if len(ticks) > 1 and ticks[-1] > ticks[0]:
            fps = round((len(ticks) - 1) * 100 / (ticks[-1] - ticks[0]), 2)
        self._size = jpeg_dimensions(packet.jpeg) or self._size
        return VideoFrame(
            codec="jpeg",
            data=packet.jpeg,
            keyframe=True,
            width=self._size[0],
            height=self._size[1],
            timestamp=elapsed / 100,
            fps=fps,
        )


class AudioTimeline:
    """Decoded microphone audio of one ``audio()`` iteration, timed from its first packet."""

    def __init__(self) -> None:
        self._decoder = FoscamAdpcmDecoder()
        self._clock = TickClock()

    def chunk(self, packet: AudioData) -> AudioChunk:
        seconds = self._clock.advance(packet.tick) / 100
        return AudioChunk(self._decoder.decode(packet.data), 8000, seconds)


class TalkPacketizer:
    """Talk_Data packets for one talk, from 40 ms pieces of 8 kHz s16le PCM."""

    def __init__(self, start_ms: int) -> None:
        self._encoder = FoscamAdpcmEncoder()
        self.start_ms = start_ms
        self.packets = 0

    def packet(self, pcm: bytes, unix_time: int) -> TalkData:
        data = self._encoder.encode(pcm)
        packet = TalkData(
            tick=self.start_ms + self.packets * TALK_FRAME_MS,
            serial=self.packets,
            unix_time=unix_time,
            data=data,
        )
        self.packets += 1
        return packet

    @property
    def seconds(self) -> float:
        """Audio sent so far."""
        return self.packets * TALK_FRAME_SECONDS

    def playout_left(self, now: float, lead: float) -> float:
        """How long to wait at the end for the camera to play its buffer out (<= lead + 40 ms).

        Talk_End may make the camera flush what it has not played yet.
        """
        left = self.start_ms / 1000 + self.seconds - now
        return max(0.0, min(left, lead + TALK_FRAME_SECONDS))
