"""A scripted camera client for unit tests of the Home Assistant layer.

The real protocol clients are tested against the simulators; here each part of
the Home Assistant layer (event source, video hub, relay, talk, coordinator) is
driven by a client whose every answer the test decides: alarms, frames, errors
and unexpected exceptions on cue.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from custom_components.ipcam.protocols.base import (
    CameraClient,
    CameraEvent,
    CameraProfile,
    Capability,
    ChannelInfo,
    ConnectionSpec,
    DeviceIdentity,
    EventKind,
    PresetAction,
    PtzPreset,
    Settings,
    Vendor,
    VideoDelivery,
    VideoFrame,
)
from custom_components.ipcam.protocols.errors import CannotConnect, InvalidValue

JPEG = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9"

FAKE_PROFILE = CameraProfile(
    vendor=Vendor.DVRIP,
    connection=ConnectionSpec(default_port=1),
    event_kinds=(EventKind.MOTION, EventKind.INPUT),
    video=VideoDelivery.JPEG,
    auth_failures_before_reauth=1,
)

END = object()  # put into a script: the iteration ends (the camera closed the connection)


class FakeClient(CameraClient):
    """Answers from scripts the test fills: ``events``, ``frames``, ``connect_errors``."""

    profile = FAKE_PROFILE
    vendor = Vendor.DVRIP

    def __init__(
        self,
        profile: CameraProfile = FAKE_PROFILE,
        capabilities: frozenset[Capability] = frozenset(
            {Capability.EVENTS, Capability.VIDEO, Capability.SNAPSHOT, Capability.TALK}
        ),
    ) -> None:
        super().__init__()
        self.profile = profile  # type: ignore[misc]
        self.host, self.port = "127.0.0.1", 1
        self._identity = DeviceIdentity(
            vendor=profile.vendor, unique_id="fake-serial", name="Fake camera", model="Fake"
        )
        self.capabilities = capabilities
        # Items are CameraEvent / VideoFrame, an exception instance to raise, or END.
        self.events_script: asyncio.Queue[Any] = asyncio.Queue()
        self.frames_script: asyncio.Queue[Any] = asyncio.Queue()
        self.connect_errors: list[BaseException] = []
        self.settings_errors: list[BaseException] = []
        self.snapshot_errors: list[BaseException] = []
        self.settings = Settings(values={"alarm_out": False})
        self.connects = 0
        self.closes = 0
        self.event_iterations = 0
        self.video_iterations = 0
        self.snapshots = 0
        self.talked: list[bytes] = []
        self.presets = [PtzPreset(1, "Gate"), PtzPreset(2, ""), PtzPreset(3, "Gate")]
        self.preset_calls: list[tuple[PresetAction, int]] = []

    async def connect(self) -> None:
        self.connects += 1
        if self.connect_errors:
            raise self.connect_errors.pop(0)

    async def close(self) -> None:
        self.closes += 1

    async def _script(self, queue: asyncio.Queue[Any]) -> AsyncIterator[Any]:
        while True:
            item = await queue.get()
            if item is END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def events(self) -> AsyncIterator[CameraEvent]:  # type: ignore[override]
        self.event_iterations += 1
        async for item in self._script(self.events_script):
            yield item

    async def video(self) -> AsyncIterator[VideoFrame]:  # type: ignore[override]
        self.video_iterations += 1
        async for item in self._script(self.frames_script):
            yield item

    async def snapshot(self) -> bytes:
        self.snapshots += 1
        if self.snapshot_errors:
            raise self.snapshot_errors.pop(0)
        return JPEG

    async def read_settings(self) -> Settings:
        if self.settings_errors:
            raise self.settings_errors.pop(0)
        return dataclasses.replace(self.settings, values=dict(self.settings.values))

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        self.settings.values[key] = value

    async def ptz_presets(self) -> list[PtzPreset]:
        return list(self.presets)

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        self.preset_calls.append((action, preset))
        if action is PresetAction.SET:
            self.presets.append(PtzPreset(preset, f"Saved {preset}"))

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        total = 0
        async for chunk in pcm:
            self.talked.append(chunk)
            total += len(chunk)
        return total / 16000


def frame(index: int, *, keyframe: bool | None = None, codec: str = "h264") -> VideoFrame:
    """A numbered fake access unit (every 10th a key frame unless told)."""
    key = index % 10 == 0 if keyframe is None else keyframe
    return VideoFrame(codec, index.to_bytes(4, "big"), keyframe=key, timestamp=index / 25)


def motion(active: bool = True, channel: int = 0) -> CameraEvent:
    return CameraEvent(EventKind.MOTION, active, channel, "VideoMotion")


def lost() -> CannotConnect:
    return CannotConnect("connection lost")


class FakeRecorder(FakeClient):
    """A recorder with channels 0..n-1; each channel's client shares its scripts."""

    def __init__(self, channel_count: int = 4) -> None:
        super().__init__(
            capabilities=frozenset(
                {Capability.EVENTS, Capability.VIDEO, Capability.REBOOT, Capability.ALARM_OUT}
            )
        )
        self.channel_list = [ChannelInfo(n, f"Camera {n + 1}") for n in range(channel_count)]
        self._views: dict[int, FakeChannel] = {}

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        return tuple(self.channel_list)

    def channel_client(self, channel: int) -> CameraClient:
        if all(info.number != channel for info in self.channel_list):
            raise InvalidValue(f"no channel {channel}")
        view = self._views.get(channel)
        if view is None:
            view = self._views[channel] = FakeChannel(self, channel)
        return view


class FakeChannel(FakeClient):
    """One channel of a ``FakeRecorder``."""

    def __init__(self, recorder: FakeRecorder, channel: int) -> None:
        super().__init__(
            capabilities=frozenset({Capability.EVENTS, Capability.VIDEO, Capability.PTZ})
        )
        self.number = channel
        base = recorder.identity.unique_id
        self._identity = DeviceIdentity(
            vendor=recorder.profile.vendor,
            unique_id=base if channel == 0 else f"{base}-{channel}",
            name=f"Camera {channel + 1}",
            model="Fake",
        )
        self.settings = Settings(values={"resolution": f"{channel}"})
