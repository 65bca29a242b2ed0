"""The MPEG-TS muxer: FFmpeg (PyAV) must demux and decode what it writes."""

from __future__ import annotations

import io

import av
import numpy
import pytest

from custom_components.ipcam.protocols.audio.aac import AacEncoder
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from custom_components.ipcam.protocols.mpegts import (
    AUDIO_PID,
    PAT_PID,
    PMT_PID,
    TS_PACKET,
    VIDEO_PID,
    TsMuxer,
    _crc32_mpeg2,
)
from simulator.media import video_cycle


def _packets(data: bytes) -> list[bytes]:
    assert len(data) % TS_PACKET == 0
    return [data[i : i + TS_PACKET] for i in range(0, len(data), TS_PACKET)]


def _pid(packet: bytes) -> int:
    return ((packet[1] & 0x1F) << 8) | packet[2]


@pytest.mark.parametrize(("codec", "ffmpeg_name"), [("h264", "h264"), ("h265", "hevc")])
def test_pyav_decodes_every_access_unit(codec: str, ffmpeg_name: str) -> None:
    units = video_cycle(320, 240, 25, ffmpeg_name)
    muxer = TsMuxer(codec)
    data = b"".join(
        muxer.mux(unit.data, index * 3600, unit.keyframe) for index, unit in enumerate(units)
    )
    with av.open(io.BytesIO(data), format="mpegts") as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == ffmpeg_name
        frames = list(container.decode(stream))
    assert len(frames) == len(units)
    assert (frames[0].width, frames[0].height) == (320, 240)
    assert [frame.pts for frame in frames[:3]] == [0, 3600, 7200]


def test_packet_structure() -> None:
    units = video_cycle(320, 240, 25, "h264")
    muxer = TsMuxer("h264")
    key = muxer.mux(units[0].data, 90_000, True)
    packets = _packets(key)
    assert all(packet[0] == 0x47 for packet in packets)
    # A key frame starts with PAT and PMT, so a consumer can join there.
    assert [_pid(packets[0]), _pid(packets[1])] == [PAT_PID, PMT_PID]
    for psi in packets[:2]:
        length = ((psi[6] & 0x0F) << 8) | psi[7]
        section = psi[5 : 8 + length]
        assert _crc32_mpeg2(section[:-4]) == int.from_bytes(section[-4:], "big")
    video = [packet for packet in packets if _pid(packet) == VIDEO_PID]
    assert video[0][1] & 0x40  # payload unit start
    assert video[0][5] & 0x40  # random access indicator on the key frame
    counters = [packet[3] & 0x0F for packet in video]
    assert counters == [i % 16 for i in range(len(counters))]
    # Non-key frames carry no tables and continue the counter.
    delta = _packets(muxer.mux(units[1].data, 93_600, False))
    assert {_pid(packet) for packet in delta} == {VIDEO_PID}
    assert delta[0][3] & 0x0F == len(counters) % 16


@pytest.mark.parametrize("size", range(1, 400, 7))
def test_every_payload_size_fills_whole_packets(size: int) -> None:
    """Stuffing is right whatever the access unit's size (incl. 1 byte short of a packet)."""
    muxer = TsMuxer("h264")
    data = muxer.mux(b"\x00\x00\x00\x01\x65" + b"\x88" * size, 0, False)
    assert len(data) % TS_PACKET == 0


def test_unknown_codec_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        TsMuxer("mjpeg")


