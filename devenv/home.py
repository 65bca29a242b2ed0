"""A real Home Assistant with the four simulated cameras: the demo and the browser tests.

``scripts/develop`` (the demo) and ``tests/browser`` (a real browser against a
real Home Assistant) start the same thing through ``DemoHome``:

1. ``python -m simulator`` once per camera family (their control APIs drive alarms);
2. Home Assistant in its own process with a config directory written here
   (offline: media source with a sample clip, the demo TTS engine, a sample
   automation), restarted when it exits with code 100 as the supervisor would
   (*Settings → Restart*);
3. onboarding with a demo user and a full core configuration (country included,
   so no repair asks for it);
4. each simulated camera added through the integration's real config flow;
5. a dashboard (Lovelace storage mode, saved over the websocket) with each camera's
   talk card, alarm sensors, switches, pan/tilt buttons and selects.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from .dashboard import FAMILIES, dashboard, doorbell_chime, sample_automation

ROOT = Path(__file__).resolve().parent.parent
DEMO_USER = "demo"
DEMO_PASSWORD = "ipcam-demo"
CAMERA_USER = "admin"
CAMERA_PASSWORD = "demo-camera"
DVRIP_SEARCH_PORT = 34569  # where XMEye devices answer the LAN search
RESTART_EXIT_CODE = 100  # Home Assistant's "restart me" (homeassistant.const.RESTART_EXIT_CODE)
# Where the core configuration of the demo says it is (the location matters to nothing here).
CORE_CONFIG = {
    "location_name": "ipcam demo",
    "latitude": 51.4779,
    "longitude": -0.0015,
    "elevation": 10,
    "unit_system": "metric",
    "time_zone": "UTC",
    "currency": "EUR",
    "country": "GB",
    "language": "en",
}

CONFIGURATION_YAML = """\
# Written by the ipcam demo (devenv/home.py). A small, offline Home Assistant for trying ipcam.
homeassistant:
  media_dirs:
    local: {media}
  allowlist_external_dirs:
    - {media}
frontend:
config:
# LL-HLS with 2 s segments (Home Assistant's default is 6): live view starts ~3 s after
# opening instead of ~8 s when the stream is not running yet.
stream:
  ll_hls: true
  segment_duration: 2
  part_duration: 0.5
media_source:
history:
logbook:
# Offline text-to-speech for the README's talk examples (always says the same sentence).
tts:
  - platform: demo
automation: !include automations.yaml
counter:
  ipcam_motion_events:
    name: Alarms seen
    icon: mdi:motion-sensor
input_text:
  ipcam_last_alarm:
    name: Last alarm
    max: 255
logger:
  default: warning
  logs:
    custom_components.ipcam: info
http:
  server_host: 127.0.0.1
  server_port: {http_port}
