"""Many cameras in one Home Assistant: set-up time, memory, idle CPU, alarm latency.

``--cameras`` simulated cameras (default 50; the four families in turn) run in
child processes (``simfarm.py``), each on a port of its own and so with an
identity of its own (MAC / serial / camera ID). One real Home Assistant
(``hass_bench.BenchHome``) adds them through the integration's config flow over
the REST API, as a user would:

1. **memory of the first camera**: Home Assistant's resident memory (RSS) before
   and after the first camera is added (this includes importing the integration
   and what it depends on: ``camera``, ``stream``, PyAV);
2. **set-up**: every other camera added at once (all flows in parallel); the time
   from the first request until every entry is loaded and has its entities, and
   the memory each further camera adds;
3. **idle CPU**: the Home Assistant process's CPU over ``--idle-seconds`` with
   every camera connected and nobody watching (push channels, keep-alives, polls);
4. **alarms**: each camera with pushed alarms (XMEye, Foscam, Grandstream) raises
   motion once a second (on, then off half a second later) for ``--alarm-seconds``;
   the IPCamCGI cameras' alarm input, which the integration polls every second, goes
   on and off every ``--polled-period`` seconds. Latency: from just before the
   simulator sends the alarm to the moment its ``state_changed`` arrives on Home
   Assistant's websocket (every process reads the same ``time.monotonic``); an
   alarm change without its state change is *lost*;
5. with ``--restart``: Home Assistant restarted, the time until every entry is loaded.

Run: ``.venv/bin/python benchmarks/load.py [--cameras 50] [--alarm-seconds 30]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hass_bench import (
    BenchHome,
    StateWatch,
    cpu_seconds,
    ipcam_fields,
    median,
    percentile,
    rss_mib,
    temporary_home,
)
from simfarm import SimFarm

USERNAME = "admin"
PASSWORD = "bench"
FAMILIES = ("dvrip", "foscam", "grandstream", "cgi")
PORT_NAMES = {"dvrip": "dvrip", "foscam": "foscam", "grandstream": "http", "cgi": "http"}
PUSHED = ("dvrip", "foscam", "grandstream")
SENSOR_KEY = {"dvrip": "motion", "foscam": "motion", "grandstream": "motion", "cgi": "input_1"}


def camera_port(camera: dict[str, Any]) -> int:
    ports: dict[str, int] = camera["ports"]
    return int(ports.get(PORT_NAMES[camera["vendor"]]) or next(iter(ports.values())))


async def add_camera(
    session: aiohttp.ClientSession, home: BenchHome, camera: dict[str, Any]
) -> dict[str, Any]:
    """The integration's config flow for one camera; its entry (``create_entry`` result)."""
    headers = {"Authorization": f"Bearer {home.token}"}
    base = f"{home.url}/api/config/config_entries/flow"
    vendor = camera["vendor"]
    fields = ipcam_fields(vendor, camera_port(camera), USERNAME, PASSWORD)
    async with session.post(base, json={"handler": "ipcam"}, headers=headers) as response:
        flow = await response.json()
    result: dict[str, Any] = {}
    for step in ({"vendor": vendor}, fields):
        async with session.post(f"{base}/{flow['flow_id']}", json=step, headers=headers) as r:
            result = await r.json()
    if result.get("type") != "create_entry":
        raise RuntimeError(f"camera {camera['index']} ({vendor}): {result}")
    entry: dict[str, Any] = result["result"]
    return entry


async def add_cameras(home: BenchHome, cameras: list[dict[str, Any]]) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        return list(await asyncio.gather(*(add_camera(session, home, c) for c in cameras)))


