"""The RTSP session without a socket: bytes and times in, requests and events out.

The camera's side comes from the simulator's encoders; the vendor document's
exchange (admin/admin, nonce 30507280) is replayed byte for byte.
"""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import AudioChunk, VideoFrame
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from custom_components.ipcam.protocols.grandstream.rtp import format_interleaved
from custom_components.ipcam.protocols.grandstream.rtsp_session import (
    MAX_SKIPPED_BEFORE_REPLY,
    MAX_UNPRODUCTIVE,
    RR_INTERVAL,
    Described,
    Ready,
    RtspSession,
    RtspState,
)
from custom_components.ipcam.protocols.grandstream.sdp import VideoFormat
from simulator.grandstream.media_wire import format_rtp, packetize
from simulator.grandstream.rtsp_wire import format_response
from simulator.media import video_cycle

from .session_driver import Driver
from .vectors import VENDOR_401, VENDOR_SDP

URL = "rtsp://192.168.86.232:554/0"
SERVER = ("Server", "GrandStream Rtsp Server V100R001")
CHALLENGE = ("WWW-Authenticate", 'Digest realm="Surveillance Server", nonce="30507280"')
AUTH = (
    'Authorization: Digest username="admin", realm="Surveillance Server", nonce="30507280", '
    'uri="rtsp://192.168.86.232:554/0", response="{}"\r\n'
)
DESCRIBE_200 = format_response(
    200,
    2,
    [("Server", "GrandStream Rtsp Server 704*480*30*1024"), ("Content-Type", "application/sdp")],
    VENDOR_SDP,
    cseq_name="Cseq",
    cseq_suffix=" ",
    length_name="Content-length",
)


def setup_200(cseq: int, interleaved: str = "0-1", session: str = "09682642;timeout=120") -> bytes:
    transport = ("Transport", f"RTP/AVP/TCP;unicast;interleaved={interleaved}")
    return format_response(200, cseq, [SERVER, ("Session", session), transport])


def session(**purpose: bool) -> RtspSession:
    return RtspSession(URL, "admin", "admin", reply_timeout=10.0, **purpose)


def described(driver: Driver) -> None:
    """DESCRIBE, the challenge, DESCRIBE with the answer, the SDP (CSeq 1 and 2)."""
    driver.feed(VENDOR_401)
    driver.feed(DESCRIBE_200)


def ready(driver: Driver, *, audio: bool = False) -> list[object]:
    described(driver)
    events = driver.feed(setup_200(3))
    if audio:
        events += driver.feed(setup_200(4, "2-3"))
    if driver.session.state is RtspState.STARTING:
        events += driver.feed(format_response(200, 5 if audio else 4, [SERVER]))
    driver.sent()
    return events


# --- login -----------------------------------------------------------------------------------


def test_describe_with_the_vendors_digest_exchange() -> None:
    driver = Driver(session())
    assert driver.sent() == (
        b"DESCRIBE rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 1\r\n"
        b"Accept: application/sdp\r\nUser-Agent: ipcam\r\n\r\n"
    )
    assert driver.feed(VENDOR_401) == []
    assert (
        driver.sent()
        == (
            "DESCRIBE rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 2\r\n"
            "Accept: application/sdp\r\n"
            + AUTH.format("5820de362eb72ee848e98105dfc24814")
            + "User-Agent: ipcam\r\n\r\n"
        ).encode()
    )
    (event,) = driver.feed(DESCRIBE_200)
    assert isinstance(event, Described)
    assert event.picture == VideoFormat(704, 480, 30.0)
    assert event.server == "GrandStream Rtsp Server 704*480*30*1024"
    assert [m.media for m in event.sdp.media] == ["video", "audio"]
    # A describe-only session is done: nothing more is sent, no timer is needed.
    assert driver.session.state is RtspState.DESCRIBED
    assert driver.sent() == b""
    assert driver.session.next_deadline() is None


def test_firmware_from_the_server_header() -> None:
    driver = Driver(session())
    driver.feed(VENDOR_401)
    assert driver.session.firmware == "V100R001"


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (VENDOR_401.replace(b"Cseq: 1", b"Cseq: 2"), AuthError),  # the answer was wrong
        (format_response(403, 2), AuthError),
        (format_response(453, 2), DeviceBusy),
        (format_response(500, 2), ProtocolError),
        (format_response(200, 2, [], b"<html>hello</html>"), ProtocolError),  # not SDP
    ],
)
def test_login_failures(reply: bytes, error: type[CameraError]) -> None:
    driver = Driver(session())
    driver.feed(VENDOR_401)
    with pytest.raises(error):
        driver.feed(reply)


