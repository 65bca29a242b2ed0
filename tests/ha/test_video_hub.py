"""The video hub against a scripted client: fan-out, lagging viewers, failures, the login gate."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

import pytest

from custom_components.ipcam import video_hub
from custom_components.ipcam.credential_guard import CredentialGuard
from custom_components.ipcam.protocols.base import AudioChunk, VideoFrame
from custom_components.ipcam.protocols.errors import AuthError
from custom_components.ipcam.video_hub import VideoHub
from tests.ha.fake_client import END, FakeClient, frame, lost


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(video_hub, "RETRY_MIN_SECONDS", 0.01)
    monkeypatch.setattr(video_hub, "RETRY_MAX_SECONDS", 0.05)
    monkeypatch.setattr(video_hub, "LINGER_SECONDS", 0.05)


async def until(condition: Callable[[], bool]) -> None:
    """Let the hub run until ``condition`` holds (a bound, not a delay: a loaded machine
    only makes it take longer)."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.005)


def latest(hub: VideoHub) -> int | None:
    """The index of the last frame the upstream delivered."""
    return None if hub.latest is None else int.from_bytes(hub.latest.data, "big")


async def take(frames: AsyncIterator[VideoFrame], count: int) -> list[int]:
    got: list[int] = []
    async with asyncio.timeout(5):
        async for item in frames:
            got.append(int.from_bytes(item.data, "big"))
            if len(got) == count:
                break
    return got


async def test_one_upstream_feeds_every_viewer() -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    viewers = [hub.frames() for _ in range(3)]
    tasks = [asyncio.create_task(take(viewer, 20)) for viewer in viewers]
    await asyncio.sleep(0.01)
    for index in range(20):
        client.frames_script.put_nowait(frame(index))
    results = await asyncio.gather(*tasks)
    assert results == [list(range(20))] * 3
    assert client.video_iterations == 1
    await hub.close()


async def test_a_lagging_coded_viewer_restarts_at_the_next_key_frame() -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=4)
    lagging = hub.frames()
    first = await asyncio.wait_for(_first(lagging, client), 5)
    assert first == 0
    # 12 frames arrive while the viewer does not read: its queue (4) overflows at 5.
    for index in range(1, 13):
        client.frames_script.put_nowait(frame(index))
    await until(lambda: latest(hub) == 12)  # all delivered while the viewer did not read
    got = await take(lagging, 2)
    assert got[0] == 10  # restarted at the key frame, never mid-GOP
    await hub.close()


async def _first(frames: AsyncIterator[VideoFrame], client: FakeClient) -> int:
    client.frames_script.put_nowait(frame(0))
    return (await take(frames, 1))[0]