def wait_loaded(home: BenchHome, entry_ids: set[str], seconds: float = 300) -> float:
    """Wait until every entry is loaded and has a binary sensor; the monotonic time then."""
    deadline = time.monotonic() + seconds
    while True:
        (entries,) = home.websocket({"type": "config_entries/get", "domain": "ipcam"})
        loaded = {e["entry_id"] for e in entries if e["state"] == "loaded"}
        if entry_ids <= loaded:
            (registry,) = home.websocket({"type": "config/entity_registry/list"})
            with_sensors = {
                e["config_entry_id"]
                for e in registry
                if e["entity_id"].startswith("binary_sensor.") and e.get("platform") == "ipcam"
            }
            if entry_ids <= with_sensors:
                return time.monotonic()
        if time.monotonic() > deadline:
            states = {e["entry_id"]: e["state"] for e in entries if e["entry_id"] in entry_ids}
            raise RuntimeError(f"entries not loaded in time: {states}")
        time.sleep(0.05)


def alarm_sensors(home: BenchHome, entries: list[dict[str, Any]], vendors: list[str]) -> list[str]:
    """The alarm binary sensor of each camera (motion; IPCamCGI: its alarm input)."""
    (registry,) = home.websocket({"type": "config/entity_registry/list"})
    sensors = []
    for entry, vendor in zip(entries, vendors, strict=True):
        found = [
            e["entity_id"]
            for e in registry
            if e.get("config_entry_id") == entry["entry_id"]
            and e["entity_id"].startswith("binary_sensor.")
            and e.get("translation_key") == SENSOR_KEY[vendor]
        ]
        if not found:
            raise RuntimeError(f"no {SENSOR_KEY[vendor]} sensor for {entry['title']}")
        sensors.append(sorted(found)[0])
    return sensors


