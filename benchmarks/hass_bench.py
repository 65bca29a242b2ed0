"""A lean, real Home Assistant for the benchmarks (``devenv.home.DemoHome`` without the demo).

The demo's configuration brings the demo TTS engine, automations, history and a
dashboard: all of it costs CPU and memory that would blur a measurement. This
home runs Home Assistant with ``frontend`` (which brings the REST and websocket
APIs, onboarding and config flows) and nothing else; cameras are added through
the real config flows, over the REST API, like a user does.

Also here: CPU time and memory of a process (``psutil``, which Home Assistant
itself requires), percentiles, and a websocket client for ``state_changed``.
"""

from __future__ import annotations

import asyncio
import json
import math
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import aiohttp
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devenv.home import DemoHome  # noqa: E402

LEAN_CONFIGURATION = """\
# Written by ipcam's benchmarks (benchmarks/hass_bench.py): Home Assistant and nothing else.
homeassistant:
frontend:
logger:
  default: warning
http:
  server_host: 127.0.0.1
  server_port: {http_port}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BenchHome(DemoHome):
    """Home Assistant in its own process, onboarded, without the demo's extras."""

    def write_config(self) -> None:
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "configuration.yaml").write_text(
            LEAN_CONFIGURATION.format(http_port=self.http_port)
        )
        custom = self.config_dir / "custom_components"
        custom.mkdir(exist_ok=True)
        link = custom / "ipcam"
        if not link.is_symlink() and not link.exists():
            link.symlink_to(ROOT / "custom_components" / "ipcam")

    def start(self) -> None:
        self.write_config()
        self.start_home_assistant()
        self.wait_until_up()
        self.login()

    @property
    def pid(self) -> int:
        assert self.hass is not None
        return self.hass.pid

    def flow(self, handler: str, *steps: dict[str, Any]) -> dict[str, Any]:
        """Run a config flow through the REST API; the last step's answer."""
        flow = self.request(
            "POST", "/api/config/config_entries/flow", {"handler": handler}, token=self.token
        )
        result: dict[str, Any] = flow
        for step in steps:
            result = self.request(
                "POST", f"/api/config/config_entries/flow/{flow['flow_id']}", step, token=self.token
            )
        return result

    def entities(self, platform: str, domain: str) -> list[dict[str, Any]]:
        (registry,) = self.websocket({"type": "config/entity_registry/list"})
        return [
            entity
            for entity in registry
            if entity.get("platform") == platform
            and entity["entity_id"].startswith(f"{domain}.")
            and not entity.get("disabled_by")
        ]


def ipcam_fields(vendor: str, port: int, username: str, password: str) -> dict[str, Any]:
    """The connection form's answers (no family's form asks more: recorders are whole
    devices, their channels found by the integration)."""
    del vendor
    return {"host": "127.0.0.1", "port": port, "username": username, "password": password}


def temporary_home() -> tuple[tempfile.TemporaryDirectory[str], BenchHome]:
    folder = tempfile.TemporaryDirectory(prefix="ipcam-bench-")
    home = BenchHome(
        config_dir=Path(folder.name) / "config",
        http_port=free_port(),
        log_dir=Path(folder.name) / "logs",
        preload_streams=False,
        on_log=lambda message: print(f"  {message}", flush=True),
    )
    return folder, home


# --- measuring ------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU seconds of a process so far, all its live threads, in nanoseconds' resolution.

    ``/proc/<pid>/task/<tid>/schedstat`` counts each thread's time on a CPU in
    nanoseconds; ``psutil``'s ``cpu_times`` counts clock ticks (10 ms), too coarse for
    a few seconds of a process that spends fractions of a millisecond per frame. A
    thread that ends between two readings takes its time with it (Home Assistant's
    executor threads live on).
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread ended meanwhile
    return total / 1e9


def rss_mib(pid: int) -> float:
    return float(psutil.Process(pid).memory_info().rss) / 2**20


def percentile(values: Iterable[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


def median(values: Iterable[float]) -> float:
    listed = list(values)
    return statistics.median(listed) if listed else math.nan


class StateWatch:
    """Home Assistant's ``state_changed`` events over the websocket, as they arrive.

    ``on_change(entity_id, new_state, monotonic_time)`` runs for each event of the
    entities in ``entity_ids`` (all of them when empty).
    """

    def __init__(
        self,
        url: str,
        token: str,
        on_change: Callable[[str, str, float], None],
        entity_ids: Iterable[str] = (),
    ) -> None:
        self._url, self._token, self._on_change = url, token, on_change
        self._wanted = frozenset(entity_ids)
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    async def __aenter__(self) -> StateWatch:
        self._session = aiohttp.ClientSession()
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 30)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._session is not None:
            await self._session.close()

    async def _run(self) -> None:
        assert self._session is not None
        async with self._session.ws_connect(f"{self._url}/api/websocket", max_msg_size=0) as ws:
            await ws.receive_json()
            await ws.send_json({"type": "auth", "access_token": self._token})
            await ws.receive_json()
            await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "state_changed"})
            wanted = self._wanted
            async for message in ws:
                now = time.monotonic()
                data = json.loads(message.data)
                if data.get("type") == "result":
                    self.ready.set()
                    continue
                event = data.get("event", {}).get("data", {})
                entity_id = event.get("entity_id", "")
                if wanted and entity_id not in wanted:
                    continue
                new = event.get("new_state") or {}
                self._on_change(entity_id, str(new.get("state")), now)
