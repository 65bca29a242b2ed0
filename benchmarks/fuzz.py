"""Coverage-guided fuzzing (atheris / libFuzzer) of every decoder, parser and session.

The targets, their seeds and the meaning of an input are in one registry,
``tests/protocols/fuzz_targets.py``, which the property tests run too. Each target
runs in its own process (atheris owns it) at lower priority (``--nice``), seeded with
valid messages from the simulators' encoders and the vendor documents' captures.

A target fails on:

- any exception that is not a ``CameraError`` (the library's promise): the input is
  saved under ``benchmarks/fuzz-crashes/<target>/`` once per distinct failure (type
  and place), and fuzzing goes on;
- a buffer above the decoder's bound (``Unbounded``), a session timer that would spin
  (``Spinning``), or an output breaking the codec's contract (``Broken``): the same;
- a hang (one input running longer than ``--timeout``) or memory above ``--rss-limit``:
  libFuzzer stops the process and saves the input there too.

Usage::

    benchmarks/fuzz.py --list
    benchmarks/fuzz.py --target all --runs 1000000 --jobs 2
    benchmarks/fuzz.py --target cgi-mjpeg --seconds 60
    benchmarks/fuzz.py --reproduce benchmarks/fuzz-crashes/cgi-mjpeg/failure-0123abcd

Prints per target the inputs run, coverage edges (libFuzzer's ``cov``), failures and
exec/s; ``--json FILE`` keeps the table for ``docs/RELIABILITY.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CRASHES = ROOT / "benchmarks" / "fuzz-crashes"
WORK = ROOT / "benchmarks" / "fuzz-work"
REQUIREMENTS = ROOT / "benchmarks" / "requirements.txt"
INSTRUMENTED = ["custom_components.ipcam.protocols"]
STATS_EVERY = 1.0  # seconds between the child's stats files


# --- the parent: one process per target ------------------------------------------------------


@dataclass
class Result:
    target: str
    inputs: int = 0
    edges: int = 0
    features: int = 0
    corpus: int = 0
    failures: int = 0  # inputs that failed (all of them)
    distinct: int = 0  # distinct failures (type and place), each saved once
    seconds: float = 0.0
    exec_per_s: float = 0.0
    peak_rss_mb: int = 0
    stopped: str = ""  # why libFuzzer stopped the process early (timeout, oom, crash)

    def row(self) -> str:
        fails = f"{self.failures} ({self.distinct} distinct)" if self.failures else "0"
        if self.stopped:
            fails += f" + {self.stopped}"
        return (
            f"| {self.target} | {self.inputs:,} | {self.edges} | {self.exec_per_s:,.0f} "
            f"| {fails} | {self.peak_rss_mb} | {self.seconds:,.0f} |"
        )


HEAD = (
    "| target | inputs | edges | exec/s | failures | peak RSS MB | seconds |\n" + "|---" * 7 + "|"
)


def ensure_atheris() -> None:
    """Install the campaign's own tools (benchmarks/requirements.txt) when missing."""
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("installing", REQUIREMENTS.relative_to(ROOT), file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True
        )


def child_command(name: str, args: argparse.Namespace) -> list[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name]
    command += ["--runs", str(args.runs), "--timeout", str(args.timeout)]
    command += ["--rss-limit", str(args.rss_limit)]
    if args.max_len:
        command += ["--max-len", str(args.max_len)]
    if args.seconds:
        command += ["--seconds", str(args.seconds)]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    return command


