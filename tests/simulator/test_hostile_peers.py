"""Every vendor client against hostile or broken network peers.

A peer that closes at once, stalls, sends random bytes, announces a huge
length, floods garbage, truncates a message, or (HTTP) answers with nonsense
must end in a ``CameraError`` subclass, within a bounded time, without the
client buffering the flood. The peers are small asyncio servers on
127.0.0.1; a ``Proxy`` in front of a real simulator lets the login through and
turns hostile later (on a marker in the client's bytes, or when the test says
so). Faults injected into the real simulators (drop, stall) must end
``events()`` / ``video()`` with ``CannotConnect`` and leave ``connect()``
working afterwards.

``GUARD`` seconds bound every case: an ``asyncio.timeout`` firing there means
the client hung (a bug), not that it was slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import struct
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.cgi.client import Client as CgiClient
from custom_components.ipcam.protocols.dvrip import wire as dvrip_wire
from custom_components.ipcam.protocols.dvrip.client import Client as DvripClient
from custom_components.ipcam.protocols.errors import CameraError, CannotConnect
from custom_components.ipcam.protocols.foscam import av as foscam_av
from custom_components.ipcam.protocols.foscam import framing as foscam_framing
from custom_components.ipcam.protocols.foscam import operation as foscam_op
from custom_components.ipcam.protocols.foscam.client import Client as FoscamClient
from custom_components.ipcam.protocols.grandstream.client import Client as GrandstreamClient
from simulator.foscam import wire as foscam_sim_wire
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

pytestmark = pytest.mark.usefixtures("socket_enabled")

TIMEOUT = 1.0  # the clients' own timeout option (through a proxy to a real simulator)
HOSTILE_TIMEOUT = 0.5  # the same against a peer that is hostile from its first byte
GUARD = 8.0  # a case taking longer than this is a hang
FLOOD_CAP = 50 * 1024 * 1024  # the flooding peer stops after this many bytes
CHUNK = 64 * 1024
HUGE = 0x8000_0000  # 2 GiB

Writer = asyncio.StreamWriter


# --- hostile behaviours ------------------------------------------------------------------------


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


# --- servers -----------------------------------------------------------------------------------


class _Server:
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


class Hostile(_Server):
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


class Proxy(_Server):
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


@pytest.fixture
async def servers() -> AsyncIterator[list[_Server]]:
    made: list[_Server] = []
    yield made
    for server in made:
        await server.stop()


@pytest.fixture
async def clients() -> AsyncIterator[list[CameraClient]]:
    made: list[CameraClient] = []
    yield made
    for client in made:
        with contextlib.suppress(CameraError):
            await client.close()


async def hostile(servers: list[_Server], behaviour: Behaviour, **kwargs: Any) -> Hostile:
    server = Hostile(behaviour, **kwargs)
    await server.start()
    servers.append(server)
    return server


async def proxy(servers: list[_Server], target_port: int, **kwargs: Any) -> Proxy:
    server = Proxy(target_port, **kwargs)
    await server.start()
    servers.append(server)
    return server


async def expect_camera_error(
    action: Callable[[], Awaitable[object]], stats: Stats | None = None, guard: float = GUARD
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


def running(cases: Iterable[str]) -> list[str]:
    """The cases for a stream that is already running, less "stall": the stall of a
    running stream is injected into the real simulators (test_*_on_fault_*)."""
    return sorted(case for case in cases if case != "stall")


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


# --- HTTP answers ------------------------------------------------------------------------------

HTTP_END = b"\r\n\r\n"
JPEG = b"\xff\xd8\xff\xe0" + bytes(200) + b"\xff\xd9"
MJPEG_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=--video boundary--"
    b"\r\nConnection: close\r\n\r\n"
)


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


CGI_CONNECT_CASES = http_cases(b"Model=DCS-930L\r\nMACAddress=00:11:22:33:44:55\r\n")
SNAPSHOT_CASES = {
    **http_cases(JPEG),
    "not_jpeg": send_then_close(
        http("200 OK", {"Content-Type": "image/jpeg", "Content-Length": "11"}, b"hello world")
    ),
    "truncated_jpeg": send_then_close(
        http("200 OK", {"Content-Length": str(len(JPEG))}, JPEG[:100])
    ),
    "jpeg_without_end": send_then_close(http("200 OK", {"Connection": "close"}, JPEG[:-2])),
}
MJPEG_PART = b"--video boundary--\r\nContent-length: %d\r\nContent-type: image/jpeg\r\n\r\n"
CGI_VIDEO_CASES = {
    "close": close_at_once(),
    "stall": stall(),
    "random": random_bytes(),
    "stall_after_head": send_then_stall(MJPEG_HEAD),
    "huge_part": send_then_stall(MJPEG_HEAD + MJPEG_PART % HUGE),
    "huge_part_no_jpeg_end": flood(MJPEG_HEAD + MJPEG_PART % 1000 + JPEG[:-2], repeat(b"\x00")),
    "flood_garbage": flood(MJPEG_HEAD, random_chunks()),
    "flood_boundaries": flood(MJPEG_HEAD, repeat(b"--video boundary--\r\n")),
    "flood_blank_lines": flood(MJPEG_HEAD, repeat(b"\r\n")),
    "flood_blank_in_body": flood(MJPEG_HEAD + MJPEG_PART % 1000, repeat(b"\r\n")),
    "flood_header_boundary": flood(MJPEG_HEAD, repeat(b"X-Junk: 1\r\n--video boundary--\r\n")),
    "flood_headers": flood(MJPEG_HEAD + b"--video boundary--\r\n", repeat(b"X-Junk: 1\r\n")),
    "flood_header_line": flood(MJPEG_HEAD + b"--video boundary--\r\nX-Junk: ", repeat(b"a")),
    "truncated_part": send_then_close(MJPEG_HEAD + MJPEG_PART % len(JPEG) + JPEG[:100]),
    "status_500": send_then_close(http("500 Internal Server Error", {"Content-Length": "0"})),
    "redirect_loop": send_then_close(
        http("302 Found", {"Location": "/mjpeg.cgi", "Content-Length": "0"})
    ),
    "flood_chunked": flood(
        http("200 OK", {"Transfer-Encoding": "chunked", "Content-Type": "multipart/x-mixed"}),
        lambda i: chunked(random.Random(i).randbytes(CHUNK - 16)),
    ),
}


def cgi_client(
    port: int, clients: list[CameraClient], timeout: float = HOSTILE_TIMEOUT
) -> CgiClient:
    client = CgiClient(
        "127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout, poll_interval=0.2
    )
    clients.append(client)
    return client


@pytest.mark.parametrize("case", sorted(CGI_CONNECT_CASES))
async def test_cgi_connect_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, CGI_CONNECT_CASES[case], wait_request=HTTP_END)
    client = cgi_client(server.port, clients)
    await expect_camera_error(client.connect, server.stats)


@pytest.mark.xfail(
    strict=True,
    reason="aiohttp 3.11 does not enforce max_headers (aio-libs/aiohttp#6721, fixed upstream "
    "by #11955): endless header lines are buffered until the request timeout",
)
async def test_http_header_flood_is_refused_early(
    servers: list[_Server], clients: list[CameraClient]
) -> None:
    """An endless header section must end the request after a bounded amount of it.

    Every HTTP client here (IPCamCGI, Foscam CGIs) reads answers with aiohttp, and
    Home Assistant hands them its shared session: the limit must come from aiohttp.
    """
    server = await hostile(
        servers, flood(b"HTTP/1.1 200 OK\r\n", repeat(b"X-Junk: 1\r\n")), wait_request=HTTP_END
    )
    client = cgi_client(server.port, clients, timeout=0.5)
    await expect_camera_error(client.connect)
    assert server.stats.sent < 4 * 1024 * 1024, f"{server.stats.sent} bytes of headers read"


@pytest.mark.parametrize("case", sorted(SNAPSHOT_CASES))
async def test_cgi_snapshot_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, SNAPSHOT_CASES[case], wait_request=HTTP_END)
    client = cgi_client(server.port, clients)
    await expect_camera_error(client.snapshot, server.stats)


@pytest.mark.parametrize(
    "case", ["close", "random", "huge_length", "flood_body", "truncated", "status_500"]
)
async def test_cgi_events_hostile(
    case: str, start_simulator: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """events() polls iocontrol.cgi; the camera's web server turns hostile meanwhile."""
    camera = await start_simulator("cgi")
    server = await proxy(servers, camera.ports["http"])
    client = cgi_client(server.port, clients, TIMEOUT)
    await client.connect()
    events = client.events()
    assert (await first_event(camera, events, "input")).active
    server.go_hostile(CGI_CONNECT_CASES[case])
    await expect_camera_error(lambda: consume(events), server.stats)


