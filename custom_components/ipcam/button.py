"""Buttons: pan/tilt/zoom moves and reboot."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import IpcamConfigEntry
from .entity import (
    IpcamEntity,
    IpcamEntityDescription,
    Scope,
    async_add_supported,
    translated_errors,
)
from .protocols.base import CameraClient, Capability, PtzMove

PARALLEL_UPDATES = 1

# A move button nudges the camera: it moves for this long, then stops (for cameras
# whose moves continue until told to stop).
PTZ_NUDGE_SECONDS = 0.5


@dataclass(frozen=True, kw_only=True)
class IpcamButtonDescription(IpcamEntityDescription, ButtonEntityDescription):
    """A button running one camera action."""

    press_fn: Callable[[CameraClient], Awaitable[None]]


async def _nudge(client: CameraClient, move: PtzMove) -> None:
    await client.ptz(move)
    if client.ptz_needs_stop:
        await asyncio.sleep(PTZ_NUDGE_SECONDS)
        await client.ptz(PtzMove.STOP)


def _ptz_button(move: PtzMove, capability: Capability) -> IpcamButtonDescription:
    return IpcamButtonDescription(
        key=f"ptz_{move.value}",
        translation_key=f"ptz_{move.value}",
        press_fn=lambda client: _nudge(client, move),
        supported=lambda client: capability in client.capabilities,
    )


BUTTONS: tuple[IpcamButtonDescription, ...] = (
    *(
        _ptz_button(move, Capability.PTZ)
        for move in (PtzMove.UP, PtzMove.DOWN, PtzMove.LEFT, PtzMove.RIGHT)
    ),
    IpcamButtonDescription(
        key="ptz_stop",
        translation_key="ptz_stop",
        press_fn=lambda client: client.ptz(PtzMove.STOP),
        supported=lambda client: Capability.PTZ in client.capabilities and client.ptz_needs_stop,
    ),
    IpcamButtonDescription(
        key="ptz_home",
        translation_key="ptz_home",
        press_fn=lambda client: client.ptz(PtzMove.HOME),
        supported=lambda client: Capability.PTZ_HOME in client.capabilities,
    ),
    _ptz_button(PtzMove.ZOOM_IN, Capability.PTZ_ZOOM),
    _ptz_button(PtzMove.ZOOM_OUT, Capability.PTZ_ZOOM),
    IpcamButtonDescription(
        key="reboot",
        translation_key="reboot",
        device_class=ButtonDeviceClass.RESTART,
        entity_category=EntityCategory.CONFIG,
        press_fn=lambda client: client.reboot(),
        supported=lambda client: Capability.REBOOT in client.capabilities,
        scope=Scope.DEVICE,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: IpcamConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_supported(coordinator, BUTTONS, IpcamButton, async_add_entities)


class IpcamButton(IpcamEntity, ButtonEntity):
    """Runs its camera action when pressed."""

    entity_description: IpcamButtonDescription

    @property
    def entity_registry_enabled_default(self) -> bool:
        """Pan/tilt controls start disabled when the camera did not confirm it can pan/tilt.

        (Some firmware omits the flag although the head moves: the user can enable them.)
        """
        if self.entity_description.key.startswith("ptz_") and not self.client.ptz_confirmed:
            return False
        return super().entity_registry_enabled_default

    async def async_press(self) -> None:
        async with translated_errors():
            await self.entity_description.press_fn(self.client)
