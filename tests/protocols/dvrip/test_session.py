"""The DVRIP session driven with bytes and times, without a socket."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.base import CameraEvent, EventKind
from custom_components.ipcam.protocols.dvrip import live, wire
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from custom_components.ipcam.protocols.dvrip.session import (
    Alarm,
    AudioChunks,
    DvripSession,
    LoggedIn,
    Reply,
    State,
    VideoFrames,
)
from custom_components.ipcam.protocols.errors import (
    AccountLocked,
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from simulator.dvrip.frames import encode_audio_frame, encode_picture

from . import seed
from .helpers import (
    IDR,
    P_FRAME,
    SESSION,
    SESSION_HEX,
    events,
    gop,
    logged_in,
    login_reply,
    media_packets,
    reply,
    ret_reply,
    sent,
)

JPEG = b"\xff\xd8\xff\xe0" + bytes(3000) + b"\xff\xd9"


# --- login ---------------------------------------------------------------------------------------


def test_login_sequence() -> None:
    session = DvripSession("admin", "", 5.0)
    assert session.state is State.IDLE
    assert session.next_deadline() is None
    session.start(100.0)
    # Byte for byte the vendor capture's login (empty password, sequence 0, session 0)
    # except for the NUL the capture's client leaves out.
    assert session.data_to_send() == seed.LOGIN_REQUEST[:16] + b"\x65\x00\x00\x00" + (
        seed.LOGIN_REQUEST[20:] + b"\x00"
    )
    assert session.state is State.LOGIN_SENT
    assert session.next_deadline() == 105.0
    answer = login_reply()
    for piece in (answer[:7], answer[7:25], answer[25:]):  # fragmented, as TCP may deliver it
        session.receive_data(piece)
    (event,) = events(session)
    assert isinstance(event, LoggedIn)
    assert (event.login.alive_interval, event.login.device_type) == (20, "IPC")
    assert session.state is State.READY
    assert session.session_id == SESSION
    assert session.alive_interval == 20
    assert session.next_deadline() == 120.0  # the first keep-alive
    with pytest.raises(ProtocolError):
        session.start(101.0)


def test_seed_login_reply_is_accepted() -> None:
    session = DvripSession("admin", "")
    session.start(0.0)
    session.receive_data(seed.LOGIN_REPLY)
    assert isinstance(events(session)[0], LoggedIn)
    assert session.session_id == 1


def test_session_id_from_the_header_when_the_body_has_none() -> None:
    session = DvripSession("admin", "pw")
    session.start(0.0)
    body = {"Ret": 100, "AliveInterval": 0}
    session.receive_data(reply(MsgId.LOGIN_REPLY, body, session=0x42))
    events(session)
    assert session.session_id == 0x42
    assert session.alive_interval == 20  # 0 is no interval: the usual one


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (login_reply(203), AuthError),
        (login_reply(106), AuthError),
        (login_reply(205), AccountLocked),
        (login_reply(104), DeviceBusy),
        (login_reply(207), DeviceBusy),
        (login_reply(212), DeviceBusy),
        (login_reply(101), ProtocolError),
        (reply(MsgId.LOGIN_REPLY, {"Name": "x"}), ProtocolError),  # no Ret
        (login_reply(SessionID="0xZZ"), ProtocolError),
        (reply(MsgId.LOGIN_REPLY, {"Ret": True}), ProtocolError),
    ],
)
def test_login_refusals(answer: bytes, error: type[CameraError]) -> None:
    session = DvripSession("admin", "pw")
    session.start(0.0)
    session.receive_data(answer)
    with pytest.raises(error) as info:
        session.next_event()
    assert "pw" not in str(info.value)
    if error is AuthError:
        assert not isinstance(info.value, AccountLocked)
    assert session.state is State.CLOSED
    assert session.next_deadline() is None
    assert session.error is info.value
    session.receive_data(login_reply())  # ignored once closed
    session.handle_timer(100.0)
    with pytest.raises(error):
        session.next_event()


def test_login_times_out() -> None:
    session = DvripSession("admin", "pw", 2.0)
    session.start(5.0)
    session.handle_timer(6.9)
    assert session.next_event() is None
    session.handle_timer(7.0)
    with pytest.raises(CannotConnect, match="login"):
        session.next_event()


@pytest.mark.parametrize("media", [None, "video"])
def test_messages_before_the_login_reply_are_ignored(media: Any) -> None:
    session = DvripSession("admin", "pw", 10.0, media)
    session.start(0.0)
    alarm = reply(MsgId.ALARM, {"AlarmInfo": {"Event": "VideoMotion"}, "Name": "AlarmInfo"})
    session.receive_data(alarm + media_packets(gop()))
    session.receive_data(login_reply())
    assert [type(event) for event in events(session)] == [LoggedIn]
    session.receive_data(media_packets(gop())[:200])  # not one frame complete yet
    assert events(session) == []


@pytest.mark.parametrize("call", ["request", "send", "send_binary"])
def test_nothing_but_the_login_before_it_succeeds(call: str) -> None:
    session = DvripSession("admin", "pw")
    session.start(0.0)
    with pytest.raises(CannotConnect, match="not logged in"):
        if call == "request":
            session.request(MsgId.SYSINFO, "SystemInfo", now=0.0)
        elif call == "send":
            session.send(MsgId.GUARD, "")
        else:
            session.send_binary(MsgId.TALK_DATA, b"x")


# --- requests and replies ------------------------------------------------------------------------


def test_one_request_in_flight_replies_matched_by_id() -> None:
    session = logged_in(alive=60)
    first = session.request(MsgId.CONFIG_GET, "Alarm.AlarmOut", now=1.0)
    second = session.request(MsgId.SYSINFO, "SystemInfo", now=1.5)
    (packet,) = sent(session)  # the second waits for the first's reply
    assert isinstance(packet, wire.JsonMessage)
    assert (packet.msg_id, packet.session, packet.body) == (
        MsgId.CONFIG_GET,
        SESSION,
        {"Name": "Alarm.AlarmOut", "SessionID": SESSION_HEX},
    )
    assert session.next_deadline() == 11.0
    # Neither the second's reply nor anything else answers the first.
    session.receive_data(ret_reply(MsgId.SYSINFO_REPLY) + ret_reply(MsgId.CONFIG_SET_REPLY))
    assert events(session) == []
    assert sent(session) == []
    session.receive_data(ret_reply(MsgId.CONFIG_GET_REPLY, **{"Alarm.AlarmOut": []}))
    (answer,) = events(session)
    assert isinstance(answer, Reply)
    assert answer.token == first
    assert answer.message is not None
    assert answer.message.body["Alarm.AlarmOut"] == []
    (next_packet,) = sent(session)
    assert next_packet.msg_id == MsgId.SYSINFO
    # The second was queued at 1.5 behind a request due at 11: its reply is due by 21.
    assert session.next_deadline() == 21.0
    session.receive_data(ret_reply(MsgId.SYSINFO_REPLY))
    (answer,) = events(session)
    assert isinstance(answer, Reply)
    assert answer.token == second


def test_sequence_numbers_count_every_packet() -> None:
    session = logged_in()
    session.request(MsgId.SYSINFO, "SystemInfo", now=1.0)
    session.send(MsgId.GUARD, "")
    session.send_binary(MsgId.TALK_DATA, b"abc", channel=2)
    packets = wire.PacketDecoder().feed(session.data_to_send())
    assert [p.sequence for p in packets] == [1, 2, 3]  # the login was 0
    talk = packets[2]
    assert isinstance(talk, wire.BinaryMessage)
    assert (talk.payload, talk.channel, talk.session) == (b"abc", 2, SESSION)


def test_overdue_reply_ends_the_connection() -> None:
    session = logged_in()
    session.request(MsgId.CONFIG_GET, "General.General", now=3.0)
    session.handle_timer(12.9)
    assert session.next_event() is None
    session.handle_timer(13.0)
    with pytest.raises(CannotConnect, match="1042"):
        session.next_event()
    # A late reply cannot answer the next request: the session is gone.
    session.receive_data(ret_reply(MsgId.CONFIG_GET_REPLY))
    with pytest.raises(CannotConnect, match="connection is closed"):
        session.request(MsgId.SYSINFO, "SystemInfo", now=14.0)


@pytest.mark.parametrize(("msg_id", "wait"), [(MsgId.PTZ, 2.0), (MsgId.SYSMANAGER, 5.0)])
def test_optional_request_unanswered_is_a_reply_without_message(msg_id: int, wait: float) -> None:
    session = logged_in()
    token = session.request(msg_id, "x", {"a": 1}, now=1.0, optional=True)
    queued = session.request(MsgId.SYSINFO, "SystemInfo", now=1.0)
    sent(session)
    assert session.next_deadline() == 1.0 + wait
    session.handle_timer(1.0 + wait)
    assert events(session) == [Reply(token, None)]
    assert [p.msg_id for p in sent(session)] == [MsgId.SYSINFO]
    session.receive_data(ret_reply(MsgId.SYSINFO_REPLY))
    (answer,) = events(session)
    assert isinstance(answer, Reply)
    assert answer.token == queued


def test_optional_request_answered() -> None:
    session = logged_in()
    token = session.request(MsgId.PTZ, "OPPTZControl", now=1.0, optional=True)
    session.receive_data(ret_reply(MsgId.PTZ_REPLY, 103))
    (answer,) = events(session)
    assert isinstance(answer, Reply)
    assert answer.token == token
    with pytest.raises(InvalidValue):
        answer.check_optional("PTZ")


@pytest.mark.parametrize(
    ("ret", "error"),
    [
        (607, NotSupported),
        (205, AccountLocked),
        (105, AuthError),
        (107, AuthError),
        (203, AuthError),
        (503, DeviceBusy),
        (608, InvalidValue),
        (117, InvalidValue),
        (101, ProtocolError),
        (None, ProtocolError),
    ],
)
def test_reply_check_maps_ret_to_typed_errors(ret: int | None, error: type[CameraError]) -> None:
    body = {"Ret": ret} if ret is not None else {}
    answer = Reply(1, wire.JsonMessage(MsgId.CONFIG_GET_REPLY, body))
    with pytest.raises(error):
        answer.check("x")
    with pytest.raises(ProtocolError):
        Reply(1, None).check("x")
    Reply(1, None).check_optional("x")
    assert Reply(1, wire.JsonMessage(1043, {"Ret": 515})).check("x").ret == 515


# --- keep-alive and liveness ---------------------------------------------------------------------


def test_keepalive_every_alive_interval() -> None:
    session = logged_in(alive=20)
    session.handle_timer(19.9)
    assert sent(session) == []
    session.handle_timer(20.0)
    (keepalive,) = sent(session)
    assert isinstance(keepalive, wire.JsonMessage)
    assert (keepalive.msg_id, keepalive.body) == (
        MsgId.KEEPALIVE,
        {"Name": "KeepAlive", "SessionID": SESSION_HEX},
    )
    assert session.next_deadline() == 30.0  # its reply: within min(timeout, interval)
    session.receive_data(ret_reply(MsgId.KEEPALIVE_REPLY, Name="KeepAlive"))
    assert events(session) == []  # keep-alive replies are the session's own business
    assert session.next_deadline() == 40.0


def test_keepalive_waits_behind_a_request() -> None:
    session = logged_in(alive=1, timeout=5.0)
    session.request(MsgId.SYSINFO, "SystemInfo", now=0.5)
    sent(session)
    session.handle_timer(1.0)
    assert sent(session) == []  # queued: one request in flight
    session.receive_data(ret_reply(MsgId.SYSINFO_REPLY))
    assert [p.msg_id for p in sent(session)] == [MsgId.KEEPALIVE]


def test_refused_keepalive_ends_the_session() -> None:
    session = logged_in()
    session.handle_timer(20.0)
    sent(session)
    session.receive_data(ret_reply(MsgId.KEEPALIVE_REPLY, 105))
    with pytest.raises(CannotConnect, match="keep-alive refused"):
        session.next_event()


@pytest.mark.parametrize(
    ("alive", "timeout", "noticed_by"),
    [(20, 10.0, 30.0), (20, 30.0, 40.0), (1, 0.5, 1.5), (1, 5.0, 2.0)],
)
def test_a_silent_camera_is_noticed_within_two_intervals(
    alive: int, timeout: float, noticed_by: float
) -> None:
    session = logged_in(alive=alive, timeout=timeout)
    now = 0.0
    while (deadline := session.next_deadline()) is not None and deadline <= noticed_by:
        now = deadline
        session.handle_timer(now)
        try:
            events(session)
        except CannotConnect:
            break
    assert session.state is State.CLOSED
    assert now <= noticed_by <= 2 * alive


# --- pushed messages -----------------------------------------------------------------------------

ALARM = (
    b'{"AlarmInfo":{"Channel":0,"Event":"VideoMotion","StartTime":"2009-02-16 13:36:11",'
    b'"Status":"Start"},"Name":"AlarmInfo","SessionID":"0x2"}\n\x00'
)


def test_alarms_and_the_guard_reply() -> None:
    session = logged_in()
    session.send(MsgId.GUARD, "")
    (guard,) = sent(session)
    assert guard.msg_id == MsgId.GUARD
    alarm = wire.encode_packet(MsgId.ALARM, ALARM, session=SESSION, version=1)
    stop = reply(MsgId.ALARM, {"AlarmInfo": {"Channel": 2, "Event": "X", "Status": "Stop"}})
    session.receive_data(seed.GUARD_REPLY + alarm + reply(MsgId.ALARM, {"Name": 3}) + stop)
    assert events(session) == [
        Alarm(CameraEvent(EventKind.MOTION, True, 0, "VideoMotion")),
        Alarm(CameraEvent(EventKind.OTHER, False, 2, "X")),
    ]


def test_refused_guard_ends_the_session() -> None:
    session = logged_in()
    session.receive_data(ret_reply(MsgId.GUARD_REPLY, 107))
    with pytest.raises(AuthError, match="alarm subscription"):
        session.next_event()


def test_forced_logout_ends_the_session_after_what_came_before() -> None:
    session = logged_in()
    alarm = wire.encode_packet(MsgId.ALARM, ALARM, session=SESSION, version=1)
    session.receive_data(alarm + ret_reply(MsgId.FORCED_LOGOUT))
    assert isinstance(session.next_event(), Alarm)
    with pytest.raises(ProtocolError, match="logged this session out"):
        session.next_event()


def test_unknown_messages_and_media_on_a_control_connection_are_ignored() -> None:
    session = logged_in()
    session.receive_data(
        ret_reply(9999)
        + ret_reply(MsgId.UNGUARD_REPLY)
        + media_packets(gop())
        + wire.encode_packet(MsgId.TALK_DATA_DEVICE, b"\xd5" * 40, session=SESSION)
    )
    assert events(session) == []


# --- hostile input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [
        b"GET / HTTP/1.1\r\n\r\n" + bytes(10),  # not DVRIP
        wire.Header(MsgId.CONFIG_GET_REPLY, wire.MAX_JSON_PAYLOAD + 1, version=1).pack(),
        wire.Header(MsgId.MONITOR_DATA, wire.MAX_MEDIA_PACKET + 1, version=1).pack(),
        wire.encode_packet(MsgId.CONFIG_GET_REPLY, b"[1, 2]"),
        wire.encode_packet(MsgId.CONFIG_GET_REPLY, b"[" * 100_000),
    ],
)
def test_garbage_and_oversized_input(garbage: bytes) -> None:
    session = logged_in()
    alarm = wire.encode_packet(MsgId.ALARM, ALARM, session=SESSION, version=1)
    session.receive_data(alarm)
    session.receive_data(garbage)
    assert isinstance(session.next_event(), Alarm)  # what came before is still handed on
    with pytest.raises(ProtocolError):
        session.next_event()
    assert session.next_deadline() is None


def test_end_of_stream() -> None:
    session = logged_in()
    session.receive_data(b"")
    with pytest.raises(CannotConnect, match="closed the connection"):
        session.next_event()


def test_close() -> None:
    session = logged_in()
    session.request(MsgId.SYSINFO, "SystemInfo", now=1.0)
    session.close()
    assert session.state is State.CLOSED
    assert session.next_deadline() is None
    with pytest.raises(CannotConnect):
        session.request(MsgId.SYSINFO, "SystemInfo", now=2.0)
    with pytest.raises(CannotConnect):
        session.next_event()
    session.close()  # twice is fine


@pytest.mark.parametrize(
    ("goodbye", "said"),
    [
        (None, [MsgId.LOGOUT]),
        ((MsgId.UNGUARD, "", None), [MsgId.UNGUARD, MsgId.LOGOUT]),
        ((MsgId.MONITOR, "OPMonitor", {"Action": "Stop"}), [MsgId.MONITOR, MsgId.LOGOUT]),
    ],
)
def test_hanging_up_says_goodbye_and_logs_out(goodbye: Any, said: list[int]) -> None:
    session = logged_in()
    session.goodbye = goodbye
    session.hang_up()
    messages = sent(session)
    assert [message.msg_id for message in messages] == said
    logout = messages[-1]
    assert isinstance(logout, wire.JsonMessage)
    assert logout.body == {"Name": "", "SessionID": SESSION_HEX}
    assert (logout.session, session.state) == (SESSION, State.CLOSED)
    if goodbye is not None:
        first = messages[0]
        assert isinstance(first, wire.JsonMessage)
        assert first.body == wire.request_body(goodbye[1], SESSION, goodbye[2])
    assert session.next_deadline() is None  # no keep-alive after the logout
    session.hang_up()  # twice: nothing more is said
    assert session.data_to_send() == b""


def test_hanging_up_before_the_login_says_nothing() -> None:
    session = DvripSession("admin", "pw")
    session.hang_up()
    assert session.data_to_send() == b""
    session = DvripSession("admin", "pw")
    session.start(0.0)
    session.data_to_send()
    session.hang_up()  # the login was not answered: no session to log out of
    assert session.data_to_send() == b""
    with pytest.raises(CannotConnect):
        session.request(MsgId.SYSINFO, "SystemInfo", now=1.0)


# --- media ---------------------------------------------------------------------------------------


def test_video_session_hands_over_every_frame_of_a_read() -> None:
    session = logged_in(media="video")
    stream = media_packets(gop() * 2, size=700)
    middle = len(stream) // 2
    session.receive_data(stream[:middle])
    session.receive_data(stream[middle:] + ret_reply(MsgId.KEEPALIVE_REPLY))
    batches = events(session)
    assert all(isinstance(batch, VideoFrames) for batch in batches)
    frames = [frame for batch in batches for frame in batch.frames]  # type: ignore[union-attr]
    assert [f.keyframe for f in frames] == [True, False, False] * 2
    assert {(f.codec, f.width, f.height, f.fps) for f in frames} == {("h264", 640, 480, 25.0)}
    assert [f.data for f in frames[:2]] == [IDR, P_FRAME]
    assert [f.timestamp for f in frames] == [n / 25 for n in range(6)]
    assert len(batches) == 2  # one event per read, however many frames it completed


def test_audio_session_takes_only_audio() -> None:
    session = logged_in(media="audio")
    session.receive_data(media_packets(gop()))
    (batch,) = events(session)
    assert isinstance(batch, AudioChunks)
    assert [len(chunk.pcm) for chunk in batch.chunks] == [640, 640]
    assert [chunk.timestamp for chunk in batch.chunks] == [0.0, 0.04]


def test_a_session_for_both_takes_video_and_audio_from_one_read_in_order() -> None:
    """One read holding I, audio, P, audio, P: the events keep the camera's order (the relay
    places each sound beside the pictures it came with)."""
    session = logged_in(media="both")
    session.receive_data(media_packets(gop()))
    got = events(session)
    assert [type(event) for event in got] == [
        VideoFrames,
        AudioChunks,
        VideoFrames,
        AudioChunks,
        VideoFrames,
    ]
    frames = [f for event in got if isinstance(event, VideoFrames) for f in event.frames]
    chunks = [c for event in got if isinstance(event, AudioChunks) for c in event.chunks]
    assert [f.keyframe for f in frames] == [True, False, False]
    assert [len(chunk.pcm) for chunk in chunks] == [640, 640]
    # Two of each in a row stay one event each.
    session.receive_data(media_packets(gop(audio=False) + encode_audio_frame(bytes(320)) * 2))
    run_video, run_audio = events(session)
    assert isinstance(run_video, VideoFrames) and len(run_video.frames) == 3
    assert isinstance(run_audio, AudioChunks) and len(run_audio.chunks) == 2


def test_media_watch() -> None:
    session = logged_in(media="video", timeout=10.0)
    session.watch_media(5.0)  # silence: max(timeout, 20 s for a first key frame) / 2 = 10 s
    assert session.next_deadline() == 15.0
    session.receive_data(media_packets(gop()))
    events(session)
    session.handle_timer(15.0)  # media came: watch again
    assert session.next_event() is None
    assert session.next_deadline() == 20.0  # the keep-alive comes first now
    session.handle_timer(20.0)
    session.receive_data(ret_reply(MsgId.KEEPALIVE_REPLY))
    session.handle_timer(25.0)
    with pytest.raises(CannotConnect, match="live stream stopped"):
        session.next_event()


def test_a_stream_without_video_is_refused() -> None:
    session = logged_in(media="video")
    session.receive_data(media_packets(encode_audio_frame(bytes(320)) * 10))
    assert events(session) == []  # audio on a video connection: stepped over
    info = b"\x00\x00\x01\xf9\x01\x00\xff\xff" + bytes(0xFFFF)
    flood = media_packets(info, size=60000)
    with pytest.raises(ProtocolError, match="no H.264"):
        for _ in range(live.MAX_SKIPPED_MEDIA // len(info) + 2):
            session.receive_data(flood)
            events(session)


# --- snapshot ------------------------------------------------------------------------------------


def _snapshot_request(session: DvripSession) -> int:
    token = session.request(MsgId.SNAPSHOT, "OPSNAP", {"Channel": 0}, now=1.0, optional=True)
    (request,) = sent(session)
    assert isinstance(request, wire.JsonMessage)
    assert request.body["OPSNAP"] == {"Channel": 0}
    return token


def test_snapshot_raw_jpeg_over_packets() -> None:
    session = logged_in()
    token = _snapshot_request(session)
    session.receive_data(media_packets(JPEG, size=1024, msg_id=MsgId.SNAPSHOT_REPLY))
    assert events(session) == [Reply(token, None, JPEG)]


def test_snapshot_picture_frame() -> None:
    session = logged_in()
    token = _snapshot_request(session)
    frame = encode_picture(JPEG, 640, 480)
    session.receive_data(media_packets(frame, size=1000, msg_id=MsgId.SNAPSHOT_REPLY))
    assert events(session) == [Reply(token, None, JPEG)]


def test_snapshot_refused_and_silent() -> None:
    session = logged_in()
    token = _snapshot_request(session)
    refusal = wire.encode_packet(MsgId.SNAPSHOT_REPLY, b'{ "Ret" : 607 }\n\x00', session=SESSION)
    session.receive_data(refusal)
    (answer,) = events(session)
    assert isinstance(answer, Reply)
    assert (answer.token, answer.picture) == (token, None)
    assert answer.message is not None
    assert answer.message.ret == 607
    token = _snapshot_request(session)
    session.handle_timer(6.0)  # OPSNAP waits 5 s at most
    assert events(session) == [Reply(token, None)]


def test_snapshot_garbage() -> None:
    session = logged_in()
    _snapshot_request(session)
    session.receive_data(media_packets(b"GIF89a" + bytes(100), msg_id=MsgId.SNAPSHOT_REPLY))
    with pytest.raises(ProtocolError, match="neither a JPEG"):
        session.next_event()
