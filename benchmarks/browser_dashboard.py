"""The dashboard in Chromium: push-to-talk latency and live-view start, end to end.

Starts the demo (``devenv.home``: the four simulated cameras and a real Home
Assistant on a free port) and drives Debian's Chromium with Playwright:

- **talk**: Chromium's fake microphone plays 1 kHz bursts (0.25 s silence, 0.75 s
  tone); the talk card's button is held ``--hold`` seconds, ``--presses`` times per
  camera. Latency of each burst = when the simulated camera had received its first
  loud sample (its control API polled every 20 ms) minus when the card's
  AudioWorklet saw the burst start. Also: the longest time the camera received
  nothing while the button was held, and how much audio arrived for how long a hold.
- **live view start**: seconds from opening the camera's dialog to a playing
  picture, for the H.264 cameras, cold (no stream yet: Home Assistant restarted
  before each run) and with the camera's "Preload stream" preference on. A start
  that shows no moving picture within 30 s counts as ``inf``.
- **alarm to dashboard**: seconds from the simulated camera raising motion (its
  control API) to the dashboard row of the motion sensor showing "Detected", for
  the cameras that push alarms over their own connection (Foscam, XMEye).

Each run's figures are printed as they come (stderr). ``--log-dir`` keeps Home
Assistant's log (its default folder is removed at the end).

Run: ``.venv/bin/python benchmarks/browser_dashboard.py [--presses N] [--runs N] [--alarms N]``.
"""

from __future__ import annotations

import argparse
import math
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devenv.home import DemoHome
from tests.browser.browser import (
    CLEAR,
    DETECTED,
    TalkArrivals,
    deep_element,
    hold_button,
    launch,
    log_in,
    open_more_info,
    simulator_control,
    talk_latencies,
    tone_wav,
    wait_for_moving_video,
    wait_for_row_state,
)

NO_PICTURE = float("inf")  # a live view that did not play within 30 s


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of sorted figures (p90 of two figures is the larger)."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def talk_runs(home: DemoHome, page: Any, family: str, presses: int, hold: float) -> dict[str, Any]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    camera = home.camera_entities()[family]["camera"][0]
    latencies: list[float] = []
    stalls: list[float] = []
    ratios: list[float] = []
    for _ in range(presses):
        try:
            card = deep_element(page, "ipcam-talk-card", camera)
        except PlaywrightTimeout:
            # A loaded machine can leave the dashboard unrendered (its bundles still loading):
            # look once more, as the browser test does.
            page.reload()
            card = deep_element(page, "ipcam-talk-card", camera, timeout=45.0)
        card.scroll_into_view_if_needed()
        button = card.evaluate_handle(
            "(el) => el.shadowRoot.querySelector('button[aria-label=Talk]')"
        ).as_element()
        simulator_control(home, family, "DELETE", "/talk")
        card.evaluate("(el) => { el.talkStats.onsets = []; }")
        with TalkArrivals(home.simulators[family].control_url) as arrivals:
            held = hold_button(page, button, hold)
            page.wait_for_timeout(1000)
        talk = simulator_control(home, family, "GET", "/state")["talk"]
        pcm = simulator_control(home, family, "GET", "/talk.wav")[44:]
        onsets = card.evaluate("(el) => el.talkStats.onsets")
        latencies += talk_latencies(onsets, arrivals, pcm)
        stalls.append(arrivals.longest_stall())
        ratios.append(talk["seconds"] / held)
        page.wait_for_timeout(500)
    ordered = sorted(latencies)
    return {
        "bursts": len(latencies),
        "p50_ms": round(statistics.median(ordered) * 1000) if ordered else None,
        "p90_ms": round(_percentile(ordered, 0.9) * 1000) if ordered else None,
        "max_ms": round(ordered[-1] * 1000) if ordered else None,
        "stall_ms": round(max(stalls) * 1000),
        "received_per_held": round(statistics.mean(ratios), 3),
    }


def _live_view_start(page: Any, camera: str) -> float:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        opened = open_more_info(page, camera)
        wait_for_moving_video(page, "ha-more-info-dialog")
        seconds = time.monotonic() - opened
    except (PlaywrightTimeout, AssertionError):  # no picture, or no dialog after three taps
        seconds = NO_PICTURE
    page.keyboard.press("Escape")
    page.wait_for_timeout(300)
    return seconds


