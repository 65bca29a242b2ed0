"""The MCTP alarm and talk sessions without a socket: bytes and times in, bytes and events out."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import EventKind
from custom_components.ipcam.protocols.errors import (
    CameraError,
    CannotConnect,
    DeviceBusy,
    NotSupported,
    ProtocolError,
)
from custom_components.ipcam.protocols.grandstream.mctp import (
    TALK_HEADER,
    alarm_subscription,
    heartbeat_request,
    keepalive_request,
    talk_request,
)
from custom_components.ipcam.protocols.grandstream.mctp_session import (
    IDLE_FLUSH,
    LOSS_GRACE,
    MAX_EARLY_MESSAGES,
    Alarm,
    AlarmSession,
    AlarmState,
    Subscribed,
    TalkAccepted,
    TalkSession,
    TalkState,
)
from simulator.grandstream.mctp_wire import (
    TalkReader,
    alarm_message,
    heartbeat_reply,
    keepalive_reply,
    talk_reply,
)

from .session_driver import Driver

INTERVAL = 5.0


def alarms(channel: int = 2) -> Driver:
    return Driver(AlarmSession("09682642", channel, keepalive_interval=INTERVAL, reply_timeout=10))


def subscribed(driver: Driver) -> list[object]:
    events = driver.feed(heartbeat_reply("09682642", 2, True))
    events += driver.feed(heartbeat_reply("FFFFFFFF", -1, True))
    driver.sent()
    return events


# --- handshake and subscription --------------------------------------------------------------


def test_heartbeat_then_subscription_for_all_channels() -> None:
    driver = alarms()
    assert driver.sent() == heartbeat_request("09682642", 2)
    assert driver.feed(heartbeat_reply("09682642", 2, True)) == []
    assert driver.sent() == alarm_subscription() == b"CMD:ALIVE MCTP/1.0 CS\n@FFFFFFFF@-1\nEND\n"
    assert driver.feed(heartbeat_reply("FFFFFFFF", -1, True)) == [Subscribed(True, -1)]
    assert driver.session.state is AlarmState.READY
    assert driver.session.subscribed_channel == -1


@pytest.mark.parametrize(
    ("replies", "requests", "outcome"),
    [
        # A refused heartbeat is not fatal: alarms come from the subscription.
        (
            [heartbeat_reply("09682642", 2, False), heartbeat_reply("FFFFFFFF", -1, True)],
            [alarm_subscription()],
            Subscribed(False, -1),
        ),
        # Older firmware refuses "all channels": the client's own channel then.
        (
            [
                heartbeat_reply("09682642", 2, True),
                heartbeat_reply("FFFFFFFF", -1, False),
                heartbeat_reply("FFFFFFFF", 2, True),
            ],
            [alarm_subscription(), alarm_subscription(2)],
            Subscribed(True, 2),
        ),
        # A bare ALIVE echo answers nothing: it counts as a refusal.
        (
            [keepalive_reply(), keepalive_reply(), heartbeat_reply("FFFFFFFF", 2, True)],
            [alarm_subscription(), alarm_subscription(2)],
            Subscribed(False, 2),
        ),
        (
            [
                heartbeat_reply("09682642", 2, True),
                heartbeat_reply("FFFFFFFF", -1, False),
                heartbeat_reply("FFFFFFFF", 2, False),
            ],
            [alarm_subscription(), alarm_subscription(2)],
            NotSupported,
        ),
    ],
)
def test_handshake_outcomes(replies: list[bytes], requests: list[bytes], outcome: object) -> None:
    driver = alarms()
    driver.sent()
    events: list[object] = []
    try:
        for reply in replies:
            events += driver.feed(reply)
    except CameraError as err:
        assert isinstance(outcome, type)
        assert isinstance(err, outcome)
    else:
        assert events == [outcome]
    assert driver.writes == requests


def test_handshake_reply_overdue() -> None:
    driver = alarms()
    driver.at(109.9)
    with pytest.raises(CannotConnect, match="no MCTP reply"):
        driver.at(110.0)
    second = alarms()
    second.at(109.0)
    second.feed(heartbeat_reply("09682642", 2, True))  # the subscription gets 10 s of its own
    second.at(118.9)
    with pytest.raises(CannotConnect):
        second.at(119.0)


def test_alarms_before_the_subscription_are_handed_over_after_it() -> None:
    driver = alarms()
    driver.feed(alarm_message("MOTION", True, 1))
    driver.feed(heartbeat_reply("09682642", 2, True))
    events = driver.feed(b"CMD:TALK MCTP/1.0 SC\n@0@0@0@\n" + alarm_message("INPUT", False, 3))
    assert events == []
    events = driver.feed(heartbeat_reply("FFFFFFFF", -1, True))
    assert events[0] == Subscribed(True, -1)
    assert [(e.event.kind, e.event.active) for e in events[1:] if isinstance(e, Alarm)] == [
        (EventKind.MOTION, True),
        (EventKind.INPUT, False),
    ]


def test_too_many_messages_before_the_reply() -> None:
    driver = alarms()
    with pytest.raises(ProtocolError, match="before the reply"):
        driver.feed(alarm_message("MOTION", True, 1) * (MAX_EARLY_MESSAGES + 1))


def test_a_session_id_that_is_not_an_mctp_one() -> None:
    for session_id in ("ABCDEF12", "123456789", "\u0661"):
        with pytest.raises(ProtocolError):
            AlarmSession(session_id, 0)


# --- alarms, keep-alive, loss ----------------------------------------------------------------


def test_alarms_when_ready() -> None:
    driver = alarms()
    subscribed(driver)
    (event,) = driver.feed(alarm_message("INPUT", True, 5))
    assert isinstance(event, Alarm)
    assert (event.event.kind, event.event.active, event.event.channel) == (EventKind.INPUT, True, 5)
    assert driver.feed(keepalive_reply()) == []  # echoes are not alarms
    assert driver.feed(b"CMD:FOO MCTP/1.0 CS\nEND\n") == []  # nor our own direction


def test_keepalive_due_and_answered() -> None:
    driver = alarms()
    subscribed(driver)
    driver.at(104.9)
    assert driver.sent() == b""
    for beat in range(1, 5):
        driver.at(100.0 + beat * INTERVAL)
        assert driver.sent() == keepalive_request()
        driver.feed(keepalive_reply())
    assert driver.session.state is AlarmState.READY


@pytest.mark.parametrize("last_heard", [100.0, 104.0])
def test_loss_is_noticed_within_two_keepalive_intervals(last_heard: float) -> None:
    driver = alarms()
    subscribed(driver)  # heard at 100
    driver.at(last_heard)
    driver.feed(alarm_message("MOTION", True, 0))
    lost_at = 100.0 + 2 * INTERVAL + LOSS_GRACE  # keep-alive at 105, no answer
    driver.at(lost_at - 0.01)
    assert driver.sent() == keepalive_request() * 2  # at 105 and 110, unanswered
    with pytest.raises(CannotConnect, match="heartbeat lost"):
        driver.at(lost_at)
    assert lost_at - last_heard <= 2 * INTERVAL + LOSS_GRACE


def test_any_message_counts_as_heard() -> None:
    driver = alarms()
    subscribed(driver)
    driver.at(105.0)  # keep-alive sent; lost at 111 unless something comes
    driver.at(110.0)
    driver.feed(alarm_message("MOTION", False, 0))
    driver.at(115.0)  # the next keep-alive: a new loss deadline
    driver.at(120.9)
    with pytest.raises(CannotConnect):
        driver.at(121.0)


def test_an_alarm_without_end_ends_after_silence() -> None:
    driver = alarms()
    subscribed(driver)
    assert driver.feed(b"CMD:ALARM MCTP/1.0 SC\n@1@MOTION@1\n") == []
    driver.at(100.0 + IDLE_FLUSH - 0.01)
    assert driver.events() == []
    driver.at(100.0 + IDLE_FLUSH)
    (event,) = driver.events()
    assert isinstance(event, Alarm)
    assert event.event.raw == "CMD:ALARM MCTP/1.0 SC\n@1@MOTION@1"
    # The next header ends a message without END at once.
    driver.feed(b"CMD:ALARM MCTP/1.0 SC\n@2@INPUT@1\n")
    (first,) = driver.feed(b"CMD:ALARM MCTP/1.0 SC\n@3@INPUT@1\nEND\n")[:1]
    assert isinstance(first, Alarm)
    assert first.event.channel == 2


@pytest.mark.parametrize(
    "data",
    [
        b"garbage without a header\n",
        b"CMD:ALIVE MCTP/1.0 SC\n@" + b"1" * 2000,
        b"CMD:ALIVE MCTP/1.0 SC\n" + b"@1\n" * 40,
        b"\n" * 1000,
    ],
)
def test_garbage_and_oversized_input(data: bytes) -> None:
    driver = alarms()
    subscribed(driver)
    with pytest.raises(ProtocolError):
        driver.feed(data)


def test_close() -> None:
    driver = alarms()
    subscribed(driver)
    driver.session.close()
    assert driver.session.next_deadline() is None
    assert driver.feed(b"garbage\n") == []
    driver.session.start(200.0)
    driver.flush()
    assert driver.sent() == b""


# --- talk ------------------------------------------------------------------------------------


def talk() -> Driver:
    return Driver(TalkSession(reply_timeout=10.0))


def test_talk_accepted_then_packets() -> None:
    driver = talk()
    assert driver.sent() == talk_request() == b"CMD:TALK MCTP/1.0 CS\nEND\n"
    with pytest.raises(CannotConnect):
        driver.session.send_audio(bytes(160))  # not before the camera said yes
    # The reply is complete at its one line: no waiting for silence.
    assert driver.feed(talk_reply(True)) == [TalkAccepted()]
    assert driver.session.state is TalkState.TALKING
    assert driver.session.next_deadline() is None
    for _ in range(3):
        driver.session.send_audio(bytes(range(160)))
    driver.flush()
    data = driver.sent()
    assert TalkReader().feed(data) == [bytes(range(160))] * 3
    timestamps = [TALK_HEADER.unpack_from(data, n * 172)[1] for n in range(3)]
    assert timestamps == [0, 160, 320]
    assert driver.session.seconds_sent == pytest.approx(0.06)
    assert driver.feed(b"anything at all\x00\xff") == []  # the camera has nothing to say


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (talk_reply(False), DeviceBusy),
        (b"CMD:TALK MCTP/1.0 SC\r\n@0@0@0@\r\n", DeviceBusy),
        (keepalive_reply(), ProtocolError),
        (b"\x00\x01\x02 not mctp\n", ProtocolError),
    ],
)
def test_talk_refused(reply: bytes, error: type[CameraError]) -> None:
    driver = talk()
    with pytest.raises(error):
        driver.feed(reply)


def test_talk_reply_overdue_and_close() -> None:
    driver = talk()
    driver.sent()
    driver.at(109.9)
    with pytest.raises(CannotConnect, match="no MCTP reply"):
        driver.at(110.0)
    driver.session.close()
    assert driver.session.next_deadline() is None
    driver.session.start(200.0)
    driver.flush()
    assert driver.sent() == b""
