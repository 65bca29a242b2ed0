"""LiveAudio: the bounded, resampling buffer between the talk card's messages and the talk path."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from custom_components.ipcam.live_audio import (
    MAX_BUFFERED_SECONDS,
    MAX_MESSAGE_BYTES,
    Downsampler,
    LiveAudio,
    LiveAudioError,
)
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm


def test_downsampler_keeps_speech_and_removes_what_8_khz_cannot_carry() -> None:
    pcm = tone_pcm(1000, 1.0, rate=16000)
    downsampler = Downsampler()
    # Odd-sized pieces: the kept-sample phase must carry across messages.
    out = b"".join(downsampler.process(pcm[i : i + 642]) for i in range(0, len(pcm), 642))
    assert len(out) == len(pcm) // 2
    assert dominant_frequency(out) == pytest.approx(1000, abs=5)
    level_in = np.abs(np.frombuffer(pcm, "<i2")).max()
    assert np.abs(np.frombuffer(out, "<i2")[50:]).max() == pytest.approx(level_in, rel=0.1)
    # 6 kHz would alias to 2 kHz at 8 kHz: the low-pass removes it.
    high = Downsampler().process(tone_pcm(6000, 0.5, rate=16000))
    assert np.abs(np.frombuffer(high, "<i2")[50:]).max() < level_in * 0.01
    assert Downsampler().process(b"") == b""


async def test_chunks_resampled_in_order_and_end_after_release() -> None:
    audio = LiveAudio(16000)
    pcm = tone_pcm(1000, 0.2, rate=16000)
    for offset in range(0, len(pcm), 640):
        audio.feed(pcm[offset : offset + 640])
    audio.end()
    audio.feed(pcm)  # after the end: ignored
    out = b"".join([chunk async for chunk in audio.chunks()])
    assert len(out) == len(pcm) // 2
    assert audio.messages == 10
    assert audio.end_reason == "released"
    assert audio.first_message_at is not None


async def test_8_khz_is_taken_as_is_and_bad_messages_are_refused() -> None:
    audio = LiveAudio(8000)
    audio.feed(b"\x01\x00\x02\x00")
    with pytest.raises(LiveAudioError, match="16-bit"):
        audio.feed(b"\x01\x02\x03")
    with pytest.raises(LiveAudioError, match="at most"):
        audio.feed(bytes(MAX_MESSAGE_BYTES + 2))
    with pytest.raises(LiveAudioError, match="sample rate"):
        LiveAudio(44100)
    audio.end()
    assert [chunk async for chunk in audio.chunks()] == [b"\x01\x00\x02\x00"]


async def test_a_slow_consumer_loses_the_oldest_audio_not_latency() -> None:
    audio = LiveAudio(8000)
    chunk = bytes(320)  # 20 ms
    for _ in range(100):  # 2 s, nobody reading
        audio.feed(chunk)
    audio.end()
    kept = b"".join([c async for c in audio.chunks()])
    assert len(kept) == int(MAX_BUFFERED_SECONDS * 8000 * 2)
    assert audio.dropped_bytes == 100 * 320 - len(kept)


async def test_silence_ends_the_stream_and_the_longest_talk_is_capped() -> None:
    audio = LiveAudio(8000, idle_seconds=0.05)
    assert [c async for c in audio.chunks()] == []
    assert audio.end_reason == "no audio arrived"

    capped = LiveAudio(8000, max_seconds=0.01)  # 160 bytes
    capped.feed(bytes(100))
    capped.feed(bytes(100))
    capped.feed(bytes(100))
    assert capped.ended
    assert capped.end_reason == "the longest talk allowed was reached"
    assert sum([len(c) async for c in capped.chunks()]) == 160


async def test_waiting_reader_wakes_on_audio() -> None:
    audio = LiveAudio(8000)
    chunks = audio.chunks()
    reader = asyncio.ensure_future(anext(chunks))
    await asyncio.sleep(0.01)
    assert not reader.done()
    audio.feed(b"\x00\x01")
    assert await asyncio.wait_for(reader, 1) == b"\x00\x01"
    await chunks.aclose()
