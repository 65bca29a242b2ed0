"""Named deadlines, some armed before the session knows the time."""

from __future__ import annotations

from custom_components.ipcam.protocols.grandstream.deadlines import Deadlines


def test_times_and_delays() -> None:
    deadlines = Deadlines()
    assert deadlines.next() is None
    deadlines.stamp(10.0)
    deadlines.at("keepalive", 15.0)
    deadlines.after("reply", 2.0)
    # A delay waits for the time: the earliest deadline is "now", i.e. at once.
    assert deadlines.next() == 10.0
    assert "reply" in deadlines
    assert not deadlines.due("reply")
    deadlines.stamp(11.0)
    assert deadlines.next() == 13.0
    deadlines.stamp(13.0)
    assert deadlines.due("reply")
    assert not deadlines.due("keepalive")
    deadlines.cancel("reply")
    assert "reply" not in deadlines
    assert deadlines.next() == 15.0
    deadlines.stamp(12.0)  # time never goes back
    assert deadlines.now == 13.0
    deadlines.after("keepalive", 1.0)  # re-armed as a delay: the time is forgotten
    deadlines.stamp(13.5)
    assert deadlines.next() == 14.5
    deadlines.clear()
    assert deadlines.next() is None
