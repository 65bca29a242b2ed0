"""DVRIP media framing: frames across arbitrary packet boundaries, oversize, truncated."""

from __future__ import annotations

import datetime as dt
import random
import struct

import pytest

from custom_components.ipcam.protocols.dvrip import media
from custom_components.ipcam.protocols.dvrip.media import MediaDemuxer, MediaFrame
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.dvrip import frames as encode

WHEN = dt.datetime(2024, 5, 17, 13, 36, 11)
IDR = (
    b"\x00\x00\x00\x01\x67\x42\x00\x1e"
    + b"\x00\x00\x00\x01\x68\xce"
    + b"\x00\x00\x01\x65"
    + bytes(range(256)) * 3
)
P_FRAME = b"\x00\x00\x00\x01\x41\x9a" + b"{" + bytes(100)
ALAW = bytes([0xD5]) * 320
JPEG = b"\xff\xd8\xff\xe0" + bytes(50) + b"\xff\xd9"


def _stream() -> tuple[bytes, list[MediaFrame]]:
    parts = [
        encode.encode_video_frame(
            "h264", IDR, keyframe=True, width=1920, height=1080, fps=25, when=WHEN
        ),
        encode.encode_video_frame("h264", P_FRAME, keyframe=False),
        media.encode_audio_frame(ALAW),
        encode.encode_info_frame(b"GPS text"),
        encode.encode_picture(JPEG, 640, 480, WHEN),
        encode.encode_video_frame(
            "h265",
            b"\x00\x00\x00\x01\x40\x01",
            keyframe=True,
            width=3840,
            height=2160,
            fps=30,
            when=WHEN,
        ),
    ]
    expected = [
        MediaFrame("video", "h264", IDR, True, 1920, 1080, 25, WHEN),
        MediaFrame("video", "", P_FRAME, False),
        MediaFrame("audio", "g711a", ALAW, sample_rate=8000),
        MediaFrame("info", "info", b"GPS text"),
        MediaFrame("picture", "jpeg", JPEG, True, 640, 480, 0, WHEN),
        MediaFrame("video", "h265", b"\x00\x00\x00\x01\x40\x01", True, 3840, 2160, 30, WHEN),
    ]
    return b"".join(parts), expected


def test_whole_stream() -> None:
    data, expected = _stream()
    assert MediaDemuxer().feed(data) == expected


def test_every_split_point() -> None:
    data, expected = _stream()
    for split in range(len(data) + 1):
        demuxer = MediaDemuxer()
        frames = demuxer.feed(data[:split]) + demuxer.feed(data[split:])
        assert frames == expected, split
        assert demuxer.buffered == 0
        demuxer.close()


def test_every_pair_of_split_points_on_a_small_stream() -> None:
    data = encode.encode_video_frame("h264", b"\x00\x00\x01\x41ab", keyframe=False) + (
        media.encode_audio_frame(b"\xd5" * 4)
    )
    expected = MediaDemuxer().feed(data)
    assert len(expected) == 2
    for first in range(len(data) + 1):
        for second in range(first, len(data) + 1):
            demuxer = MediaDemuxer()
            frames = (
                demuxer.feed(data[:first])
                + demuxer.feed(data[first:second])
                + demuxer.feed(data[second:])
            )
            assert frames == expected


def test_random_packetisation() -> None:
    data, expected = _stream()
    rng = random.Random(1234)
    for _ in range(200):
        demuxer = MediaDemuxer()
        frames: list[MediaFrame] = []
        offset = 0
        while offset < len(data):
            size = rng.randint(1, 700)
            frames += demuxer.feed(data[offset : offset + size])
            offset += size
        assert frames == expected


def test_byte_by_byte() -> None:
    data, expected = _stream()
    demuxer = MediaDemuxer()
    frames: list[MediaFrame] = []
    for index in range(len(data)):
        frames += demuxer.feed(data[index : index + 1])
    assert frames == expected


def test_oversize_rejected_before_buffering() -> None:
    header = b"\x00\x00\x01\xfc" + struct.pack(
        "<BBBBII", 2, 25, 80, 60, 0, media.MAX_FRAME_SIZE + 1
    )
    demuxer = MediaDemuxer()
    with pytest.raises(ProtocolError):
        demuxer.feed(header)
    p_header = b"\x00\x00\x01\xfd" + struct.pack("<I", 0xFFFFFFFF)
    with pytest.raises(ProtocolError):
        MediaDemuxer().feed(p_header)
    small = MediaDemuxer(max_frame=100)
    with pytest.raises(ProtocolError):
        small.feed(media.encode_audio_frame(bytes(101)))


def test_truncated_stream() -> None:
    data, _expected = _stream()
    for cut in (1, 7, 8, 15, 16, 100, len(data) - 1):
        demuxer = MediaDemuxer()
        demuxer.feed(data[:cut])
        with pytest.raises(ProtocolError):
            demuxer.close()


def test_close_after_complete_frames_is_fine() -> None:
    data, _expected = _stream()
    demuxer = MediaDemuxer()
    demuxer.feed(data)
    demuxer.close()


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\x00\x01\xfb" + bytes(12), b"\x12\x34\x56\x78" + bytes(12), b'{"Ret":100}\n\x00\x00'],
)
def test_unknown_frame_start(garbage: bytes) -> None:
    with pytest.raises(ProtocolError):
        MediaDemuxer().feed(garbage)


