"""The demo: simulated cameras + Home Assistant with them added through the real config flow.

Run through ``scripts/develop``. Starts ``python -m simulator --vendor all``,
then Home Assistant on http://127.0.0.1:8123 with its own config directory
(``.develop/config``), onboards it with a demo user, adds each simulated camera
through the ipcam config flow over Home Assistant's REST API, and prints how to
log in. Ctrl-C stops everything.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / ".develop" / "config"
HA_URL = "http://127.0.0.1:8123"
CLIENT_ID = f"{HA_URL}/"
DEMO_USER = "demo"
DEMO_PASSWORD = "ipcam-demo"
CAMERA_USER = "admin"
CAMERA_PASSWORD = "demo-camera"
SIMULATOR_PORTS = {"cgi": 8081, "foscam": 8082, "dvrip": 34567, "grandstream": 8554}
CONTROL_PORTS = {"cgi": 8099, "foscam": 8100, "dvrip": 8101, "grandstream": 8102}

CONFIGURATION_YAML = """\
# Written by scripts/develop. A minimal Home Assistant for trying ipcam.
homeassistant:
  name: ipcam demo
  time_zone: UTC
  unit_system: metric
frontend:
config:
stream:
logger:
  default: warning
  logs:
    custom_components.ipcam: info
http:
  server_host: 127.0.0.1
  server_port: 8123
"""


def log(message: str) -> None:
    print(f"develop: {message}", flush=True)


def request(
    method: str,
    path: str,
    body: Any = None,
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
    url = f"{HA_URL}{path}"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - local URL
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_for_home_assistant(process: subprocess.Popen[bytes], seconds: float = 600) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                "develop: Home Assistant exited; see .develop/config/home-assistant.log"
            )
        try:
            request("GET", "/api/onboarding")
            return
        except urllib.error.HTTPError:  # answered (404 once onboarded): it is up
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(1)
    raise SystemExit("develop: Home Assistant did not start in time")


def access_token() -> str:
    """Onboard a fresh instance (demo user) or log in to an onboarded one."""
    try:
        steps = request("GET", "/api/onboarding")
        done = {step["step"] for step in steps if step["done"]}
    except urllib.error.HTTPError:  # onboarding finished earlier: its API is gone
        done = {"user", "core_config", "analytics", "integration"}
    if "user" not in done:
        code = request(
            "POST",
            "/api/onboarding/users",
            {
                "name": "Demo",
                "username": DEMO_USER,
                "password": DEMO_PASSWORD,
                "client_id": CLIENT_ID,
                "language": "en",
            },
        )["auth_code"]
    else:
        flow = request(
            "POST",
            "/auth/login_flow",
            {
                "client_id": CLIENT_ID,
                "handler": ["homeassistant", None],
                "redirect_uri": f"{HA_URL}/?auth_callback=1",
            },
        )
        result = request(
            "POST",
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": CLIENT_ID, "username": DEMO_USER, "password": DEMO_PASSWORD},
        )
        code = result["result"]
    token = request(
        "POST",
        "/auth/token",
        {"grant_type": "authorization_code", "code": code, "client_id": CLIENT_ID},
        form=True,
    )["access_token"]
    for step, body in (
        ("core_config", {}),
        ("analytics", {}),
        ("integration", {"client_id": CLIENT_ID, "redirect_uri": f"{HA_URL}/?auth_callback=1"}),
    ):
        if step not in done:
            try:
                request("POST", f"/api/onboarding/{step}", body, token)
            except urllib.error.HTTPError as err:
                log(f"onboarding step {step}: HTTP {err.code} (continuing)")
    return str(token)


def add_cameras(token: str, ports: dict[str, dict[str, int]]) -> None:
    """Add each simulated camera through the real ipcam config flow."""
    entries = request("GET", "/api/config/config_entries/entry?domain=ipcam", token=token) or []
    configured = {entry.get("title") for entry in entries}
    for vendor, vendor_ports in ports.items():
        port = next(iter(vendor_ports.values()))
        flow = request("POST", "/api/config/config_entries/flow", {"handler": "ipcam"}, token)
        step = request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", {"vendor": vendor}, token
        )
        if step.get("errors"):
            log(f"{vendor}: {step['errors']} (skipped)")
            continue
        fields: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": port,
            "username": CAMERA_USER,
            "password": CAMERA_PASSWORD,
        }
        result = request(
            "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", fields, token
        )
        if result.get("type") == "create_entry":
            log(f"added the simulated {vendor} camera: {result['title']}")
        elif result.get("reason") == "already_configured":
            log(f"the simulated {vendor} camera is already added")
        else:
            log(f"{vendor}: {result.get('errors') or result.get('reason')} ({configured})")


def main() -> int:
    python = ROOT / ".venv" / "bin" / "python"
    CONFIG.mkdir(parents=True, exist_ok=True)
    (CONFIG / "configuration.yaml").write_text(CONFIGURATION_YAML)
    custom = CONFIG / "custom_components"
    custom.mkdir(exist_ok=True)
    link = custom / "ipcam"
    if not link.exists():
        link.symlink_to(ROOT / "custom_components" / "ipcam")

    simulator_log = (ROOT / ".develop" / "simulator.log").open("ab")
    simulators: list[subprocess.Popen[bytes]] = []
    ports: dict[str, dict[str, int]] = {}
    from simulator.registry import SIMULATORS

    for vendor in SIMULATORS:
        process = subprocess.Popen(  # noqa: S603
            [
                str(python),
                "-m",
                "simulator",
                "--vendor",
                vendor,
                "--port",
                str(SIMULATOR_PORTS.get(vendor, 0)),
                "--username",
                CAMERA_USER,
                "--password",
                CAMERA_PASSWORD,
                "--control-port",
                str(CONTROL_PORTS.get(vendor, 0)),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=simulator_log,
        )
        simulators.append(process)
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        try:
            ready = json.loads(line)
        except ValueError:
            raise SystemExit(f"develop: the {vendor} simulator did not start: {line!r}") from None
        ports[vendor] = ready["ports"]
        log(
            f"simulated {vendor} camera on {ready['ports']}, control API on "
            f"http://127.0.0.1:{ready['control_port']}"
        )

    env = dict(os.environ, PYTHONPATH=str(ROOT))
    hass_log = (ROOT / ".develop" / "home-assistant.log").open("ab")
    hass = subprocess.Popen(  # noqa: S603
        [str(python), "-m", "homeassistant", "--config", str(CONFIG)],
        cwd=ROOT,
        env=env,
        stdout=hass_log,
        stderr=subprocess.STDOUT,
    )

    def stop(*_args: Any) -> None:
        for process in (hass, *simulators):
            if process.poll() is None:
                process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        log("starting Home Assistant (the first start takes a minute)...")
        wait_for_home_assistant(hass)
        token = access_token()
        add_cameras(token, ports)
        print(
            f"\n  Home Assistant: {HA_URL}\n"
            f"  Log in as: {DEMO_USER} / {DEMO_PASSWORD}\n"
            f"  Cameras: Settings > Devices & services > IP Camera; live view on the Overview.\n"
            f'  Push an alarm: curl -X POST -d \'{{"kind": "motion"}}\' '
            f"http://127.0.0.1:{CONTROL_PORTS['foscam']}/event\n"
            f"  Control APIs (POST /event, GET /state, ...): {CONTROL_PORTS}\n"
            f"  Logs: .develop/home-assistant.log   Stop: Ctrl-C\n",
            flush=True,
        )
        hass.wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for process in (hass, *simulators):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
