"""The MPEG-TS relay against a scripted client: authentication, HEAD, 503, the stream itself."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import aiohttp
import pytest
from yarl import URL

from custom_components.ipcam import mpegts_relay
from custom_components.ipcam.mpegts_relay import LiveStreamServer
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.base import AudioChunk, VideoFrame
from custom_components.ipcam.protocols.mpegts import AUDIO_PID
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
    for chunk in chunks:  # a chunk holds what one batch of frames made
        body = chunk.split(b"\r\n", 1)[1][:-2]
        packets = [body[i : i + TS_PACKET] for i in range(0, len(body), TS_PACKET)]
        units: list[list[bytes]] = []
        for packet in packets:
            if (packet[1] & 0x1F) << 8 | packet[2] != 0x100:
                continue  # PAT, PMT (before key frames), audio
            if packet[1] & 0x40:  # payload unit start: a new access unit
                units.append([])
            units[-1].append(packet)
        numbers += [int.from_bytes(unit[-1][-4:], "big") for unit in units]
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
    await asyncio.sleep(0)  # what one batch of frames made goes out in one write
    assert _units(transport.written) == [2, 3, 4, 9, 10, 11]
    assert consumer.skipped == 4  # 5 (buffer full), then 6-8 up to the key frame
    transport.closing = True
    consumer.deliver(frame(12))
    await asyncio.wait_for(streaming, 1)


async def _streaming_from_a_key_frame(
    *, chunked: bool
) -> tuple[mpegts_relay._Consumer, FakeTransport, asyncio.Task[None]]:
    """A consumer streaming to a fake socket, its first key frame (0) written."""
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    consumer.deliver(frame(0, keyframe=True))
    assert await consumer.wait_first_keyframe(1)
    streaming = asyncio.create_task(consumer.stream(transport, chunked))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    return consumer, transport, streaming


async def test_a_batch_of_frames_goes_out_in_one_write() -> None:
    """Frames handed over in one callback (one batched socket read) are one write to the
    consumer; the next batch another."""
    consumer, transport, streaming = await _streaming_from_a_key_frame(chunked=True)
    assert len(transport.written) == 1
    for batch in range(2):
        for index in range(1 + 5 * batch, 6 + 5 * batch):
            consumer.deliver(frame(index))
        await asyncio.sleep(0)
    assert len(transport.written) == 3
    assert _units(transport.written) == list(range(11))
    consumer.deliver(frame(11))
    consumer.deliver(None)  # the end still sends what the last batch made
    await asyncio.wait_for(streaming, 1)
    assert _units(transport.written)[-1] == 11


async def test_a_consumer_ends_when_the_camera_switches_codec() -> None:
    consumer, transport, streaming = await _streaming_from_a_key_frame(chunked=False)
    consumer.deliver(frame(1, keyframe=True, codec="h265"))
    await asyncio.wait_for(streaming, 1)
    assert len(transport.written) == 1


def _audio_pts(chunks: list[bytes], chunked: bool = False) -> list[float]:
    """The PTS (seconds, less the relay's 1 s offset) of each audio PES packet written."""
    data = b"".join(chunk.split(b"\r\n", 1)[1][:-2] if chunked else chunk for chunk in chunks)
    found = []
    for start in range(0, len(data), TS_PACKET):
        packet = data[start : start + TS_PACKET]
        pid = (packet[1] & 0x1F) << 8 | packet[2]
        if pid != AUDIO_PID or not packet[1] & 0x40:
            continue
        payload = packet[5 + packet[4] :] if packet[3] & 0x20 else packet[4:]
        assert payload[:4] == b"\x00\x00\x01\xc0"
        p = payload[9:14]
        pts = (p[0] >> 1 & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1
        found.append(pts / 90_000 - 1.0)
    return found


def _timed(index: int, seconds: float) -> VideoFrame:
    return dataclasses.replace(frame(index, keyframe=index == 0), timestamp=seconds)


async def _streaming_with_audio() -> tuple[
    mpegts_relay._Consumer, FakeTransport, asyncio.Task[None]
]:
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    consumer.deliver(_timed(0, 0.0))
    consumer.deliver_audio(AudioChunk(bytes(320)))  # heard before the stream starts
    assert await consumer.wait_first_keyframe(1)
    await consumer.wait_first_audio(0.01)
    streaming = asyncio.create_task(consumer.stream(transport, False))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    return consumer, transport, streaming


def _tone(seconds: float) -> AudioChunk:
    return AudioChunk(tone_pcm(1000, seconds, amplitude=0.3))


async def test_audio_follows_the_video_clock_and_drift_is_bounded() -> None:
    consumer, transport, streaming = await _streaming_with_audio()
    assert b"\x0f\xe1\x01" in transport.written[0][TS_PACKET : 2 * TS_PACKET]  # PMT: AAC on 0x101
    for index in range(1, 26):  # a second of video and of audio, in step
        consumer.deliver(_timed(index, index / 25))
        consumer.deliver_audio(_tone(0.04))
    await asyncio.sleep(0)
    first = _audio_pts(transport.written)
    assert first and first[0] == pytest.approx(1 / 25, abs=0.05)  # anchored to the video
    assert all(b > a for a, b in itertools.pairwise(first))
    # The video runs 10 s ahead of the audio (a drifting camera clock): the audio jumps.
    consumer.deliver(_timed(26, 11.0))
    consumer.deliver_audio(_tone(0.2))
    await asyncio.sleep(0)
    caught_up = _audio_pts(transport.written)[len(first) :]
    assert caught_up[0] == pytest.approx(11.0, abs=0.01)
    assert caught_up == pytest.approx([11.0 + n * 0.064 for n in range(len(caught_up))])
    # The audio runs ahead (5 s in one go): what is more than 0.5 s ahead is dropped.
    before = consumer.audio_frames
    consumer.deliver_audio(_tone(5.0))
    await asyncio.sleep(0)
    ahead = _audio_pts(transport.written)[-1]
    assert ahead <= 11.0 + 0.5 + 0.01
    assert consumer.audio_frames - before < 5 * 16000 / 1024 / 2
    consumer.deliver(None)
    await asyncio.wait_for(streaming, 1)


async def test_sound_before_the_stream_starts_keeps_its_place() -> None:
    """The camera's sound that came with the frames kept while the response starts is kept
    too: the stream's audio starts with its first picture, not with the frame at which the
    consumer began to stream."""
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    for index in range(10):  # 0.4 s of frames and their sound before the response starts
        consumer.deliver(_timed(index, index / 25))
        consumer.deliver_audio(_tone(0.04))
    assert await consumer.wait_first_keyframe(1)
    await consumer.wait_first_audio(0.01)
    streaming = asyncio.create_task(consumer.stream(transport, False))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    for index in range(10, 20):
        consumer.deliver(_timed(index, index / 25))
        consumer.deliver_audio(_tone(0.04))
    await asyncio.sleep(0)
    found = _audio_pts(transport.written)
    assert found and found[0] == pytest.approx(0.0, abs=0.01)  # with the key frame
    assert all(b - a == pytest.approx(0.064, abs=0.001) for a, b in itertools.pairwise(found))
    consumer.deliver(None)
    await asyncio.wait_for(streaming, 1)


async def test_no_audio_before_the_stream_starts_means_no_audio_track() -> None:
    consumer = mpegts_relay._Consumer()
    transport = FakeTransport()
    consumer.deliver(_timed(0, 0.0))
    assert await consumer.wait_first_keyframe(1)
    await consumer.wait_first_audio(0.01)  # the camera sends none
    streaming = asyncio.create_task(consumer.stream(transport, False))  # type: ignore[arg-type]
    await asyncio.sleep(0)
    consumer.deliver_audio(_tone(1.0))  # too late: the stream was announced without audio
    await asyncio.sleep(0)
    assert b"\x0f\xe1\x01" not in transport.written[0]
    assert _audio_pts(transport.written) == []
    assert consumer.audio_frames == 0
    consumer.deliver(None)
    await asyncio.wait_for(streaming, 1)
