"""The MO_O session driven with bytes and times, without a socket."""

from __future__ import annotations

import random

import pytest

from custom_components.ipcam.protocols.base import CameraEvent, EventKind
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    NotSupported,
    ProtocolError,
)
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.decoder import MessageDecoder
from custom_components.ipcam.protocols.foscam.message import Message
from custom_components.ipcam.protocols.foscam.session import (
    CredentialsTooLong,
    LoggedIn,
    OperationSession,
    Reply,
    RequestFailed,
    State,
)
from simulator.foscam import wire as sw

from .helpers import CAMERA_ID, packet

LOGIN_OK = sw.encode(op.LoginResp(0, CAMERA_ID, op.PROTOCOL_VERSION, 0, "11.37.2.56"))
VERIFY_OK = sw.encode(op.VerifyResp(0, 2)) + sw.encode(op.OtherDevicesNotify())


def sent(session: OperationSession) -> list[Message]:
    """What the session wants written, as the camera would read it."""
    return sw.RequestDecoder(b"MO_O").feed(session.data_to_send())


def events(session: OperationSession) -> list[object]:
    out = []
    while (event := session.next_event()) is not None:
        out.append(event)
    return out


def ready(keepalive: float = 10.0, dead_after: float | None = None) -> OperationSession:
    session = OperationSession("admin", "pw", keepalive_interval=keepalive, dead_after=dead_after)
    session.start(0.0)
    session.receive_data(LOGIN_OK + VERIFY_OK)
    assert events(session) == [LoggedIn(CAMERA_ID, "11.37.2.56", 2)]
    session.data_to_send()
    return session


def test_login_sequence() -> None:
    session = OperationSession("admin", "pw")
    assert session.state is State.IDLE
    session.start(0.0)
    assert sent(session) == [op.LoginReq()]
    assert session.state is State.LOGIN_SENT
    assert session.next_deadline() == 10.0
    for piece in (LOGIN_OK[:5], LOGIN_OK[5:30], LOGIN_OK[30:]):  # fragmented answers
        session.receive_data(piece)
    assert sent(session) == [op.VerifyReq("admin", "pw")]
    assert session.state is State.VERIFY_SENT
    session.receive_data(VERIFY_OK)
    assert events(session) == [LoggedIn(CAMERA_ID, "11.37.2.56", 2)]
    assert session.state is State.READY
    assert session.privilege == 2
    with pytest.raises(RuntimeError):
        session.start(1.0)


@pytest.mark.parametrize(
    ("login", "verify", "error"),
    [
        (op.LoginResp(2), None, DeviceBusy),
        (op.LoginResp(3), None, ProtocolError),
        (None, op.VerifyResp(1), AuthError),
        (None, op.VerifyResp(5), AuthError),
        (None, op.VerifyResp(6), AuthError),
        (None, op.VerifyResp(2), DeviceBusy),
        (None, op.VerifyResp(4), ProtocolError),
    ],
)
def test_login_refusals(
    login: op.LoginResp | None, verify: op.VerifyResp | None, error: type[CameraError]
) -> None:
    session = OperationSession("admin", "pw")
    session.start(0.0)
    answer = (
        sw.encode(login) if login is not None else LOGIN_OK + sw.encode(verify or op.VerifyResp())
    )
    with pytest.raises(error):
        session.receive_data(answer)
    assert session.state is State.CLOSED
    assert session.next_deadline() is None
    session.receive_data(b"more")  # ignored once closed
    session.handle_timer(100.0)


def test_short_verify_resp_without_privilege_is_a_visitor() -> None:
    session = OperationSession("guest", "guest")
    session.start(0.0)
    session.receive_data(LOGIN_OK + packet(b"MO_O", 3, b"\x00\x00"))
    assert events(session) == [LoggedIn(CAMERA_ID, "11.37.2.56", 0)]


def test_login_times_out() -> None:
    session = OperationSession("admin", "pw", timeout=2.0)
    session.start(5.0)
    session.handle_timer(6.9)
    with pytest.raises(CannotConnect, match="login"):
        session.handle_timer(7.0)
    assert session.state is State.CLOSED


