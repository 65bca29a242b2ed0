"""A real Home Assistant with the four simulated cameras, driven by Debian's Chromium.

Run apart from the other tests (``scripts/test`` does it): Home Assistant runs in its
own process, started once for the whole suite through ``devenv.home`` (the demo's
start-up code), and one Chromium with a fake microphone is shared by the tests.
The suite is skipped, with the reason, when Chromium or Playwright is missing.
"""

from __future__ import annotations

import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devenv.home import DemoHome
from tests.browser.browser import chromium_path, launch, log_in, tone_wav

LOG_TAIL_CHARACTERS = 8000


def _no_browser() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (scripts/setup installs requirements_test.txt)"
    if chromium_path() is None:
        return (
            "Chromium is not installed: scripts/setup installs Debian's chromium when run as "
            "root with apt-get; browser tests skipped"
        )
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots and measurements of this run."""
    return tmp_path_factory.mktemp("browser-artifacts")


@pytest.fixture(scope="session")
def demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoHome]:
    if request.config.pluginmanager.hasplugin("homeassistant"):
        pytest.skip(
            "the browser tests run apart, without the Home Assistant test plugin (which blocks "
            "sockets): python -m pytest tests/browser -p no:homeassistant (scripts/test does)"
        )
    if importlib.util.find_spec("hass_frontend") is None:
        pytest.skip("home-assistant-frontend is not installed (scripts/setup installs it)")
    folder = tmp_path_factory.mktemp("home-assistant")
    home = DemoHome(
        folder / "config",
        http_port=_free_port(),
        log_dir=folder,
        preload_streams=False,  # the first test measures a cold start
        on_log=lambda message: print(f"demo: {message}"),
    )
    try:
        home.run()
    except BaseException:
        home.stop()
        log = folder / "home-assistant.log"
        print(log.read_text()[-5000:] if log.exists() else "no Home Assistant log")
        raise
    home.supervise_in_background()
    yield home
    home.stop()


@pytest.fixture(scope="session")
def playwright(demo: DemoHome) -> Iterator[Any]:
    if reason := _no_browser():
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(
    playwright: Any, demo: DemoHome, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """One Chromium whose microphone plays 1 kHz bursts."""
    wav = tmp_path_factory.mktemp("microphone") / "tone.wav"
    wav.write_bytes(tone_wav())
    context = launch(playwright, microphone_wav=wav)
    yield context
    context.close()


@pytest.fixture(scope="session")
def page(browser: Any, demo: DemoHome) -> Any:
    """A page logged in through Home Assistant's login form (on a page without cameras)."""
    page = browser.new_page()
    log_in(page, demo.url)
    return page


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """A failed browser test shows the end of Home Assistant's log (the other process's side)."""
    report = yield
    home = item.funcargs.get("demo") if isinstance(item, pytest.Function) else None
    if report.when == "call" and report.failed and isinstance(home, DemoHome):
        log = home.log_dir / "home-assistant.log" if home.log_dir else None
        if log is not None and log.exists():
            tail = log.read_text(errors="replace")[-LOG_TAIL_CHARACTERS:]
            report.sections.append(("Home Assistant's log (end)", tail))
    return report
