"""Real media for the simulated cameras, made with PyAV.

Frames are encoded once per (size, codec) and then cycled, so a simulator can
serve many clients without burning CPU; every frame of a cycle differs from the
previous one (a bar sweeps across a gradient), so "the picture changes" is
observable by a client.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import av
import numpy as np
import numpy.typing as npt

CYCLE_FRAMES = 25


def _pattern(width: int, height: int, index: int, count: int) -> npt.NDArray[np.uint8]:
    """An RGB test picture: a gradient with a white bar at a position set by ``index``."""
    x = np.linspace(0, 255, width, dtype=np.uint8)
    y = np.linspace(0, 255, height, dtype=np.uint8)
    image = np.zeros((height, width, 3), dtype=np.uint8)
    image[:, :, 0] = x[np.newaxis, :]
    image[:, :, 1] = y[:, np.newaxis]
    image[:, :, 2] = (index * 255 // max(count, 1)) & 0xFF
    bar_width = max(2, width // 16)
    left = (index * (width - bar_width)) // max(count - 1, 1)
    image[:, left : left + bar_width, :] = 255
    return image


@functools.lru_cache(maxsize=16)
def jpeg_cycle(width: int, height: int, count: int = CYCLE_FRAMES) -> tuple[bytes, ...]:
    """``count`` distinct baseline JPEG images of ``width`` x ``height``."""
    codec: Any = av.CodecContext.create("mjpeg", "w")
    codec.width = width
    codec.height = height
    codec.pix_fmt = "yuvj420p"
    codec.time_base = Fraction(1, 25)
    codec.options = {"qscale": "4"}
    frames: list[bytes] = []
    for index in range(count):
        frame = av.VideoFrame.from_ndarray(_pattern(width, height, index, count), format="rgb24")
        frame = frame.reformat(format="yuvj420p")
        frame.pts = index
        for packet in codec.encode(frame):
            frames.append(bytes(packet))
    for packet in codec.encode(None):
        frames.append(bytes(packet))
    return tuple(frames)


@dataclass(frozen=True, slots=True)
class AccessUnit:
    """One encoded video access unit in Annex B form."""

    data: bytes
    keyframe: bool
    index: int


@functools.lru_cache(maxsize=8)
def video_cycle(
    width: int, height: int, fps: int = 25, codec_name: str = "h264", count: int = 50, gop: int = 25
) -> tuple[AccessUnit, ...]:
    """``count`` access units of H.264 (or H.265: ``codec_name="hevc"``), Annex B, no B-frames.

    Every ``gop``-th unit is an IDR frame carrying SPS/PPS in-band, so a client
    may join at any key frame.
    """
    codec: Any = av.CodecContext.create("libx264" if codec_name == "h264" else "libx265", "w")
    codec.width = width
    codec.height = height
    codec.pix_fmt = "yuv420p"
    codec.time_base = Fraction(1, fps)
    codec.framerate = Fraction(fps, 1)
    codec.gop_size = gop
    if codec_name == "h264":
        codec.options = {
            "preset": "ultrafast",
            "tune": "zerolatency",
            "bf": "0",
            "x264-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:repeat-headers=1",
        }
    else:
        codec.options = {
            "preset": "ultrafast",
            "x265-params": f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:"
            "repeat-headers=1:log-level=error",
        }
    units: list[AccessUnit] = []

    def collect(packets: Sequence[av.Packet]) -> None:
        for packet in packets:
            units.append(AccessUnit(bytes(packet), bool(packet.is_keyframe), len(units)))

    for index in range(count):
        frame = av.VideoFrame.from_ndarray(_pattern(width, height, index, count), format="rgb24")
        frame = frame.reformat(format="yuv420p")
        frame.pts = index
        collect(codec.encode(frame))
    collect(codec.encode(None))
    return tuple(units)