_STATUS = re.compile(r"#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
_DONE = re.compile(r"Done (\d+) runs in")
_ERROR = re.compile(r"==\d+== ERROR: libFuzzer: ([\w-]+)")


def collect(name: str, log: Path, returncode: int) -> Result:
    result = Result(name)
    text = log.read_text(errors="replace") if log.exists() else ""
    for match in _STATUS.finditer(text):
        result.edges, result.features, result.corpus = (int(match.group(i)) for i in (2, 3, 4))
    stats_file = WORK / name / "stats.json"
    if stats_file.exists():
        stats = json.loads(stats_file.read_text())
        result.inputs = stats["inputs"]
        result.failures = stats["failures"]
        result.distinct = stats["distinct"]
        result.seconds = stats["seconds"]
        result.peak_rss_mb = stats["peak_rss_mb"]
    if done := _DONE.search(text):
        result.inputs = max(result.inputs, int(done.group(1)))
    if returncode != 0:
        error = _ERROR.search(text)
        result.stopped = error.group(1) if error else f"exit {returncode}"
    result.exec_per_s = result.inputs / result.seconds if result.seconds else 0.0
    return result


def campaign(names: list[str], args: argparse.Namespace) -> list[Result]:
    ensure_atheris()
    results: list[Result] = []
    queue = list(names)
    running: dict[str, tuple[subprocess.Popen[bytes], Path, Any]] = {}

    def lower_priority() -> None:
        os.nice(args.nice)

    print(HEAD, flush=True)
    while queue or running:
        while queue and len(running) < args.jobs:
            name = queue.pop(0)
            (WORK / name).mkdir(parents=True, exist_ok=True)
            (WORK / name / "stats.json").unlink(missing_ok=True)
            log = WORK / name / "fuzz.log"
            handle = log.open("wb")
            process = subprocess.Popen(
                child_command(name, args),
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
                preexec_fn=lower_priority if args.nice else None,  # noqa: PLW1509
            )
            running[name] = (process, log, handle)
        time.sleep(0.5)
        for name, (process, log, handle) in list(running.items()):
            if process.poll() is None:
                continue
            handle.close()
            del running[name]
            result = collect(name, log, process.returncode)
            results.append(result)
            print(result.row(), flush=True)
            if args.json:
                save(args.json, results)
    return results


def save(path: Path, results: list[Result]) -> None:
    """Merge ``results`` into the JSON table at ``path`` (one row per target, newest wins)."""
    rows: dict[str, Any] = {}
    with contextlib.suppress(FileNotFoundError):
        rows = {row["target"]: row for row in json.loads(path.read_text())}
    rows.update({result.target: asdict(result) for result in results})
    path.write_text(json.dumps(list(rows.values()), indent=1) + "\n")


# --- the child: atheris in this process -------------------------------------------------------


class Child:
    """Runs one target under atheris; failures are recorded, not fatal."""

    def __init__(self, name: str, run: Any, camera_error: type[BaseException], runs: int) -> None:
        self.name = name
        self.runs = runs  # libFuzzer exits after the last one without returning to Python
        self.run = run
        self.camera_error = camera_error
        self.inputs = 0
        self.failures = 0
        self.signatures: set[str] = set()
        self.started = 0.0
        self.stats_at = 0.0
        self.crashes = CRASHES / name
        self.stats_file = WORK / name / "stats.json"

    def one(self, data: bytes) -> None:
        if not self.inputs:
            self.started = self.stats_at = time.monotonic()
        self.inputs += 1
        try:
            self.run(data)
        except self.camera_error:
            pass
        except Exception as err:
            self.failure(data, err)
        now = time.monotonic()
        if now - self.stats_at >= STATS_EVERY or self.inputs >= self.runs:
            self.stats_at = now
            self.write_stats(now)

    def failure(self, data: bytes, err: Exception) -> None:
        self.failures += 1
        signature = failure_signature(err)
        if signature in self.signatures:
            return
        self.signatures.add(signature)
        self.crashes.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha1(data).hexdigest()[:12]  # a file name, not security
        path = self.crashes / f"failure-{digest}"
        path.write_bytes(data)
        details = "".join(traceback.format_exception(err))
        path.with_suffix(".txt").write_text(f"{signature}\n\n{details}")
        print(f"FUZZ-FAILURE {self.name} {signature} -> {path}", file=sys.stderr, flush=True)

    def write_stats(self, now: float) -> None:
        stats = {
            "inputs": self.inputs,
            "failures": self.failures,
            "distinct": len(self.signatures),
            "seconds": round(now - self.started, 3),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        }
        self.stats_file.write_text(json.dumps(stats))


def failure_signature(err: BaseException) -> str:
    """Type and the innermost library (else any) frame: one saved input per distinct bug."""
    frames = traceback.extract_tb(err.__traceback__)
    library = [f for f in frames if "custom_components" in f.filename]
    frame = (library or frames)[-1] if frames else None
    where = f"{Path(frame.filename).name}:{frame.lineno}" if frame else "?"
    return f"{type(err).__name__}@{where}"


def child(name: str, args: argparse.Namespace) -> None:
    import atheris

    with atheris.instrument_imports(include=INSTRUMENTED):
        from tests.protocols import fuzz_targets
    from custom_components.ipcam.protocols.errors import CameraError

    item = fuzz_targets.TARGETS[name]
    corpus = WORK / name / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for index, data in enumerate(item.seed_inputs()):
        (corpus / f"seed-{index:03d}").write_bytes(data)
    CRASHES.joinpath(name).mkdir(parents=True, exist_ok=True)
    runner = Child(name, item.run, CameraError, args.runs)
    flags = [
        f"-runs={args.runs}",
        f"-timeout={args.timeout}",
        f"-rss_limit_mb={args.rss_limit}",
        f"-max_len={args.max_len or item.max_len}",
        f"-artifact_prefix={CRASHES / name}/",
        "-print_final_stats=1",
    ]
    if args.seconds:
        flags.append(f"-max_total_time={args.seconds}")
    if args.seed is not None:
        flags.append(f"-seed={args.seed}")
    atheris.Setup([sys.argv[0], *flags, str(corpus)], runner.one)
    atheris.Fuzz()  # never returns: libFuzzer exits the process


# --- reproducing a saved input ----------------------------------------------------------------


class Hang(Exception):
    """One input ran longer than ``--timeout`` (libFuzzer saves these as ``timeout-*``)."""


def reproduce(path: Path, name: str | None, timeout: int) -> int:
    from custom_components.ipcam.protocols.errors import CameraError
    from tests.protocols import fuzz_targets

    name = name or path.resolve().parent.name
    if name not in fuzz_targets.TARGETS:
        print(f"unknown target {name!r}: give --target", file=sys.stderr)
        return 2
    data = path.read_bytes()
    started = time.monotonic()

    def alarm(_signum: int, _frame: object) -> None:
        raise Hang(f"still running after {timeout} s")

    signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    try:
        fuzz_targets.TARGETS[name].run(data)
    except CameraError as err:
        print(f"{name}: no failure ({type(err).__name__}: {err})")
    except Exception:
        traceback.print_exc()
        print(f"{name}: FAILURE after {time.monotonic() - started:.3f} s")
        return 1
    else:
        print(f"{name}: no failure")
    finally:
        signal.alarm(0)
    print(f"{len(data)} bytes in {time.monotonic() - started:.3f} s")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--target", default="all", help="a target, a family, or all")
    parser.add_argument("--runs", type=int, default=1_000_000, help="inputs per target")
    parser.add_argument("--seconds", type=int, default=0, help="time per target (0: no limit)")
    parser.add_argument("--jobs", type=int, default=1, help="targets fuzzed at once")
    parser.add_argument("--nice", type=int, default=10, help="niceness of the fuzzers")
    parser.add_argument("--timeout", type=int, default=10, help="seconds one input may take")
    parser.add_argument("--rss-limit", type=int, default=1024, help="MB of memory per target")
    parser.add_argument("--max-len", type=int, default=0, help="largest input (0: the target's)")
    parser.add_argument("--seed", type=int, default=None, help="libFuzzer's random seed")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--reproduce", type=Path, metavar="FILE", help="run one saved input")
    parser.add_argument("--collect", action="store_true", help="tabulate finished runs' logs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        child(args.child, args)
        return 0
    if args.reproduce:
        target = None if args.target == "all" else args.target
        return reproduce(args.reproduce, target, args.timeout)

    from tests.protocols import fuzz_targets

    if args.list:
        for item in fuzz_targets.TARGETS.values():
            print(f"{item.name:20} {item.family:12} {item.about}")
        return 0
    if args.target == "all":
        names = list(fuzz_targets.TARGETS)
    else:
        wanted = set(args.target.split(","))
        names = [
            name
            for name, item in fuzz_targets.TARGETS.items()
            if name in wanted or item.family in wanted
        ]
        if not names:
            parser.error(f"no target {args.target!r} (see --list)")
    if args.collect:
        # Rows from the logs of finished runs (e.g. after the campaign's parent was stopped).
        results = [collect(name, WORK / name / "fuzz.log", 0) for name in names]
        print(HEAD)
        for result in results:
            print(result.row())
    else:
        results = campaign(names, args)
    if args.json:
        save(args.json, results)
    return 1 if any(r.failures or r.stopped for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
