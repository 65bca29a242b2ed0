"""DVRIP stills: the 1561 reply collector and the key frame decoded when there is no OPSNAP."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.dvrip.snapshot import (
    MAX_SNAPSHOT,
    SnapshotCollector,
)
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.dvrip.frames import encode_info_frame, encode_picture

JPEG = b"\xff\xd8\xff\xdb" + bytes(5000) + b"\xff\xd9"


def _feed(collector: SnapshotCollector, data: bytes, size: int = 1024) -> list[bytes | None]:
    return [collector.feed(data[i : i + size]) for i in range(0, len(data), size)]


def test_raw_jpeg_over_packets_with_trailing_nuls() -> None:
    results = _feed(SnapshotCollector(), JPEG + b"\x00\x00")
    assert results[:-1] == [None] * (len(results) - 1)
    assert results[-1] == JPEG + b"\x00\x00"


def test_picture_frame_among_other_frames() -> None:
    data = encode_info_frame(b"GPS") + encode_picture(JPEG, 640, 480)
    results = _feed(SnapshotCollector(), data)
    assert results[-1] == JPEG


def test_json_refusal() -> None:
    collector = SnapshotCollector()
    assert collector.feed(b' { "Name" : "OPSNAP", "Ret" : 607 }\n\x00') == b""
    assert collector.ret == 607
    odd = SnapshotCollector()
    assert odd.feed(b'{"Ret": "x"}') == b""
    assert odd.ret == -1


@pytest.mark.parametrize("data", [b"GIF89a", b"\x00\x00\x01\xfb" + bytes(12), b"{not json"])
def test_not_a_picture(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        SnapshotCollector().feed(data)


def test_bounds() -> None:
    collector = SnapshotCollector()
    collector.feed(b"\xff\xd8")
    with pytest.raises(ProtocolError, match="too large"):
        collector.feed(bytes(MAX_SNAPSHOT))
    frames = SnapshotCollector()
    frames.feed(encode_info_frame(bytes(60000)))
    with pytest.raises(ProtocolError, match="without a picture"):
        for _ in range(MAX_SNAPSHOT // 60000 + 1):
            frames.feed(encode_info_frame(bytes(60000)))
