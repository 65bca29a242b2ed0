"""Throughput of the sans-I/O wire code (MB/s of input, one core, pure Python).

Each parser is fed a realistic byte stream cut into 1400-byte pieces (a TCP
segment), the worst common case for buffering code:

- IPCamCGI MJPEG multipart stream (640x480 JPEGs, with the `--video boundary--` quirk)
- Foscam MO_V Video_Data frames
- DVRIP media frames (H.264 640x480) split over 8 KiB DVRIP packets
- RTP/H.264 FU-A depacketisation (1 KB fragments, as Grandstream sends)
- the MPEG-TS muxer (output MB/s)

Run: ``.venv/bin/python benchmarks/parsers.py``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ipcam.protocols.mpegts import TsMuxer
from simulator.media import jpeg_cycle, video_cycle

SEGMENT = 1400


def measure(
    name: str, data: bytes, make_feed: Callable[[], Callable[[bytes], int]], repeat: int = 5
) -> None:
    """Best of ``repeat`` runs, each with a fresh parser."""
    best = float("inf")
    frames = 0
    for _ in range(repeat):
        feed = make_feed()
        start = time.perf_counter()
        frames = 0
        for offset in range(0, len(data), SEGMENT):
            frames += feed(data[offset : offset + SEGMENT])
        best = min(best, time.perf_counter() - start)
    print(f"| {name} | {len(data) / best / 1e6:.0f} | {frames / best:.0f} |")


def mjpeg() -> None:
    from custom_components.ipcam.protocols.cgi.mjpeg import MjpegParser

    frames = jpeg_cycle(640, 480)
    stream = b"".join(
        b"--video boundary--\r\nContent-length: %d\r\n"
        b"Date: 2026-11-22 00:00:00 IO_00000000_PT_170_067\r\n"
        b"Content-type: image/jpeg\r\n\r\n" % len(f) + f + b"\r\n"
        for f in frames * 4
    )

    def make_feed() -> Callable[[bytes], int]:
        parser = MjpegParser()
        return lambda chunk: len(parser.feed(chunk))

    measure("IPCamCGI MJPEG", stream, make_feed)


def foscam() -> None:
    from custom_components.ipcam.protocols.foscam.av import VideoData
    from custom_components.ipcam.protocols.foscam.framing import PacketDecoder
    from simulator.foscam.wire import encode

    frames = jpeg_cycle(640, 480)
    stream = b"".join(
        encode(VideoData(tick=i, unix_time=i, jpeg=f)) for i, f in enumerate(frames * 4)
    )

    def make_feed() -> Callable[[bytes], int]:
        decoder = PacketDecoder()
        return lambda chunk: len(decoder.feed(chunk))

    measure("Foscam MO_V video", stream, make_feed)


def dvrip() -> None:
    from custom_components.ipcam.protocols.dvrip import media, wire

    units = video_cycle(640, 480, 25, "h264")
    encoded = b"".join(
        media.encode_video_frame("h264", u.data, keyframe=u.keyframe, width=640, height=480)
        for u in units * 4
    )
    packets = b"".join(
        wire.encode_packet(wire.MsgId.MONITOR_DATA, encoded[o : o + 8192], session=1, sequence=i)
        for i, o in enumerate(range(0, len(encoded), 8192))
    )

    def make_feed() -> Callable[[bytes], int]:
        decoder = wire.PacketDecoder()
        demuxer = media.MediaDemuxer()

        def feed(chunk: bytes) -> int:
            count = 0
            for packet in decoder.feed(chunk):
                count += len(demuxer.feed(packet.payload))
            return count

        return feed

    measure("DVRIP packets + media frames", packets, make_feed)


def rtp() -> None:
    from custom_components.ipcam.protocols.grandstream import h264, rtp, rtsp
    from simulator.grandstream.media_wire import format_rtp, packetize

    units = video_cycle(640, 480, 25, "h264")
    packets = bytearray()
    sequence = 0
    for i, unit in enumerate(units * 4):
        fragments = packetize(unit.data, max_payload=1024)
        for n, payload in enumerate(fragments):
            marker = n == len(fragments) - 1
            packet = format_rtp(96, marker, sequence, i * 3600, 1, payload)
            packets += rtp.format_interleaved(0, packet)
            sequence += 1

    def make_feed() -> Callable[[bytes], int]:
        reader = rtsp.RtspReader()
        depacketiser = h264.H264Depacketizer()

        def feed(chunk: bytes) -> int:
            count = 0
            for event in reader.feed(chunk):
                if isinstance(event, rtp.InterleavedFrame) and event.channel == 0:
                    count += len(depacketiser.push(rtp.parse_rtp(event.payload)))
            return count

        return feed

    measure("RTP/TCP + H.264 FU-A", bytes(packets), make_feed)


def ts() -> None:
    units = video_cycle(640, 480, 25, "h264") * 4
    muxer = TsMuxer("h264")
    start = time.perf_counter()
    out = sum(len(muxer.mux(u.data, i * 3600, u.keyframe)) for i, u in enumerate(units))
    elapsed = time.perf_counter() - start
    print(f"| MPEG-TS muxer (output) | {out / elapsed / 1e6:.0f} | {len(units) / elapsed:.0f} |")


def main() -> None:
    print("| wire code | MB/s | frames/s |")
    print("|---|---|---|")
    for bench in (mjpeg, foscam, dvrip, rtp, ts):
        try:
            bench()
        except (AttributeError, TypeError, ImportError) as err:
            print(f"| {bench.__name__} | skipped: {err} | |")


if __name__ == "__main__":
    main()
