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
SERVICE_TALK = "talk"
ATTR_MEDIA = "media"
ATTR_VOLUME = "volume"
ATTR_ACTION = "action"
ATTR_PRESET = "preset"
MAX_PRESET = 255

PTZ_PRESET_SCHEMA: dict[Any, Any] = {
    vol.Required(ATTR_ACTION): vol.In([action.value for action in PresetAction]),
    vol.Required(ATTR_PRESET): vol.All(vol.Coerce(int), vol.Range(min=0, max=MAX_PRESET)),
}


def _media_id(value: Any) -> str:
    """The media selector gives {"media_content_id": ...}; a plain string is accepted too."""
    if isinstance(value, dict):
        value = value.get("media_content_id")
    if not isinstance(value, str) or not value.strip():
        raise vol.Invalid("media must be a media item or a non-empty string")
    return value.strip()


TALK_SCHEMA: dict[Any, Any] = {
    vol.Required(ATTR_MEDIA): _media_id,
    vol.Optional(ATTR_VOLUME, default=1.0): vol.All(vol.Coerce(float), vol.Range(min=0.0, max=1.0)),
}


async def async_talk(entity: Entity, call: ServiceCall) -> None:
    """Play media through the targeted camera's speaker (shares the speaker's code path)."""
    if not isinstance(entity, IpcamEntity):  # pragma: no cover - targets are ours
        return
    await entity.coordinator.talk.async_start(call.data[ATTR_MEDIA], call.data[ATTR_VOLUME])


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
    action = PresetAction(call.data[ATTR_ACTION])
    async with translated_errors():
        await entity.client.ptz_preset(action, int(call.data[ATTR_PRESET]))
    if action is not PresetAction.GOTO:
        await entity.coordinator.async_load_presets()  # the preset list changed


_ENTITY_SERVICES = (
    (SERVICE_PTZ_PRESET, PTZ_PRESET_SCHEMA, async_ptz_preset),
    (SERVICE_TALK, TALK_SCHEMA, async_talk),
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register entity actions in async_setup where Home Assistant allows it (2025.10+)."""
    register = getattr(service, "async_register_platform_entity_service", None)
    if register is not None:
        for name, schema, func in _ENTITY_SERVICES:
            register(hass, DOMAIN, name, entity_domain=Platform.CAMERA, schema=schema, func=func)


def async_setup_platform_services(platform: Any) -> None:
    """On Home Assistant before 2025.10, register the entity actions on the camera platform."""
    if hasattr(service, "async_register_platform_entity_service"):
        return
    for name, schema, func in _ENTITY_SERVICES:
        platform.async_register_entity_service(name, schema, func)