def test_credentials_over_12_characters() -> None:
    with pytest.raises(CredentialsTooLong, match="12"):
        OperationSession("a" * 13, "pw")


def test_unexpected_packets_during_login_are_capped() -> None:
    session = OperationSession("admin", "pw")
    session.start(0.0)
    session.receive_data(sw.encode(op.KeepAlive()) * 1000)  # a few are fine
    with pytest.raises(ProtocolError, match="Login_Resp"):
        session.receive_data(sw.encode(op.KeepAlive()) * 2)


def test_unknown_op_flood_is_capped_but_known_ops_reset_it() -> None:
    session = ready()
    unknown = packet(b"MO_O", 999, bytes(8))
    session.receive_data(unknown * 1000 + sw.encode(op.KeepAlive()) + unknown * 1000)
    with pytest.raises(ProtocolError, match="known op"):
        session.receive_data(unknown * 1001)


def test_end_of_stream() -> None:
    session = ready()
    with pytest.raises(CannotConnect):
        session.receive_data(b"")


def test_requests_are_matched_to_answers_in_order() -> None:
    session = ready()
    first = session.request(op.VideoStartReq(1), op.VideoStartResp, 1.0)
    second = session.request(op.AudioStartReq(1), op.AudioStartResp, 1.0)
    third = session.request(op.VideoStartReq(1), op.VideoStartResp, 1.0)
    assert sent(session) == [op.VideoStartReq(1), op.AudioStartReq(1), op.VideoStartReq(1)]
    assert session.next_deadline() == 5.0  # the first liveness tick comes before 11.0
    session.receive_data(
        sw.encode(op.AudioStartResp(0, 77))
        + sw.encode(op.VideoStartResp(0, 77))
        + sw.encode(op.VideoStartResp(0, None))
    )
    assert events(session) == [
        Reply(second, op.AudioStartResp(0, 77)),
        Reply(first, op.VideoStartResp(0, 77)),
        Reply(third, op.VideoStartResp(0, None)),
    ]
    assert session.connection_id == 77  # kept when a later answer has none


@pytest.mark.parametrize(
    ("result", "error", "match"),
    [
        (2, DeviceBusy, "too many"),
        (7, NotSupported, "does not support"),
        (6, NotSupported, "privilege"),
        (3, ProtocolError, "result 3"),
    ],
)
def test_refused_starts_become_typed_errors(
    result: int, error: type[CameraError], match: str
) -> None:
    session = ready()
    token = session.request(op.TalkStartReq(1), op.TalkStartResp, 0.0)
    session.receive_data(sw.encode(op.TalkStartResp(result)))
    [failed] = events(session)
    assert isinstance(failed, RequestFailed) and failed.token == token
    assert isinstance(failed.error, error) and match in str(failed.error)


def test_overdue_reply() -> None:
    session = ready()
    token = session.request(op.ParamsFetchReq(), op.ParamsFetchResp, 3.0, timeout=1.0)
    assert session.next_deadline() == 4.0
    session.handle_timer(4.0)
    [failed] = events(session)
    assert isinstance(failed, RequestFailed) and failed.token == token
    assert isinstance(failed.error, CannotConnect) and "ParamsFetchReq" in str(failed.error)
    session.receive_data(sw.encode(op.ParamsFetchResp()))  # too late: only the params change
    assert events(session) == []
    assert session.params == op.ParamsFetchResp()


def test_params_follow_change_notifications() -> None:
    session = ready()
    session.receive_data(sw.encode(op.ParamsChangedNotify(0, 8)))  # before any fetch: nothing
    session.receive_data(sw.encode(op.ParamsFetchResp()) + sw.encode(op.ParamsChangedNotify(0, 8)))
    assert session.params is not None and session.params.resolution == 8
    session.receive_data(sw.encode(op.ParamsChangedNotify(99, 1)))  # unknown parameter
    assert session.params.resolution == 8


