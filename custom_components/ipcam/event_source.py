"""The camera's push channel: alarms as they happen, alarm state, and the channel's health.

One background task per camera iterates ``client.events()`` and reconnects with
capped back-off when the connection drops. Alarms are kept here (kind, channel →
on/off) beside the coordinator's polled data, so a poll never erases an alarm and
an alarm never marks a failing poll as recovered. An alarm the camera never ends
is cleared after the entry's alarm timeout.

The loop survives anything: a camera error reconnects, an unexpected exception
is logged once with its traceback and retried after the back-off, and a
rejected login stops it (the credential guard asks the user).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later

from .credential_guard import CredentialGuard
from .protocols.backoff import Backoff
from .protocols.base import CameraClient, CameraEvent, EventKind
from .protocols.errors import AuthError, CameraError

_LOGGER = logging.getLogger(__name__)

AlarmKey = tuple[EventKind, int]

# The push connection counts as up once it has delivered an event or run this long:
# a subscription the camera refuses every time must not flap "back online"/"unavailable".
GRACE_SECONDS = 5.0
RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_CAP_SECONDS = 60.0
# A connect (login and subscription) that takes longer than this is a failure.
CONNECT_TIMEOUT_SECONDS = 20.0


class EventSource:
    """Receives pushed alarms for one camera and keeps their state."""

    def __init__(
        self,
        hass: HomeAssistant,
        client: CameraClient,
        guard: CredentialGuard,
        *,
        name: str,
        reconnect: Callable[[], Awaitable[None]],
        mark_broken: Callable[[], None],
        alarm_timeout: Callable[[], float],
        on_update: Callable[[], None],
        on_level_input: Callable[[CameraEvent], bool] = lambda _event: False,
        on_back: Callable[[], None] = lambda: None,
        on_error: Callable[[BaseException], None] = lambda _err: None,
    ) -> None:
        self._hass = hass
        self._client = client
        self._guard = guard
        self._name = name
        self._reconnect = reconnect
        self._mark_broken = mark_broken
        self._alarm_timeout = alarm_timeout
        self._on_update = on_update
        self._on_level_input = on_level_input
        self._on_back = on_back
        self._on_error = on_error
        self.alarms: dict[AlarmKey, bool] = {}
        self.last_event: CameraEvent | None = None
        self.last_error: str | None = None
        self.unexpected_errors = 0
        # The client is logged in when the source is made: connected until proven otherwise.
        self._connected = True
        self._was_lost = False
        self._clear_timers: dict[AlarmKey, CALLBACK_TYPE] = {}
        self._listeners: list[Callable[[CameraEvent], None]] = []
        self._grace: asyncio.TimerHandle | None = None
        self._stopping = False
        self.backoff = Backoff(
            RECONNECT_FIRST_SECONDS, RECONNECT_CAP_SECONDS, stable_after=RECONNECT_CAP_SECONDS
        )

    @property
    def connected(self) -> bool:
        return self._connected

    # --- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Receive alarms until stopped, reconnecting with capped back-off."""
        first = True
        while not self._stopping:
            if self._guard.rejected:
                self.last_error = "the stored credentials were rejected"
                self._set_connected(False)
                return  # reauthentication was requested; logging in again risks a lock-out
            try:
                await self._receive(reconnect=not first)
            except asyncio.CancelledError:
                raise
            except AuthError as err:
                self.last_error = type(err).__name__
                self._mark_broken()
                self._set_connected(False)
                self._guard.note_rejection(err)
                if self._guard.rejected:
                    _LOGGER.warning(
                        "%s rejected the stored credentials; asking for new ones", self._name
                    )
                    return
            except (CameraError, TimeoutError, OSError) as err:
                if self._stopping:
                    return
                self.last_error = f"{type(err).__name__}: {_text(err)}"
                self._on_error(err)
                self._mark_broken()
                self._set_connected(False)
            except Exception as err:
                # A bug, not the camera: say it once with the traceback, then carry on.
                self.unexpected_errors += 1
                self.last_error = f"unexpected {type(err).__name__}"
                if self.unexpected_errors == 1:
                    _LOGGER.exception("Unexpected error in the event loop of %s", self._name)
                else:
                    _LOGGER.debug("Unexpected error in the event loop of %s: %r", self._name, err)
                self._mark_broken()
                self._set_connected(False)
            finally:
                self._cancel_grace()
            first = False
            if self._stopping:
                return
            await self.backoff.wait()

    async def _receive(self, *, reconnect: bool) -> None:
        if reconnect or not self._connected:
            async with asyncio.timeout(CONNECT_TIMEOUT_SECONDS):
                await self._reconnect()
        self.backoff.connected()
        if not self._connected:
            self._grace = self._hass.loop.call_later(GRACE_SECONDS, self._set_connected, True)
        async for event in self._client.events():
            if self._grace is not None:
                self._cancel_grace()
                self._set_connected(True)
            self.backoff.succeeded()
            self.handle_event(event)
        # The iterator ended: the camera closed the connection.
        raise ConnectionResetError("event connection closed")

    def _cancel_grace(self) -> None:
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None

    @callback
    def _set_connected(self, connected: bool) -> None:
        self._grace = None if connected else self._grace
        if connected == self._connected or self._stopping:
            return
        self._connected = connected
        if connected:
            if self._was_lost:
                _LOGGER.info("%s is back online", self._name)
            self._on_back()
        else:
            self._was_lost = True
            _LOGGER.info("%s is unavailable: %s", self._name, self.last_error)
        self._on_update()

    # --- alarms --------------------------------------------------------------------------------

    @callback
    def add_listener(self, listener: Callable[[CameraEvent], None]) -> Callable[[], None]:
        """Call ``listener`` with every event the camera reports (event entities, triggers)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @callback
    def handle_event(self, event: CameraEvent) -> None:
        """Record one alarm change and notify the entities."""
        self.last_event = event
        for listener in list(self._listeners):
            listener(event)
        if self._on_level_input(event):
            return  # a level input the camera also reports when polled
        key = (event.kind, event.channel)
        if event.kind is EventKind.OTHER:
            _LOGGER.debug("%s reported an unmapped event %r", self._name, event.raw)
        self._cancel_clear_timer(key)
        self.alarms[key] = event.active
        if event.active and (timeout := self._alarm_timeout()) > 0:
            self._clear_timers[key] = async_call_later(
                self._hass, timeout, self._clear_alarm_later(key)
            )
        self._on_update()

    def is_active(self, kind: EventKind, channel: int | None) -> bool:
        """Whether an alarm of ``kind`` (any kind for ALARM) is on, on ``channel`` or any."""
        return any(
            active
            for (alarm_kind, alarm_channel), active in self.alarms.items()
            if (alarm_kind is kind or kind is EventKind.ALARM)
            and (channel is None or alarm_channel == channel)
        )

    def _clear_alarm_later(self, key: AlarmKey) -> Callable[[Any], None]:
        @callback
        def clear(_now: Any) -> None:
            self._clear_timers.pop(key, None)
            if self.alarms.get(key):
                self.alarms[key] = False
                self._on_update()

        return clear

    def _cancel_clear_timer(self, key: AlarmKey) -> None:
        cancel = self._clear_timers.pop(key, None)
        if cancel is not None:
            cancel()

    def stop(self) -> None:
        """No more state changes; cancel every timer (the task is cancelled by its owner)."""
        self._stopping = True
        self._cancel_grace()
        for cancel in self._clear_timers.values():
            cancel()
        self._clear_timers.clear()


def _text(err: BaseException) -> str:
    """An error's text for users and logs (clients keep credentials out of their messages)."""
    return str(err) or type(err).__name__
