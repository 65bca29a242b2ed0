"""Whatever a camera sends, the Grandstream library raises nothing but its typed errors.

Two kinds of input for every decoder and session: valid exchanges mutated by a
seeded random walk (cheap, many), and hypothesis' own random and mutated bytes
(shrinks a failure to a small example). Each property keeps under about 2 s.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custom_components.ipcam.protocols.errors import CameraError, ProtocolError
from custom_components.ipcam.protocols.grandstream.alarms import alarm_event, is_alarm
from custom_components.ipcam.protocols.grandstream.digest import (
    DigestChallenge,
    authorization_header,
    parse_challenge,
)
from custom_components.ipcam.protocols.grandstream.h264 import H264Depacketizer, annexb
from custom_components.ipcam.protocols.grandstream.mctp import (
    MctpParser,
    parse_handshake_reply,
    talk_accepted,
)
from custom_components.ipcam.protocols.grandstream.mctp_session import AlarmSession, TalkSession
from custom_components.ipcam.protocols.grandstream.media import MediaDemuxer
from custom_components.ipcam.protocols.grandstream.rtp import (
    InterleavedFrame,
    format_interleaved,
    parse_rtp,
)
from custom_components.ipcam.protocols.grandstream.rtsp import (
    MAX_BODY,
    RtspReader,
    RtspResponse,
    parse_session,
)
from custom_components.ipcam.protocols.grandstream.rtsp_session import RtspSession
from custom_components.ipcam.protocols.grandstream.sdp import (
    control_url,
    parse_sdp,
    video_format,
)
from custom_components.ipcam.protocols.grandstream.sps import sps_dimensions
from simulator.grandstream.mctp_wire import (
    alarm_message,
    heartbeat_reply,
    keepalive_reply,
    talk_reply,
)
from simulator.grandstream.media_wire import format_rtp, packetize
from simulator.grandstream.rtsp_wire import format_response, parse_authorization

from .vectors import VENDOR_200, VENDOR_401, VENDOR_SDP, VENDOR_SETUP_200

SEEDS = range(300)
URL = "rtsp://192.168.86.232:554/0"
SPS = bytes.fromhex("6742e01eda02c0f440")
FRAME = format_interleaved(0, format_rtp(96, True, 1, 3600, 1, b"\x65" + b"x" * 50))
AUDIO = format_interleaved(2, format_rtp(0, False, 1, 3600, 1, b"\xff" * 160))
RTSP_EXCHANGE = (
    VENDOR_401
    + VENDOR_200
    + VENDOR_SETUP_200
    + format_response(200, 4, [("Session", "09682642;timeout=120")])
    + FRAME
    + AUDIO
    + format_response(454, 5)
)
MCTP_EXCHANGE = (
    heartbeat_reply("09682642", 0, True)
    + heartbeat_reply("FFFFFFFF", -1, False)
    + heartbeat_reply("FFFFFFFF", 0, True)
    + alarm_message("MOTION", True, 1)
    + keepalive_reply()
    + b"CMD:ALARM MCTP/1.0 SC\n@3@INPUT@0@\n"
    + talk_reply(True)
)
PROPERTY = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.4 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.6 and buf:
            del buf[rng.randrange(len(buf)) :]
        elif choice < 0.8:
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = rng.randbytes(rng.randint(1, 16))
        elif buf:
            at = rng.randrange(len(buf))
            del buf[at : at + rng.randint(1, 16)]
    return bytes(buf)


@st.composite
def mutated(draw: st.DrawFn, valid: bytes) -> bytes:
    """``valid`` with a few bytes replaced, removed or inserted by hypothesis."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("replace", "delete", "insert")))
        if action == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 32))]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


def input_for(valid: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=512), mutated(valid))


def chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


def only_camera_errors(action: Callable[[], Any]) -> None:
    try:
        action()
    except CameraError:
        pass


# --- seeded mutations of valid exchanges -------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_rtsp_reader(seed: int) -> None:
    rng = random.Random(seed)
    data = _mutate(rng, VENDOR_401 + VENDOR_200 + FRAME + VENDOR_SETUP_200)
    reader = RtspReader()
    try:
        for start in range(0, len(data), 7):
            reader.feed(data[start : start + 7])
            assert reader.buffered <= 8192 + MAX_BODY + 70000
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_mctp_parser(seed: int) -> None:
    rng = random.Random(seed)
    parser = MctpParser()
    try:
        for message in parser.feed(_mutate(rng, MCTP_EXCHANGE)):
            if is_alarm(message):
                alarm_event(message)
            elif message.verb == "ALIVE":
                parse_handshake_reply(message)
        parser.flush()
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_rtp_and_h264(seed: int) -> None:
    rng = random.Random(seed)
    unit = annexb([SPS, bytes([0x65]) + rng.randbytes(3000)])
    depacketizer = H264Depacketizer()
    for seq, payload in enumerate(packetize(unit, 500)):
        data = format_rtp(96, False, seq, 0, 1, payload)
        if rng.random() < 0.5:
            data = _mutate(rng, data)
        try:
            packet = parse_rtp(data)
        except ProtocolError:
            continue
        depacketizer.push(packet)
    try:
        sps_dimensions(_mutate(rng, SPS))
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_sdp_and_digest_params(seed: int) -> None:
    rng = random.Random(seed)
    try:
        parse_sdp(_mutate(rng, VENDOR_SDP))
    except ProtocolError:
        pass
    header = (
        b'Digest username="admin", realm="Surveillance Server", nonce="30507280", '
        b'uri="rtsp://192.168.86.232:554/0", response="5820de362eb72ee848e98105dfc24814"'
    )
    try:
        parse_authorization(_mutate(rng, header).decode("latin-1"))
    except ProtocolError:
        pass


