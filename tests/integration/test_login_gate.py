"""One gate for logins, proven per family: a password changed under a running entry.

An entry runs with viewers open (the MJPEG proxy stream for the JPEG families, the
relay for DVRIP, Home Assistant's own stream worker on the RTSP URL for Grandstream)
and stills being fetched; then the camera's password changes (the simulator's
``password``, its connections dropped). Reauthentication is requested once, the open
streams end, and over a quiet period — ten minutes of Home Assistant's time, fired
timer by timer, and a few real seconds for what runs in threads — the camera's
``rejected_logins`` grows by at most the family's tolerance
(``client.profile.auth_failures_before_reauth``), and then not at all: no poll, push
loop, video upstream, still or stream worker tries the old password again.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from homeassistant.components.camera import async_get_image
from homeassistant.components.camera.const import DATA_CAMERA_PREFS
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.ipcam.const import CONF_CHANNEL, DOMAIN
from custom_components.ipcam.protocols.foscam import operation as foscam_op
from simulator.base import SimulatedCamera
from tests.conftest import StartSimulator
from tests.integration.conftest import AddEntry
from tests.integration.helpers import coordinator, entity_id, wait_for

NEW_PASSWORD = "changed-on-the-camera"
SIMULATED_MINUTES = 10
# Home Assistant's stream worker (a thread, on real time) first retries 10 s after a
# failure: a quiet period that long would see it.
STREAM_WORKER_RETRY = 10.0
QUIET_REAL_SECONDS = 3.0
ENTRY_DATA: dict[str, dict[str, Any]] = {"dvrip": {CONF_CHANNEL: 0}}


def rejections(camera: SimulatedCamera) -> int:
    """The logins the camera refused so far."""
    return int(camera.state()["rejected_logins"])


def change_password(camera: SimulatedCamera) -> None:
    """The user changes the camera's password (on the camera, not in Home Assistant)."""
    camera.password = NEW_PASSWORD
    if camera.vendor == "foscam":
        camera.users[camera.username] = (NEW_PASSWORD, foscam_op.Privilege.ADMINISTRATOR)  # type: ignore[attr-defined]
    elif camera.vendor == "cgi":
        camera.system = dataclasses.replace(camera.system, admin_password=NEW_PASSWORD)  # type: ignore[attr-defined]


def reauth_flows(hass: HomeAssistant) -> list[str]:
    return [
        flow["context"]["source"]
        for flow in hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    ]


class Reader:
    """Reads an HTTP response to its end in the background (a viewer's stream)."""

    def __init__(self, response: Any) -> None:
        self.received = 0
        self._response = response
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        with contextlib.suppress(aiohttp.ClientError):
            while chunk := await self._response.content.read(65536):
                self.received += len(chunk)

    @property
    def ended(self) -> bool:
        return self.task.done()

    async def close(self) -> None:
        self._response.close()
        self.task.cancel()
        with contextlib.suppress(BaseException):
            await self.task


@contextlib.asynccontextmanager
async def stills(hass: HomeAssistant, camera_entity: str) -> AsyncIterator[Callable[[], int]]:
    """Fetch the camera's still every few tenths of a second, as a dashboard would."""
    fetched = 0

    async def fetch() -> None:
        nonlocal fetched
        while True:
            with contextlib.suppress(HomeAssistantError):
                await async_get_image(hass, camera_entity, timeout=15)
            fetched += 1
            await asyncio.sleep(0.3)

    task = asyncio.get_running_loop().create_task(fetch())
    try:
        yield lambda: fetched
    finally:
        task.cancel()
        with contextlib.suppress(BaseException):
            await task


async def quiet_period(hass: HomeAssistant, real_seconds: float) -> None:
    """Ten minutes of Home Assistant's time (every timer due in them fired: polls,
    back-offs, the push loop's and the video upstream's retries), then real seconds."""
    start = dt_util.utcnow()
    for step in range(1, SIMULATED_MINUTES * 2 + 1):
        async_fire_time_changed(hass, start + timedelta(seconds=30 * step))
        await asyncio.sleep(0.05)
    await hass.async_block_till_done()
    await asyncio.sleep(real_seconds)


@pytest.mark.parametrize(
    ("family", "preload"),
    [("cgi", False), ("foscam", False), ("dvrip", False), ("grandstream", False),
     ("grandstream", True)],
    ids=["cgi", "foscam", "dvrip", "grandstream", "grandstream-preload"],
)  # fmt: skip
async def test_a_changed_password_costs_at_most_the_tolerance(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    family: str,
    preload: bool,
) -> None:
    camera = await start_simulator(family)
    if family == "grandstream":
        assert await async_setup_component(hass, "stream", {})
    entry = await add_entry(camera, **ENTRY_DATA.get(family, {}))
    coord = coordinator(entry)
    tolerance = coord.client.profile.auth_failures_before_reauth
    cam = entity_id(hass, entry, "camera", "camera")
    entity = hass.data["camera"].get_entity(cam)
    async with contextlib.AsyncExitStack() as stack:
        # --- viewers open
        reader: Reader | None = None
        stream = None
        if family in ("cgi", "foscam"):
            client = await hass_client()
            response = await client.get(f"/api/camera_proxy_stream/{cam}")
            assert response.status == 200
            reader = Reader(response)
        elif family == "dvrip":
            session = await stack.enter_async_context(aiohttp.ClientSession())
            response = await session.get(entry.runtime_data.live_url)
            assert response.status == 200
            reader = Reader(response)
        else:
            if preload:  # the camera's "Preload stream" setting: the worker runs always
                prefs = hass.data[DATA_CAMERA_PREFS]
                await prefs.async_update(cam, preload_stream=True)
            stream = await entity.async_create_stream()
            assert stream is not None
            stream.add_provider("hls")
            await stream.start()
            stack.push_async_callback(stream.stop)
            await wait_for(hass, lambda: camera.vendor_state()["rtsp"]["playing"] >= 1, 30)
        if reader is not None:
            stack.push_async_callback(reader.close)
            await wait_for(hass, lambda: reader.received > 10_000, 30)
        fetched = await stack.enter_async_context(stills(hass, cam))
        await wait_for(hass, lambda: fetched() >= 2, 30)
        assert rejections(camera) == 0

        # --- the password changes on the camera
        change_password(camera)
        await camera.inject_fault("drop", 0)
        await wait_for(hass, lambda: reauth_flows(hass) == ["reauth"], 30)
        assert coord.credentials_rejected
        # Open streams end.
        if reader is not None:
            await wait_for(hass, lambda: reader.ended, 30)
        else:
            await wait_for(hass, lambda: entity.stream is None, 30)
            await wait_for(hass, lambda: stream._thread is None, 30)  # the worker thread ended
            assert await entity.async_create_stream() is None  # and no new one starts
        await asyncio.sleep(0.5)  # a request under way when the gate closed ends
        refused = rejections(camera)
        assert refused <= tolerance, f"{refused} rejected logins (the camera tolerates {tolerance})"

        # --- a quiet period: nothing tries the old password again
        still_fetches = fetched()
        await quiet_period(
            hass, STREAM_WORKER_RETRY + 1 if family == "grandstream" else QUIET_REAL_SECONDS
        )
        assert fetched() > still_fetches  # stills were asked for all along
        assert rejections(camera) == refused
        assert reauth_flows(hass) == ["reauth"]
