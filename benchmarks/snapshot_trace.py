"""Where a DVRIP snapshot's time goes: ipcam's client and a bare asyncio protocol, stage by stage.

``compare_dvrip.py`` times the snapshot (OPSNAP) of ipcam, of python-dvr, and of a bare
asyncio protocol on python-dvr's logged-in socket (the least a non-blocking client does).
This splits the first and the last into the same stages, from ``perf_counter`` stamps
taken in this process only, on the same simulated camera, rounds alternating:

- **call → send**: from the call to the request's socket write (encoding included);
- **send → sent**: the write (the kernel's ``send``: the same for both);
- **sent → read**: the camera's answer on its way (the same camera);
- **read → reply handed over**: the reply read and decoded until its waiter is woken;
- **reply → read done**: the rest of the read's callback;
- **read done → returned**: the event loop's next pass, the waiting task run.

ipcam's stages come from wrapping public methods for this run (``TcpConnection.write`` and
``data_received``, ``DvripSession.next_event``); each stamp costs about 0.1 µs, on both
sides. Medians over every snapshot of every round.

Run: ``.venv/bin/python benchmarks/snapshot_trace.py [--rounds 15] [--samples 50]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from compare_dvrip import PASSWORD, USERNAME, bare_snapshot, configure
from hass_bench import median
from simfarm import SimFarm

from custom_components.ipcam.protocols import transport
from custom_components.ipcam.protocols.dvrip import session
from custom_components.ipcam.protocols.dvrip.client import Client

STAGES = ("call", "send", "sent", "read", "woken", "read done", "returned")
LABELS = {
    "send": "call → send (encoding included)",
    "sent": "send → sent (the kernel's send)",
    "read": "sent → read (the camera)",
    "woken": "read → reply handed over",
    "read done": "reply → read done",
    "returned": "read done → returned (the loop's next pass)",
}


class Trace:
    """Stamps in order; ``split`` cuts them into snapshots and stage durations."""

    def __init__(self) -> None:
        self.stamps: list[tuple[str, float]] = []

    def stamp(self, stage: str) -> None:
        self.stamps.append((stage, time.perf_counter()))

    def split(self) -> dict[str, list[float]]:
        """Per stage (and "total"), its duration in each snapshot that has all stages;
        a stage's first stamp in a snapshot counts (a keep-alive's write comes later)."""
        durations: dict[str, list[float]] = {}
        current: dict[str, float] | None = None
        for stage, at in self.stamps:
            if stage == "call":
                current = {"call": at}
            elif current is not None:
                current.setdefault(stage, at)
                if stage == "returned":
                    if all(name in current for name in STAGES):
                        for before, after in itertools.pairwise(STAGES):
                            durations.setdefault(after, []).append(current[after] - current[before])
                        durations.setdefault("total", []).append(
                            current["returned"] - current["call"]
                        )
                    current = None
        self.stamps.clear()
        return durations


def _wrap(trace: Trace) -> None:
    """Stamp ipcam's stages through its public methods (this process only)."""
    write, received = transport.TcpConnection.write, transport.TcpConnection.data_received
    next_event = session.DvripSession.next_event

    def traced_write(self: transport.TcpConnection, data: bytes) -> None:
        trace.stamp("send")
        write(self, data)
        trace.stamp("sent")

    def traced_received(self: transport.TcpConnection, data: bytes) -> None:
        trace.stamp("read")
        received(self, data)
        trace.stamp("read done")

    def traced_next_event(self: session.DvripSession) -> Any:
        event = next_event(self)
        if isinstance(event, session.Reply):
            trace.stamp("woken")
        return event

    transport.TcpConnection.write = traced_write  # type: ignore[method-assign]
    transport.TcpConnection.data_received = traced_received  # type: ignore[method-assign]
    session.DvripSession.next_event = traced_next_event  # type: ignore[method-assign]


async def ours(port: int, count: int, trace: Trace) -> None:
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    try:
        for _ in range(count):
            trace.stamp("call")
            await client.snapshot()
            trace.stamp("returned")
    finally:
        await client.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--samples", type=int, default=50, help="snapshots per round and side")
    args = parser.parse_args()
    trace = Trace()
    _wrap(trace)
    results: dict[str, dict[str, list[float]]] = {"ipcam": {}, "bare asyncio": {}}
    farm = SimFarm([{"vendor": "dvrip", "username": USERNAME, "password": PASSWORD}])
    try:
        port = int(farm.cameras[0]["ports"]["dvrip"])
        asyncio.run(configure(port))
        for round_number in range(args.rounds):
            sides = ["ipcam", "bare asyncio"]
            if round_number % 2:
                sides.reverse()
            for side in sides:
                trace.stamps.clear()
                if side == "ipcam":
                    asyncio.run(ours(port, args.samples, trace))
                else:
                    bare_snapshot(port, args.samples, trace.stamp)
                for stage, values in trace.split().items():
                    results[side].setdefault(stage, []).extend(values)
    finally:
        farm.stop()
    ipcam, bare = results["ipcam"], results["bare asyncio"]
    print(f"\nsnapshot stages, medians of {args.rounds} rounds x {args.samples} snapshots (µs)")
    print("| stage | ipcam | bare asyncio | difference |")
    print("|---|---|---|---|")
    for stage, label in [*LABELS.items(), ("total", "**total**")]:
        if stage in ipcam and stage in bare:
            ours_us, bare_us = median(ipcam[stage]) * 1e6, median(bare[stage]) * 1e6
            print(f"| {label} | {ours_us:.1f} | {bare_us:.1f} | {ours_us - bare_us:+.1f} |")
    client_stages = ("send", "woken", "read done", "returned")
    for side, stages in results.items():
        own = sum(median(stages[stage]) for stage in client_stages if stage in stages) * 1e6
        print(f"{side}: {own:.1f} µs of its own on the critical path (all but send, camera)")


if __name__ == "__main__":
    main()
