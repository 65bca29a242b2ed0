"""Live H.264/H.265 from cameras without RTSP, served to FFmpeg-based consumers.

DVRIP cameras send their video inside DVRIP frames. Home Assistant's ``stream``
(PyAV) and go2rtc cannot speak DVRIP's login, so the integration serves each such
camera's access units — remuxed, never transcoded — as an MPEG transport stream
over HTTP on 127.0.0.1. The URL carries a random per-camera token (128 bits) in
its ``auth`` query parameter, which is the authentication: only Home Assistant
learns it, through ``stream_source()``, and Home Assistant's stream worker
redacts that parameter from every log line. One camera connection feeds every
consumer (VideoHub); each consumer is a sink of the hub, so a frame is remuxed
as it arrives, with no queue or task hop per frame, and what one socket read of
the camera brought is written to the consumer in one go.

A consumer gets 503 (never an empty 200) when there is nothing to serve — the
camera is offline or rejected the credentials — so FFmpeg reports a clear error;
HEAD is answered without taking a viewer slot.

Where the camera sends its microphone in the same stream (G.711), the relay adds
it as AAC (encoded here: Home Assistant's HLS keeps only AAC or MP3 audio), its
clock anchored to the video's. Where this Home Assistant's PyAV would misplace that
track's timestamps in its HLS (``hls_audio``), its stream worker gets the picture
alone; other consumers keep the sound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import dataclass

from aiohttp import web
from aiohttp.http import HttpVersion11
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey
from yarl import URL

from .const import DOMAIN
from .hls_audio import misplacing_agent
from .protocols.audio.aac import FRAME_SAMPLES, OUTPUT_RATE, AacEncoder
from .protocols.base import AudioChunk, VideoFrame
from .protocols.errors import CameraError
from .protocols.mpegts import CLOCK_HZ, TsMuxer
from .video_hub import VideoHub

_LOGGER = logging.getLogger(__name__)

DATA_LIVE_SERVER: HassKey[LiveStreamServer] = HassKey(f"{DOMAIN}_live_server")
CONTENT_TYPE = "video/mp2t"
MAX_CLIENTS_PER_CAMERA = 4
DEFAULT_FRAME_SECONDS = 1 / 25
# How long a new consumer waits for the camera's first key frame before getting 503.
FIRST_FRAME_SECONDS = 10.0
# Frames kept from the first key frame while the response starts.
MAX_PENDING_FRAMES = 32
# Bytes that may wait in a consumer's socket buffer before it skips to the next key frame.
MAX_BUFFERED_BYTES = 4 * 1024 * 1024
TOKEN_PARAMETER = "auth"  # a name Home Assistant's stream worker redacts in its logs
# How long after the first key frame a consumer waits for the camera's first audio
# (announced by the client) before its stream starts without an audio track.
FIRST_AUDIO_SECONDS = 0.5
# Audio further than this from the video's clock is re-anchored (behind) or dropped
# (ahead): the camera's audio and frame clocks drift apart.
MAX_AUDIO_DRIFT = int(0.5 * CLOCK_HZ)
AAC_FRAME_TICKS = FRAME_SAMPLES * CLOCK_HZ // OUTPUT_RATE


@dataclass(slots=True)
class _Source:
    hub: VideoHub
    token: str
    clients: int = 0


class LiveStreamServer:
    """One small HTTP server for all cameras; started with the first, stopped with the last."""

    def __init__(self, *, silent_agent: str | None = None, ask_pyav: bool = True) -> None:
        self._sources: dict[str, _Source] = {}
        self._runner: web.AppRunner | None = None
        self._start_lock = asyncio.Lock()
        self.port = 0
        # Requests with this User-Agent get the picture without the camera's sound: Home
        # Assistant's stream worker, where its PyAV would misplace the sound in HLS (asked
        # of PyAV when the server starts, with ``ask_pyav``).
        self.silent_agent = silent_agent
        self._ask_pyav = ask_pyav

    @property
    def hls_keeps_sound(self) -> bool | None:
        """Whether Home Assistant's stream worker gets the camera's sound (None until the
        server has started and asked PyAV)."""
        return None if self._ask_pyav else self.silent_agent is None

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
        if self._ask_pyav:
            self._ask_pyav = False
            loop = asyncio.get_running_loop()
            self.silent_agent = await loop.run_in_executor(None, misplacing_agent)
            if self.silent_agent:
                _LOGGER.info(
                    "HLS live views of cameras relayed by ipcam play without sound: this "
                    "Home Assistant's PyAV misplaces the timestamps of AAC from MPEG-TS in "
                    "HLS (PyAV 14 and later keep them); WebRTC through go2rtc keeps the sound"
                )
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
        consumer = _Consumer()
        audio = source.hub.carries_audio and (
            self.silent_agent is None or request.headers.get("User-Agent") != self.silent_agent
        )
        detach = source.hub.attach(consumer.deliver, consumer.deliver_audio if audio else None)
        try:
            if not await consumer.wait_first_keyframe(FIRST_FRAME_SECONDS):
                raise web.HTTPServiceUnavailable(text="the camera sends no video")
            if audio:
                await consumer.wait_first_audio(FIRST_AUDIO_SECONDS)
            response = web.StreamResponse(headers=headers)
            response.content_type = CONTENT_TYPE
            chunked = request.version >= HttpVersion11
            if chunked:
                response.enable_chunked_encoding()
            await response.prepare(request)
            if request.transport is not None:
                await consumer.stream(request.transport, chunked)
        except ConnectionError:
            _LOGGER.debug("A live stream consumer went away")
        finally:
            detach()
            source.clients -= 1
        return response


class _Consumer:
    """One consumer's stream: access units remuxed as they arrive, written to its socket.

    A sink of the hub: it keeps the first key frame (and what follows while the
    response starts), then muxes each frame and writes it on the upstream's task,
    with no queue or task per frame. A consumer whose socket falls behind by more
    than ``MAX_BUFFERED_BYTES`` skips to the next key frame (coded frames cannot
    be dropped one by one). Audio that came before the stream starts decides
    whether it has an audio track; from then on each chunk is encoded and written
    as it comes.
    """

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self._first: asyncio.Future[None] = loop.create_future()
        self._done: asyncio.Future[None] = loop.create_future()
        # From the first key frame until streaming: the frames, and the camera's sound between
        # them (so the stream's audio starts with its first picture, not some frames later).
        self._pending: list[VideoFrame | AudioChunk] = []
        self._pending_frames = 0
        self._transport: asyncio.Transport | None = None
        self._chunked = True
        self._muxer: TsMuxer | None = None
        self._first_timestamp = 0.0
        self._first_clock = 0.0
        self._last_pts = -1
        self._awaiting_keyframe = False
        self.skipped = 0
        self._audio_heard: asyncio.Future[None] = loop.create_future()
        self._aac: AacEncoder | None = None  # set when the stream has an audio track
        self._audio_anchor: int | None = None  # the video PTS the first audio chunk came at
        self._aac_frames = 0  # AAC frames written (or dropped as ahead) since the anchor
        self.audio_frames = 0
        # What one batch of the upstream's frames made, written in one go once the batch
        # is handed over (one send, one wake-up of the consumer, per batch).
        self._out: list[bytes] = []
        self._flush_handle: asyncio.Handle | None = None
        self.writes = 0

    async def wait_first_keyframe(self, seconds: float) -> bool:
        """Whether an H.264/H.265 key frame came within ``seconds`` (False: the stream
        ended or stayed silent)."""
        try:
            async with asyncio.timeout(seconds):
                await asyncio.shield(self._first)
        except TimeoutError:
            return False
        return bool(self._pending)

    async def wait_first_audio(self, seconds: float) -> None:
        """Wait up to ``seconds`` for the camera's audio; the stream announces an audio
        track if it came."""
        if not self._audio_heard.done():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await asyncio.shield(self._audio_heard)
        if self._audio_heard.done():
            self._aac = AacEncoder()

    def deliver_audio(self, chunk: AudioChunk) -> None:
        """Encode a chunk of the camera's audio and write it (once streaming)."""
        if not self._audio_heard.done():
            self._audio_heard.set_result(None)
        transport, encoder = self._transport, self._aac
        if transport is None:  # not streaming yet: kept beside the frames it came with
            if self._pending and self._pending_frames < MAX_PENDING_FRAMES:
                self._pending.append(chunk)
            return
        if encoder is None or self._muxer is None or self._done.done():
            return
        if self._awaiting_keyframe or transport.is_closing():
            return
        try:
            frames = encoder.encode(chunk.pcm)
        except CameraError as err:  # a chunk the encoder refuses: skip it
            _LOGGER.debug("Audio chunk skipped: %s", err)
            return
        if self._audio_anchor is None:  # the first frame's sound starts with this chunk
            self._audio_anchor = self._last_pts
        if not frames:
            return
        muxer, out = self._muxer, []
        for adts in frames:  # one PES packet per AAC frame, each with its own PTS
            pts = self._audio_anchor + self._aac_frames * AAC_FRAME_TICKS
            if pts < self._last_pts - MAX_AUDIO_DRIFT:  # behind the video: catch up (a gap)
                self._audio_anchor = self._last_pts - self._aac_frames * AAC_FRAME_TICKS
                pts = self._last_pts
            elif pts > self._last_pts + MAX_AUDIO_DRIFT:  # ahead: let the video catch up
                continue
            self._aac_frames += 1
            self.audio_frames += 1
            out.append(muxer.mux_audio(adts, pts + CLOCK_HZ))
        if out:
            self._write(transport, b"".join(out))

    async def stream(self, transport: asyncio.Transport, chunked: bool) -> None:
        """Write what arrived so far, then every frame as it comes, until the end."""
        self._transport, self._chunked = transport, chunked
        pending, self._pending = self._pending, []
        for item in pending:  # in the order they came
            if isinstance(item, VideoFrame):
                self.deliver(item)
            else:
                self.deliver_audio(item)
        if self._flush_handle is not None:  # the frames kept so far go out at once
            self._flush_handle.cancel()
            self._flush()
        await self._done

    def deliver(self, frame: VideoFrame | None) -> None:
        if self._done.done():
            return
        if frame is None:
            self._end()
            return
        transport = self._transport
        if transport is None:  # not streaming yet
            if self._pending:
                if self._pending_frames < MAX_PENDING_FRAMES:
                    self._pending.append(frame)
                    self._pending_frames += 1
            elif frame.codec in ("h264", "h265") and frame.keyframe:
                self._pending.append(frame)
                self._pending_frames = 1
                self._first.set_result(None)
            return
        if transport.is_closing():
            self._end()
            return
        data = self._mux(frame)
        if data is None:
            return
        if transport.get_write_buffer_size() > MAX_BUFFERED_BYTES:
            self._awaiting_keyframe = True  # behind: restart at the next key frame
            self.skipped += 1
            return
        self._write(transport, data)

    def _write(self, transport: asyncio.Transport, data: bytes) -> None:
        self._out.append(data)
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_handle = None
        out, self._out = self._out, []
        transport = self._transport
        if not out or transport is None or transport.is_closing():
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        self.writes += 1
        if self._chunked:
            transport.writelines((b"%x\r\n" % len(data), data, b"\r\n"))
        else:
            transport.write(data)

    def _mux(self, frame: VideoFrame) -> bytes | None:
        """``frame`` as TS packets, or None when it is not passed on."""
        muxer = self._muxer
        if muxer is None:
            muxer = self._muxer = TsMuxer(frame.codec, audio=self._aac is not None)
            self._first_timestamp = frame.timestamp
            self._first_clock = time.monotonic()
        if frame.codec != muxer.codec:
            if frame.codec in ("h264", "h265"):
                self._end()  # the camera switched codec: let the consumer reconnect
            return None
        if self._awaiting_keyframe:
            if not frame.keyframe:
                self.skipped += 1
                return None
            self._awaiting_keyframe = False
        if frame.timestamp > self._first_timestamp or self._last_pts < 0:
            seconds = frame.timestamp - self._first_timestamp
        else:  # the camera gave no usable timestamp: use arrival time
            seconds = time.monotonic() - self._first_clock
        pts = int(seconds * CLOCK_HZ)
        if pts <= self._last_pts:
            pts = self._last_pts + int(DEFAULT_FRAME_SECONDS * CLOCK_HZ)
        self._last_pts = pts
        return muxer.mux(frame.data, pts + CLOCK_HZ, frame.keyframe)

    def _end(self) -> None:
        if self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush()  # what the last batch made still goes out
        if not self._first.done():
            self._first.set_result(None)
        if not self._done.done():
            self._done.set_result(None)


def async_get_live_server(hass: HomeAssistant) -> LiveStreamServer:
    server = hass.data.get(DATA_LIVE_SERVER)
    if server is None:
        server = hass.data[DATA_LIVE_SERVER] = LiveStreamServer()
    return server
