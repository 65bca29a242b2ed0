"""ipcam's DVRIP client against python-dvr, side by side on the same simulated camera.

python-dvr (PyPI ``python-dvr``, module ``dvrip``) is the blocking Python library
people reach for; it is driven the way its README and ``tests/simulator/
test_dvrip_third_party.py`` drive it. The DVRIP simulator runs in a child
process (``simfarm.py``) set to 1280x720 H.264 at 25 fps with G.711 audio (one
audio frame per video frame, as XM cameras send it), so the CPU time measured
here is the client's alone. Every round runs each measurement for both clients
(the order alternates between rounds); figures are medians over the rounds and
the ratio is ipcam / python-dvr (below 1: ipcam is faster or cheaper).

- **connect**: ipcam ``Client.connect()`` as the integration calls it at every
  start but a camera's first: given what the last connect learnt
  (``recall(memory())``: login and SystemInfo, the rest from memory when the same
  device and firmware answer) + ``close()``; python-dvr ``connect()`` + ``login()``
  + ``get_system_info()`` + ``close()``. Wall time.
- **connect-first**: the same for a camera ipcam has not met (set-up, new
  firmware): login, SystemInfo and the abilities and configs it needs.
- **snapshot**: OPSNAP on a logged-in client; wall time. Beside them, the floor of any
  non-blocking client: after python-dvr's login, a bare asyncio protocol on its socket (no
  session, no checks, no layers) sends the same request and waits for the reply's packet.
- **first frame**: from nothing to the first video frame: connect, log in, claim
  and start the stream (ipcam ``video()`` on a new client: the integration's
  video upstream does exactly that; python-dvr ``login()`` + ``start_monitor``).
- **alarm**: the simulator raises motion on/off; from just before it sends the
  1504 message to the client handing the alarm over (ipcam ``events()``,
  python-dvr's alarm thread and callback). Both processes read ``time.monotonic``.
- **demux CPU**: CPU time of this process per 1,000 video frames received in
  real time (ipcam ``stream_media()`` with a callback, as the integration's video
  upstream runs it; python-dvr ``start_monitor`` with a callback).
- **relay** (``--relay``): the live stream made into MPEG-TS for an FFmpeg-based
  consumer, each in a process of its own, CPU of every process involved per
  frame: ipcam's client + ``VideoHub`` + ``mpegts_relay`` serving the TS over
  HTTP to ``curl -o /dev/null`` (curl not counted: it stands for Home
  Assistant's stream worker) against python-dvr's frames written to
  ``ffmpeg -f h264 -i pipe: -c copy -f mpegts /dev/null`` (python-dvr's process
  and ffmpeg's counted). With the camera's audio on (the default), both sides carry
  it as AAC at 16 kHz: ipcam's relay encodes it, and python-dvr's G.711 goes
  through a FIFO to the same ffmpeg (``-f alaw -i FIFO -c:a aac -ar 16000 -b:a 32k``).

Run: ``.venv/bin/python benchmarks/compare_dvrip.py [--rounds 5] [--frames 500]``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hass_bench import cpu_seconds, median
from simfarm import SimFarm

from custom_components.ipcam.coordinator import CODED_READ_EVERY
from custom_components.ipcam.protocols.base import BATCHED_READS_AFTER, SettingKey
from custom_components.ipcam.protocols.dvrip.client import Client

USERNAME = "admin"
PASSWORD = "bench"
RESOLUTION = "1280x720"
FPS = 25
# How far apart the live stream's socket reads may be batched (the integration's value for
# coded video; --read-every overrides it, 0 reads each packet as it comes).
READ_EVERY = {"seconds": CODED_READ_EVERY, "audio": 1.0}
HERE = Path(__file__).resolve()


def dvr_cam(port: int, timeout: float = 5) -> Any:
    import dvrip  # python-dvr

    cam = dvrip.DVRIPCam("127.0.0.1", port=port, user=USERNAME, password=PASSWORD)
    cam.connect(timeout=timeout)
    return cam


def dvr_close(cam: Any) -> None:
    cam.close()
    if cam.alive is not None:
        cam.alive.cancel()


async def configure(port: int, audio: bool = True) -> None:
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    try:
        await client.write_setting(SettingKey.RESOLUTION, RESOLUTION)
        await client.write_setting(SettingKey.FRAME_RATE, str(FPS))
        if not audio:  # the stream's AudioEnable off: video alone on both sides
            encode = await client.get_config("Simplify.Encode")
            encode[0]["MainFormat"]["AudioEnable"] = False
            await client.set_config("Simplify.Encode", encode)
    finally:
        await client.close()


# --- connect -------------------------------------------------------------------------------------


async def ours_connect(port: int, count: int, *, remembered: bool = True) -> list[float]:
    """``remembered``: with what a first connect learnt (the integration at every start but
    the camera's first); else every connect as the first."""
    memory = None
    if remembered:
        first = Client("127.0.0.1", port, USERNAME, PASSWORD)
        await first.connect()
        memory = first.memory()
        await first.close()
        if memory is None:
            raise RuntimeError("the camera was not remembered")
    times = []
    for _ in range(count):
        client = Client("127.0.0.1", port, USERNAME, PASSWORD)
        if memory is not None:
            client.recall(memory)
        start = time.perf_counter()
        await client.connect()
        await client.close()
        times.append(time.perf_counter() - start)
    return times


def dvr_connect(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        start = time.perf_counter()
        cam = dvr_cam(port)
        if not cam.login() or "SerialNo" not in cam.get_system_info():
            raise RuntimeError("python-dvr could not log in")
        dvr_close(cam)
        times.append(time.perf_counter() - start)
    return times


# --- snapshot ------------------------------------------------------------------------------------


async def ours_snapshot(port: int, count: int) -> list[float]:
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    times = []
    try:
        for _ in range(count):
            start = time.perf_counter()
            image = await client.snapshot()
            times.append(time.perf_counter() - start)
            assert image.startswith(b"\xff\xd8")
    finally:
        await client.close()
    return times


def dvr_snapshot(port: int, count: int) -> list[float]:
    cam = dvr_cam(port)
    times = []
    try:
        if not cam.login():
            raise RuntimeError("python-dvr could not log in")
        for _ in range(count):
            start = time.perf_counter()
            image = cam.snapshot()
            times.append(time.perf_counter() - start)
            assert bytes(image[:2]) == b"\xff\xd8"
    finally:
        dvr_close(cam)
    return times


Stamp = Callable[[str], None]


class BareReply(asyncio.Protocol):
    """Hands over the first whole DVRIP packet it receives: nothing else (no session, no
    checks), the least an asyncio client does for a reply. ``stamp`` (None here) marks
    the stages for ``snapshot_trace.py``."""

    stamp: Stamp | None = None

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.waiter: asyncio.Future[bytes] | None = None

    def data_received(self, data: bytes) -> None:
        stamp = self.stamp
        if stamp:
            stamp("read")
        self.buffer += data
        if len(self.buffer) >= 20 and self.waiter is not None:
            size = 20 + int.from_bytes(self.buffer[16:20], "little")
            if len(self.buffer) >= size:
                packet = bytes(self.buffer[:size])
                del self.buffer[:size]
                if stamp:
                    stamp("woken")
                self.waiter.set_result(packet)
                self.waiter = None
        if stamp:
            stamp("read done")


def bare_snapshot(port: int, count: int, stamp: Stamp | None = None) -> list[float]:
    """OPSNAP from a bare asyncio protocol on python-dvr's logged-in socket."""
    cam = dvr_cam(port)
    try:
        if not cam.login():
            raise RuntimeError("python-dvr could not log in")
        cam.alive.cancel()  # its keep-alive thread must not write to the socket meanwhile
        session, sock = cam.session, cam.socket
        cam.socket = None  # the transport owns it now

        async def run() -> list[float]:
            loop = asyncio.get_running_loop()
            transport, protocol = await loop.create_connection(BareReply, sock=sock)
            protocol.stamp = stamp  # nothing is read before the first request
            times = []
            try:
                for sequence in range(count):
                    start = time.perf_counter()
                    if stamp:
                        stamp("call")
                    body = {
                        "Name": "OPSNAP",
                        "SessionID": f"0x{session:08X}",
                        "OPSNAP": {"Channel": 0},
                    }
                    payload = json.dumps(body).encode() + b"\n\x00"
                    header = struct.pack(
                        "<BB2xII2xHI", 255, 0, session, sequence, 1560, len(payload)
                    )
                    waiter = protocol.waiter = loop.create_future()
                    if stamp:
                        stamp("send")
                    transport.write(header + payload)
                    if stamp:
                        stamp("sent")
                    packet = await waiter
                    times.append(time.perf_counter() - start)
                    if stamp:
                        stamp("returned")
                    assert packet[20:22] == b"\xff\xd8"
            finally:
                transport.close()
            return times

        return asyncio.run(run())
    finally:
        dvr_close(cam)


# --- first frame ---------------------------------------------------------------------------------


async def ours_first_frame(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        client = Client("127.0.0.1", port, USERNAME, PASSWORD)
        start = time.perf_counter()
        video = client.video()
        try:
            async for _frame in video:
                times.append(time.perf_counter() - start)
                break
        finally:
            await video.aclose()
            await client.close()
        await asyncio.sleep(0.05)
    return times


def _dvr_first_frame(port: int) -> float:
    start = time.perf_counter()
    cam = dvr_cam(port)
    got: list[float] = []

    def on_frame(_data: bytes, meta: dict[str, Any], _user: object) -> None:
        if meta.get("frame") in ("I", "P") and not got:
            got.append(time.perf_counter() - start)
            cam.stop_monitor()

    try:
        if not cam.login():
            raise RuntimeError("python-dvr could not log in")
        cam.start_monitor(on_frame)
    finally:
        dvr_close(cam)
    return got[0]


def dvr_first_frame(port: int, count: int) -> list[float]:
    times = []
    for _ in range(count):
        times.append(_dvr_first_frame(port))
        time.sleep(0.05)
    return times


# --- alarms --------------------------------------------------------------------------------------


def _latencies(changes: list[list[Any]], arrivals: list[tuple[bool, float]]) -> list[float]:
    """Each change's arrival (in order, matched by on/off) minus when it was sent."""
    latencies = []
    pending = list(arrivals)
    for _index, _kind, active, sent in changes:
        while pending and pending[0][0] != active:
            pending.pop(0)  # an arrival without its change (should not happen)
        if pending:
            latencies.append(pending.pop(0)[1] - sent)
    return latencies


async def ours_alarms(farm: SimFarm, port: int, count: int) -> tuple[list[float], int]:
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    arrivals: list[tuple[bool, float]] = []

    async def listen() -> None:
        async for event in client.events():
            arrivals.append((event.active, time.monotonic()))

    task = asyncio.create_task(listen())
    try:
        await asyncio.sleep(0.5)  # the alarm connection is open and guarded
        answer = await asyncio.to_thread(
            farm.command, cmd="pulse", index=0, count=count, interval=0.05
        )
        await asyncio.sleep(0.5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
    changes = answer["changes"]
    return _latencies(changes, arrivals), len(changes) - len(arrivals)


def dvr_alarms(farm: SimFarm, port: int, count: int) -> tuple[list[float], int]:
    # A short socket timeout: python-dvr's alarm thread only notices close() on a timeout.
    cam = dvr_cam(port, timeout=0.5)
    arrivals: list[tuple[bool, float]] = []
    reader: threading.Thread | None = None
    try:
        if not cam.login():
            raise RuntimeError("python-dvr could not log in")
        cam.setAlarm(
            lambda info, _seq: arrivals.append((info.get("Status") == "Start", time.monotonic()))
        )
        # As tests/simulator/test_dvrip_third_party.py: Guard first, then its reader thread.
        cam.get_command("", cam.QCODES["AlarmSet"])
        reader = threading.Thread(target=cam.alarm_thread, args=[cam.busy], daemon=True)
        reader.start()
        time.sleep(0.5)
        changes = farm.command(cmd="pulse", index=0, count=count, interval=0.2)["changes"]
        time.sleep(0.5)
    finally:
        dvr_close(cam)
        if reader is not None:
            reader.join(5)
    return _latencies(changes, arrivals), len(changes) - len(arrivals)


# --- demux CPU -----------------------------------------------------------------------------------


async def ours_demux(port: int, warmup: int, frames: int) -> float:
    """CPU seconds of this process while ``frames`` video frames arrive through
    ``stream_media()``, the push form the integration's video upstream runs."""
    client = Client("127.0.0.1", port, USERNAME, PASSWORD)
    await client.connect()
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()
    state = {"count": 0, "cpu": 0.0}

    def on_frame(_frame: object) -> None:
        state["count"] += 1
        if state["count"] == warmup:
            state["cpu"] = time.process_time()
        elif state["count"] == warmup + frames and not done.done():
            done.set_result(time.process_time() - state["cpu"])

    stream = asyncio.create_task(client.stream_media(on_frame, read_every=READ_EVERY["seconds"]))
    try:
        await asyncio.wait((done, stream), return_when=asyncio.FIRST_COMPLETED)
        if not done.done():
            raise RuntimeError("the stream ended")
        return done.result()
    finally:
        stream.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await stream
        await client.close()


def dvr_demux(port: int, warmup: int, frames: int) -> float:
    cam = dvr_cam(port)
    if not cam.login():
        raise RuntimeError("python-dvr could not log in")
    state = {"count": 0, "cpu": 0.0, "cpu_end": 0.0}

    def on_frame(_data: bytes, meta: dict[str, Any], _user: object) -> None:
        if meta.get("frame") not in ("I", "P"):
            return  # audio
        state["count"] += 1
        if state["count"] == warmup:
            state["cpu"] = time.process_time()
        elif state["count"] == warmup + frames:
            state["cpu_end"] = time.process_time()
            cam.stop_monitor()

    try:
        cam.start_monitor(on_frame)
    finally:
        dvr_close(cam)
    return state["cpu_end"] - state["cpu"]


# --- relay (child processes) ---------------------------------------------------------------------


def relay_run(which: str, port: int, warmup: float, seconds: float) -> dict[str, float]:
    """Start the relay child; its answer: CPU seconds of the processes counted, frames."""
    child = subprocess.run(
        [
            *(sys.executable, str(HERE), "--relay-child", which, str(port), str(warmup)),
            *(str(seconds), "--read-every", str(READ_EVERY["seconds"])),
            "--audio" if READ_EVERY["audio"] else "--no-audio",
        ],
        capture_output=True,
        text=True,
        timeout=warmup + seconds + 60,
        check=False,
    )
    if child.returncode != 0:
        raise RuntimeError(f"relay child {which} failed: {child.stderr[-2000:]}")
    answer: dict[str, float] = json.loads(child.stdout.strip().splitlines()[-1])
    if answer.get("audio_dropped"):
        print(f"  {which}: {answer['audio_dropped']:.0f} audio frames dropped (the FIFO was full)")
    return answer


def _relay_child_ours(port: int, warmup: float, seconds: float) -> dict[str, float]:
    from custom_components.ipcam import mpegts_relay
    from custom_components.ipcam.protocols.mpegts import TsMuxer
    from custom_components.ipcam.video_hub import VideoHub

    counted = {"frames": 0}

    class CountingMuxer(TsMuxer):
        def mux(self, access_unit: bytes, pts: int, keyframe: bool) -> bytes:
            counted["frames"] += 1
            return super().mux(access_unit, pts, keyframe)

    # The relay makes its muxers by this name: each one it makes now counts its frames.
    setattr(mpegts_relay, "TsMuxer", CountingMuxer)  # noqa: B010

    async def run() -> dict[str, float]:
        client = Client("127.0.0.1", port, USERNAME, PASSWORD)
        await client.connect()
        hub = VideoHub(client, read_every=READ_EVERY["seconds"])
        server = mpegts_relay.LiveStreamServer(ask_pyav=False)  # curl gets the sound anyway
        url = await server.async_register(hub)
        consumer = await asyncio.create_subprocess_exec(
            "curl", "-s", "-o", "/dev/null", url, stdout=asyncio.subprocess.DEVNULL
        )
        try:
            await asyncio.sleep(warmup)
            frames, cpu = counted["frames"], time.process_time()
            await asyncio.sleep(seconds)
            return {
                "cpu": time.process_time() - cpu,
                "frames": counted["frames"] - frames,
                "seconds": seconds,
            }
        finally:
            consumer.terminate()
            await consumer.wait()
            await server.async_unregister(url)
            await hub.close()
            await client.close()

    return asyncio.run(run())


def _relay_child_dvr(port: int, warmup: float, seconds: float) -> dict[str, float]:
    # With the camera's audio on, ffmpeg does what ipcam's relay does with it: G.711 A-law
    # from a FIFO (written without blocking: a full FIFO drops, counted) to AAC at 16 kHz.
    audio = READ_EVERY["audio"] > 0
    fifo = Path(tempfile.mkdtemp()) / "audio.alaw"
    os.mkfifo(fifo)
    audio_fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # ffmpeg opens it to read
    command = ["ffmpeg", "-loglevel", "error", "-f", "h264", "-framerate", str(FPS)]
    command += ["-i", "pipe:0"]
    if audio:
        command += ["-f", "alaw", "-ar", "8000", "-ac", "1", "-i", str(fifo)]
        command += ["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-ar", "16000"]
        command += ["-ac", "1", "-b:a", "32k"]  # as ipcam encodes it
    else:
        command += ["-c", "copy"]
    command += ["-f", "mpegts", "-y", "/dev/null"]
    ffmpeg = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    assert ffmpeg.stdin is not None
    pipe = ffmpeg.stdin
    cam = dvr_cam(port)
    if not cam.login():
        raise RuntimeError("python-dvr could not log in")
    state: dict[str, float] = {"frames": 0}
    started = time.monotonic()

    def read_cpu() -> float:
        return time.process_time() + cpu_seconds(ffmpeg.pid)

    def on_frame(data: bytes, meta: dict[str, Any], _user: object) -> None:
        if audio and meta.get("type") == "g711a":
            try:
                os.write(audio_fd, data)
            except BlockingIOError:
                state["audio_dropped"] = state.get("audio_dropped", 0) + 1
            return
        if meta.get("frame") not in ("I", "P"):
            return
        pipe.write(data)
        state["frames"] += 1
        now = time.monotonic()
        if "cpu" not in state and now - started >= warmup:
            state["cpu"], state["at_frames"] = read_cpu(), state["frames"]
        elif "cpu" in state and now - started >= warmup + seconds:
            state["cpu_end"] = read_cpu()
            cam.stop_monitor()

    try:
        cam.start_monitor(on_frame)
    finally:
        dvr_close(cam)
        pipe.close()
        os.close(audio_fd)
        ffmpeg.wait(10)
        fifo.unlink()
        fifo.parent.rmdir()
    return {
        "cpu": state["cpu_end"] - state["cpu"],
        "frames": state["frames"] - state["at_frames"],
        "seconds": seconds,
        "audio_dropped": state.get("audio_dropped", 0),
    }


# --- main ----------------------------------------------------------------------------------------


def _ms(values: list[float]) -> float:
    return median(values) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, default=500, help="video frames per demux run")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--samples",
        type=int,
        default=50,
        help="connects, snapshots per round (a quarter as many first frames); at 20 the "
        "sub-millisecond figures swing by a quarter between runs",
    )
    parser.add_argument("--alarms", type=int, default=20, help="alarm changes per round")
    parser.add_argument("--relay", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument(
        "--audio",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="the camera sends G.711 with the video (--no-audio: video alone)",
    )
    parser.add_argument("--relay-seconds", type=float, default=10.0)
    parser.add_argument(
        "--read-every",
        type=float,
        default=CODED_READ_EVERY,
        help="seconds between batched live-stream reads (default: the integration's)",
    )
    parser.add_argument(
        "--only", help="comma-separated: connect,connect-first,snapshot,first,alarm,demux,relay"
    )
    parser.add_argument("--relay-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    READ_EVERY["seconds"] = args.read_every
    READ_EVERY["audio"] = 1.0 if args.audio else 0.0
    if args.relay_child:
        which, port, warmup, seconds = args.relay_child
        child = _relay_child_ours if which == "ipcam" else _relay_child_dvr
        print(json.dumps(child(int(port), float(warmup), float(seconds))))
        return
    only = set(args.only.split(",")) if args.only else None

    def wanted(name: str) -> bool:
        return (only is None or name in only) and (name != "relay" or args.relay)

    farm = SimFarm([{"vendor": "dvrip", "username": USERNAME, "password": PASSWORD}])
    try:
        port = int(farm.cameras[0]["ports"]["dvrip"])
        asyncio.run(configure(port, audio=args.audio))
        results: dict[str, dict[str, list[float]]] = {}
        lost = {"ipcam": 0, "python-dvr": 0}

        def record(metric: str, who: str, values: list[float]) -> None:
            results.setdefault(metric, {}).setdefault(who, []).extend(values)

        cases: list[tuple[str, Callable[[], list[float]], Callable[[], list[float]]]] = []
        n = args.samples
        cases.append(
            (
                "connect",
                lambda: asyncio.run(ours_connect(port, n)),
                lambda: dvr_connect(port, n),
            )
        )
        cases.append(
            (
                "connect-first",
                lambda: asyncio.run(ours_connect(port, n, remembered=False)),
                lambda: dvr_connect(port, n),
            )
        )
        cases.append(
            (
                "snapshot",
                lambda: asyncio.run(ours_snapshot(port, n)),
                lambda: dvr_snapshot(port, n),
            )
        )
        cases.append(
            (
                "first",
                lambda: asyncio.run(ours_first_frame(port, max(3, n // 4))),
                lambda: dvr_first_frame(port, max(3, n // 4)),
            )
        )

        def ours_alarm() -> list[float]:
            latencies, missing = asyncio.run(ours_alarms(farm, port, args.alarms))
            lost["ipcam"] += missing
            return latencies

        def dvr_alarm() -> list[float]:
            latencies, missing = dvr_alarms(farm, port, args.alarms)
            lost["python-dvr"] += missing
            return latencies

        cases.append(("alarm", ours_alarm, dvr_alarm))
        per_1000 = 1000 / args.frames
        # Both sides measured in the steady state: past the start that ipcam reads unbatched
        # (BATCHED_READS_AFTER) when its reads are batched, the same frames skipped on both.
        steady_after = BATCHED_READS_AFTER + 1.0 if args.read_every > 0 else 3.0
        warmup_frames = max(args.warmup, int(steady_after * FPS))
        cases.append(
            (
                "demux",
                lambda: [asyncio.run(ours_demux(port, warmup_frames, args.frames)) * per_1000],
                lambda: [dvr_demux(port, warmup_frames, args.frames) * per_1000],
            )
        )

        def relay(which: str) -> list[float]:
            answer = relay_run(which, port, steady_after, args.relay_seconds)
            return [answer["cpu"] / max(answer["frames"], 1)]

        cases.append(("relay", lambda: relay("ipcam"), lambda: relay("python-dvr")))
        # What the least a non-blocking client can do measures, run beside the pair.
        floors = {"snapshot": lambda: bare_snapshot(port, n)}
        ratios: dict[str, list[float]] = {}
        for round_number in range(args.rounds):
            for metric, ours, theirs in cases:
                if not wanted(metric):
                    continue
                pair = [("ipcam", ours), ("python-dvr", theirs)]
                if round_number % 2:
                    pair.reverse()
                if metric in floors:
                    pair.insert(round_number % 3, ("bare asyncio", floors[metric]))
                medians = {}
                for who, run in pair:
                    values = run()
                    record(metric, who, values)
                    medians[who] = median(values)
                ratios.setdefault(metric, []).append(medians["ipcam"] / medians["python-dvr"])
                if "bare asyncio" in medians:
                    floor_ratio = medians["bare asyncio"] / medians["python-dvr"]
                    ratios.setdefault(f"{metric} floor", []).append(floor_ratio)
            print(f"  round {round_number + 1}/{args.rounds} done", flush=True)
    finally:
        farm.stop()

    labels = {
        "connect": "connect p50 (ms)",
        "connect-first": "first connect to a camera p50 (ms)",
        "snapshot": "snapshot (OPSNAP) p50 (ms)",
        "first": "time to first frame p50 (ms)",
        "alarm": "alarm latency p50 (ms)",
        "demux": "demux CPU per 1,000 video frames (ms)",
        "relay": "relay to MPEG-TS, CPU per frame (ms)",
    }
    print(
        f"\n{RESOLUTION} H.264 {FPS} fps {'+ G.711 audio' if args.audio else 'without audio'}; "
        f"medians of {args.rounds} interleaved "
        "rounds; ratio = median of the rounds' ipcam / python-dvr"
    )
    print("| what | ipcam | python-dvr | ratio |")
    print("|---|---|---|---|")
    for metric, label in labels.items():
        if metric not in results:
            continue
        ours_v, theirs_v = results[metric]["ipcam"], results[metric]["python-dvr"]
        print(
            f"| {label} | {_ms(ours_v):.2f} | {_ms(theirs_v):.2f} | {median(ratios[metric]):.2f} |"
        )
    for metric in floors:
        if metric in results and "bare asyncio" in results[metric]:
            print(
                f"{labels[metric]}, a bare asyncio protocol (the floor of a non-blocking client): "
                f"{_ms(results[metric]['bare asyncio']):.2f}, ratio to python-dvr "
                f"{median(ratios[f'{metric} floor']):.2f}"
            )
    if "alarm" in results:
        print(
            f"alarm changes not delivered: ipcam {lost['ipcam']}, python-dvr {lost['python-dvr']}"
        )
    if "relay" in results:
        print("relay: python-dvr's figure counts python-dvr's process and ffmpeg's")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
