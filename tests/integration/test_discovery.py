"""Cameras found on the network (LAN search, DHCP) offered under Discovered.

The LAN search sends the real DVRIP and Foscam searches to the simulators' search
ports (unicast on 127.0.0.1, as tests may not broadcast); the flows then log in
with only the credentials the user gives.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_IGNORE, SOURCE_INTEGRATION_DISCOVERY
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam import lan_search
from custom_components.ipcam.const import CONF_FAMILY, CONF_LAN_SEARCH, DOMAIN
from custom_components.ipcam.protocols import open_client
from simulator.base import SimulatedCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME, StartSimulator
from tests.integration.conftest import AddEntry, camera_port, entry_data
from tests.integration.helpers import wait_for

# Taken before the autouse fixture replaces it for every test (tests may not broadcast).
REAL_TARGETS = lan_search.async_broadcast_targets


def _search_target(camera: SimulatedCamera) -> tuple[str, int]:
    port = camera.ports.get("dvrip_discovery") or camera.ports["search"]
    return "127.0.0.1", int(port)


def _targets(*cameras: SimulatedCamera) -> Any:
    async def targets(_hass: HomeAssistant) -> list[Any]:
        return [_search_target(camera) for camera in cameras]

    return patch.object(lan_search, "async_broadcast_targets", targets)


def _discovery_flows(hass: HomeAssistant) -> list[dict[str, Any]]:
    return [
        flow
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
        if flow["context"]["source"] == SOURCE_INTEGRATION_DISCOVERY
    ]


async def test_found_cameras_are_offered_and_added_with_only_the_password(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    dvrip = await start_simulator("dvrip")
    foscam = await start_simulator("foscam")
    with _targets(dvrip, foscam):
        assert await lan_search.async_search_once(hass) == 2
    await hass.async_block_till_done(wait_background_tasks=True)
    flows = _discovery_flows(hass)
    assert {flow["step_id"] for flow in flows} == {"discovery_confirm"}
    assert len(flows) == 2
    created = []
    for flow in flows:
        with patch("custom_components.ipcam.async_setup_entry", return_value=True):
            result = await hass.config_entries.flow.async_configure(
                flow["flow_id"], {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: SIM_PASSWORD}
            )
            await hass.async_block_till_done(wait_background_tasks=True)
        assert result["type"] is FlowResultType.CREATE_ENTRY, result
        created.append(result["result"])
    by_family = {entry.data[CONF_FAMILY]: entry for entry in created}
    assert by_family["dvrip"].data[CONF_PORT] == camera_port(dvrip)
    assert by_family["foscam"].data[CONF_PORT] == foscam.ports["http"]
    assert by_family["foscam"].unique_id == by_family["foscam"].data[CONF_MAC]
    # Found again later: nothing new is offered.
    with _targets(dvrip, foscam):
        await lan_search.async_search_once(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _discovery_flows(hass) == []


async def test_a_wrong_password_is_asked_again_and_costs_one_login(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    foscam = await start_simulator("foscam")
    with _targets(foscam):
        await lan_search.async_search_once(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    (flow,) = _discovery_flows(hass)
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert foscam.state()["rejected_logins"] == 1


async def test_an_ignored_camera_stays_ignored(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    dvrip = await start_simulator("dvrip")
    with _targets(dvrip):
        await lan_search.async_search_once(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    (flow,) = _discovery_flows(hass)
    unique_id = flow["context"]["unique_id"]
    await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_IGNORE, "unique_id": unique_id},
        data={"unique_id": unique_id, "title": "ignored"},
    )
    await hass.async_block_till_done(wait_background_tasks=True)
    with _targets(dvrip):
        await lan_search.async_search_once(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert _discovery_flows(hass) == []


async def test_a_configured_camera_found_at_another_port_is_moved_there(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    dvrip = await start_simulator("dvrip")
    client = open_client("dvrip", "127.0.0.1", camera_port(dvrip), SIM_USERNAME, SIM_PASSWORD)
    await client.connect()
    unique_id = client.identity.unique_id
    await client.close()
    # The entry points at a port where nothing answers now; the camera answers the search.
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=unique_id, data={**entry_data(dvrip), CONF_PORT: 9}
    )
    entry.add_to_hass(hass)
    with _targets(dvrip):
        await lan_search.async_search_once(hass)
    await wait_for(hass, lambda: entry.data[CONF_PORT] == camera_port(dvrip), 20)
    assert _discovery_flows(hass) == []
    await hass.config_entries.async_unload(entry.entry_id)


async def test_the_search_can_be_switched_off(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    dvrip = await start_simulator("dvrip")
    foscam = await start_simulator("foscam")
    await add_entry(foscam, options={CONF_LAN_SEARCH: False})
    with _targets(dvrip):
        assert await lan_search.async_search_once(hass) == 0
    await hass.async_block_till_done()
    assert _discovery_flows(hass) == []


async def test_dhcp_offers_a_new_camera_of_a_known_maker_and_a_login_confirms_it(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("grandstream")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "dhcp"},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="gxv3610", macaddress="000b82aabbcc"),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                CONF_PORT: camera_port(camera),
                CONF_USERNAME: SIM_USERNAME,
                CONF_PASSWORD: SIM_PASSWORD,
                "stream": "primary",
            },
        )
        await hass.async_block_till_done(wait_background_tasks=True)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_HOST] == "127.0.0.1"


async def test_dhcp_ignores_makers_we_do_not_know(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "dhcp"},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="printer", macaddress="aabbccddeeff"),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_ipcam_device"


async def test_a_malformed_discovery_is_refused(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"vendor": "dvrip", "host": "127.0.0.1", "port": "not a port", "unique_id": "x"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "not_ipcam_device"


async def test_dhcp_of_an_ignored_camera_is_dropped(hass: HomeAssistant) -> None:
    ignored = MockConfigEntry(domain=DOMAIN, unique_id="00:0b:82:aa:bb:cc", source=SOURCE_IGNORE)
    ignored.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": "dhcp"},
        data=DhcpServiceInfo(ip="127.0.0.1", hostname="gxv", macaddress="000b82aabbcc"),
    )
    assert result["type"] is FlowResultType.ABORT


async def test_a_discovery_with_an_impossible_port_is_refused(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={"vendor": "dvrip", "host": "127.0.0.1", "port": 70000, "unique_id": "x"},
    )
    assert result["reason"] == "not_ipcam_device"


async def test_a_camera_that_is_not_the_one_discovered_is_not_added(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """The search answer promised one camera; the login reached another (spoofed answer)."""
    dvrip = await start_simulator("dvrip")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_INTEGRATION_DISCOVERY},
        data={
            "vendor": "dvrip",
            "host": "127.0.0.1",
            "port": camera_port(dvrip),
            "unique_id": "someone-else",
        },
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: SIM_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_camera"


async def test_the_search_runs_at_start_and_survives_an_error(
    hass: HomeAssistant, caplog: Any
) -> None:
    calls: list[int] = []

    async def failing(_hass: HomeAssistant) -> list[Any]:
        calls.append(1)
        raise RuntimeError("no network helper")

    with patch.object(lan_search, "async_broadcast_targets", failing):
        cancel = lan_search.async_setup_lan_search(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
        cancel()
    assert calls == [1]
    assert "LAN search for cameras failed" in caplog.text


async def test_the_broadcast_targets_come_from_home_assistants_network_helper(
    hass: HomeAssistant,
) -> None:
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, "network", {})
    targets = await REAL_TARGETS(hass)
    assert "255.255.255.255" in targets
