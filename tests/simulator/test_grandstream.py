"""The simulated GXV camera: its quirks on the wire, and PyAV and ffmpeg playing from it."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import av
import pytest

from custom_components.ipcam.protocols.errors import CannotConnect
from custom_components.ipcam.protocols.grandstream.client import Client, _until
from custom_components.ipcam.protocols.grandstream.digest import (
    authorization_header,
    parse_challenge,
)
from custom_components.ipcam.protocols.grandstream.mctp import heartbeat_request, keepalive_request
from custom_components.ipcam.protocols.grandstream.rtsp import RtspReader, RtspResponse
from custom_components.ipcam.protocols.grandstream.rtsp_session import Ready
from custom_components.ipcam.protocols.transport import Inbox
from simulator.base import FaultError
from simulator.grandstream import GrandstreamCamera
from simulator.grandstream.mctp_wire import heartbeat_reply, keepalive_reply
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

FFMPEG = "/usr/bin/ffmpeg"


async def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    """Poll until ``condition()`` holds (a bounded wait, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        assert loop.time() < deadline, "condition never became true"
        await asyncio.sleep(0.02)


@pytest.fixture
async def camera(start_simulator: Any) -> GrandstreamCamera:
    cam: GrandstreamCamera = await start_simulator("grandstream")
    return cam


# --- MCTP ---------------------------------------------------------------------------------------


async def test_unknown_event_kind(camera: GrandstreamCamera) -> None:
    with pytest.raises(FaultError):
        await camera.push_event("smoke", True, 0)


async def test_camera_drops_silent_mctp_and_its_rtsp_session(start_simulator: Any) -> None:
    camera: GrandstreamCamera = await start_simulator("grandstream", mctp_timeout=0.5)
    port = camera.ports["rtsp"]
    # A live RTSP session (DESCRIBE with auth + SETUP) through our client's plumbing.
    cli = Client("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=5.0)
    inbox: Inbox[Any] = Inbox(16)
    session = cli._rtsp(video=True)
    link = await cli._open(session, inbox.put, inbox.end)
    try:
        ready = await _until(inbox, Ready)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(heartbeat_request(ready.session_id, 0))
        reply = await asyncio.wait_for(reader.readuntil(b"END\n"), 5)
        assert reply == heartbeat_reply(ready.session_id, 0, True)
        # Silence: the camera hangs up on MCTP and on the RTSP session.
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
        await wait_for(lambda: camera.state()["mctp"]["timeouts"] == 1)
        await wait_for(lambda: camera.state()["rtsp"]["sessions"] == 0)
        with pytest.raises(CannotConnect):
            await asyncio.wait_for(_until(inbox, Ready), 5)  # the RTSP connection ended
    finally:
        await cli._close(link)
        await cli.close()


async def test_heartbeat_with_unknown_session_is_refused(camera: GrandstreamCamera) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["rtsp"])
    writer.write(heartbeat_request("12345678", 0))
    reply = await asyncio.wait_for(reader.readuntil(b"END\n"), 5)
    assert reply == b"CMD:ALIVE MCTP/1.0 SC\n@12345678@0@0\nEND\n"
    writer.write(keepalive_request())
    assert await asyncio.wait_for(reader.readuntil(b"END\n"), 5) == keepalive_reply()
    writer.close()
    await writer.wait_closed()


# --- RTSP ---------------------------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> RtspResponse:
    writer.write(request)
    parser = RtspReader()
    while True:
        data = await asyncio.wait_for(reader.read(65536), 5)
        assert data, "connection closed"
        for event in parser.feed(data):
            if isinstance(event, RtspResponse):
                return event


async def test_server_quirks(camera: GrandstreamCamera) -> None:
    port = camera.ports["rtsp"]
    base = f"rtsp://127.0.0.1:{port}"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        options = await _exchange(
            reader, writer, f"OPTIONS {base}/0 RTSP/1.0\r\nCSeq: 1\r\n\r\n".encode()
        )
        assert options.status == 200
        assert "GET_PARAMETER" not in (options.headers.get("Public") or "")
        challenge = await _exchange(
            reader, writer, f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 2\r\n\r\n".encode()
        )
        assert challenge.status == 401
        assert ("Cseq", "2") in challenge.headers.items  # the camera's spelling
        nonce1 = challenge.headers.get("WWW-Authenticate")
        again = await _exchange(
            reader, writer, f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 3\r\n\r\n".encode()
        )
        assert again.headers.get("WWW-Authenticate") != nonce1  # fresh nonce per 401
        for path, status in (("/0/", 400), ("/10", 400)):
            reply = await _exchange(
                reader, writer, f"DESCRIBE {base}{path} RTSP/1.0\r\nCSeq: 4\r\n\r\n".encode()
            )
            assert reply.status == status
        reply = await _exchange(
            reader,
            writer,
            f"DESCRIBE {base}/0 RTSP/1.0\r\nCSeq: 5\r\nAccept: text/plain\r\n\r\n".encode(),
        )
        assert reply.status == 551
        for method, status in (("GET_PARAMETER", 501), ("PAUSE", 455), ("SET_PARAMETER", 200)):
            reply = await _exchange(
                reader, writer, f"{method} {base}/0 RTSP/1.0\r\nCSeq: 6\r\n\r\n".encode()
            )
            assert reply.status == status
    finally:
        writer.close()
        await writer.wait_closed()
    # A first request without lower-case "rtsp" (nor MCTP) is dropped unanswered.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    await writer.wait_closed()


async def test_setup_and_play_refusals(camera: GrandstreamCamera) -> None:
    port = camera.ports["rtsp"]
    base = f"rtsp://127.0.0.1:{port}/0"
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    def request(method: str, url: str, cseq: int, *headers: str) -> bytes:
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {cseq}", *headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    try:
        # SETUP before an authenticated DESCRIBE: 401.
        reply = await _exchange(reader, writer, request("SETUP", f"{base}/trackID=0", 1))
        assert reply.status == 401
        challenge = await _exchange(reader, writer, request("DESCRIBE", base, 2))
        digest = parse_challenge(challenge.headers.get("WWW-Authenticate") or "")
        answer = authorization_header(SIM_USERNAME, SIM_PASSWORD, digest, "DESCRIBE", base)
        reply = await _exchange(
            reader, writer, request("DESCRIBE", base, 3, f"Authorization: {answer}")
        )
        assert reply.status == 200
        tcp = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"
        for url, headers, status in (
            ("rtsp://[bad", (tcp,), 400),
            (base, (tcp,), 406),  # no trackID
            (f"{base}/trackID=7", (tcp,), 404),
            (f"rtsp://127.0.0.1:{port}/x/trackID=0", (tcp,), 404),
            (f"rtsp://127.0.0.1:{port}/9/trackID=0", (tcp,), 404),
            (f"{base}/trackID=0", ("Transport: RTP/AVP/TCP;interleaved=x",), 461),
            (f"{base}/trackID=0", ("Transport: RTP/AVP;unicast;client_port=5000-5001",), 461),
            (f"{base}/trackID=0", (tcp, "Session: 12345678"), 454),
        ):
            reply = await _exchange(reader, writer, request("SETUP", url, 4, *headers))
            assert reply.status == status, url
        reply = await _exchange(reader, writer, request("SETUP", f"{base}/trackID=0", 5, tcp))
        assert reply.status == 200
        session = (reply.headers.get("Session") or "").split(";")[0]
        play = request("PLAY", base, 6, f"Session: {session}")
        assert (await _exchange(reader, writer, play)).status == 200
        setup = request("SETUP", f"{base}/trackID=1", 7, tcp, f"Session: {session}")
        assert (await _exchange(reader, writer, setup)).status == 455  # playing already
        # A second PLAY: the camera's handler fails and it closes the connection.
        writer.write(request("PLAY", base, 8, f"Session: {session}"))
        async with asyncio.timeout(5):
            while await reader.read(65536):
                pass
    finally:
        writer.close()
        await writer.wait_closed()


async def test_mctp_odd_requests(camera: GrandstreamCamera) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", camera.ports["rtsp"])
    try:
        writer.write(b"CMD:ALIVE MCTP/1.0 CS\n@12345678@x\nEND\n")  # a channel that is not one
        reply = await asyncio.wait_for(reader.readuntil(b"END\n"), 5)
        assert reply == heartbeat_reply("12345678", 0, False)
        # A request without END is answered after a short silence.
        writer.write(b"CMD:ALIVE MCTP/1.0 CS\n")
        assert await asyncio.wait_for(reader.readuntil(b"END\n"), 5) == keepalive_reply()
        writer.write(b"CMD:FOO MCTP/1.0 CS\nEND\n")  # unknown verbs are not answered
        writer.write(keepalive_request())
        assert await asyncio.wait_for(reader.readuntil(b"END\n"), 5) == keepalive_reply()
    finally:
        writer.close()
        await writer.wait_closed()


# --- third-party players --------------------------------------------------------------------------


def _pyav_play(url: str, count: int) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    # timeout=(open, read) seconds: PyAV can never hang the suite.
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=(10.0, 10.0)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "pcm_mulaw"
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) >= count:
                break
    return sizes