@pytest.mark.parametrize(
    "challenge",
    [
        ("WWW-Authenticate", 'Basic realm="x"'),
        ("WWW-Authenticate", "Digest realm=,nonce=\x00"),  # issue 13: a control character
        ("X-Other", "1"),
    ],
)
def test_a_challenge_that_cannot_be_answered(challenge: tuple[str, str]) -> None:
    driver = Driver(session())
    with pytest.raises(ProtocolError):
        driver.feed(format_response(401, 1, [challenge]))


def test_a_camera_without_authentication() -> None:
    driver = Driver(session())
    driver.sent()
    (event,) = driver.feed(DESCRIBE_200.replace(b"Cseq: 2", b"Cseq: 1"))
    assert isinstance(event, Described)


def test_addresses_and_names_that_cannot_be_sent() -> None:
    with pytest.raises(InvalidValue):
        RtspSession("rtsp://bad host:554/0", "admin", "admin")
    driver = Driver(RtspSession(URL, "ad\nmin", "x"))
    with pytest.raises(InvalidValue):
        driver.feed(VENDOR_401)


# --- set-up and play -----------------------------------------------------------------------


def test_setup_and_play_with_the_vendors_requests() -> None:
    driver = Driver(session(video=True, audio=True, play=True))
    described(driver)
    driver.sent()
    driver.feed(b"")
    assert driver.session.state is RtspState.SETTING_UP
    driver.feed(setup_200(3))
    driver.feed(setup_200(4, "2-3"))
    setups = driver.sent()
    assert setups.startswith(b"SETUP rtsp://192.168.86.232:554/0/trackID=1 RTSP/1.0\r\nCSeq: 4\r\n")
    assert b"Transport: RTP/AVP/TCP;unicast;interleaved=2-3\r\nSession: 09682642\r\n" in setups
    assert AUTH.format("3f215bf93e81b5d1e1f7beb83d038dac").encode() in setups
    assert setups.endswith(
        (
            "PLAY rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 5\r\nSession: 09682642\r\n"
            + AUTH.format("b8244f6ce442e20f3131919dfa51f4e1")
            + "User-Agent: ipcam\r\n\r\n"
        ).encode()
    )
    (event,) = driver.feed(format_response(200, 5, [SERVER, ("Session", "09682642;timeout=120")]))
    assert event == Ready("09682642", 120.0, True)
    assert driver.session.state is RtspState.READY


def test_first_setup_request() -> None:
    driver = Driver(session(video=True))
    described(driver)
    assert driver.sent().endswith(
        (
            "SETUP rtsp://192.168.86.232:554/0/trackID=0 RTSP/1.0\r\nCSeq: 3\r\n"
            "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
            + AUTH.format("3f215bf93e81b5d1e1f7beb83d038dac")
            + "User-Agent: ipcam\r\n\r\n"
        ).encode()
    )
    (event,) = driver.feed(setup_200(3))
    assert event == Ready("09682642", 120.0, False)  # set up, not playing


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (format_response(200, 3, [SERVER]), ProtocolError),  # no Session
        (setup_200(3, session="a b"), ProtocolError),  # a Session that cannot go back
        (format_response(401, 3), AuthError),
        (format_response(453, 3), DeviceBusy),
        (format_response(461, 3), ProtocolError),
    ],
)
def test_setup_failures(reply: bytes, error: type[CameraError]) -> None:
    driver = Driver(session(video=True))
    described(driver)
    with pytest.raises(error):
        driver.feed(reply)


def test_play_failure() -> None:
    driver = Driver(session(video=True, play=True))
    described(driver)
    driver.feed(setup_200(3))
    with pytest.raises(ProtocolError):
        driver.feed(format_response(455, 4))


