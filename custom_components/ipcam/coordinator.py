"""One coordinator per camera: polls settings and ties the camera's parts together.

The coordinator's ``data`` is the camera's polled settings. Beside it live the
push channel (``EventSource``: alarms and their state), the login gate
(``CredentialGuard``), the shared video upstream (``VideoHub``) and talk-back
(``TalkManager``). The coordinator decides availability (polling works and the
push channel is up), re-establishes the client's login once when polling and
push both notice a drop, and refreshes at once when the push channel returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .alarm_types import EVENT_ALARM, event_payload
from .const import (
    CONF_MOTION_TIMEOUT,
    DEFAULT_MOTION_TIMEOUT,
    DOMAIN,
    REQUEST_TIMEOUT_SECONDS,
    SCAN_INTERVAL_SECONDS,
)
from .credential_guard import CredentialGuard
from .device_layout import DeviceLayout
from .device_memory import device_memory
from .event_source import EventSource
from .mpegts_relay import async_get_live_server
from .protocols.base import (
    CameraClient,
    CameraEvent,
    Capability,
    EventKind,
    PtzPreset,
    SettingKey,
    Settings,
    VideoDelivery,
)
from .protocols.errors import AuthError, CameraError, DeviceBusy, NotSupported
from .repairs import (
    BUSY_REFUSALS_BEFORE_ISSUE,
    ISSUE_CONNECTION_LIMIT,
    ISSUE_H265,
    async_set_issue,
)
from .talk import TalkManager
from .video_hub import VideoHub

if TYPE_CHECKING:
    from .data import IpcamConfigEntry

_LOGGER = logging.getLogger(__name__)

_INPUT_SETTINGS = {1: SettingKey.INPUT_1, 2: SettingKey.INPUT_2}
# Frames a video viewer may fall behind: MJPEG frames are independent, so a short queue
# drops old pictures; H.264/H.265 need ~2 s so that brief stalls lose nothing.
JPEG_QUEUE_FRAMES = 4
CODED_QUEUE_FRAMES = 64
# Coded video is remuxed for HLS (segments of seconds): its frames may wait this long in the
# kernel between socket reads, ten frames per wake-up instead of one wake-up per packet (about
# two thirds of the stream's CPU; docs/PERFORMANCE.md). JPEG pictures go straight to the
# viewers' browsers, each as it comes.
CODED_READ_EVERY = 0.4


class IpcamCoordinator(DataUpdateCoordinator[Settings]):
    """Polls settings and decides whether the camera is available."""

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
        self.layout = DeviceLayout(hass, entry, client)
        self.guard = CredentialGuard(
            client.profile.auth_failures_before_reauth,
            lambda: entry.async_start_reauth(hass),
        )
        self.events = EventSource(
            hass,
            client,
            self.guard,
            name=self.name,
            reconnect=self.async_reconnect_if_needed,
            mark_broken=self.mark_connection_broken,
            alarm_timeout=self._alarm_timeout,
            on_update=self.async_update_listeners,
            on_level_input=self._level_input,
            on_back=self._push_back,
            on_error=self._note_error,
        )
        self.events.add_listener(self._fire_alarm)
        self._video_hubs: dict[int | None, VideoHub] = {}
        self.talk = TalkManager(hass, client)
        self._busy_refusals = 0
        self._capabilities = client.capabilities
        self._capability_listeners: list[Callable[[], None]] = []
        self._reconnect_needed = False
        self._connect_lock = asyncio.Lock()
        self._events_task: asyncio.Task[None] | None = None
        self._stopping = False
        self.last_error: str | None = None
        self.reconnects = 0
        self.presets: dict[int | None, list[PtzPreset]] = {}
        self.channel_settings: dict[int, Settings] = {}
        self.relay_urls: dict[int | None, str] = {}

    # --- availability and credentials -------------------------------------------------------

    @property
    def device_key(self) -> str:
        """The camera's (or recorder's entry's) ID: the one stored at set-up."""
        return self.layout.device_key

    # --- channels (a recorder has several; a camera one) ----------------------------------------

    def entity_channels(self, scope: str) -> list[int | None]:
        return self.layout.entity_channels(scope == "device")

    def client_for(self, channel: int | None) -> CameraClient:
        return self.layout.client_for(channel)

    def device_key_for(self, channel: int | None) -> str:
        return self.layout.key_for(channel)

    def device_info_for(self, channel: int | None) -> DeviceInfo:
        return self.layout.device_info(channel)

    def channel_online(self, channel: int | None) -> bool:
        return self.layout.online(channel)

    @callback
    def async_link_channel_device(self, channel: int) -> None:
        self.layout.link_channel_device(channel)

    def settings_for(self, channel: int | None) -> Settings:
        """The polled settings of a channel (a camera's, or the recorder's own for None)."""
        if channel is None or not self.layout.recorder:
            return self.data
        return self.channel_settings.get(channel) or Settings()

    def video_hub(self, channel: int | None = None) -> VideoHub:
        """The one video upstream of a channel, shared by all its viewers."""
        key = channel if self.layout.recorder else None
        hub = self._video_hubs.get(key)
        if hub is None:
            client = self.client_for(key)
            coded = client.profile.video is not VideoDelivery.JPEG
            hub = self._video_hubs[key] = VideoHub(
                client,
                queue_frames=CODED_QUEUE_FRAMES if coded else JPEG_QUEUE_FRAMES,
                guard=self.guard,
                read_every=CODED_READ_EVERY if coded else 0.0,
            )
            hub.add_codec_listener(self._codec_seen)
        return hub

    async def async_relay_url(self, channel: int | None) -> str | None:
        """The MPEG-TS relay of a channel whose video only this protocol carries (started
        on first use; the URL carries its token)."""
        client = self.client_for(channel)
        if client.profile.video is not VideoDelivery.CODED or (
            Capability.VIDEO not in client.capabilities
        ):
            return None
        key = channel if self.layout.recorder else None
        if key not in self.relay_urls:
            server = async_get_live_server(self.hass)
            self.relay_urls[key] = await server.async_register(self.video_hub(key))
        return self.relay_urls[key]

    async def async_close_relays(self) -> None:
        """Stop serving the relays (their viewers end)."""
        server = async_get_live_server(self.hass)
        for url in self.relay_urls.values():
            await server.async_unregister(url)
        self.relay_urls.clear()

    @property
    def video_hubs(self) -> list[VideoHub]:
        return list(self._video_hubs.values())

    @property
    def video(self) -> VideoHub:
        """The first (for a camera: the only) channel's video upstream."""
        return self.video_hub(self.layout.entity_channels(False)[0])

    @property
    def camera_available(self) -> bool:
        """True while polling succeeds and (for pushing cameras) the push channel is up."""
        return self.last_update_success and self.events.connected

    @property
    def credentials_rejected(self) -> bool:
        """True once the camera refused the stored credentials too often to try again."""
        return self.guard.rejected

    @property
    def push_connected(self) -> bool:
        return self.events.connected

    @property
    def alarms(self) -> dict[tuple[EventKind, int], bool]:
        return self.events.alarms

    @callback
    def async_note_auth_error(self, err: AuthError) -> None:
        """Count a rejected login from anywhere (polling, push, video, stills)."""
        self.mark_connection_broken()
        self.guard.note_rejection(err)

    @callback
    def mark_connection_broken(self) -> None:
        """The client's login is gone: the next poll or push attempt logs in again (once)."""
        self._reconnect_needed = True

    async def async_reconnect_if_needed(self) -> None:
        """Log in again after a drop; polling and the push loop may both ask, it happens once."""
        async with self._connect_lock:
            if not self._reconnect_needed or self._stopping:
                return
            self.guard.check()
            await self.client.close()
            await self.client.connect()
            self._reconnect_needed = False
            self.reconnects += 1
            self.guard.note_success()

    # --- polling -----------------------------------------------------------------------------

    async def _async_update_data(self) -> Settings:
        if self.guard.rejected:
            raise ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="invalid_auth")
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS * 2):
                await self.async_reconnect_if_needed()
                settings = await self.client.read_settings()
                if self.layout.recorder:
                    await self._read_channel_settings()
        except AuthError as err:
            self.last_error = type(err).__name__
            self.async_note_auth_error(err)
            if self.guard.rejected:
                raise ConfigEntryAuthFailed(
                    translation_domain=DOMAIN, translation_key="invalid_auth"
                ) from err
            raise UpdateFailed(translation_domain=DOMAIN, translation_key="invalid_auth") from err
        except (CameraError, TimeoutError, OSError) as err:
            self._note_error(err)
            # No new login for a failed read: the clients re-establish their own command
            # connection, and a full reconnect would also cut live video and talk-back.
            self.last_error = f"{type(err).__name__}: {_safe_error(err)}"
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"error": _safe_error(err)},
            ) from err
        self.guard.note_success()
        self._note_error(None)
        self.last_error = None
        # What connect (and this read) learnt, for the next connect (e.g. after a restart).
        device_memory(self.hass).async_set(self.config_entry.entry_id, self.client.memory())
        channels_changed = self.layout.refresh()
        if channels_changed or self.client.capabilities != self._capabilities:
            self._capabilities = self.client.capabilities
            for listener in list(self._capability_listeners):
                listener()
        return settings

    async def _read_channel_settings(self) -> None:
        """Each recorder channel's settings; a channel that fails keeps its last ones.

        The coordinator tells its entities only when its own data (the recorder's
        settings) changed, so a change in a channel's settings is told here.
        """
        changed = False
        for channel in self.layout.channels():
            if not self.layout.online(channel):
                continue
            try:
                settings = await self.client_for(channel).read_settings()
            except (CameraError, TimeoutError) as err:
                if isinstance(err, AuthError):
                    raise
                _LOGGER.debug("%s: channel %s settings not read: %s", self.name, channel, err)
                continue
            changed |= self.channel_settings.get(channel) != settings
            self.channel_settings[channel] = settings
        if changed and self.data is not None:
            self.hass.loop.call_soon(self.async_update_listeners)

    @callback
    def async_add_capability_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when the camera's capabilities change (checked after each poll)."""
        self._capability_listeners.append(listener)
        return lambda: self._capability_listeners.remove(listener)

    async def async_load_presets(self, channel: int | None = None) -> bool:
        """Read a channel's pan/tilt presets (kept when the camera cannot list them now).

        False when the camera cannot list presets at all.
        """
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
                self.presets[channel] = await self.client_for(channel).ptz_presets()
        except NotSupported:
            return False
        except (CameraError, TimeoutError, OSError) as err:
            _LOGGER.debug("%s: could not read the pan/tilt presets: %s", self.name, err)
        self.async_update_listeners()
        return True

    async def async_write_setting(
        self, key: str, value: bool | int | str, channel: int | None = None
    ) -> None:
        """Write one setting, then read the camera's real state back."""
        self.guard.check()
        async with asyncio.timeout(REQUEST_TIMEOUT_SECONDS):
            await self.client_for(channel).write_setting(key, value)
        await self.async_refresh()

    # --- push -------------------------------------------------------------------------------

    @callback
    def async_start_events(self) -> None:
        """Start the push loop as the entry's background task (cancelled on unload)."""
        self._events_task = self.config_entry.async_create_background_task(
            self.hass, self.events.run(), f"{DOMAIN} events {self.config_entry.title}"
        )

    def _alarm_timeout(self) -> float:
        return float(self.config_entry.options.get(CONF_MOTION_TIMEOUT, DEFAULT_MOTION_TIMEOUT))

    @callback
    def _level_input(self, event: CameraEvent) -> bool:
        """A digital input the camera also reports when polled: it is a setting, not an alarm."""
        input_key = _INPUT_SETTINGS.get(event.channel)
        if (
            event.kind is not EventKind.INPUT
            or input_key is None
            or Capability.INPUTS not in self.client.capabilities
            or self.data is None
        ):
            return False
        self.data.values[input_key] = event.active
        self.async_update_listeners()
        return True

    @callback
    def _note_error(self, err: BaseException | None) -> None:
        """Tell the user when the camera keeps refusing us for having too many clients."""
        busy = isinstance(err, DeviceBusy)
        self._busy_refusals = self._busy_refusals + 1 if busy else 0
        if busy and self._busy_refusals != BUSY_REFUSALS_BEFORE_ISSUE:
            return
        async_set_issue(
            self.hass,
            ISSUE_CONNECTION_LIMIT,
            self.config_entry.entry_id,
            self.config_entry.title,
            busy,
        )

    @callback
    def _codec_seen(self, codec: str) -> None:
        async_set_issue(
            self.hass,
            ISSUE_H265,
            self.config_entry.entry_id,
            self.config_entry.title,
            codec == "h265",
        )

    @callback
    def _fire_alarm(self, event: CameraEvent) -> None:
        """Every alarm on the bus, for device triggers (fires even if a sensor was on)."""
        key = self.layout.key_for(self.alarm_channel(event))
        device = dr.async_get(self.hass).async_get_device(identifiers={(DOMAIN, key)})
        self.hass.bus.async_fire(EVENT_ALARM, event_payload(device.id if device else None, event))

    def alarm_channel(self, event: CameraEvent) -> int | None:
        """The channel whose device an alarm belongs to (None: the recorder's own).

        Alarm inputs belong to the recorder; the other kinds to the camera channel
        the event names.
        """
        if not self.layout.recorder or event.kind is EventKind.INPUT:
            return None
        return event.channel

    @callback
    def _push_back(self) -> None:
        """The push channel is back: the camera is, so poll now rather than a scan later."""
        for hub in self._video_hubs.values():
            hub.wake()
        if not self.last_update_success and not self._stopping:
            self.config_entry.async_create_background_task(
                self.hass, self.async_refresh(), f"{DOMAIN} refresh {self.config_entry.title}"
            )

    async def async_shutdown(self) -> None:
        """Stop the push loop, timers, talk, video and the client (entry unload)."""
        self._stopping = True
        self.events.stop()
        if self._events_task is not None:
            self._events_task.cancel()
            try:
                await self._events_task
            except asyncio.CancelledError:
                if (task := asyncio.current_task()) is not None and task.cancelling():
                    raise
            self._events_task = None
        await super().async_shutdown()
        await self.talk.async_stop()
        for hub in self._video_hubs.values():
            await hub.close()
        await self.client.close()


def _safe_error(err: BaseException) -> str:
    """An error's text for users and logs (clients keep credentials out of their messages)."""
    return str(err) or type(err).__name__
