"""The 23-byte header and the stream decoder: fragmentation, re-synchronisation, bounds."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import framing as f
from simulator.foscam import wire as sw

from .helpers import header, packet


def test_login_req_is_23_bytes_and_length_is_repeated_at_offset_19() -> None:
    assert len(f.encode_packet(b"MO_O", 0)) == 23
    raw = f.encode_packet(b"MO_O", 2, b"x" * 26)
    assert raw[:4] == b"MO_O"
    assert struct.unpack_from("<H", raw, 4)[0] == 2
    assert raw[6:15] == bytes(9)
    assert struct.unpack_from("<II", raw, 15) == (26, 26)
    with pytest.raises(ValueError):
        f.encode_packet(b"XXXX", 0)
    with pytest.raises(ValueError):
        f.encode_packet(b"MO_O", 70000)


def test_header_with_zero_copy_at_offset_19_is_accepted() -> None:
    """Some clients send 0 at offset 19; only offset 15 counts."""
    raw = header(b"MO_I", 0, 4, copy=0) + b"\x00\x00\x00\x01"
    assert f.decode_header(raw).length_copy == 0
    assert f.split_datagram(raw) == f.Packet(b"MO_I", 0, b"\x00\x00\x00\x01")


def _stream() -> bytes:
    return b"".join(
        (
            packet(b"MO_O", 1, b"\x00\x00" + bytes(25)),
            packet(b"MO_O", 3, b"\x00\x00\x02"),
            packet(b"MO_O", 28, bytes(1152)),
            packet(b"MO_O", 25, b"\x03" + bytes(8)),
            packet(b"MO_V", 1, bytes(13) + b"\xff\xd8" + bytes(300) + b"\xff\xd9"),
            packet(b"MO_V", 2, bytes(177)),
            packet(b"MO_O", 255, b""),
        )
    )


def _parse_in_pieces(data: bytes, cuts: list[int]) -> list[f.Packet]:
    decoder = f.PacketDecoder()
    out: list[f.Packet] = []
    previous = 0
    for cut in [*cuts, len(data)]:
        out.extend(decoder.feed(data[previous:cut]))
        previous = cut
    assert decoder.buffered == 0
    return out


def test_fragmentation_at_every_split_point() -> None:
    data = _stream()
    expected = _parse_in_pieces(data, [])
    assert [p.op for p in expected] == [1, 3, 28, 25, 1, 2, 255]
    for split in range(1, len(data)):
        assert _parse_in_pieces(data, [split]) == expected, split


def test_fragmentation_byte_by_byte_and_two_splits() -> None:
    data = _stream()
    expected = _parse_in_pieces(data, [])
    assert _parse_in_pieces(data, list(range(1, len(data)))) == expected
    for first in range(1, 60, 7):
        for second in range(first + 1, len(data), 97):
            assert _parse_in_pieces(data, [first, second]) == expected


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\x01garbage", b"MO", b"MO_", b"MO_X" * 3, b"HTTP/1.1 200 OK\r\n", b"M" * 100],
)
def test_resync_on_garbage(garbage: bytes) -> None:
    one = packet(b"MO_O", 25, b"\x01" + bytes(8))
    two = packet(b"MO_O", 255, b"")
    decoder = f.PacketDecoder()
    assert [p.op for p in decoder.feed(garbage + one + garbage + two + garbage)] == [25, 255]
    assert decoder.discarded >= 2 * len(garbage) - 3
    # the trailing garbage is discarded, except a possible magic prefix
    assert decoder.buffered <= 3


def test_resync_garbage_split_across_feeds() -> None:
    decoder = f.PacketDecoder()
    raw = packet(b"MO_O", 255, b"")
    packets: list[f.Packet] = []
    for chunk in (b"xxM", b"O", b"_", raw[3:]):
        packets = decoder.feed(chunk)
    assert packets == [f.Packet(b"MO_O", 255, b"")]


def test_garbage_alone_does_not_grow_the_buffer() -> None:
    decoder = f.PacketDecoder()
    for _ in range(100):
        assert decoder.feed(b"\x00" * 10000) == []
    assert decoder.buffered == 0
    assert decoder.discarded == 1_000_000


def test_endless_garbage_is_refused() -> None:
    decoder = f.PacketDecoder((f.MAGIC_OPERATION,))
    fed = 0
    with pytest.raises(ProtocolError):
        while fed < 10 * 1024 * 1024:
            fed += 4096
            decoder.feed(bytes(4096))
    assert fed <= f.MAX_OPERATION_TEXT + f.HEADER_SIZE + 4096


def test_only_the_accepted_magics_are_parsed() -> None:
    decoder = f.PacketDecoder((f.MAGIC_AV,))
    assert decoder.feed(packet(b"MO_O", 255, b"") + packet(b"MO_V", 255, b"")) == [
        f.Packet(b"MO_V", 255, b"")
    ]


def test_oversize_jpeg_is_refused_from_the_header_alone() -> None:
    decoder = f.PacketDecoder()
    with pytest.raises(ProtocolError, match="exceeds"):
        decoder.feed(header(b"MO_V", 1, 3 * 1024 * 1024))
    assert decoder.buffered == 23  # nothing allocated for the text


def test_oversize_operation_text_and_custom_cap() -> None:
    with pytest.raises(ProtocolError):
        f.PacketDecoder().feed(header(b"MO_O", 17, 0xFFFFFFFF))
    small = f.PacketDecoder(max_text={f.MAGIC_AV: 100})
    with pytest.raises(ProtocolError):
        small.feed(packet(b"MO_V", 1, bytes(200)))
    with pytest.raises(ProtocolError):
        f.split_datagram(header(b"MO_I", 1, 5000) + bytes(5000))


def test_truncated_packets_wait_for_more_bytes() -> None:
    raw = packet(b"MO_V", 1, bytes(513))
    decoder = f.PacketDecoder()
    assert decoder.feed(raw[:-1]) == []
    assert len(decoder.feed(raw[-1:])) == 1
    with pytest.raises(ProtocolError):
        f.split_datagram(raw[:-1])
    with pytest.raises(ProtocolError):
        f.decode_header(raw[:22])


def test_bad_magic_header() -> None:
    with pytest.raises(ProtocolError):
        f.decode_header(b"GET / HTTP/1.1\r\n\r\n" + bytes(10))


def test_garbage_run_restarts_after_each_packet() -> None:
    decoder = f.PacketDecoder((f.MAGIC_OPERATION,))
    keepalive = packet(b"MO_O", 255, b"")
    for _ in range(10):  # 10 x 60 KB of garbage: more than the limit in total
        assert decoder.feed(bytes(60_000) + keepalive) == [f.Packet(b"MO_O", 255, b"")]


def test_simulator_request_decoder_uses_the_same_framing() -> None:
    decoder = sw.RequestDecoder(f.MAGIC_OPERATION)
    assert decoder.feed(b"junk" + packet(b"MO_O", 0, b"")) != []
