"""Device conditions: "Motion is active", … for the alarm kinds a camera reports."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.const import CONF_CONDITION, CONF_DEVICE_ID, CONF_DOMAIN, CONF_TYPE
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import condition
from homeassistant.helpers.config_validation import DEVICE_CONDITION_BASE_SCHEMA
from homeassistant.helpers.typing import ConfigType, TemplateVarsType

from .alarm_types import TRIGGER_KINDS
from .const import DOMAIN
from .device_lookup import camera_for_device
from .protocols.base import EventKind

# Inputs are left out: "is an input on" is what the input's own sensor already says.
CONDITION_KINDS = tuple(kind for kind in TRIGGER_KINDS if kind is not EventKind.INPUT)
CONDITION_TYPES = {f"is_{kind.value}": kind for kind in CONDITION_KINDS}

CONDITION_SCHEMA = DEVICE_CONDITION_BASE_SCHEMA.extend(
    {vol.Required(CONF_TYPE): vol.In(sorted(CONDITION_TYPES))}
)


async def async_get_conditions(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The conditions of a camera device: one per alarm kind it reports."""
    found = camera_for_device(hass, device_id)
    if found is None:
        return []
    coordinator, channel = found
    if coordinator.layout.recorder and channel is None:
        return []  # a recorder's own device has no camera alarms
    kinds = coordinator.client.event_kinds
    return [
        {
            CONF_CONDITION: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: condition_type,
        }
        for condition_type, kind in CONDITION_TYPES.items()
        if kind in kinds
    ]


@callback
def async_condition_from_config(
    hass: HomeAssistant, config: ConfigType
) -> condition.ConditionCheckerType:
    """True while the camera reports an alarm of the kind (a camera not loaded: False)."""
    config = CONDITION_SCHEMA(config)
    kind = CONDITION_TYPES[config[CONF_TYPE]]
    device_id = config[CONF_DEVICE_ID]

    def test(hass: HomeAssistant, variables: TemplateVarsType) -> bool:
        found = camera_for_device(hass, device_id)
        return found is not None and found[0].events.is_active(kind, found[1])

    return test
