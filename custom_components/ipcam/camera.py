"""The camera entity: stills, live MJPEG relayed from the camera, and stream sources."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from aiohttp import web
from homeassistant.components.camera import Camera, CameraEntityFeature
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_platform
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import CONF_STREAM_SOURCE, DOMAIN, REQUEST_TIMEOUT_SECONDS
from .coordinator import IpcamCoordinator
from .data import IpcamConfigEntry
from .entity import IpcamEntity, IpcamEntityDescription
from .mjpeg_relay import MjpegRelay
from .protocols.base import Capability, StreamSource, VideoDelivery
from .protocols.errors import AuthError, CameraError
from .services import async_setup_platform_services

if TYPE_CHECKING:
    from homeassistant.components.stream import Stream

_LOGGER = logging.getLogger(__name__)

PARALLEL_UPDATES = 1  # the camera platform carries the ptz_preset and talk actions

JPEG_SOI = b"\xff\xd8"


_STREAM_SOURCES = frozenset(source.value for source in StreamSource)

CAMERA_DESCRIPTION = IpcamEntityDescription(key="camera", translation_key="camera", name=None)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_setup_platform_services(entity_platform.async_get_current_platform())
    coordinator = entry.runtime_data.coordinator
    added: set[int | None] = set()

    async def add_new() -> None:
        # The relay runs before the entity exists: Home Assistant asks stream_source()
        # (to choose a WebRTC provider) as soon as the camera is added.
        cameras = []
        for channel in coordinator.entity_channels(CAMERA_DESCRIPTION.scope):
            if channel not in added:
                added.add(channel)
                relay_url = await coordinator.async_relay_url(channel)
                cameras.append(IpcamCamera(coordinator, channel, relay_url))
        async_add_entities(cameras)

    await add_new()

    @callback
    def channels_changed() -> None:  # a recorder gained a channel
        entry.async_create_background_task(hass, add_new(), f"{DOMAIN} new cameras")

    entry.async_on_unload(coordinator.async_add_capability_listener(channels_changed))


class IpcamCamera(IpcamEntity, Camera):
    """Live view and stills from one camera over its own protocol."""

    _attr_name = None

    def __init__(
        self, coordinator: IpcamCoordinator, channel: int | None, relay_url: str | None
    ) -> None:
        IpcamEntity.__init__(self, coordinator, CAMERA_DESCRIPTION, channel)
        Camera.__init__(self)
        client = self.client
        self._jpeg_video = (
            client.profile.video is VideoDelivery.JPEG and Capability.VIDEO in client.capabilities
        )
        self._hub = coordinator.video_hub(channel)
        self._mjpeg = MjpegRelay(self._hub)
        self._live_url = relay_url
        if Capability.STREAM_URL in client.capabilities or self._live_url is not None:
            self._attr_supported_features = CameraEntityFeature.STREAM
        self._still_cache_seconds = client.profile.still_cache_seconds
        self._still: tuple[float, bytes] | None = None
        self._still_lock = asyncio.Lock()

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(self.coordinator.guard.add_listener(self._credentials_rejected))

    @callback
    def _credentials_rejected(self) -> None:
        """End Home Assistant's stream worker: it would keep logging in with the old password."""
        if self.stream is not None:
            stream, self.stream = self.stream, None
            self.hass.async_create_task(_stop_worker(stream), eager_start=False)

    async def stream_source(self) -> str | None:
        """The URL Home Assistant's stream and go2rtc play (never None while starting).

        None once the camera rejected the stored credentials: the stream worker would
        otherwise retry them against the camera until it locks the account.
        """
        if self.coordinator.guard.rejected:
            return None
        choice = self.coordinator.config_entry.options.get(CONF_STREAM_SOURCE)
        source = StreamSource(choice) if choice in _STREAM_SOURCES else None
        return self.client.stream_source_url(source, self._live_url)

    async def async_camera_image(
        self, width: int | None = None, height: int | None = None
    ) -> bytes | None:
        """The latest live frame when a viewer is watching, else a fresh snapshot."""
        frame = self._hub.fresh_frame("jpeg")
        if frame is not None:
            return frame.data
        if not self._still_cache_seconds:
            return await self._fetch_still()
        async with self._still_lock:  # concurrent viewers share one fetch
            if self._still is not None and (
                time.monotonic() - self._still[0] < self._still_cache_seconds
            ):
                return self._still[1]
            image = await self._fetch_still()
            if image is not None:
                self._still = (time.monotonic(), image)
            return image

    async def _fetch_still(self) -> bytes | None:
        client = self.client
        guard = self.coordinator.guard
        try:
            # Not while a rejection is unexplained: the loops that retry anyway settle it.
            guard.check(while_doubtful=False)
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                if Capability.SNAPSHOT in client.capabilities:
                    image = await client.snapshot()
                elif self._jpeg_video:
                    image = await self._first_live_frame()
                else:
                    return None
        except AuthError as err:
            self.coordinator.async_note_auth_error(err)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="invalid_auth"
            ) from err
        except (CameraError, TimeoutError, OSError) as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="snapshot_failed",
                translation_placeholders={"error": str(err) or type(err).__name__},
            ) from err
        if not image.startswith(JPEG_SOI):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="snapshot_failed",
                translation_placeholders={"error": "the camera did not return a JPEG"},
            )
        return image

    async def _first_live_frame(self) -> bytes:
        async with contextlib.aclosing(self._hub.frames()) as frames:  # type: ignore[type-var]
            async for frame in frames:
                return frame.data
        raise CameraError("video ended")

    async def handle_async_mjpeg_stream(self, request: web.Request) -> web.StreamResponse | None:
        """Relay the camera's JPEG frames to this viewer (one upstream for all viewers)."""
        if not self._jpeg_video:
            return await super().handle_async_mjpeg_stream(request)
        return await self._mjpeg.serve(request)


async def _stop_worker(stream: Stream) -> None:
    """Stop a stream and its worker thread.

    ``Stream.stop`` leaves the worker of a preloaded stream (the camera's "Preload
    stream" setting) running, and that worker reopens the camera with the stored
    credentials every 10 to 70 s; Home Assistant has no public call that ends it.
    """
    await stream.stop()
    stop_worker = getattr(stream, "_stop", None)
    if stop_worker is not None:
        await stop_worker()
