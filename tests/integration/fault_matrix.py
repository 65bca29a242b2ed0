"""The fault matrix: Home Assistant against real simulators that drop, stall, refuse or reboot.

One scenario is one camera family, one fault and one mode (idle with events, live
view, talk). It sets up an entry on its own simulator, waits for the steady state,
counts what the entry holds (asyncio tasks, scheduled timers, TCP sockets to the
simulator), injects the fault, and measures:

- ``unavailable``: seconds from the fault to the alarm sensor turning unavailable;
- ``back``: seconds from the camera's return (the end of the fault) to the sensor
  available again;
- ``video_back`` (live view): seconds from the camera's return to the viewer's next frame;
- ``alarm``: an alarm pushed after the recovery turned the sensor on (and off again);
- ``talk``: what became of the talk running through the fault, and a new talk's packets
  reaching the camera;
- ``attempts``: connections the simulator saw (accepted or refused) from the fault to
  the recovery — a reconnect storm would show here;
- ``leaks``: tasks, timers and sockets still above the steady state once recovered (above
  the most its samples held).

Scenarios run concurrently in one Home Assistant. Each runs in its own asyncio task
with ``SCENARIO`` set in its context; asyncio copies the context into every task and
timer created from there, so the tasks and timers of a scenario's entry (its
coordinator, push loop, video upstream, talk, client connections) carry its name.
The simulators are started from the test's own context, so theirs do not count.

The clients get short keep-alive and timeout options (``CLIENT_OPTIONS``, passed by
wrapping the integration's client factory) and the back-off constants are shrunk
(``FAST_BACKOFF``), so a scenario takes seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import math
import time
from collections.abc import AsyncGenerator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam import client_factory, event_source, video_hub
from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from simulator.base import SimulatedCamera
from tests.conftest import StartSimulator
from tests.integration.conftest import entry_data
from tests.integration.helpers import coordinator, entity_id

SCENARIO: contextvars.ContextVar[str | None] = contextvars.ContextVar("scenario", default=None)

FAMILIES = ("cgi", "foscam", "dvrip", "grandstream")
FAULTS = ("drop", "stall", "refuse", "reboot")
MODES = ("idle", "live", "talk")

# The clients' liveness cadence: Foscam and Grandstream keep-alives, the DVRIP camera's
# AliveInterval (the simulator's ``alive_interval``), IPCamCGI's input polling. Two
# seconds, and request timeouts of a few: short enough for a fast matrix, long enough
# that a loaded machine (the suite under pytest -n 8) does not lose a live camera.
KEEPALIVE = 2.0
CLIENT_OPTIONS: dict[str, dict[str, Any]] = {
    # A stalled camera: the next poll's request times out (poll + timeout = 2 intervals).
    "cgi": {"timeout": KEEPALIVE, "poll_interval": KEEPALIVE},
    # Silent for dead_after (1.5 intervals; checked every half interval): lost.
    "foscam": {"timeout": 3.0, "keepalive_interval": KEEPALIVE, "dead_after": 1.5 * KEEPALIVE},
    # A keep-alive every AliveInterval, its reply due within the interval.
    "dvrip": {"timeout": 3.0},
    # An MCTP keep-alive every interval; no answer within interval + 1 s (LOSS_GRACE): lost.
    "grandstream": {"timeout": 3.0, "keepalive_interval": KEEPALIVE},
}
SIM_OPTIONS: dict[str, dict[str, Any]] = {"dvrip": {"alive_interval": int(KEEPALIVE)}}
ENTRY_DATA: dict[str, dict[str, Any]] = {"dvrip": {CONF_CHANNEL: 0}}  # a camera, not a recorder
# Seconds from a stall to its detection at the latest: two keep-alive intervals;
# Grandstream's MCTP adds its fixed loss grace (1 s, mctp_session.LOSS_GRACE).
DETECTION_BOUND = {"cgi": 2 * KEEPALIVE, "foscam": 2 * KEEPALIVE, "dvrip": 2 * KEEPALIVE,
                   "grandstream": 2 * KEEPALIVE + 1.0}  # fmt: skip
# What a family has nothing to lose to: IPCamCGI polls one request at a time with a
# fresh connection, so a drop between two polls goes unnoticed (and need not be).
UNNOTICED = {("cgi", "drop")}
TALKS = {"foscam", "dvrip", "grandstream"}

FAST_BACKOFF: dict[tuple[Any, str], float] = {
    (event_source, "RECONNECT_FIRST_SECONDS"): 0.25,
    (event_source, "RECONNECT_CAP_SECONDS"): 2.0,
    (event_source, "GRACE_SECONDS"): 1.0,
    (event_source, "CONNECT_TIMEOUT_SECONDS"): 5.0,
    (video_hub, "RETRY_MIN_SECONDS"): 0.25,
    (video_hub, "RETRY_MAX_SECONDS"): 2.0,
}

# How long each fault lasts: a stall outlasts every family's detection; drop is instant.
FAULT_SECONDS = {"drop": 0.0, "stall": 6.0, "refuse": 2.0, "reboot": 2.0}
# Bounds that allow for a loaded machine (the suite under pytest -n 8): the figures in
# docs/RELIABILITY.md are the measured times, these only catch what is clearly wrong.
LOAD_SLACK = 3.0
BACK_BOUND = 2.0 + 1.0 + LOAD_SLACK  # back-off cap + grace + slack
STEP_GUARD = 20.0  # any single wait longer than this is a hang
SETTLE_SECONDS = 8.0  # how long counts may take to fall back to their steady state
BASELINE_SAMPLES = 10  # steady-state samples, 0.1 s apart
ALARM = {
    "cgi": ("input_1", "input", 1),
    "foscam": ("motion", "motion", 0),
    "dvrip": ("motion", "motion", 0),
    "grandstream": ("motion", "motion", 0),
}


def scenarios(
    families: tuple[str, ...] = FAMILIES, faults: tuple[str, ...] = FAULTS
) -> list[tuple[str, str, str]]:
    """Every (family, fault, mode) that applies: IPCamCGI has no talk."""
    return [
        (family, fault, mode)
        for fault in faults
        for family in families
        for mode in MODES
        if mode != "talk" or family in TALKS
    ]


@dataclass
class Counts:
    tasks: int = 0
    timers: int = 0
    sockets: int = 0

    def above(self, base: Counts) -> Counts:
        return Counts(
            max(0, self.tasks - base.tasks),
            max(0, self.timers - base.timers),
            max(0, self.sockets - base.sockets),
        )

    def __bool__(self) -> bool:
        return bool(self.tasks or self.timers or self.sockets)


@dataclass
class Result:
    family: str
    fault: str
    mode: str
    unavailable: float | None = None
    back: float | None = None
    video_back: float | None = None
    poll_failed: bool = False  # a poll during the outage failed (so the return must refresh)
    alarm: bool = False
    talk_through_fault: str = ""
    talk_after: bool | None = None
    talk_retries: int = 0
    attempts: int = 0  # connections the simulator saw during the outage
    bursts: int = 0  # ... in bursts (a login's connections come together)
    attempts_bound: int = 0  # the most bursts the back-offs allow
    baseline: Counts = field(default_factory=Counts)
    # The most the steady state's samples held: a timer that exists only at times (a talk's
    # pacing sleep, absent while the talk catches up after its start) is part of it.
    ceiling: Counts = field(default_factory=Counts)
    leaks: Counts = field(default_factory=Counts)
    leaked: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # what the steady state held
    seconds: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.family}-{self.fault}-{self.mode}"

    def row(self) -> dict[str, Any]:
        return asdict(self)


# --- what a scenario holds -----------------------------------------------------------------------


def _mine(context: contextvars.Context | None, name: str) -> bool:
    return context is not None and context.get(SCENARIO) == name


def owned_tasks(name: str) -> list[asyncio.Task[Any]]:
    return [
        task
        for task in asyncio.all_tasks()
        if not task.done()
        and _mine(task.get_context(), name)
        and task is not asyncio.current_task()
    ]


def owned_timers(name: str) -> list[asyncio.TimerHandle]:
    """The scenario's timers: scheduled, or due and waiting for their turn to run.

    Home Assistant's delayed registry writes (``Store``) are left out: the entry's set-up
    schedules them, and they are the core's, not the integration's.
    """
    loop = asyncio.get_running_loop()
    due = [handle for handle in loop._ready if isinstance(handle, asyncio.TimerHandle)]  # type: ignore[attr-defined]
    return [
        handle
        for handle in [*loop._scheduled, *due]  # type: ignore[attr-defined]
        if not handle.cancelled()
        and _mine(handle._context, name)
        and not _qualname(handle).startswith("Store.")
    ]


def _qualname(handle: asyncio.TimerHandle) -> str:
    callback = handle._callback  # type: ignore[attr-defined]
    return str(getattr(callback, "__qualname__", ""))


TCP_STATES = {
    "01": "ESTABLISHED", "02": "SYN_SENT", "03": "SYN_RECV", "04": "FIN_WAIT1",
    "05": "FIN_WAIT2", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT",
    "09": "LAST_ACK", "0A": "LISTEN", "0B": "CLOSING",
}  # fmt: skip


def connections_to(ports: set[int]) -> list[tuple[int, int, str]]:
    """Open TCP sockets with either end on one of ``ports`` (the simulator's): (local
    port, remote port, state). Both the clients' ends and the simulator's are in this
    process; listening sockets, and sockets no process holds any more (inode 0: TIME_WAIT
    and orphans), are left out. One read of /proc/net/tcp: cheap enough to run in the
    event loop many times a second, unlike a scan of the process's descriptors."""
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == "0A" or inode == "0":
            continue
        local_port, remote_port = int(local.split(":")[1], 16), int(remote.split(":")[1], 16)
        if local_port in ports or remote_port in ports:
            found.append((local_port, remote_port, TCP_STATES.get(state, state)))
    return found


