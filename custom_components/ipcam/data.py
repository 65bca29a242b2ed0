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
    # URL of the integration's own MPEG-TS relay, for cameras whose video has no RTSP.
    live_url: str | None = None


type IpcamConfigEntry = ConfigEntry[IpcamData]
