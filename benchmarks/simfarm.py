"""Many simulated cameras in one child process, driven over its stdin (for the benchmarks).

``python -m simulator`` runs one camera per process; a load test wants fifty, and
a benchmark wants to set what the command line does not offer (an IPCamCGI
camera that serves more than its usual three streams, so Home Assistant's core
``mjpeg`` camera can open one per viewer). ``SimFarm`` starts this module as a
child process with a list of cameras; each gets its own port and so its own
identity (MAC / serial / camera ID derived from the port, see ``simulator/identity.py``).

Commands are JSON lines on stdin, answers JSON lines on stdout:

- ``{"cmd": "state", "index": i}``: that camera's control-API state;
- ``{"cmd": "alarms", "push": [i, ...], "polled": [j, ...], "seconds": s,
  "polled_period": p}``: each camera in ``push`` raises an alarm every second
  (on, then off half a second later), each in ``polled`` every ``p`` seconds (on
  for half the period), spread evenly over the second; the answer lists every
  change as ``[index, kind, active, time.monotonic()]`` (the clock every process
  on the machine shares);
- ``{"cmd": "pulse", "index": i, "count": n, "interval": s}``: ``n`` changes of that
  camera's alarm (on, off, on, ...) ``s`` seconds apart, answered the same way;
- ``{"cmd": "quit"}``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The alarm each family raises in the benchmarks (the simulators' push_event kinds).
ALARM_KIND = {"dvrip": "motion", "foscam": "motion", "grandstream": "motion", "cgi": "input"}


class SimFarm:
    """The child process and its cameras (``cameras``: vendor, ports, index each)."""

    def __init__(self, specs: list[dict[str, Any]], *, log: Path | None = None) -> None:
        stderr: IO[bytes] | int = log.open("ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), json.dumps(specs)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        ready = self._read()
        self.cameras: list[dict[str, Any]] = ready["cameras"]

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the simulator farm ended (see its log)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def command(self, **command: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self._read()

    def state(self, index: int) -> dict[str, Any]:
        state: dict[str, Any] = self.command(cmd="state", index=index)["state"]
        return state

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.command(cmd="quit")
            except (OSError, RuntimeError, ValueError):
                pass
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# --- the child process ----------------------------------------------------------------------------


async def _start(spec: dict[str, Any]) -> Any:
    from custom_components.ipcam.protocols.cgi.groups import RESOLUTIONS
    from simulator.cgi import CgiCamera
    from simulator.registry import simulator_class

    vendor = spec["vendor"]
    camera = simulator_class(vendor)(
        host="127.0.0.1",
        port=0,
        username=spec.get("username", "admin"),
        password=spec.get("password", ""),
        **spec.get("options", {}),
    )
    if isinstance(camera, CgiCamera):
        if "max_streams" in spec:
            camera.max_streams = int(spec["max_streams"])
        if "resolution" in spec or "fps" in spec:
            size = tuple(int(v) for v in spec.get("resolution", "320x240").split("x"))
            index = next(i for i, s in RESOLUTIONS.items() if s == size)
            camera.image = dataclasses.replace(
                camera.image, video_resolution=index, frame_rate=int(spec.get("fps", 0))
            )
    await camera.start()
    return camera


async def _alarms(cameras: list[Any], command: dict[str, Any]) -> list[list[Any]]:
    seconds = float(command["seconds"])
    push: list[int] = command.get("push", [])
    polled: list[int] = command.get("polled", [])
    period = float(command.get("polled_period", 3.0))
    loop = asyncio.get_running_loop()
    changes: list[list[Any]] = []
    # (when, index, active): alarms spread over each second so they do not all coincide.
    plan: list[tuple[float, int, bool]] = []
    everyone = [(i, 1.0) for i in push] + [(i, period) for i in polled]
    for slot, (index, every) in enumerate(everyone):
        offset = slot / max(len(everyone), 1)
        start = offset
        while start + every / 2 < seconds:
            plan += [(start, index, True), (start + every / 2, index, False)]
            start += every
    plan.sort()
    began = loop.time()
    for when, index, active in plan:
        delay = began + when - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        camera = cameras[index]
        kind = ALARM_KIND[camera.vendor]
        changes.append([index, kind, active, time.monotonic()])
        await camera.push_event(kind, active, 0)
    return changes


async def _pulse(cameras: list[Any], command: dict[str, Any]) -> list[list[Any]]:
    index = int(command["index"])
    camera = cameras[index]
    kind = ALARM_KIND[camera.vendor]
    changes: list[list[Any]] = []
    for number in range(int(command["count"])):
        active = number % 2 == 0
        changes.append([index, kind, active, time.monotonic()])
        await camera.push_event(kind, active, 0)
        await asyncio.sleep(float(command["interval"]))
    return changes


async def _serve(specs: list[dict[str, Any]]) -> None:
    cameras = [await _start(spec) for spec in specs]
    listing = [
        {"index": i, "vendor": camera.vendor, "ports": camera.ports}
        for i, camera in enumerate(cameras)
    ]
    print(json.dumps({"cameras": listing}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            command = json.loads(line)
            if command["cmd"] == "quit":
                print(json.dumps({"ok": True}), flush=True)
                break
            if command["cmd"] == "state":
                answer: dict[str, Any] = {"state": cameras[command["index"]].state()}
            elif command["cmd"] == "alarms":
                answer = {"changes": await _alarms(cameras, command)}
            elif command["cmd"] == "pulse":
                answer = {"changes": await _pulse(cameras, command)}
            else:
                answer = {"error": f"unknown command {command['cmd']!r}"}
            print(json.dumps(answer, default=str), flush=True)
    finally:
        for camera in cameras:
            await camera.stop()


if __name__ == "__main__":
    asyncio.run(_serve(json.loads(sys.argv[1])))