def sockets_to(ports: set[int]) -> int:
    return len(connections_to(ports))


def counts(name: str, ports: set[int], viewer: asyncio.Task[Any] | None = None) -> Counts:
    tasks = [task for task in owned_tasks(name) if task is not viewer]
    return Counts(len(tasks), len(owned_timers(name)), sockets_to(ports))


def describe(name: str, ports: set[int]) -> list[str]:
    """What a scenario holds, for a leak's failure message."""
    tasks = [f"task {task.get_name()}: {task.get_coro()!r}" for task in owned_tasks(name)]
    timers = [f"timer {handle!r}" for handle in owned_timers(name)]
    sockets = [
        f"socket {local}->{remote} {state}" for local, remote, state in connections_to(ports)
    ]
    return tasks + timers + sockets


# --- the test environment --------------------------------------------------------------------


@contextlib.contextmanager
def fast_clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short keep-alives and timeouts for every client the integration opens, and short
    back-offs for the push loop and the video upstream."""
    for (module, name), value in FAST_BACKOFF.items():
        monkeypatch.setattr(module, name, value)
    real_open = client_factory.open_client

    def open_client(vendor: Any, *args: Any, **options: Any) -> Any:
        return real_open(vendor, *args, **{**options, **CLIENT_OPTIONS[str(vendor)]})

    with patch.object(client_factory, "open_client", open_client):
        yield


async def setup_platforms(hass: HomeAssistant) -> None:
    """Set up the integration and the platforms' components before any scenario, so that
    what they keep (timers, listeners) belongs to no scenario."""
    for domain in ("binary_sensor", "button", "camera", "event", "media_player", "select"):
        assert await async_setup_component(hass, domain, {})
    assert await async_setup_component(hass, "switch", {})
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()


async def start_cameras(
    start_simulator: StartSimulator, plan: list[tuple[str, str, str]]
) -> list[SimulatedCamera]:
    """One simulator per scenario, started from the caller's context (theirs is no
    scenario's)."""
    return [await start_simulator(family, **SIM_OPTIONS.get(family, {})) for family, _, _ in plan]


