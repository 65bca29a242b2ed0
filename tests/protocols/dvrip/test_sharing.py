"""The books of one device's connections and alarm listeners, without sockets."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.base import CameraEvent, EventKind
from custom_components.ipcam.protocols.dvrip.session import Alarm, Reply
from custom_components.ipcam.protocols.dvrip.sharing import Shared
from custom_components.ipcam.protocols.errors import CameraError, CannotConnect, DeviceBusy


class Sink:
    def __init__(self) -> None:
        self.items: list[CameraEvent] = []
        self.error: CameraError | None = None

    def put(self, item: CameraEvent) -> None:
        self.items.append(item)

    def end(self, error: CameraError | None = None) -> None:
        self.error = error


def test_room_for_connections() -> None:
    shared = Shared[str]()
    shared.owners = {"control": shared, "alarm": shared, "video": "client"}
    shared.check_room("video")  # the limit is unknown
    shared.max_connections = 3
    with pytest.raises(DeviceBusy, match="3 connections"):
        shared.check_room("video")
    shared.check_room("control")  # the command connection is only ever replaced
    shared.check_open()
    shared.closed = True
    with pytest.raises(CannotConnect, match="closed"):
        shared.check_room("control")
    with pytest.raises(CannotConnect, match="closed"):
        shared.check_open()


def test_who_opened_what() -> None:
    shared = Shared[str]()
    one, two = object(), object()
    shared.owners = {"control": shared, "v1": one, "v2": two, "t1": one}
    assert shared.owned(one, everything=False) == ["v1", "t1"]
    assert shared.owned(two, everything=True) == ["control", "v1", "v2", "t1"]


@pytest.mark.parametrize(
    ("event", "got"),
    [
        (CameraEvent(EventKind.MOTION, True, 2), "device channel-2"),
        (CameraEvent(EventKind.MOTION, True, 1), "device"),
        (CameraEvent(EventKind.INPUT, True, 2), "device"),  # input 2 is the recorder's
        (CameraEvent(EventKind.VIDEO_LOSS, False, 2), "device channel-2"),
    ],
)
def test_alarms_reach_the_listeners_of_their_channel(event: CameraEvent, got: str) -> None:
    shared = Shared[str]()
    sinks = {"device": Sink(), "channel-2": Sink(), "channel-3": Sink()}
    shared.listen(sinks["device"], "recorder", None)
    shared.listen(sinks["channel-2"], "two", 2)
    shared.listen(sinks["channel-3"], "three", 3)
    shared.deliver(Alarm(event))
    shared.deliver(Reply(1, None))  # not an alarm: nobody hears it
    assert {name for name, sink in sinks.items() if sink.items} == set(got.split())
    assert all(sink.items in ([], [event]) for sink in sinks.values())


def test_the_end_of_the_alarm_connection_and_leaving() -> None:
    shared = Shared[str]()
    one, two = Sink(), Sink()
    shared.listen(one, "a", None)
    shared.listen(two, "b", 1)
    shared.end(CannotConnect("the client was closed"), "b")  # b's client closed
    assert (one.error, str(two.error)) == (None, "the client was closed")
    lost = CannotConnect("lost")
    shared.deliver(lost)
    assert one.error is lost
    assert shared.leave(two) is False
    assert shared.leave(one) is True  # nobody left: the alarm connection may close
    assert shared.leave(one) is True
