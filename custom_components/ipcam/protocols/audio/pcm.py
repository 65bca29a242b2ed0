"""PCM helpers: tones, WAV containers and simple analysis (8 kHz mono s16le by default)."""

from __future__ import annotations

import io
import math
import struct

import numpy as np


def tone_pcm(frequency: float, seconds: float, rate: int = 8000, amplitude: float = 0.5) -> bytes:
    """A sine tone as mono signed 16-bit little-endian PCM."""
    count = int(seconds * rate)
    t = np.arange(count, dtype=np.float64) / rate
    samples = np.sin(2 * math.pi * frequency * t) * (amplitude * 32767)
    return samples.astype("<i2").tobytes()


def wav_bytes(pcm: bytes, rate: int = 8000) -> bytes:
    """Wrap mono s16le PCM in a WAV container."""
    buffer = io.BytesIO()
    buffer.write(b"RIFF")
    buffer.write(struct.pack("<I", 36 + len(pcm)))
    buffer.write(b"WAVEfmt ")
    buffer.write(struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16))
    buffer.write(b"data")
    buffer.write(struct.pack("<I", len(pcm)))
    buffer.write(pcm)
    return buffer.getvalue()


def dominant_frequency(pcm: bytes, rate: int = 8000) -> float:
    """The strongest frequency in mono s16le PCM (0.0 for silence or no data)."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if samples.size < 16 or not samples.any():
        return 0.0
    window = np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(samples * window))
    spectrum[0] = 0.0
    peak = int(np.argmax(spectrum))
    return float(peak * rate / samples.size)


def rms(pcm: bytes) -> float:
    """Root mean square of mono s16le PCM, in sample units."""
    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples * samples)))
