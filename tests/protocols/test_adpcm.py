"""Foscam ADPCM variant: docs/protocols/foscam.md ("ADPCM codec") and encode/decode round trips."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from custom_components.ipcam.protocols.audio.adpcm import (
    INDEX_TABLE,
    STEP_TABLE,
    FoscamAdpcmDecoder,
    FoscamAdpcmEncoder,
    ima_form_difference,
    multiply_form_difference,
)
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, rms, tone_pcm


def samples(pcm: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(pcm) // 2}h", pcm))


def test_tables_are_the_standard_ima_ones() -> None:
    assert len(STEP_TABLE) == 89
    assert STEP_TABLE[0] == 7
    assert STEP_TABLE[-1] == 32767
    assert list(STEP_TABLE) == sorted(STEP_TABLE)
    assert INDEX_TABLE == (-1, -1, -1, -1, 2, 4, 6, 8)


def test_multiply_form_reconstruction() -> None:
    """difference = step * magnitude / 4 + step / 8 (integer arithmetic)."""
    assert multiply_form_difference(7, 7) == 12
    assert ima_form_difference(7, 7) == 11  # the textbook form differs by one here
    assert multiply_form_difference(16, 0) == 2
    assert multiply_form_difference(32767, 7) == 32767 * 7 // 4 + 32767 // 8


def test_first_sample_is_in_the_high_nibble() -> None:
    # 0x70: high nibble 7 first -> +12 (step 7), index 8; then 0 -> +2 (step 16), index 7
    assert samples(FoscamAdpcmDecoder().decode(b"\x70")) == [12, 14]
    # 0x07: 0 first -> +0 (step 7 // 8 = 0), then 7 -> +12
    assert samples(FoscamAdpcmDecoder().decode(b"\x07")) == [0, 12]


def test_sign_bit_is_0x8() -> None:
    assert samples(FoscamAdpcmDecoder().decode(b"\xf8")) == [-12, -14]


def test_predictor_and_index_are_clamped() -> None:
    decoder = FoscamAdpcmDecoder()
    out = samples(decoder.decode(b"\x77" * 200))
    assert max(out) == 32767
    assert decoder.state.index == 88
    out = samples(decoder.decode(b"\xff" * 400))
    assert min(out) == -32768
    decoder.decode(b"\x00" * 100)
    assert decoder.state.index == 0


def test_state_carries_across_packets() -> None:
    data = FoscamAdpcmEncoder().encode(tone_pcm(1000, 0.4))
    whole = FoscamAdpcmDecoder().decode(data)
    carried = FoscamAdpcmDecoder()
    packets = b"".join(carried.decode(data[i : i + 160]) for i in range(0, len(data), 160))
    assert packets == whole
    resetting = b"".join(
        FoscamAdpcmDecoder().decode(data[i : i + 160]) for i in range(0, len(data), 160)
    )
    assert resetting != whole


def test_reset_returns_to_zero_state() -> None:
    decoder = FoscamAdpcmDecoder()
    first = decoder.decode(b"\x12\x34\x56")
    decoder.reset()
    assert decoder.decode(b"\x12\x34\x56") == first


def test_encoder_tracks_the_camera_decoder_exactly() -> None:
    """The encoder's reconstruction is the decoder's output, sample by sample."""
    pcm = tone_pcm(440, 0.2) + tone_pcm(3000, 0.2, amplitude=0.9)
    encoder = FoscamAdpcmEncoder()
    tracked = []
    for value in samples(pcm):
        encoder.encode_sample(value)
        tracked.append(encoder.state.predictor)
    decoded = samples(FoscamAdpcmDecoder().decode(FoscamAdpcmEncoder().encode(pcm)))
    assert decoded == tracked


def test_encoder_chunking_including_odd_samples_is_seamless() -> None:
    pcm = tone_pcm(700, 0.1)
    whole = FoscamAdpcmEncoder().encode(pcm)
    encoder = FoscamAdpcmEncoder()
    pieces = b"".join(encoder.encode(pcm[i : i + 6]) for i in range(0, len(pcm), 6))
    assert pieces == whole
    assert len(whole) == len(pcm) // 4


@pytest.mark.parametrize("frequency", [440.0, 1000.0, 2500.0])
def test_tone_round_trip_keeps_the_dominant_frequency(frequency: float) -> None:
    pcm = tone_pcm(frequency, 1.0)
    encoder = FoscamAdpcmEncoder()
    data = b"".join(encoder.encode(pcm[i : i + 640]) for i in range(0, len(pcm), 640))
    assert len(data) == 4000  # 160 bytes per 40 ms
    decoder = FoscamAdpcmDecoder()
    out = b"".join(decoder.decode(data[i : i + 160]) for i in range(0, len(data), 160))
    assert len(out) == len(pcm)
    assert abs(dominant_frequency(out) - frequency) <= 3
    original = np.frombuffer(pcm, "<i2").astype(float)
    error = original - np.frombuffer(out, "<i2").astype(float)
    snr = 20 * np.log10(rms(pcm) / np.sqrt(np.mean(error**2)))
    assert snr > 15
    assert abs(rms(out) - rms(pcm)) < 0.1 * rms(pcm)


def test_wrong_nibble_order_does_not_reproduce_the_tone() -> None:
    data = FoscamAdpcmEncoder().encode(tone_pcm(1000, 0.5))
    swapped = bytes(((b & 0x0F) << 4) | (b >> 4) for b in data)
    out = FoscamAdpcmDecoder().decode(swapped)
    original = np.frombuffer(tone_pcm(1000, 0.5), "<i2").astype(float)
    error = original - np.frombuffer(out, "<i2").astype(float)
    assert np.sqrt(np.mean(error**2)) > rms(tone_pcm(1000, 0.5)) * 0.5


def test_ima_and_multiply_forms_differ_but_stay_close() -> None:
    """docs/protocols/foscam.md: the two reconstructions differ by a few counts over a tone."""
    data = FoscamAdpcmEncoder().encode(tone_pcm(1000, 5.0))
    fos = np.frombuffer(FoscamAdpcmDecoder().decode(data), "<i2").astype(int)
    ima = np.frombuffer(FoscamAdpcmDecoder(ima_form=True).decode(data), "<i2").astype(int)
    difference = np.abs(fos - ima)
    assert difference.max() > 0
    assert difference.max() <= 16


def test_seed_from_first_two_samples() -> None:
    encoder = FoscamAdpcmEncoder()
    encoder.seed(1000, 1300)
    assert encoder.state.predictor == 1000
    assert STEP_TABLE[encoder.state.index] >= 300
    assert STEP_TABLE[encoder.state.index - 1] < 300
    assert "predictor=1000" in repr(encoder.state)
