"""Playwright helpers for the browser tests and benchmarks: Debian's Chromium, offline.

Chromium is started from its Debian path (never downloaded) with the flags that keep it
off the network, a fresh profile, and a fake microphone that plays a WAV file.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

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
"""


def chromium_path() -> str | None:
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


def login(page: Any, url: str, username: str, password: str) -> float:
    """Log in through Home Assistant's login page; return the seconds it took."""
    start = time.monotonic()
    page.goto(f"{url}/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/lovelace/**", timeout=60_000)
    return time.monotonic() - start


def open_more_info(page: Any, entity_id: str) -> None:
    """Open an entity's more-info dialog, as a tap on its card does."""
    page.evaluate(
        """(entityId) => document.querySelector('home-assistant').dispatchEvent(
             new CustomEvent('hass-more-info', {detail: {entityId}, bubbles: true, composed: true}))""",
        entity_id,
    )


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
