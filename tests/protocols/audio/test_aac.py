"""The AAC encoder: ADTS frames that FFmpeg (PyAV) reads back as the sound that went in."""

from __future__ import annotations

import io

import av
import numpy
import pytest

from custom_components.ipcam.protocols.audio.aac import (
    FRAME_SAMPLES,
    OUTPUT_RATE,
    AacEncoder,
    adts_header,
)
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency, tone_pcm
from custom_components.ipcam.protocols.errors import InvalidValue


def test_adts_header_fields() -> None:
    header = adts_header(300)
    assert len(header) == 7
    assert header[0] == 0xFF and header[1] >> 4 == 0xF  # sync word
    assert header[1] & 0x01  # no CRC
    assert header[2] >> 6 == 1  # AAC LC (object type 2, stored minus one)
    assert header[2] >> 2 & 0x0F == 8  # 16 kHz
    assert (header[2] & 1) << 2 | header[3] >> 6 == 1  # mono
    length = (header[3] & 3) << 11 | header[4] << 3 | header[5] >> 5
    assert length == 307
    with pytest.raises(InvalidValue):
        adts_header(8190)


def test_a_tone_survives_the_round_trip() -> None:
    encoder = AacEncoder(8000)
    tone = tone_pcm(1000, 1.0, amplitude=0.3)
    frames = []
    for start in range(0, len(tone), 320):  # 20 ms chunks, as a camera sends them
        frames += encoder.encode(tone[start : start + 320])
    # Gathered in batches of 2048 samples: three in 1 s (6144 samples, 12 output frames at
    # 16 kHz), the encoder holding one frame back.
    assert len(frames) == 11
    assert encoder.frames == len(frames)
    with av.open(io.BytesIO(b"".join(frames)), format="aac") as container:
        (track,) = container.streams.audio
        assert (track.rate, track.channels) == (OUTPUT_RATE, 1)
        decoded = [frame.to_ndarray()[0] for frame in container.decode(track)]
    assert all(len(samples) == FRAME_SAMPLES for samples in decoded)
    pcm = (numpy.concatenate(decoded[2:]) * 32767).astype("<i2").tobytes()
    assert abs(dominant_frequency(pcm, OUTPUT_RATE) - 1000) <= 20


@pytest.mark.parametrize("pcm", [b"\x00", bytes(2 * 80_001)])
def test_what_is_not_16_bit_pcm_of_a_bounded_size_is_refused(pcm: bytes) -> None:
    with pytest.raises(InvalidValue):
        AacEncoder().encode(pcm)


def test_empty_input_and_odd_rates() -> None:
    assert AacEncoder().encode(b"") == []
    with pytest.raises(InvalidValue):
        AacEncoder(0)


def test_input_is_gathered_into_batches() -> None:
    encoder = AacEncoder(8000, batch_samples=1024)
    assert encoder.encode(bytes(2000)) == []  # 1000 samples: not yet a batch
    assert len(encoder.encode(bytes(100))) >= 1  # 1050: encoded in one call
    assert encoder.encode(bytes(2)) == []  # the next batch starts empty
