"""MO_V layouts: Video_Data, Audio_Data and Talk_Data as the captures show them."""

from __future__ import annotations

import struct

from custom_components.ipcam.protocols.foscam import av
from custom_components.ipcam.protocols.foscam.decoder import decode_datagram
from simulator.foscam import wire as sw
from simulator.media import jpeg_cycle


def test_video_data_layout_jpeg_at_packet_offset_36() -> None:
    jpeg = jpeg_cycle(320, 240)[0]
    message = av.VideoData(tick=1234, unix_time=0x537CCE75, jpeg=jpeg)
    raw = sw.encode(message)
    assert raw[36 : 36 + len(jpeg)] == jpeg  # PHP-REC relies on exactly this offset
    assert struct.unpack_from("<IIBI", raw, 23) == (1234, 0x537CCE75, 0, len(jpeg))
    assert decode_datagram(raw) == message


def test_audio_data_layout_177_byte_text() -> None:
    message = av.AudioData(tick=100, serial=5635087, unix_time=1400000000, data=bytes(range(160)))
    raw = sw.encode(message)
    assert len(raw) == 200
    assert struct.unpack_from("<II", raw, 15) == (177, 177)
    assert struct.unpack_from("<IIIBI", raw, 23) == (100, 5635087, 1400000000, 0, 160)
    assert decode_datagram(raw) == message
    talk = av.TalkData(tick=40, serial=1, unix_time=0, data=bytes(160))
    assert struct.unpack_from("<H", talk.encode(), 4)[0] == 3
    assert len(talk.encode()) == 200
