"""Which Home Assistant devices a config entry has: one camera, or a recorder and its channels.

A camera (one channel) is one device, keyed by the ID stored at set-up, exactly as
entries have always been. A recorder or multi-input encoder (several channels)
is a device of its own — alarm outputs and inputs, reboot, the speaker — with a
device per channel beneath it (live view, per-camera alarms, image settings,
PTZ). A channel's device is keyed by the channel client's unique ID, which is
what a one-channel entry for that channel used to be keyed by, so entity IDs and
history carry over when such entries are replaced by the recorder's.
Channels that appear later get their devices then; channels that disappear lose
theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.const import CONF_MAC
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import CONNECTION_NETWORK_MAC, DeviceInfo

from .const import CONF_CHANNEL, CONF_STREAM, DOMAIN, STREAM_PRIMARY
from .protocols.base import CameraClient, ChannelInfo

if TYPE_CHECKING:
    from .data import IpcamConfigEntry

RECORDER_SUFFIX = "-recorder"


class DeviceLayout:
    """Device keys, device info and per-channel clients of one entry."""

    def __init__(self, hass: HomeAssistant, entry: IpcamConfigEntry, client: CameraClient) -> None:
        self._hass = hass
        self._entry = entry
        self.client = client
        self._channel_clients: dict[int, CameraClient] = {}
        self._known = {info.number: info for info in client.channels}
        self.recorder = len(self._known) > 1

    # --- keys and clients -------------------------------------------------------------------

    @property
    def device_key(self) -> str:
        """The camera's (or recorder's entry's) ID: the one stored at set-up.

        It stays the ID even if the camera later reports another (e.g. a Grandstream
        MAC learnt from ARP only some of the time).
        """
        return self._entry.unique_id or self.client.identity.unique_id

    def key_for(self, channel: int | None) -> str:
        """The device-registry identifier of the device an entity of ``channel`` is on."""
        if not self.recorder:
            return self.device_key
        if channel is None:
            return self.device_key + RECORDER_SUFFIX
        return self.client_for(channel).identity.unique_id

    def client_for(self, channel: int | None) -> CameraClient:
        if channel is None or not self.recorder:
            return self.client
        client = self._channel_clients.get(channel)
        if client is None:
            client = self._channel_clients[channel] = self.client.channel_client(channel)
        return client

    def channels(self) -> list[int]:
        return sorted(self._known)

    def entity_channels(self, device_scope: bool) -> list[int | None]:
        """The channels entities of a scope are made for (None: the device itself)."""
        if not self.recorder or device_scope:
            return [None]
        channels: list[int | None] = list(self.channels())
        return channels

    def online(self, channel: int | None) -> bool:
        info = None if channel is None else self._known.get(channel)
        return info is None or info.online

    # --- device info ------------------------------------------------------------------------

    def device_info(self, channel: int | None) -> DeviceInfo:
        identity = self.client.identity
        if not self.recorder:
            data = self._entry.data
            # Only a camera's first channel and primary stream carry the MAC: an older
            # per-channel entry of a recorder is a device of its own, which Home
            # Assistant would otherwise merge with the others by the MAC.
            first = int(data.get(CONF_CHANNEL, 0)) == 0 and data.get(CONF_STREAM) in (
                None,
                STREAM_PRIMARY,
            )
            return self._info(self.device_key, identity.name, self.client, with_mac=first)
        if channel is None:
            return self._info(self.key_for(None), identity.name, self.client, with_mac=True)
        info = self._known.get(channel) or ChannelInfo(channel)
        name = info.name.strip() or f"{identity.name} channel {channel + 1}"
        return self._info(self.key_for(channel), name, self.client_for(channel), with_mac=False)

    def _info(self, key: str, name: str, client: CameraClient, *, with_mac: bool) -> DeviceInfo:
        identity = client.identity
        mac = identity.mac or str(self._entry.data.get(CONF_MAC, ""))
        return DeviceInfo(
            identifiers={(DOMAIN, key)},
            connections={(CONNECTION_NETWORK_MAC, mac)} if mac and with_mac else set(),
            name=name,
            manufacturer=identity.manufacturer or None,
            model=identity.model or None,
            sw_version=identity.firmware or None,
            hw_version=identity.hardware or None,
            serial_number=identity.serial or None,
            configuration_url=client.web_ui_url(),
        )

    @callback
    def link_channel_device(self, channel: int) -> None:
        """Put a channel's device under the recorder's (set on the registry: Home Assistant
        2026 deprecates ``via_device`` in device info)."""
        if not self.recorder:
            return
        registry = dr.async_get(self._hass)
        recorder = registry.async_get_device(identifiers={(DOMAIN, self.key_for(None))})
        device = registry.async_get_device(identifiers={(DOMAIN, self.key_for(channel))})
        if recorder is not None and device is not None and device.via_device_id != recorder.id:
            registry.async_update_device(device.id, via_device_id=recorder.id)

    # --- channels that come and go -----------------------------------------------------------

    @callback
    def refresh(self) -> bool:
        """Re-read the client's channels; True when they changed (gone ones lose their device)."""
        before = self._known
        current = {info.number: info for info in self.client.channels}
        self._known = current
        if self.recorder:
            for channel in set(before) - set(current):
                self._remove_device(channel)
        return {n: i.online for n, i in before.items()} != {n: i.online for n, i in current.items()}

    def _remove_device(self, channel: int) -> None:
        client = self._channel_clients.pop(channel, None)
        if client is None:
            return  # it never had entities, hence no device
        registry = dr.async_get(self._hass)
        device = registry.async_get_device(identifiers={(DOMAIN, client.identity.unique_id)})
        if device is not None:
            registry.async_update_device(device.id, remove_config_entry_id=self._entry.entry_id)

    def known_keys(self) -> set[str]:
        """Every device key this entry has now (stale devices are the others)."""
        keys = {self.key_for(channel) for channel in self.entity_channels(False)}
        keys.add(self.key_for(None))
        return keys