@pytest.mark.parametrize("password", [SIM_PASSWORD, "p@ss:w/rd%"])
async def test_pyav_plays_stream_url(start_simulator: Any, password: str) -> None:
    # Port 0: an arbitrary port, i.e. the "2000 + web port" case (not 554), where the
    # camera's Content-Base (no port) must not mislead the player.
    camera: GrandstreamCamera = await start_simulator("grandstream", password=password)
    port = camera.ports["rtsp"]
    assert port != 554
    cli = Client("127.0.0.1", port, SIM_USERNAME, password)
    await cli.connect()
    url = cli.stream_url()
    assert url is not None
    sizes = await asyncio.wait_for(asyncio.to_thread(_pyav_play, url, 10), 30)
    assert sizes == [(640, 360)] * 10
    assert camera.state()["rtsp"]["describes"] == 2  # ours, then PyAV's (Digest)
    await cli.close()


@pytest.mark.skipif(
    shutil.which(FFMPEG) is None, reason=f"the ffmpeg CLI is not installed at {FFMPEG}"
)
async def test_ffmpeg_cli_plays_stream_url(camera: GrandstreamCamera) -> None:
    client = Client("127.0.0.1", camera.ports["rtsp"], SIM_USERNAME, SIM_PASSWORD)
    url = client.stream_url()
    assert url is not None

    def run() -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [
                FFMPEG,
                "-nostdin",
                "-rtsp_transport",
                "tcp",
                "-i",
                url,
                "-frames:v",
                "5",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ],
            capture_output=True,
            timeout=30,
            check=False,
        )

    result = await asyncio.to_thread(run)
    assert result.returncode == 0, result.stderr[-500:]
    assert len(result.stdout) == 5 * 640 * 360
