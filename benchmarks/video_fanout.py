"""Live view fan-out: one camera connection shared by N viewers.

Against the IPCamCGI simulator (640x480 MJPEG at 20 fps) and the DVRIP simulator
(640x480 H.264 at 25 fps), N subscribers read the integration's VideoHub for a
fixed time. Figures: frames per second each viewer gets, camera connections
opened, CPU time of this process per delivered frame (client + hub + simulator,
all in one process), and the peak of Python memory allocations (tracemalloc).

Run: ``.venv/bin/python benchmarks/video_fanout.py [--seconds S]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.base import SettingKey
from custom_components.ipcam.video_hub import VideoHub
from simulator.registry import simulator_class


async def run(vendor: str, viewers: int, seconds: float) -> dict[str, float]:
    camera = simulator_class(vendor)(host="127.0.0.1", username="admin", password="bench")
    await camera.start()
    port = next(iter(camera.ports.values()))
    client = open_client(vendor, "127.0.0.1", port, "admin", "bench", channel=0)
    await client.connect()
    if vendor == "cgi":
        await client.write_setting(SettingKey.RESOLUTION, "640x480")
        await client.write_setting(SettingKey.FRAME_RATE, "20")
    hub = VideoHub(client)
    counts = [0] * viewers

    async def viewer(index: int) -> None:
        async for _frame in hub.frames():
            counts[index] += 1

    tracemalloc.start()
    cpu_start = time.process_time()
    tasks = [asyncio.create_task(viewer(i)) for i in range(viewers)]
    await asyncio.sleep(seconds)
    cpu = time.process_time() - cpu_start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await hub.close()
    await client.close()
    await camera.stop()
    delivered = sum(counts)
    return {
        "fps": delivered / viewers / seconds,
        "upstream": hub.upstream_connections,
        "cpu_ms_per_frame": cpu * 1000 / max(delivered, 1),
        "peak_mib": peak / 2**20,
    }


async def main(seconds: float) -> None:
    print(
        "| camera | viewers | fps per viewer | camera connections | CPU ms / delivered frame "
        "| peak Python memory MiB |"
    )
    print("|---|---|---|---|---|---|")
    for vendor in ("cgi", "dvrip"):
        for viewers in (1, 4, 16):
            r = await run(vendor, viewers, seconds)
            print(
                f"| {vendor} | {viewers} | {r['fps']:.1f} | {r['upstream']:.0f} "
                f"| {r['cpu_ms_per_frame']:.2f} | {r['peak_mib']:.1f} |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    asyncio.run(main(parser.parse_args().seconds))