async def test_an_unexpected_exception_in_the_upstream_is_logged_once_and_survived(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    viewer = hub.frames()
    task = asyncio.create_task(take(viewer, 3))
    await asyncio.sleep(0.01)
    client.frames_script.put_nowait(frame(0))
    client.frames_script.put_nowait(RuntimeError("bug"))
    client.frames_script.put_nowait(RuntimeError("bug again"))
    for index in (1, 2):
        client.frames_script.put_nowait(frame(index * 10))
    with caplog.at_level(logging.ERROR):
        assert await task == [0, 10, 20]
    assert client.video_iterations == 3
    assert hub.unexpected_errors == 2
    logged = [r for r in caplog.records if "Unexpected error in a video upstream" in r.message]
    assert len(logged) == 1 and logged[0].exc_info is not None
    await hub.close()


async def test_a_camera_error_retries_and_a_wake_cuts_the_back_off_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(video_hub, "RETRY_MIN_SECONDS", 30.0)
    monkeypatch.setattr(video_hub, "RETRY_MAX_SECONDS", 60.0)
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    viewer = hub.frames()
    task = asyncio.create_task(take(viewer, 1))
    await asyncio.sleep(0.01)
    client.frames_script.put_nowait(lost())
    # The failure is recorded in the step that starts the back-off: the hub waits now.
    await until(lambda: hub.last_error is not None)
    assert client.video_iterations == 1  # waiting out a 30 s back-off
    client.frames_script.put_nowait(frame(0))
    hub.wake()  # the camera is back (its push channel reconnected)
    assert await task == [0]
    assert client.video_iterations == 2
    await hub.close()


async def test_a_rejected_login_ends_every_viewer_and_is_never_retried() -> None:
    client = FakeClient()
    reports: list[str] = []
    guard = CredentialGuard(1, lambda: reports.append("reauth"))
    hub = VideoHub(client, queue_frames=64, guard=guard)
    viewer = hub.frames()
    task = asyncio.create_task(take(viewer, 5))
    await asyncio.sleep(0.01)
    client.frames_script.put_nowait(AuthError("password changed"))
    assert await task == []  # the viewer's iteration ended
    assert reports == ["reauth"]
    await asyncio.sleep(0.1)
    assert client.video_iterations == 1
    # A new viewer gets nothing and opens nothing.
    assert await take(hub.frames(), 1) == []
    assert client.video_iterations == 1
    await hub.close()


async def test_the_gate_closing_elsewhere_ends_open_viewers() -> None:
    client = FakeClient()
    guard = CredentialGuard(1, lambda: None)
    hub = VideoHub(client, queue_frames=64, guard=guard)
    got: list[int] = []

    async def watch() -> None:
        async for item in hub.frames():
            got.append(int.from_bytes(item.data, "big"))

    task = asyncio.create_task(watch())
    await until(lambda: hub.subscriber_count == 1)
    client.frames_script.put_nowait(frame(0))
    await until(lambda: got == [0])  # the viewer has its frame
    guard.note_rejection(AuthError("the settings poll was refused"))
    async with asyncio.timeout(5):
        await task  # its stream ended
    assert got == [0]
    await hub.close()


async def test_the_upstream_stops_after_the_last_viewer_lingers_out() -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    async with contextlib.aclosing(hub.frames()) as viewer:  # type: ignore[type-var]
        client.frames_script.put_nowait(frame(0))
        assert await take(viewer, 1) == [0]
    await asyncio.sleep(0.2)
    assert hub._task is None
    assert hub.subscriber_count == 0
    client.frames_script.put_nowait(END)
    await hub.close()


async def test_fresh_frame_is_only_recent_and_of_the_codec() -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    assert hub.fresh_frame("h264") is None
    viewer = hub.frames()
    client.frames_script.put_nowait(frame(0))
    await take(viewer, 1)
    assert hub.fresh_frame("h264") is not None
    assert hub.fresh_frame("jpeg") is None
    await hub.close()


class Sink:
    """A sink that records what the hub hands it (frame numbers; None at the end)."""

    def __init__(self, fail_at: int | None = None) -> None:
        self.got: list[int | None] = []
        self.ended = asyncio.Event()
        self._fail_at = fail_at

    def __call__(self, item: VideoFrame | None) -> None:
        if item is None:
            self.got.append(None)
            self.ended.set()
            return
        number = int.from_bytes(item.data, "big")
        if number == self._fail_at:
            raise RuntimeError("bug in a viewer")
        self.got.append(number)

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.got) < count:
                await asyncio.sleep(0.005)


async def test_sinks_share_the_upstream_with_queued_viewers_and_count_as_viewers() -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    sinks = [Sink(), Sink()]
    detach = [hub.attach(sink) for sink in sinks]
    frames = hub.frames()
    viewer = asyncio.create_task(take(frames, 5))
    await asyncio.sleep(0.01)
    assert hub.subscriber_count == 3
    for index in range(5):
        client.frames_script.put_nowait(frame(index))
    assert await viewer == [0, 1, 2, 3, 4]
    for sink in sinks:
        await sink.wait_for(5)
        assert sink.got == [0, 1, 2, 3, 4]  # every frame, in order, none skipped
    assert client.video_iterations == 1
    await frames.aclose()  # type: ignore[attr-defined]
    detach[0]()
    detach[0]()  # detaching twice is harmless
    assert hub.subscriber_count == 1
    await hub.close()
    assert sinks[1].got[-1] is None  # the hub closing ends the sinks still attached
    assert sinks[0].got[-1] == 4  # a detached sink hears nothing more


