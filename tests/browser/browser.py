"""Playwright helpers for the browser tests and benchmarks: Debian's Chromium, offline.

Chromium is started from its Debian path (never downloaded) with the flags that keep it
off the network, a fresh profile, and a fake microphone that plays a WAV file.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from devenv.home import DEMO_PASSWORD, DEMO_USER, DemoHome

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
OFFLINE_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
]

# Looks through every open shadow root (Home Assistant's frontend is made of web components).
DEEP_QUERY_JS = """
window.__deepAll = (selector, root = document) => {
  const found = [];
  const walk = (node) => {
    if (node.querySelectorAll) found.push(...node.querySelectorAll(selector));
    const all = node.querySelectorAll ? node.querySelectorAll('*') : [];
    for (const el of all) if (el.shadowRoot) walk(el.shadowRoot);
  };
  walk(root);
  return [...new Set(found)];
};
// The text a person sees in an element, shadow roots included.
window.__deepText = (node) => {
  if (node.nodeType === Node.TEXT_NODE) return node.textContent;
  if (node.nodeType === Node.ELEMENT_NODE && ['STYLE', 'SCRIPT'].includes(node.tagName)) return '';
  let text = '';
  if (node.shadowRoot) text += window.__deepText(node.shadowRoot);
  for (const child of node.childNodes) text += window.__deepText(child);
  return text;
};
"""


def chromium_path() -> str | None:
    """Debian's Chromium, or the one named by IPCAM_CHROMIUM ("" or a missing path: none)."""
    if (chosen := os.environ.get("IPCAM_CHROMIUM")) is not None:
        return chosen if chosen and Path(chosen).exists() else None
    for path in CHROMIUM_PATHS:
        if Path(path).exists():
            return path
    return shutil.which("chromium")


def launch(playwright: Any, *, microphone_wav: Path | None = None, **kwargs: Any) -> Any:
    """A persistent Chromium context with a fresh profile (and a fake microphone)."""
    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed")
    args = list(OFFLINE_FLAGS)
    if microphone_wav is not None:
        args += [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={microphone_wav}",
        ]
    args += kwargs.pop("extra_args", [])
    context = playwright.chromium.launch_persistent_context(
        tempfile.mkdtemp(prefix="ipcam-chromium-"),
        executable_path=executable,
        args=args,
        headless=True,
        viewport=kwargs.pop("viewport", {"width": 1400, "height": 1000}),
        **kwargs,
    )
    context.add_init_script(DEEP_QUERY_JS)
    return context


def log_in(
    page: Any,
    url: str,
    path: str = "/profile/general",
    username: str = DEMO_USER,
    password: str = DEMO_PASSWORD,
) -> None:
    """Log in through Home Assistant's login form, landing on ``path``."""
    page.goto(f"{url}{path}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{path}", timeout=60_000)
    page.wait_for_function("() => document.querySelector('home-assistant')?.hass?.user")


# The last word of a binary sensor's row, with and without the frontend's translations.
CLEAR = ["Clear", "off"]
DETECTED = ["Detected", "on"]
PRESS_ATTEMPTS = 3


def hold_button(page: Any, button: Any, seconds: float) -> float:
    """Press ``button`` with the mouse for ``seconds`` once it is enabled (the camera is
    available) and still (the pictures above it have loaded); the seconds it was held.

    A press the button did not take (its ``aria-pressed`` stays unset: the page moved under
    the pointer, or the camera was unavailable for a moment) is released and made again, as
    a person would press again; the caller's assertions still see a press that never took.
    """
    for attempt in range(1, PRESS_ATTEMPTS + 1):
        button.wait_for_element_state("enabled", timeout=20_000)
        button.wait_for_element_state("stable", timeout=20_000)
        button.hover()
        page.mouse.down()
        pressed = time.monotonic()
        if attempt == PRESS_ATTEMPTS or button.get_attribute("aria-pressed") == "true":
            break
        page.mouse.up()
        page.wait_for_timeout(300)
    page.wait_for_timeout(seconds * 1000)
    page.mouse.up()
    return time.monotonic() - pressed


def simulator_control(home: DemoHome, family: str, method: str, path: str, body: Any = None) -> Any:
    """Ask a simulated camera's control API (``/state``, ``/event``, ``/talk``...): its JSON
    answer, or the raw bytes of ``/talk.wav`` (and of an empty answer)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{home.simulators[family].control_url}{path}", data=data, method=method
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        raw = response.read()
    return json.loads(raw) if raw and path != "/talk.wav" else raw


MORE_INFO_ATTEMPTS = 3


def open_more_info(page: Any, entity_id: str, seconds: float = 5.0) -> float:
    """Open an entity's more-info dialog, as a tap on its card does; when (``time.monotonic``)
    the tap that opened it was made.

    Right after the page loads, the app may not listen for the request yet (seen twice in
    about 70 pages: the dialog never opened, nothing was asked of Home Assistant): a tap
    that opened nothing within ``seconds`` is made again, as a person would tap again.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in range(MORE_INFO_ATTEMPTS):
        tapped = time.monotonic()
        page.evaluate(
            """(entityId) => document.querySelector('home-assistant').dispatchEvent(
                 new CustomEvent('hass-more-info',
                                 {detail: {entityId}, bubbles: true, composed: true}))""",
            entity_id,
        )
        try:
            page.wait_for_function(
                """(entityId) => window.__deepAll('ha-more-info-dialog')
                     .some((dialog) => dialog._entityId === entityId)""",
                arg=entity_id,
                timeout=seconds * 1000,
                polling=50,
            )
            return tapped
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"the more-info dialog of {entity_id} did not open")


