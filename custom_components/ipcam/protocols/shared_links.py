"""Connections opened for the first consumer, shared by all, closed after the last.

Some cameras allow few connections but have many listeners: every input of an
encoder wants its alarms, and so does the encoder. ``SharedLinks`` keeps one set
of connections (``transport.SessionLink``s, or anything with ``close()``) for all
of them:

- ``subscribe(owner, pick)`` gives a consumer an ``Inbox`` and, when nothing is
  open, runs ``open_links`` (one opening at a time), which opens the connections
  (``add_link`` each) and reads their replies from the inbox it is given;
- ``on_event``, the connections' event handler: an event that carries an item
  (``item``) goes to every consumer whose ``pick`` takes it; any other event goes
  to the opening in progress;
- the last consumer leaving (``unsubscribe``, ``close``) closes the connections,
  the newest first (``close_link``);
- ``on_lost``, the connections' lost handler: one connection ending closes the
  others and ends every consumer's inbox with its error (or fails the opening);
  the next consumer opens them again.

Nothing here knows a protocol: which event is an item and who gets it is the
family's (``item`` and each consumer's ``pick``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .errors import CameraError, CannotConnect
from .transport import Inbox


class Link(Protocol):
    """A connection as ``SharedLinks`` sees it (``transport.SessionLink`` is one)."""

    def close(self) -> None: ...


class SharedLinks[L: Link, T]:
    """One set of connections for any number of consumers (see the module docstring)."""

    def __init__(
        self,
        open_links: Callable[[Inbox[Any]], Awaitable[None]],
        close_link: Callable[[L], Awaitable[None]],
        item: Callable[[Any], T | None],
        *,
        capacity: int,
    ) -> None:
        self._open_links = open_links
        self._close_link = close_link
        self._item = item
        self._capacity = capacity  # each consumer's backlog; the oldest items go first
        self._lock = asyncio.Lock()
        self._consumers: dict[Inbox[T], tuple[object, Callable[[T], T | None]]] = {}
        self._links: list[L] = []
        self._opening: Inbox[Any] | None = None  # events for ``open_links`` while it runs
        self._closing = False
        self.opened = 0  # times the connections were opened

    @property
    def connections(self) -> int:
        return len(self._links)

    @property
    def consumers(self) -> int:
        return len(self._consumers)

    def add_link(self, link: L) -> None:
        """A connection ``open_links`` opened (closed with the others)."""
        self._links.append(link)

    async def subscribe(self, owner: object, pick: Callable[[T], T | None]) -> Inbox[T]:
        """An inbox of the items ``pick`` takes (and maybe changes), opening the
        connections unless they are open; ``open_links``'s error if it fails."""
        inbox: Inbox[T] = Inbox(self._capacity)
        self._consumers[inbox] = (owner, pick)
        try:
            async with self._lock:
                if not self._links:
                    await self._open()
        except BaseException:
            self._consumers.pop(inbox, None)
            raise
        return inbox

    async def unsubscribe(self, inbox: Inbox[T]) -> None:
        self._consumers.pop(inbox, None)
        if self._consumers or not self._links:
            return
        async with self._lock:
            if not self._consumers:  # nobody came while we waited
                await self._close_links()

    async def close(self, owner: object | None = None) -> None:
        """End the inboxes of ``owner`` (None: everyone's); close when nobody is left."""
        error = CannotConnect("the client was closed")
        for inbox, (consumer, _pick) in list(self._consumers.items()):
            if owner is None or consumer is owner:
                del self._consumers[inbox]
                inbox.end(error)
        if not self._consumers:
            await self._close_links()

    def on_event(self, event: Any) -> None:
        """An event of one of the connections (their event handler)."""
        item = self._item(event)
        if item is not None:
            for inbox, (_owner, pick) in self._consumers.items():
                if (picked := pick(item)) is not None:
                    inbox.put(picked)
        elif self._opening is not None:
            self._opening.put(event)

    def on_lost(self, error: CameraError) -> None:
        """One of the connections ended (their lost handler)."""
        if self._closing:
            return
        if self._opening is not None:
            self._opening.end(error)  # the opening fails with it
            return
        # Everyone's inbox ends with why; the other connections are closed.
        self._closing = True
        try:
            for link in self._links:
                link.close()
            self._links.clear()
        finally:
            self._closing = False
        for inbox in self._consumers:
            inbox.end(error)
        self._consumers.clear()

    async def _open(self) -> None:
        self._opening = Inbox(self._capacity)
        try:
            await self._open_links(self._opening)
            self.opened += 1
        except BaseException:
            await self._close_links()
            raise
        finally:
            self._opening = None

    async def _close_links(self) -> None:
        links, self._links = self._links, []
        self._closing = True
        try:
            for link in reversed(links):
                await self._close_link(link)
        finally:
            self._closing = False
