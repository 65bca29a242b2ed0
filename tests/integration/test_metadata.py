"""Packaging checks that hassfest and HACS would make, plus translation completeness."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.setup import async_setup_component

from custom_components.ipcam import binary_sensor, button, select, switch
from custom_components.ipcam.const import DOMAIN
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION = ROOT / "custom_components" / "ipcam"
HACS_KEYS = {
    "name", "content_in_root", "zip_release", "filename", "hide_default_branch", "country",
    "homeassistant", "hacs", "persistent_directory",
}  # fmt: skip


def _json(name: str) -> dict:  # type: ignore[type-arg]
    return json.loads((INTEGRATION / name).read_text())


def test_manifest_is_sorted_and_complete() -> None:
    manifest = _json("manifest.json")
    keys = list(manifest)
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == DOMAIN == INTEGRATION.name
    for key in ("documentation", "codeowners", "version", "iot_class", "issue_tracker"):
        assert manifest[key]
    assert manifest["config_flow"] is True
    assert manifest["integration_type"] == "device"
    assert manifest["iot_class"] == "local_push"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    # Home Assistant ships aiohttp, voluptuous, PyAV and NumPy (through "stream").
    assert manifest["requirements"] == []
    assert "stream" in manifest["dependencies"]


def test_hacs_json_uses_documented_keys_only() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert set(hacs) <= HACS_KEYS
    assert hacs["homeassistant"] == "2025.4.0"
    assert (INTEGRATION / "brand" / "icon.png").read_bytes().startswith(b"\x89PNG")


def test_every_entity_and_exception_is_translated() -> None:
    strings = _json("translations/en.json")
    entity = strings["entity"]
    for platform, descriptions in (
        ("binary_sensor", (*binary_sensor.ALARMS, *binary_sensor.INPUTS)),
        ("button", button.BUTTONS),
        ("select", select.SELECTS),
        ("switch", switch.SWITCHES),
    ):
        for description in descriptions:
            assert description.translation_key in entity[platform], description.key
    assert "camera" in entity["camera"]
    assert "speaker" in entity["media_player"]
    used = set()
    for source in INTEGRATION.glob("*.py"):
        used |= set(re.findall(r'translation_key="([a-z_]+)"', source.read_text()))
        used |= set(re.findall(r'translation_key\s*=\s*\(?\s*"([a-z_]+)"', source.read_text()))
    selector_keys = {"vendor", "preset_action", "stream_source", "stream"}
    descriptions = {d.translation_key for d in (*button.BUTTONS, *switch.SWITCHES)}
    for key in used - selector_keys - descriptions - {"camera", "speaker"}:
        assert key in strings["exceptions"] or key in entity.get("select", {}), key
    for key in selector_keys:
        assert key in strings["selector"]
    errors = set(re.findall(r'"base": "([a-z_]+)"', (INTEGRATION / "config_flow.py").read_text()))
    assert errors <= set(strings["config"]["error"])


def test_services_have_translations_and_icons() -> None:
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    strings = _json("translations/en.json")["services"]
    icons = _json("icons.json")["services"]
    assert set(services) == set(strings) == set(icons) == {"ptz_preset", "talk"}
    for name, service in services.items():
        assert set(service["fields"]) == set(strings[name]["fields"])
        assert "device" not in service["target"]["entity"]  # no device filter (2026.11)


async def test_home_assistant_loads_the_service_descriptions(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    # Before 2025.10 the actions are registered with the first camera platform.
    assert await async_setup_component(hass, DOMAIN, {})
    await add_entry(await start_simulator("cgi"))
    descriptions = await async_get_all_descriptions(hass)
    assert set(descriptions[DOMAIN]) == {"ptz_preset", "talk"}
    assert descriptions[DOMAIN]["talk"]["fields"]["media"]["selector"] == {"media": {}}


QUALITY_SCALE_RULES = {
    # bronze
    "action-setup", "appropriate-polling", "brands", "common-modules", "config-flow",
    "config-flow-test-coverage", "dependency-transparency", "docs-actions", "docs-conditions",
    "docs-high-level-description", "docs-installation-instructions", "docs-removal-instructions",
    "docs-triggers", "entity-event-setup", "entity-unique-id", "has-entity-name", "runtime-data",
    "test-before-configure", "test-before-setup", "unique-config-entry",
    # silver
    "action-exceptions", "config-entry-unloading", "docs-configuration-parameters",
    "docs-installation-parameters", "entity-unavailable", "integration-owner",
    "log-when-unavailable", "parallel-updates", "reauthentication-flow", "test-coverage",
    # gold
    "devices", "diagnostics", "discovery", "discovery-update-info", "docs-data-update",
    "docs-examples", "docs-known-limitations", "docs-supported-devices",
    "docs-supported-functions", "docs-troubleshooting", "docs-use-cases", "dynamic-devices",
    "entity-category", "entity-device-class", "entity-disabled-by-default",
    "entity-translations", "exception-translations", "icon-translations",
    "reconfiguration-flow", "repair-issues", "stale-devices",
    # platinum
    "async-dependency", "inject-websession", "strict-typing",
}  # fmt: skip


def test_the_quality_scale_lists_every_rule_with_a_reason_where_not_done() -> None:
    rules = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text())["rules"]
    assert set(rules) == QUALITY_SCALE_RULES
    for name, rule in rules.items():
        assert rule["status"] in ("done", "todo", "exempt"), name
        if rule["status"] != "done":
            assert rule.get("comment"), f"{name} needs a reason"


def test_dhcp_matchers_are_the_families_mac_prefixes() -> None:
    from custom_components.ipcam.protocols import _CLIENTS

    manifest = _json("manifest.json")
    matchers = {m["macaddress"] for m in manifest["dhcp"] if "macaddress" in m}
    prefixes = {
        f"{prefix}*" for client in _CLIENTS.values() for prefix in client.profile.mac_prefixes
    }
    assert matchers == prefixes
    assert {"registered_devices": True} in manifest["dhcp"]
