"""SharedLinks: connections opened for the first consumer, shared by all, closed after the last.

Driven with fake connections that behave as ``SessionLink`` does: closing one tells its
lost handler (here the shared links' ``on_lost``) synchronously.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from custom_components.ipcam.protocols.errors import CameraError, CannotConnect, ProtocolError
from custom_components.ipcam.protocols.shared_links import SharedLinks
from custom_components.ipcam.protocols.transport import Inbox


class FakeLink:
    def __init__(self, name: str, log: list[str], on_lost: Callable[[CameraError], None]) -> None:
        self.name, self.log, self.on_lost, self.closed = name, log, on_lost, False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.log.append(f"close {self.name}")
            self.on_lost(CannotConnect("closed"))  # as a SessionLink tells its handler


class Reply:
    """An event that is no item: a reply the opening waits for."""


def item_of(event: Any) -> int | None:
    return event if isinstance(event, int) else None


def evens(item: int) -> int | None:
    return item if item % 2 == 0 else None


def everything(item: int) -> int | None:
    return item


class Harness:
    """A ``SharedLinks`` of two fake connections per opening; what happened, in ``log``."""

    def __init__(self, *, fail: BaseException | None = None, wait_reply: bool = False) -> None:
        self.log: list[str] = []
        self.links: list[FakeLink] = []
        self.fail = fail
        self.wait_reply = wait_reply
        self.replies: list[object] = []
        self.opening = asyncio.Event()  # set while open_links runs
        self.shared: SharedLinks[FakeLink, int] = SharedLinks(
            self.open_links, self.close_link, item_of, capacity=8
        )

    async def open_links(self, start: Inbox[Any]) -> None:
        self.opening.set()
        for name in ("first", "second"):
            link = FakeLink(f"{name}{self.shared.opened}", self.log, self.shared.on_lost)
            self.links.append(link)
            self.shared.add_link(link)
            self.log.append(f"open {link.name}")
        await asyncio.sleep(0)
        if self.wait_reply:
            self.replies.append(await start.get())
        if self.fail is not None:
            raise self.fail

    async def close_link(self, link: FakeLink) -> None:
        await asyncio.sleep(0)
        link.close()


def drained(inbox: Inbox[int]) -> list[int]:
    taken = []
    while (item := inbox.get_nowait()) is not None:
        taken.append(item)
    return taken


async def test_the_first_consumer_opens_the_last_closes() -> None:
    h = Harness()
    shared = h.shared
    a = await shared.subscribe("a", everything)
    b = await shared.subscribe("b", evens)
    assert h.log == ["open first0", "open second0"]  # opened once, for the first
    assert (shared.opened, shared.connections, shared.consumers) == (1, 2, 2)
    await shared.unsubscribe(a)
    assert shared.connections == 2  # b is still there
    await shared.unsubscribe(b)
    assert h.log[2:] == ["close second0", "close first0"]  # the newest first
    assert (shared.connections, shared.consumers) == (0, 0)
    await shared.unsubscribe(b)  # again: nothing to do
    c = await shared.subscribe("c", everything)  # the next consumer opens again
    assert (shared.opened, shared.connections) == (2, 2)
    await shared.close()
    assert c.ended


async def test_items_go_to_those_who_pick_them() -> None:
    h = Harness()
    shared = h.shared
    a = await shared.subscribe("a", everything)
    b = await shared.subscribe("b", evens)
    for event in (1, 2, Reply(), 3, 4):
        shared.on_event(event)  # a reply outside an opening goes nowhere
    assert drained(a) == [1, 2, 3, 4]
    assert drained(b) == [2, 4]
    for n in range(10):  # each consumer's backlog keeps the newest
        shared.on_event(n)
    assert drained(a) == [3, 4, 5, 6, 7, 8, 9]
    await shared.close()


async def test_replies_reach_the_opening() -> None:
    h = Harness(wait_reply=True)
    task = asyncio.create_task(h.shared.subscribe("a", everything))
    await h.opening.wait()
    reply = Reply()
    h.shared.on_event(5)  # an item goes to the consumers, not to the opening
    h.shared.on_event(reply)
    inbox = await task
    assert h.replies == [reply]
    assert drained(inbox) == [5]
    await h.shared.close()


async def test_concurrent_consumers_share_one_opening() -> None:
    h = Harness()
    inboxes = await asyncio.gather(*(h.shared.subscribe(n, everything) for n in "abc"))
    assert h.shared.opened == 1 and h.shared.consumers == 3
    h.shared.on_event(1)
    assert [drained(i) for i in inboxes] == [[1], [1], [1]]
    await h.shared.close()


async def test_closing_an_owner_ends_only_its_inboxes() -> None:
    h = Harness()
    shared = h.shared
    a1 = await shared.subscribe("a", everything)
    a2 = await shared.subscribe("a", evens)
    b = await shared.subscribe("b", everything)
    await shared.close("a")
    assert a1.ended and a2.ended and not b.ended
    with pytest.raises(CannotConnect, match="closed"):
        await a1.get()
    assert shared.connections == 2  # b still listens
    await shared.close("b")
    assert b.ended and shared.connections == 0
    assert h.log[-2:] == ["close second0", "close first0"]


async def test_a_lost_connection_ends_everyone_and_closes_the_others() -> None:
    h = Harness()
    shared = h.shared
    a = await shared.subscribe("a", everything)
    b = await shared.subscribe("b", evens)
    shared.on_event(2)
    h.links[1].close()  # the camera dropped the second connection
    assert h.links[0].closed  # the other is closed with it
    assert (shared.connections, shared.consumers) == (0, 0)
    for inbox in (a, b):  # what came before is still handed over, then the error
        assert drained(inbox) == [2]
        with pytest.raises(CannotConnect, match="closed"):
            await inbox.get()
    again = await shared.subscribe("a", everything)  # the next one opens them again
    assert shared.opened == 2 and not again.ended
    await shared.close()


async def test_a_failed_opening_fails_the_consumer_and_closes_what_opened() -> None:
    h = Harness(fail=ProtocolError("refused"))
    with pytest.raises(ProtocolError, match="refused"):
        await h.shared.subscribe("a", everything)
    assert (h.shared.opened, h.shared.connections, h.shared.consumers) == (0, 0, 0)
    assert h.log == ["open first0", "open second0", "close second0", "close first0"]


async def test_a_connection_lost_while_opening_fails_the_opening() -> None:
    h = Harness(wait_reply=True)
    task = asyncio.create_task(h.shared.subscribe("a", everything))
    await h.opening.wait()
    h.links[0].on_lost(CannotConnect("the camera closed the connection"))
    with pytest.raises(CannotConnect, match="camera closed"):
        await task
    assert (h.shared.connections, h.shared.consumers) == (0, 0)
    assert all(link.closed for link in h.links)


async def test_a_cancelled_opening_leaves_nothing_open() -> None:
    h = Harness(wait_reply=True)
    task = asyncio.create_task(h.shared.subscribe("a", everything))
    await h.opening.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (h.shared.connections, h.shared.consumers) == (0, 0)
    assert all(link.closed for link in h.links)
