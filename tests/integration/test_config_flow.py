"""The config flow against a real simulated camera: success, each error then recovery, duplicates,
reauthentication, reconfiguration and options."""

from __future__ import annotations

import socket
from unittest.mock import patch

import pytest
from homeassistant.config_entries import SOURCE_DHCP, SOURCE_USER, ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam.const import (
    CONF_CHANNEL,
    CONF_FAMILY,
    CONF_LAN_SEARCH,
    CONF_MOTION_TIMEOUT,
    CONF_STREAM,
    CONF_STREAM_SOURCE,
    DOMAIN,
    STREAM_SECONDARY,
)
from custom_components.ipcam.protocols.base import Vendor
from custom_components.ipcam.protocols.errors import (
    AccountLocked,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
)
from tests.conftest import SIM_PASSWORD, SIM_USERNAME, StartSimulator
from tests.integration.conftest import AddEntry, camera_port, entry_data


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start_flow(hass: HomeAssistant, vendor: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FAMILY: vendor}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "connect"
    return str(result["flow_id"])


async def test_user_flow_errors_then_success(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    flow_id = await _start_flow(hass, "cgi")
    good = {
        CONF_HOST: "127.0.0.1",
        CONF_PORT: camera_port(camera),
        CONF_USERNAME: SIM_USERNAME,
        CONF_PASSWORD: SIM_PASSWORD,
    }

    result = await hass.config_entries.flow.async_configure(
        flow_id, {**good, CONF_PASSWORD: "wrong"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "invalid_auth"}

    result = await hass.config_entries.flow.async_configure(
        flow_id, {**good, CONF_PORT: _closed_port()}
    )
    assert result["errors"] == {"base": "cannot_connect"}

    result = await hass.config_entries.flow.async_configure(flow_id, {**good, CONF_HOST: " "})
    assert result["errors"] == {CONF_HOST: "invalid_host"}

    with patch(
        "custom_components.ipcam.config_flow.connect_client", side_effect=RuntimeError("boom")
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, good)
    assert result["errors"] == {"base": "unknown"}

    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, good)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == camera.vendor_state()["system"]["camera_name"]
    assert result["data"] == {CONF_FAMILY: "cgi", **good, CONF_MAC: camera.vendor_state()["mac"]}
    entry = result["result"]
    assert entry.unique_id == camera.vendor_state()["mac"]


async def test_user_flow_protocol_error(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """Something answers on the port, but it is not an IPCamCGI camera."""
    from aiohttp import web

    async def not_a_camera(request: web.Request) -> web.Response:
        return web.Response(text="<html>router login</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", not_a_camera)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        await start_simulator("cgi")  # enables sockets for this test
        flow_id = await _start_flow(hass, "cgi")
        result = await hass.config_entries.flow.async_configure(
            flow_id,
            {CONF_HOST: "127.0.0.1", CONF_PORT: port, CONF_USERNAME: "a", CONF_PASSWORD: "b"},
        )
        assert result["errors"] == {"base": "protocol_error"}
    finally:
        await runner.cleanup()


async def test_duplicate_camera_aborts(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    existing = MockConfigEntry(
        domain=DOMAIN,
        unique_id=camera.vendor_state()["mac"],
        data={**entry_data(camera), CONF_HOST: "192.0.2.1"},
    )
    existing.add_to_hass(hass)
    flow_id = await _start_flow(hass, "cgi")
    data = entry_data(camera)
    data.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # The known camera's address is updated to where it answers now.
    assert existing.data[CONF_HOST] == "127.0.0.1"


async def test_vendor_not_built_says_so(hass: HomeAssistant) -> None:
    with patch(
        "custom_components.ipcam.config_flow.supported_vendors",
        return_value=frozenset({Vendor.CGI}),
    ):
        result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_FAMILY: "foscam"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {CONF_FAMILY: "vendor_not_supported"}


async def test_reauth_after_password_change(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=camera.vendor_state()["mac"],
        data={**entry_data(camera), CONF_PASSWORD: "old-password"},
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    flow_id = flows[0]["flow_id"]

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: SIM_PASSWORD}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_PASSWORD] == SIM_PASSWORD
    assert entry.state is ConfigEntryState.LOADED
    await hass.config_entries.async_unload(entry.entry_id)


async def test_reauth_with_another_camera_aborts(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    entry = MockConfigEntry(domain=DOMAIN, unique_id="00:11:22:33:44:55", data=entry_data(camera))
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: SIM_PASSWORD}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_camera"


async def test_reconfigure_moves_the_camera(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=camera.vendor_state()["mac"],
        data={**entry_data(camera), CONF_PORT: _closed_port()},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    good = entry_data(camera)
    good.pop(CONF_FAMILY)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**good, CONF_PASSWORD: "nope"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], good)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PORT] == camera_port(camera)