# --- hypothesis: decoders ----------------------------------------------------------------------


@PROPERTY
@given(
    data=input_for(VENDOR_401 + VENDOR_200 + FRAME + VENDOR_SETUP_200),
    cuts=st.lists(st.integers(0, 2000), max_size=8),
)
def test_rtsp_reader_property(data: bytes, cuts: list[int]) -> None:
    reader = RtspReader()

    def run() -> None:
        for chunk in chunks(data, cuts):
            for event in reader.feed(chunk):
                if isinstance(event, RtspResponse):
                    _ = event.cseq
                    if value := event.headers.get("Session"):
                        parse_session(value)

    only_camera_errors(run)


@PROPERTY
@given(data=input_for(VENDOR_SDP), server=st.text(max_size=40))
def test_sdp_property(data: bytes, server: str) -> None:
    def run() -> None:
        sdp = parse_sdp(data)
        video_format(sdp, server)
        for media in sdp.media:
            _ = (media.encoding, media.clock_rate, media.payload_type, media.fmtp())
            control_url(URL, media.control)

    only_camera_errors(run)


CHALLENGE = b'Digest realm="Surveillance Server", nonce="30507280", opaque="x", algorithm=MD5'


@PROPERTY
@given(data=input_for(CHALLENGE))
def test_digest_challenge_property(data: bytes) -> None:
    """Issue 13: whatever the challenge, answering it raises only typed errors."""
    text = data.decode("latin-1")
    only_camera_errors(
        lambda: authorization_header("admin", "pw", parse_challenge(text), "DESCRIBE", URL)
    )


@PROPERTY
@given(realm=st.text(max_size=20), nonce=st.text(max_size=20), algorithm=st.text(max_size=8))
def test_digest_answer_property(realm: str, nonce: str, algorithm: str) -> None:
    challenge = DigestChallenge(realm, nonce, algorithm=algorithm, opaque=nonce)
    only_camera_errors(lambda: authorization_header("admin", "pw", challenge, "SETUP", URL))


@PROPERTY
@given(
    payloads=st.lists(
        st.one_of(st.binary(max_size=64), mutated(format_rtp(96, True, 1, 0, 1, b"\x7c\x85abc"))),
        max_size=20,
    ),
    channels=st.lists(st.integers(0, 255), min_size=1, max_size=4),
)
def test_media_property(payloads: list[bytes], channels: list[int]) -> None:
    demuxer = MediaDemuxer(video=True, audio=True, parameter_sets=[SPS])

    def run() -> None:
        for index, payload in enumerate(payloads):
            demuxer.push(InterleavedFrame(channels[index % len(channels)], payload))
        demuxer.receiver_reports()

    only_camera_errors(run)


@PROPERTY
@given(data=input_for(SPS))
def test_sps_property(data: bytes) -> None:
    only_camera_errors(lambda: sps_dimensions(data))


@PROPERTY
@given(data=input_for(MCTP_EXCHANGE), cuts=st.lists(st.integers(0, 400), max_size=6))
def test_mctp_parser_property(data: bytes, cuts: list[int]) -> None:
    parser = MctpParser()

    def run() -> None:
        messages = [m for chunk in chunks(data, cuts) for m in parser.feed(chunk)]
        last = parser.flush()
        for message in [*messages, *([last] if last else [])]:
            _ = (message.fields, message.raw)
            if is_alarm(message):
                alarm_event(message)
            elif message.verb == "TALK":
                talk_accepted(message)
            else:
                parse_handshake_reply(message)

    only_camera_errors(run)


# --- hypothesis: sessions ----------------------------------------------------------------------


def drive(session: Any, data: bytes, cuts: list[int], steps: list[float]) -> None:
    """Feed ``data`` in pieces with the clock moving by ``steps``, as SessionLink would."""
    now = 100.0
    session.start(now)
    session.data_to_send()
    pieces = chunks(data, cuts)
    for index, piece in enumerate(pieces):
        session.receive_data(piece)
        while session.next_event() is not None:
            pass
        session.data_to_send()
        now += steps[index % len(steps)] if steps else 0.0
        deadline = session.next_deadline()
        if deadline is not None and deadline <= now:
            session.handle_timer(now)
            session.data_to_send()


CUTS = st.lists(st.integers(0, 3000), max_size=8)  # where the bytes are split into reads
STEPS = st.lists(st.floats(0.0, 70.0), max_size=4)  # how far the clock moves between reads


@PROPERTY
@given(data=input_for(RTSP_EXCHANGE), cuts=CUTS, steps=STEPS, play=st.booleans())
def test_rtsp_session_property(
    data: bytes, cuts: list[int], steps: list[float], play: bool
) -> None:
    session = RtspSession(URL, "admin", "admin", video=True, audio=play, play=play)
    only_camera_errors(lambda: drive(session, data, cuts, steps))
    session.teardown()
    session.data_to_send()


@PROPERTY
@given(data=input_for(MCTP_EXCHANGE), cuts=CUTS, steps=STEPS)
def test_alarm_session_property(data: bytes, cuts: list[int], steps: list[float]) -> None:
    session = AlarmSession("09682642", 0, keepalive_interval=5.0, reply_timeout=10.0)
    only_camera_errors(lambda: drive(session, data, cuts, steps))


@PROPERTY
@given(data=input_for(talk_reply(True) + b"\x00\x01"), cuts=CUTS, steps=STEPS)
def test_talk_session_property(data: bytes, cuts: list[int], steps: list[float]) -> None:
    session = TalkSession(reply_timeout=10.0)

    def run() -> None:
        drive(session, data, cuts, steps)
        session.send_audio(bytes(160))

    only_camera_errors(run)
