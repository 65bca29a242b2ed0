"""An encoder's inputs without I/O: streams, the survey, alarm routing, the subscriptions."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import CameraEvent, ChannelInfo, EventKind
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    ProtocolError,
)
from custom_components.ipcam.protocols.grandstream.inputs import (
    AlarmFilter,
    SubscriptionPlan,
    alarm_of,
    input_channels,
    input_of,
    input_stream,
    other_input_streams,
    survey,
)
from custom_components.ipcam.protocols.grandstream.mctp import ALL_CHANNELS
from custom_components.ipcam.protocols.grandstream.mctp_session import Alarm, Subscribed
from custom_components.ipcam.protocols.grandstream.rtsp_session import Described, Ready
from custom_components.ipcam.protocols.grandstream.sdp import VideoFormat, parse_sdp

from .vectors import VENDOR_SDP

ANSWER = Described(
    parse_sdp(VENDOR_SDP), "GrandStream Rtsp Server V100R001", "V100R001", VideoFormat()
)
LOST = CannotConnect("the camera closed the connection")
BUSY = DeviceBusy("453 Not Enough Bandwidth")
ABSENT = ProtocolError("404 Not Found")


# --- streams ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "video_input"), [(0, 0), (1, 1), (3, 3), (4, 0), (5, 1), (7, 3)]
)
def test_input_of_a_stream(stream: int, video_input: int) -> None:
    assert input_of(stream) == video_input


@pytest.mark.parametrize(
    ("video_input", "own_stream", "stream"),
    [(0, 0, 0), (2, 0, 2), (3, 1, 3), (0, 4, 4), (2, 4, 6), (3, 5, 7)],
)
def test_input_stream_is_of_the_own_streams_kind(
    video_input: int, own_stream: int, stream: int
) -> None:
    assert input_stream(video_input, own_stream) == stream


@pytest.mark.parametrize(
    ("own_stream", "inputs", "others"),
    [
        (0, [0, 1, 2], [1, 2]),
        (4, [0, 1, 2], [5, 6]),  # the secondary streams of the others
        (1, [0, 1, 3], [0, 3]),  # an input's own stream is left out, not the first
        (0, [0], []),
        (0, [], []),
    ],
)
def test_other_input_streams(own_stream: int, inputs: list[int], others: list[int]) -> None:
    assert other_input_streams(own_stream, inputs) == others


def test_input_channels_are_sorted_and_named_by_input() -> None:
    assert input_channels("192.0.2.5", 0, [2, 0]) == (
        ChannelInfo(0, "Grandstream 192.0.2.5 input 1"),
        ChannelInfo(2, "Grandstream 192.0.2.5 input 3"),
    )
    assert input_channels("192.0.2.5", 4, [1]) == (
        ChannelInfo(1, "Grandstream 192.0.2.5 input 2 secondary stream"),
    )


# --- the survey: which DESCRIBE outcomes make an input ---------------------------------------

SURVEYS: list[tuple[str, dict[int, Described | CameraError], set[int], dict[int, object]]] = [
    ("all answer", {0: ANSWER, 1: ANSWER, 2: ANSWER, 3: ANSWER}, set(), {0: 1, 1: 1, 2: 1, 3: 1}),
    ("404 is no input", {0: ANSWER, 1: ANSWER, 2: ABSENT, 3: ABSENT}, set(), {0: 1, 1: 1}),
    ("a refusal is no input", {0: ANSWER, 1: AuthError("403")}, {1}, {0: 1}),
    ("404 removes a known input", {0: ANSWER, 1: ABSENT}, {0, 1}, {0: 1}),
    ("lost keeps a known input", {0: ANSWER, 1: LOST, 2: ANSWER}, {0, 1, 2}, {0: 1, 1: 0, 2: 1}),
    ("busy keeps a known input", {0: ANSWER, 1: BUSY}, {0, 1}, {0: 1, 1: 0}),
    ("lost makes up none", {0: ANSWER, 1: LOST, 2: BUSY}, {0}, {0: 1}),
    ("answers in input order", {2: ANSWER, 0: ANSWER, 1: LOST}, {1}, {0: 1, 1: 0, 2: 1}),
]


@pytest.mark.parametrize(
    ("answers", "known", "expected"),
    [case[1:] for case in SURVEYS],
    ids=[case[0] for case in SURVEYS],
)
def test_survey(
    answers: dict[int, Described | CameraError], known: set[int], expected: dict[int, object]
) -> None:
    """expected: input -> 1 (answered: updated) or 0 (kept as it was, None)."""
    found = survey(answers, known)
    assert list(found) == sorted(expected)
    assert {n: int(d is not None) for n, d in found.items()} == expected
    assert all(d is ANSWER for d in found.values() if d is not None)


# --- alarms: who gets which ------------------------------------------------------------------


def alarm(channel: int) -> CameraEvent:
    return CameraEvent(EventKind.MOTION, True, channel, "raw")


def test_only_alarm_events_carry_alarms() -> None:
    event = alarm(1)
    assert alarm_of(Alarm(event)) is event
    assert alarm_of(Subscribed(True, ALL_CHANNELS)) is None
    assert alarm_of(Ready("09682642", 120, False)) is None


FILTERS = [
    # consumer, the channels the camera sends -> the channels it gets
    ("a camera's client: everything, as sent", AlarmFilter(), [5, 1, 0, 4], [5, 1, 0, 4]),
    ("the encoder: everything, by input", AlarmFilter(None, True), [5, 1, 0, 4], [1, 1, 0, 0]),
    ("input 2: its primary and secondary", AlarmFilter(1, True), [5, 1, 0, 4], [1, 1]),
    ("input 1", AlarmFilter(0, True), [5, 1, 0, 4, 7], [0, 0]),
    ("input 4, nothing for it", AlarmFilter(3, True), [0, 1, 2], []),
    ("an input, numbered as sent", AlarmFilter(1, False), [5, 1, 2], [5, 1]),
]


@pytest.mark.parametrize(
    ("consumer", "sent", "taken"), [case[1:] for case in FILTERS], ids=[c[0] for c in FILTERS]
)
def test_alarm_filter(consumer: AlarmFilter, sent: list[int], taken: list[int]) -> None:
    got = [picked for channel in sent if (picked := consumer(alarm(channel))) is not None]
    assert [event.channel for event in got] == taken
    assert all((e.kind, e.active, e.raw) == (EventKind.MOTION, True, "raw") for e in got)


def test_an_alarm_already_numbered_by_input_is_passed_on_as_it_is() -> None:
    event = alarm(2)
    assert AlarmFilter(2, True)(event) is event


# --- the subscriptions of the alarm connection -----------------------------------------------


def run_plan(plan: SubscriptionPlan, camera: dict[int, int]) -> list[int]:
    """Walk the plan against a camera answering each requested stream with ``camera[s]``."""
    asked = []
    while (stream := plan.next()) is not None:
        asked.append(stream)
        plan.accept(camera[stream])
    return asked


PLANS = [
    # own stream, other inputs' streams, what the camera accepts per request -> requests, accepted
    ("all channels", 0, [1, 2], {0: ALL_CHANNELS}, [0], [ALL_CHANNELS]),
    ("older firmware: one per input", 0, [1, 2], {0: 0, 1: 1, 2: 2}, [0, 1, 2], [0, 1, 2]),
    ("older firmware, secondary streams", 4, [5], {4: 4, 5: 5}, [4, 5], [4, 5]),
    ("older firmware, a camera", 1, [], {1: 1}, [1], [1]),
]


@pytest.mark.parametrize(
    ("own", "others", "camera", "asked", "accepted"),
    [case[1:] for case in PLANS],
    ids=[case[0] for case in PLANS],
)
def test_subscription_plan(
    own: int, others: list[int], camera: dict[int, int], asked: list[int], accepted: list[int]
) -> None:
    plan = SubscriptionPlan(own, others)
    assert run_plan(plan, camera) == asked
    assert plan.accepted == accepted
    assert plan.next() is None


def test_only_the_first_refusal_of_all_channels_adds_the_other_inputs() -> None:
    plan = SubscriptionPlan(0, [1, 2])
    assert plan.next() == 0
    plan.accept(0)  # "all" refused: the others follow
    assert plan.next() == 1
    plan.accept(ALL_CHANNELS)  # a later one taking "all" adds nothing more
    assert plan.next() == 2
    plan.accept(2)
    assert plan.next() is None
    assert plan.accepted == [0, ALL_CHANNELS, 2]