@pytest.mark.parametrize("case", sorted(CGI_VIDEO_CASES))
async def test_cgi_video_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, CGI_VIDEO_CASES[case], wait_request=HTTP_END)
    client = cgi_client(server.port, clients)
    await expect_camera_error(lambda: consume(client.video()), server.stats)


# --- Foscam (MO_O / MO_V on the web port) ------------------------------------------------------


def foscam_header(magic: bytes, op: int, length: int) -> bytes:
    return struct.pack("<4sHB8sII", magic, op, 0, bytes(8), length, length)


FOSCAM_LOGIN_OK = foscam_sim_wire.encode(foscam_op.LoginResp(0, "00626E4E72BF"))


def foscam_stream_cases(magic: bytes, op: int) -> dict[str, Behaviour]:
    """Hostile MO_O (op = a reply op) or MO_V (op = video data) bytes."""
    valid = foscam_framing.encode_packet(magic, op, bytes(40))
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(foscam_header(magic, op, HUGE)),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_unknown_packets": flood(
            b"", repeat(foscam_framing.encode_packet(magic, 999, bytes(64)))
        ),
        "flood_magic_prefixes": flood(b"", repeat(magic[:3] + b"x")),
        "truncated": send_then_close(valid[: len(valid) // 2]),
        "truncated_header": send_then_close(valid[:10]),
    }


FOSCAM_CONNECT_CASES = {
    **foscam_stream_cases(foscam_framing.MAGIC_OPERATION, foscam_op.OpCode.LOGIN_RESP),
    "short_login_resp": send_then_stall(
        foscam_framing.encode_packet(
            foscam_framing.MAGIC_OPERATION, foscam_op.OpCode.LOGIN_RESP, b"\0"
        )
    ),
    "login_then_close": send_then_close(FOSCAM_LOGIN_OK),
    "login_then_stall": send_then_stall(FOSCAM_LOGIN_OK),
    "login_then_huge": send_then_stall(
        FOSCAM_LOGIN_OK
        + foscam_header(foscam_framing.MAGIC_OPERATION, foscam_op.OpCode.VERIFY_RESP, HUGE)
    ),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}
FOSCAM_AV_CASES = foscam_stream_cases(foscam_framing.MAGIC_AV, foscam_av.AvOpCode.VIDEO_DATA)
FOSCAM_OP_CASES = foscam_stream_cases(foscam_framing.MAGIC_OPERATION, foscam_op.OpCode.ALARM_NOTIFY)


def foscam_client(port: int, clients: list[CameraClient], timeout: float = TIMEOUT) -> FoscamClient:
    client = FoscamClient(
        "127.0.0.1",
        port,
        SIM_USERNAME,
        SIM_PASSWORD,
        timeout=timeout,
        dead_after=1.5,
        keepalive_interval=0.5,
    )
    clients.append(client)
    return client


@pytest.fixture
async def foscam_camera(start_simulator: Any) -> Any:
    return await start_simulator("foscam", keepalive_interval=0.5)


@pytest.mark.parametrize("case", sorted(FOSCAM_CONNECT_CASES))
async def test_foscam_connect_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, FOSCAM_CONNECT_CASES[case])
    client = foscam_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(client.connect, server.stats)