def test_alarms_keep_their_state() -> None:
    session = ready()
    session.receive_data(
        sw.encode(op.AlarmNotify(1))
        + sw.encode(op.AlarmNotify(3))
        + sw.encode(op.AlarmNotify(9))
        + sw.encode(op.AlarmNotify(0))
    )
    assert events(session) == [
        CameraEvent(EventKind.MOTION, True, 0, "alarm type 1"),
        CameraEvent(EventKind.SOUND, True, 0, "alarm type 3"),
        CameraEvent(EventKind.OTHER, True, 0, "alarm type 9"),
        CameraEvent(EventKind.MOTION, False, 0, "alarm stop"),
        CameraEvent(EventKind.OTHER, False, 0, "alarm stop"),
        CameraEvent(EventKind.SOUND, False, 0, "alarm stop"),
    ]
    assert session.active_alarms == set()
    assert session.stats["alarms"] == 4


def run_until(session: OperationSession, end: float, answer: bool) -> list[tuple[float, Message]]:
    """Fire the session's timers until ``end``; the camera answers probes when ``answer``."""
    log: list[tuple[float, Message]] = []
    while (deadline := session.next_deadline()) is not None and deadline <= end:
        session.handle_timer(deadline)
        for message in sent(session):
            log.append((deadline, message))
            if answer and isinstance(message, op.ParamsFetchReq):
                session.receive_data(sw.encode(op.ParamsFetchResp()))
    return log


def test_keepalive_is_sent_every_interval() -> None:
    session = ready(keepalive=10.0)
    log = run_until(session, 60.0, answer=True)
    keepalives = [at for at, message in log if isinstance(message, op.KeepAlive)]
    assert keepalives == [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    assert session.state is State.READY


def test_quiet_camera_that_answers_probes_stays_connected() -> None:
    session = ready(keepalive=10.0)
    log = run_until(session, 600.0, answer=True)
    probes = [at for at, message in log if isinstance(message, op.ParamsFetchReq)]
    assert 55 <= len(probes) <= 61  # about one per keep-alive interval
    assert session.state is State.READY
    assert session.stats["probes"] == len(probes)


def test_camera_traffic_spares_the_probe() -> None:
    session = ready(keepalive=10.0)
    for now in (5.0, 10.0, 15.0, 20.0):
        session.receive_data(sw.encode(op.KeepAlive()))
        run_until(session, now, answer=False)
    assert session.stats["probes"] == 0
    assert session.stats["keepalives"] == 4


@pytest.mark.parametrize(("keepalive", "dead_after"), [(10.0, None), (0.5, 1.5), (60.0, 120.0)])
def test_stalled_camera_is_noticed_within_about_two_intervals(
    keepalive: float, dead_after: float | None
) -> None:
    session = ready(keepalive=keepalive, dead_after=dead_after)
    limit = (dead_after or 2 * keepalive) + keepalive / 2
    with pytest.raises(CannotConnect, match="nothing from the camera"):
        run_until(session, limit, answer=False)
    assert session.state is State.CLOSED


def test_send_needs_a_login_and_close_ends_everything() -> None:
    session = OperationSession("admin", "pw")
    with pytest.raises(CannotConnect):
        session.send(op.VideoEnd())
    session = ready()
    session.request(op.VideoStartReq(1), op.VideoStartResp, 0.0)
    session.close()
    assert session.state is State.CLOSED
    assert session.next_deadline() is None
    with pytest.raises(CannotConnect):
        session.send(op.VideoEnd())


def test_random_bytes_after_login_raise_only_camera_errors() -> None:
    rng = random.Random(99)
    valid = [
        sw.encode(m)
        for m in (op.AlarmNotify(1), op.KeepAlive(), op.ParamsFetchResp(), op.VideoStartResp(0, 5))
    ]
    for _ in range(300):
        session = ready()
        stream = bytearray(b"".join(rng.choice(valid) for _ in range(5)))
        for _ in range(rng.randrange(0, 8)):
            stream[rng.randrange(len(stream))] = rng.randrange(256)
        try:
            session.receive_data(bytes(stream) + rng.randbytes(rng.randrange(50)))
            events(session)
            session.handle_timer(rng.uniform(0, 100))
        except CameraError:
            pass


def test_decoder_is_the_sessions_only_way_in() -> None:
    # The session decodes MO_O only: an MO_V packet is garbage to it.
    assert MessageDecoder(b"MO_O").feed(packet(b"MO_V", 1, bytes(13))) == []
