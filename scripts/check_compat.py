"""Check the integration against the newest Home Assistant release users run.

Tests run on Home Assistant 2025.4.4 (the newest that runs on Python 3.13),
while users run the current release on Python 3.14. This script:

1. downloads (once, cached in ``.cache/ha-wheel``) the newest ``homeassistant``
   wheel for Python 3.14 and checks that every ``homeassistant.*`` module and
   name the integration imports (and every attribute used on an imported module)
   exists there;
2. scans the integration for removed or deprecated Home Assistant APIs
   (``FORBIDDEN`` below: each with the release that removed or deprecated it).

Exit status 0 when clean, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "ipcam"
CACHE = ROOT / ".cache" / "ha-wheel"

# (pattern, why): APIs removed or deprecated between 2025.4 and the newest release.
FORBIDDEN: list[tuple[str, str]] = [
    (r"\bfrontend_stream_type\b", "camera frontend_stream_type was removed in 2025.6"),
    (r"\basync_handle_web_rtc_offer\b", "removed in 2025.6; use go2rtc via stream_source()"),
    (r"\basync_register_rtsp_to_web_rtc_provider\b", "removed in 2025.6"),
    (r"\bSTATE_(IDLE|RECORDING|STREAMING)\b", "camera state constants: use CameraState"),
    (r"\basync_forward_entry_setup\(", "removed in 2025.6; use async_forward_entry_setups"),
    (r"\bregister_static_path\(", "removed in 2025.7; use async_register_static_paths"),
    (r"\bhass\.(helpers|components)\b", "hass.helpers / hass.components were removed"),
    (r"\bbind_hass\b", "@bind_hass was removed"),
    (r"\badd_update_listener\b", "update listener + reload methods is an error in 2026.12"),
    (r"self\.config_entry\s*=", "setting OptionsFlow.config_entry stops working in 2025.12"),
    (
        r"components\.(dhcp|zeroconf|ssdp|usb|mqtt|hassio)\s+import\s+\w*ServiceInfo",
        "ServiceInfo moved to homeassistant.helpers.service_info (old paths removed 2026.2)",
    ),
    # Config flows return ConfigFlowResult; a repairs flow's steps are typed with the base
    # class, data_entry_flow.FlowResult, on every version (2026's RepairsFlowResult is one).
    (r"(?<![.\w])FlowResult\b", "use ConfigFlowResult"),
    (r"\basync_extract_entity_ids\(\s*hass", "hass argument removed in 2026.10"),
    (r"\bvia_device\b", "DeviceInfo via_device is deprecated (2026.8)"),
    (r"\bshow_advanced_options\b", "deprecated in 2026.6"),
    (r"\bdefault_(manufacturer|model|name)\b", "DeviceInfo default_* is deprecated"),
    (r"\.suggested_area\b", "reading DeviceEntry.suggested_area was removed in 2026.9"),
    (
        r"(?<!homeassistant)(?<!hass)\.config_entries\b(?!\.)",
        "reading DeviceEntry.config_entries warns from 2026.10",
    ),
    (r"\basync_timeout\b", "use asyncio.timeout"),
    (r"\bretry_after\s*=", "UpdateFailed(retry_after=) does not exist in 2025.4"),
    (r"\bdescription_placeholders\s*=.*services", "not in 2025.4"),
    (r"\bserialize_in_event_loop\b", "not in 2025.4"),
]


@dataclass(frozen=True)
class ImportUse:
    file: Path
    line: int
    module: str
    name: str | None  # None: the module itself


def newest_wheel() -> Path:
    """The cached newest homeassistant wheel for Python 3.14, downloaded if missing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = sorted(CACHE.glob("homeassistant-*.whl"))
    if wheels:
        return wheels[-1]
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--python-version",
        "3.14.9",
        "--only-binary=:all:",
        "--dest",
        str(CACHE),
        "homeassistant",
    ]
    for _attempt in range(3):
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        wheels = sorted(CACHE.glob("homeassistant-*.whl"))
        if wheels:
            return wheels[-1]
    raise SystemExit(f"check_compat: could not download homeassistant: {result.stderr[-500:]}")


