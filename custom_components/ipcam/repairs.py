"""Repair issues the user can act on, and the flows that fix the ones we can fix.

- ``go2rtc_not_loaded``: the live-view source is go2rtc, which is not loaded —
  fixed by switching to this integration's relay.
- ``rtsp_password``: the live-view source is the camera's RTSP server, whose URL
  carries the password (it may appear in Home Assistant's log) — fixed likewise.
- ``connection_limit``: the camera keeps refusing connections because it serves
  too many clients (close other viewers: NVR, phone apps, other integrations).
- ``h265_stream``: the camera streams H.265, which most browsers cannot play
  (switch its encoder to H.264 in the camera's settings).
"""

from __future__ import annotations

from typing import Any

import voluptuous as vol
from homeassistant.components.repairs import ConfirmRepairFlow, RepairsFlow
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResult
from homeassistant.helpers import issue_registry as ir

from .const import CONF_STREAM_SOURCE, DOMAIN
from .protocols.base import StreamSource

ISSUE_GO2RTC = "go2rtc_not_loaded"
ISSUE_RTSP_PASSWORD = "rtsp_password"
ISSUE_CONNECTION_LIMIT = "connection_limit"
ISSUE_H265 = "h265_stream"
# Consecutive "too many clients" refusals before the user is told.
BUSY_REFUSALS_BEFORE_ISSUE = 3

_SWITCH_TO_RELAY = (ISSUE_GO2RTC, ISSUE_RTSP_PASSWORD)


def _issue_id(kind: str, entry_id: str) -> str:
    return f"{kind}_{entry_id}"


@callback
def async_set_issue(
    hass: HomeAssistant,
    kind: str,
    entry_id: str,
    title: str,
    present: bool,
    *,
    severity: ir.IssueSeverity = ir.IssueSeverity.WARNING,
) -> None:
    """Create the issue ``kind`` for an entry, or delete it when it no longer holds."""
    issue_id = _issue_id(kind, entry_id)
    if not present:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        data={"entry_id": entry_id, "kind": kind},
        is_fixable=kind in _SWITCH_TO_RELAY,
        severity=severity,
        translation_key=kind,
        translation_placeholders={"name": title},
    )


@callback
def async_check_stream_source(hass: HomeAssistant, entry_id: str, title: str, source: str) -> None:
    """Issues of the chosen live-view source."""
    async_set_issue(
        hass,
        ISSUE_GO2RTC,
        entry_id,
        title,
        source == StreamSource.GO2RTC and "go2rtc" not in hass.config.components,
        severity=ir.IssueSeverity.ERROR,
    )
    async_set_issue(hass, ISSUE_RTSP_PASSWORD, entry_id, title, source == StreamSource.RTSP)


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    for kind in (ISSUE_GO2RTC, ISSUE_RTSP_PASSWORD, ISSUE_CONNECTION_LIMIT, ISSUE_H265):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry_id))


class UseRelayFlow(RepairsFlow):
    """Switch the live-view source back to this integration's relay."""

    def __init__(self, entry_id: str) -> None:
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        return await self.async_step_confirm()

    async def async_step_confirm(self, user_input: dict[str, Any] | None = None) -> FlowResult:
        entry = self.hass.config_entries.async_get_entry(self._entry_id)
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is not None:
            self.hass.config_entries.async_update_entry(
                entry, options={**entry.options, CONF_STREAM_SOURCE: StreamSource.RELAY.value}
            )
            self.hass.config_entries.async_schedule_reload(entry.entry_id)
            return self.async_create_entry(data={})
        return self.async_show_form(
            step_id="confirm",
            data_schema=vol.Schema({}),
            description_placeholders={"name": entry.title},
        )


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """The repairs platform: the flow that fixes ``issue_id``."""
    if data and data.get("kind") in _SWITCH_TO_RELAY:
        return UseRelayFlow(str(data["entry_id"]))
    return ConfirmRepairFlow()
