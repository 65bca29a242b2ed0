"""Small helpers shared by the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from homeassistant.config_entries import SOURCE_USER, ConfigFlowResult
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.ipcam.const import CONF_FAMILY, DOMAIN
from custom_components.ipcam.coordinator import IpcamCoordinator
from simulator.base import SimulatedCamera
from tests.integration.conftest import entry_data


def entity_id(hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str) -> str:
    """The entity id of the entity with description ``key`` on ``platform``."""
    registry = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(registry, entry.entry_id):
        if entity.domain == platform and entity.unique_id.endswith(f"_{key}"):
            return entity.entity_id
    raise AssertionError(f"no {platform} entity with key {key!r}")


def keys(hass: HomeAssistant, entry: MockConfigEntry, platform: str) -> set[str]:
    """The description keys of the entry's entities on ``platform``."""
    registry = er.async_get(hass)
    unique_prefix = f"{entry.unique_id or coordinator(entry).client.identity.unique_id}_"
    return {
        entity.unique_id.removeprefix(unique_prefix)
        for entity in er.async_entries_for_config_entry(registry, entry.entry_id)
        if entity.domain == platform
    }


async def add_through_flow(hass: HomeAssistant, camera: SimulatedCamera) -> ConfigFlowResult:
    """The user's config flow for ``camera``: its family, then its address and login."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_FAMILY: camera.vendor}
    )
    form = entry_data(camera)
    form.pop(CONF_FAMILY)
    return await hass.config_entries.flow.async_configure(result["flow_id"], form)


def coordinator(entry: MockConfigEntry) -> IpcamCoordinator:
    return entry.runtime_data.coordinator  # type: ignore[no-any-return]


async def wait_for(
    hass: HomeAssistant, predicate: Callable[[], bool], seconds: float = 10.0
) -> None:
    """Let the event loop run until ``predicate()`` holds (real sockets take real time)."""
    async with asyncio.timeout(seconds):
        while not predicate():
            await asyncio.sleep(0.02)
            await hass.async_block_till_done()


async def talk_settled(
    hass: HomeAssistant, camera: SimulatedCamera, quiet: float = 0.5, seconds: float = 20.0
) -> None:
    """Wait until the camera has received every talk packet sent: no new audio for
    ``quiet`` seconds of a running event loop (the client's last writes may still be
    on their way when its talk returns, for longer on a loaded machine)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(seconds):
        size, since = len(camera.talk_pcm), loop.time()
        while loop.time() - since < quiet:
            await asyncio.sleep(0.05)
            await hass.async_block_till_done()
            if len(camera.talk_pcm) != size:
                size, since = len(camera.talk_pcm), loop.time()


def decode_video(
    url: str, count: int, options: dict[str, str] | None = None
) -> tuple[str, int, int, int]:
    """Open ``url`` with PyAV (FFmpeg) in the calling thread; decode up to ``count`` frames.

    Returns (codec, frames decoded, width, height). Call it through ``asyncio.to_thread``.
    """
    import av

    with av.open(url, options=options or {}, timeout=10) as container:
        stream = container.streams.video[0]
        decoded = width = height = 0
        for frame in container.decode(stream):
            decoded += 1
            width, height = frame.width, frame.height
            if decoded >= count:
                break
        return stream.codec_context.name, decoded, width, height


def decode_audio(
    url: str, seconds: float, options: dict[str, str] | None = None
) -> tuple[str, int, bytes]:
    """Open ``url`` with PyAV in the calling thread and decode ``seconds`` of its first audio
    track. Returns (codec, sample rate, 16-bit mono PCM); call it through ``asyncio.to_thread``."""
    import av

    with av.open(url, options=options or {}, timeout=10) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="s16", layout="mono", rate=stream.rate)
        pcm = bytearray()
        for frame in container.decode(stream):
            for plain in resampler.resample(frame):
                pcm += bytes(plain.planes[0])[: plain.samples * 2]
            if len(pcm) >= seconds * stream.rate * 2:
                break
        return stream.codec_context.name, stream.rate, bytes(pcm)
