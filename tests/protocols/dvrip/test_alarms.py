"""DVRIP alarms: the vendor's 1504 vector, firmware event names, odd bodies."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import EventKind
from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.alarms import event_kind, parse_alarm
from custom_components.ipcam.protocols.dvrip.wire import JsonMessage, MsgId, PacketDecoder


def _packet(msg_id: int, payload: bytes, **kwargs: int) -> bytes:
    return wire.encode_packet(msg_id, payload, **kwargs)


# --- alarm events --------------------------------------------------------------------------------

ALARM_VECTOR = (
    '{"AlarmInfo":{"Channel":0,"Event":"VideoMotion","StartTime":"2009-02-16 13:36:11",'
    '"Status":"Start"},"Name":"AlarmInfo","SessionID":"0x2"}'
)


def test_alarm_vector() -> None:
    packet = _packet(MsgId.ALARM, ALARM_VECTOR.encode() + b"\n\x00", session=2, version=1)
    message = PacketDecoder().feed(packet)[0]
    assert isinstance(message, JsonMessage)
    event = parse_alarm(message.body)
    assert event is not None
    assert (event.kind, event.active, event.channel, event.raw) == (
        EventKind.MOTION,
        True,
        0,
        "VideoMotion",
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("VideoMotion", EventKind.MOTION),
        ("MotionDetect", EventKind.MOTION),
        ("HumanDetect", EventKind.HUMAN),
        ("appEventHumanDetectAlarm", EventKind.HUMAN),
        ("LocalAlarm", EventKind.INPUT),
        ("IOAlarm", EventKind.INPUT),
        ("VideoLoss", EventKind.VIDEO_LOSS),
        ("VideoLost", EventKind.VIDEO_LOSS),
        ("VideoBlind", EventKind.TAMPER),
        ("BlindDetect", EventKind.TAMPER),
        ("StorageNotExist", EventKind.STORAGE),
        ("StorrageLowSpace", EventKind.STORAGE),
        ("CrossLineDetection", EventKind.OTHER),
        ("", EventKind.OTHER),
    ],
)
def test_event_names(name: str, kind: EventKind) -> None:
    assert event_kind(name) == kind


def test_alarm_stop_none_and_channel() -> None:
    stop = parse_alarm({"AlarmInfo": {"Channel": 3, "Event": "LocalAlarm", "Status": "Stop"}})
    assert stop is not None
    assert (stop.kind, stop.active, stop.channel) == (EventKind.INPUT, False, 3)
    disk = parse_alarm({"AlarmInfo": {"Event": "StorageFailure", "Status": "None"}})
    assert disk is not None
    assert disk.active
    assert parse_alarm({"Name": "AlarmInfo"}) is None
    odd = parse_alarm({"AlarmInfo": {"Channel": "x", "Event": "Foo"}})
    assert odd is not None
    assert (odd.kind, odd.channel, odd.raw) == (EventKind.OTHER, 0, "Foo")
