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