@pytest.mark.parametrize("case", sorted(SNAPSHOT_CASES))
async def test_foscam_snapshot_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, SNAPSHOT_CASES[case], wait_request=HTTP_END)
    client = foscam_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(client.snapshot, server.stats)


@pytest.mark.parametrize("case", running(FOSCAM_AV_CASES))
async def test_foscam_video_hostile_av_connection(
    case: str, foscam_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """Login through a proxy to the simulator; the A/V connection (MO_V) is hostile."""
    server = await proxy(
        servers, foscam_camera.ports["http"], behaviour=FOSCAM_AV_CASES[case], marker=b"MO_V"
    )
    client = foscam_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: consume(client.video()), server.stats)
    await client.connect()  # the client recovers


@pytest.mark.parametrize("case", running(FOSCAM_OP_CASES))
async def test_foscam_events_hostile_after_login(
    case: str, foscam_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """A logged-in operation connection (MO_O) turns hostile while events() waits."""
    server = await proxy(servers, foscam_camera.ports["http"])
    client = foscam_client(server.port, clients)
    await client.connect()
    events = client.events()
    assert (await first_event(foscam_camera, events)).active
    server.go_hostile(FOSCAM_OP_CASES[case])
    await expect_camera_error(lambda: consume(events), server.stats)


@pytest.mark.parametrize("case", ["close", "stall", "random"])
async def test_foscam_talk_hostile(
    case: str, foscam_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """talk() while the operation connection turns hostile (no Talk_Start_Resp, or gone)."""
    server = await proxy(servers, foscam_camera.ports["http"])
    client = foscam_client(server.port, clients)
    await client.connect()
    server.go_hostile(FOSCAM_OP_CASES[case])
    await expect_camera_error(lambda: client.talk(silence(3.0)), server.stats)


@pytest.mark.parametrize("case", ["close", "huge_length", "random"])
async def test_foscam_talk_hostile_av_connection(
    case: str, foscam_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """talk() whose A/V connection closes or sends nonsense ends early with an error."""
    server = await proxy(
        servers, foscam_camera.ports["http"], behaviour=FOSCAM_AV_CASES[case], marker=b"MO_V"
    )
    client = foscam_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: client.talk(silence(5.0)), server.stats)


async def silence(seconds: float) -> AsyncIterator[bytes]:
    """``seconds`` of 8 kHz s16le silence in 40 ms pieces."""
    for _ in range(int(seconds * 25)):
        yield bytes(640)


# --- DVRIP (TCP 34567) -------------------------------------------------------------------------

MsgId = dvrip_wire.MsgId


def dvrip_header(msg_id: int, length: int, *, total: int = 0, current: int = 0) -> bytes:
    return struct.pack("<BBBBIIBBHI", 0xFF, 1, 0, 0, 1, 0, total, current, msg_id, length)


def dvrip_packet(msg_id: int, payload: bytes) -> bytes:
    return dvrip_header(msg_id, len(payload)) + payload


def dvrip_json(msg_id: int, body: dict[str, Any]) -> bytes:
    return dvrip_wire.encode_json(msg_id, body, session=1)


DVRIP_LOGIN_OK = dvrip_json(
    MsgId.LOGIN_REPLY, {"Ret": 100, "SessionID": "0x00000001", "AliveInterval": 20}
)


def dvrip_fragments(index: int) -> bytes:
    """The first packet of a two-packet JSON message, a new message id every time."""
    payload = b" " * (256 * 1024)
    return dvrip_header(2000 + index % 60000, len(payload), total=2) + payload


def dvrip_packet_end(data: bytes) -> int | None:
    """Where the first complete DVRIP packet in ``data`` ends (None: not complete yet)."""
    if len(data) < 20:
        return None
    end = 20 + int(struct.unpack_from("<I", data, 16)[0])
    return end if len(data) >= end else None


def dvrip_stream_cases(msg_id: int) -> dict[str, Behaviour]:
    """Hostile bytes where the client waits for ``msg_id`` (a reply, or media)."""
    reply = dvrip_json(msg_id, {"Ret": 100, "Name": "x"})
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(dvrip_header(msg_id, HUGE)),
        "huge_fragment_count": send_then_stall(dvrip_header(msg_id, 10, total=255) + bytes(10)),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_unknown_json": flood(b"", repeat(dvrip_json(9999, {"Ret": 100, "Name": "x"}))),
        "flood_fragments": flood(b"", dvrip_fragments),
        "not_json": send_then_stall(dvrip_packet(msg_id, b"\xff\xfenot{")),
        "json_array": send_then_stall(dvrip_packet(msg_id, b"[1, 2, 3]")),
        "deep_json": send_then_stall(dvrip_packet(msg_id, b"[" * 200_000)),
        "truncated": send_then_close(reply[: len(reply) // 2]),
        "truncated_header": send_then_close(reply[:10]),
    }


DVRIP_CONNECT_CASES = {
    **dvrip_stream_cases(MsgId.LOGIN_REPLY),
    "login_then_close": send_then_close(DVRIP_LOGIN_OK),
    "login_then_stall": send_then_stall(DVRIP_LOGIN_OK),
    "login_then_garbage": send_then_stall(DVRIP_LOGIN_OK + random.Random(3).randbytes(4096)),
    "login_reply_without_ret": send_then_stall(dvrip_json(MsgId.LOGIN_REPLY, {"Name": "x"})),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}


def media_packet(payload: bytes) -> bytes:
    return dvrip_wire.encode_packet(MsgId.MONITOR_DATA, payload, session=1, current=1)


def info_frame(index: int) -> bytes:
    frame = b"\x00\x00\x01\xf9" + struct.pack("<BBH", 1, 1, 200) + bytes(200)
    return media_packet(frame * 100)


DVRIP_MEDIA_CASES = {
    name: behaviour
    for name, behaviour in dvrip_stream_cases(MsgId.MONITOR_DATA).items()
    if name not in ("not_json", "json_array")  # media is binary: the same as "random"
} | {
    "huge_frame": send_then_stall(
        media_packet(b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", 2, 25, 80, 45, 0, HUGE))
    ),
    "flood_media_garbage": flood(b"", lambda i: media_packet(random.Random(i).randbytes(8192))),
    "flood_info_frames": flood(b"", info_frame),
    "truncated_frame": send_then_close(
        media_packet(b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", 2, 25, 80, 45, 0, 5000))
    ),
}


def dvrip_client(port: int, clients: list[CameraClient], timeout: float = TIMEOUT) -> DvripClient:
    client = DvripClient("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout)
    clients.append(client)
    return client


@pytest.fixture
async def dvrip_camera(start_simulator: Any) -> Any:
    return await start_simulator("dvrip", alive_interval=1)


@pytest.mark.parametrize("case", sorted(DVRIP_CONNECT_CASES))
async def test_dvrip_connect_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, DVRIP_CONNECT_CASES[case])
    client = dvrip_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(client.connect, server.stats)


@pytest.mark.parametrize("case", running(DVRIP_MEDIA_CASES))
async def test_dvrip_video_hostile(
    case: str, dvrip_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The live-stream connection logs in and claims; then its media is hostile."""
    server = await proxy(
        servers,
        dvrip_camera.ports["dvrip"],
        behaviour=DVRIP_MEDIA_CASES[case],
        marker=b'"Claim"',
        pass_through=dvrip_packet_end,
    )
    client = dvrip_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: consume(client.video()), server.stats)


DVRIP_EVENT_CASES = (
    "close",
    "random",
    "huge_length",
    "flood_garbage",
    "flood_fragments",
    "deep_json",
    "truncated",
)


@pytest.mark.parametrize("case", running(DVRIP_EVENT_CASES))
async def test_dvrip_events_hostile(
    case: str, dvrip_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The alarm connection turns hostile while events() waits."""
    server = await proxy(servers, dvrip_camera.ports["dvrip"])
    client = dvrip_client(server.port, clients)
    await client.connect()
    events = client.events()
    assert (await first_event(dvrip_camera, events)).active
    server.go_hostile(DVRIP_CONNECT_CASES[case])
    await expect_camera_error(lambda: consume(events), server.stats)


@pytest.mark.parametrize("case", ["close", "stall", "random", "huge_length", "flood_garbage"])
async def test_dvrip_snapshot_hostile(
    case: str, dvrip_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The control connection (OPSNAP) and the stream fallback are hostile."""
    server = await proxy(servers, dvrip_camera.ports["dvrip"])
    client = dvrip_client(server.port, clients)
    await client.connect()
    server.go_hostile(DVRIP_CONNECT_CASES[case])
    await expect_camera_error(client.snapshot, server.stats)


@pytest.mark.parametrize("case", ["close", "stall", "random", "huge_length", "flood_garbage"])
async def test_dvrip_talk_hostile(
    case: str, dvrip_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The talk connection logs in and claims; then it is hostile."""
    server = await proxy(
        servers,
        dvrip_camera.ports["dvrip"],
        behaviour=DVRIP_CONNECT_CASES[case],
        marker=b'"OPTalk"',
        pass_through=dvrip_packet_end,
    )
    client = dvrip_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: client.talk(silence(5.0)), server.stats)


# --- Grandstream (RTSP + MCTP on one port) -----------------------------------------------------


def rtsp(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"RTSP/1.0 {status}", "CSeq: 1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


SDP = (
    b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=GXV\r\nt=0 0\r\n"
    b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"
)


def interleaved(channel: int, payload: bytes) -> bytes:
    return struct.pack("!cBH", b"$", channel, len(payload)) + payload


def rtp_packet(payload: bytes, sequence: int = 0, marker: bool = False) -> bytes:
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 96, sequence, 0, 1) + payload


def fu_a_start(index: int) -> bytes:
    """FU-A fragments of one never-ending IDR unit (start once, then middles)."""
    indicator, header = 0x7C, (0x80 if index == 0 else 0x00) | 5
    return interleaved(0, rtp_packet(bytes([indicator, header]) + bytes(60000), index & 0xFFFF))


def rtsp_stream_cases() -> dict[str, Behaviour]:
    """Hostile bytes where the client waits for an RTSP answer or interleaved media."""
    reply = rtsp("200 OK", {"Content-Type": "application/sdp"}, SDP)
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: %d\r\n\r\n" % HUGE
        ),
        "long_length": send_then_stall(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 60000000\r\n\r\n"
        ),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_line_ends": flood(b"", repeat(b"\r\n")),
        "flood_headers": flood(b"RTSP/1.0 200 OK\r\n", repeat(b"X-Junk: 1\r\n")),
        "flood_rtcp": flood(b"", repeat(interleaved(1, bytes(1000)))),
        "flood_other_channel": flood(b"", repeat(interleaved(4, rtp_packet(bytes(1000))))),
        "flood_bad_rtp": flood(b"", repeat(interleaved(0, bytes(1000)))),
        "truncated": send_then_close(reply[: len(reply) - 20]),
        "truncated_interleaved": send_then_close(interleaved(0, rtp_packet(bytes(100)))[:50]),
    }


GRANDSTREAM_CONNECT_CASES = {
    **rtsp_stream_cases(),
    "status_500": send_then_close(rtsp("500 Internal Server Error")),
    "redirect": send_then_close(rtsp("302 Moved", {"Location": "rtsp://127.0.0.1:1/0"})),
    "unauthorized_without_digest": send_then_stall(
        rtsp("401 Unauthorized", {"WWW-Authenticate": 'Basic realm="x"'})
    ),
    "unauthorized_forever": flood(
        b"",
        repeat(rtsp("401 Unauthorized", {"WWW-Authenticate": 'Digest realm="x", nonce="abc"'})),
    ),
    "not_sdp": send_then_stall(rtsp("200 OK", {}, b"<html>hello</html>")),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}
GRANDSTREAM_MEDIA_CASES = {
    **rtsp_stream_cases(),
    "flood_fu_a": flood(b"", fu_a_start),
    "session_gone": send_then_stall(rtsp("454 Session Not Found")),
}
MCTP_CASES = {
    "close": close_at_once(),
    "stall": stall(),
    "random": random_bytes(),
    "flood_garbage": flood(b"", random_chunks()),
    "flood_newlines": flood(b"", repeat(b"\n")),
    "flood_long_line": flood(b"CMD:ALIVE MCTP/1.0 SC\r\n@", repeat(b"1")),
    "flood_lines": flood(b"CMD:ALIVE MCTP/1.0 SC\r\n", repeat(b"@1@2@3\r\n")),
    "truncated": send_then_close(b"CMD:ALIVE MCTP/1.0 SC\r\n@FFFF"),
}


def rtsp_head_end(data: bytes) -> int | None:
    end = data.find(b"\r\n\r\n")
    return None if end < 0 else end + 4


def grandstream_client(
    port: int, clients: list[CameraClient], timeout: float = TIMEOUT
) -> GrandstreamClient:
    client = GrandstreamClient(
        "127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout, keepalive_interval=0.25
    )
    clients.append(client)
    return client


@pytest.fixture
async def grandstream_camera(start_simulator: Any) -> Any:
    return await start_simulator("grandstream")


@pytest.mark.parametrize("case", sorted(GRANDSTREAM_CONNECT_CASES))
async def test_grandstream_connect_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, GRANDSTREAM_CONNECT_CASES[case], wait_request=HTTP_END)
    client = grandstream_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(client.connect, server.stats)


@pytest.mark.parametrize("case", running(GRANDSTREAM_MEDIA_CASES))
async def test_grandstream_video_hostile(
    case: str, grandstream_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """DESCRIBE, SETUP and PLAY go through; then the stream is hostile."""
    server = await proxy(
        servers,
        grandstream_camera.ports["rtsp"],
        behaviour=GRANDSTREAM_MEDIA_CASES[case],
        marker=b"PLAY ",
        pass_through=rtsp_head_end,
    )
    client = grandstream_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: consume(client.video()), server.stats)


@pytest.mark.parametrize(
    "case", ["close", "stall", "random", "flood_rtcp", "flood_fu_a", "truncated_interleaved"]
)
async def test_grandstream_snapshot_hostile(
    case: str, grandstream_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await proxy(
        servers,
        grandstream_camera.ports["rtsp"],
        behaviour=GRANDSTREAM_MEDIA_CASES[case],
        marker=b"PLAY ",
        pass_through=rtsp_head_end,
    )
    client = grandstream_client(server.port, clients)
    await client.connect()
    await expect_camera_error(client.snapshot, server.stats, guard=GUARD + 2 * TIMEOUT)


@pytest.mark.parametrize("case", running(MCTP_CASES))
async def test_grandstream_events_hostile(
    case: str, grandstream_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The MCTP connection (and the RTSP session) turn hostile while events() waits."""
    server = await proxy(servers, grandstream_camera.ports["rtsp"])
    client = grandstream_client(server.port, clients)
    await client.connect()
    events = client.events()
    assert (await first_event(grandstream_camera, events)).active
    server.go_hostile(MCTP_CASES[case])
    await expect_camera_error(lambda: consume(events), server.stats)


@pytest.mark.parametrize("case", sorted(set(MCTP_CASES) - {"flood_newlines"}))
async def test_grandstream_events_hostile_handshake(
    case: str, grandstream_camera: Any, servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The MCTP connection is hostile from its first byte (the RTSP session is real)."""
    server = await proxy(
        servers, grandstream_camera.ports["rtsp"], behaviour=MCTP_CASES[case], marker=b"MCTP/"
    )
    client = grandstream_client(server.port, clients)
    await client.connect()
    await expect_camera_error(lambda: consume(client.events()), server.stats)


@pytest.mark.parametrize("case", sorted(MCTP_CASES))
async def test_grandstream_talk_hostile(
    case: str, servers: list[_Server], clients: list[CameraClient]
) -> None:
    server = await hostile(servers, MCTP_CASES[case])
    client = grandstream_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(lambda: client.talk(silence(3.0)), server.stats)


async def test_grandstream_talk_accepted_then_closed(
    servers: list[_Server], clients: list[CameraClient]
) -> None:
    """The camera accepts the talk channel, then goes away: talk() ends with an error."""
    server = await hostile(servers, send_then_close(b"CMD:TALK MCTP/1.0 SC\r\n@0@1@1@\r\n"))
    client = grandstream_client(server.port, clients, HOSTILE_TIMEOUT)
    await expect_camera_error(lambda: client.talk(silence(5.0)), server.stats)


# --- faults injected into the real simulators --------------------------------------------------

# A stall outlasts every client's detection (1-1.5 s). It is not lifted early: the
# simulators' handlers sleep until its planned end.
FAULT_SECONDS = 2.0
SIM_OPTIONS: dict[str, dict[str, Any]] = {
    "cgi": {},
    "foscam": {"keepalive_interval": 0.5},
    "dvrip": {"alive_interval": 1},
    "grandstream": {},
}
EVENT_KIND = {"cgi": "input", "foscam": "motion", "dvrip": "motion", "grandstream": "motion"}


def sim_client(vendor: str, camera: Any, clients: list[CameraClient]) -> CameraClient:
    port = next(iter(camera.ports.values()))
    if vendor == "cgi":
        return cgi_client(port, clients, TIMEOUT)
    if vendor == "foscam":
        return foscam_client(port, clients)
    if vendor == "dvrip":
        return dvrip_client(port, clients, 0.5)  # a stall is seen at keep-alive + timeout
    return grandstream_client(port, clients)


async def until_reachable(camera: Any) -> None:
    async with asyncio.timeout(FAULT_SECONDS + GUARD):
        while camera.stalled or not camera.reachable:
            await asyncio.sleep(0.05)


@pytest.mark.parametrize("fault", ["drop", "stall"])
@pytest.mark.parametrize("vendor", ["cgi", "foscam", "dvrip", "grandstream"])
async def test_events_end_on_fault_then_reconnect(
    vendor: str, fault: str, start_simulator: Any, clients: list[CameraClient]
) -> None:
    """A dropped or stalled camera ends events() with CannotConnect; connect() then works."""
    camera = await start_simulator(vendor, **SIM_OPTIONS[vendor])
    client = sim_client(vendor, camera, clients)
    await client.connect()
    if vendor == "cgi" and fault == "drop":
        fault = "refuse"  # events() polls, one request at a time: gone = refusing
    events = client.events()
    assert (await first_event(camera, events, EVENT_KIND[vendor])).active
    await camera.inject_fault(fault, FAULT_SECONDS)
    error = await expect_camera_error(lambda: consume(events))
    assert isinstance(error, CannotConnect), repr(error)
    await until_reachable(camera)
    async with asyncio.timeout(GUARD):
        await client.connect()
    events = client.events()
    try:
        assert (await first_event(camera, events, EVENT_KIND[vendor])).active
    finally:
        await events.aclose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("fault", ["drop", "stall"])
@pytest.mark.parametrize("vendor", ["cgi", "foscam", "dvrip", "grandstream"])
async def test_video_ends_on_fault_then_reconnect(
    vendor: str, fault: str, start_simulator: Any, clients: list[CameraClient]
) -> None:
    """A dropped or stalled camera ends video() with CannotConnect; connect() then works."""
    camera = await start_simulator(vendor, **SIM_OPTIONS[vendor])
    client = sim_client(vendor, camera, clients)
    await client.connect()
    video = client.video()
    async with asyncio.timeout(GUARD):
        assert (await anext(video)).data
    await camera.inject_fault(fault, FAULT_SECONDS)
    error = await expect_camera_error(lambda: consume(video))
    assert isinstance(error, CannotConnect), repr(error)
    await until_reachable(camera)
    async with asyncio.timeout(GUARD):
        await client.connect()
        video = client.video()
        try:
            assert (await anext(video)).data
        finally:
            await video.aclose()  # type: ignore[attr-defined]