async def alarms(
    home: BenchHome,
    farms: list[tuple[SimFarm, list[int]]],
    sensors: list[str],
    vendors: list[str],
    args: argparse.Namespace,
) -> dict[str, Any]:
    owner = {entity: index for index, entity in enumerate(sensors)}
    arrivals: dict[int, list[tuple[bool, float]]] = defaultdict(list)

    def on_change(entity_id: str, state: str, at: float) -> None:
        if state in ("on", "off"):
            arrivals[owner[entity_id]].append((state == "on", at))

    assert home.token is not None
    async with StateWatch(home.url, home.token, on_change, sensors):
        commands = []
        for farm, indices in farms:
            local = {index: position for position, index in enumerate(indices)}
            push = [local[i] for i in indices if vendors[i] in PUSHED]
            polled = [local[i] for i in indices if vendors[i] not in PUSHED]
            commands.append(
                asyncio.to_thread(
                    farm.command,
                    cmd="alarms",
                    push=push,
                    polled=polled,
                    seconds=args.alarm_seconds,
                    polled_period=args.polled_period,
                )
            )
        answers = await asyncio.gather(*commands)
        await asyncio.sleep(3)  # the last changes arrive
    changes: dict[int, list[tuple[bool, float]]] = defaultdict(list)
    for (_farm, indices), answer in zip(farms, answers, strict=True):
        for local_index, _kind, active, sent in answer["changes"]:
            changes[indices[local_index]].append((active, sent))
    latencies: dict[str, list[float]] = defaultdict(list)
    lost: dict[str, int] = defaultdict(int)
    sent_count: dict[str, int] = defaultdict(int)
    for index, sent in changes.items():
        family = vendors[index]
        got = list(arrivals[index])
        for active, at in sent:
            sent_count[family] += 1
            # The first arrival of this state after it was sent (a polled input may be seen
            # late; a state change that never comes is lost).
            match = next((g for g in got if g[0] == active and g[1] >= at), None)
            if match is None:
                lost[family] += 1
                continue
            got = got[got.index(match) + 1 :]
            latencies[family].append(match[1] - at)
    return {"latencies": latencies, "lost": lost, "sent": sent_count}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cameras", type=int, default=50)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--farms", type=int, default=2, help="simulator processes")
    parser.add_argument("--idle-seconds", type=float, default=30.0)
    parser.add_argument("--alarm-seconds", type=float, default=30.0)
    parser.add_argument("--polled-period", type=float, default=3.0)
    parser.add_argument("--restart", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    families = args.families.split(",")
    vendors = [families[i % len(families)] for i in range(args.cameras)]
    folder, home = temporary_home()
    farms: list[tuple[SimFarm, list[int]]] = []
    try:
        for number in range(args.farms):
            indices = list(range(number, args.cameras, args.farms))
            specs = [
                {"vendor": vendors[i], "username": USERNAME, "password": PASSWORD} for i in indices
            ]
            farm = SimFarm(specs, log=Path(folder.name) / f"simulators-{number}.log")
            farms.append((farm, indices))
        cameras: list[dict[str, Any]] = [{} for _ in vendors]
        for farm, indices in farms:
            for camera, index in zip(farm.cameras, indices, strict=True):
                cameras[index] = {**camera, "index": index}
        print(f"{args.cameras} simulated cameras: {', '.join(families)} in turn", flush=True)
        home.start()
        time.sleep(10)  # settle after the start
        gc.collect()
        rss_base = rss_mib(home.pid)
        start = time.monotonic()
        first = asyncio.run(add_cameras(home, cameras[:1]))
        first_done = wait_loaded(home, {first[0]["entry_id"]})
        first_seconds = first_done - start
        time.sleep(5)
        rss_first = rss_mib(home.pid)
        start = time.monotonic()
        rest = asyncio.run(add_cameras(home, cameras[1:]))
        added = time.monotonic()
        done = wait_loaded(home, {entry["entry_id"] for entry in rest})
        setup_seconds = done - start
        entries = first + rest
        time.sleep(10)
        rss_all = rss_mib(home.pid)
        cpu = cpu_seconds(home.pid)
        time.sleep(args.idle_seconds)
        idle_percent = (cpu_seconds(home.pid) - cpu) / args.idle_seconds * 100
        sensors = alarm_sensors(home, entries, vendors)
        result = asyncio.run(alarms(home, farms, sensors, vendors, args))
        restart_seconds = None
        if args.restart:
            home.supervise_in_background()
            began = time.monotonic()
            home.restart(seconds=300)
            restart_seconds = time.monotonic() - began
    finally:
        home.stop()
        for farm, _indices in farms:
            farm.stop()
        folder.cleanup()

    further = args.cameras - 1
    print(f"\n{args.cameras} cameras ({', '.join(f'{vendors.count(f)} {f}' for f in families)})")
    print("| what | figure |")
    print("|---|---|")
    print(f"| first camera: added and loaded | {first_seconds:.2f} s |")
    print(
        f"| {further} more, all at once: requests answered / every entry loaded | "
        f"{added - start:.2f} s / {setup_seconds:.2f} s |"
    )
    if restart_seconds is not None:
        print(
            f"| restart of Home Assistant until all {args.cameras} entries are loaded | "
            f"{restart_seconds:.1f} s |"
        )
    print(f"| memory: Home Assistant before any camera | {rss_base:.0f} MiB |")
    print(f"| memory: the first camera (imports included) | {rss_first - rss_base:.1f} MiB |")
    print(f"| memory: each further camera | {(rss_all - rss_first) / further:.2f} MiB |")
    print(
        f"| idle CPU, {args.cameras} cameras | {idle_percent:.1f} % of a core "
        f"({idle_percent / args.cameras:.2f} % per camera) |"
    )
    latencies, lost, sent = result["latencies"], result["lost"], result["sent"]
    pushed = [value for family in PUSHED for value in latencies.get(family, [])]
    pushed_sent = sum(sent.get(family, 0) for family in PUSHED)
    pushed_lost = sum(lost.get(family, 0) for family in PUSHED)
    print(
        f"| pushed alarms (XMEye, Foscam, Grandstream): changes sent / lost | "
        f"{pushed_sent} / {pushed_lost} |"
    )
    print(
        f"| pushed alarm → state p50 / p99 / max | {median(pushed) * 1000:.1f} / "
        f"{percentile(pushed, 0.99) * 1000:.1f} / {max(pushed, default=0) * 1000:.1f} ms |"
    )
    for family in families:
        values = latencies.get(family, [])
        print(
            f"| {family}: sent / lost, p50 / p99 | {sent.get(family, 0)} / {lost.get(family, 0)}, "
            f"{median(values) * 1000:.1f} / {percentile(values, 0.99) * 1000:.1f} ms |"
        )


if __name__ == "__main__":
    main()
