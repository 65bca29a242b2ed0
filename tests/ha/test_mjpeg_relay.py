"""The MJPEG relay against a scripted client: the bytes on the wire, sharing, slow viewers."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from aiohttp import web

from custom_components.ipcam import video_hub
from custom_components.ipcam.mjpeg_relay import BOUNDARY, CONTENT_TYPE, MjpegRelay
from custom_components.ipcam.protocols.base import VideoFrame
from custom_components.ipcam.video_hub import VideoHub
from tests.ha.fake_client import FakeClient


def picture(index: int, size: int = 8) -> VideoFrame:
    data = b"\xff\xd8" + index.to_bytes(4, "big") * (size // 4) + b"\xff\xd9"
    return VideoFrame("jpeg", data, keyframe=True)


def part(frame: VideoFrame) -> bytes:
    head = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(frame.data)}\r\n\r\n"
    return head.encode() + frame.data + b"\r\n"


@pytest.fixture
async def served(socket_enabled: None) -> tuple[FakeClient, VideoHub, MjpegRelay, str]:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=4)
    relay = MjpegRelay(hub)
    app = web.Application()
    app.router.add_get("/live", relay.serve)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield client, hub, relay, f"http://127.0.0.1:{port}/live"
    await hub.close()
    await runner.cleanup()


async def _read(response: aiohttp.ClientResponse, size: int) -> bytes:
    return await asyncio.wait_for(response.content.readexactly(size), 5)


async def test_every_viewer_gets_the_same_parts_from_one_upstream(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str],
) -> None:
    client, hub, _relay, url = served
    frames = [picture(index) for index in range(5)]
    expected = b"".join(part(frame) for frame in frames)
    async with aiohttp.ClientSession() as session:
        first = await session.get(url)
        second = await session.get(url)
        assert first.headers["Content-Type"] == CONTENT_TYPE
        assert first.headers["Transfer-Encoding"] == "chunked"
        await asyncio.sleep(0.05)
        assert hub.subscriber_count == 2
        for frame in frames:
            client.frames_script.put_nowait(frame)
        got = await asyncio.gather(_read(first, len(expected)), _read(second, len(expected)))
        assert got == [expected, expected]
        assert client.video_iterations == 1
        first.close()
        second.close()
        async with asyncio.timeout(5):
            while hub.subscriber_count:  # the relay notices they left at the next picture
                client.frames_script.put_nowait(picture(5))
                await asyncio.sleep(0.02)


async def test_a_part_is_built_once_per_picture() -> None:
    relay = MjpegRelay(VideoHub(FakeClient()))
    frame = picture(1)
    chunk = relay._bytes(frame, True)
    assert relay._bytes(frame, True) is chunk
    assert chunk == b"%x\r\n" % len(part(frame)) + part(frame) + b"\r\n"
    assert relay._bytes(frame, False) == part(frame)


async def test_the_stream_ends_cleanly_when_the_camera_is_gone(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str],
) -> None:
    client, hub, _relay, url = served
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        client.frames_script.put_nowait(picture(0))
        assert await _read(response, len(part(picture(0)))) == part(picture(0))
        await hub.close()
        assert await asyncio.wait_for(response.content.read(), 5) == b""  # a clean end


async def test_an_http_1_0_viewer_gets_the_parts_without_chunks(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str],
) -> None:
    client, _hub, _relay, url = served
    port = int(url.split(":")[2].split("/")[0])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /live HTTP/1.0\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert b"chunked" not in head.lower()
    frame = picture(7)
    client.frames_script.put_nowait(frame)
    assert await asyncio.wait_for(reader.readexactly(len(part(frame))), 5) == part(frame)
    writer.close()


async def test_a_viewer_that_does_not_read_skips_pictures_and_delays_no_one(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str],
) -> None:
    client, hub, relay, url = served
    port = int(url.split(":")[2].split("/")[0])
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.setblocking(False)
    await asyncio.get_running_loop().sock_connect(slow, ("127.0.0.1", port))
    slow.send(b"GET /live HTTP/1.1\r\nHost: x\r\n\r\n")  # and never reads a byte
    async with aiohttp.ClientSession() as session, session.get(url) as fast:
        async with asyncio.timeout(5):
            while hub.subscriber_count < 2:
                await asyncio.sleep(0.01)
        # Far more than the kernel buffers for the slow one; the fast one reads each picture.
        for index in range(40):
            frame = picture(index, size=512 * 1024)
            client.frames_script.put_nowait(frame)
            assert await _read(fast, len(part(frame))) == part(frame)
    assert relay.skipped > 0
    slow.close()


async def test_a_viewer_whose_connection_fails_ends_alone(
    socket_enabled: None, caplog: pytest.LogCaptureFixture
) -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=4)
    relay = MjpegRelay(hub)
    transports: list[asyncio.BaseTransport | None] = []

    async def serve(request: web.Request) -> web.StreamResponse:
        transports.append(request.transport)  # the server's side of each viewer
        return await relay.serve(request)

    app = web.Application()
    app.router.add_get("/live", serve)
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/live"
    try:
        async with aiohttp.ClientSession() as session:
            broken = await session.get(url)
            healthy = await session.get(url)
            async with asyncio.timeout(5):
                while hub.subscriber_count < 2:
                    await asyncio.sleep(0.01)
            # The first viewer's socket refuses writes (its sending side shut): writing raises.
            first = transports[0]
            assert isinstance(first, asyncio.WriteTransport)
            first.write_eof()
            for index in range(3):
                frame = picture(index)
                client.frames_script.put_nowait(frame)
                assert await _read(healthy, len(part(frame))) == part(frame)
            assert hub.subscriber_count == 1
            assert client.video_iterations == 1
            assert any("Unexpected error in a video viewer" in r.message for r in caplog.records)
            broken.close()
            healthy.close()
    finally:
        await hub.close()
        await runner.cleanup()


async def test_viewers_after_an_idle_end_start_the_stream_again(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, hub, _relay, url = served
    monkeypatch.setattr(video_hub, "IDLE_SECONDS", 0.2)
    async with aiohttp.ClientSession() as session:
        first = await session.get(url)
        second = await session.get(url)
        # The camera sends nothing: the hub lets both viewers go, their answers end cleanly.
        got = await asyncio.gather(
            asyncio.wait_for(first.content.read(), 5), asyncio.wait_for(second.content.read(), 5)
        )
        assert got == [b"", b""]
        assert hub.subscriber_count == 0
        monkeypatch.setattr(video_hub, "IDLE_SECONDS", 20.0)
        async with session.get(url) as again:
            frame = picture(3)
            client.frames_script.put_nowait(frame)
            assert await _read(again, len(part(frame))) == part(frame)
            assert hub.subscriber_count == 1


async def test_a_viewer_of_a_closed_hub_gets_an_empty_answer(
    served: tuple[FakeClient, VideoHub, MjpegRelay, str],
) -> None:
    client, hub, _relay, url = served
    await hub.close()
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        assert response.status == 200
        assert await asyncio.wait_for(response.content.read(), 5) == b""
    assert hub.subscriber_count == 0  # nothing stays attached to the closed hub
    assert client.video_iterations == 0