@pytest.mark.parametrize(
    ("sdp", "purpose", "error"),
    [
        (b"m=audio 0 RTP/AVP 0\r\n", {"video": True}, NotSupported),
        (b"m=video 0 RTP/AVP 26\r\n", {"video": True}, NotSupported),
        (b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n", {"audio": True}, NotSupported),
        (
            b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:track 0\r\n",
            {"video": True},
            ProtocolError,
        ),
    ],
)
def test_what_the_sdp_does_not_offer(
    sdp: bytes, purpose: dict[str, bool], error: type[CameraError]
) -> None:
    driver = Driver(session(**purpose))
    with pytest.raises(error):
        driver.feed(format_response(200, 1, [], sdp))


# --- reply matching --------------------------------------------------------------------------


def test_replies_are_matched_by_cseq() -> None:
    driver = Driver(session(video=True))
    described(driver)
    driver.sent()
    # A stale reply (an old CSeq) answers nothing; a reply without CSeq answers the request.
    assert driver.feed(format_response(200, 1, [SERVER])) == []
    assert driver.session.state is RtspState.SETTING_UP
    (event,) = driver.feed(setup_200(3).replace(b"CSeq: 3\r\n", b""))
    assert isinstance(event, Ready)


def test_overdue_reply() -> None:
    driver = Driver(session())
    driver.at(109.9)
    with pytest.raises(CannotConnect, match="no reply to DESCRIBE"):
        driver.at(110.0)


def test_each_reply_has_its_own_time() -> None:
    driver = Driver(session(video=True))
    driver.at(109.0)
    driver.feed(VENDOR_401)  # just in time; the second DESCRIBE gets 10 s of its own
    driver.at(118.9)
    driver.feed(DESCRIBE_200)
    driver.at(128.8)
    with pytest.raises(CannotConnect, match="no reply to SETUP"):
        driver.at(129.0)


def test_interleaved_data_instead_of_a_reply() -> None:
    driver = Driver(session())
    frame = format_interleaved(0, bytes(60000))
    with pytest.raises(ProtocolError, match="no reply to DESCRIBE"):
        for _ in range(MAX_SKIPPED_BEFORE_REPLY // len(frame) + 2):
            driver.feed(frame)


# --- keep-alive ------------------------------------------------------------------------------


def test_keepalive_every_half_session_timeout() -> None:
    driver = Driver(session(video=True))
    ready(driver)
    assert driver.session.keepalive_period == 60.0
    driver.at(159.9)
    assert driver.sent() == b""
    driver.at(160.0)
    assert driver.sent() == (
        b"OPTIONS rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 4\r\nSession: 09682642\r\n"
        + AUTH.format("9f2c93f0013f0cd88b2f14eb4777cb4c").encode()
        + b"User-Agent: ipcam\r\n\r\n"
    )
    driver.feed(format_response(200, 4, [SERVER]))
    driver.at(220.0)
    assert driver.sent().startswith(b"OPTIONS ")


def test_short_session_timeouts_and_the_default() -> None:
    driver = Driver(session(video=True))
    described(driver)
    driver.feed(setup_200(3, session="1234;timeout=2"))
    assert driver.session.keepalive_period == 1.0
    other = Driver(session(video=True))
    described(other)
    other.feed(setup_200(3, session="1234"))
    assert other.session.keepalive_period == 30.0  # RFC 2326's 60 s


@pytest.mark.parametrize("cseq", [4, 99])
def test_a_forgotten_session(cseq: int) -> None:
    driver = Driver(session(video=True))
    ready(driver)
    driver.at(160.0)
    with pytest.raises(CannotConnect, match="forgot"):
        driver.feed(format_response(454, cseq))


def test_keepalive_reply_overdue() -> None:
    driver = Driver(session(video=True))
    ready(driver)
    driver.at(169.9)
    with pytest.raises(CannotConnect, match="no reply to OPTIONS"):
        driver.at(170.0)


def test_while_playing_the_keepalive_reply_is_matched_not_awaited() -> None:
    # The media shows the camera is there; a slow consumer may pause reading for long.
    driver = Driver(session(video=True, play=True))
    ready(driver)
    driver.at(160.0)
    assert driver.sent().startswith(b"OPTIONS ")
    driver.at(219.9)  # no reply for a minute: not an error
    driver.at(220.0)
    assert driver.sent().startswith(b"OPTIONS rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 6")
    assert driver.feed(format_response(200, 6)) == []
    with pytest.raises(CannotConnect, match="forgot"):
        driver.feed(format_response(454, 7))


# --- media -----------------------------------------------------------------------------------


def _video_frames(count: int) -> bytes:
    cycle = video_cycle(160, 96, 25, "h264", count=count, gop=count)
    data = b""
    sequence = 0
    for index, unit in enumerate(cycle):
        payloads = packetize(unit.data, 500)
        for n, payload in enumerate(payloads):
            packet = format_rtp(96, n == len(payloads) - 1, sequence, index * 3600, 7, payload)
            data += format_interleaved(0, packet)
            sequence += 1
    return data


def test_media_frames_and_receiver_reports() -> None:
    driver = Driver(session(video=True, audio=True, play=True))
    ready(driver, audio=True)
    events = driver.feed(_video_frames(3))
    assert [type(e) for e in events] == [VideoFrame] * 3
    frames = [e for e in events if isinstance(e, VideoFrame)]
    assert frames[0].keyframe
    assert (frames[0].width, frames[0].height, frames[0].fps) == (704, 480, 30.0)  # the SDP's
    assert [f.timestamp for f in frames] == [0.0, 0.04, 0.08]
    audio = format_interleaved(2, format_rtp(0, False, 1200, 3600, 41030, b"\xff" * 160))
    (chunk,) = driver.feed(audio)
    assert isinstance(chunk, AudioChunk)
    assert chunk.pcm == bytes(320)
    # RTCP from the camera and unknown channels produce nothing.
    assert driver.feed(format_interleaved(1, b"\x80\xc8\x00\x06" + bytes(24))) == []
    assert driver.feed(format_interleaved(4, format_rtp(0, False, 1, 1, 1, b"x"))) == []
    driver.at(100.0 + RR_INTERVAL / 2)
    reports = driver.sent()
    assert reports[:2] == b"$\x01"  # video RR on channel 1
    assert b"$\x03" in reports  # audio RR on channel 3
    driver.at(100.0 + RR_INTERVAL * 1.5)
    assert driver.sent()[:2] == b"$\x01"


def test_a_keepalive_and_a_report_never_share_a_write() -> None:
    driver = Driver(session(video=True, play=True))
    described(driver)
    driver.feed(setup_200(3, session="1234;timeout=5"))  # keep-alive every 2.5 s
    driver.feed(format_response(200, 4))
    driver.feed(_video_frames(1))
    driver.sent()
    driver.at(102.5)  # both due
    assert [w[:1] for w in driver.writes] == [b"O"]
    driver.at(102.7)
    assert [w[:1] for w in driver.writes] == [b"O", b"$"]


def test_media_that_is_not_media() -> None:
    driver = Driver(session(video=True, play=True))
    ready(driver)
    with pytest.raises(ProtocolError):
        driver.feed(format_interleaved(0, bytes(100)))  # not RTP version 2
    driver = Driver(session(video=True, play=True))
    ready(driver)
    rtcp = format_interleaved(1, bytes(60000))
    with pytest.raises(ProtocolError, match="no usable video"):
        for _ in range(MAX_UNPRODUCTIVE // len(rtcp) + 2):
            driver.feed(rtcp)


def test_requests_from_the_camera_are_ignored_but_bounded() -> None:
    driver = Driver(session(video=True))
    ready(driver)
    request = b"ANNOUNCE rtsp://x/0 RTSP/1.0\r\nCSeq: 1\r\n\r\n"
    assert driver.feed(request) == []
    with pytest.raises(ProtocolError):
        driver.feed(request * (MAX_UNPRODUCTIVE // 64 + 1))


# --- garbage and close -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\x00\x01garbage\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
        b"RTSP/1.0 200 OK\r\nX: " + b"a" * 10000,
        b"\r\n" * 10000,
    ],
)
def test_garbage_and_oversized_input(data: bytes) -> None:
    driver = Driver(session())
    with pytest.raises(ProtocolError):
        driver.feed(data)


def test_teardown() -> None:
    driver = Driver(session(video=True))
    ready(driver)
    driver.session.teardown()
    driver.flush()
    assert driver.sent().startswith(
        b"TEARDOWN rtsp://192.168.86.232:554/0 RTSP/1.0\r\nCSeq: 4\r\nSession: 09682642\r\n"
    )
    assert driver.session.state is RtspState.CLOSED
    assert driver.session.next_deadline() is None
    assert driver.feed(b"garbage") == []  # nothing is read any more
    driver.session.teardown()
    driver.flush()
    assert driver.sent() == b""


def test_teardown_before_a_session_sends_nothing() -> None:
    driver = Driver(session())
    driver.sent()
    driver.session.teardown()
    driver.session.start(200.0)  # a closed session does not start again
    driver.flush()
    assert driver.sent() == b""
