"""One coordinator per camera: owns the client, polls settings, runs the push loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
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
    MAX_AUTH_FAILURES,
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
)
from .protocols.errors import AccountLocked, AuthError, CameraError
from .talk import TalkManager
from .video import VideoHub

if TYPE_CHECKING:
    from .data import IpcamConfigEntry

_LOGGER = logging.getLogger(__name__)

_INPUT_SETTINGS = {1: SettingKey.INPUT_1, 2: SettingKey.INPUT_2}


@dataclass(slots=True)
class CameraState:
    """What the entities show: the camera's read-back settings and alarm states."""

    settings: Settings = field(default_factory=Settings)
    alarms: dict[tuple[EventKind, int], bool] = field(default_factory=dict)
    last_event: CameraEvent | None = None


class IpcamCoordinator(DataUpdateCoordinator[CameraState]):
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
        self.video = VideoHub(client)
        self.talk = TalkManager(hass, client)
        self._auth_failures = 0
        self._account_locked = False
        self._reconnect_needed = False
        # The client is logged in when the coordinator is made; the push loop
        # marks the camera unavailable when its connection drops.
        self._push_connected = True
        self._push_was_lost = False
        self._clear_timers: dict[tuple[EventKind, int], CALLBACK_TYPE] = {}
        self._connect_lock = asyncio.Lock()
        self.reconnects = 0
        self.last_error: str | None = None

    # --- availability ----------------------------------------------------------------------

    @property
    def camera_available(self) -> bool:
        """True while polling succeeds and (for pushing cameras) the push channel is up."""
        return self.last_update_success and self._push_connected

    @property
    def credentials_rejected(self) -> bool:
        """True once the camera refused the stored credentials too often to try again."""
        return self._auth_failures >= MAX_AUTH_FAILURES or self._account_locked

    @property
    def push_connected(self) -> bool:
        return self._push_connected

    # --- polling -----------------------------------------------------------------------------

    async def _async_update_data(self) -> CameraState:
        previous = self.data or CameraState()
        if self.credentials_rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                await self._async_reconnect_if_needed()
                settings = await self.client.read_settings()
        except AuthError as err:
            self._reconnect_needed = True
            self.last_error = type(err).__name__
            self._auth_failures += 1
            self._account_locked |= isinstance(err, AccountLocked)
            if self.credentials_rejected:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="invalid_auth"
                ) from err
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="invalid_auth") from err
        except (CameraError, TimeoutError, OSError) as err:
            self._reconnect_needed = True
            self.last_error = f"{type(err).__name__}: {err}"
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": str(err) or type(err).__name__},
            ) from err
        self._auth_failures = 0
        self.last_error = None
        return replace(previous, settings=settings)

    async def _async_reconnect_if_needed(self) -> None:
        # Polling and the push loop may both notice a drop; log in once.
        async with self._connect_lock:
            if not self._reconnect_needed:
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

    async def async_run_events(self) -> None:
        """Receive pushed alarms forever, reconnecting with capped back-off.

        Runs as the entry's background task; cancelled on unload.
        """
        delay = RECONNECT_MIN_SECONDS
        while True:
            if self.credentials_rejected:
                return  # reauthentication was requested; logging in again risks a lock-out
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                    await self._async_reconnect_if_needed()
                # Logged in (here or by polling): the camera is reachable again.
                self._set_push_connected(True)
                async for event in self.client.events():
                    delay = RECONNECT_MIN_SECONDS
                    self._handle_event(event)
                # The iterator ended: the camera closed the connection.
                raise ConnectionResetError("event connection closed")
            except asyncio.CancelledError:
                raise
            except AuthError as err:
                self.last_error = type(err).__name__
                self._reconnect_needed = True
                self._set_push_connected(False)
                self._auth_failures += 1
                self._account_locked |= isinstance(err, AccountLocked)
                if self.credentials_rejected:
                    # Stop logging in: the camera would lock the account. Ask the user.
                    _LOGGER.warning(
                        "%s rejected the stored credentials; asking for new ones", self.name
                    )
                    self.config_entry.async_start_reauth(self.hass)
                    return
            except (CameraError, TimeoutError, OSError) as err:
                self.last_error = f"{type(err).__name__}: {err}"
                self._reconnect_needed = True
                self._set_push_connected(False)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    @callback
    def _set_push_connected(self, connected: bool) -> None:
        if connected == self._push_connected:
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
        state = self.data or CameraState()
        input_key = _INPUT_SETTINGS.get(event.channel)
        if (
            event.kind is EventKind.INPUT
            and input_key is not None
            and Capability.INPUTS in self.client.capabilities
        ):
            # A level input the camera also reports when polled: it stays as reported,
            # no alarm timeout applies.
            values = {**state.settings.values, input_key: event.active}
            settings = Settings(values=values, options=state.settings.options)
            self.async_set_updated_data(replace(state, settings=settings, last_event=event))
            return
        key = (event.kind, event.channel)
        alarms = dict(state.alarms)
        alarms[key] = event.active
        if event.kind is EventKind.OTHER:
            _LOGGER.debug("%s reported an unmapped event %r", self.name, event.raw)
        self._cancel_clear_timer(key)
        if event.active:
            timeout = self.config_entry.options.get(CONF_MOTION_TIMEOUT, DEFAULT_MOTION_TIMEOUT)
            if timeout:
                self._clear_timers[key] = async_call_later(
                    self.hass, float(timeout), self._clear_alarm_later(key)
                )
        self.async_set_updated_data(replace(state, alarms=alarms, last_event=event))

    def _clear_alarm_later(self, key: tuple[EventKind, int]) -> Callable[[Any], None]:
        @callback
        def clear(_now: Any) -> None:
            self._clear_timers.pop(key, None)
            state = self.data or CameraState()
            if state.alarms.get(key):
                alarms = dict(state.alarms)
                alarms[key] = False
                self.async_set_updated_data(replace(state, alarms=alarms))

        return clear

    def _cancel_clear_timer(self, key: tuple[EventKind, int]) -> None:
        cancel = self._clear_timers.pop(key, None)
        if cancel is not None:
            cancel()

    async def async_shutdown(self) -> None:
        """Stop timers, video and the client (entry unload)."""
        await super().async_shutdown()
        for cancel in self._clear_timers.values():
            cancel()
        self._clear_timers.clear()
        await self.talk.async_stop()
        await self.video.close()
        await self.client.close()
