"""The fault matrix: every family, each fault (drop, stall, refuse, reboot) in each mode.

Runs ``tests/integration/test_fault_matrix.py`` (Home Assistant against the real
simulators, as in the test suite) with ``IPCAM_FAULT_MATRIX_RESULTS`` set, then prints
the results as the table recorded in docs/RELIABILITY.md ("Fault matrix"): seconds from
the fault to the camera's entities unavailable, seconds from the camera's return to
the entities (and, in live view, the video) back, the alarm after the recovery, the
connection attempts during the outage, and what was left over.

Run: ``.venv/bin/python benchmarks/fault_matrix.py [--runs N] [--json FILE]``; with
several runs each cell shows the worst time seen.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FAMILIES = ("cgi", "foscam", "dvrip", "grandstream")
FAULTS = ("drop", "stall", "refuse", "reboot")
MODES = ("idle", "live", "talk")
NAMES = {"cgi": "IPCamCGI", "foscam": "Foscam", "dvrip": "DVRIP", "grandstream": "Grandstream"}


def run_matrix(results: Path) -> tuple[int, float]:
    env = {**os.environ, "IPCAM_FAULT_MATRIX_RESULTS": str(results)}
    command = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-p", "no:sugar",
        "tests/integration/test_fault_matrix.py",
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, check=False, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        print(done.stdout[-4000:], file=sys.stderr)
    return done.returncode, elapsed


def worst(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return max(known) if known else None


def seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(rows: list[dict[str, Any]]) -> str:
    by_key: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault((row["family"], row["fault"], row["mode"]), []).append(row)
    lines = [
        "| family | fault | mode | unavailable after (s) | back after the camera (s) "
        "| video back (s) | alarm after | attempts (bursts / bound) | talk through the fault "
        "| left over (tasks/timers/sockets) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for family in FAMILIES:
        for fault in FAULTS:
            for mode in MODES:
                runs = by_key.get((family, fault, mode))
                if not runs:
                    continue
                leaks = [
                    sum(run["leaks"][kind] for run in runs)
                    for kind in ("tasks", "timers", "sockets")
                ]
                talk = ""
                if mode == "talk":
                    talk = "; ".join(sorted({run["talk_through_fault"] for run in runs}))
                    talk += ", then a new talk" if all(r["talk_after"] for r in runs) else ""
                video = seconds(worst([r["video_back"] for r in runs])) if mode == "live" else ""
                lines.append(
                    f"| {NAMES[family]} | {fault} | {mode} "
                    f"| {seconds(worst([r['unavailable'] for r in runs]))} "
                    f"| {seconds(worst([r['back'] for r in runs]))} "
                    f"| {video} "
                    f"| {'yes' if all(r['alarm'] for r in runs) else 'NO'} "
                    f"| {max(r['attempts'] for r in runs)} "
                    f"({max(r['bursts'] for r in runs)} / {runs[0]['attempts_bound']}) "
                    f"| {talk} | {'/'.join(map(str, leaks))} |"
                )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also keep every scenario's result here")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        for index in range(args.runs):
            results = Path(folder) / f"run{index}.jsonl"
            code, elapsed = run_matrix(results)
            failures += code != 0
            print(f"run {index + 1}: {elapsed:.1f} s, pytest exit {code}", file=sys.stderr)
            if results.exists():
                rows += [json.loads(line) for line in results.read_text().splitlines()]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(table(rows))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
