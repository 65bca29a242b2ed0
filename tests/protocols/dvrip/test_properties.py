"""Property tests: random and mutated-valid input raises nothing but ``CameraError``s.

Every decoder of the DVRIP library and the session, fed what a broken or hostile
camera might send, in any split, at any time.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from custom_components.ipcam.protocols.dvrip.discovery import DiscoveryDecoder
from custom_components.ipcam.protocols.dvrip.live import LiveAudio, LiveMedia, LiveVideo
from custom_components.ipcam.protocols.dvrip.media import MediaDemuxer
from custom_components.ipcam.protocols.dvrip.session import DvripSession
from custom_components.ipcam.protocols.dvrip.snapshot import SnapshotCollector
from custom_components.ipcam.protocols.errors import CameraError
from simulator.dvrip import DvripCamera
from simulator.dvrip.discovery import discovery_reply
from simulator.dvrip.frames import encode_info_frame, encode_picture

from . import seed
from .helpers import events, gop, login_reply, media_packets, ret_reply

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

CONTROL = b"".join(seed.ALL.values())
MEDIA = gop() + encode_info_frame(b"GPS") + encode_picture(b"\xff\xd8" + bytes(50), 64, 48)
CAMERA_STREAM = (
    ret_reply(MsgId.CONFIG_GET_REPLY)
    + media_packets(gop(), size=600)
    + seed.GUARD_REPLY
    + ret_reply(MsgId.KEEPALIVE_REPLY)
    + wire.encode_json(MsgId.ALARM, {"AlarmInfo": {"Event": "VideoMotion"}}, version=1)
)


def mutated(raw: bytes, data: Any) -> bytes:
    out = bytearray(raw)
    for _ in range(data.draw(st.integers(1, 6))):
        out[data.draw(st.integers(0, len(out) - 1))] = data.draw(st.integers(0, 255))
    return bytes(out)


def pieces(raw: bytes, data: Any) -> list[bytes]:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    bounds = [0, *cuts, len(raw)]
    return [raw[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=400), max_size=8), st.booleans())
def test_packet_decoder_random(chunks: list[bytes], head: bool) -> None:
    streams = frozenset({MsgId.MONITOR_DATA})
    decoder = wire.PacketDecoder(max_json=4096, max_binary_packet=4096, stream_ids=streams)
    try:
        for chunk in chunks:
            decoder.feed((b"\xff" if head else b"") + chunk)
            decoder.take_stream()
    except CameraError:
        return
    assert decoder.buffered <= 20 + 4096


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_packet_decoder_mutated(data: Any) -> None:
    decoder = wire.PacketDecoder(max_json=4096)
    try:
        for piece in pieces(mutated(CONTROL + CAMERA_STREAM, data), data):
            decoder.feed(piece)
    except CameraError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([None, frozenset({"video"}), frozenset({"audio", "picture"})]))
def test_media_demuxer(data: Any, kinds: frozenset[str] | None) -> None:
    raw = mutated(MEDIA, data) if data.draw(st.booleans()) else data.draw(st.binary(max_size=300))
    demuxer = MediaDemuxer(max_frame=4096, kinds=kinds)
    try:
        for piece in pieces(raw, data):
            demuxer.feed(piece)
        demuxer.close()
    except CameraError:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_live_streams(data: Any) -> None:
    raw = mutated(MEDIA * 2, data)
    for live in (LiveVideo(max_skipped=4096), LiveAudio(), LiveMedia(max_skipped=4096)):
        try:
            for piece in pieces(raw, data):
                live.feed([memoryview(piece)])
        except CameraError:
            pass


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_snapshot_collector(data: Any) -> None:
    picture = encode_picture(b"\xff\xd8" + bytes(100) + b"\xff\xd9", 64, 48)
    raw = mutated(data.draw(st.sampled_from([picture, b'{"Ret": 607}\n\x00'])), data)
    collector = SnapshotCollector()
    try:
        for piece in pieces(raw, data):
            if piece and collector.feed(piece) is not None:
                break
    except CameraError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_discovery_decoder(data: Any) -> None:
    camera = DvripCamera()
    raw = mutated(discovery_reply(camera), data) if data.draw(st.booleans()) else b""
    raw = raw or data.draw(st.binary(max_size=200))
    try:
        (device,) = DiscoveryDecoder().feed(raw)
    except CameraError:
        return
    assert 0 < device.port < 65536


@settings(max_examples=200, deadline=None)
@given(st.data(), st.sampled_from([None, "video", "audio"]))
def test_session(data: Any, media: Any) -> None:
    """Bytes in any split, timers at any time, requests in between: only typed errors."""
    session = DvripSession("admin", "pw", 5.0, media)
    session.start(0.0)
    now = 0.0
    stream = login_reply() + (CAMERA_STREAM if data.draw(st.booleans()) else b"")
    raw = mutated(stream, data) if data.draw(st.booleans()) else stream
    raw += data.draw(st.binary(max_size=200))
    try:
        for piece in pieces(raw, data):
            session.receive_data(piece)
            now += data.draw(st.floats(0, 30))
            session.handle_timer(now)
            events(session)
            session.data_to_send()
            if data.draw(st.booleans()):
                session.request(MsgId.CONFIG_GET, "General.General", now=now, optional=True)
        session.receive_data(b"")
        events(session)
    except CameraError:
        pass
