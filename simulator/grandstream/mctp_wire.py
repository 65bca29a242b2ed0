"""The camera's side of MCTP: its replies, the (assumed) alarm push, the talk stream reader.

The client side is ``custom_components.ipcam.protocols.grandstream.mctp``; the
formats are described in ``docs/protocols/grandstream.md`` ("MCTP").
"""

from __future__ import annotations

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.mctp import (
    SERVER_TO_CLIENT,
    TALK_HEADER,
    TALK_MAX_PAYLOAD,
    TALK_SUBHEADER_SIZE,
    format_message,
)

ALARM_VERB = "ALARM"


def keepalive_reply() -> bytes:
    return format_message("ALIVE", SERVER_TO_CLIENT)


def heartbeat_reply(session_id: str, channel: int, ok: bool) -> bytes:
    return format_message("ALIVE", SERVER_TO_CLIENT, [session_id, channel, 1 if ok else 0])


def talk_reply(accepted: bool) -> bytes:
    """The camera's reply as its server source writes it: trailing ``@``, no ``END``."""
    fields = ["0", "1", "1"] if accepted else ["0", "0", "0"]
    return format_message("TALK", SERVER_TO_CLIENT, fields, end=False, trailing_at=True)


def alarm_message(kind: str, active: bool, channel: int) -> bytes:
    """The simulator's alarm push. ASSUMED format (no source shows the camera's)::

    CMD:ALARM MCTP/1.0 SC
    @<channel>@<MOTION|INPUT|ALARM>@<1 active|0 inactive>
    END
    """
    return format_message(ALARM_VERB, SERVER_TO_CLIENT, [channel, kind.upper(), int(active)])


class TalkReader:
    """The talk stream after an accepted TALK: the µ-law bytes of each packet."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        self._buffer.extend(data)
        out: list[bytes] = []
        while len(self._buffer) >= TALK_HEADER.size:
            word, _timestamp = TALK_HEADER.unpack_from(self._buffer)
            length = word & 0x3FF
            if len(self._buffer) < TALK_HEADER.size + length:
                if len(self._buffer) > TALK_HEADER.size + TALK_MAX_PAYLOAD:
                    raise ProtocolError("talk buffer overflow")  # pragma: no cover - 10 bits
                break
            payload = bytes(self._buffer[TALK_HEADER.size : TALK_HEADER.size + length])
            del self._buffer[: TALK_HEADER.size + length]
            out.append(payload[TALK_SUBHEADER_SIZE:])
        return out
