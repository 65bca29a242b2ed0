"""Actions of the integration: pan/tilt presets (and, per camera family, more)."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import service
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .entity import IpcamEntity, translated_errors
from .protocols.base import Capability, PresetAction

SERVICE_PTZ_PRESET = "ptz_preset"
ATTR_ACTION = "action"
ATTR_PRESET = "preset"
MAX_PRESET = 255

PTZ_PRESET_SCHEMA: dict[Any, Any] = {
    vol.Required(ATTR_ACTION): vol.In([action.value for action in PresetAction]),
    vol.Required(ATTR_PRESET): vol.All(vol.Coerce(int), vol.Range(min=0, max=MAX_PRESET)),
}


async def async_ptz_preset(entity: Entity, call: ServiceCall) -> None:
    """Go to, save or clear a pan/tilt preset on the targeted camera."""
    if not isinstance(entity, IpcamEntity):  # pragma: no cover - targets are ours
        return
    if Capability.PTZ_PRESETS not in entity.client.capabilities:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_ptz_presets",
            translation_placeholders={"entity_id": entity.entity_id},
        )
    async with translated_errors():
        await entity.client.ptz_preset(
            PresetAction(call.data[ATTR_ACTION]), int(call.data[ATTR_PRESET])
        )


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register entity actions in async_setup where Home Assistant allows it (2025.10+)."""
    register = getattr(service, "async_register_platform_entity_service", None)
    if register is not None:
        register(
            hass,
            DOMAIN,
            SERVICE_PTZ_PRESET,
            entity_domain=Platform.CAMERA,
            schema=PTZ_PRESET_SCHEMA,
            func=async_ptz_preset,
        )


def async_setup_platform_services(platform: Any) -> None:
    """On Home Assistant before 2025.10, register the entity actions on the camera platform."""
    if hasattr(service, "async_register_platform_entity_service"):
        return
    platform.async_register_entity_service(SERVICE_PTZ_PRESET, PTZ_PRESET_SCHEMA, async_ptz_preset)
