"""Live H.264/H.265 from cameras without RTSP, served to FFmpeg-based consumers.

DVRIP cameras send their video inside DVRIP frames. Home Assistant's ``stream``
(PyAV) and go2rtc cannot speak DVRIP's login, so the integration serves each such
camera's access units — remuxed, never transcoded — as an MPEG transport stream
over HTTP on 127.0.0.1. The URL carries a random per-camera token (128 bits) in
its ``auth`` query parameter, which is the authentication: only Home Assistant
learns it, through ``stream_source()``, and Home Assistant's stream worker
redacts that parameter from every log line. One camera connection feeds every
consumer (VideoHub).

A consumer gets 503 (never an empty 200) when there is nothing to serve — the
camera is offline or rejected the credentials — so FFmpeg reports a clear error;
HEAD is answered without taking a viewer slot.
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
from yarl import URL

from .const import DOMAIN
from .protocols.base import VideoFrame
from .protocols.mpegts import CLOCK_HZ, TsMuxer
from .video_hub import VideoHub

_LOGGER = logging.getLogger(__name__)

DATA_LIVE_SERVER: HassKey[LiveStreamServer] = HassKey(f"{DOMAIN}_live_server")
CONTENT_TYPE = "video/mp2t"
MAX_CLIENTS_PER_CAMERA = 4
DEFAULT_FRAME_SECONDS = 1 / 25
# How long a new consumer waits for the camera's first key frame before getting 503.
FIRST_FRAME_SECONDS = 10.0
TOKEN_PARAMETER = "auth"  # a name Home Assistant's stream worker redacts in its logs


@dataclass(slots=True)
class _Source:
    hub: VideoHub
    token: str
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
        slot = secrets.token_hex(4)  # names the camera in the path; not a secret
        token = secrets.token_urlsafe(16)
        self._sources[slot] = _Source(hub, token)
        return f"http://127.0.0.1:{self.port}/{slot}/live.ts?{TOKEN_PARAMETER}={token}"

    async def async_unregister(self, url: str) -> None:
        slot = URL(url).path.strip("/").split("/")[0]
        async with self._start_lock:
            self._sources.pop(slot, None)
            if not self._sources:
                await self.async_stop()

    async def _async_start(self) -> None:
        app = web.Application()
        app.router.add_get("/{slot}/live.ts", self._handle)
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
        source = self._sources.get(request.match_info["slot"])
        token = request.query.get(TOKEN_PARAMETER, "")
        if source is None or not secrets.compare_digest(token, source.token):
            raise web.HTTPNotFound
        headers = {"Cache-Control": "no-store"}
        if request.method == "HEAD":
            return web.Response(headers=headers, content_type=CONTENT_TYPE)
        if source.clients >= MAX_CLIENTS_PER_CAMERA:
            raise web.HTTPServiceUnavailable(text="too many viewers")
        source.clients += 1
        response = web.StreamResponse(headers=headers)
        response.content_type = CONTENT_TYPE
        try:
            async with contextlib.aclosing(source.hub.frames()) as frames:  # type: ignore[type-var]
                first = await _first_keyframe(frames)
                if first is None:
                    raise web.HTTPServiceUnavailable(text="the camera sends no video")
                await response.prepare(request)
                await _relay_frames(first, frames, response)
        except ConnectionError:
            _LOGGER.debug("A live stream consumer went away")
        finally:
            source.clients -= 1
        return response


async def _first_keyframe(frames: AsyncIterator[VideoFrame]) -> VideoFrame | None:
    """The first H.264/H.265 key frame, or None when none comes in time."""
    try:
        async with asyncio.timeout(FIRST_FRAME_SECONDS):
            async for frame in frames:
                if frame.codec in ("h264", "h265") and frame.keyframe:
                    return frame
    except TimeoutError:
        pass
    return None


async def _relay_frames(
    first: VideoFrame, frames: AsyncIterator[VideoFrame], response: web.StreamResponse
) -> None:
    """Remux ``first`` (a key frame) and the frames after it into ``response``."""
    muxer = TsMuxer(first.codec)
    first_timestamp = first.timestamp
    first_clock = time.monotonic()
    last_pts = -1
    frame = first
    while True:
        if frame.codec == muxer.codec:
            if frame.timestamp > first_timestamp or last_pts < 0:
                seconds = frame.timestamp - first_timestamp
            else:  # the camera gave no usable timestamp: use arrival time
                seconds = time.monotonic() - first_clock
            pts = int(seconds * CLOCK_HZ)
            if pts <= last_pts:
                pts = last_pts + int(DEFAULT_FRAME_SECONDS * CLOCK_HZ)
            last_pts = pts
            await response.write(muxer.mux(frame.data, pts + CLOCK_HZ, frame.keyframe))
        elif frame.codec in ("h264", "h265"):
            return  # the camera switched codec: let the consumer reconnect
        try:
            frame = await anext(frames)
        except StopAsyncIteration:
            return


def async_get_live_server(hass: HomeAssistant) -> LiveStreamServer:
    server = hass.data.get(DATA_LIVE_SERVER)
    if server is None:
        server = hass.data[DATA_LIVE_SERVER] = LiveStreamServer()
    return server