def _reference_mux(muxer: TsMuxer, unit: bytes, pts: int, keyframe: bool) -> bytes:
    """The packets as ISO/IEC 13818-1 lays them out, one at a time (the muxer's first
    version): what the faster muxer must still write, byte for byte."""
    aud = {"h264": b"\x00\x00\x00\x01\x09\xf0", "h265": b"\x00\x00\x00\x01\x46\x01\x50"}
    if not unit.startswith(aud[muxer.codec][:5]):
        unit = aud[muxer.codec] + unit
    value = pts & ((1 << 33) - 1)
    stamp = bytes(
        (
            0x21 | ((value >> 30) & 0x07) << 1,
            (value >> 22) & 0xFF,
            (((value >> 15) & 0x7F) << 1) | 1,
            (value >> 7) & 0xFF,
            ((value & 0x7F) << 1) | 1,
        )
    )
    pes = b"\x00\x00\x01\xe0\x00\x00\x80\x80\x05" + stamp + unit
    out = bytearray(muxer.psi() if keyframe else b"")
    offset, first = 0, True
    while offset < len(pes):
        field: bytes | None = None
        if first:
            pcr = max(0, pts - 9000)
            flag = 0x50 if keyframe else 0x10
            field = bytes([flag, *((pcr >> shift) & 0xFF for shift in (25, 17, 9, 1))])
            field += bytes((((pcr & 1) << 7) | 0x7E, 0))
        room = TS_PACKET - 4 - (0 if field is None else 1 + len(field))
        remaining = len(pes) - offset
        if remaining < room:
            stuffing = room - remaining
            if field is not None:
                field += b"\xff" * stuffing
            elif stuffing == 1:
                field = b""
            else:
                field = b"\x00" + b"\xff" * (stuffing - 2)
            room = remaining
        cc = muxer._next_cc(VIDEO_PID)
        flags = (0x10 if field is None else 0x30) | cc
        out += bytes((0x47, 0x41 if first else 0x01, 0x00, flags))
        out += b"" if field is None else bytes((len(field),)) + field
        out += pes[offset : offset + room]
        offset += room
        first = False
    return bytes(out)


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_packets_are_those_of_the_one_at_a_time_layout(codec: str) -> None:
    fast, reference = TsMuxer(codec), TsMuxer(codec)
    sizes = [*range(0, 400), *range(4000, 5200, 37), 150_001, 1_000_003]
    for number, size in enumerate(sizes):
        unit = bytes(range(256)) * (size // 256) + bytes(size % 256)
        if number % 3 == 0:
            unit = b"\x00\x00\x00\x01\x09\xf0" + unit  # already starts with a delimiter
        pts, keyframe = number * 3600 + (1 << 33) * (number % 2), number % 5 == 0
        assert fast.mux(unit, pts, keyframe) == _reference_mux(reference, unit, pts, keyframe)


def test_audio_rides_beside_the_video_and_ffmpeg_decodes_both() -> None:
    """AAC (ADTS) from the encoder on the audio PID: PyAV finds and decodes both tracks, the
    sound at the PTS it was given, with continuity counters of its own."""
    units = video_cycle(320, 240, 25, "h264")
    encoder = AacEncoder()
    muxer = TsMuxer("h264", audio=True)
    tone = tone_pcm(1000, 2.0, amplitude=0.3)
    out, written = [], 0
    for index, unit in enumerate(units * 2):
        out.append(muxer.mux(unit.data, 90_000 + index * 3600, unit.keyframe and index == 0))
        for adts in encoder.encode(tone[index * 640 : (index + 1) * 640]):  # 40 ms per frame
            out.append(muxer.mux_audio(adts, 90_000 + written * 5760))
            written += 1
    data = b"".join(out)
    audio = [packet for packet in _packets(data) if _pid(packet) == AUDIO_PID]
    assert [packet[3] & 0x0F for packet in audio[:20]] == [n % 16 for n in range(20)]
    with av.open(io.BytesIO(data), format="mpegts") as container:
        (track,) = container.streams.audio
        assert (track.codec_context.name, track.rate, track.channels) == ("aac", 16000, 1)
        decoded = list(container.decode(track))
    assert len(decoded) >= written - 1
    assert decoded[0].pts * track.time_base == pytest.approx(1.0)
    samples = numpy.concatenate([frame.to_ndarray()[0] for frame in decoded[2:]])
    pcm = (samples * 32767).astype("<i2").tobytes()
    assert abs(dominant_frequency(pcm, 16000) - 1000) <= 20


def test_audio_needs_a_stream_announced_with_it() -> None:
    with pytest.raises(ValueError, match="without audio"):
        TsMuxer("h264").mux_audio(b"\xff\xf1", 0)
    with pytest.raises(ValueError, match="one PES packet"):
        TsMuxer("h264", audio=True).mux_audio(bytes(70_000), 0)
