"""The MO_V session driven with bytes and times, without a socket."""

from __future__ import annotations

import random

import pytest

from custom_components.ipcam.protocols.errors import CameraError, CannotConnect, ProtocolError
from custom_components.ipcam.protocols.foscam import av
from custom_components.ipcam.protocols.foscam.av_session import AvSession, Media
from simulator.foscam import wire as sw

from .helpers import packet

VIDEO = av.VideoData(1, 2, b"\xff\xd8\xff\xd9")
AUDIO = av.AudioData(4, 5, 6, bytes(160))


def started(**options: float) -> AvSession:
    session = AvSession(0x60251B40, **options)
    session.start(0.0)
    assert sw.RequestDecoder(b"MO_V").feed(session.data_to_send()) == [av.AvLoginReq(0x60251B40)]
    return session


def test_login_then_media_events_without_a_reply() -> None:
    session = started()
    raw = sw.encode(VIDEO) + sw.encode(av.AvKeepAlive()) + sw.encode(AUDIO)
    for offset in range(0, len(raw), 5):
        session.receive_data(raw[offset : offset + 5])
    assert [session.next_event(), session.next_event(), session.next_event()] == [
        VIDEO,
        AUDIO,
        None,
    ]
    assert session.stats == {"frames": 1, "audio_packets": 1, "keepalives": 1}


def test_keepalives_every_interval() -> None:
    session = started(keepalive_interval=10.0, media_timeout=100.0)
    assert session.next_deadline() == 10.0
    session.handle_timer(10.0)
    assert session.data_to_send() == sw.encode(av.AvKeepAlive())
    assert session.next_deadline() == 20.0


def test_expected_media_that_stops_ends_the_connection() -> None:
    session = started(keepalive_interval=100.0, media_timeout=2.0)
    session.expect(Media.VIDEO, True, 0.0)
    assert session.next_deadline() == 1.0  # checked every half media timeout
    for now in (1.0, 2.0, 3.0):
        session.receive_data(sw.encode(VIDEO))
        session.handle_timer(now)
    session.receive_data(sw.encode(av.AvKeepAlive()))  # keep-alives are no video
    session.handle_timer(4.0)
    with pytest.raises(CannotConnect, match="no video"):
        session.handle_timer(5.0)
    assert session.closed and session.next_deadline() is None


def test_talk_only_tolerates_silence_up_to_dead_after() -> None:
    session = started(keepalive_interval=10.0, media_timeout=2.0)  # dead_after: 120 s
    session.expect(Media.AUDIO, True, 0.0)
    session.expect(Media.AUDIO, False, 0.0)  # audio stopped: only talk remains
    talk = av.TalkData(40, 1, 0, bytes(160))
    now = 0.0
    while now < 119.0:
        now = session.next_deadline() or 0.0
        session.handle_timer(now)
        session.send(talk)
    assert sw.decode_request_datagram(session.data_to_send()[-200:]) == talk
    with pytest.raises(CannotConnect, match="went silent"):
        while True:
            session.handle_timer(session.next_deadline() or 0.0)
    assert now < 121.0


def test_unknown_flood_garbage_and_close() -> None:
    session = started()
    unknown = packet(b"MO_V", 77, bytes(4))
    session.receive_data(unknown * 1000 + sw.encode(VIDEO) + unknown * 1000)
    with pytest.raises(ProtocolError):
        session.receive_data(unknown * 1001)
    assert session.closed
    session.receive_data(b"ignored")
    session.handle_timer(1e9)
    with pytest.raises(CannotConnect):
        session.send(av.AvKeepAlive())
    with pytest.raises(CannotConnect):
        started().receive_data(b"")


def test_random_bytes_raise_only_camera_errors() -> None:
    rng = random.Random(7)
    valid = [sw.encode(VIDEO), sw.encode(AUDIO), sw.encode(av.AvKeepAlive())]
    for _ in range(300):
        session = started()
        stream = bytearray(b"".join(rng.choice(valid) for _ in range(4)))
        for _ in range(rng.randrange(0, 6)):
            stream[rng.randrange(len(stream))] = rng.randrange(256)
        try:
            session.receive_data(bytes(stream))
            session.handle_timer(rng.uniform(0, 50))
        except CameraError:
            pass
