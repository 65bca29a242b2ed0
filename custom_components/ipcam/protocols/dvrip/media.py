"""DVRIP media framing, sans-I/O: the frames inside 1412/1422/1426/1433/1561 payloads.

Media is a byte stream: the payloads of consecutive packets are concatenated
and cut into frames by the sub-header lengths (one frame may span several
packets, one packet may hold several frames). Every frame starts with
``00 00 01 xx``; the lengths after it are little-endian and do not count the
sub-header (docs/protocols/dvrip.md, "Media framing"):

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

HEADER_SIZES = {TYPE_VIDEO_I: 16, TYPE_PICTURE: 16, TYPE_VIDEO_P: 8, TYPE_AUDIO: 8, TYPE_INFO: 8}
FRAME_TYPES = {
    "video": frozenset({TYPE_VIDEO_I, TYPE_VIDEO_P}),
    "audio": frozenset({TYPE_AUDIO}),
    "picture": frozenset({TYPE_PICTURE}),
    "info": frozenset({TYPE_INFO}),
}
_WIDE = struct.Struct("<BBBBII")  # T, F, W, H, date, length (I-frames and pictures)
_LENGTH32 = struct.Struct("<I")
_NARROW = struct.Struct("<BBH")  # T, S or N, length (audio and info)
_LAYOUTS = {
    TYPE_VIDEO_I: _WIDE,
    TYPE_PICTURE: _WIDE,
    TYPE_VIDEO_P: _LENGTH32,
    TYPE_AUDIO: _NARROW,
    TYPE_INFO: _NARROW,
}


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


def encode_audio_frame(data: bytes, codec: str = "g711a", sample_rate: int = 8000) -> bytes:
    """A 0x1FA audio frame (also the talk-back frame: ``00 00 01 FA 0E 02 40 01`` + 320 bytes)."""
    if len(data) > 0xFFFF:
        raise ValueError("audio frame too large")
    head = _NARROW.pack(AUDIO_CODEC_IDS[codec], SAMPLE_RATE_IDS[sample_rate], len(data))
    return START + bytes([TYPE_AUDIO]) + head + data


def encode_talk_frame(alaw: bytes) -> bytes:
    """One talk packet payload: exactly 320 A-law bytes (padded with A-law silence)."""
    if len(alaw) > TALK_FRAME_BYTES:
        raise ValueError("talk frame holds at most 320 bytes")
    padded = alaw + bytes([ALAW_SILENCE]) * (TALK_FRAME_BYTES - len(alaw))
    return encode_audio_frame(padded)


# A sub-header read: (frame type, its fields after the start code, body length). The
# fields end with the length: I-frame and picture (T, F, W, H, date, length); audio and
# info (T, S or N, length); P-frame (length,).
Head = tuple[int, tuple[int, ...], int]


def _check_start(source: bytes | bytearray | memoryview, offset: int) -> int:
    """The frame type of the start code at ``offset``; ProtocolError if it is none."""
    frame_type = source[offset + 3]
    if (
        source[offset] != 0
        or source[offset + 1] != 0
        or source[offset + 2] != 1
        or frame_type not in HEADER_SIZES
    ):
        raise ProtocolError(
            "unknown DVRIP media frame start " + bytes(source[offset : offset + 4]).hex()
        )
    return frame_type


def _read_head(source: bytes | bytearray | memoryview, offset: int) -> Head:
    """The sub-header at ``offset`` (all its bytes are there)."""
    frame_type = source[offset + 3]
    layout = _LAYOUTS.get(frame_type)
    if layout is None or source[offset] or source[offset + 1] or source[offset + 2] != 1:
        _check_start(source, offset)  # raises
    assert layout is not None
    fields: tuple[int, ...] = layout.unpack_from(source, offset + 4)
    return frame_type, fields, fields[-1]


def _frame(head: Head, data: bytes) -> MediaFrame:
    frame_type, fields, _length = head
    if frame_type == TYPE_VIDEO_P:
        return MediaFrame("video", "", data, False)
    if frame_type == TYPE_AUDIO:
        codec_id, rate, _length = fields
        codec = AUDIO_CODECS.get(codec_id, f"unknown:{codec_id}")
        return MediaFrame("audio", codec, data, sample_rate=SAMPLE_RATES.get(rate, 0))
    if frame_type == TYPE_INFO:
        return MediaFrame("info", "info", data)
    t_byte, fps, w, h, stamp, _length = fields
    width = ((t_byte >> 4 & 3) << 8 | w) * 8
    height = ((t_byte >> 6 & 3) << 8 | h) * 8
    when = unpack_datetime(stamp)
    if frame_type == TYPE_PICTURE:
        return MediaFrame("picture", "jpeg", data, True, width, height, 0, when)
    codec = VIDEO_CODECS.get(t_byte & 0x0F, f"unknown:{t_byte & 0x0F}")
    return MediaFrame("video", codec, data, True, width, height, fps & 0x1F, when)


class MediaDemuxer:
    """Feed media packet payloads (any split), get whole frames back.

    ``kinds`` ("video", "audio", "picture", "info") keeps only those frames: the
    others are stepped over by their length without being copied or parsed
    (``skipped`` counts their bytes). Raises ``ProtocolError`` for an unknown
    frame type, a frame larger than ``max_frame`` (checked before buffering it)
    or, from ``close()``, a stream that ends inside a frame.
    """

    def __init__(
        self, *, max_frame: int = MAX_FRAME_SIZE, kinds: frozenset[str] | None = None
    ) -> None:
        self._max_frame = max_frame
        self._keep = frozenset().union(*(FRAME_TYPES[kind] for kind in kinds or FRAME_TYPES))
        self._head_bytes = bytearray()  # a sub-header split between payloads
        self._head: Head | None = None  # the frame being read
        self._keeping = False
        self._need = 0  # its bytes still missing
        self._parts: list[memoryview] = []
        self._have = 0
        self.skipped = 0

    @property
    def buffered(self) -> int:
        return len(self._head_bytes) + self._have

    def feed(self, data: bytes | memoryview) -> list[MediaFrame]:
        """Take the next bytes of the stream (bytes, or a read-only view of bytes)."""
        return [_frame(head, body) for head, body in self.feed_raw([data])]

    def feed_raw(self, pieces: list[bytes] | list[memoryview]) -> list[tuple[Head, bytes]]:
        """Take the next pieces of the stream; each frame as its sub-header and body.

        This is the live stream's path: no frame objects are built, and the pieces
        (bytes, or read-only views of bytes) are kept as views until a frame is
        complete, then copied once.
        """
        frames: list[tuple[Head, bytes]] = []
        parts = self._parts
        for piece in pieces:
            if type(piece) is memoryview and piece.readonly:
                view = piece
            else:
                view = memoryview(bytes(piece))  # kept parts are views: not of a caller's buffer
            position = 0
            size = len(view)
            while position < size:
                head = self._head
                if head is None:
                    if not self._head_bytes and size - position >= 16:
                        head = _read_head(view, position)  # the common case: read in place
                        position += HEADER_SIZES[head[0]]
                    else:
                        head, position = self._split_head(view, position)
                        if head is None:
                            break
                    if head[2] > self._max_frame:
                        raise ProtocolError(f"DVRIP media frame too large ({head[2]} bytes)")
                    self._head = head
                    self._need = head[2]
                    self._keeping = head[0] in self._keep
                    if not self._keeping:
                        self.skipped += HEADER_SIZES[head[0]]
                take = min(self._need, size - position)
                if self._keeping:
                    if take:
                        parts.append(view[position : position + take])
                        self._have += take
                else:
                    self.skipped += take
                position += take
                self._need -= take
                if not self._need:
                    if self._keeping:
                        frames.append(
                            (head, bytes(parts[0]) if len(parts) == 1 else b"".join(parts))
                        )
                        parts.clear()
                        self._have = 0
                    self._head = None
        return frames

    def _split_head(self, view: memoryview, position: int) -> tuple[Head | None, int]:
        """Collect a sub-header split between pieces (the first 8 bytes tell its size)."""
        pending = self._head_bytes
        while True:
            wanted = 8 if len(pending) < 8 else HEADER_SIZES[_check_start(pending, 0)]
            take = min(wanted - len(pending), len(view) - position)
            pending += view[position : position + take]
            position += take
            if len(pending) >= 4:
                _check_start(pending, 0)  # a bad start is refused at once, not bytes later
            if len(pending) < wanted:
                return None, position
            if wanted == 8 and HEADER_SIZES[_check_start(pending, 0)] > 8:
                continue
            head = _read_head(pending, 0)
            pending.clear()
            return head, position

    def close(self) -> None:
        """The stream ended: raise ProtocolError if a frame was cut short."""
        if self._head is not None or self._head_bytes:
            size = self.buffered
            self._head_bytes.clear()
            self._head = None
            self._parts.clear()
            self._have = 0
            raise ProtocolError(f"media stream ended inside a frame ({size} bytes left)")


def parse_frame(chunk: bytes) -> MediaFrame:
    """One complete frame (sub-header + data) as a ``MediaFrame``."""
    if len(chunk) < 8 or chunk[3] not in HEADER_SIZES:
        raise ProtocolError("not a DVRIP media frame")
    size = HEADER_SIZES[chunk[3]]
    if len(chunk) < size:
        raise ProtocolError("truncated DVRIP media frame header")
    head = _read_head(chunk, 0)
    if head[2] != len(chunk) - size:
        raise ProtocolError("DVRIP media frame length mismatch")
    return _frame(head, chunk[size:])
