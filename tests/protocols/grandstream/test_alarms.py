"""MCTP alarms: the format is UNCONFIRMED, so they are read by a best guess that keeps the raw."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import EventKind
from custom_components.ipcam.protocols.grandstream.alarms import alarm_event, is_alarm
from custom_components.ipcam.protocols.grandstream.mctp import MctpMessage, MctpParser
from simulator.grandstream.mctp_wire import alarm_message


def parse_messages(data: bytes) -> list[MctpMessage]:
    parser = MctpParser()
    messages = parser.feed(data)
    last = parser.flush()
    return [*messages, last] if last is not None else messages


def test_alarm_interpretation_of_the_assumed_format() -> None:
    assert alarm_message("MOTION", True, 2) == b"CMD:ALARM MCTP/1.0 SC\n@2@MOTION@1\nEND\n"
    (message,) = parse_messages(alarm_message("INPUT", False, 3))
    assert is_alarm(message)
    event = alarm_event(message)
    assert (event.kind, event.active, event.channel) == (EventKind.INPUT, False, 3)
    assert event.raw == "CMD:ALARM MCTP/1.0 SC\n@3@INPUT@0\nEND"


def test_alarm_interpretation_of_unknown_formats() -> None:
    # Any camera->client command other than ALIVE/TALK is an alarm; raw text is kept.
    (message,) = parse_messages(b"CMD:EVENT MCTP/1.0 SC\n@FFFFFFFF@xyz\nEND\n")
    event = alarm_event(message)
    assert (event.kind, event.active, event.channel) == (EventKind.ALARM, True, 0)
    assert "@FFFFFFFF@xyz" in event.raw
    (motion,) = parse_messages(b"CMD:MOTION MCTP/1.0 SC\n@5\n")
    assert alarm_event(motion).kind == EventKind.MOTION
    assert alarm_event(motion).channel == 5
    for verb in (b"ALIVE", b"TALK"):
        (reply,) = parse_messages(b"CMD:" + verb + b" MCTP/1.0 SC\nEND\n")
        assert not is_alarm(reply)
    (request,) = parse_messages(b"CMD:FOO MCTP/1.0 CS\nEND\n")
    assert not is_alarm(request)


@pytest.mark.parametrize(
    ("line", "reading"),
    [
        (b"@07@MD@START", (EventKind.MOTION, True, 7)),
        (b"@1@videoloss@off", (EventKind.VIDEO_LOSS, False, 1)),
        (b"@9@TAMPER@stop", (EventKind.TAMPER, False, 0)),  # 9 is no channel
        (b"@\xd9\xa3@IO@1", (EventKind.INPUT, True, 0)),  # not an ASCII number
        (b"@3", (EventKind.ALARM, True, 3)),
        (b"@2@maybe", (EventKind.ALARM, True, 2)),
    ],
)
def test_fields_are_read_by_what_they_look_like(
    line: bytes, reading: tuple[EventKind, bool, int]
) -> None:
    (message,) = parse_messages(b"CMD:ALARM MCTP/1.0 SC\n" + line + b"\nEND\n")
    event = alarm_event(message)
    assert (event.kind, event.active, event.channel) == reading
