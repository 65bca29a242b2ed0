"""4-bit IMA/DVI ADPCM, Foscam variant (legacy MJPEG cameras, MO_V audio and talk).

What makes it the Foscam variant (docs/protocols/foscam.md, "ADPCM codec"):

- the standard IMA step table (89 entries) and index table (-1, -1, -1, -1, 2, 4, 6, 8);
- the difference is reconstructed with the vendor's *multiply form*
  ``step * magnitude // 4 + step // 8`` instead of the bit-by-bit IMA sum;
- the first sample of a byte is in the HIGH nibble;
- no per-packet header: predictor and step index carry across packets for the whole
  stream (the camera resets them only on Audio_Start_Resp).

PCM is mono signed 16-bit little-endian. Both classes keep their state between calls,
so feed them consecutive packets of one stream.
"""

from __future__ import annotations

import struct

import numpy as np

STEP_TABLE: tuple[int, ...] = (
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45,
    50, 55, 60, 66, 73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307,
    337, 371, 408, 449, 494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411,
    1552, 1707, 1878, 2066, 2272, 2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358,
    5894, 6484, 7132, 7845, 8630, 9493, 10442, 11487, 12635, 13899, 15289, 16818, 18500,
    20350, 22385, 24623, 27086, 29794, 32767,
)  # fmt: skip
INDEX_TABLE: tuple[int, ...] = (-1, -1, -1, -1, 2, 4, 6, 8)
MAX_INDEX = len(STEP_TABLE) - 1


def _clamp_sample(value: int) -> int:
    return -32768 if value < -32768 else 32767 if value > 32767 else value


def _clamp_index(value: int) -> int:
    return 0 if value < 0 else MAX_INDEX if value > MAX_INDEX else value


def multiply_form_difference(step: int, magnitude: int) -> int:
    """Foscam's reconstruction of a 3-bit magnitude (the camera's decoder uses this)."""
    return step * magnitude // 4 + step // 8


def ima_form_difference(step: int, magnitude: int) -> int:
    """The textbook IMA bit-by-bit reconstruction (for comparison only)."""
    difference = step >> 3
    if magnitude & 4:
        difference += step
    if magnitude & 2:
        difference += step >> 1
    if magnitude & 1:
        difference += step >> 2
    return difference


class AdpcmState:
    """Predictor and step index shared by the encoder and the decoder."""

    __slots__ = ("index", "predictor")

    def __init__(self, predictor: int = 0, index: int = 0) -> None:
        self.predictor = _clamp_sample(predictor)
        self.index = _clamp_index(index)

    def reset(self) -> None:
        self.predictor = 0
        self.index = 0

    def __repr__(self) -> str:
        return f"AdpcmState(predictor={self.predictor}, index={self.index})"


class FoscamAdpcmDecoder:
    """ADPCM bytes -> s16le PCM (4 output bytes per input byte), state carried across calls.

    ``ima_form=True`` uses the textbook reconstruction instead (only for comparisons).
    """

    def __init__(self, *, ima_form: bool = False) -> None:
        self.state = AdpcmState()
        self._difference = ima_form_difference if ima_form else multiply_form_difference

    def reset(self) -> None:
        """Forget the stream (the camera does this on Audio_Start_Resp)."""
        self.state.reset()

    def decode_nibble(self, code: int) -> int:
        state = self.state
        step = STEP_TABLE[state.index]
        magnitude = code & 7
        difference = self._difference(step, magnitude)
        if code & 8:
            difference = -difference
        state.predictor = _clamp_sample(state.predictor + difference)
        state.index = _clamp_index(state.index + INDEX_TABLE[magnitude])
        return state.predictor

    def decode(self, data: bytes) -> bytes:
        out = np.empty(len(data) * 2, dtype="<i2")
        position = 0
        for byte in data:
            out[position] = self.decode_nibble(byte >> 4)
            out[position + 1] = self.decode_nibble(byte & 0x0F)
            position += 2
        return out.tobytes()


class FoscamAdpcmEncoder:
    """s16le PCM -> ADPCM bytes, with the camera's multiply-form reconstruction.

    The encoder mirrors the camera's decoder exactly (same reconstruction, same
    clamping), so both stay in lock-step for a whole talk session. An odd sample
    left at the end of a call is kept for the next call.
    """

    def __init__(self) -> None:
        self.state = AdpcmState()
        self._pending: int | None = None

    def reset(self) -> None:
        self.state.reset()
        self._pending = None

    def seed(self, first: int, second: int) -> None:
        """Start from the first sample with a step matching the first difference (iSpy)."""
        self.state.predictor = _clamp_sample(first)
        delta = min(abs(second - first), 32767)
        index = 0
        while index < MAX_INDEX and STEP_TABLE[index] < delta:
            index += 1
        self.state.index = index

    def encode_sample(self, sample: int) -> int:
        state = self.state
        step = STEP_TABLE[state.index]
        delta = sample - state.predictor
        sign = 0
        if delta < 0:
            delta = -delta
            sign = 8
        magnitude = min(4 * delta // step, 7)
        difference = multiply_form_difference(step, magnitude)
        if sign:
            difference = -difference
        state.predictor = _clamp_sample(state.predictor + difference)
        state.index = _clamp_index(state.index + INDEX_TABLE[magnitude])
        return sign | magnitude

    def encode(self, pcm: bytes) -> bytes:
        """Encode whole sample pairs; the first sample of each pair goes to the high nibble."""
        count = len(pcm) // 2
        samples: list[int] = list(struct.unpack(f"<{count}h", pcm[: count * 2]))
        if self._pending is not None:
            samples.insert(0, self._pending)
            self._pending = None
        if len(samples) % 2:
            self._pending = samples.pop()
        out = bytearray(len(samples) // 2)
        for position in range(0, len(samples), 2):
            high = self.encode_sample(samples[position])
            low = self.encode_sample(samples[position + 1])
            out[position // 2] = (high << 4) | low
        return bytes(out)
