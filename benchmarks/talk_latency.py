"""Talk-back: delay from the request to the first audio packet at the camera, and pacing jitter.

For each talk-capable family, against its simulator on 127.0.0.1: a 5 s 440 Hz
tone is decoded from a WAV file with PyAV (as the Home Assistant action does) and
sent with the client's paced talk. Figures:

- start delay: request -> first talk packet decoded by the simulated camera (ms)
- interval: mean and standard deviation of the gaps between talk packets (ms),
  against the packets' audio duration
- lead: how far the sender ran ahead of real time at the end (ms) — the audio the
  camera buffered
- dominant frequency and duration of what the camera received

Run: ``.venv/bin/python benchmarks/talk_latency.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custom_components.ipcam.protocols import open_client
from custom_components.ipcam.protocols.audio.decode import decode_to_pcm
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm, wav_bytes
from simulator.registry import simulator_class

VENDORS = {"foscam": {}, "dvrip": {"channel": 0}, "grandstream": {}}
SECONDS = 5.0


async def one_run(vendor: str, tone: Path) -> dict[str, float]:
    camera = simulator_class(vendor)(host="127.0.0.1", username="admin", password="bench")
    await camera.start()
    port = next(iter(camera.ports.values()))
    client = open_client(vendor, "127.0.0.1", port, "admin", "bench", **VENDORS[vendor])
    try:
        await client.connect()
        started = time.time()
        sent = await client.talk(decode_to_pcm(str(tone)))
        finished = time.time()
        await asyncio.sleep(0.5)
        arrivals = list(camera.talk_arrivals)
        gaps = [b[0] - a[0] for a, b in itertools.pairwise(arrivals)]
        packet_seconds = statistics.mean(size for _, size in arrivals) / 2 / 8000
        received = bytes(camera.talk_pcm)
        return {
            "start_ms": (arrivals[0][0] - started) * 1000,
            "gap_mean_ms": statistics.mean(gaps) * 1000,
            "gap_stdev_ms": statistics.pstdev(gaps) * 1000,
            "packet_ms": packet_seconds * 1000,
            "lead_ms": (sent - (arrivals[-1][0] - arrivals[0][0])) * 1000,
            "total_s": finished - started,
            "received_s": len(received) / 16000,
            "dominant_hz": dominant_frequency(received),
        }
    finally:
        await client.close()
        await camera.stop()


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tone = Path(folder) / "tone.wav"
        tone.write_bytes(wav_bytes(tone_pcm(440, SECONDS, rate=16000), rate=16000))
        print(
            "| family | start delay ms (median / max) | packet ms | gap mean ms | gap stdev ms "
            "| received s | Hz |"
        )
        print("|---|---|---|---|---|---|---|")
        for vendor in VENDORS:
            results: list[dict[str, Any]] = [await one_run(vendor, tone) for _ in range(runs)]
            starts = [r["start_ms"] for r in results]
            print(
                f"| {vendor} | {statistics.median(starts):.0f} / {max(starts):.0f} "
                f"| {results[0]['packet_ms']:.0f} "
                f"| {statistics.mean(r['gap_mean_ms'] for r in results):.1f} "
                f"| {statistics.mean(r['gap_stdev_ms'] for r in results):.1f} "
                f"| {statistics.mean(r['received_s'] for r in results):.2f} "
                f"| {statistics.mean(r['dominant_hz'] for r in results):.0f} |"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    asyncio.run(main(parser.parse_args().runs))
