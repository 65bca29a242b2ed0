"""What the client decodes: typed messages from a camera's MO_O or MO_V stream.

``MessageDecoder.feed(data) -> list[Message]`` cuts packets (``framing``) and
decodes each into the typed message of its op code, or ``UnknownMessage`` for an
op the client does not read. Nothing but ProtocolError leaves it.
"""

from __future__ import annotations

import struct

from ..errors import ProtocolError
from .av import AudioData, AvKeepAlive, VideoData
from .framing import MAGIC_AV, MAGIC_OPERATION, Packet, PacketDecoder, split_datagram
from .message import Incoming, Message, UnknownMessage
from .operation import (
    AlarmNotify,
    AudioStartResp,
    KeepAlive,
    LoginResp,
    OtherDevicesNotify,
    ParamsChangedNotify,
    ParamsFetchResp,
    TalkStartResp,
    VerifyResp,
    VideoStartResp,
)
from .search import SearchResp

INCOMING: dict[tuple[bytes, int], type[Incoming]] = {
    (cls.MAGIC, cls.OP): cls
    for cls in (
        LoginResp,
        VerifyResp,
        VideoStartResp,
        AudioStartResp,
        TalkStartResp,
        ParamsFetchResp,
        ParamsChangedNotify,
        AlarmNotify,
        OtherDevicesNotify,
        KeepAlive,
        VideoData,
        AudioData,
        AvKeepAlive,
        SearchResp,
    )
}


def decode_message(magic: bytes, op: int, text: bytes) -> Message:
    """The typed message for one packet's parts; ProtocolError when its text is malformed."""
    cls = INCOMING.get((magic, op))
    if cls is None:
        return UnknownMessage(magic, op, bytes(text))
    try:
        return cls.from_text(bytes(text))
    except (struct.error, ValueError, IndexError) as err:
        raise ProtocolError(f"malformed {cls.__name__}") from err


def decode_packet(packet: Packet) -> Message:
    return decode_message(packet.magic, packet.op, packet.text)


def decode_datagram(data: bytes) -> Message:
    """Decode one whole packet (e.g. a UDP datagram); bytes after its text are ignored."""
    return decode_packet(split_datagram(data))


class MessageDecoder:
    """A camera's byte stream on one channel -> typed messages (``feed(data) -> list``)."""

    def __init__(self, magic: bytes = MAGIC_OPERATION) -> None:
        if magic not in (MAGIC_OPERATION, MAGIC_AV):
            raise ValueError("a stream carries MO_O or MO_V")
        self._packets = PacketDecoder((magic,))

    @property
    def discarded(self) -> int:
        """Garbage bytes skipped while re-synchronising."""
        return self._packets.discarded

    @property
    def buffered(self) -> int:
        return self._packets.buffered

    def feed(self, data: bytes) -> list[Message]:
        return [decode_packet(packet) for packet in self._packets.feed(data)]
