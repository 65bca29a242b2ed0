"""Typed runtime data of a config entry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .protocols.base import CameraClient

if TYPE_CHECKING:
    from .coordinator import IpcamCoordinator


@dataclass(slots=True)
class IpcamData:
    """What a loaded entry keeps: the camera client and its coordinator."""

    client: CameraClient
    coordinator: IpcamCoordinator

    @property
    def live_url(self) -> str | None:
        """The integration's MPEG-TS relay of the (first) channel, where it runs one."""
        urls = self.coordinator.relay_urls
        return next(iter(urls.values()), None)


type IpcamConfigEntry = ConfigEntry[IpcamData]