def live_view_runs(home: DemoHome, playwright: Any, runs: int) -> dict[str, dict[str, list[float]]]:
    cameras = home.streaming_cameras()
    results: dict[str, dict[str, list[float]]] = {c: {"cold": [], "preloaded": []} for c in cameras}
    for run in range(runs):
        home.set_preload(cameras, False)
        home.restart()  # nothing streams now
        context = launch(playwright)
        page = context.new_page()
        log_in(page, home.url)
        for camera in cameras:
            results[camera]["cold"].append(seconds := _live_view_start(page, camera))
            _progress(f"run {run + 1}: {camera} cold {seconds:.2f} s ({time.strftime('%X')})")
        home.set_preload(cameras, True)
        page.reload()
        page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.user")
        page.wait_for_timeout(3000)
        for camera in cameras:
            results[camera]["preloaded"].append(seconds := _live_view_start(page, camera))
            _progress(f"run {run + 1}: {camera} preloaded {seconds:.2f} s")
        context.close()
    return results


def alarm_runs(home: DemoHome, page: Any, family: str, alarms: int) -> list[float]:
    """Seconds from the camera raising motion to the dashboard row showing it, ``alarms`` times."""
    sensor = next(
        entity_id
        for entity_id in home.camera_entities()[family]["binary_sensor"]
        if entity_id.endswith("_motion")
    )
    delays: list[float] = []
    for _ in range(alarms):
        wait_for_row_state(page, "hui-simple-entity-row", sensor, CLEAR, timeout=15)
        start = time.monotonic()
        simulator_control(home, family, "POST", "/event", {"kind": "motion", "active": True})
        wait_for_row_state(page, "hui-simple-entity-row", sensor, DETECTED, timeout=15)
        delays.append(time.monotonic() - start)
        simulator_control(home, family, "POST", "/event", {"kind": "motion", "active": False})
        _progress(f"{family}: motion shown after {delays[-1] * 1000:.0f} ms")
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presses", type=int, default=3, help="talk presses per camera")
    parser.add_argument("--hold", type=float, default=4.0, help="seconds each press lasts")
    parser.add_argument("--runs", type=int, default=3, help="live-view cold starts")
    parser.add_argument("--alarms", type=int, default=10, help="motion alarms per camera")
    parser.add_argument("--log-dir", type=Path, help="keep Home Assistant's log here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        home = DemoHome(
            Path(folder) / "config",
            http_port=_free_port(),
            log_dir=args.log_dir or Path(folder),
            preload_streams=False,
            on_log=lambda _message: None,
        )
        try:
            home.run()
            home.supervise_in_background()
            wav = Path(folder) / "tone.wav"
            wav.write_bytes(tone_wav())
            with sync_playwright() as playwright:
                live = live_view_runs(home, playwright, args.runs)
                context = launch(playwright, microphone_wav=wav)
                page = context.new_page()
                log_in(page, home.url, "/lovelace/cameras")
                talk = {
                    family: talk_runs(home, page, family, args.presses, args.hold)
                    for family in ("foscam", "dvrip", "grandstream")
                }
                alarms = {
                    family: alarm_runs(home, page, family, args.alarms)
                    for family in ("foscam", "dvrip")
                }
                context.close()
        finally:
            home.stop()

    print(f"## Push-to-talk, microphone -> camera ({args.presses} presses of {args.hold:.0f} s)")
    print(
        "| family | bursts | latency p50 ms | p90 ms | max ms | longest stall ms "
        "| audio received / held |"
    )
    print("|---|---|---|---|---|---|---|")
    for family, row in talk.items():
        print(
            f"| {family} | {row['bursts']} | {row['p50_ms']} | {row['p90_ms']} | {row['max_ms']} "
            f"| {row['stall_ms']} | {row['received_per_held']} |"
        )
    print(f"\n## Live view start, dialog open -> moving picture ({args.runs} runs)")
    print("| camera | cold s (median / max) | preloaded s (median / max) |")
    print("|---|---|---|")
    for camera, figures in live.items():
        cold, warm = figures["cold"], figures["preloaded"]
        print(
            f"| {camera} | {statistics.median(cold):.2f} / {max(cold):.2f} "
            f"| {statistics.median(warm):.2f} / {max(warm):.2f} |"
        )

    print(f"\n## Alarm to dashboard, camera raises motion -> row shows it ({args.alarms} alarms)")
    print("| family | median ms | p90 ms | max ms |")
    print("|---|---|---|---|")
    for family, delays in alarms.items():
        ordered = sorted(delays)
        print(
            f"| {family} | {statistics.median(ordered) * 1000:.0f} "
            f"| {_percentile(ordered, 0.9) * 1000:.0f} | {ordered[-1] * 1000:.0f} |"
        )


if __name__ == "__main__":
    main()
