"""The MPEG-TS relay against a scripted client: authentication, HEAD, 503, the stream itself."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from yarl import URL

from custom_components.ipcam import mpegts_relay
from custom_components.ipcam.mpegts_relay import LiveStreamServer
from custom_components.ipcam.video_hub import VideoHub
from tests.ha.fake_client import FakeClient, frame

TS_PACKET = 188


@pytest.fixture
async def relay(socket_enabled: None) -> LiveStreamServer:
    server = LiveStreamServer()
    yield server
    await server.async_stop()


async def test_the_token_travels_in_the_redacted_auth_parameter(relay: LiveStreamServer) -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    url = URL(await relay.async_register(hub))
    token = url.query["auth"]
    assert len(token) >= 20
    assert token not in url.path  # Home Assistant logs paths; it redacts "auth"
    async with aiohttp.ClientSession() as session:
        async with session.get(url.with_query({})) as response:
            assert response.status == 404
        async with session.get(url.with_query({"auth": token[:-1] + "x"})) as response:
            assert response.status == 404
        for index in range(30):
            client.frames_script.put_nowait(frame(index))
        async with session.get(url) as response:
            assert response.status == 200
            assert response.content_type == "video/mp2t"
            data = await asyncio.wait_for(response.content.readexactly(TS_PACKET * 8), 5)
            assert data[::TS_PACKET] == b"\x47" * 8
    await hub.close()


async def test_head_takes_no_viewer_slot_and_starts_no_upstream(relay: LiveStreamServer) -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    url = await relay.async_register(hub)
    async with aiohttp.ClientSession() as session:
        for _ in range(mpegts_relay.MAX_CLIENTS_PER_CAMERA + 2):
            async with session.head(url) as response:
                assert response.status == 200
                assert response.content_type == "video/mp2t"
    assert client.video_iterations == 0
    assert hub.subscriber_count == 0
    await hub.close()


async def test_nothing_to_serve_is_503_not_an_empty_200(
    relay: LiveStreamServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mpegts_relay, "FIRST_FRAME_SECONDS", 0.2)
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    url = await relay.async_register(hub)
    async with aiohttp.ClientSession() as session:
        async with session.get(url) as response:  # the camera sends nothing
            assert response.status == 503
        await hub.close()  # e.g. the entry is unloading: the hub ends at once
        async with session.get(url) as response:
            assert response.status == 503


async def test_unregistering_the_last_camera_stops_the_server(relay: LiveStreamServer) -> None:
    hub = VideoHub(FakeClient(), queue_frames=64)
    url = await relay.async_register(hub)
    await relay.async_unregister(url)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            async with session.get(url):
                pass
    await hub.close()


class FakeTransport:
    """Records what a consumer writes; its buffer is as full as the test says."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.buffered = 0
        self.closing = False

    def is_closing(self) -> bool:
        return self.closing

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def writelines(self, chunks: tuple[bytes, ...]) -> None:
        self.written.append(b"".join(chunks))

    def write(self, data: bytes) -> None:
        self.written.append(data)


def _units(chunks: list[bytes]) -> list[int]:
    """The fake access units (4-byte numbers) in HTTP chunks of TS packets."""
    numbers = []
    for chunk in chunks:
        body = chunk.split(b"\r\n", 1)[1][:-2]
        packets = [body[i : i + TS_PACKET] for i in range(0, len(body), TS_PACKET)]
        video = packets[2:] if len(packets) > 2 else packets  # after PAT + PMT on key frames
        numbers.append(int.from_bytes(video[-1][-4:], "big"))
    return numbers


async def test_a_consumer_behind_skips_to_the_next_key_frame() -> None:
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    for index in range(5):  # before streaming: kept from the first key frame on
        consumer.deliver(frame(index, keyframe=index == 2))
    assert await consumer.wait_first_keyframe(1)
    streaming = asyncio.create_task(consumer.stream(transport, True))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    assert _units(transport.written) == [2, 3, 4]
    transport.buffered = mpegts_relay.MAX_BUFFERED_BYTES + 1  # the consumer stops reading
    consumer.deliver(frame(5))
    transport.buffered = 0
    for index in range(6, 12):
        consumer.deliver(frame(index, keyframe=index == 9))
    assert _units(transport.written) == [2, 3, 4, 9, 10, 11]
    assert consumer.skipped == 4  # 5 (buffer full), then 6-8 up to the key frame
    transport.closing = True
    consumer.deliver(frame(12))
    await asyncio.wait_for(streaming, 1)


async def test_a_consumer_ends_when_the_camera_switches_codec() -> None:
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    consumer.deliver(frame(0, keyframe=True))
    assert await consumer.wait_first_keyframe(1)
    streaming = asyncio.create_task(consumer.stream(transport, False))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    consumer.deliver(frame(1, keyframe=True, codec="h265"))
    await asyncio.wait_for(streaming, 1)
    assert len(transport.written) == 1
