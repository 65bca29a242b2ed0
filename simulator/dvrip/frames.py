"""What the simulated XM camera sends that a client never does: media frames, addresses, masks.

The library only decodes these (``protocols/dvrip/media.py``); the encoders live
here, with the camera. See docs/protocols/dvrip.md, "Media framing".
"""

from __future__ import annotations

import datetime as dt
import struct

from custom_components.ipcam.protocols.dvrip.media import (
    MAX_FRAME_SIZE,
    START,
    TYPE_INFO,
    TYPE_PICTURE,
    TYPE_VIDEO_I,
    TYPE_VIDEO_P,
    encode_audio_frame,
)
from custom_components.ipcam.protocols.dvrip.resolutions import RESOLUTIONS

VIDEO_CODEC_IDS = {"mpeg4": 1, "h264": 2, "h265": 3, "hevc": 3}

__all__ = [
    "encode_audio_frame",
    "encode_info_frame",
    "encode_ip_hex",
    "encode_picture",
    "encode_video_frame",
    "pack_datetime",
    "resolution_mask",
]


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


def encode_info_frame(data: bytes, info_type: int = 1) -> bytes:
    """A 0x1F9 info frame."""
    if len(data) > 0xFFFF:
        raise ValueError("info frame too large")
    return START + bytes([TYPE_INFO]) + struct.pack("<BBH", info_type, 0, len(data)) + data


def encode_ip_hex(address: str) -> str:
    """A dotted quad as NetCommon writes it (``"10.6.0.114"`` -> ``"0x7200060A"``)."""
    parts = [int(part) for part in address.split(".")]
    if len(parts) != 4 or not all(0 <= part <= 255 for part in parts):
        raise ValueError("not an IPv4 address")
    return f"0x{int.from_bytes(bytes(parts), 'little'):08X}"


def resolution_mask(names: list[str] | tuple[str, ...]) -> int:
    """The ``EncodeCapability`` mask with the bits of ``names`` set."""
    mask = 0
    for index, (name, _w, _h) in enumerate(RESOLUTIONS):
        if name in names:
            mask |= 1 << index
    return mask
