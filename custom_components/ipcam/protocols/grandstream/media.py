"""The media of a playing RTSP session, sans-I/O: interleaved RTP in, frames and audio out.

Channels follow the SETUP requests (``interleaved=0-1`` video, ``2-3`` audio);
odd channels and anything that looks like RTCP are the camera's RTCP, which is
ignored (its sender reports are zeroed anyway). H.264 access units leave as
``VideoFrame``s, PCMU packets as decoded ``AudioChunk``s; RTP timestamps are
unwrapped per channel so that seconds only grow. Reception statistics feed the
RTCP receiver reports (``docs/protocols/grandstream.md``, "RTP and RTCP").
"""

from __future__ import annotations

from collections.abc import Sequence

from ..audio.g711 import ulaw_decode
from ..base import AudioChunk, VideoFrame
from ..errors import ProtocolError
from .h264 import AccessUnit, H264Depacketizer
from .rtp import (
    InterleavedFrame,
    ReceptionStats,
    build_receiver_report,
    format_interleaved,
    is_rtcp,
    parse_rtp,
)
from .sdp import VideoFormat
from .sps import sps_dimensions

VIDEO_CHANNELS = (0, 1)
AUDIO_CHANNELS = (2, 3)
PCMU = 0
VIDEO_CLOCK = 90000
AUDIO_CLOCK = 8000
CLIENT_SSRC = 0x49504341  # "IPCA": ours, in receiver reports

MediaItem = VideoFrame | AudioChunk


class _Clock:
    """One channel's RTP timestamps, unwrapped from 32 bits and counted from the first."""

    __slots__ = ("_first", "_high")

    def __init__(self, first: int) -> None:
        self._first = first
        self._high = 0

    def ticks(self, timestamp: int) -> int:
        delta = (timestamp - self._first) & 0xFFFFFFFF
        value = (self._high & ~0xFFFFFFFF) + delta
        if value < self._high - 0x80000000:
            value += 1 << 32
        self._high = max(self._high, value)
        return value


class MediaDemuxer:
    """Interleaved frames of one playing session -> video frames and audio chunks."""

    def __init__(
        self,
        *,
        video: bool,
        audio: bool,
        parameter_sets: Sequence[bytes] = (),
        picture: VideoFormat | None = None,
    ) -> None:
        self._video = video
        self._audio = audio
        self._depacketizer = H264Depacketizer(parameter_sets)
        picture = picture or VideoFormat()
        self.width = picture.width
        self.height = picture.height
        self.fps = picture.fps
        self._stats: dict[int, ReceptionStats] = {}
        self._clocks: dict[int, _Clock] = {}

    @property
    def dropped_units(self) -> int:
        return self._depacketizer.dropped

    @property
    def lost_packets(self) -> int:
        return self._depacketizer.lost_packets

    def push(self, frame: InterleavedFrame) -> list[MediaItem]:
        """What one interleaved frame completes (often nothing); ProtocolError for bad RTP."""
        if frame.channel & 1 or is_rtcp(frame.payload):
            return []
        packet = parse_rtp(frame.payload)
        channel = frame.channel
        stats = self._stats.get(channel)
        if stats is None:
            stats = self._stats[channel] = ReceptionStats()
        stats.update(packet)
        clock = self._clocks.get(channel)
        if clock is None:
            clock = self._clocks[channel] = _Clock(packet.timestamp)
        ticks = clock.ticks(packet.timestamp)
        if self._video and channel == VIDEO_CHANNELS[0]:
            return self._video_frames(self._depacketizer.push(packet), ticks / VIDEO_CLOCK)
        if self._audio and channel == AUDIO_CHANNELS[0] and packet.payload_type == PCMU:
            return [AudioChunk(ulaw_decode(packet.payload), AUDIO_CLOCK, ticks / AUDIO_CLOCK)]
        return []

    def _video_frames(self, units: list[AccessUnit], seconds: float) -> list[MediaItem]:
        frames: list[MediaItem] = []
        for unit in units:
            if unit.keyframe and not self.width:
                self._learn_size()
            frames.append(
                VideoFrame(
                    codec="h264",
                    data=unit.data,
                    keyframe=unit.keyframe,
                    width=self.width,
                    height=self.height,
                    timestamp=seconds,
                    fps=self.fps,
                )
            )
        return frames

    def _learn_size(self) -> None:
        sps = self._depacketizer.parameter_sets[0]
        if sps is None:
            return
        try:
            self.width, self.height = sps_dimensions(sps)
        except ProtocolError:
            pass  # a size we cannot read is left unknown, the frame still goes out

    def receiver_reports(self) -> bytes:
        """One RTCP receiver report per source heard, each on its RTCP channel."""
        return b"".join(
            format_interleaved(channel + 1, build_receiver_report(CLIENT_SSRC, stats))
            for channel, stats in self._stats.items()
        )
