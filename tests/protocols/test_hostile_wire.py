"""Sans-I/O parsers against endless nonsense: they must raise, not read forever.

The socket-level counterparts are in tests/hostile/ (a family, operation and case matrix).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from custom_components.ipcam.protocols.cgi.mjpeg import MjpegParser
from custom_components.ipcam.protocols.dvrip import wire as dvrip
from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import framing as foscam
from custom_components.ipcam.protocols.grandstream.rtsp import MAX_HEADER_BYTES, RtspReader
from simulator.cgi.answers import format_part

JPEG = b"\xff\xd8\xff\xe0" + bytes(100) + b"\xff\xd9"


def bytes_until_error(step: Callable[[bytes], object], block: bytes, limit: int) -> int:
    """Give ``step`` ``block`` after block until ProtocolError; return the bytes it took."""
    fed = 0
    with pytest.raises(ProtocolError):
        while fed < limit:
            fed += len(block)
            step(block)
    return fed


# --- IPCamCGI MJPEG ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "block"),
    [
        (b"", b"\r\n" * 512),
        (b"", b"--video boundary--\r\n" * 64),
        (b"--video boundary--\r\n", b"X-A: 1\r\n--video boundary--\r\n" * 64),
        (b"--video boundary--\r\nContent-length: 106\r\n\r\n", b"\r\n" * 512),
    ],
    ids=["blank_lines", "boundaries", "headers_and_boundaries", "blank_lines_in_body"],
)
def test_mjpeg_gives_up_on_endless_filler(prefix: bytes, block: bytes) -> None:
    parser = MjpegParser(max_frame=64 * 1024)
    parser.feed(prefix)
    fed = bytes_until_error(parser.feed, block, 10 * 1024 * 1024)
    assert fed <= 64 * 1024 + len(block)


def test_mjpeg_filler_between_frames_is_forgiven_after_each_frame() -> None:
    parser = MjpegParser(max_frame=64 * 1024)
    frames = 0
    for _ in range(10):  # 10 x 40 KB of blank lines: more than max_frame in total
        frames += len(parser.feed(b"\r\n" * 20_000 + format_part(JPEG)))
    assert frames == 10


# --- Foscam ------------------------------------------------------------------------------------


def test_foscam_parser_gives_up_on_endless_garbage() -> None:
    parser = foscam.PacketDecoder((foscam.MAGIC_OPERATION,))

    def step(data: bytes) -> None:
        parser.feed(data)

    fed = bytes_until_error(step, bytes(4096), 100 * 1024 * 1024)
    assert fed <= foscam.MAX_OPERATION_TEXT + foscam.HEADER_SIZE + 4096
    assert parser.buffered < 4096


def test_foscam_garbage_run_restarts_after_each_packet() -> None:
    parser = foscam.PacketDecoder((foscam.MAGIC_OPERATION,))
    keepalive = foscam.encode_packet(foscam.MAGIC_OPERATION, 255)
    for _ in range(10):  # 10 x 60 KB of garbage: more than the limit in total
        assert parser.feed(bytes(60_000) + keepalive) == [foscam.Packet(b"MO_O", 255, b"")]


# --- DVRIP -------------------------------------------------------------------------------------


def first_of_two(msg_id: int, size: int = 200_000) -> bytes:
    payload = b" " * size
    header = dvrip.Header(msg_id, len(payload), total=2, current=0)
    return header.pack() + payload


def test_dvrip_half_sent_messages_are_bounded_together() -> None:
    decoder = dvrip.PacketDecoder()
    ids = iter(range(2000, 60000))
    fed = bytes_until_error(lambda _: decoder.feed(first_of_two(next(ids))), b"x" * 200_020, 10**9)
    assert fed <= dvrip.MAX_JSON_PAYLOAD + 200_020


def test_dvrip_one_multi_packet_message_still_decodes() -> None:
    decoder = dvrip.PacketDecoder()
    body = {"Name": "x", "Ret": 100, "Data": "a" * 50_000}
    messages = decoder.feed(dvrip.encode_json(1001, body))
    assert len(messages) == 1
    assert isinstance(messages[0], dvrip.JsonMessage)
    assert messages[0].body == body


# --- Grandstream RTSP --------------------------------------------------------------------------


def test_rtsp_reader_gives_up_on_endless_empty_lines() -> None:
    reader = RtspReader()

    def step(data: bytes) -> None:
        reader.feed(data)

    fed = bytes_until_error(step, b"\r\n" * 256, 10 * 1024 * 1024)
    assert fed <= MAX_HEADER_BYTES + 512


def test_rtsp_reader_forgives_some_empty_lines_between_messages() -> None:
    reader = RtspReader()
    for _ in range(10):  # 10 x 4 KB of line ends: more than the limit in total
        assert len(reader.feed(b"\r\n" * 2000 + b"RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n")) == 1
