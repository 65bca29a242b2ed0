"""MO_V audio/video-channel messages (login with the connection id, JPEG, ADPCM, talk).

Only the client's half of each codec: the A/V login and talk packets are encoded,
video and microphone packets decoded. Layouts: docs/protocols/foscam.md,
"Audio/video channel (MO_V)".
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import Self

from ..errors import ProtocolError
from .framing import MAGIC_AV
from .message import Incoming, Request, need

AUDIO_PACKET_BYTES = 160  # 320 samples = 40 ms at 8 kHz
AUDIO_PACKET_TICKS = 4  # 10 ms ticks per audio packet
FORMAT_ADPCM = 0

_VIDEO_HEAD = struct.Struct("<IIBI")  # tick, Unix time, reserved, JPEG length
_AUDIO_HEAD = struct.Struct("<IIIBI")  # tick, serial, Unix time, format, data length


class AvOpCode(enum.IntEnum):
    """MO_V op codes."""

    LOGIN_REQ = 0
    VIDEO_DATA = 1
    AUDIO_DATA = 2
    TALK_DATA = 3
    KEEP_ALIVE = 255


@dataclass(frozen=True, slots=True)
class AvLoginReq(Request):
    """Op 0: the UINT32 data connection id; the camera never answers it."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.LOGIN_REQ
    connection_id: int = 0

    def text(self) -> bytes:
        return struct.pack("<I", self.connection_id & 0xFFFFFFFF)


@dataclass(frozen=True, slots=True)
class VideoData(Incoming):
    """Op 1: UINT32 tick (10 ms), UINT32 Unix time, UINT8 reserved, UINT32 length, JPEG."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.VIDEO_DATA
    tick: int = 0
    unix_time: int = 0
    jpeg: bytes = field(default=b"", repr=False)
    reserved: int = 0

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, _VIDEO_HEAD.size, "Video_Data")
        tick, unix_time, reserved, length = _VIDEO_HEAD.unpack_from(text)
        if length > len(text) - _VIDEO_HEAD.size:
            raise ProtocolError("Video_Data: JPEG length exceeds the packet")
        return cls(tick, unix_time, text[13 : 13 + length], reserved)


@dataclass(frozen=True, slots=True)
class AudioData(Incoming):
    """Op 2, camera -> client: tick in 10 ms units, serial, time, format, 160 bytes of ADPCM."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.AUDIO_DATA
    tick: int = 0
    serial: int = 0
    unix_time: int = 0
    data: bytes = field(default=b"", repr=False)
    audio_format: int = FORMAT_ADPCM

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, _AUDIO_HEAD.size, "Audio_Data")
        tick, serial, unix_time, audio_format, length = _AUDIO_HEAD.unpack_from(text)
        if length > len(text) - _AUDIO_HEAD.size:
            raise ProtocolError("Audio_Data: data length exceeds the packet")
        return cls(tick, serial, unix_time, text[17 : 17 + length], audio_format)


@dataclass(frozen=True, slots=True)
class TalkData(Request):
    """Op 3, client -> camera: same layout as Audio_Data, but the tick is in milliseconds."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.TALK_DATA
    tick: int = 0
    serial: int = 0
    unix_time: int = 0
    data: bytes = field(default=b"", repr=False)
    audio_format: int = FORMAT_ADPCM

    def text(self) -> bytes:
        head = _AUDIO_HEAD.pack(
            self.tick & 0xFFFFFFFF,
            self.serial & 0xFFFFFFFF,
            self.unix_time & 0xFFFFFFFF,
            self.audio_format & 0xFF,
            len(self.data),
        )
        return head + self.data


@dataclass(frozen=True, slots=True)
class AvKeepAlive(Request, Incoming):
    """Op 255, both directions, empty."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.KEEP_ALIVE
