"""Talk-back: play media through a camera's speaker, one talk at a time per camera.

The media (a media-source item such as TTS, a URL, or an allowed local file) is
decoded by PyAV in a worker thread to 8 kHz mono 16-bit PCM, scaled by the
volume, and handed to the client, which encodes it for its protocol and paces
it in real time. A new request replaces the running one; ``stop`` ends it
mid-sentence; the client always closes the talk channel, on errors and on
cancellation too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from pathlib import Path
from typing import Any

import numpy as np
from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import async_process_play_media_url
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .const import DOMAIN
from .protocols.audio.decode import decode_to_pcm
from .protocols.base import CameraClient, Capability
from .protocols.errors import AuthError, DeviceBusy, InvalidValue, NotSupported

_LOGGER = logging.getLogger(__name__)

MAX_TALK_SECONDS = 300.0
START_TIMEOUT_SECONDS = 20.0
_URL_SCHEMES = ("http://", "https://", "rtsp://", "rtsps://")
TTS_MEDIA_SOURCE_PREFIX = "media-source://tts/"


def _scaled(pcm: AsyncIterator[bytes], volume: float) -> AsyncIterator[bytes]:
    """Apply the volume (0.0-1.0) to s16le PCM, clipping instead of wrapping."""

    async def scale() -> AsyncIterator[bytes]:
        async for chunk in pcm:
            if volume >= 0.999:
                yield chunk
                continue
            samples = np.frombuffer(chunk[: len(chunk) // 2 * 2], dtype="<i2")
            scaled = np.clip(samples.astype(np.float32) * volume, -32768, 32767)
            yield scaled.astype("<i2").tobytes()

    return scale()


class TalkManager:
    """Runs at most one talk per camera."""

    def __init__(self, hass: HomeAssistant, client: CameraClient) -> None:
        self._hass = hass
        self._client = client
        self._task: asyncio.Task[float] | None = None
        self._start_lock = asyncio.Lock()
        self._generation = 0  # bumped by every stop, so a start in progress can notice
        self._listeners: list[Callable[[], None]] = []
        self.sessions = 0
        self.last_seconds = 0.0
        self.last_error: str | None = None

    @property
    def supported(self) -> bool:
        return Capability.TALK in self._client.capabilities

    @property
    def starting(self) -> bool:
        """A talk is being started (it replaces the running one)."""
        return self._start_lock.locked()

    @property
    def playing(self) -> bool:
        return self._task is not None and not self._task.done()

    @callback
    def async_add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when a talk starts or ends."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self) -> None:
        for listener in list(self._listeners):
            listener()

    async def _resolve(self, media_id: str) -> str | bytes:
        """Media id -> something PyAV opens: bytes (TTS), a URL, or an allowed file path."""
        if media_source.is_media_source_id(media_id):
            if media_id.startswith(TTS_MEDIA_SOURCE_PREFIX):
                # Imported here: the tts component is heavy and not every install has it.
                from homeassistant.components import tts

                try:
                    _extension, data = await tts.async_get_media_source_audio(self._hass, media_id)
                except HomeAssistantError:
                    raise
                except Exception as err:
                    raise ServiceValidationError(
                        translation_domain=DOMAIN,
                        translation_key="bad_media",
                        translation_placeholders={"error": str(err)},
                    ) from err
                return data
            item = await media_source.async_resolve_media(self._hass, media_id, None)
            return async_process_play_media_url(self._hass, item.url)
        if media_id.startswith(_URL_SCHEMES):
            return media_id
        if media_id.startswith("/") and not media_id.startswith("/api/"):
            path = Path(media_id)
            # Both checks touch the file system: not in the event loop.
            allowed, exists = await self._hass.async_add_executor_job(self._check_path, path)
            if not allowed:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="path_not_allowed",
                    translation_placeholders={"path": media_id},
                )
            if not exists:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="bad_media",
                    translation_placeholders={"error": f"no such file: {media_id}"},
                )
            return str(path)
        if media_id.startswith("/"):
            return async_process_play_media_url(self._hass, media_id)
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bad_media",
            translation_placeholders={"error": f"unsupported media {media_id!r}"},
        )

    def _check_path(self, path: Path) -> tuple[bool, bool]:
        allowed = self._hass.config.is_allowed_path(str(path))
        return allowed, allowed and path.is_file()

    async def async_start(self, media_id: str, volume: float = 1.0) -> None:
        """Start playing ``media_id``; return once audio flows (or raise a clear error)."""
        if not self.supported:
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_talk")
        if not 0.0 <= volume <= 1.0:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_value",
                translation_placeholders={"error": "volume must be between 0 and 1"},
            )
        source = await self._resolve(media_id)
        # Requests arriving together are taken in turn: each replaces the one before.
        async with self._start_lock:
            await self.async_stop()
            generation = self._generation
            pcm = decode_to_pcm(source, max_seconds=MAX_TALK_SECONDS)
            await self._async_play(pcm, volume, generation)

    async def async_start_pcm(
        self, pcm: AsyncGenerator[bytes], volume: float = 1.0
    ) -> asyncio.Task[float] | None:
        """Talk live audio (8 kHz mono s16le PCM, fed as it arrives, e.g. a microphone).

        Shares the media path: it replaces the running talk, and returns once the
        camera takes the audio. The talk ends when ``pcm`` ends (the camera's
        channel is then closed) or when ``async_stop`` is called. Returns the talk's
        task (None when stopped before any audio came): it ends with the talk, and is
        cancelled when another talk replaces this one.
        """
        if not self.supported:
            await pcm.aclose()
            raise ServiceValidationError(translation_domain=DOMAIN, translation_key="no_talk")
        async with self._start_lock:
            await self.async_stop()
            return await self._async_play(pcm, volume, self._generation)

    async def _async_play(
        self, pcm: AsyncGenerator[bytes], volume: float, generation: int
    ) -> asyncio.Task[float] | None:
        started: asyncio.Future[None] = self._hass.loop.create_future()
        try:
            first = await self._first_chunk(pcm)
        except BaseException:
            await pcm.aclose()
            raise
        if generation != self._generation:  # stopped while the media was opening
            await pcm.aclose()
            return None

        async def audio() -> AsyncIterator[bytes]:
            if not started.done():
                started.set_result(None)
            yield first
            async for chunk in pcm:
                yield chunk

        self.sessions += 1
        task = self._task = self._hass.async_create_background_task(
            self._run(_scaled(audio(), volume), pcm, started), f"{DOMAIN} talk"
        )
        self._notify()
        try:
            async with asyncio.timeout(START_TIMEOUT_SECONDS):
                waiting: set[asyncio.Future[Any]] = {started, task}
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        except TimeoutError:
            await self.async_stop()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="talk_failed",
                translation_placeholders={"error": "the camera did not start talking in time"},
            ) from None
        if task.done() and not started.done() and not task.cancelled():
            task.result()  # raises the translated error
        return task

    async def _first_chunk(self, pcm: AsyncIterator[bytes]) -> bytes:
        try:
            async for chunk in pcm:
                return chunk
        except InvalidValue as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="bad_media",
                translation_placeholders={"error": str(err)},
            ) from err
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bad_media",
            translation_placeholders={"error": "the media has no audio"},
        )

    async def _run(
        self,
        pcm: AsyncIterator[bytes],
        decoder: AsyncGenerator[bytes],
        started: asyncio.Future[None],
    ) -> float:
        try:
            seconds = await self._client.talk(pcm)
        except asyncio.CancelledError:
            raise
        except Exception as err:
            self.last_error = f"{type(err).__name__}: {err}"
            if started.done():
                # Nobody waits for a talk that is under way: log it, do not raise.
                _LOGGER.warning("Talk-back to the camera stopped: %s", self.last_error)
                return 0.0
            refused = isinstance(err, AuthError | DeviceBusy | NotSupported)
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="talk_refused" if refused else "talk_failed",
                translation_placeholders={"error": str(err) or type(err).__name__},
            ) from err
        finally:
            # Stop the decoding thread, whatever happened.
            await decoder.aclose()
            self._hass.loop.call_soon(self._notify)
        self.last_seconds = seconds
        self.last_error = None
        return seconds

    async def async_wait(self) -> float:
        """Wait for the running talk to finish; return seconds sent (0 if none)."""
        task = self._task
        if task is None:
            return 0.0
        with contextlib.suppress(asyncio.CancelledError, HomeAssistantError):
            return await asyncio.shield(task)
        return 0.0

    async def async_stop(self) -> None:
        """Stop the running talk (the client closes the channel), or one that is starting."""
        self._generation += 1
        task, self._task = self._task, None
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        self._notify()
