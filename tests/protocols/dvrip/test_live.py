"""The live stream as the library's frames: video from the first I-frame, audio as PCM."""

from __future__ import annotations

import itertools

import pytest

from custom_components.ipcam.protocols.audio.g711 import alaw_decode, alaw_encode
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.dvrip.live import LiveAudio, LiveVideo
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.dvrip.frames import encode_audio_frame, encode_info_frame, encode_video_frame

from .helpers import IDR, P_FRAME


def _pieces(data: bytes, size: int) -> list[memoryview]:
    return [memoryview(data[i : i + size]) for i in range(0, len(data), size)]


def test_video_starts_at_the_first_i_frame() -> None:
    stream = b"".join(
        [
            encode_video_frame("h264", P_FRAME, keyframe=False),  # mid-GOP: dropped
            encode_video_frame("h265", IDR, keyframe=True, width=3840, height=2160, fps=30),
            encode_audio_frame(bytes(320)),
            encode_info_frame(b"GPS"),
            encode_video_frame("h264", P_FRAME, keyframe=False),
        ]
    )
    live = LiveVideo()
    frames = [frame for piece in _pieces(stream, 333) for frame in live.feed([piece])]
    assert [(f.codec, f.keyframe, f.width, f.height, f.fps) for f in frames] == [
        ("h265", True, 3840, 2160, 30.0),
        ("h265", False, 3840, 2160, 30.0),  # a P-frame takes its I-frame's codec and size
    ]
    assert [f.data for f in frames] == [IDR, P_FRAME]
    assert [f.timestamp for f in frames] == [0.0, 1 / 30]


def test_mpeg4_and_unknown_codecs_are_not_passed_on() -> None:
    mpeg4 = encode_video_frame("mpeg4", IDR, keyframe=True, width=640, height=480)
    live = LiveVideo(max_skipped=3 * len(IDR))
    assert live.feed([memoryview(mpeg4)]) == []
    assert live.feed([memoryview(encode_video_frame("h264", P_FRAME, keyframe=False))]) == []
    with pytest.raises(ProtocolError, match="no H.264"):
        live.feed([memoryview(mpeg4 * 3)])


def test_a_video_frame_resets_the_skipped_count() -> None:
    live = LiveVideo(max_skipped=1000)
    info = encode_info_frame(bytes(600))
    key = encode_video_frame("h264", IDR, keyframe=True, width=320, height=240, fps=0)
    for _ in range(5):
        (frame,) = live.feed([memoryview(info), memoryview(key)])
        assert frame.timestamp == 0.0  # no frame rate: no timestamps
    with pytest.raises(ProtocolError):
        live.feed([memoryview(info * 2)])


def test_audio_as_pcm() -> None:
    tone = tone_pcm(1000.0, 0.08)
    alaw = alaw_encode(tone)
    stream = b"".join(
        [
            encode_video_frame("h264", IDR, keyframe=True, width=640, height=480),
            encode_audio_frame(alaw[:320]),
            encode_audio_frame(bytes(160), codec="g711u"),
            encode_audio_frame(bytes(160), sample_rate=16000),  # not 8 kHz: skipped
            encode_audio_frame(bytes(160), codec="pcm8"),  # not G.711: skipped
            encode_audio_frame(alaw[320:]),
        ]
    )
    live = LiveAudio()
    chunks = [chunk for piece in _pieces(stream, 100) for chunk in live.feed([piece])]
    assert [len(c.pcm) for c in chunks] == [640, 320, 640]
    assert [c.timestamp for c in chunks] == [0.0, 0.04, 0.06]
    assert chunks[0].pcm == alaw_decode(alaw[:320])
    assert chunks[1].pcm == bytes(320) or len(set(chunks[1].pcm)) <= 2


def test_a_frame_rate_change_keeps_the_timeline_going_forward() -> None:
    """The camera's frame rate changes mid-stream (a user's setting takes effect at the next
    I-frame): the frames before keep their time, the new rate counts from there. Counting
    all frames at the new rate put a 25 → 30 fps change seconds back in time (minutes after
    an hour) and a 30 → 10 one seconds ahead."""
    live = LiveVideo()
    stamps: list[float] = []
    for fps in (25, 30, 10, 0, 25):
        for index in range(50):
            unit = P_FRAME if index else IDR
            frame = encode_video_frame(
                "h264", unit, keyframe=not index, width=640, height=480, fps=fps
            )
            stamps += [f.timestamp for f in live.feed([memoryview(frame)])]
    assert stamps[49:52] == pytest.approx([49 / 25, 2.0, 2.0 + 1 / 30])
    assert stamps[99:102] == pytest.approx([2.0 + 49 / 30, 2.0 + 50 / 30, 2.0 + 50 / 30 + 0.1])
    at_rest = 2.0 + 50 / 30 + 5.0  # no rate: the time stands still, then goes on from there
    assert stamps[150:200] == pytest.approx([at_rest] * 50)
    assert stamps[200:202] == pytest.approx([at_rest, at_rest + 1 / 25])
    assert all(later >= earlier for earlier, later in itertools.pairwise(stamps))
