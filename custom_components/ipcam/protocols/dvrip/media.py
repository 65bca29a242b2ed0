"""DVRIP media framing, sans-I/O: the frames inside 1412/1422/1426/1433/1561 payloads.

Media is a byte stream: the payloads of consecutive packets are concatenated
and cut into frames by the sub-header lengths (one frame may span several
packets, one packet may hold several frames). Every frame starts with
``00 00 01 xx``; the lengths after it are little-endian and do not count the
sub-header:

- ``0x1FC`` video I-frame, 16 bytes: T, F, W, H, packed date/time, uint32 length
- ``0x1FD`` video P-frame, 8 bytes: uint32 length
- ``0x1FA`` audio, 8 bytes: T (codec), S (sample-rate index), uint16 length
- ``0x1F9`` info, 8 bytes: T, N, uint16 length
- ``0x1FE`` picture (JPEG), 16 bytes like the I-frame

T's low nibble is the codec; its bits 4-5 and 6-7 extend W and H (units of 8 pixels).
"""

from __future__ import annotations

import datetime as dt
import struct
from dataclasses import dataclass

from ..errors import ProtocolError

START = b"\x00\x00\x01"
TYPE_VIDEO_I = 0xFC
TYPE_VIDEO_P = 0xFD
TYPE_AUDIO = 0xFA
TYPE_INFO = 0xF9
TYPE_PICTURE = 0xFE

MAX_FRAME_SIZE = 8 * 1024 * 1024

VIDEO_CODECS = {1: "mpeg4", 2: "h264", 3: "h265"}
VIDEO_CODEC_IDS = {"mpeg4": 1, "h264": 2, "h265": 3, "hevc": 3}
AUDIO_CODECS = {
    7: "pcm8",
    8: "g729",
    9: "ima_adpcm",
    10: "g711u",
    11: "g721",
    12: "pcm8_vwis",
    13: "ms_adpcm",
    14: "g711a",
    15: "pcm16",
}
AUDIO_CODEC_IDS = {name: code for code, name in AUDIO_CODECS.items()}
SAMPLE_RATES = {1: 4000, 2: 8000, 3: 11025, 4: 16000, 5: 20000, 6: 22050, 7: 32000, 8: 44100}
SAMPLE_RATES[9] = 48000
SAMPLE_RATE_IDS = {rate: index for index, rate in SAMPLE_RATES.items()}

TALK_FRAME_BYTES = 320  # G.711 bytes per talk packet: 40 ms at 8 kHz
ALAW_SILENCE = 0xD5

_HEADER_SIZES = {TYPE_VIDEO_I: 16, TYPE_PICTURE: 16, TYPE_VIDEO_P: 8, TYPE_AUDIO: 8, TYPE_INFO: 8}


@dataclass(frozen=True, slots=True)
class MediaFrame:
    """One frame cut from the media byte stream."""

    kind: str  # "video", "audio", "picture" or "info"
    codec: str  # "h264", "h265", "mpeg4", "g711a", "g711u", "jpeg", "info", or "unknown:N"
    data: bytes
    keyframe: bool = False
    width: int = 0
    height: int = 0
    fps: int = 0
    timestamp: dt.datetime | None = None  # I-frames and pictures: device wall-clock time
    sample_rate: int = 0


def pack_datetime(when: dt.datetime) -> int:
    """Pack a local time into the I-frame date field (6 bits s, 6 min, 5 h, 5 d, 4 mon, 6 y)."""
    year = min(max(when.year - 2000, 0), 63)
    return (
        when.second
        | when.minute << 6
        | when.hour << 12
        | when.day << 17
        | when.month << 22
        | year << 26
    )


def unpack_datetime(value: int) -> dt.datetime | None:
    """The I-frame date field as a naive local time; None when it is not a valid date."""
    try:
        return dt.datetime(
            2000 + (value >> 26 & 0x3F),
            value >> 22 & 0x0F,
            value >> 17 & 0x1F,
            value >> 12 & 0x1F,
            value >> 6 & 0x3F,
            value & 0x3F,
        )
    except ValueError:
        return None


def _size_bytes(width: int, height: int, codec: int) -> tuple[int, int, int]:
    w8, h8 = width // 8, height // 8
    if not (0 <= w8 < 1024 and 0 <= h8 < 1024):
        raise ValueError("picture size out of range")
    t_byte = (codec & 0x0F) | ((w8 >> 8) & 3) << 4 | ((h8 >> 8) & 3) << 6
    return t_byte, w8 & 0xFF, h8 & 0xFF


def encode_video_frame(
    codec: str,
    data: bytes,
    *,
    keyframe: bool,
    width: int = 0,
    height: int = 0,
    fps: int = 25,
    when: dt.datetime | None = None,
) -> bytes:
    """A 0x1FC I-frame (with size, rate and time) or a 0x1FD P-frame around Annex B data."""
    if len(data) > MAX_FRAME_SIZE:
        raise ValueError("frame too large")
    if not keyframe:
        return START + bytes([TYPE_VIDEO_P]) + struct.pack("<I", len(data)) + data
    t_byte, w, h = _size_bytes(width, height, VIDEO_CODEC_IDS[codec])
    stamp = pack_datetime(when or dt.datetime.now())
    head = struct.pack("<BBBBII", t_byte, fps & 0x1F, w, h, stamp, len(data))
    return START + bytes([TYPE_VIDEO_I]) + head + data


