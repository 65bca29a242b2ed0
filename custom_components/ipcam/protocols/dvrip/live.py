"""The live stream (1412 payloads) as the library's frames: ``VideoFrame`` or ``AudioChunk``.

A stream connection wants one of the two: ``LiveVideo`` keeps video frames and
steps over audio and info frames without copying them, ``LiveAudio`` the
reverse. Both are fed every payload of a socket read at once and return every
frame it completed. See docs/protocols/dvrip.md, "Live stream".
"""

from __future__ import annotations

from ..audio.g711 import alaw_decode, ulaw_decode
from ..base import AudioChunk, VideoFrame
from ..errors import ProtocolError
from .media import (
    AUDIO_CODECS,
    MAX_FRAME_SIZE,
    SAMPLE_RATES,
    TYPE_VIDEO_I,
    VIDEO_CODECS,
    MediaDemuxer,
)

# Bytes of stream without a usable video frame after which video() gives up: the
# camera sends only audio, info frames or a codec we cannot pass on.
MAX_SKIPPED_MEDIA = 2 * MAX_FRAME_SIZE
PASSED_ON = ("h264", "h265")


class LiveVideo:
    """H.264/H.265 access units from the first I-frame on, with size, rate and timestamps.

    P-frames carry no codec or size: they take those of the I-frame before them,
    and frames before the first I-frame (a stream starts mid-GOP) are dropped.
    """

    def __init__(self, *, max_skipped: int = MAX_SKIPPED_MEDIA) -> None:
        self._demuxer = MediaDemuxer(kinds=frozenset({"video"}))
        self._max_skipped = max_skipped
        self._skipped = 0  # bytes passed over since the last video frame handed on
        self._skipped_by_demuxer = 0
        self._codec = ""
        self._width = self._height = 0
        self._fps = 0
        self._count = 0

    def feed(self, payloads: list[memoryview]) -> list[VideoFrame]:
        frames: list[VideoFrame] = []
        demuxer = self._demuxer
        skipped = 0
        for (frame_type, fields, _length), data in demuxer.feed_raw(payloads):
            if frame_type == TYPE_VIDEO_I:
                t_byte, fps, w, h, _date, _length = fields
                self._codec = VIDEO_CODECS.get(t_byte & 0x0F, "")
                self._width = ((t_byte >> 4 & 3) << 8 | w) * 8
                self._height = ((t_byte >> 6 & 3) << 8 | h) * 8
                self._fps = fps & 0x1F
            if self._codec not in PASSED_ON:
                skipped += len(data)  # MPEG-4, or P-frames before the first I-frame
                continue
            fps = self._fps
            frames.append(
                VideoFrame(
                    self._codec,
                    data,
                    frame_type == TYPE_VIDEO_I,
                    self._width,
                    self._height,
                    self._count / fps if fps > 0 else 0.0,
                    float(fps),
                )
            )
            self._count += 1
        skipped += demuxer.skipped - self._skipped_by_demuxer
        self._skipped_by_demuxer = demuxer.skipped
        # Counted per read, not per frame: the bound is coarse by design (16 MiB).
        self._skipped = skipped if frames else self._skipped + skipped
        if self._skipped > self._max_skipped:
            raise ProtocolError("no H.264/H.265 video in the live stream")
        return frames


class LiveAudio:
    """The camera microphone's G.711 (A-law or mu-law, 8 kHz) as 16-bit PCM chunks."""

    def __init__(self) -> None:
        self._demuxer = MediaDemuxer(kinds=frozenset({"audio"}))
        self._samples = 0

    def feed(self, payloads: list[memoryview]) -> list[AudioChunk]:
        chunks: list[AudioChunk] = []
        for (_type, (codec_id, rate, _length), _), data in self._demuxer.feed_raw(payloads):
            if SAMPLE_RATES.get(rate) != 8000:
                continue
            codec = AUDIO_CODECS.get(codec_id)
            if codec == "g711a":
                pcm = alaw_decode(data)
            elif codec == "g711u":
                pcm = ulaw_decode(data)
            else:
                continue
            chunks.append(AudioChunk(pcm, 8000, self._samples / 8000))
            self._samples += len(pcm) // 2
        return chunks