async def test_a_failing_sink_is_ended_and_the_others_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    failing, healthy = Sink(fail_at=1), Sink()
    hub.attach(failing)
    hub.attach(healthy)
    await asyncio.sleep(0.01)
    with caplog.at_level(logging.ERROR):
        for index in range(3):
            client.frames_script.put_nowait(frame(index))
        await healthy.wait_for(3)
    assert failing.got == [0, None]
    assert healthy.got == [0, 1, 2]
    assert hub.subscriber_count == 1
    assert client.video_iterations == 1
    assert any("Unexpected error in a video viewer" in r.message for r in caplog.records)
    await hub.close()


async def test_a_sink_without_frames_is_let_go_and_the_upstream_lingers_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(video_hub, "IDLE_SECONDS", 0.2)
    client = FakeClient()
    hub = VideoHub(client, queue_frames=64)
    sink = Sink()
    hub.attach(sink)
    async with asyncio.timeout(5):
        await sink.ended.wait()  # the camera sends nothing
    assert sink.got == [None]
    assert hub.subscriber_count == 0
    await asyncio.sleep(0.2)
    assert hub._task is None  # no viewer left: the upstream stopped
    await hub.close()


async def test_a_sink_gets_nothing_once_the_credentials_are_rejected() -> None:
    client = FakeClient()
    guard = CredentialGuard(1, lambda: None)
    hub = VideoHub(client, queue_frames=64, guard=guard)
    sink = Sink()
    hub.attach(sink)
    await asyncio.sleep(0.01)
    client.frames_script.put_nowait(AuthError("password changed"))
    async with asyncio.timeout(5):
        await sink.ended.wait()
    late = Sink()
    hub.attach(late)
    assert late.got == [None]  # ended at once, nothing opened
    assert client.video_iterations == 1
    await hub.close()


class _ClientWithSound(FakeClient):
    """A camera whose stream interleaves audio chunks with the frames (as DVRIP's does)."""

    @property
    def media_carries_audio(self) -> bool:
        return True

    async def stream_media(
        self,
        on_video: Callable[[VideoFrame], None],
        on_audio: Callable[[AudioChunk], None] | None = None,
        *,
        read_every: float = 0.0,
    ) -> None:
        self.read_every = read_every
        self.video_iterations += 1
        async for item in self._script(self.frames_script):
            if isinstance(item, VideoFrame):
                on_video(item)
            elif on_audio is not None:
                on_audio(item)


async def test_audio_reaches_the_sinks_that_take_it_and_no_one_else() -> None:
    client = _ClientWithSound()
    hub = VideoHub(client, queue_frames=64, read_every=0.4)
    assert hub.carries_audio
    with_sound: list[object] = []
    without: list[object] = []
    detach_sound = hub.attach(with_sound.append, with_sound.append)
    detach_plain = hub.attach(without.append)
    viewer = hub.frames()
    for index in range(3):
        client.frames_script.put_nowait(frame(index))
        client.frames_script.put_nowait(AudioChunk(bytes([index]) * 2))
    assert await take(viewer, 3) == [0, 1, 2]  # frames() subscribers: the video alone
    await until(lambda: len(with_sound) == 6)
    assert [type(item).__name__ for item in with_sound] == ["VideoFrame", "AudioChunk"] * 3
    assert all(isinstance(item, VideoFrame) for item in without) and len(without) == 3
    assert hub.audio_at > 0
    assert client.video_iterations == 1  # one upstream for all
    assert client.read_every == 0.4  # how far apart its reads may be, as the hub was told
    detach_sound()
    detach_plain()
    await viewer.aclose()
    await hub.close()


async def test_a_failing_audio_sink_ends_alone(caplog: pytest.LogCaptureFixture) -> None:
    client = _ClientWithSound()
    hub = VideoHub(client, queue_frames=64)
    ended: list[object] = []

    def broken(_chunk: AudioChunk) -> None:
        raise RuntimeError("a bug in that viewer")

    hub.attach(ended.append, broken)
    healthy: list[object] = []
    hub.attach(healthy.append, healthy.append)
    client.frames_script.put_nowait(AudioChunk(b"\x00\x00"))
    client.frames_script.put_nowait(frame(0))
    await until(lambda: len(healthy) == 2)
    assert ended == [None]  # told its stream ended
    assert "Unexpected error in a video viewer" in caplog.text
    await hub.close()
