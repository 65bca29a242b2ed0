"""MJPEG live view in Home Assistant: ipcam against Home Assistant's core ``mjpeg`` camera.

One real Home Assistant (``hass_bench.BenchHome``, its own process) holds both
cameras, on the same simulated IPCamCGI camera (640x480 MJPEG at 20 fps, in a
child process; it serves up to 16 streams so the core camera can open one per
viewer):

- **ipcam**: the integration's config flow (IPCamCGI, host, port, credentials);
- **core mjpeg**: Home Assistant's ``mjpeg`` config flow with the camera's
  ``/mjpeg.cgi`` and ``/image.jpg`` URLs and Basic auth — what a user of this
  camera would set up instead.

Measured, interleaved (each round runs every case once; the order of the two
cameras alternates between rounds; medians over ``--rounds``):

- **CPU per delivered frame**: N viewers (1, 4, 8) read
  ``/api/camera_proxy_stream/<entity>`` from this process; after a warm-up, the
  Home Assistant process's CPU time (user + system, ``psutil``) over
  ``--seconds`` divided by the frames all viewers received (JPEG start markers
  counted in what they read). *net*: minus the same process's CPU over an idle
  window of the same length in the same round (no viewer: what both cameras
  cost anyway — ipcam polls the camera's inputs every second).
- **camera connections**: ``/mjpeg.cgi`` streams open at the simulated camera
  while the viewers watch.
- **still**: ``/api/camera_proxy/<entity>`` wall time, no viewer open.

Run: ``.venv/bin/python benchmarks/compare_mjpeg.py [--rounds 5] [--seconds 6]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from statistics import quantiles
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hass_bench import BenchHome, cpu_seconds, ipcam_fields, median, temporary_home
from simfarm import SimFarm

USERNAME = "admin"
PASSWORD = "bench"
RESOLUTION = "640x480"
FPS = 20
SOI = b"\xff\xd8\xff"
LINGER_WAIT = 12.0  # ipcam keeps its upstream 5 s after the last viewer; wait until it closed


class Viewer:
    """One ``camera_proxy_stream`` reader counting the JPEGs it receives."""

    def __init__(self, session: aiohttp.ClientSession, url: str, token: str) -> None:
        self.frames = 0
        self._session, self._url, self._token = session, url, token
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self._token}"}
        async with self._session.get(self._url, headers=headers) as response:
            response.raise_for_status()
            tail = b""
            async for chunk in response.content.iter_any():
                data = tail + chunk
                self.frames += data.count(SOI)
                tail = data[-2:]

    async def close(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


async def _streams_open(farm: SimFarm) -> int:
    state = await asyncio.to_thread(farm.state, 0)
    return int(state["mjpeg_streams"])


async def _wait_streams_closed(farm: SimFarm) -> None:
    deadline = time.monotonic() + LINGER_WAIT
    while await _streams_open(farm) and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.5)


async def stream_window(
    home: BenchHome, farm: SimFarm, entity: str | None, viewers: int, seconds: float
) -> dict[str, float]:
    """CPU seconds of Home Assistant and frames delivered over ``seconds`` (no viewer when
    ``entity`` is None: the idle baseline)."""
    await _wait_streams_closed(farm)
    assert home.token is not None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as session:
        url = f"{home.url}/api/camera_proxy_stream/{entity}"
        readers = [Viewer(session, url, home.token) for _ in range(viewers if entity else 0)]
        try:
            deadline = time.monotonic() + 10
            while any(r.frames < 3 for r in readers) and time.monotonic() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # warm: every viewer is reading at the camera's rate
            before = [r.frames for r in readers]
            cpu = cpu_seconds(home.pid)
            start = time.monotonic()
            await asyncio.sleep(seconds / 2)
            connections = await _streams_open(farm)
            await asyncio.sleep(max(0.0, start + seconds - time.monotonic()))
            cpu = cpu_seconds(home.pid) - cpu
            elapsed = time.monotonic() - start
            frames = sum(r.frames - b for r, b in zip(readers, before, strict=True))
            for reader in readers:
                if reader.task.done() and reader.task.exception() is not None:
                    raise RuntimeError(f"a viewer failed: {reader.task.exception()!r}")
        finally:
            for reader in readers:
                await reader.close()
    return {"cpu": cpu, "seconds": elapsed, "frames": frames, "connections": connections}


async def still_times(home: BenchHome, entity: str, count: int) -> list[float]:
    times = []
    headers = {"Authorization": f"Bearer {home.token}"}
    async with aiohttp.ClientSession() as session:
        for _ in range(count):
            start = time.perf_counter()
            async with session.get(f"{home.url}/api/camera_proxy/{entity}", headers=headers) as r:
                body = await r.read()
                r.raise_for_status()
            times.append(time.perf_counter() - start)
            if not body.startswith(b"\xff\xd8"):
                raise RuntimeError(f"{entity}: the still is not a JPEG")
            await asyncio.sleep(0.05)
    return times


def set_up(home: BenchHome, farm: SimFarm) -> dict[str, str]:
    port = farm.cameras[0]["ports"]["http"]
    result = home.flow("ipcam", {"vendor": "cgi"}, ipcam_fields("cgi", port, USERNAME, PASSWORD))
    if result.get("type") != "create_entry":
        raise RuntimeError(f"ipcam: {result}")
    base = f"http://127.0.0.1:{port}"
    result = home.flow(
        "mjpeg",
        {
            "name": "core mjpeg",
            "mjpeg_url": f"{base}/mjpeg.cgi",
            "still_image_url": f"{base}/image.jpg",
            "username": USERNAME,
            "password": PASSWORD,
            "verify_ssl": False,
        },
    )
    if result.get("type") != "create_entry":
        raise RuntimeError(f"core mjpeg: {result}")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ours = home.entities("ipcam", "camera")
        core = home.entities("mjpeg", "camera")
        if ours and core:
            return {"ipcam": ours[0]["entity_id"], "core mjpeg": core[0]["entity_id"]}
        time.sleep(0.5)
    raise RuntimeError("the camera entities did not appear")


async def measure(
    home: BenchHome, farm: SimFarm, cameras: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    viewer_counts = [int(v) for v in args.viewers.split(",")]
    # (camera, viewers) -> per-round CPU ms per frame, raw and net of the idle baseline
    raw: dict[tuple[str, int], list[float]] = {}
    net: dict[tuple[str, int], list[float]] = {}
    fps: dict[tuple[str, int], list[float]] = {}
    connections: dict[tuple[str, int], list[int]] = {}
    idle: list[float] = []
    stills: dict[str, list[float]] = {name: [] for name in cameras}
    names = list(cameras)
    for round_number in range(args.rounds):
        order = names if round_number % 2 == 0 else names[::-1]
        baseline = await stream_window(home, farm, None, 0, args.seconds)
        idle_rate = baseline["cpu"] / baseline["seconds"]
        idle.append(idle_rate * 100)
        for viewers in viewer_counts:
            for name in order:
                window = await stream_window(home, farm, cameras[name], viewers, args.seconds)
                frames = max(window["frames"], 1)
                key = (name, viewers)
                raw.setdefault(key, []).append(window["cpu"] * 1000 / frames)
                spent = window["cpu"] - idle_rate * window["seconds"]
                net.setdefault(key, []).append(spent * 1000 / frames)
                fps.setdefault(key, []).append(window["frames"] / viewers / window["seconds"])
                connections.setdefault(key, []).append(int(window["connections"]))
        await _wait_streams_closed(farm)
        for name in order:
            stills[name] += await still_times(home, cameras[name], args.stills)
        print(f"  round {round_number + 1}/{args.rounds} done", flush=True)
    return {
        "raw": raw,
        "net": net,
        "fps": fps,
        "connections": connections,
        "idle": idle,
        "stills": stills,
        "viewers": viewer_counts,
    }


def _quartiles(values: list[float]) -> str:
    """The middle half of the rounds' values: how far one round's ratio can be trusted."""
    if len(values) < 2:
        return "-"
    low, _middle, high = quantiles(values, n=4)
    return f"{low:.2f}-{high:.2f}"


def report(results: dict[str, Any], rounds: int) -> None:
    raw, net, fps, connections = (results[k] for k in ("raw", "net", "fps", "connections"))
    print(
        f"\nHome Assistant process CPU per delivered frame ({RESOLUTION} MJPEG, {FPS} fps), "
        f"medians of {rounds} interleaved rounds; idle Home Assistant "
        f"{median(results['idle']):.2f} % of a core"
    )
    print(
        "| viewers | ipcam ms/frame | core mjpeg ms/frame | ratio | net of idle: ipcam | "
        "core mjpeg | ratio | per-round ratios, quartiles (net) | fps per viewer "
        "(ipcam / core) | camera connections (ipcam / core) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for viewers in results["viewers"]:
        ours, core = (raw[(n, viewers)] for n in ("ipcam", "core mjpeg"))
        ours_net, core_net = (net[(n, viewers)] for n in ("ipcam", "core mjpeg"))
        # The ratio of each round, then their median: both cameras of a round share its load.
        ratios = [a / b for a, b in zip(ours, core, strict=True)]
        ratios_net = [a / b for a, b in zip(ours_net, core_net, strict=True)]
        print(
            f"| {viewers} | {median(ours):.3f} | {median(core):.3f} | {median(ratios):.2f} "
            f"| {median(ours_net):.3f} | {median(core_net):.3f} | {median(ratios_net):.2f} "
            f"| {_quartiles(ratios)} ({_quartiles(ratios_net)}) "
            f"| {median(fps[('ipcam', viewers)]):.1f} / {median(fps[('core mjpeg', viewers)]):.1f} "
            f"| {max(connections[('ipcam', viewers)])} / "
            f"{max(connections[('core mjpeg', viewers)])} |"
        )
    stills = results["stills"]
    ours_still, core_still = median(stills["ipcam"]) * 1000, median(stills["core mjpeg"]) * 1000
    print(
        f"\nstill (/api/camera_proxy) p50: ipcam {ours_still:.1f} ms, core mjpeg "
        f"{core_still:.1f} ms, ratio {ours_still / core_still:.2f} "
        f"({len(stills['ipcam'])} each)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--viewers", default="1,4,8")
    parser.add_argument("--stills", type=int, default=20, help="stills per camera and round")
    args = parser.parse_args()
    folder, home = temporary_home()
    farm = SimFarm(
        [
            {
                "vendor": "cgi",
                "username": USERNAME,
                "password": PASSWORD,
                "max_streams": 16,
                "resolution": RESOLUTION,
                "fps": FPS,
            }
        ],
        log=Path(folder.name) / "simulators.log",
    )
    try:
        print("starting Home Assistant...", flush=True)
        home.start()
        cameras = set_up(home, farm)
        print(f"  cameras: {cameras}", flush=True)
        results = asyncio.run(measure(home, farm, cameras, args))
        report(results, args.rounds)
    finally:
        home.stop()
        farm.stop()
        folder.cleanup()


if __name__ == "__main__":
    main()
