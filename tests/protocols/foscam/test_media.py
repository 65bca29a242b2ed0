"""MO_V packets to frames and audio chunks, PCM to talk packets."""

from __future__ import annotations

import math
import struct

import pytest

from custom_components.ipcam.protocols.audio.adpcm import FoscamAdpcmDecoder
from custom_components.ipcam.protocols.foscam import av, media
from simulator.foscam import wire as sw
from simulator.foscam.pictures import camera_style_jpeg
from simulator.media import jpeg_cycle


def test_jpeg_dimensions_standard_and_camera_style() -> None:
    for width, height in ((640, 480), (320, 240)):
        jpeg = jpeg_cycle(width, height)[0]
        assert media.jpeg_dimensions(jpeg) == (width, height)
        odd = camera_style_jpeg(jpeg)
        assert odd[2:4] == b"\xff\xc0"  # SOF0 first, no JFIF APP0
        assert b"JFIF" not in odd[:200]
        assert media.jpeg_dimensions(odd) == (width, height)
    assert camera_style_jpeg(b"not a jpeg") == b"not a jpeg"
    assert media.jpeg_dimensions(b"not a jpeg") is None
    assert media.jpeg_dimensions(b"\xff\xd8\xff\xe0\x00") is None
    assert media.jpeg_dimensions(b"\xff\xd8\xff\xe0\x00\x01" + bytes(10)) is None
    assert media.jpeg_dimensions(b"\xff\xd8\xff\xc0\x00\x11\x08\x01") is None


def test_video_timeline_size_timestamps_and_fps() -> None:
    jpeg = jpeg_cycle(320, 240)[0]
    timeline = media.VideoTimeline()
    frames = [timeline.frame(av.VideoData(1000 + 10 * i, 0, jpeg)) for i in range(5)]
    assert [f.timestamp for f in frames] == [0.0, 0.1, 0.2, 0.3, 0.4]
    assert frames[0].fps == 0.0 and frames[-1].fps == 10.0
    assert (frames[-1].width, frames[-1].height, frames[-1].codec) == (320, 240, "jpeg")
    odd = timeline.frame(av.VideoData(1050, 0, b"\xff\xd8\xff\xd9"))  # no SOF: keep the last
    assert (odd.width, odd.height) == (320, 240)
    wrapped = media.VideoTimeline()
    wrapped.frame(av.VideoData(0xFFFFFFFF, 0, jpeg))
    assert wrapped.frame(av.VideoData(9, 0, jpeg)).timestamp == 0.1  # the tick wraps


def test_a_tick_that_steps_back_holds_the_time_instead_of_leaping_497_days() -> None:
    """A camera clock stepping back (by a tick or by a reset) mid-stream: the timestamps
    hold, then go on from there; a second wrap keeps counting (the first tick is no anchor)."""
    jpeg = jpeg_cycle(320, 240)[0]
    timeline = media.VideoTimeline()
    ticks = [5000, 5010, 5020, 5015, 30, 40, 0xFFFFFFF0, 0xFFFFFFFA, 4]
    stamps = [timeline.frame(av.VideoData(tick, 0, jpeg)).timestamp for tick in ticks]
    assert stamps == pytest.approx([0.0, 0.1, 0.2, 0.2, 0.2, 0.3, 0.3, 0.4, 0.5])
    assert timeline.frame(av.VideoData(14, 0, jpeg)).fps > 0  # the rate counts over the steps
    audio = media.AudioTimeline()
    data = bytes(160)
    assert [audio.chunk(av.AudioData(t, 0, 0, data)).timestamp for t in (100, 96, 104)] == [
        0.0,
        0.0,
        0.08,
    ]


def test_audio_timeline_decodes_with_carried_state() -> None:
    timeline = media.AudioTimeline()
    reference = FoscamAdpcmDecoder()
    data = bytes(range(160))
    for index in range(3):
        chunk = timeline.chunk(av.AudioData(500 + 4 * index, index, 0, data))
        assert chunk.timestamp == index * 0.04
        assert chunk.pcm == reference.decode(data)
        assert len(chunk.pcm) == 640 and chunk.sample_rate == 8000


def test_talk_packets_ms_ticks_serials_and_carried_encoder_state() -> None:
    packets = media.TalkPacketizer(start_ms=1000)
    tone = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / 8000))) for n in range(960)
    )
    made = [packets.packet(tone[i : i + 640], 7) for i in range(0, 1920, 640)]
    assert [(p.tick, p.serial, len(p.data)) for p in made] == [
        (1000, 0, 160),
        (1040, 1, 160),
        (1080, 2, 160),
    ]
    assert packets.seconds == 0.12
    decoder = FoscamAdpcmDecoder()
    decoded = b"".join(decoder.decode(p.data) for p in made)
    assert len(decoded) == 1920
    raw = made[0].encode()
    assert struct.unpack_from("<H", raw, 4)[0] == 3  # MO_V op 3
    assert sw.decode_request_datagram(raw) == made[0]
