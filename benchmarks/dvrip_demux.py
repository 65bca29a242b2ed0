"""CPU time of DVRIP live video on the client side: ``client.video()`` against python-dvr.

The DVRIP simulator runs in a child process (``python -m simulator``), so the
CPU time measured here (``time.process_time()``) is the client's alone. It is
set to 1280x720 H.264 at 25 fps with G.711 audio on (one audio frame per video
frame, as XM cameras send it), and streams in real time. Both clients read the
same stream on their own connection:

- ours: ``async for frame in client.video()`` (frames handed over as ``VideoFrame``);
- python-dvr (PyPI ``python-dvr``, module ``dvrip``): ``DVRIPCam.start_monitor``
  with a callback, its blocking socket loop in this process's main thread.

After ``--warmup`` frames, the CPU time spent while ``--frames`` more video frames
arrive is taken; the figure is CPU milliseconds per 1,000 video frames.

Run: ``.venv/bin/python benchmarks/dvrip_demux.py [--frames N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ipcam.protocols.base import SettingKey
from custom_components.ipcam.protocols.dvrip.client import Client

ROOT = Path(__file__).resolve().parent.parent

USERNAME = "admin"
PASSWORD = "bench"
RESOLUTION = "1280x720"
FPS = 25


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    """The DVRIP simulator in a child process; its DVRIP port."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--vendor", "dvrip", "--password", PASSWORD],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    return process, int(ready["ports"]["dvrip"])


async def configure(port: int) -> None:
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    try:
        await client.write_setting(SettingKey.RESOLUTION, RESOLUTION)
        await client.write_setting(SettingKey.FRAME_RATE, str(FPS))
    finally:
        await client.close()


async def ours(port: int, warmup: int, frames: int) -> tuple[float, float]:
    """CPU and wall seconds for ``frames`` video frames of ``client.video()``."""
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    count = 0
    cpu_start = wall_start = 0.0
    video = client.video()
    try:
        async for _frame in video:
            count += 1
            if count == warmup:
                cpu_start, wall_start = time.process_time(), time.perf_counter()
            elif count == warmup + frames:
                break
    finally:
        await video.aclose()
        await client.close()
    return time.process_time() - cpu_start, time.perf_counter() - wall_start


def python_dvr(port: int, warmup: int, frames: int) -> tuple[float, float]:
    """The same with python-dvr's blocking monitor loop."""
    import dvrip  # python-dvr

    cam: Any = dvrip.DVRIPCam("127.0.0.1", port=port, user=USERNAME, password=PASSWORD)
    cam.connect(timeout=5)
    if not cam.login():
        raise SystemExit("python-dvr could not log in")
    state = {"count": 0, "cpu": 0.0, "wall": 0.0, "cpu_end": 0.0, "wall_end": 0.0}

    def on_frame(_data: bytes, meta: dict[str, Any], _user: object) -> None:
        if meta.get("frame") not in ("I", "P"):
            return  # audio
        state["count"] += 1
        if state["count"] == warmup:
            state["cpu"], state["wall"] = time.process_time(), time.perf_counter()
        elif state["count"] == warmup + frames:
            state["cpu_end"], state["wall_end"] = time.process_time(), time.perf_counter()
            cam.stop_monitor()

    try:
        cam.start_monitor(on_frame)
    finally:
        cam.close()
    return state["cpu_end"] - state["cpu"], state["wall_end"] - state["wall"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=50)
    args = parser.parse_args()
    process, port = start_simulator()
    try:
        asyncio.run(configure(port))
        our_cpu, our_wall = asyncio.run(ours(port, args.warmup, args.frames))
        dvr_cpu, dvr_wall = python_dvr(port, args.warmup, args.frames)
    finally:
        process.terminate()
        process.wait(10)
    per_1000 = 1000 / args.frames
    print(f"{RESOLUTION} H.264 {FPS} fps + G.711 audio, {args.frames} video frames each")
    print("| client | CPU ms / 1,000 video frames | fps received |")
    print("|---|---|---|")
    for name, cpu, wall in (
        ("ipcam client.video()", our_cpu, our_wall),
        ("python-dvr start_monitor", dvr_cpu, dvr_wall),
    ):
        print(f"| {name} | {cpu * 1000 * per_1000:.0f} | {args.frames / wall:.1f} |")
    print(f"ratio ipcam / python-dvr: {our_cpu / dvr_cpu:.2f}")


if __name__ == "__main__":
    main()
