"""The live stream (1412 payloads) as the library's frames: ``VideoFrame`` or ``AudioChunk``.

A stream connection wants one of the two or both: ``LiveVideo`` keeps video
frames and steps over audio and info frames without copying them, ``LiveAudio``
the reverse, ``LiveMedia`` keeps both in the camera's order. Each is fed every
payload of a socket read at once and returns every frame it completed. See
docs/protocols/dvrip.md, "Live stream".
"""

from __future__ import annotations

from ..audio.g711 import alaw_decode, ulaw_decode
from ..base import AudioChunk, VideoFrame
from ..errors import ProtocolError
from .media import (
    AUDIO_CODECS,
    MAX_FRAME_SIZE,
    SAMPLE_RATES,
    TYPE_AUDIO,
    TYPE_VIDEO_I,
    VIDEO_CODECS,
    Head,
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
        # The timeline: where it stood when the frame rate last changed, and the frames
        # passed on since (a rate change must not move the frames before it).
        self._base = 0.0
        self._since = 0

    def feed(self, payloads: list[memoryview]) -> list[VideoFrame]:
        frames: list[VideoFrame] = []
        skipped = 0
        for head, data in self._demuxer.feed_raw(payloads):
            frame = self.cut(head, data)
            if frame is None:
                skipped += len(data)  # MPEG-4, or P-frames before the first I-frame
            else:
                frames.append(frame)
        self.account(skipped + self._demuxer_skipped(), bool(frames))
        return frames

    def cut(self, head: Head, data: bytes) -> VideoFrame | None:
        """One video frame of the stream as a ``VideoFrame`` (None: not passed on)."""
        frame_type, fields, _length = head
        if frame_type == TYPE_VIDEO_I:
            t_byte, fps, w, h, _date, _length = fields
            self._codec = VIDEO_CODECS.get(t_byte & 0x0F, "")
            self._width = ((t_byte >> 4 & 3) << 8 | w) * 8
            self._height = ((t_byte >> 6 & 3) << 8 | h) * 8
            rate = fps & 0x1F
            if rate != self._fps:  # the new rate counts from where the old one got to
                self._base, self._since, self._fps = self._time(), 0, rate
        if self._codec not in PASSED_ON:
            return None
        fps = self._fps
        frame = VideoFrame(
            self._codec,
            data,
            frame_type == TYPE_VIDEO_I,
            self._width,
            self._height,
            self._base + self._since / fps if fps > 0 else self._base,  # self._time(), inline
            float(fps),
        )
        self._since += 1
        return frame

    def _time(self) -> float:
        """The next frame's timestamp: seconds of the frames so far at their rates (no
        rate: the time stands still, as it does from the start without one)."""
        return self._base + self._since / self._fps if self._fps > 0 else self._base

    def account(self, skipped: int, any_frame: bool) -> None:
        """Bytes of one read that were not video passed on; ProtocolError past the bound.
        Counted per read, not per frame: the bound is coarse by design (16 MiB)."""
        self._skipped = skipped if any_frame else self._skipped + skipped
        if self._skipped > self._max_skipped:
            raise ProtocolError("no H.264/H.265 video in the live stream")

    def _demuxer_skipped(self) -> int:
        skipped = self._demuxer.skipped - self._skipped_by_demuxer
        self._skipped_by_demuxer = self._demuxer.skipped
        return skipped


class LiveAudio:
    """The camera microphone's G.711 (A-law or mu-law, 8 kHz) as 16-bit PCM chunks."""

    def __init__(self) -> None:
        self._demuxer = MediaDemuxer(kinds=frozenset({"audio"}))
        self._samples = 0

    def feed(self, payloads: list[memoryview]) -> list[AudioChunk]:
        chunks: list[AudioChunk] = []
        for head, data in self._demuxer.feed_raw(payloads):
            chunk = self.cut(head, data)
            if chunk is not None:
                chunks.append(chunk)
        return chunks

    def cut(self, head: Head, data: bytes) -> AudioChunk | None:
        """One audio frame as PCM (None: not 8 kHz G.711)."""
        codec_id, rate, _length = head[1]
        if SAMPLE_RATES.get(rate) != 8000:
            return None
        codec = AUDIO_CODECS.get(codec_id)
        if codec == "g711a":
            pcm = alaw_decode(data)
        elif codec == "g711u":
            pcm = ulaw_decode(data)
        else:
            return None
        chunk = AudioChunk(pcm, 8000, self._samples / 8000)
        self._samples += len(pcm) // 2
        return chunk


class LiveMedia:
    """Video and audio of one stream, in the order the camera sent them: runs of
    consecutive video frames and of audio chunks (a consumer that interleaves the two,
    like the relay, places each chunk beside the frames it came with)."""

    def __init__(self, *, max_skipped: int = MAX_SKIPPED_MEDIA) -> None:
        self._demuxer = MediaDemuxer(kinds=frozenset({"video", "audio"}))
        self._video = LiveVideo(max_skipped=max_skipped)
        self._audio = LiveAudio()
        self._skipped_by_demuxer = 0

    def feed(self, payloads: list[memoryview]) -> list[list[VideoFrame] | list[AudioChunk]]:
        runs: list[list[VideoFrame] | list[AudioChunk]] = []
        frames: list[VideoFrame] = []
        chunks: list[AudioChunk] = []
        skipped = 0
        any_frame = False
        for head, data in self._demuxer.feed_raw(payloads):
            if head[0] == TYPE_AUDIO:
                skipped += len(data)  # not video: counts towards the bound
                chunk = self._audio.cut(head, data)
                if chunk is not None:
                    if frames:
                        runs.append(frames)
                        frames = []
                    chunks.append(chunk)
                continue
            frame = self._video.cut(head, data)
            if frame is None:
                skipped += len(data)
                continue
            any_frame = True
            if chunks:
                runs.append(chunks)
                chunks = []
            frames.append(frame)
        if frames:
            runs.append(frames)
        elif chunks:
            runs.append(chunks)
        demuxer_skipped = self._demuxer.skipped - self._skipped_by_demuxer
        self._skipped_by_demuxer = self._demuxer.skipped
        self._video.account(skipped + demuxer_skipped, any_frame)
        return runs
