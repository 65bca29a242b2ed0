"""The MJPEG ``Date:`` I/O state and how the tracker learns the digit order (issue 13)."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import EventKind
from custom_components.ipcam.protocols.cgi.groups import IoStatus
from custom_components.ipcam.protocols.cgi.iostate import (
    BRACKET_SECONDS,
    FRESH_SECONDS,
    InputWatch,
    IoFlags,
    IoOrder,
    IoTracker,
    MjpegState,
    decode_io,
    judge,
    matching_orders,
    parse_date_header,
)
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError
from simulator.cgi.answers import encode_io, format_date_header
from tests.protocols.cgi.inputs import cases

# --- Date: header (docs/protocols/cgi.md, "Test vectors") ---


def test_date_header_vector_jplug_offsets() -> None:
    header = "Date: 03-28-2025 12:32:19 IO_00000000_PT_191_010"
    state = parse_date_header(header)
    assert (state.io, state.pan, state.tilt) == ("00000000", 191, 10)
    assert state.time == "03-28-2025 12:32:19"
    # D-Link's applet reads fixed offsets; they fit this form exactly.
    assert header[6:25] == state.time
    assert header[29:37] == state.io
    assert header[41:44] == "191"
    assert header[45:48] == "010"


def test_date_header_vector_with_am() -> None:
    header = "Date: 03-28-2025 12:32:19 AM IO_00000000_PT_191_010"
    state = parse_date_header(header)
    assert (state.io, state.pan, state.tilt) == ("00000000", 191, 10)
    assert state.time == "03-28-2025 12:32:19 AM"
    assert header[41:44] != "191"  # fixed offsets would be 3 off


def test_date_header_document_form_and_errors() -> None:
    state = parse_date_header("2008-10-01 15:37:53 IO_10100000_PT_340_135")
    assert (state.time, state.pan, state.tilt) == ("2008-10-01 15:37:53", 340, 135)
    for bad in (
        "Date: 2008-10-01 15:37:53",
        "IO_1010_PT_340_135",
        "IO_10100002_PT_1_2",
        "IO_10100000_PT_\u0661\u0662\u0663_000",  # digits of another script
        "x" * 300,
    ):
        with pytest.raises(ProtocolError):
            parse_date_header(bad)


def test_io_digit_orders() -> None:
    # The document (the default): 1st Trigger1, 2nd Trigger2, 3rd ImageUpload, 4th ImageEmail.
    doc = decode_io("10100000")
    assert (doc.trigger1, doc.trigger2, doc.image_upload, doc.image_email) == (
        True,
        False,
        True,
        False,
    )
    assert doc.input1 is None
    assert decode_io("00001111") == IoFlags()  # 5th-8th are reserved
    # JPLUG: digit 8 Trigger1, 7 Trigger2, 6 ImageUpload, 5 ImageEmail, 1-2 inputs.
    assert decode_io("00000001", IoOrder.JPLUG) == IoFlags(
        trigger1=True, input1=False, input2=False
    )
    assert decode_io("00000010", IoOrder.JPLUG).trigger2
    assert decode_io("00000100", IoOrder.JPLUG).image_upload
    assert decode_io("00001000", IoOrder.JPLUG).image_email
    assert decode_io("10000000", IoOrder.JPLUG).input1
    assert decode_io("01000000", IoOrder.JPLUG).input2
    assert MjpegState("", "10000000", 0, 0).flags().trigger1
    with pytest.raises(ProtocolError):
        decode_io("0000000")


@pytest.mark.parametrize("bits", range(64))
def test_io_round_trip(bits: int) -> None:
    flags = IoFlags(*(bool(bits >> i & 1) for i in range(6)))
    assert decode_io(encode_io(flags, IoOrder.JPLUG), IoOrder.JPLUG) == flags
    outputs = dataclasses.replace(flags, input1=None, input2=None)
    assert decode_io(encode_io(outputs)) == outputs


def test_format_date_header() -> None:
    value = format_date_header("2008-10-01 15:37:53", "11000000", 5, 67)
    assert value == "2008-10-01 15:37:53 IO_11000000_PT_005_067"
    assert parse_date_header(value).flags().trigger2
    with pytest.raises(ValueError, match="IO digits"):
        format_date_header("", "2", 0, 0)
    with pytest.raises(ValueError, match="range"):
        format_date_header("", "00000000", 1000, 0)


# --- which order the digits agree with ---


def status(t1: int = 0, t2: int = 0, up: int = 0, mail: int = 0, **inputs: int) -> IoStatus:
    return IoStatus(trigger1=t1, trigger2=t2, image_upload=up, image_email=mail, **inputs)


@pytest.mark.parametrize(
    ("told", "digits", "orders"),
    [
        (status(), "00000000", {IoOrder.DOCUMENT, IoOrder.JPLUG}),  # all zero says nothing
        (status(t1=1), "10000000", {IoOrder.DOCUMENT}),
        (status(t1=1), "00000001", {IoOrder.JPLUG}),
        (status(t1=1, t2=1), "11000011", {IoOrder.DOCUMENT, IoOrder.JPLUG}),
        (status(), "10000000", {IoOrder.JPLUG}),  # "Trigger1" on while off: an input
        (status(), "00001000", {IoOrder.DOCUMENT}),  # a reserved digit vs ImageEmail off
        (status(t1=1), "00000000", set()),  # the state changed in between
        (status(input1=1, input2=0), "10000000", {IoOrder.JPLUG}),
        (status(input1=0, input2=0), "10000000", set()),
        (status(t1=1, input1=0, input2=0), "10000000", {IoOrder.DOCUMENT}),
    ],
)
def test_matching_orders(told: IoStatus, digits: str, orders: set[IoOrder]) -> None:
    assert matching_orders(told, digits) == orders
    assert judge(told, digits) == (next(iter(orders)) if len(orders) == 1 else None)


# --- the tracker, driven by a table of reads, parts and times ---

DOC, JPLUG = IoOrder.DOCUMENT, IoOrder.JPLUG

# Steps: ("status", IoStatus, now) or ("part", digits, now, opened_at).
# A one-frame read opens its request after the first status read (opened_at 1.0).
TRACKER_CASES: dict[str, tuple[list[tuple[Any, ...]], IoOrder | None, bool]] = {
    "document camera, output on": (
        [
            ("status", status(t1=1), 0.0),
            ("part", "10000000", 1.1, 1.0),
            ("status", status(t1=1), 1.2),
        ],
        DOC,
        False,
    ),
    "jplug camera, output on": (
        [
            ("status", status(t1=1), 0.0),
            ("part", "00000001", 1.1, 1.0),
            ("status", status(t1=1), 1.2),
        ],
        JPLUG,
        True,
    ),
    "jplug camera, input on, outputs off": (
        [("status", status(), 0.0), ("part", "10000000", 1.1, 1.0), ("status", status(), 1.2)],
        JPLUG,
        True,
    ),
    "all zero: nothing learnt": (
        [("status", status(), 0.0), ("part", "00000000", 1.1, 1.0), ("status", status(), 1.2)],
        None,
        False,
    ),
    "output switched between the reads: nothing learnt": (
        [("status", status(), 0.0), ("part", "10000000", 1.1, 1.0), ("status", status(t1=1), 1.2)],
        None,
        False,
    ),
    "stale part of a running stream (just after the read): nothing learnt": (
        [("status", status(), 10.0), ("part", "10000000", 10.2, 0.0), ("status", status(), 10.4)],
        None,
        False,
    ),
    "settled part of a running stream": (
        [
            ("status", status(t1=1), 10.0),
            ("part", "00000001", 10.6, 0.0),
            ("status", status(t1=1), 10.8),
        ],
        JPLUG,
        True,
    ),
    "reads too far apart: nothing learnt": (
        [
            ("status", status(t1=1), 0.0),
            ("part", "00000001", 1.1, 1.0),
            ("status", status(t1=1), BRACKET_SECONDS + 0.1),
        ],
        None,
        False,
    ),
    "part before any read: nothing learnt": (
        [("part", "00000001", 1.1, 1.0), ("status", status(t1=1), 1.2)],
        None,
        False,
    ),
    "part made before the read: not judged at the next read": (
        [
            ("status", status(t1=1), 0.0),
            ("part", "00000001", 1.1, 1.0),
            ("status", status(t1=1), 1.2),
            ("status", status(t1=1), 1.3),
        ],
        JPLUG,
        True,
    ),
    "inputs reported by iocontrol.cgi": (
        [
            ("status", status(input1=1, input2=0), 0.0),
            ("part", "10000000", 1.1, 1.0),
            ("status", status(input1=1, input2=0), 1.2),
        ],
        JPLUG,
        True,
    ),
    "the camera agrees with both orders in turn: unknowable": (
        [
            ("status", status(t1=1), 0.0),
            ("part", "10000000", 1.1, 1.0),
            ("status", status(t1=1), 1.2),
            ("part", "00000001", 2.1, 2.0),
            ("status", status(t1=1), 2.2),
        ],
        None,
        False,
    ),
}


def run_steps(tracker: IoTracker, steps: list[tuple[Any, ...]]) -> None:
    for step in steps:
        if step[0] == "status":
            tracker.note_status(step[1], step[2])
        else:
            tracker.note_part(MjpegState("2008-10-01 15:37:53", step[1], 170, 67), step[2], step[3])


@pytest.mark.parametrize("case", sorted(TRACKER_CASES))
def test_tracker(case: str) -> None:
    steps, proven, inputs = TRACKER_CASES[case]
    tracker = IoTracker()
    run_steps(tracker, steps)
    assert tracker.proven is proven
    assert tracker.inputs_from_stream is inputs
    assert tracker.order is (proven or DOC)
    assert tracker.conflict is ("unknowable" in case)
    assert tracker.decided is (proven is not None or tracker.conflict)


def test_forced_order_is_kept_whatever_the_camera_shows() -> None:
    tracker = IoTracker(forced=JPLUG)
    assert tracker.inputs_from_stream and tracker.decided
    run_steps(tracker, TRACKER_CASES["document camera, output on"][0])
    assert tracker.order is JPLUG
    assert tracker.evidence == {DOC: 1, JPLUG: 0}
    forced_doc = IoTracker(forced=DOC)
    run_steps(forced_doc, TRACKER_CASES["jplug camera, output on"][0])
    assert (forced_doc.order, forced_doc.inputs_from_stream) == (DOC, False)


def test_client_option() -> None:
    assert IoTracker.from_option("auto").forced is None
    assert IoTracker.from_option("jplug").forced is JPLUG
    assert IoTracker.from_option(DOC).forced is DOC
    with pytest.raises(InvalidValue):
        IoTracker.from_option("reversed")


def test_inputs_only_under_a_proven_jplug_order() -> None:
    state = MjpegState("", "10000000", 0, 0)
    tracker = IoTracker()
    assert tracker.inputs(state) == (None, None)
    assert tracker.flags(state).trigger1  # the document's reading: Trigger1
    run_steps(tracker, TRACKER_CASES["jplug camera, input on, outputs off"][0])
    assert tracker.inputs(state) == (True, False)
    assert tracker.flags(state) == IoFlags(input1=True, input2=False)


def test_what_iocontrol_offers() -> None:
    tracker = IoTracker()
    tracker.note_iocontrol(None)
    assert (tracker.outputs, tracker.must_learn, tracker.has_inputs) == (False, False, False)
    tracker.note_iocontrol(status(input1=0, input2=0))
    assert (tracker.outputs, tracker.inputs_in_status, tracker.must_learn) == (True, True, False)
    assert tracker.has_inputs
    tracker.note_iocontrol(status())
    assert (tracker.must_learn, tracker.has_inputs) == (True, False)
    run_steps(tracker, TRACKER_CASES["jplug camera, output on"][0])
    assert (tracker.must_learn, tracker.has_inputs) == (False, True)


def test_fresh_state() -> None:
    tracker = IoTracker()
    assert tracker.fresh(0.0) is None
    state = MjpegState("", "00000000", 12, 34)
    tracker.note_stream(running=True)
    tracker.note_part(state, now=10.0, opened_at=0.0)
    assert tracker.latest is state
    assert tracker.fresh(10.0 + FRESH_SECONDS) is state
    assert tracker.fresh(10.1 + FRESH_SECONDS) is None
    # Received at 10.0 on an old stream: made no earlier than 9.5 (SETTLE_SECONDS before).
    assert tracker.fresh(10.0, not_before=9.5) is state
    assert tracker.fresh(10.0, not_before=9.6) is None
    # Once the stream has ended its last part says nothing about now.
    tracker.note_stream(running=False)
    assert tracker.fresh(10.0) is None
    tracker.note_stream(running=False)  # never below zero
    tracker.note_stream(running=True)
    assert tracker.fresh(10.0) is state


def test_diagnostics() -> None:
    tracker = IoTracker()
    run_steps(tracker, TRACKER_CASES["jplug camera, output on"][0])
    diagnostics = tracker.diagnostics()
    assert diagnostics["io_order"] == "jplug"
    assert diagnostics["io_order_proven"] == "jplug"
    assert diagnostics["io_evidence"] == {"document": 0, "jplug": 1}
    assert diagnostics["last_io_state"] == {
        "time": "2008-10-01 15:37:53",
        "io": "00000001",
        "pan": 170,
        "tilt": 67,
    }


def test_input_watch_reports_each_input_then_changes() -> None:
    watch = InputWatch()
    first = watch.update((False, True))
    assert [(e.kind, e.active, e.channel, e.raw) for e in first] == [
        (EventKind.INPUT, False, 1, "Input1"),
        (EventKind.INPUT, True, 2, "Input2"),
    ]
    assert watch.update((False, True)) == []
    assert [(e.active, e.channel) for e in watch.update((True, None))] == [(True, 1)]


def test_property_any_header_or_sequence_raises_only_protocol_error() -> None:
    """Random and mutated Date: values parse or raise ProtocolError; any sequence of reads
    and parts leaves the tracker consistent (never inputs without a proven JPLUG order)."""
    valid = [
        b"Date: 2008-10-01 15:37:53 IO_10000000_PT_170_067",
        b"Date: 03-28-2025 12:32:19 AM IO_00000001_PT_191_010",
    ]
    rng = random.Random(41)
    tracker = IoTracker()
    now = 0.0
    for data in cases(seed=43, valid=valid, count=500):
        now += rng.random()
        try:
            state = parse_date_header(data.decode("latin-1"))
        except ProtocolError:
            tracker.note_status(status(*(rng.randrange(2) for _ in range(4))), now)
            continue
        tracker.note_part(state, now, now - rng.random())
        if tracker.inputs_from_stream:
            assert tracker.proven is IoOrder.JPLUG
        else:
            assert tracker.inputs(state) == (None, None)