def test_t_byte_vector_4k_h265() -> None:
    # T = 0x53: codec 3 (H.265); W = 0xE0, H = 0x0E with T's high bits -> 3840 x 2160.
    header = b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", 0x53, 25, 0xE0, 0x0E, 0, 2)
    (frame,) = MediaDemuxer().feed(header + b"\x00\x01")
    assert (frame.codec, frame.width, frame.height, frame.fps) == ("h265", 3840, 2160, 25)
    encoded = encode.encode_video_frame("h265", b"\x00\x01", keyframe=True, width=3840, height=2160)
    assert encoded[4] == 0x53
    assert encoded[6:8] == b"\xe0\x0e"


def test_t_byte_codec_is_the_low_nibble() -> None:
    for t_byte, codec in (
        (0x02, "h264"),
        (0x12, "h264"),
        (0x13, "h265"),
        (0x43, "h265"),
        (0x01, "mpeg4"),
    ):
        header = b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", t_byte, 0x19, 10, 10, 0, 0)
        (frame,) = MediaDemuxer().feed(header)
        assert frame.codec == codec


def test_talk_frame_vector() -> None:
    frame = media.encode_talk_frame(bytes(range(200)))
    assert frame[:8] == bytes.fromhex("000001FA0E024001")
    assert len(frame) == 8 + 320
    assert frame[8 + 200 :] == bytes([0xD5]) * 120  # padded with A-law silence
    with pytest.raises(ValueError):
        media.encode_talk_frame(bytes(321))


def test_date_packing() -> None:
    value = encode.pack_datetime(WHEN)
    assert media.unpack_datetime(value) == WHEN
    assert value & 0x3F == 11
    assert value >> 26 == 24
    assert media.unpack_datetime(0) is None  # month 0


def test_length_mismatch_in_parse_frame() -> None:
    frame = media.encode_audio_frame(b"abcd")
    with pytest.raises(ProtocolError):
        media.parse_frame(frame + b"x")
    with pytest.raises(ProtocolError):
        media.parse_frame(b"\x00\x00\x01")


def test_audio_codecs_and_rates() -> None:
    frame = media.encode_audio_frame(b"\xff" * 8, codec="g711u", sample_rate=16000)
    (parsed,) = MediaDemuxer().feed(frame)
    assert (parsed.codec, parsed.sample_rate) == ("g711u", 16000)


def test_mutated_stream_only_raises_protocol_error() -> None:
    data, _expected = _stream()
    rng = random.Random(99)
    for _ in range(2000):
        mutated = bytearray(data)
        for _flip in range(rng.randint(1, 6)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        demuxer = MediaDemuxer(max_frame=4096)
        try:
            demuxer.feed(bytes(mutated))
            demuxer.close()
        except ProtocolError:
            continue
        assert demuxer.buffered == 0


# --- kept kinds and the live path ----------------------------------------------------------------


def test_frames_of_other_kinds_are_stepped_over() -> None:
    data, expected = _stream()
    video = MediaDemuxer(kinds=frozenset({"video"}))
    frames = [frame for i in range(0, len(data), 50) for frame in video.feed(data[i : i + 50])]
    assert frames == [frame for frame in expected if frame.kind == "video"]
    skipped = len(data) - sum(
        len(encode_part)
        for encode_part in (
            encode.encode_video_frame("h264", IDR, keyframe=True, width=1920, height=1080),
            encode.encode_video_frame("h264", P_FRAME, keyframe=False),
            encode.encode_video_frame("h265", b"\x00\x00\x00\x01\x40\x01", keyframe=True),
        )
    )
    assert video.skipped == skipped
    assert video.buffered == 0
    audio = MediaDemuxer(kinds=frozenset({"audio"}))
    assert [f.kind for f in audio.feed(data)] == ["audio"]


def test_feed_raw_takes_read_only_views_and_copies_anything_else() -> None:
    data, expected = _stream()
    demuxer = MediaDemuxer()
    view = memoryview(data)
    raw = demuxer.feed_raw([view[:100], view[100:]])
    assert [body for _head, body in raw] == [frame.data for frame in expected]
    buffer = bytearray(data)
    other = MediaDemuxer()
    assert other.feed_raw([buffer[:10]]) == []
    buffer[:] = bytes(len(buffer))  # the caller's buffer changes: nothing of it was kept
    assert len(other.feed_raw([data[10:]])) == len(expected)


def test_split_sub_headers() -> None:
    frame = encode.encode_video_frame("h264", IDR, keyframe=True, width=640, height=480, when=WHEN)
    for cut in (2, 5, 8, 12, 15):
        demuxer = MediaDemuxer()
        assert demuxer.feed(frame[:cut]) == []
        (parsed,) = demuxer.feed(frame[cut:])
        assert (parsed.width, parsed.data) == (640, IDR)
    with pytest.raises(ProtocolError):
        MediaDemuxer().feed(b"\x00\x00\x01\xfb")  # a bad start is refused at once
