"""The HTTP exchange the HTTP-speaking families share (IPCamCGI, Foscam's CGIs).

One place bounds every answer before it is kept, bounds every exchange in time,
and turns whatever the transport raises into the library's ``CannotConnect``.
Two ways to run one:

- ``exchange()``: one HTTP/1.0 request on a ``transport.TcpConnection`` of its own
  (the server closes it after answering), the answer read sans-I/O by
  ``httpstream.WholeResponse``: no HTTP client library, a few callbacks per
  exchange (IPCamCGI's calls, its inputs polled every second);
- ``HttpShell``: aiohttp, with the host application's shared session when given,
  otherwise one made on demand and closed with the client (``RuntimeError`` from a
  session closed under us is ``CannotConnect`` too).

URLs (they may carry credentials) never reach an error text.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from yarl import URL

from .errors import CameraError, CannotConnect, ProtocolError
from .httpstream import WholeResponse
from .transport import TcpConnection

READ_SIZE = 64 * 1024


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A whole, bounded HTTP answer."""

    status: int
    body: bytes


async def exchange(
    host: str, port: int, request: bytes, *, limit: int, timeout: float, what: str
) -> HttpAnswer:
    """Send ``request`` (``httpstream.request``) on a connection of its own; the status and
    the whole body (at most ``limit`` bytes) within ``timeout`` seconds from connect to the
    last byte.

    ``CannotConnect`` for a refused or reset connection, broken HTTP framing or no whole
    answer in time (``httpstream.NoAnswer`` when the server hung up without answering);
    ``ProtocolError`` for a body over ``limit``.
    """
    answer = WholeResponse(limit, what)
    ended: asyncio.Future[CameraError | None] = asyncio.get_running_loop().create_future()

    def end(error: CameraError | None) -> None:
        if not ended.done():
            ended.set_result(error)

    def on_data(data: bytes) -> None:
        if answer.feed(data):
            end(None)

    def on_eof() -> None:
        answer.close()
        end(None)

    try:
        async with asyncio.timeout(timeout):
            conn = await TcpConnection.open(
                host, port, on_data, end, timeout=timeout, label=f"camera ({what})", on_eof=on_eof
            )
            try:
                conn.write(request)
                error = await ended
            finally:
                # A whole answer: a clean close; otherwise (timed out, cancelled) an abort.
                conn.close(None if ended.done() else CannotConnect(f"{what}: abandoned"))
    except TimeoutError:
        raise CannotConnect(f"{what}: no answer within {timeout:g} s") from None
    await conn.wait_closed()
    if error is not None:
        raise error
    assert answer.status is not None  # a whole answer has a head
    return HttpAnswer(answer.status, answer.body)


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