async def test_options_flow_sets_alarm_timeout(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=camera.vendor_state()["mac"], data=entry_data(camera)
    )
    entry.add_to_hass(hass)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert result["type"] is FlowResultType.FORM
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_MOTION_TIMEOUT: 15}
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert entry.options == {CONF_MOTION_TIMEOUT: 15, CONF_LAN_SEARCH: True}


@pytest.mark.parametrize(
    ("vendor", "extra"),
    [
        ("foscam", {}),
        ("dvrip", {}),  # the whole device: no channel is asked
        ("grandstream", {CONF_STREAM: STREAM_SECONDARY}),
    ],
)
async def test_each_family_is_added_through_the_flow(
    hass: HomeAssistant, start_simulator: StartSimulator, vendor: str, extra: dict[str, object]
) -> None:
    camera = await start_simulator(vendor)
    flow_id = await _start_flow(hass, vendor)
    data = {**entry_data(camera), **extra}
    data.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_FAMILY] == vendor
    assert result["data"][CONF_PORT] == camera_port(camera)
    for key, value in extra.items():
        assert result["data"][key] == value
    assert CONF_CHANNEL not in result["data"]
    assert result["result"].unique_id


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (AccountLocked("locked"), "account_locked"),
        (DeviceBusy("busy"), "device_busy"),
        (InvalidValue("no channel 9"), "invalid_value"),
        (CannotConnect("away"), "cannot_connect"),
    ],
)
async def test_each_login_error_is_shown_then_recovers(
    hass: HomeAssistant, start_simulator: StartSimulator, error: Exception, expected: str
) -> None:
    camera = await start_simulator("dvrip")
    flow_id = await _start_flow(hass, "dvrip")
    data = entry_data(camera)
    data.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.config_flow.connect_client", side_effect=error):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["errors"] == {"base": expected}
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_real_lockout_is_reported(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """The DVRIP simulator locks the account after three wrong passwords, like the cameras."""
    camera = await start_simulator("dvrip")
    flow_id = await _start_flow(hass, "dvrip")
    data = {**entry_data(camera), CONF_PASSWORD: "wrong"}
    data.pop(CONF_FAMILY)
    seen = []
    for _ in range(4):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        seen.append(result["errors"]["base"])
    assert seen[0] == "invalid_auth"
    first_locked = seen.index("account_locked")
    assert set(seen[first_locked:]) == {"account_locked"}


async def test_reconfigure_keeps_the_password_and_refuses_another_camera(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    other = await start_simulator("cgi")
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=camera.vendor_state()["mac"], data=entry_data(camera)
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    form = entry_data(other)
    form.pop(CONF_FAMILY)
    form[CONF_PASSWORD] = ""  # untouched field: the stored password is used
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "wrong_camera"

    result = await entry.start_reconfigure_flow(hass)
    form = entry_data(camera)
    form.pop(CONF_FAMILY)
    form[CONF_PASSWORD] = ""
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_PASSWORD] == SIM_PASSWORD


async def test_grandstream_fallback_id_does_not_block_reauth(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """An ID made from the address cannot tell cameras apart; reauth trusts it."""
    camera = await start_simulator("grandstream")
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="grandstream:192.0.2.7:554", data=entry_data(camera)
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_USERNAME: SIM_USERNAME, CONF_PASSWORD: SIM_PASSWORD}
        )
        await hass.async_block_till_done()
    assert result["reason"] == "reauth_successful"


