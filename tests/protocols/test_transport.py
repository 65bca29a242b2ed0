"""``TcpConnection``'s batched reads, against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from custom_components.ipcam.protocols.errors import CameraError
from custom_components.ipcam.protocols.transport import TcpConnection

pytestmark = pytest.mark.usefixtures("socket_enabled")

Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Writer], Awaitable[int]]]:
    """Start a server whose every client is handled by the given writer; its port."""
    servers: list[asyncio.Server] = []

    async def start(write: Writer) -> int:
        async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                await write(writer)
                await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


class _Received:
    def __init__(self) -> None:
        self.data = bytearray()
        self.lost: asyncio.Future[CameraError] = asyncio.get_running_loop().create_future()

    def on_data(self, data: bytes) -> None:
        self.data += data

    def on_lost(self, error: CameraError) -> None:
        if not self.lost.done():
            self.lost.set_result(error)


async def _paced(writer: asyncio.StreamWriter, pieces: int, size: int, every: float) -> None:
    for number in range(pieces):
        writer.write(bytes([number % 256]) * size)
        await writer.drain()
        await asyncio.sleep(every)


async def _first_bytes(
    serve: Callable[[Writer], Awaitable[int]], pieces: int, size: int, every: float, rest: float
) -> tuple[TcpConnection, _Received]:
    """A connection batching its reads ``rest`` apart to a server writing ``pieces`` paced
    writes, once its first bytes are in."""
    port = await serve(lambda writer: _paced(writer, pieces, size, every))
    got = _Received()
    conn = await TcpConnection.open("127.0.0.1", port, got.on_data, got.on_lost, timeout=5)
    conn.read_in_batches(rest)
    while not got.data:
        await asyncio.sleep(0.01)
    return conn, got


async def test_batched_reads_gather_many_writes_and_lose_nothing(serve) -> None:
    """30 writes 10 ms apart reach a connection batching at 0.2 s in a handful of reads,
    every byte in order (reads cannot come before the ticks, however loaded the machine)."""
    port = await serve(lambda writer: _paced(writer, 30, 500, 0.01))
    got = _Received()
    conn = await TcpConnection.open("127.0.0.1", port, got.on_data, got.on_lost, timeout=5)
    conn.read_in_batches(0.2)
    await asyncio.wait_for(got.lost, 10)
    assert bytes(got.data) == b"".join(bytes([n]) * 500 for n in range(30))
    assert conn.reads <= 5


async def test_unbatched_reads_come_as_the_bytes_do(serve) -> None:
    """The same writes without batching are read as they come (the contrast the test above
    relies on): far more reads."""
    port = await serve(lambda writer: _paced(writer, 30, 500, 0.01))
    got = _Received()
    conn = await TcpConnection.open("127.0.0.1", port, got.on_data, got.on_lost, timeout=5)
    await asyncio.wait_for(got.lost, 10)
    assert len(got.data) == 30 * 500
    assert conn.reads > 5


async def test_a_large_read_is_followed_at_once(serve) -> None:
    """A read that takes a quarter of the receive buffer or more means the stream outruns
    the interval: the socket does not rest (it would cap the camera's bitrate)."""
    ready = asyncio.Event()

    async def burst(writer: asyncio.StreamWriter) -> None:
        await ready.wait()
        writer.write(b"x" * 4_000_000)

    port = await serve(burst)
    got = _Received()
    rests: list[bool] = []

    def on_data(data: bytes) -> None:
        got.on_data(data)

    conn = await TcpConnection.open("127.0.0.1", port, on_data, got.on_lost, timeout=5)
    conn.read_in_batches(1.0)  # resting after every read would take minutes for 4 MB
    original = conn.data_received

    def watched(data: bytes) -> None:
        original(data)
        if len(data) >= 256 * 1024:
            rests.append(conn.resting)

    conn.data_received = watched  # type: ignore[method-assign]
    ready.set()
    await asyncio.wait_for(got.lost, 30)
    assert len(got.data) == 4_000_000
    assert rests and not any(rests)  # a full read never rests


async def test_a_small_read_rests_and_zero_interval_resumes(serve) -> None:
    conn, got = await _first_bytes(serve, 3, 10, 0.3, rest=10.0)
    assert conn.resting
    conn.read_in_batches(0)
    assert not conn.resting
    await asyncio.wait_for(got.lost, 5)  # the rest arrives without waiting 10 s
    assert len(got.data) == 30


async def test_a_consumer_pause_outlasts_a_rest(serve) -> None:
    """A consumer that paused the socket (it lags) keeps it paused when rests end, and its
    resume brings the rest of the stream."""
    conn, got = await _first_bytes(serve, 20, 10, 0.02, rest=0.1)
    conn.pause_reading()
    received = len(got.data)
    await asyncio.sleep(0.5)  # several ticks pass
    assert len(got.data) == received
    assert not conn.resting
    conn.resume_reading()
    await asyncio.wait_for(got.lost, 5)
    assert len(got.data) == 200


async def test_closing_while_resting_leaves_no_timer(serve) -> None:
    conn, _got = await _first_bytes(serve, 2, 10, 1.0, rest=30.0)
    assert conn.resting
    conn.close()
    assert not conn.resting
    await conn.wait_closed()


async def test_batching_may_start_later_and_closing_cancels_it(serve) -> None:
    """``start_in``: reads come as the bytes do until then, batched after; a connection
    closed before the start leaves no timer behind."""
    port = await serve(lambda writer: _paced(writer, 60, 100, 0.01))
    got = _Received()
    conn = await TcpConnection.open("127.0.0.1", port, got.on_data, got.on_lost, timeout=5)
    conn.read_in_batches(0.25, start_in=0.3)
    await asyncio.sleep(0.25)
    assert not conn.resting and conn.reads >= 10  # not yet: read as they come
    early = conn.reads
    await asyncio.wait_for(got.lost, 10)
    assert len(got.data) == 60 * 100
    assert conn.reads - early <= 12  # the other ~35 writes: a few unbatched, then few reads
    idle = await serve(lambda writer: _paced(writer, 1, 10, 0.0))
    other = _Received()
    late = await TcpConnection.open("127.0.0.1", idle, other.on_data, other.on_lost, timeout=5)
    late.read_in_batches(0.25, start_in=30.0)
    late.close()
    assert late._batch_start is None
    await late.wait_closed()
