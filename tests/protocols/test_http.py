"""The shared HTTP exchange: bounded answers, errors without URLs, a session closed under us;
``exchange()`` on a raw connection refused or given up (its answers: ``cgi/test_exchange.py``)."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from custom_components.ipcam.protocols.errors import CannotConnect, ProtocolError
from custom_components.ipcam.protocols.http import HttpShell, exchange, lost

pytestmark = pytest.mark.usefixtures("socket_enabled")


def test_errors_hide_credentials_and_name_the_cause() -> None:
    assert str(lost("/a.cgi", TimeoutError(), 2.5)) == "/a.cgi: no answer within 2.5 s"
    error = lost("/a.cgi", OSError("http://admin:pw@cam/ refused"), 1)
    assert isinstance(error, CannotConnect)
    assert "pw" not in str(error)
    assert str(lost("/a.cgi", ConnectionResetError(), 1)) == "/a.cgi: ConnectionResetError"


@pytest.fixture
async def server() -> URL:
    async def small(_request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 100)

    async def large(_request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()  # no Content-Length: the bound applies while reading
        await response.prepare(_request)
        for _ in range(64):
            await response.write(b"y" * 65536)
        return response

    app = web.Application()
    app.router.add_get("/small", small)
    app.router.add_get("/large", large)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield URL(f"http://127.0.0.1:{runner.addresses[0][1]}")
    await runner.cleanup()


async def test_answers_are_whole_and_bounded(server: URL) -> None:
    shell = HttpShell(None, 5)
    answer = await shell.request(server / "small", limit=1000, what="/small")
    assert (answer.status, answer.body) == (200, b"x" * 100)
    with pytest.raises(ProtocolError):
        await shell.request(server / "small", limit=50, what="/small")
    with pytest.raises(ProtocolError):
        await shell.request(server / "large", limit=100_000, what="/large")
    assert shell.requests == 3
    await shell.close()
    # Our own session is made again after close (clients reconnect that way).
    assert (await shell.request(server / "small", limit=1000, what="/small")).status == 200
    await shell.close()


async def test_a_shared_session_closed_under_us_is_cannot_connect(server: URL) -> None:
    session = aiohttp.ClientSession()
    shell = HttpShell(session, 5)
    await session.close()
    with pytest.raises(CannotConnect):
        await shell.request(server / "small", limit=1000, what="/small")


async def test_nobody_listening_is_cannot_connect() -> None:
    shell = HttpShell(None, 2)
    with pytest.raises(CannotConnect):
        await shell.request(URL("http://127.0.0.1:9/x"), limit=10, what="/x")
    await shell.close()


async def test_an_exchange_with_nobody_listening_is_cannot_connect() -> None:
    with pytest.raises(CannotConnect, match=r"\(/x\.cgi\): connection refused"):
        await exchange(
            "127.0.0.1", 9, b"GET /x HTTP/1.0\r\n\r\n", limit=10, timeout=2, what="/x.cgi"
        )


async def test_an_exchange_given_up_closes_its_connection() -> None:
    """Cancelled while the server thinks: the connection is closed, not left behind."""
    asked = asyncio.Event()
    gone = asyncio.Event()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        asked.set()
        with contextlib.suppress(OSError):
            await reader.read()  # b"" (or a reset) once the client is gone
        gone.set()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    task = asyncio.create_task(
        exchange("127.0.0.1", port, b"GET / HTTP/1.0\r\n\r\n", limit=10, timeout=30, what="/")
    )
    async with asyncio.timeout(10):
        await asked.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await gone.wait()
    server.close()