def encode_picture(jpeg: bytes, width: int, height: int, when: dt.datetime | None = None) -> bytes:
    """A 0x1FE picture frame around a JPEG."""
    if len(jpeg) > MAX_FRAME_SIZE:
        raise ValueError("picture too large")
    t_byte, w, h = _size_bytes(width, height, 0)
    stamp = pack_datetime(when or dt.datetime.now())
    head = struct.pack("<BBBBII", t_byte, 0, w, h, stamp, len(jpeg))
    return START + bytes([TYPE_PICTURE]) + head + jpeg


def encode_audio_frame(data: bytes, codec: str = "g711a", sample_rate: int = 8000) -> bytes:
    """A 0x1FA audio frame (also the talk-back frame: ``00 00 01 FA 0E 02 40 01`` + 320 bytes)."""
    if len(data) > 0xFFFF:
        raise ValueError("audio frame too large")
    head = struct.pack("<BBH", AUDIO_CODEC_IDS[codec], SAMPLE_RATE_IDS[sample_rate], len(data))
    return START + bytes([TYPE_AUDIO]) + head + data


def encode_info_frame(data: bytes, info_type: int = 1) -> bytes:
    """A 0x1F9 info frame."""
    if len(data) > 0xFFFF:
        raise ValueError("info frame too large")
    return START + bytes([TYPE_INFO]) + struct.pack("<BBH", info_type, 0, len(data)) + data


def encode_talk_frame(alaw: bytes) -> bytes:
    """One talk packet payload: exactly 320 A-law bytes (padded with A-law silence)."""
    if len(alaw) > TALK_FRAME_BYTES:
        raise ValueError("talk frame holds at most 320 bytes")
    padded = alaw + bytes([ALAW_SILENCE]) * (TALK_FRAME_BYTES - len(alaw))
    return encode_audio_frame(padded)


class MediaDemuxer:
    """Feed media packet payloads (any split), get whole frames back.

    Raises ``ProtocolError`` for an unknown frame type, a frame larger than
    ``max_frame`` (checked before buffering it) or, from ``close()``, a stream
    that ends inside a frame.
    """

    def __init__(self, *, max_frame: int = MAX_FRAME_SIZE) -> None:
        self._buffer = bytearray()
        self._max_frame = max_frame
        self._need: tuple[int, int] | None = None  # (header size, payload length)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> list[MediaFrame]:
        self._buffer.extend(data)
        frames: list[MediaFrame] = []
        while True:
            if self._need is None:
                if len(self._buffer) < 8:
                    return frames
                if self._buffer[:3] != START or self._buffer[3] not in _HEADER_SIZES:
                    raise ProtocolError(
                        "unknown DVRIP media frame start " + bytes(self._buffer[:4]).hex()
                    )
                header_size = _HEADER_SIZES[self._buffer[3]]
                if len(self._buffer) < header_size:
                    return frames
                length = self._length(header_size)
                if length > self._max_frame:
                    raise ProtocolError(f"DVRIP media frame too large ({length} bytes)")
                self._need = (header_size, length)
            header_size, length = self._need
            if len(self._buffer) < header_size + length:
                return frames
            chunk = bytes(self._buffer[: header_size + length])
            del self._buffer[: header_size + length]
            self._need = None
            frames.append(parse_frame(chunk))

    def _length(self, header_size: int) -> int:
        if header_size == 16:
            value: int = struct.unpack_from("<I", self._buffer, 12)[0]
        elif self._buffer[3] == TYPE_VIDEO_P:
            value = struct.unpack_from("<I", self._buffer, 4)[0]
        else:
            value = struct.unpack_from("<H", self._buffer, 6)[0]
        return value

    def close(self) -> None:
        """The stream ended: raise ProtocolError if a frame was cut short."""
        if self._buffer:
            size = len(self._buffer)
            self._buffer.clear()
            self._need = None
            raise ProtocolError(f"media stream ended inside a frame ({size} bytes left)")


def parse_frame(chunk: bytes) -> MediaFrame:
    """One complete frame (sub-header + data) as a ``MediaFrame``."""
    if len(chunk) < 8 or chunk[:3] != START or chunk[3] not in _HEADER_SIZES:
        raise ProtocolError("not a DVRIP media frame")
    frame_type = chunk[3]
    header_size = _HEADER_SIZES[frame_type]
    if len(chunk) < header_size:
        raise ProtocolError("truncated DVRIP media frame header")
    data = chunk[header_size:]
    if frame_type in (TYPE_VIDEO_I, TYPE_PICTURE):
        t_byte, fps, w, h, stamp, length = struct.unpack_from("<BBBBII", chunk, 4)
        if length != len(data):
            raise ProtocolError("DVRIP media frame length mismatch")
        width = ((t_byte >> 4 & 3) << 8 | w) * 8
        height = ((t_byte >> 6 & 3) << 8 | h) * 8
        when = unpack_datetime(stamp)
        if frame_type == TYPE_PICTURE:
            return MediaFrame("picture", "jpeg", data, True, width, height, 0, when)
        codec = VIDEO_CODECS.get(t_byte & 0x0F, f"unknown:{t_byte & 0x0F}")
        return MediaFrame("video", codec, data, True, width, height, fps & 0x1F, when)
    if frame_type == TYPE_VIDEO_P:
        (length,) = struct.unpack_from("<I", chunk, 4)
        if length != len(data):
            raise ProtocolError("DVRIP media frame length mismatch")
        return MediaFrame("video", "", data, False)
    codec_id, extra, length = struct.unpack_from("<BBH", chunk, 4)
    if length != len(data):
        raise ProtocolError("DVRIP media frame length mismatch")
    if frame_type == TYPE_AUDIO:
        codec = AUDIO_CODECS.get(codec_id, f"unknown:{codec_id}")
        return MediaFrame("audio", codec, data, sample_rate=SAMPLE_RATES.get(extra, 0))
    return MediaFrame("info", "info", data)
