"""The playing session's media: channels, timestamps across the 32-bit wrap, sizes, reports."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import AudioChunk, VideoFrame
from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.h264 import annexb
from custom_components.ipcam.protocols.grandstream.media import MediaDemuxer
from custom_components.ipcam.protocols.grandstream.rtp import InterleavedFrame, is_rtcp
from custom_components.ipcam.protocols.grandstream.sdp import VideoFormat
from simulator.grandstream.media_wire import format_rtp, packetize, split_annexb
from simulator.media import video_cycle

SLICE = bytes([0x41]) + b"\x11" * 50


def frame(
    channel: int, sequence: int, timestamp: int, payload: bytes, pt: int = 96
) -> InterleavedFrame:
    return InterleavedFrame(channel, format_rtp(pt, True, sequence, timestamp, 9, payload))


def test_timestamps_are_seconds_from_the_first_and_survive_the_wrap() -> None:
    demuxer = MediaDemuxer(video=True, audio=False)
    base = 0xFFFF_F000  # the 32-bit RTP clock wraps between the second and the third
    stamps = []
    for n in range(3):
        (item,) = demuxer.push(frame(0, n, (base + n * 3600) & 0xFFFFFFFF, SLICE))
        assert isinstance(item, VideoFrame)
        stamps.append(item.timestamp)
    assert stamps == [0.0, 0.04, 0.08]
    # A packet from before (reordered) does not move time backwards for the next one.
    (late,) = demuxer.push(frame(0, 3, (base + 3600) & 0xFFFFFFFF, SLICE))
    assert isinstance(late, VideoFrame)
    assert late.timestamp == pytest.approx(0.04)
    (after,) = demuxer.push(frame(0, 4, (base + 4 * 3600) & 0xFFFFFFFF, SLICE))
    assert isinstance(after, VideoFrame)
    assert after.timestamp == pytest.approx(0.16)


def test_size_from_the_sdp_else_from_the_first_key_frame() -> None:
    cycle = video_cycle(160, 96, 25, "h264", count=2, gop=2)
    known = MediaDemuxer(video=True, audio=False, picture=VideoFormat(704, 480, 30.0))
    unknown = MediaDemuxer(video=True, audio=False)
    for demuxer, size in ((known, (704, 480)), (unknown, (160, 96))):
        payloads = packetize(cycle[0].data, 100_000)
        items = []
        for n, payload in enumerate(payloads):
            items += demuxer.push(InterleavedFrame(0, format_rtp(96, False, n, 0, 9, payload)))
        # No marker: the next unit's timestamp ends the first.
        items += demuxer.push(frame(0, len(payloads), 3600, SLICE))
        assert isinstance(items[0], VideoFrame)
        assert (items[0].width, items[0].height) == size
        assert items[0].keyframe


def test_an_unreadable_sps_leaves_the_size_unknown() -> None:
    demuxer = MediaDemuxer(video=True, audio=False, parameter_sets=[b"\x67\x42\x00\x1e"])
    (item,) = demuxer.push(frame(0, 0, 0, bytes([0x65]) + b"\x22" * 40))
    assert isinstance(item, VideoFrame)
    assert item.keyframe
    assert (item.width, item.height) == (0, 0)
    assert split_annexb(item.data)[0] == b"\x67\x42\x00\x1e"  # still put in front


def test_audio_only_pcmu_on_its_channel() -> None:
    demuxer = MediaDemuxer(video=False, audio=True)
    assert demuxer.push(frame(0, 0, 0, SLICE)) == []  # video not asked for
    # PCMA is not ours (its clock still starts the channel's time).
    assert demuxer.push(frame(2, 0, 0, b"\xff" * 160, pt=8)) == []
    (chunk,) = demuxer.push(frame(2, 1, 160, b"\xff" * 160, pt=0))
    assert isinstance(chunk, AudioChunk)
    assert (chunk.pcm, chunk.sample_rate, chunk.timestamp) == (bytes(320), 8000, 0.02)
    assert demuxer.push(InterleavedFrame(3, b"\x80\xc9\x00\x01" + bytes(4))) == []


def test_loss_counters_and_bad_rtp() -> None:
    demuxer = MediaDemuxer(video=True, audio=False)
    unit = annexb([bytes([0x65]) + bytes(3000)])
    payloads = packetize(unit, 1000)
    for n, payload in enumerate(payloads):
        if n != 1:
            marker = n == len(payloads) - 1
            demuxer.push(InterleavedFrame(0, format_rtp(96, marker, n, 0, 9, payload)))
    assert (demuxer.lost_packets, demuxer.dropped_units) == (1, 1)
    with pytest.raises(ProtocolError):
        demuxer.push(InterleavedFrame(0, b"\x00" * 20))


def test_receiver_reports_per_source() -> None:
    demuxer = MediaDemuxer(video=True, audio=True)
    assert demuxer.receiver_reports() == b""
    demuxer.push(frame(0, 0, 0, SLICE))
    demuxer.push(frame(2, 0, 0, b"\xff", pt=0))
    reports = demuxer.receiver_reports()
    assert reports[:2] == b"$\x01"
    second = reports.index(b"$\x03")
    assert is_rtcp(reports[4:second]) and is_rtcp(reports[second + 4 :])
