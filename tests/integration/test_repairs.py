"""Repair issues of the live-view source, and their fix flow, with a DVRIP simulator."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam.const import CONF_CHANNEL, CONF_STREAM_SOURCE, DOMAIN
from custom_components.ipcam.protocols.base import StreamSource
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import wait_for


async def _fix(hass: HomeAssistant, client: ClientSessionGenerator, issue_id: str) -> None:
    http = await client()
    response = await http.post(
        "/api/repairs/issues/fix", json={"handler": DOMAIN, "issue_id": issue_id}
    )
    assert response.status == 200
    flow = await response.json()
    assert flow["step_id"] == "confirm"
    response = await http.post(f"/api/repairs/issues/fix/{flow['flow_id']}", json={})
    assert response.status == 200
    assert (await response.json())["type"] == "create_entry"


async def test_go2rtc_chosen_but_not_loaded_is_fixed_by_the_relay(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
    issue_registry: ir.IssueRegistry,
) -> None:
    assert await async_setup_component(hass, "repairs", {})
    camera = await start_simulator("dvrip")
    entry = await add_entry(
        camera, options={CONF_STREAM_SOURCE: StreamSource.GO2RTC.value}, **{CONF_CHANNEL: 0}
    )
    issue_id = f"go2rtc_not_loaded_{entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None and issue.is_fixable
    assert issue.severity is ir.IssueSeverity.ERROR
    await _fix(hass, hass_client, issue_id)
    await wait_for(hass, lambda: entry.options.get(CONF_STREAM_SOURCE) == "integration")
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None


async def test_the_rtsp_source_warns_about_the_password_in_its_url(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(
        camera, options={CONF_STREAM_SOURCE: StreamSource.RTSP.value}, **{CONF_CHANNEL: 0}
    )
    issue = issue_registry.async_get_issue(DOMAIN, f"rtsp_password_{entry.entry_id}")
    assert issue is not None and issue.severity is ir.IssueSeverity.WARNING
    assert issue_registry.async_get_issue(DOMAIN, f"go2rtc_not_loaded_{entry.entry_id}") is None
    # Removing the camera removes its issues.
    await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue_registry.async_get_issue(DOMAIN, f"rtsp_password_{entry.entry_id}") is None


async def test_the_default_relay_raises_no_issue(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    camera = await start_simulator("dvrip")
    await add_entry(camera, **{CONF_CHANNEL: 0})
    assert not [i for i in issue_registry.issues.values() if i.domain == DOMAIN]
