"""The HTTP exchange the HTTP-speaking families share (IPCamCGI, Foscam's CGIs), over aiohttp.

One place bounds every answer before it is kept, bounds every exchange in time,
and turns whatever aiohttp or the OS raises (including ``RuntimeError`` from a
session closed under us) into the library's ``CannotConnect``. The host
application's shared session is used when given; otherwise one is made on demand
and closed with the client. URLs (they may carry credentials) never reach an
error text.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

from .errors import CannotConnect, ProtocolError

READ_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A whole, bounded HTTP answer."""

    status: int
    body: bytes


class HttpShell:
    """Bounded HTTP exchanges with one camera."""

    def __init__(self, session: aiohttp.ClientSession | None, timeout: float) -> None:
        self._shared = session
        self._own: aiohttp.ClientSession | None = None
        self._timeout = timeout
        self.requests = 0

    def session(self) -> aiohttp.ClientSession:
        """The shared session, else our own (made again after ``close()``)."""
        if self._shared is not None:
            if self._shared.closed:
                raise CannotConnect("the HTTP session is closed")
            return self._shared
        if self._own is None or self._own.closed:
            self._own = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(force_close=True, limit=8),
                timeout=aiohttp.ClientTimeout(total=None),
            )
        return self._own

    async def request(
        self,
        url: URL,
        *,
        limit: int,
        what: str,
        post: bool = False,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        auth: aiohttp.BasicAuth | None = None,
    ) -> HttpAnswer:
        """One exchange within the timeout; the body whole, at most ``limit`` bytes."""
        session = self.session()
        self.requests += 1
        try:
            async with (
                asyncio.timeout(self._timeout),
                session.request(
                    "POST" if post else "GET",
                    url,
                    data=data,
                    headers=headers,
                    auth=auth,
                    allow_redirects=False,
                ) as response,
            ):
                body = await read_bounded(response, limit)
                return HttpAnswer(response.status, body)
        except (TimeoutError, aiohttp.ClientError, OSError, RuntimeError) as err:
            raise lost(what, err, self._timeout) from None

    async def close(self) -> None:
        """Close our own session (a shared one belongs to the host application)."""
        own, self._own = self._own, None
        if own is not None:
            await own.close()


def lost(what: str, err: BaseException, timeout: float) -> CannotConnect:
    """A transport failure (timeout, refused, reset, HTTP framing, a closed session) as
    ``CannotConnect``, its text without URL credentials."""
    if isinstance(err, TimeoutError):
        return CannotConnect(f"{what}: no answer within {timeout:g} s")
    text = re.sub(r"//[^/@\s]*@", "//", str(err))[:200]
    return CannotConnect(
        f"{what}: {type(err).__name__}: {text}" if text else f"{what}: {type(err).__name__}"
    )


async def read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body; ``ProtocolError`` beyond ``limit`` bytes (nothing more is read).

    ``content.read(n)`` alone returns whatever arrived first: a body cut short (or
    still arriving) would pass for the whole answer.
    """
    length = response.content_length
    if length is not None and length > limit:
        raise ProtocolError(f"HTTP answer of {length} bytes is over {limit}")
    body = bytearray()
    while chunk := await response.content.read(min(READ_SIZE, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            raise ProtocolError(f"HTTP answer is larger than {limit} bytes")
    return bytes(body)
