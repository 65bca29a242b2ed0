"""Every family, each fault (drop, stall, refuse, reboot), in each mode (idle, live, talk).

Against Home Assistant with the real simulators (see ``fault_matrix.py`` for how a
scenario runs and what it measures): the camera's entities go unavailable within two
keep-alive intervals of the fault, come back by themselves within seconds of the
camera, an alarm raised after the recovery is delivered, the integration does not
storm the camera while it is gone, and no task, timer or socket is left over.

One test per fault runs its scenarios concurrently. ``IPCAM_FAULT_MATRIX_RESULTS``
names a JSON file the results are appended to (``benchmarks/fault_matrix.py``).
"""

from __future__ import annotations

import asyncio
import json
import os
import traceback
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant

from tests.conftest import StartSimulator
from tests.integration.fault_matrix import (
    BACK_BOUND,
    DETECTION_BOUND,
    FAULTS,
    LOAD_SLACK,
    UNNOTICED,
    Result,
    Scenario,
    fast_clients,
    scenarios,
    setup_platforms,
    start_cameras,
)


def _check(result: Result) -> list[str]:
    """What is wrong with one scenario's result (empty: nothing)."""
    problems = []
    family, fault = result.family, result.fault
    if (family, fault) not in UNNOTICED:
        bound = (DETECTION_BOUND[family] if fault == "stall" else 0.5) + LOAD_SLACK
        if result.unavailable is None or result.unavailable > bound:
            problems.append(f"unavailable after {result.unavailable} s (bound {bound} s)")
    if result.back is None or result.back > BACK_BOUND:
        problems.append(f"back {result.back} s after the camera (bound {BACK_BOUND} s)")
    if result.mode == "live" and (result.video_back is None or result.video_back > BACK_BOUND):
        problems.append(f"video back {result.video_back} s after the camera")
    # Grandstream has no settings to poll: its poll fails only when it must log in again.
    if result.fault != "drop" and family != "grandstream" and not result.poll_failed:
        problems.append("a poll during the outage did not fail")
    if not result.alarm:
        problems.append("the alarm after the recovery was not delivered")
    if result.mode == "talk" and not result.talk_after:
        problems.append("no talk after the recovery")
    if result.bursts > result.attempts_bound:
        problems.append(
            f"{result.bursts} connection attempts during the outage (at most "
            f"{result.attempts_bound} with the back-off)"
        )
    if result.leaks:
        problems.append(
            f"left over: {result.leaks}\n  now: {result.leaked}\n  steady: {result.held}"
        )
    return problems


def _failure(error: BaseException) -> str:
    """An exception and where it was raised (its last frames)."""
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    where = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.line}" for f in reversed(frames))
    return f"{type(error).__name__}: {error} at {where}"


@pytest.mark.parametrize("fault", FAULTS)
async def test_fault_matrix(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    plan = scenarios(faults=(fault,))
    with fast_clients(monkeypatch):
        await setup_platforms(hass)
        cameras = await start_cameras(start_simulator, plan)
        runs = [
            Scenario(hass, camera, family, fault_kind, mode)
            for camera, (family, fault_kind, mode) in zip(cameras, plan, strict=True)
        ]
        outcomes = await asyncio.gather(*(run.run() for run in runs), return_exceptions=True)
        for run in runs:
            if run.entry is not None and run.entry.state.recoverable:
                await hass.config_entries.async_unload(run.entry.entry_id)
        await hass.async_block_till_done()
    if path := os.environ.get("IPCAM_FAULT_MATRIX_RESULTS"):
        with Path(path).open("a", encoding="utf-8") as out:
            for run in runs:
                out.write(json.dumps(run.result.row()) + "\n")
    problems = {
        run.name: [f"{run.phase}: {_failure(outcome)}"]
        if isinstance(outcome, BaseException)
        else _check(outcome)
        for run, outcome in zip(runs, outcomes, strict=True)
    }
    failed = {name: found for name, found in problems.items() if found}
    assert not failed, "\n".join(f"{name}: {found}" for name, found in failed.items())
