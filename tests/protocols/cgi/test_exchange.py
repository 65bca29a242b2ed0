"""IPCamCGI calls on the wire: one HTTP/1.0 request per connection, the answer read sans-I/O.

Against a raw server that records what arrives and answers fixed bytes (then hangs up, or
keeps the connection open), and against the simulator. A case that would wait for the end
of the connection where it must not fails with ``CannotConnect`` (the client's timeout),
not by a clock.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from custom_components.ipcam.protocols import httpstream
from custom_components.ipcam.protocols.cgi import calls
from custom_components.ipcam.protocols.cgi.client import Client
from custom_components.ipcam.protocols.cgi.groups import ImageConfig, ImageInfo, SystemInfo
from custom_components.ipcam.protocols.cgi.query import MAX_BODY
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CannotConnect,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from simulator.cgi import CgiCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

IO_LINE = b"Trigger1=0&Trigger2=1&ImageUpload=0&ImageEmail=0&CurrentTime=x&Input1=1&Input2=0"


@dataclass
class RawServer:
    """Answers each connection with ``answers[path]`` (else the last of ``answers``), after
    reading the request (its head and a ``Content-Length`` body); then hangs up, or with
    ``keep_open`` leaves the connection open. ``None`` hangs up without answering."""

    answers: dict[str, bytes | None]
    keep_open: bool = False
    requests: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            self.requests.append(head + body)
            path = head.split(b" ")[1].split(b"?")[0].decode()
            answer = self.answers.get(path, list(self.answers.values())[-1])
            if answer is not None:
                writer.write(answer)
                await writer.drain()
                if self.keep_open:
                    await asyncio.Event().wait()
        writer.close()


@pytest.fixture
async def raw_server(socket_enabled: None) -> AsyncIterator[Any]:
    servers: list[asyncio.Server] = []
    handlers: set[asyncio.Task[None]] = set()

    async def start(answers: dict[str, bytes | None], *, keep_open: bool = False) -> RawServer:
        raw = RawServer(answers, keep_open)

        async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            handlers.add(task)
            try:
                await raw.handle(reader, writer)
            finally:
                handlers.discard(task)

        server = await asyncio.start_server(accept, "127.0.0.1", 0)
        servers.append(server)
        raw.port = server.sockets[0].getsockname()[1]
        return raw

    yield start
    for task in list(handlers):
        task.cancel()
    for server in servers:
        server.close()


def raw_client(raw: RawServer, timeout: float = 2.0) -> Client:
    return Client("127.0.0.1", raw.port, "admin", "pa:ss\u00e9", timeout=timeout)


def answer(status: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"HTTP/1.0 {status}", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def head_lines(request: bytes) -> list[str]:
    return request.split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")


# --- what goes out -------------------------------------------------------------------------


async def test_a_post_is_one_http_1_0_request_with_its_form_body(raw_server: Any) -> None:
    raw = await raw_server({"/comport.cgi": answer("204 No Content")})
    client = raw_client(raw)
    call = calls.com_send("PING 1")
    await client.call(call)
    (request,) = raw.requests
    lines = head_lines(request)
    assert lines[0] == "POST /comport.cgi HTTP/1.0"
    credentials = base64.b64encode("admin:pa:ss\u00e9".encode("latin-1")).decode()
    assert set(lines[1:]) == {
        f"Host: 127.0.0.1:{raw.port}",
        f"Authorization: Basic {credentials}",
        "User-Agent: user",
        "Connection: close",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(call.body or b'')}",
    }
    assert request.endswith(b"\r\n\r\n" + (call.body or b""))
    assert call.body == b"ComOut=PING%201&ComSend=Yes"


async def test_a_get_carries_its_query_and_no_body(raw_server: Any) -> None:
    raw = await raw_server({"/image.cgi": answer("200 OK", b"FrameRate=5\r\n")})
    client = raw_client(raw)
    assert (await client.write_group(ImageConfig, frame_rate=5)).frame_rate == 5
    (request,) = raw.requests
    lines = head_lines(request)
    assert lines[0].startswith("GET /image.cgi?") and lines[0].endswith(" HTTP/1.0")
    assert "FrameRate=5" in lines[0] and "ConfigReboot=No" in lines[0]
    assert not any(line.lower().startswith("content-") for line in lines)
    assert request.endswith(b"\r\n\r\n")


def test_a_request_target_must_be_an_encoded_path() -> None:
    for target in ("/a b.cgi", "/\u00e9.cgi", "/a\x7f", "a.cgi"):
        with pytest.raises(InvalidValue):
            httpstream.request("GET", target, "cam:80", {})
    with pytest.raises(InvalidValue):
        Client("127.0.0.1", 80, "ad:min", "x")  # Basic auth cannot carry it


# --- how the answer ends -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        answer("200 OK", IO_LINE, Content_Length=str(len(IO_LINE))),
        answer("200 OK", IO_LINE + b"junk after the length", Content_Length=str(len(IO_LINE))),
        answer("200 OK", b"5\r\nTrigg\r\n" + b"%x\r\n" % (len(IO_LINE) - 5) + IO_LINE[5:]).replace(
            b"200 OK", b"200 OK\r\nTransfer-Encoding: chunked"
        )
        + b"\r\n0\r\n\r\n",
    ],
    ids=["content_length", "more_than_the_length", "chunked"],
)
async def test_an_answer_that_frames_itself_needs_no_hang_up(raw_server: Any, sent: bytes) -> None:
    """HTTP/1.1 servers that keep the connection open (or send more) all the same."""
    raw = await raw_server({"/iocontrol.cgi": sent}, keep_open=True)
    status = await raw_client(raw).get_io_status()
    assert (status.trigger2, status.input1, status.input2) == (1, 1, 0)


async def test_no_content_needs_no_hang_up(raw_server: Any) -> None:
    raw = await raw_server(
        {"/pantiltcontrol.cgi": b"HTTP/1.1 204 No Content\r\n\r\n"}, keep_open=True
    )
    await raw_client(raw).call(calls.pan_tilt({"PanSingleMoveDegree": "5"}))


async def test_a_body_without_a_length_ends_with_the_connection(raw_server: Any) -> None:
    raw = await raw_server({"/iocontrol.cgi": answer("200 OK", IO_LINE)})
    assert (await raw_client(raw).get_io_status()).input1 == 1


async def test_a_body_without_a_length_and_no_hang_up_times_out(raw_server: Any) -> None:
    raw = await raw_server({"/iocontrol.cgi": answer("200 OK", IO_LINE)}, keep_open=True)
    client = raw_client(raw, timeout=0.3)
    with pytest.raises(CannotConnect, match="no answer within"):
        await client.get_io_status()
    assert "no answer within" in client.diagnostics()["last_error"]


# --- bounds and broken answers -----------------------------------------------------------------


async def test_a_length_over_the_limit_is_refused_before_the_body(raw_server: Any) -> None:
    """The camera announces 1 GB and sends nothing more: refused at once (ProtocolError),
    not after the timeout (CannotConnect)."""
    raw = await raw_server(
        {"/isystem.cgi": answer("200 OK", Content_Length="1000000000")}, keep_open=True
    )
    with pytest.raises(ProtocolError, match="is over"):
        await raw_client(raw, timeout=5).read_group(SystemInfo)


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_limit_is_refused_as_it_grows(raw_server: Any, chunked: bool) -> None:
    body = b"CameraName=" + b"x" * MAX_BODY
    if chunked:
        sent = answer("200 OK", b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
        sent = sent.replace(b"200 OK", b"200 OK\r\nTransfer-Encoding: chunked")
    else:
        sent = answer("200 OK", body)
    raw = await raw_server({"/isystem.cgi": sent}, keep_open=True)
    with pytest.raises(ProtocolError, match="larger than"):
        await raw_client(raw, timeout=5).read_group(SystemInfo)


@pytest.mark.parametrize(
    ("sent", "match"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "not an HTTP response"),
        (b"HTTP/1.0 200 OK\r\n" + b"X-Junk: 1\r\n" * 4000, "head too long"),
        (answer("200 OK", b"Model=x", Content_Length="100"), "short of its Content-Length"),
        (answer("200 OK", b"Model=x", Content_Length="ten"), "Content-Length"),
        (answer("200 OK", b"zz\r\n").replace(b"OK", b"OK\r\nTransfer-Encoding: chunked"), "chunk"),
        (b"HTTP/1.0 200 OK\r\nContent-Le", "without answering"),
    ],
    ids=["not_http", "huge_head", "truncated", "bad_length", "bad_chunk", "cut_in_head"],
)
async def test_broken_http_is_cannot_connect(raw_server: Any, sent: bytes, match: str) -> None:
    raw = await raw_server({"/isystem.cgi": sent})
    client = raw_client(raw, timeout=5)
    with pytest.raises(CannotConnect, match=match) as info:
        await client.read_group(SystemInfo)
    assert str(info.value).startswith("/isystem.cgi: ")
    assert client.diagnostics()["last_error"] == str(info.value)


async def test_statuses_map_to_errors_and_404_asks_the_other_name(raw_server: Any) -> None:
    raw = await raw_server(
        {
            "/iimage.cgi": answer("404 Not Found", b"nope"),
            "/image.cgi": answer("200 OK", b"VideoResolution=640 x 480\r\n"),
            "/isystem.cgi": answer("401 Unauthorized", WWW_Authenticate='Basic realm="x"'),
            "/motion.cgi": answer("404 Not Found"),
            "/reset.cgi": answer("302 Found", Location="/"),
        }
    )
    client = raw_client(raw)
    assert (await client.read_group(ImageInfo)).video_resolution == "640 x 480"
    with pytest.raises(AuthError):
        await client.read_group(SystemInfo)
    with pytest.raises(NotSupported):
        await client.call(calls.raw("/motion.cgi"))
    with pytest.raises(ProtocolError, match="302"):
        await client.reset()


async def test_a_camera_that_hangs_up_at_a_reset_is_restarting(raw_server: Any) -> None:
    """reset(): a camera restarting at once may hang up without answering; any other call
    that gets no answer is CannotConnect."""
    raw = await raw_server({"/reset.cgi": None})
    client = raw_client(raw)
    await client.reset()
    await client.reset(factory=True)
    assert [head_lines(r)[0] for r in raw.requests] == [
        "GET /reset.cgi?Reset=Yes HTTP/1.0",
        "GET /reset.cgi?FactoryReset=Yes HTTP/1.0",
    ]
    with pytest.raises(CannotConnect, match="without answering"):
        await client.get_io_status()


# --- the simulator -----------------------------------------------------------------------------


@pytest.fixture
async def cam(start_simulator: Any) -> CgiCamera:
    camera = await start_simulator("cgi")
    assert isinstance(camera, CgiCamera)
    return camera


async def test_posts_reach_the_simulator_and_wrong_passwords_do_not(cam: CgiCamera) -> None:
    client = Client("127.0.0.1", cam.ports["http"], SIM_USERNAME, SIM_PASSWORD, timeout=5)
    status = await client.get_io_status()
    await client.call(calls.io_write(status, trigger2=True, image_email=True))
    assert cam.io == {"trigger1": 0, "trigger2": 1, "image_upload": 0, "image_email": 1}
    await client.call(calls.com_send("A=B&C"))  # the form encoding survives the trip
    assert cam.vendor_state()["com_out"] == ["A=B&C"]
    wrong = Client("127.0.0.1", cam.ports["http"], SIM_USERNAME, "wrong", timeout=5)
    with pytest.raises(AuthError, match="401"):
        await wrong.call(calls.io_write(status, trigger1=True))
    with pytest.raises(AuthError, match="401"):
        await wrong.get_io_status()
    assert cam.io["trigger1"] == 0
    assert cam.rejected_logins == 2