# --- one scenario ------------------------------------------------------------------------------


async def _until(predicate: Callable[[], bool], seconds: float = STEP_GUARD) -> float:
    """Wait for ``predicate``; return the loop time it first held."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.02)
    return loop.time()


async def _silence() -> AsyncGenerator[bytes]:
    """Endless 8 kHz silence (the client paces it in real time)."""
    while True:
        yield bytes(640)
        await asyncio.sleep(0)


class Scenario:
    def __init__(
        self,
        hass: HomeAssistant,
        camera: SimulatedCamera,
        family: str,
        fault: str,
        mode: str,
    ) -> None:
        self.hass = hass
        self.camera = camera
        self.result = Result(family, fault, mode)
        self.name = self.result.name
        self.ports = set(camera.ports.values())
        self.transitions: list[tuple[float, str]] = []
        self.frames: list[float] = []
        self.attempts: list[float] = []
        self.entry: MockConfigEntry | None = None
        self.viewer: asyncio.Task[Any] | None = None
        self.phase = "set-up"

    # --- plumbing ----------------------------------------------------------------------------

    def _count_attempts(self) -> None:
        """Every connection the simulator sees, accepted or refused."""
        camera = self.camera
        real_track = camera.track
        loop = asyncio.get_running_loop()

        def track(transport: Any) -> bool:
            self.attempts.append(loop.time())
            return real_track(transport)

        camera.track = track  # type: ignore[method-assign]

    def _state(self) -> str | None:
        state = self.hass.states.get(self.sensor)
        return state.state if state else None

    async def _watch(self) -> None:
        frames = coordinator(self.entry).video.frames()  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        with contextlib.suppress(Exception):
            async for _frame in frames:
                self.frames.append(loop.time())

    def _start_viewer(self) -> None:
        self.viewer = asyncio.get_running_loop().create_task(self._watch(), name="fault viewer")

    async def _talk(self) -> asyncio.Task[float] | None:
        """Start an endless talk; a second try when the first times out on a loaded machine."""
        talk = coordinator(self.entry).talk  # type: ignore[arg-type]
        for tries in (1, 2):
            try:
                async with asyncio.timeout(STEP_GUARD):
                    return await talk.async_start_pcm(_silence())
            except HomeAssistantError:
                self.result.talk_retries += 1
                if tries == 2:
                    raise
        return None

    # --- the run -----------------------------------------------------------------------------

    async def run(self) -> Result:
        SCENARIO.set(self.name)
        started = time.monotonic()
        try:
            await self._run()
        finally:
            self.result.seconds = round(time.monotonic() - started, 1)
        return self.result

    async def _run(self) -> None:
        hass, camera, result = self.hass, self.camera, self.result
        family, fault, mode = result.family, result.fault, result.mode
        loop = asyncio.get_running_loop()
        self._count_attempts()
        self.entry = MockConfigEntry(
            domain=DOMAIN,
            title=f"Fault {self.name}",
            data=entry_data(camera, **ENTRY_DATA.get(family, {})),
        )
        self.entry.add_to_hass(hass)
        await self._set_up()
        coord = coordinator(self.entry)
        self.sensor = entity_id(hass, self.entry, "binary_sensor", ALARM[family][0])

        @callback
        def changed(event: Event[EventStateChangedData]) -> None:
            new = event.data["new_state"]
            if new is not None:
                self.transitions.append((loop.time(), new.state))

        unsubscribe = async_track_state_change_event(hass, [self.sensor], changed)
        talk: asyncio.Task[float] | None = None
        try:
            # --- steady state
            await _until(lambda: coord.camera_available and self._state() == STATE_OFF)
            # The push channel is up (not only assumed up) once an alarm comes through.
            self.phase = "steady"
            await self._alarm_round_trip()
            if mode == "live":
                self._start_viewer()
                await _until(lambda: len(self.frames) >= 2)
            elif mode == "talk":
                talk = await self._talk()
                assert talk is not None
                await _until(lambda: camera.talk_packets > 0)
            await asyncio.sleep(0.3)  # past any connection's first exchanges
            result.baseline, result.ceiling = await self._baseline()
            result.held = describe(self.name, self.ports)

            # --- the fault
            self.phase = "fault"
            attempts_before = len(self.attempts)
            fault_at = loop.time()
            await camera.inject_fault(fault, FAULT_SECONDS[fault])
            camera_back = fault_at + FAULT_SECONDS[fault]
            poll: asyncio.Task[None] | None = None
            if fault != "drop":
                # A poll while the camera is gone fails: coming back then takes a refresh,
                # which the push channel's return must trigger (not the next scan).
                poll = loop.create_task(coord.async_refresh())
            noticed = (family, fault) not in UNNOTICED
            if noticed:
                gone = await _until(lambda: self._state() == STATE_UNAVAILABLE)
                result.unavailable = round(gone - fault_at, 2)
            else:
                # Watched for two intervals: went it unavailable after all, and when?
                await asyncio.sleep(2 * KEEPALIVE)
                gone_at = [
                    t for t, s in self.transitions if t >= fault_at and s == STATE_UNAVAILABLE
                ]
                if gone_at:
                    result.unavailable = round(gone_at[0] - fault_at, 2)
            if poll is not None:
                await poll
                result.poll_failed = not coord.last_update_success
            if talk is not None and fault != "drop":
                # The talk under way when the camera went: it ends, or (a stall the talk
                # channel cannot tell from a slow camera) it goes on; it never hangs the
                # integration, and a new one works once the camera is back.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(camera_back - loop.time() + 0.5):
                        await asyncio.wait({talk})
            await _until(lambda: loop.time() >= camera_back and camera.reachable, 30)
            await _until(lambda: not camera.stalled, 30)
            back = await _until(
                lambda: coord.camera_available and self._state() == STATE_OFF, STEP_GUARD
            )
            # (A drop that went unnoticed was never away: 0.)
            result.back = (
                0.0 if result.unavailable is None else round(max(0.0, back - camera_back), 2)
            )
            during = self.attempts[attempts_before:]
            result.attempts = len(during)
            result.bursts = len(bursts(during))
            result.attempts_bound = attempts_bound(family, mode, back - fault_at)

            if mode == "live":
                if self.viewer is None or self.viewer.done():
                    self._start_viewer()
                seen = len(self.frames)
                frame_at = await _until(lambda: len(self.frames) > seen)
                first = next((t for t in self.frames if t >= camera_back), frame_at)
                result.video_back = round(max(0.0, first - camera_back), 2)
            if talk is not None:
                result.talk_through_fault = (
                    "kept going" if not talk.done() else _talk_outcome(talk, coord)
                )
                await coord.talk.async_stop()
                packets = camera.talk_packets
                talk = await self._talk()
                assert talk is not None
                await _until(lambda: camera.talk_packets > packets)
                result.talk_after = True

            # --- an alarm after the recovery
            self.phase = "alarm after"
            await self._alarm_round_trip()
            result.alarm = True

            # --- nothing left over
            await self._settle()
        finally:
            unsubscribe()
            if talk is not None:
                await coord.talk.async_stop()
            if self.viewer is not None:
                self.viewer.cancel()
                with contextlib.suppress(BaseException):
                    await self.viewer

    async def _alarm_round_trip(self) -> None:
        """An alarm raised on the camera turns the sensor on; its end turns it off.

        Raised once the camera has the integration's push subscription (and only that
        one: a connection from before a stall may linger on the camera's side for a
        moment, and an alarm sent there is lost with it)."""
        _key, kind, channel = ALARM[self.result.family]
        await _until(lambda: subscribed(self.camera, self.result.family))
        await self.camera.push_event(kind, True, channel)
        await _until(lambda: self._state() == STATE_ON)
        await self.camera.push_event(kind, False, channel)
        await _until(lambda: self._state() == STATE_OFF)

    async def _set_up(self) -> None:
        """Set the entry up; on a loaded machine the first login may time out (the entry
        would retry in a while): try again at once, a few times."""
        assert self.entry is not None
        for _ in range(3):
            if self.entry.state is ConfigEntryState.NOT_LOADED:
                await self.hass.config_entries.async_setup(self.entry.entry_id)
            else:
                await self.hass.config_entries.async_reload(self.entry.entry_id)
            if self.entry.state is ConfigEntryState.LOADED:
                return
        raise AssertionError(f"not set up: {self.entry.state} {self.entry.reason}")

    async def _baseline(self) -> tuple[Counts, Counts]:
        """The steady state: the most frequent of a few samples (a poll in flight is not),
        and the most any sample held."""
        samples = []
        for _ in range(BASELINE_SAMPLES):
            samples.append(counts(self.name, self.ports, self.viewer))
            await asyncio.sleep(0.1)

        def usual(values: list[int]) -> int:
            return min(values, key=lambda value: (-values.count(value), value))

        return (
            Counts(
                usual([s.tasks for s in samples]),
                usual([s.timers for s in samples]),
                usual([s.sockets for s in samples]),
            ),
            Counts(
                max(s.tasks for s in samples),
                max(s.timers for s in samples),
                max(s.sockets for s in samples),
            ),
        )

    async def _settle(self) -> None:
        """Wait for every count to fall back to its steady state; what stays above the most
        the steady state held, leaked."""
        base = self.result.baseline
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SETTLE_SECONDS
        while True:
            now = counts(self.name, self.ports, self.viewer)
            if not now.above(base) or loop.time() >= deadline:
                break
            await asyncio.sleep(0.1)
        above = now.above(self.result.ceiling)
        self.result.leaks = above
        if above:
            self.result.leaked = describe(self.name, self.ports)


def subscribed(camera: SimulatedCamera, family: str) -> bool:
    """Whether the camera has exactly one push subscription (IPCamCGI: polled, always)."""
    state = camera.vendor_state()
    if family == "dvrip":
        return bool(state["guarded"] == 1)
    if family == "grandstream":
        return bool(state["mctp"]["alarm_subscribers"] == 1)
    if family == "foscam":
        return bool(state["active_logins"] == 1)
    return True


def _talk_outcome(talk: asyncio.Task[float], coord: Any) -> str:
    if talk.cancelled():
        return "cancelled"
    if talk.exception() is not None:
        return f"ended: {type(talk.exception()).__name__}"
    return f"ended: {coord.talk.last_error or 'done'}"


def bursts(times: list[float], gap: float = 0.15) -> list[list[float]]:
    """Connections less than ``gap`` apart are one attempt (a login opens several)."""
    groups: list[list[float]] = []
    for at in sorted(times):
        if groups and at - groups[-1][-1] < gap:
            groups[-1].append(at)
        else:
            groups.append([at])
    return groups


def attempts_bound(family: str, mode: str, window: float) -> int:
    """The most attempts (bursts of connections) the integration may make in ``window``
    seconds of outage.

    Each reconnecting loop (the push loop; the video upstream in live view) waits out a
    doubling back-off from 0.25 s, so it makes at most log2(window / 0.25 + 1) + 1
    attempts; the poll made during the outage, and the refresh when the camera returns,
    add one each. Twice that allows for a loaded machine spreading one login's
    connections over several bursts; a loop without back-off would make hundreds.
    """
    loops = 2 if mode == "live" else 1
    per_loop = math.floor(math.log2(window / 0.25 + 1)) + 1
    del family
    return 2 * (loops * per_loop + 2)
