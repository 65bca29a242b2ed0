"""The talk manager against a scripted client: one talk at a time, errors, the unexpected."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from custom_components.ipcam.protocols.audio.pcm import tone_pcm, wav_bytes
from custom_components.ipcam.protocols.base import Capability
from custom_components.ipcam.protocols.errors import DeviceBusy
from custom_components.ipcam.talk import TalkManager
from tests.ha.fake_client import FakeClient


@pytest.fixture
def tone(hass: HomeAssistant, tmp_path: Path) -> str:
    path = tmp_path / "tone.wav"
    path.write_bytes(wav_bytes(tone_pcm(440, 1.0)))
    hass.config.allowlist_external_dirs = {str(tmp_path)}
    return str(path)


class SlowTalker(FakeClient):
    """Takes its time per chunk, like a paced camera; counts open channels."""

    def __init__(self) -> None:
        super().__init__()
        self.open_channels = 0
        self.failure: BaseException | None = None

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        self.open_channels += 1
        try:
            if self.failure is not None:
                raise self.failure
            async for chunk in pcm:
                self.talked.append(chunk)
                await asyncio.sleep(0.02)
            return 1.0
        finally:
            self.open_channels -= 1


async def test_a_new_talk_replaces_the_running_one(hass: HomeAssistant, tone: str) -> None:
    client = SlowTalker()
    talk = TalkManager(hass, client)
    await talk.async_start(tone)
    assert talk.playing
    await talk.async_start(tone)
    assert talk.sessions == 2
    assert client.open_channels == 1
    await talk.async_stop()
    assert not talk.playing
    assert client.open_channels == 0


async def test_a_refusing_camera_is_a_translated_error(hass: HomeAssistant, tone: str) -> None:
    client = SlowTalker()
    client.failure = DeviceBusy("another client talks")
    talk = TalkManager(hass, client)
    with pytest.raises(HomeAssistantError) as caught:
        await talk.async_start(tone)
    assert caught.value.translation_key == "talk_refused"
    assert client.open_channels == 0


async def test_an_unexpected_exception_is_reported_not_leaked(
    hass: HomeAssistant, tone: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = SlowTalker()
    client.failure = RuntimeError("a bug in a client")
    talk = TalkManager(hass, client)
    with caplog.at_level(logging.WARNING), pytest.raises(HomeAssistantError) as caught:
        await talk.async_start(tone)
    assert caught.value.translation_key == "talk_failed"
    assert talk.last_error is not None and "RuntimeError" in talk.last_error
    client.failure = None
    await talk.async_start(tone)  # the next talk works
    assert await talk.async_wait() == 1.0


async def test_no_talk_channel_and_bad_volume_are_validation_errors(
    hass: HomeAssistant, tone: str
) -> None:
    client = FakeClient(capabilities=frozenset({Capability.EVENTS}))
    with pytest.raises(ServiceValidationError):
        await TalkManager(hass, client).async_start(tone)
    with pytest.raises(ServiceValidationError):
        await TalkManager(hass, SlowTalker()).async_start(tone, volume=2.0)
