"""Device triggers: "Motion detected", "Input 2 triggered", … for what each camera reports."""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import InvalidDeviceAutomationConfig
from homeassistant.components.homeassistant.triggers import event as event_trigger
from homeassistant.const import (
    ATTR_DEVICE_ID,
    CONF_DEVICE_ID,
    CONF_DOMAIN,
    CONF_EVENT_DATA,
    CONF_PLATFORM,
    CONF_TYPE,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

from .alarm_types import (
    ATTR_SUBTYPE,
    ATTR_TYPE,
    EVENT_ALARM,
    TRIGGER_KINDS,
    input_subtype,
    started_type,
    stopped_type,
)
from .const import DOMAIN
from .device_lookup import camera_for_device, coordinator_for_device
from .protocols.base import EventKind

CONF_SUBTYPE = "subtype"
MAX_INPUTS = 16

TRIGGER_TYPES = frozenset(
    name for kind in TRIGGER_KINDS for name in (started_type(kind), stopped_type(kind))
)
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {
        vol.Required(CONF_TYPE): vol.In(sorted(TRIGGER_TYPES)),
        vol.Optional(CONF_SUBTYPE): vol.In([input_subtype(n) for n in range(MAX_INPUTS)]),
    }
)


def _camera_triggers(hass: HomeAssistant, device_id: str) -> list[tuple[str, str | None]]:
    found = camera_for_device(hass, device_id)
    if found is None:
        return []
    coordinator, channel = found
    client = coordinator.client
    recorder = coordinator.layout.recorder
    triggers: list[tuple[str, str | None]] = []
    for kind in TRIGGER_KINDS:
        if kind not in client.event_kinds:
            continue
        if recorder and (kind is EventKind.INPUT) != (channel is None):
            continue  # a recorder's inputs are on its own device, the rest on its channels
        if kind is EventKind.INPUT:
            for number in range(min(client.alarm_inputs, MAX_INPUTS)):
                subtype = input_subtype(number)
                triggers += [(started_type(kind), subtype), (stopped_type(kind), subtype)]
        else:
            triggers += [(started_type(kind), None), (stopped_type(kind), None)]
    return triggers


async def async_get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, Any]]:
    """The triggers of a camera device: only the alarm kinds it reports."""
    triggers: list[dict[str, Any]] = []
    for trigger_type, subtype in _camera_triggers(hass, device_id):
        trigger: dict[str, Any] = {
            CONF_PLATFORM: "device",
            CONF_DOMAIN: DOMAIN,
            CONF_DEVICE_ID: device_id,
            CONF_TYPE: trigger_type,
        }
        if subtype is not None:
            trigger[CONF_SUBTYPE] = subtype
        triggers.append(trigger)
    return triggers


async def async_validate_trigger_config(hass: HomeAssistant, config: ConfigType) -> ConfigType:
    """Check the trigger against what the camera reports (when it is loaded)."""
    config = TRIGGER_SCHEMA(config)
    if coordinator_for_device(hass, config[CONF_DEVICE_ID]) is None:
        return config  # not loaded yet: checked again when it is
    offered = _camera_triggers(hass, config[CONF_DEVICE_ID])
    if (config[CONF_TYPE], config.get(CONF_SUBTYPE)) not in offered:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="invalid_trigger",
            translation_placeholders={"trigger": config[CONF_TYPE]},
        )
    return config


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Fire on the camera's ``ipcam_alarm`` bus events of this type."""
    event_data: dict[str, Any] = {
        ATTR_DEVICE_ID: config[CONF_DEVICE_ID],
        ATTR_TYPE: config[CONF_TYPE],
    }
    if CONF_SUBTYPE in config:
        event_data[ATTR_SUBTYPE] = config[CONF_SUBTYPE]
    event_config = event_trigger.TRIGGER_SCHEMA(
        {
            CONF_PLATFORM: "event",
            event_trigger.CONF_EVENT_TYPE: EVENT_ALARM,
            CONF_EVENT_DATA: event_data,
        }
    )
    return await event_trigger.async_attach_trigger(
        hass, event_config, action, trigger_info, platform_type="device"
    )
