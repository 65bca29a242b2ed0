"""G.711 A-law and µ-law (ITU-T G.711), table driven, for mono s16le PCM."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def _ulaw_decode_one(code: int) -> int:
    code = ~code & 0xFF
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    sample = ((mantissa << 3) + 0x84) << exponent
    sample -= 0x84
    return -sample if sign else sample


def _alaw_decode_one(code: int) -> int:
    code ^= 0x55
    sign = code & 0x80
    exponent = (code >> 4) & 0x07
    mantissa = code & 0x0F
    if exponent == 0:
        sample = (mantissa << 4) + 8
    else:
        sample = ((mantissa << 4) + 0x108) << (exponent - 1)
    return sample if sign else -sample


def _ulaw_encode_one(sample: int) -> int:
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    magnitude = min(-sample if sample < 0 else sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not magnitude & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _alaw_encode_one(sample: int) -> int:
    sign = 0x80 if sample >= 0 else 0
    magnitude = sample if sample >= 0 else -sample - 1
    magnitude = min(magnitude, 32767) >> 3  # 13-bit magnitude
    if magnitude < 32:
        code = magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5  # 1..7
        code = (exponent << 4) | ((magnitude >> exponent) & 0x0F)
    return (code | sign) ^ 0x55


_ULAW_DECODE = np.array([_ulaw_decode_one(c) for c in range(256)], dtype="<i2")
_ALAW_DECODE = np.array([_alaw_decode_one(c) for c in range(256)], dtype="<i2")
_ULAW_ENCODE = np.array([_ulaw_encode_one(s) for s in range(-32768, 32768)], dtype=np.uint8)
_ALAW_ENCODE = np.array([_alaw_encode_one(s) for s in range(-32768, 32768)], dtype=np.uint8)


def _samples(pcm: bytes) -> npt.NDArray[np.int32]:
    return np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.int32) + 32768


def ulaw_encode(pcm: bytes) -> bytes:
    """s16le PCM -> µ-law bytes (one per sample)."""
    return bytes(_ULAW_ENCODE[_samples(pcm)].tobytes())


def alaw_encode(pcm: bytes) -> bytes:
    """s16le PCM -> A-law bytes (one per sample)."""
    return bytes(_ALAW_ENCODE[_samples(pcm)].tobytes())


def ulaw_decode(data: bytes) -> bytes:
    """µ-law bytes -> s16le PCM."""
    return bytes(_ULAW_DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes())


def alaw_decode(data: bytes) -> bytes:
    """A-law bytes -> s16le PCM."""
    return bytes(_ALAW_DECODE[np.frombuffer(data, dtype=np.uint8)].tobytes())
