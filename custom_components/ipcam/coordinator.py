"""One coordinator per camera: owns the client, polls settings, runs the push loop.

Polled data (the camera's settings) is the coordinator's ``data``. Pushed alarms
are kept beside it (``alarms``) and only notify the entities: a pushed event must
neither mark a failing poll as recovered nor postpone the next poll, and a poll
in flight must not overwrite an alarm that arrived meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .const import (
    CONF_MOTION_TIMEOUT,
    DEFAULT_MOTION_TIMEOUT,
    DOMAIN,
    RECONNECT_MAX_SECONDS,
    RECONNECT_MIN_SECONDS,
    REQUEST_TIMEOUT_SECONDS,
    SCAN_INTERVAL_SECONDS,
)
from .protocols.base import (
    CameraClient,
    CameraEvent,
    Capability,
    EventKind,
    SettingKey,
    Settings,
    VideoDelivery,
)
from .protocols.errors import AccountLocked, AuthError, CameraError
from .talk import TalkManager
from .video_hub import VideoHub

if TYPE_CHECKING:
    from .data import IpcamConfigEntry

_LOGGER = logging.getLogger(__name__)

_INPUT_SETTINGS = {1: SettingKey.INPUT_1, 2: SettingKey.INPUT_2}
# The push connection counts as up once it has delivered an event or run this long:
# a subscription the camera refuses every time must not flap "back online"/"unavailable".
PUSH_GRACE_SECONDS = 5.0
# Frames a video viewer may fall behind: MJPEG frames are independent, so a short queue
# drops old pictures; H.264/H.265 need ~2 s so that brief stalls lose nothing.
JPEG_QUEUE_FRAMES = 4
CODED_QUEUE_FRAMES = 64

AlarmKey = tuple[EventKind, int]


class IpcamCoordinator(DataUpdateCoordinator[Settings]):
    """Polls settings, receives pushed alarms and tracks the camera's availability."""

    config_entry: IpcamConfigEntry

    def __init__(self, hass: HomeAssistant, entry: IpcamConfigEntry, client: CameraClient) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=SCAN_INTERVAL_SECONDS),
            always_update=False,
        )
        self.client = client
        coded = client.profile.video is not VideoDelivery.JPEG
        self.video = VideoHub(
            client,
            queue_frames=CODED_QUEUE_FRAMES if coded else JPEG_QUEUE_FRAMES,
            may_connect=lambda: not self.credentials_rejected,
            on_auth_error=self.async_note_auth_error,
        )
        self.talk = TalkManager(hass, client)
        self.alarms: dict[AlarmKey, bool] = {}
        self.last_event: CameraEvent | None = None
        self._auth_failures = 0
        self._account_locked = False
        self._reconnect_needed = False
        # The client is logged in when the coordinator is made; the push loop
        # marks the camera unavailable when its connection drops.
        self._push_connected = True
        self._push_was_lost = False
        self._clear_timers: dict[AlarmKey, CALLBACK_TYPE] = {}
        self._connect_lock = asyncio.Lock()
        self._events_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.reconnects = 0
        self.last_error: str | None = None

    # --- availability and credentials -------------------------------------------------------

    @property
    def camera_available(self) -> bool:
        """True while polling succeeds and (for pushing cameras) the push channel is up."""
        return self.last_update_success and self._push_connected

    @property
    def credentials_rejected(self) -> bool:
        """True once the camera refused the stored credentials too often to try again."""
        limit = self.client.profile.auth_failures_before_reauth
        return self._auth_failures >= limit or self._account_locked

    @property
    def push_connected(self) -> bool:
        return self._push_connected

    @callback
    def async_note_auth_error(self, err: AuthError) -> None:
        """Count a rejected login from anywhere (polling, push, video); ask the user in time."""
        self._auth_failures += 1
        self._account_locked |= isinstance(err, AccountLocked)
        self._reconnect_needed = True
        if self.credentials_rejected:
            self.config_entry.async_start_reauth(self.hass)

    # --- polling -----------------------------------------------------------------------------

    async def _async_update_data(self) -> Settings:
        if self.credentials_rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                await self._async_reconnect_if_needed()
                settings = await self.client.read_settings()
        except AuthError as err:
            self.last_error = type(err).__name__
            self._auth_failures += 1
            self._account_locked |= isinstance(err, AccountLocked)
            self._reconnect_needed = True
            if self.credentials_rejected:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="invalid_auth"
                ) from err
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="invalid_auth") from err
        except (CameraError, TimeoutError, OSError) as err:
            # No new login for a failed read: the clients re-establish their own command
            # connection, and a full reconnect would also cut live video and talk-back.
            self.last_error = f"{type(err).__name__}: {_safe_error(err)}"
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": _safe_error(err)},
            ) from err
        self._auth_failures = 0
        self.last_error = None
        return settings

    async def _async_reconnect_if_needed(self) -> None:
        # Polling and the push loop may both notice a drop; log in once.
        async with self._connect_lock:
            if not self._reconnect_needed or self._stopping:
                return
            await self.client.close()
            await self.client.connect()
            self._reconnect_needed = False
            self.reconnects += 1

    async def async_write_setting(self, key: str, value: bool | int | str) -> None:
        """Write one setting, then read the camera's real state back."""
        if self.credentials_rejected:
            raise AuthError("the stored credentials were rejected")
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            await self.client.write_setting(key, value)
        await self.async_refresh()

    # --- push -------------------------------------------------------------------------------

    @callback
    def async_start_events(self) -> None:
        """Start the push loop as the entry's background task (cancelled on unload)."""
        self._events_task = self.config_entry.async_create_background_task(
            self.hass, self.async_run_events(), f"{DOMAIN} events {self.config_entry.title}"
        )

    async def async_run_events(self) -> None:
        """Receive pushed alarms until unload, reconnecting with capped back-off."""
        delay = RECONNECT_MIN_SECONDS
        while not self._stopping:
            if self.credentials_rejected:
                return  # reauthentication was requested; logging in again risks a lock-out
            grace: asyncio.TimerHandle | None = None
            started = time.monotonic()
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                    await self._async_reconnect_if_needed()
                if not self._push_connected:
                    grace = self.hass.loop.call_later(
                        PUSH_GRACE_SECONDS, self._set_push_connected, True
                    )
                async for event in self.client.events():
                    if grace is not None:
                        grace.cancel()
                        grace = None
                        self._set_push_connected(True)
                    self._handle_event(event)
                # The iterator ended: the camera closed the connection.
                raise ConnectionResetError("event connection closed")
            except asyncio.CancelledError:
                raise
            except AuthError as err:
                self.last_error = type(err).__name__
                self._set_push_connected(False)
                self.async_note_auth_error(err)
                if self.credentials_rejected:
                    _LOGGER.warning(
                        "%s rejected the stored credentials; asking for new ones", self.name
                    )
                    return
            except (CameraError, TimeoutError, OSError) as err:
                if self._stopping:
                    return
                self.last_error = f"{type(err).__name__}: {_safe_error(err)}"
                self._reconnect_needed = True
                self._set_push_connected(False)
            finally:
                if grace is not None:
                    grace.cancel()
            if time.monotonic() - started > RECONNECT_MAX_SECONDS:
                delay = RECONNECT_MIN_SECONDS  # it worked for a while: retry soon
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    @callback
    def _set_push_connected(self, connected: bool) -> None:
        if connected == self._push_connected or self._stopping:
            return
        self._push_connected = connected
        if connected and self._push_was_lost:
            _LOGGER.info("%s is back online", self.name)
        elif not connected:
            self._push_was_lost = True
            if self.last_update_success:  # else polling has already logged the outage
                _LOGGER.info("%s is unavailable: %s", self.name, self.last_error)
        self.async_update_listeners()

    @callback
    def _handle_event(self, event: CameraEvent) -> None:
        self.last_event = event
        input_key = _INPUT_SETTINGS.get(event.channel)
        if (
            event.kind is EventKind.INPUT
            and input_key is not None
            and Capability.INPUTS in self.client.capabilities
            and self.data is not None
        ):
            # A level input the camera also reports when polled: it stays as reported,
            # no alarm timeout applies.
            self.data.values[input_key] = event.active
            self.async_update_listeners()
            return
        key = (event.kind, event.channel)
        if event.kind is EventKind.OTHER:
            _LOGGER.debug("%s reported an unmapped event %r", self.name, event.raw)
        self._cancel_clear_timer(key)
        self.alarms[key] = event.active
        if event.active:
            timeout = self.config_entry.options.get(CONF_MOTION_TIMEOUT, DEFAULT_MOTION_TIMEOUT)
            if timeout:
                self._clear_timers[key] = async_call_later(
                    self.hass, float(timeout), self._clear_alarm_later(key)
                )
        self.async_update_listeners()

    def _clear_alarm_later(self, key: AlarmKey) -> Callable[[Any], None]:
        @callback
        def clear(_now: Any) -> None:
            self._clear_timers.pop(key, None)
            if self.alarms.get(key):
                self.alarms[key] = False
                self.async_update_listeners()

        return clear

    def _cancel_clear_timer(self, key: AlarmKey) -> None:
        cancel = self._clear_timers.pop(key, None)
        if cancel is not None:
            cancel()

    async def async_shutdown(self) -> None:
        """Stop the push loop, timers, talk, video and the client (entry unload)."""
        self._stopping = True
        if self._events_task is not None:
            self._events_task.cancel()
            try:
                await self._events_task
            except asyncio.CancelledError:
                if (task := asyncio.current_task()) is not None and task.cancelling():
                    raise
            self._events_task = None
        await super().async_shutdown()
        for cancel in self._clear_timers.values():
            cancel()
        self._clear_timers.clear()
        await self.talk.async_stop()
        await self.video.close()
        await self.client.close()


def _safe_error(err: BaseException) -> str:
    """An error's text for users and logs (clients keep credentials out of their messages)."""
    return str(err) or type(err).__name__
