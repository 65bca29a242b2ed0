"""Camera microphone PCM to AAC-LC in ADTS frames, for players that take no G.711.

Home Assistant's ``stream`` (HLS) keeps an audio track only when it is AAC or
MP3, and browsers play AAC everywhere; cameras send G.711 at 8 kHz. The encoder
takes 16-bit mono PCM at the camera's rate and returns whole ADTS frames (a
7-byte header per frame, so an MPEG-TS demuxer needs no side information), each
``FRAME_SAMPLES`` samples at ``OUTPUT_RATE``. 16 kHz rather than the camera's
8 kHz: every AAC decoder takes it (some refuse rates below 16 kHz), and it costs
FFmpeg's encoder little (about 10 ms per second of audio).

PyAV (FFmpeg) does the resampling and the encoding; it is imported on first use,
as Home Assistant's ``stream`` brings it. Each call into PyAV costs far more than
the samples it encodes, so the encoder gathers ``batch_samples`` of input (a
quarter of a second by default; a muxer's usual interleaving delay) before it
encodes them in one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, cast

from ..errors import InvalidValue

if TYPE_CHECKING:
    from av.audio.codeccontext import AudioCodecContext

OUTPUT_RATE: Final = 16_000
FRAME_SAMPLES: Final = 1024  # AAC-LC: samples per frame and channel
BIT_RATE: Final = 32_000
# MPEG-4 sampling frequency index (ISO/IEC 14496-3, 1.6.3.4).
_RATE_INDEX: Final = {
    96000: 0, 88200: 1, 64000: 2, 48000: 3, 44100: 4, 32000: 5,
    24000: 6, 22050: 7, 16000: 8, 12000: 9, 11025: 10, 8000: 11, 7350: 12,
}  # fmt: skip
MAX_FRAME: Final = (1 << 13) - 1  # ADTS frame_length is 13 bits, header included
MAX_INPUT_SAMPLES: Final = 8000 * 10  # one call's PCM: ten seconds at 8 kHz at most
BATCH_SAMPLES: Final = 2048  # input gathered per PyAV call: 256 ms at 8 kHz
_AAC_LC: Final = 2  # audio object type


def adts_header(payload: int, rate: int = OUTPUT_RATE, channels: int = 1) -> bytes:
    """The 7-byte ADTS header (no CRC) of an AAC-LC frame of ``payload`` bytes."""
    length = payload + 7
    if length > MAX_FRAME:
        raise InvalidValue(f"an AAC frame of {payload} bytes does not fit ADTS")
    index = _RATE_INDEX[rate]
    return bytes(
        (
            0xFF,
            0xF1,  # sync, MPEG-4, layer 0, no CRC
            ((_AAC_LC - 1) << 6) | (index << 2) | (channels >> 2),
            ((channels & 3) << 6) | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | 0x1F,  # buffer fullness 0x7FF: variable rate
            0xFC,
        )
    )


class AacEncoder:
    """16-bit mono PCM in, ADTS frames out (see the module docstring)."""

    def __init__(self, input_rate: int = 8000, batch_samples: int = BATCH_SAMPLES) -> None:
        if not 1000 <= input_rate <= 96000:
            raise InvalidValue(f"an input rate of {input_rate} Hz")
        self.input_rate = input_rate
        self._batch_bytes = 2 * max(1, min(batch_samples, MAX_INPUT_SAMPLES))
        self._pending = bytearray()
        self._context: AudioCodecContext | None = None
        self.frames = 0  # ADTS frames returned so far

    def _open(self) -> AudioCodecContext:
        import av  # Home Assistant's stream brings it; imported on first use

        context = cast("AudioCodecContext", av.CodecContext.create("aac", "w"))
        context.sample_rate = OUTPUT_RATE
        context.layout = "mono"
        context.format = "fltp"
        context.bit_rate = BIT_RATE
        context.open()
        return context

    def encode(self, pcm: bytes) -> list[bytes]:
        """The ADTS frames ``pcm`` completed (none until a batch has gathered; the encoder's
        delay holds back one more frame at the start)."""
        if len(pcm) % 2 or len(pcm) // 2 > MAX_INPUT_SAMPLES:
            raise InvalidValue(f"{len(pcm)} bytes of 16-bit PCM at once")
        self._pending += pcm
        if len(self._pending) < self._batch_bytes:
            return []
        pcm, self._pending = bytes(self._pending), bytearray()
        import av
        import numpy as np

        context = self._context
        if context is None:
            context = self._context = self._open()
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = self.input_rate
        try:
            packets = context.encode(frame)
        except av.FFmpegError as err:
            raise InvalidValue(f"the AAC encoder refused the audio: {err}") from err
        frames = [adts_header(packet.size) + bytes(packet) for packet in packets]
        self.frames += len(frames)
        return frames