class WheelModules:
    """Top-level names of modules inside the wheel, parsed lazily."""

    def __init__(self, wheel: Path) -> None:
        self.zip = zipfile.ZipFile(wheel)
        self.files = set(self.zip.namelist())
        self._names: dict[str, set[str] | None] = {}

    def path_of(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.files:
                return candidate
        return None

    def is_package(self, module: str) -> bool:
        return f"{module.replace('.', '/')}/__init__.py" in self.files

    def names(self, module: str) -> set[str] | None:
        if module not in self._names:
            path = self.path_of(module)
            if path is None:
                self._names[module] = None
            else:
                self._names[module] = _module_names(self.zip.read(path).decode())
        return self._names[module]


# Python 3.14 (PEP 758) allows "except A, B:"; the 3.13 parser here needs parentheses.
_BARE_EXCEPT_TUPLE = re.compile(r"^(\s*except\s+)(?!\()([^:\n]+,[^:\n]+?)(\s+as\s+\w+)?:", re.M)
_TOP_LEVEL_NAME = re.compile(r"^(?:async\s+def|def|class)\s+(\w+)|^(\w+)\s*(?::[^=]*)?=", re.M)


def _module_names(source: str) -> set[str]:
    """Top-level names of a module written for a newer Python than this one."""
    try:
        return _top_level_names(ast.parse(source))
    except SyntaxError:
        pass
    try:
        return _top_level_names(ast.parse(_BARE_EXCEPT_TUPLE.sub(r"\1(\2)\3:", source)))
    except SyntaxError:
        # Newer syntax still: fall back to names defined at the start of a line.
        return {a or b for a, b in _TOP_LEVEL_NAME.findall(source)}


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            names.add(sub.id)
            elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(
                node.target, ast.Name
            ):
                names.add(node.target.id)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                for alias in node.names:
                    names.add((alias.asname or alias.name).split(".")[0])
            elif isinstance(node, ast.If | ast.Try):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(getattr(node, "finalbody", []))
            elif isinstance(node, ast.TypeAlias):
                names.add(node.name.id)

    visit(tree.body)
    return names


def integration_imports() -> list[ImportUse]:
    """Every homeassistant module, imported name and module attribute the integration uses."""
    uses: list[ImportUse] = []
    for file in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(file.read_text())
        module_aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("homeassistant"):
                        uses.append(ImportUse(file, node.lineno, alias.name, None))
                        if alias.asname:
                            module_aliases[alias.asname] = alias.name
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "homeassistant"
            ):
                assert node.module is not None
                for alias in node.names:
                    uses.append(ImportUse(file, node.lineno, node.module, alias.name))
                    module_aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
            ):
                uses.append(ImportUse(file, node.lineno, module_aliases[node.value.id], node.attr))
    return uses


def check_imports(wheel: WheelModules) -> list[str]:
    problems: list[str] = []
    for use in integration_imports():
        where = f"{use.file.relative_to(ROOT)}:{use.line}"
        names = wheel.names(use.module)
        if use.name is None:
            if names is None:
                problems.append(f"{where}: module {use.module} does not exist in the newest HA")
            continue
        if names is None:
            # "from pkg import submodule" or an attribute of an imported class/name.
            parent = use.module.rsplit(".", 1)[0]
            if wheel.path_of(use.module) is None and wheel.names(parent) is None:
                problems.append(f"{where}: module {use.module} does not exist in the newest HA")
            continue
        if use.name in names or wheel.path_of(f"{use.module}.{use.name}") is not None:
            continue
        problems.append(f"{where}: {use.module}.{use.name} does not exist in the newest HA")
    return problems


def check_forbidden() -> list[str]:
    problems: list[str] = []
    for file in sorted(INTEGRATION.rglob("*.py")):
        for number, line in enumerate(file.read_text().splitlines(), start=1):
            code = line.split("#", 1)[0]
            for pattern, why in FORBIDDEN:
                if re.search(pattern, code):
                    problems.append(f"{file.relative_to(ROOT)}:{number}: {why}")
    # Every coordinator must be given its config entry explicitly.
    for file in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            bases = {ast.unparse(base).split("[")[0] for base in node.bases}
            if "DataUpdateCoordinator" not in bases:
                continue
            calls = [
                sub
                for sub in ast.walk(node)
                if isinstance(sub, ast.Call) and ast.unparse(sub.func) == "super().__init__"
            ]
            if not calls or not all(
                any(kw.arg == "config_entry" for kw in call.keywords) for call in calls
            ):
                problems.append(
                    f"{file.relative_to(ROOT)}:{node.lineno}: coordinator without config_entry="
                )
    return problems


def main() -> int:
    wheel_path = newest_wheel()
    wheel = WheelModules(wheel_path)
    problems = check_imports(wheel) + check_forbidden()
    for problem in problems:
        print(problem)
    version = wheel_path.name.split("-")[1]
    if problems:
        print(f"check_compat: {len(problems)} problem(s) against homeassistant {version}")
        return 1
    print(f"check_compat: ok against homeassistant {version} (and the deprecation list)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
