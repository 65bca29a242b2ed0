"""Live H.264/H.265 from cameras without RTSP, served to FFmpeg-based consumers.

DVRIP cameras send their video inside DVRIP frames. Home Assistant's ``stream``
(PyAV) and go2rtc cannot speak DVRIP's login, so the integration serves each such
camera's access units — remuxed, never transcoded — as an MPEG transport stream
over HTTP on 127.0.0.1. The URL carries a random per-camera token (128 bits),
which is the authentication: only Home Assistant learns it, through
``stream_source()``. One camera connection feeds every consumer (VideoHub).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiohttp import web
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .protocols.base import VideoFrame
from .protocols.mpegts import CLOCK_HZ, TsMuxer
from .video_hub import VideoHub

_LOGGER = logging.getLogger(__name__)

DATA_LIVE_SERVER: HassKey[LiveStreamServer] = HassKey(f"{DOMAIN}_live_server")
CONTENT_TYPE = "video/mp2t"
MAX_CLIENTS_PER_CAMERA = 4
DEFAULT_FRAME_SECONDS = 1 / 25


@dataclass(slots=True)
class _Source:
    hub: VideoHub
    clients: int = 0


class LiveStreamServer:
    """One small HTTP server for all cameras; started with the first, stopped with the last."""

    def __init__(self) -> None:
        self._sources: dict[str, _Source] = {}
        self._runner: web.AppRunner | None = None
        self._start_lock = asyncio.Lock()
        self.port = 0

    async def async_register(self, hub: VideoHub) -> str:
        """Serve ``hub``; return its URL (stable for the life of the registration)."""
        async with self._start_lock:
            if self._runner is None:
                await self._async_start()
        token = secrets.token_urlsafe(16)
        self._sources[token] = _Source(hub)
        return f"http://127.0.0.1:{self.port}/{token}/live.ts"

    async def async_unregister(self, url: str) -> None:
        token = url.rstrip("/").split("/")[-2]
        async with self._start_lock:
            self._sources.pop(token, None)
            if not self._sources:
                await self.async_stop()

    async def _async_start(self) -> None:
        app = web.Application()
        app.router.add_get("/{token}/live.ts", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(runner.addresses[0][1])
        self._runner = runner

    async def async_stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        source = self._sources.get(request.match_info["token"])
        if source is None:
            raise web.HTTPNotFound
        if source.clients >= MAX_CLIENTS_PER_CAMERA:
            raise web.HTTPServiceUnavailable(text="too many viewers")
        source.clients += 1
        response = web.StreamResponse(headers={"Cache-Control": "no-store"})
        response.content_type = CONTENT_TYPE
        try:
            await response.prepare(request)
            await _relay(source.hub, response)
        except ConnectionError:
            _LOGGER.debug("A live stream consumer went away")
        finally:
            source.clients -= 1
        return response


async def _relay(hub: VideoHub, response: web.StreamResponse) -> None:
    """Remux the hub's access units into ``response`` from the next key frame on."""
    async with contextlib.aclosing(hub.frames()) as frames:  # type: ignore[type-var]
        await _relay_frames(frames, response)


async def _relay_frames(frames: AsyncIterator[VideoFrame], response: web.StreamResponse) -> None:
    muxer: TsMuxer | None = None
    first_timestamp = 0.0
    first_clock = 0.0
    last_pts = -1
    async for frame in frames:
        if frame.codec not in ("h264", "h265"):
            continue
        if muxer is None:
            if not frame.keyframe:
                continue  # a decoder can only start at a key frame
            muxer = TsMuxer(frame.codec)
            first_timestamp = frame.timestamp
            first_clock = time.monotonic()
        elif frame.codec != muxer.codec:
            return  # the camera switched codec: let the consumer reconnect
        if frame.timestamp > first_timestamp or last_pts < 0:
            seconds = frame.timestamp - first_timestamp
        else:  # the camera gave no usable timestamp: use arrival time
            seconds = time.monotonic() - first_clock
        pts = int(seconds * CLOCK_HZ)
        if pts <= last_pts:
            pts = last_pts + int(DEFAULT_FRAME_SECONDS * CLOCK_HZ)
        last_pts = pts
        await response.write(muxer.mux(frame.data, pts + CLOCK_HZ, frame.keyframe))


def async_get_live_server(hass: HomeAssistant) -> LiveStreamServer:
    server = hass.data.get(DATA_LIVE_SERVER)
    if server is None:
        server = hass.data[DATA_LIVE_SERVER] = LiveStreamServer()
    return server