def wait_for_moving_video(page: Any, root_selector: str, timeout: float = 30.0) -> float:
    """Seconds until a <video> (or MJPEG <img>) under ``root_selector`` shows a moving picture."""
    start = time.monotonic()
    page.wait_for_function(
        """(root) => {
          const roots = window.__deepAll(root);
          for (const r of roots) {
            for (const v of window.__deepAll('video', r.shadowRoot || r)) {
              if (v.readyState >= 2 && v.currentTime > 0.2 && !v.paused) return true;
            }
          }
          return false;
        }""",
        arg=root_selector,
        timeout=timeout * 1000,
        polling=50,
    )
    return time.monotonic() - start


def deep_element(page: Any, selector: str, entity_id: str, timeout: float = 15.0) -> Any:
    """The element matching ``selector`` (in any shadow root) configured for ``entity_id``."""
    handle = page.wait_for_function(
        """([selector, entityId]) => window.__deepAll(selector).find(
             (el) => ((el._config || el.config || {}).entity) === entityId) || null""",
        arg=[selector, entity_id],
        timeout=timeout * 1000,
        polling=50,
    )
    element = handle.as_element()
    if element is None:
        raise AssertionError(f"no {selector} for {entity_id} on the page")
    return element


def wait_for_row_state(
    page: Any, selector: str, entity_id: str, states: list[str], timeout: float = 10.0
) -> float:
    """Seconds until the row of ``entity_id`` shows one of ``states`` (polled every 20 ms).

    The state is the row's last word: "Detected"/"Clear" once the frontend has its
    translations, "on"/"off" before.
    """
    start = time.monotonic()
    try:
        page.wait_for_function(
            """([selector, entityId, states]) => window.__deepAll(selector).some(
                 (el) => ((el._config || el.config || {}).entity) === entityId
                         && states.includes(window.__deepText(el).trim().split(/\\s+/).pop()))""",
            arg=[selector, entity_id, states],
            timeout=timeout * 1000,
            polling=20,
        )
    except Exception as err:
        rows = page.evaluate(
            """(selector) => window.__deepAll(selector).map((el) =>
                 [((el._config || el.config || {}).entity),
                  window.__deepText(el).replace(/\\s+/g, ' ').trim()])""",
            selector,
        )
        raise AssertionError(f"{entity_id} never showed {states}; rows: {rows}") from err
    return time.monotonic() - start


# --- talk measurements -------------------------------------------------------------------------

TONE_HZ = 1000
TONE_PERIOD = 1.0  # seconds: silence, then tone
TONE_SILENCE = 0.25


def tone_wav(rate: int = 48000, seconds: float = 10.0) -> bytes:
    """The fake microphone's file: 1 kHz bursts (0.75 s) after 0.25 s of silence, looping."""
    import numpy as np

    from custom_components.ipcam.protocols.audio.pcm import wav_bytes

    t = np.arange(int(rate * seconds)) / rate
    phase = t % TONE_PERIOD
    tone = np.sin(2 * np.pi * TONE_HZ * t) * (phase >= TONE_SILENCE) * 0.5 * 32767
    return wav_bytes(tone.astype("<i2").tobytes(), rate)


def camera_onsets(pcm: bytes, rate: int = 8000, level: int = 1500) -> list[int]:
    """Sample indexes where sound starts after at least 50 ms of quiet."""
    import numpy as np

    samples = np.abs(np.frombuffer(pcm[: len(pcm) // 2 * 2], "<i2").astype(np.int32))
    window = rate // 200  # 5 ms
    quiet_needed = 10  # windows = 50 ms
    onsets: list[int] = []
    quiet = quiet_needed
    for index in range(0, len(samples) - window, window):
        if samples[index : index + window].max() >= level:
            if quiet >= quiet_needed:
                loud = np.nonzero(samples[index : index + window] >= level)[0][0]
                onsets.append(index + int(loud))
            quiet = 0
        else:
            quiet += 1
    return onsets


class TalkArrivals:
    """Polls a simulated camera's ``GET /state`` every 20 ms: when each talk byte arrived."""

    def __init__(self, control_url: str, interval: float = 0.02) -> None:
        self._url = f"{control_url}/state"
        self._interval = interval
        self.samples: list[tuple[float, int]] = []  # (time.time(), talk bytes so far)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TalkArrivals:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            with urllib.request.urlopen(self._url, timeout=5) as response:
                talk = json.loads(response.read())["talk"]
            self.samples.append((time.time(), int(talk["bytes"])))
            self._stop.wait(self._interval)

    def arrival(self, byte_offset: int) -> float | None:
        """When the camera had received ``byte_offset`` bytes (first poll that saw them)."""
        for at, received in self.samples:
            if received > byte_offset:
                return at
        return None

    def longest_stall(self) -> float:
        """Longest time (s) the received audio did not grow between its first and last byte."""
        growing = [(at, n) for at, n in self.samples if n > 0]
        last = max((n for _, n in growing), default=0)
        stall = 0.0
        since = None
        previous = -1
        for at, received in growing:
            if received != previous:
                if since is not None:
                    stall = max(stall, at - since)
                since, previous = at, received
            if received == last:
                break
        return stall


def talk_latencies(
    browser_onsets_ms: list[float], arrivals: TalkArrivals, pcm: bytes
) -> list[float]:
    """Microphone -> camera latency (s) of each tone onset seen in the page and at the camera.

    A tone onset is taken in the page when the AudioWorklet sees it (the card records the
    time), and at the camera when the talk bytes carrying that sample had arrived (polled).
    """
    camera = [arrivals.arrival(index * 2) for index in camera_onsets(pcm)]
    latencies = []
    for onset in sorted(ms / 1000 for ms in browser_onsets_ms):
        later = [at - onset for at in camera if at is not None and -0.02 <= at - onset < 1.0]
        if later:
            latencies.append(min(later))
    return latencies
