"""What a hostile or broken peer can do, and the small servers that do it.

A behaviour is a coroutine writing to one client connection: close at once, stall,
send some bytes and stall or close, random bytes, or a flood that stops at
``FLOOD_CAP`` (a client that reads that much without giving up buffered or ignored
it). ``Hostile`` misbehaves from its first byte; ``Proxy`` forwards to a real
simulator and turns hostile later (on a marker in the client's bytes, or when the
test says so). The byte-level helpers shared by several families (HTTP answers and
the things a broken web server does to any GET) are here too; each family's own
bytes are in its ``cases_<family>.py``.

``GUARD`` seconds bound every case: an ``asyncio.timeout`` firing there means the
client hung (a bug), not that it was slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from custom_components.ipcam.protocols.errors import CameraError

TIMEOUT = 1.0  # the clients' own timeout option (through a proxy to a real simulator)
HOSTILE_TIMEOUT = 0.5  # the same against a peer that is hostile from its first byte
GUARD = 8.0  # a case taking longer than this is a hang
FLOOD_CAP = 50 * 1024 * 1024  # the flooding peer stops after this many bytes
CHUNK = 64 * 1024
HUGE = 0x8000_0000  # 2 GiB

Writer = asyncio.StreamWriter


# --- behaviours --------------------------------------------------------------------------------


@dataclass
class Stats:
    """What a hostile peer did; ``exhausted`` = the flood reached FLOOD_CAP."""

    sent: int = 0
    exhausted: bool = False
    connections: int = 0


Behaviour = Callable[[Writer, Stats], Awaitable[None]]


def close_at_once() -> Behaviour:
    async def run(writer: Writer, stats: Stats) -> None:
        writer.close()

    return run


def stall() -> Behaviour:
    async def run(writer: Writer, stats: Stats) -> None:
        await asyncio.Event().wait()

    return run


def send_then_stall(data: bytes) -> Behaviour:
    async def run(writer: Writer, stats: Stats) -> None:
        writer.write(data)
        stats.sent += len(data)
        await writer.drain()
        await asyncio.Event().wait()

    return run


def send_then_close(data: bytes) -> Behaviour:
    async def run(writer: Writer, stats: Stats) -> None:
        writer.write(data)
        stats.sent += len(data)
        await writer.drain()
        writer.close()

    return run


def random_bytes(size: int = 4096, seed: int = 1) -> Behaviour:
    return send_then_stall(random.Random(seed).randbytes(size))


def flood(prefix: bytes, chunk: Callable[[int], bytes]) -> Behaviour:
    """``prefix``, then ``chunk(i)`` for i = 0, 1, ... until FLOOD_CAP bytes are sent."""

    async def run(writer: Writer, stats: Stats) -> None:
        writer.write(prefix)
        stats.sent += len(prefix)
        index = 0
        while stats.sent < FLOOD_CAP:
            data = chunk(index)
            index += 1
            writer.write(data)
            stats.sent += len(data)
            await writer.drain()
        stats.exhausted = True
        await asyncio.Event().wait()

    return run


def random_chunks(seed: int = 2) -> Callable[[int], bytes]:
    rng = random.Random(seed)
    pool = [rng.randbytes(CHUNK) for _ in range(8)]
    return lambda index: pool[index % len(pool)]


def repeat(data: bytes) -> Callable[[int], bytes]:
    block = data * max(1, CHUNK // len(data))
    return lambda index: block


# --- HTTP nonsense (every family with a web server, and "an HTTP answer" for the others) -------

HTTP_END = b"\r\n\r\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(200) + b"\xff\xd9"


def http(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def chunked(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


CHUNKED_HEAD = http("200 OK", {"Content-Type": "image/jpeg", "Transfer-Encoding": "chunked"})


def http_cases(ok_body: bytes) -> dict[str, Behaviour]:
    """What a broken web server can do to any GET (``ok_body``: a plausible 200 body)."""
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "stall_after_status": send_then_stall(b"HTTP/1.1 200 OK\r\n"),
        "huge_length": send_then_stall(http("200 OK", {"Content-Length": str(HUGE)})),
        "flood_body": flood(http("200 OK", {"Connection": "close"}), random_chunks()),
        "flood_header_line": flood(b"HTTP/1.1 200 OK\r\nX-Junk: ", repeat(b"a")),
        "flood_chunked": flood(CHUNKED_HEAD, lambda i: chunked(bytes(CHUNK - 16))),
        "truncated": send_then_close(
            http("200 OK", {"Content-Length": str(len(ok_body) + 1000)}, ok_body)
        ),
        "truncated_chunk": send_then_close(CHUNKED_HEAD + b"1000\r\n" + ok_body),
        "status_500": send_then_close(http("500 Internal Server Error", {"Content-Length": "0"})),
        "redirect_loop": send_then_close(
            http("302 Found", {"Location": "/isystem.cgi", "Content-Length": "0"})
        ),
        "not_http": send_then_close(b"SSH-2.0-OpenSSH_9.6\r\n"),
    }


def snapshot_cases() -> dict[str, Behaviour]:
    """What a broken web server can answer to a snapshot GET (a JPEG expected)."""
    return {
        **http_cases(JPEG),
        "not_jpeg": send_then_close(
            http("200 OK", {"Content-Type": "image/jpeg", "Content-Length": "11"}, b"hello world")
        ),
        "truncated_jpeg": send_then_close(
            http("200 OK", {"Content-Length": str(len(JPEG))}, JPEG[:100])
        ),
        "jpeg_without_end": send_then_close(http("200 OK", {"Connection": "close"}, JPEG[:-2])),
    }


def running(cases: dict[str, Behaviour]) -> dict[str, Behaviour]:
    """The cases for a stream that is already running, less "stall": the stall of a
    running stream is injected into the real simulators (the ``fault_stall`` cases)."""
    return {name: cases[name] for name in sorted(cases) if name != "stall"}


def pick(cases: dict[str, Behaviour], *names: str) -> dict[str, Behaviour]:
    return {name: cases[name] for name in names}


# --- servers -----------------------------------------------------------------------------------


class Server:
    """Common plumbing: a listening socket on 127.0.0.1:0 whose handlers all end on stop()."""

    def __init__(self) -> None:
        self.stats = Stats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[Writer] = set()
        self.port = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _accept(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        self.stats.connections += 1
        try:
            await self.handle(reader, writer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            self._tasks.discard(task)
            self._writers.discard(writer)

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        raise NotImplementedError  # pragma: no cover - subclasses

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)


async def _discard(reader: asyncio.StreamReader) -> None:
    """Read (and ignore) whatever the client sends, so its writes never block."""
    with contextlib.suppress(OSError):
        while await reader.read(CHUNK):
            pass


class Hostile(Server):
    """Behaves badly from the first byte; ``wait_request`` waits for the client to speak
    (an HTTP request up to its blank line, or any first bytes) before misbehaving."""

    def __init__(self, behaviour: Behaviour, *, wait_request: bytes | None = b"") -> None:
        super().__init__()
        self.behaviour = behaviour
        self.wait_request = wait_request

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        if self.wait_request:
            await reader.readuntil(self.wait_request)
        elif self.wait_request is not None:
            await reader.read(CHUNK)
        drain = asyncio.get_running_loop().create_task(_discard(reader))
        try:
            await self.behaviour(writer, self.stats)
        finally:
            drain.cancel()
            with contextlib.suppress(BaseException):
                await drain


@dataclass
class _Link:
    client_writer: Writer
    upstream_writer: Writer | None = None
    hostile: asyncio.Event = field(default_factory=asyncio.Event)
    behaviour: Behaviour | None = None


class Proxy(Server):
    """Forwards to a real simulator until told to (or until ``marker`` appears in what the
    client sends), then cuts the simulator off and runs ``behaviour`` toward the client.

    After the marker, ``pass_through(data)`` may let the start of the simulator's answer
    through: it returns how many of the buffered bytes to forward (None: need more).
    """

    def __init__(
        self,
        target_port: int,
        behaviour: Behaviour | None = None,
        *,
        marker: bytes | None = None,
        pass_through: Callable[[bytes], int | None] | None = None,
    ) -> None:
        super().__init__()
        self.target_port = target_port
        self.behaviour = behaviour
        self.marker = marker
        self.pass_through = pass_through
        self._links: list[_Link] = []
        self._now = False

    def go_hostile(self, behaviour: Behaviour) -> None:
        """Every connection open now turns hostile, and so does every new one."""
        self.behaviour = behaviour
        self.marker = None
        self._now = True
        for link in self._links:
            link.behaviour = behaviour
            link.hostile.set()

    async def handle(self, reader: asyncio.StreamReader, writer: Writer) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        link = _Link(writer, up_writer)
        self._links.append(link)
        if self._now:
            link.behaviour = self.behaviour
            link.hostile.set()
        triggered = asyncio.Event()
        loop = asyncio.get_running_loop()

        async def client_to_sim() -> None:
            seen = b""
            while data := await reader.read(CHUNK):
                if not triggered.is_set() and not link.hostile.is_set():
                    up_writer.write(data)
                    if self.marker is not None:
                        seen = (seen + data)[-4096:]
                        if self.marker in seen:
                            triggered.set()

        async def sim_to_client() -> None:
            held = b""
            while data := await up_reader.read(CHUNK):
                if link.hostile.is_set():
                    return
                if not triggered.is_set():
                    writer.write(data)
                    continue
                if self.pass_through is None:
                    return
                held += data
                count = self.pass_through(held)
                if count is not None:
                    writer.write(held[:count])
                    link.behaviour = link.behaviour or self.behaviour
                    link.hostile.set()
                    return
            if not link.hostile.is_set():
                writer.close()  # the simulator closed first: so does the proxy

        async def on_trigger() -> None:
            await triggered.wait()
            if self.pass_through is None:
                link.behaviour = link.behaviour or self.behaviour
                link.hostile.set()

        tasks = [
            loop.create_task(client_to_sim()),
            loop.create_task(sim_to_client()),
            loop.create_task(on_trigger()),
        ]
        tasks.append(loop.create_task(link.hostile.wait()))
        try:
            # Hostile from now on, or the simulator closed (sim_to_client ended) first.
            await asyncio.wait({tasks[1], tasks[3]}, return_when=asyncio.FIRST_COMPLETED)
            if not link.hostile.is_set():
                return
            tasks[1].cancel()
            up_writer.transport.abort()
            assert link.behaviour is not None
            await link.behaviour(writer, self.stats)
            await asyncio.Event().wait()  # keep the client side open until stop()
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            up_writer.transport.abort()


# --- what a case waits for ---------------------------------------------------------------------


async def expect_camera_error(
    action: Callable[[], Awaitable[object]],
    stats: Stats | None = None,
    guard: float = GUARD,
) -> CameraError:
    """Run ``action``; it must raise a CameraError within ``guard`` seconds (else: a hang),
    and, when flooded, before the peer sent FLOOD_CAP bytes (else: it buffered or ignored
    the flood)."""
    try:
        async with asyncio.timeout(guard):
            await action()
    except CameraError as err:
        if stats is not None:
            assert not stats.exhausted, f"the client read {stats.sent} bytes without giving up"
        return err
    except TimeoutError:
        pytest.fail(f"hang: no error within {guard} s")
    pytest.fail("no error from a hostile peer")


async def first_event(camera: Any, events: AsyncIterator[Any], kind: str = "motion") -> Any:
    """Start ``events`` and return its first event, pushing one until it arrives (the
    iterator subscribes on its first step)."""
    step = asyncio.ensure_future(anext(events))
    try:
        async with asyncio.timeout(GUARD):
            while not step.done():
                await camera.push_event(kind, True, 0)
                await asyncio.wait({step}, timeout=0.2)
    finally:
        if not step.done():
            step.cancel()
            with contextlib.suppress(BaseException):
                await step
    return step.result()


async def consume(iterator: AsyncIterator[Any]) -> None:
    """Iterate to the end, then close the iterator (its finally blocks run here)."""
    try:
        async for _ in iterator:
            pass
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


async def silence(seconds: float) -> AsyncIterator[bytes]:
    """``seconds`` of 8 kHz s16le silence in 40 ms pieces."""
    for _ in range(int(seconds * 25)):
        yield bytes(640)