"""


def log(message: str) -> None:
    print(f"develop: {message}", flush=True)


@dataclass
class Simulated:
    """One simulated camera process."""

    family: str
    process: subprocess.Popen[bytes]
    ports: dict[str, int]
    control_port: int

    @property
    def port(self) -> int:
        return next(iter(self.ports.values()))

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.control_port}"


@dataclass
class DemoHome:
    """Simulators + Home Assistant, onboarded, with the cameras and a dashboard."""

    config_dir: Path
    http_port: int = 8123
    # Fixed ports for the demo (the README's curl examples); 0 = any free port (tests).
    simulator_ports: dict[str, int] = field(default_factory=dict)
    control_ports: dict[str, int] = field(default_factory=dict)
    log_dir: Path | None = None
    # Keep the H.264 cameras' HLS streams running (camera preference "Preload stream"), so
    # opening a live view is instant. The browser tests turn it on only after measuring a cold
    # start.
    preload_streams: bool = True
    on_log: Callable[[str], None] = log
    simulators: dict[str, Simulated] = field(default_factory=dict)
    # A camera that is not added, to be found by Home Assistant's LAN search.
    undiscovered_camera: bool = True
    undiscovered: Simulated | None = None
    hass: subprocess.Popen[bytes] | None = None
    token: str | None = None
    refresh_token: str | None = None
    restarts: int = 0
    entity_names: dict[str, str] = field(default_factory=dict)
    _stopping: bool = False
    _supervisor: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def client_id(self) -> str:
        return f"{self.url}/"

    @property
    def python(self) -> str:
        venv = ROOT / ".venv" / "bin" / "python"
        return str(venv) if venv.exists() else sys.executable

    def _logs(self) -> Path:
        folder = self.log_dir or self.config_dir.parent
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    # --- simulators ------------------------------------------------------------------------

    def start_simulators(self) -> None:
        for family in FAMILIES:
            simulated = self._start_simulator(
                family,
                [
                    "--port",
                    str(self.simulator_ports.get(family, 0)),
                    "--control-port",
                    str(self.control_ports.get(family, 0)),
                ],
            )
            self.simulators[family] = simulated
            self.on_log(
                f"simulated {family} camera on {simulated.ports}, control API on "
                f"{simulated.control_url}"
            )
        if self.undiscovered_camera:
            self._start_undiscovered()

    def _start_undiscovered(self) -> None:
        """One more XMEye camera, not added: it answers the LAN search Home Assistant
        broadcasts (on every address, the standard search port), so it shows up under
        Discovered. Skipped when that port is taken."""
        try:
            self.undiscovered = self._start_simulator(
                "dvrip",
                ["--host", "0.0.0.0", "--search-port", str(DVRIP_SEARCH_PORT)],
            )
        except RuntimeError as err:
            self.on_log(f"no camera waiting under Discovered: {err}")
            return
        self.on_log(
            f"an XMEye camera not yet added on {self.undiscovered.ports}: Home Assistant "
            "finds it on the network (Settings -> Devices & services -> Discovered)"
        )

    def _start_simulator(self, family: str, extra: list[str]) -> Simulated:
        simulator_log = (self._logs() / "simulator.log").open("ab")
        process = subprocess.Popen(  # noqa: S603
            [
                self.python,
                "-m",
                "simulator",
                "--vendor",
                family,
                "--username",
                CAMERA_USER,
                "--password",
                CAMERA_PASSWORD,
                *extra,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=simulator_log,
        )
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        try:
            ready = json.loads(line)
        except ValueError:
            process.kill()
            raise RuntimeError(f"the {family} simulator did not start: {line!r}") from None
        return Simulated(family, process, ready["ports"], ready["control_port"])

    # --- Home Assistant ---------------------------------------------------------------------

    def write_config(self) -> None:
        config = self.config_dir
        media = config / "media"
        (media / "ipcam").mkdir(parents=True, exist_ok=True)
        (config / "configuration.yaml").write_text(
            CONFIGURATION_YAML.format(media=media, http_port=self.http_port)
        )
        automations = config / "automations.yaml"
        if not automations.exists():
            automations.write_text("[]\n")
        custom = config / "custom_components"
        custom.mkdir(exist_ok=True)
        link = custom / "ipcam"
        if not link.is_symlink() and not link.exists():
            link.symlink_to(ROOT / "custom_components" / "ipcam")
        chime = media / "ipcam" / "doorbell-chime.wav"
        if not chime.exists():
            chime.write_bytes(doorbell_chime())

    def start_home_assistant(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        hass_log = (self._logs() / "home-assistant.log").open("ab")
        self.hass = subprocess.Popen(  # noqa: S603
            [self.python, "-m", "homeassistant", "--config", str(self.config_dir)],
            cwd=ROOT,
            env=env,
            stdout=hass_log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, seconds: float = 600) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.hass is None or self.hass.poll() is not None:
                raise RuntimeError(
                    f"Home Assistant exited; see {self._logs() / 'home-assistant.log'}"
                )
            try:
                self.request("GET", "/api/onboarding")
                return
            except urllib.error.HTTPError:  # answered (404 once onboarded): it is up
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
        raise RuntimeError("Home Assistant did not start in time")

    def supervise(self) -> int:
        """Wait for Home Assistant; start it again on exit code 100; return its exit code."""
        while True:
            assert self.hass is not None
            code = self.hass.wait()
            if self._stopping or code != RESTART_EXIT_CODE:
                return code
            self.on_log("Home Assistant asked for a restart (exit code 100): starting it again...")
            self.start_home_assistant()
            self.restarts += 1
            try:
                self.wait_until_up()
            except RuntimeError as err:
                self.on_log(str(err))
                continue
            self.on_log(f"Home Assistant is back on {self.url}")

    def restart(self, seconds: float = 120) -> None:
        """Restart Home Assistant as Settings > Restart does (needs ``supervise_in_background``)."""
        restarts = self.restarts
        try:
            self.websocket(
                {"type": "call_service", "domain": "homeassistant", "service": "restart"}
            )
        except (RuntimeError, aiohttp.ClientError, TypeError):
            pass  # the connection closes as Home Assistant stops
        deadline = time.monotonic() + seconds
        while self.restarts == restarts:
            if time.monotonic() > deadline:
                raise RuntimeError("Home Assistant did not restart")
            time.sleep(0.2)
        self.wait_until_up()
        while True:  # until the cameras are back
            try:
                (entries,) = self.websocket({"type": "config_entries/get", "domain": "ipcam"})
                if entries and all(entry["state"] == "loaded" for entry in entries):
                    return
            except (RuntimeError, aiohttp.ClientError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the cameras did not come back after the restart")
            time.sleep(0.5)

    def supervise_in_background(self) -> None:
        self._supervisor = threading.Thread(target=self.supervise, daemon=True)
        self._supervisor.start()

    def _processes(self) -> list[subprocess.Popen[bytes]]:
        extra = [self.undiscovered] if self.undiscovered is not None else []
        simulated = [*self.simulators.values(), *extra]
        return [p for p in (self.hass, *(s.process for s in simulated)) if p]

    def request_stop(self) -> None:
        """Ask every process to end, without waiting (safe in a signal handler)."""
        self._stopping = True
        for process in self._processes():
            if process.poll() is None:
                process.terminate()

    def stop(self) -> None:
        """End every process and wait for them."""
        self.request_stop()
        for process in self._processes():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # --- REST and websocket -----------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        form: bool = False,
    ) -> Any:
        headers = {}
        data = None
        if body is not None:
            if form:
                data = urllib.parse.urlencode(body).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(  # noqa: S310 - local URL
            f"{self.url}{path}", data=data, headers=headers, method=method
        )
        with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310
            raw = response.read()
        return json.loads(raw) if raw else None

    def websocket(self, *commands: dict[str, Any]) -> list[Any]:
        """Send websocket commands in turn; return their results (raises on an error)."""
        assert self.token is not None
        # In a thread of its own: the caller may be running an event loop (Playwright's).
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(
                asyncio.run, _websocket(self.url, self.token, list(commands))
            ).result()

    # --- onboarding, cameras, dashboard -----------------------------------------------------

    def login(self) -> str:
        """Onboard a fresh instance (demo user, core config) or log in to an onboarded one."""
        try:
            steps = self.request("GET", "/api/onboarding")
            done = {step["step"] for step in steps if step["done"]}
        except urllib.error.HTTPError:  # onboarding finished earlier: its API is gone
            done = {"user", "core_config", "analytics", "integration"}
        redirect = f"{self.url}/?auth_callback=1"
        if "user" not in done:
            code = self.request(
                "POST",
                "/api/onboarding/users",
                {
                    "name": "Demo",
                    "username": DEMO_USER,
                    "password": DEMO_PASSWORD,
                    "client_id": self.client_id,
                    "language": "en",
                },
            )["auth_code"]
        else:
            flow = self.request(
                "POST",
                "/auth/login_flow",
                {
                    "client_id": self.client_id,
                    "handler": ["homeassistant", None],
                    "redirect_uri": redirect,
                },
            )
            result = self.request(
                "POST",
                f"/auth/login_flow/{flow['flow_id']}",
                {"client_id": self.client_id, "username": DEMO_USER, "password": DEMO_PASSWORD},
            )
            code = result["result"]
        tokens = self.request(
            "POST",
            "/auth/token",
            {"grant_type": "authorization_code", "code": code, "client_id": self.client_id},
            form=True,
        )
        self.token = str(tokens["access_token"])
        self.refresh_token = tokens.get("refresh_token")
        core: dict[str, Any] = {}
        if (
            "core_config" not in done
            or not self.request("GET", "/api/config", token=self.token)["country"]
        ):
            # What the onboarding screens send: location, units, currency, country, language.
            core.update(CORE_CONFIG)
        # Home Assistant fetches its own media (media-source items for talk) from this URL; it
        # listens on 127.0.0.1 only, not on the address it would guess.
        core["internal_url"] = self.url
        self.websocket({"type": "config/core/update", **core})
        for step, body in (
            ("core_config", {}),
            ("analytics", {}),
            ("integration", {"client_id": self.client_id, "redirect_uri": redirect}),
        ):
            if step not in done:
                try:
                    self.request("POST", f"/api/onboarding/{step}", body, token=self.token)
                except urllib.error.HTTPError as err:
                    self.on_log(f"onboarding step {step}: HTTP {err.code} (continuing)")
        return self.token

    @property
    def _entries_file(self) -> Path:
        return self.config_dir / "ipcam-demo-entries.json"

    def entry_families(self) -> dict[str, str]:
        """config entry id -> camera family of the entries this demo added."""
        try:
            data = json.loads(self._entries_file.read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def add_cameras(self) -> None:
        """Add each simulated camera through the real ipcam config flow."""
        token = self.token
        families = self.entry_families()
        for family, simulated in self.simulators.items():
            flow = self.request(
                "POST", "/api/config/config_entries/flow", {"handler": "ipcam"}, token=token
            )
            step = self.request(
                "POST",
                f"/api/config/config_entries/flow/{flow['flow_id']}",
                {"vendor": family},
                token=token,
            )
            if step.get("errors"):
                self.on_log(f"{family}: {step['errors']} (skipped)")
                continue
            fields: dict[str, Any] = {
                "host": "127.0.0.1",
                "port": simulated.port,
                "username": CAMERA_USER,
                "password": CAMERA_PASSWORD,
            }
            result = self.request(
                "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", fields, token=token
            )
            if result.get("type") == "create_entry":
                self.on_log(f"added the simulated {family} camera: {result['title']}")
                entry = result.get("result")
                if isinstance(entry, dict) and "entry_id" in entry:
                    families[entry["entry_id"]] = family
            elif result.get("reason") == "already_configured":
                self.on_log(f"the simulated {family} camera is already added")
            else:
                self.on_log(f"{family}: {result.get('errors') or result.get('reason')}")
        self._entries_file.write_text(json.dumps(families, indent=2) + "\n")

    def camera_entities(self, seconds: float = 60) -> dict[str, dict[str, list[str]]]:
        """family -> entity domain -> entity ids of that camera (waits until all are there)."""
        deadline = time.monotonic() + seconds
        while True:
            (registry,) = self.websocket({"type": "config/entity_registry/list"})
            family_of = self.entry_families()
            found: dict[str, dict[str, list[str]]] = {}
            for entity in registry:
                if entity.get("platform") != "ipcam" or entity.get("disabled_by"):
                    continue
                family = family_of.get(entity.get("config_entry_id"))
                if family is None:
                    continue
                domain = entity["entity_id"].split(".")[0]
                if entity.get("original_name"):
                    self.entity_names[entity["entity_id"]] = entity["original_name"]
                found.setdefault(family, {}).setdefault(domain, []).append(entity["entity_id"])
            complete = all("camera" in found.get(f, {}) for f in self.simulators)
            if complete or time.monotonic() > deadline:
                for domains in found.values():
                    for ids in domains.values():
                        ids.sort()
                return found
            time.sleep(1)

    def set_preload(self, entity_ids: list[str], preload: bool) -> None:
        """Turn the cameras' "Preload stream" preference on or off."""
        for entity_id in entity_ids:
            self.websocket(
                {"type": "camera/update_prefs", "entity_id": entity_id, "preload_stream": preload}
            )

    def streaming_cameras(self) -> list[str]:
        """Camera entities of ipcam with an HLS stream (the H.264 families)."""
        cameras = [
            ids[0] for domains in self.camera_entities().values() if (ids := domains.get("camera"))
        ]
        stream_feature = 2  # CameraEntityFeature.STREAM
        return [
            entity_id
            for entity_id in cameras
            if self.request("GET", f"/api/states/{entity_id}", token=self.token)["attributes"].get(
                "supported_features", 0
            )
            & stream_feature
        ]

    def hide_demo_integration(self) -> None:
        """The demo TTS engine brings Home Assistant's whole Demo integration: disable its entry.

        (Its 150 made-up entities and "updates" would bury the cameras; the TTS engine
        itself is a platform and keeps working.)
        """
        (entries,) = self.websocket({"type": "config_entries/get", "domain": "demo"})
        for entry in entries:
            if not entry.get("disabled_by"):
                self.websocket(
                    {
                        "type": "config_entries/disable",
                        "entry_id": entry["entry_id"],
                        "disabled_by": "user",
                    }
                )

    def install_dashboard(self) -> dict[str, dict[str, list[str]]]:
        """The demo dashboard (overview) and the sample automation."""
        entities = self.camera_entities()
        config = dashboard(entities, self.entity_names)
        self.websocket({"type": "lovelace/config/save", "config": config})
        alarm_sensors = [
            entity_id
            for domains in entities.values()
            for entity_id in domains.get("binary_sensor", [])
        ]
        (self.config_dir / "automations.yaml").write_text(
            json.dumps([sample_automation(alarm_sensors)], indent=2) + "\n"
        )
        self.request("POST", "/api/services/automation/reload", {}, token=self.token)
        return entities

    def run(self) -> None:
        """Everything up to a ready demo (the caller then supervises or stops)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        self.write_config()
        self.start_simulators()
        self.on_log("starting Home Assistant (the first start takes a minute)...")
        self.start_home_assistant()
        self.wait_until_up()
        self.login()
        self.hide_demo_integration()
        self.add_cameras()
        self.install_dashboard()
        if self.preload_streams:
            self.set_preload(self.streaming_cameras(), True)


async def _websocket(url: str, token: str, commands: list[dict[str, Any]]) -> list[Any]:
    results = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{url}/api/websocket", timeout=aiohttp.ClientWSTimeout(60)) as ws,
    ):
        await ws.receive_json()  # auth_required
        await ws.send_json({"type": "auth", "access_token": token})
        reply = await ws.receive_json()
        if reply.get("type") != "auth_ok":
            raise RuntimeError(f"websocket login failed: {reply}")
        for number, command in enumerate(commands, start=1):
            await ws.send_json({"id": number, **command})
            while True:
                message = await ws.receive_json()
                if message.get("id") == number and message.get("type") == "result":
                    break
            if not message.get("success"):
                raise RuntimeError(f"{command['type']}: {message.get('error')}")
            results.append(message.get("result"))
    return results
