"""The compatibility check must catch what it is there to catch."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def compat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_compat", ROOT / "scripts/check_compat.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_compat"] = module
    spec.loader.exec_module(module)
    integration = tmp_path / "custom_components" / "ipcam"
    integration.mkdir(parents=True)
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "INTEGRATION", integration)
    return module


def _wheel(tmp_path: Path, files: dict[str, str]) -> Path:
    path = tmp_path / "homeassistant-2099.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in files.items():
            wheel.writestr(name, text)
    return path


def test_missing_modules_names_and_attributes_are_reported(
    compat: ModuleType, tmp_path: Path
) -> None:
    (compat.INTEGRATION / "a.py").write_text(
        "from homeassistant.const import Platform, GONE\n"
        "from homeassistant.helpers import service\n"
        "import homeassistant.helpers.removed as removed\n"
        "from homeassistant.core import HomeAssistant\n"
        "service.still_here\n"
        "service.vanished\n"
    )
    wheel = _wheel(
        tmp_path,
        {
            "homeassistant/const.py": "class Platform: ...\n",
            "homeassistant/helpers/__init__.py": "",
            "homeassistant/helpers/service.py": "def still_here(): ...\n",
            # Python 3.14 syntax must not stop the check.
            "homeassistant/core.py": "try:\n    pass\nexcept KeyError, ValueError:\n    pass\n"
            "class HomeAssistant: ...\n",
        },
    )
    problems = compat.check_imports(compat.WheelModules(wheel))
    text = "\n".join(problems)
    assert "homeassistant.const.GONE" in text
    assert "homeassistant.helpers.removed" in text
    assert "service.vanished" in text
    assert "Platform" not in text
    assert "still_here" not in text
    assert "HomeAssistant" not in text
    assert len(problems) == 3


def test_deprecated_apis_are_reported(compat: ModuleType) -> None:
    (compat.INTEGRATION / "bad.py").write_text(
        "from homeassistant.components.dhcp import DhcpServiceInfo\n"
        "entry.add_update_listener(reload)\n"
        "info = DeviceInfo(via_device=(1, 2))\n"
        "class C(DataUpdateCoordinator[int]):\n"
        "    def __init__(self, hass):\n"
        "        super().__init__(hass, LOGGER, name='x')\n"
        "async def async_step_user(self) -> FlowResult: ...\n"
    )
    (compat.INTEGRATION / "good.py").write_text(
        "async def async_step_confirm(self) -> data_entry_flow.FlowResult: ...\n"
        "class D(DataUpdateCoordinator[int]):\n"
        "    def __init__(self, hass, entry):\n"
        "        super().__init__(hass, LOGGER, config_entry=entry, name='x')\n"
        "hass.config_entries.async_update_entry(entry)\n"
    )
    problems = "\n".join(compat.check_forbidden())
    assert "ServiceInfo moved" in problems
    assert "update listener" in problems
    assert "via_device" in problems
    assert "bad.py:4: coordinator without config_entry=" in problems
    assert "bad.py:7: use ConfigFlowResult" in problems
    assert "good.py" not in problems