async def test_grandstream_streams_are_separate_entries(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """An encoder is one entry per stream (primary, secondary) covering all its inputs."""
    camera = await start_simulator("grandstream", inputs=2)
    unique_ids = []
    for stream in ("primary", "secondary"):
        flow_id = await _start_flow(hass, "grandstream")
        data = {**entry_data(camera), CONF_STREAM: stream}
        data.pop(CONF_FAMILY)
        with patch("custom_components.ipcam.async_setup_entry", return_value=True):
            result = await hass.config_entries.flow.async_configure(flow_id, data)
            await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        assert CONF_CHANNEL not in result["data"]
        unique_ids.append(result["result"].unique_id)
    assert len(set(unique_ids)) == 2


async def test_an_entry_made_for_one_input_keeps_it_through_reconfigure(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("grandstream", inputs=2)
    entry = await add_entry(camera, **{CONF_CHANNEL: 1})
    assert entry.runtime_data.client.identity.unique_id.endswith("-channel1")
    result = await entry.start_reconfigure_flow(hass)
    form = {**entry_data(camera), CONF_STREAM: "primary"}
    form.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
        await hass.async_block_till_done()
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_CHANNEL] == 1


async def test_dvrip_options_choose_the_stream_source(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("dvrip")
    entry = MockConfigEntry(domain=DOMAIN, data={**entry_data(camera), CONF_CHANNEL: 0})
    entry.add_to_hass(hass)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.options.async_init(entry.entry_id)
        assert CONF_STREAM_SOURCE in result["data_schema"].schema
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {CONF_MOTION_TIMEOUT: 30, CONF_STREAM_SOURCE: "rtsp"}
        )
        await hass.async_block_till_done()
    assert entry.options == {
        CONF_MOTION_TIMEOUT: 30,
        CONF_STREAM_SOURCE: "rtsp",
        CONF_LAN_SEARCH: True,
    }


def test_same_camera_rules() -> None:
    from custom_components.ipcam.config_flow import _same_camera

    assert _same_camera("00:11:22:33:44:55", "00:11:22:33:44:55")
    assert not _same_camera("00:11:22:33:44:55", "66:77:88:99:aa:bb")
    assert _same_camera(None, "anything")
    assert _same_camera("grandstream:192.0.2.1:554", "00:11:22:33:44:55")
    assert _same_camera("00:11:22:33:44:55", "grandstream:192.0.2.9:554")


async def test_grandstream_web_port_leads_to_the_rtsp_port(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """Users may type the web port: the RTSP port is 2000 + it (554 for 80)."""
    camera = await start_simulator("grandstream")
    rtsp_port = camera_port(camera)
    if rtsp_port <= 2000:
        pytest.skip("the simulator got a port below 2001")
    flow_id = await _start_flow(hass, "grandstream")
    data = {**entry_data(camera), CONF_PORT: rtsp_port - 2000}
    data.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_PORT] == rtsp_port


async def test_grandstream_wrong_port_still_says_cannot_connect(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("grandstream")
    flow_id = await _start_flow(hass, "grandstream")
    for port in (_closed_port(), 64000):  # the second has no 2000 + port
        data = {**entry_data(camera), CONF_PORT: port}
        data.pop(CONF_FAMILY)
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        assert result["errors"] == {"base": "cannot_connect"}


async def test_grandstream_web_port_with_a_wrong_password(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("grandstream")
    if camera_port(camera) <= 2000:
        pytest.skip("the simulator got a port below 2001")
    flow_id = await _start_flow(hass, "grandstream")
    data = {**entry_data(camera), CONF_PORT: camera_port(camera) - 2000, CONF_PASSWORD: "no"}
    data.pop(CONF_FAMILY)
    result = await hass.config_entries.flow.async_configure(flow_id, data)
    assert result["errors"] == {"base": "invalid_auth"}  # the camera was found, the login failed


def _dhcp(ip: str, mac: str) -> DhcpServiceInfo:
    return DhcpServiceInfo(ip=ip, hostname="camera", macaddress=mac.replace(":", ""))


async def test_dhcp_follows_a_camera_to_its_new_address(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    mac = camera.vendor_state()["mac"]
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=mac, data={**entry_data(camera), CONF_HOST: "192.0.2.1"}
    )
    entry.add_to_hass(hass)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1", mac)
        )
        await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"


async def test_dhcp_does_not_move_to_another_camera(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    """Another camera answers at the new address: the entry stays where it was."""
    camera = await start_simulator("cgi")
    other = await start_simulator("cgi")
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=camera.vendor_state()["mac"],
        data={**entry_data(other), CONF_HOST: "192.0.2.1"},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_DHCP},
        data=_dhcp("127.0.0.1", camera.vendor_state()["mac"]),
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "192.0.2.1"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1", "02:00:00:00:00:01")
    )
    assert result["reason"] == "not_ipcam_device"


async def test_dhcp_leaves_a_working_camera_alone(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0, CONF_MAC: "02:11:22:33:44:55"})
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.2", "02:11:22:33:44:55")
    )
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOST] == "127.0.0.1"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_DHCP}, data=_dhcp("127.0.0.1", "02:11:22:33:44:55")
    )
    assert result["reason"] == "already_configured"


async def test_the_mac_is_stored_for_dhcp(
    hass: HomeAssistant, start_simulator: StartSimulator
) -> None:
    camera = await start_simulator("cgi")
    flow_id = await _start_flow(hass, "cgi")
    data = entry_data(camera)
    data.pop(CONF_FAMILY)
    with patch("custom_components.ipcam.async_setup_entry", return_value=True):
        result = await hass.config_entries.flow.async_configure(flow_id, data)
        await hass.async_block_till_done()
    assert result["data"][CONF_MAC] == camera.vendor_state()["mac"]
