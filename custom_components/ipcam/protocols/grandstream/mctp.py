"""MCTP, the Grandstream heartbeat / alarm / talk connection on the RTSP port, sans-I/O.

Messages are ``\\n``-separated lines (no ``\\r``)::

    CMD:ALIVE MCTP/1.0 CS      <- verb, version, direction (CS client->server, SC server->client)
    @09682642@0                <- @-separated fields (zero or more field lines)
    END                        <- terminator (missing from the camera's TALK reply)

Known exchanges (``docs/protocols/grandstream.md``, "MCTP"):

- heartbeat handshake: ``@<8-digit RTSP session>@<channel>`` -> ``@<session>@<channel>@<1|0>``;
- alarm subscription: the handshake with session ``FFFFFFFF``; channel ``-1`` means all
  channels ("latest firmware" only);
- keep-alive: a bare ``CMD:ALIVE MCTP/1.0 CS`` / ``END`` -> the same with ``SC``; the camera
  drops a connection that stays silent for 10 s, so keep-alives go every 5 s;
- talk: the camera answers ``CMD:TALK MCTP/1.0 SC\\n@0@1@1@\\n`` (accepted) or ``@0@0@0@`` (busy,
  then it closes), after which the client streams 8-byte-header audio packets.

What an alarm looks like is UNCONFIRMED: see ``alarms.py``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import ProtocolError
from .values import ascii_decimal

VERSION = "MCTP/1.0"
CLIENT_TO_SERVER = "CS"
SERVER_TO_CLIENT = "SC"
ALARM_SESSION = "FFFFFFFF"
ALL_CHANNELS = -1
KEEPALIVE_INTERVAL = 5.0  # seconds; the camera's deadline is 10 s
CAMERA_TIMEOUT = 10.0

MAX_LINE = 1024
MAX_LINES = 32
# Empty lines in a row: a few between messages are harmless, an endless run is a flood.
MAX_BLANK_LINES = 256

_HEADER = re.compile(r"^CMD:\s*([A-Za-z0-9_]{1,32})\s+(MCTP/\d+\.\d+)(?:\s+([A-Za-z]{2}))?\s*$")


@dataclass(frozen=True, slots=True)
class MctpMessage:
    """One MCTP message."""

    verb: str
    direction: str = ""  # "CS", "SC" or "" when absent
    lines: tuple[str, ...] = ()  # body lines (without END), as received
    ended: bool = True  # False when the message had no END line
    version: str = VERSION

    @property
    def fields(self) -> tuple[str, ...]:
        """The ``@`` fields of the first field line; a trailing ``@`` adds no field."""
        for line in self.lines:
            if line.startswith("@"):
                parts = line[1:].split("@")
                if parts and parts[-1] == "":
                    parts.pop()
                return tuple(parts)
        return ()

    @property
    def raw(self) -> str:
        head = f"CMD:{self.verb} {self.version}"
        if self.direction:
            head += f" {self.direction}"
        return "\n".join([head, *self.lines, *(["END"] if self.ended else [])])


def format_message(
    verb: str,
    direction: str,
    fields: Sequence[str | int] | None = None,
    *,
    end: bool = True,
    trailing_at: bool = False,
) -> bytes:
    """``CMD:<verb> MCTP/1.0 <dir>\\n[@f1@f2...\\n][END\\n]``.

    MCTP text must never contain lower-case ``rtsp``: the camera classifies a
    connection as RTSP when its first read contains that substring.
    """
    if not re.fullmatch(r"[A-Za-z0-9_]{1,32}", verb) or direction not in ("CS", "SC"):
        raise ValueError("invalid MCTP verb or direction")
    text = f"CMD:{verb} {VERSION} {direction}\n"
    if fields is not None:
        values = [str(f) for f in fields]
        if any("@" in v or "\n" in v or "\r" in v or not v.isascii() for v in values):
            raise ValueError("invalid MCTP field")
        text += "@" + "@".join(values) + ("@" if trailing_at else "") + "\n"
    if end:
        text += "END\n"
    if "rtsp" in text:
        raise ValueError("MCTP messages must not contain 'rtsp'")
    return text.encode("ascii")


def format_session(session_id: str) -> str:
    """The 8-digit form of an RTSP session id (``FFFFFFFF`` passes through)."""
    if session_id == ALARM_SESSION:
        return session_id
    if ascii_decimal(session_id, 8) is None:
        raise ValueError("MCTP needs a numeric RTSP session id of at most 8 digits")
    return session_id.zfill(8)


def heartbeat_request(session_id: str, channel: int) -> bytes:
    """Heartbeat handshake: ``CMD:ALIVE MCTP/1.0 CS`` / ``@<session>@<channel>`` / ``END``."""
    if not -1 <= channel <= 7:
        raise ValueError("channel must be -1..7")
    return format_message("ALIVE", CLIENT_TO_SERVER, [format_session(session_id), channel])


def alarm_subscription(channel: int = ALL_CHANNELS) -> bytes:
    """Alarm report request: the handshake with session ``FFFFFFFF`` (channel -1 = all)."""
    return heartbeat_request(ALARM_SESSION, channel)


def keepalive_request() -> bytes:
    return format_message("ALIVE", CLIENT_TO_SERVER)


def talk_request() -> bytes:
    """Open a talk channel.

    UNCONFIRMED: the camera's server only checks that the message contains
    ``TALK`` (and ``MCTP/1.0``); it reads no fields, so none are sent.
    """
    return format_message("TALK", CLIENT_TO_SERVER)


@dataclass(frozen=True, slots=True)
class HandshakeResult:
    session: str
    channel: int
    ok: bool


def parse_handshake_reply(message: MctpMessage) -> HandshakeResult | None:
    """``@A@B@C`` -> (session, channel, C == 1); None for a keep-alive echo."""
    if message.verb.upper() != "ALIVE":
        raise ProtocolError(f"expected an ALIVE reply, got {message.verb}")
    fields = message.fields
    if not fields:
        return None
    if len(fields) < 3:
        raise ProtocolError("short ALIVE reply")
    text = fields[1].strip()
    number = ascii_decimal(text.removeprefix("-"), 3)
    if number is None:
        raise ProtocolError("invalid channel in ALIVE reply")
    channel = -number if text.startswith("-") else number
    return HandshakeResult(fields[0], channel, fields[2].strip() == "1")


def talk_accepted(message: MctpMessage) -> bool:
    """True for ``@0@1@1@``; the camera's source says "first para @0 single, @1 dual"."""
    if message.verb.upper() != "TALK":
        raise ProtocolError(f"expected a TALK reply, got {message.verb}")
    fields = message.fields
    return len(fields) >= 2 and fields[1] == "1"


class MctpParser:
    """Split a byte stream into MCTP messages.

    A message ends at its ``END`` line, or (when ``END`` is missing) where the
    next ``CMD:`` line begins, or when the caller calls ``flush()`` after the
    connection has gone quiet. The camera's TALK reply never has ``END``: it
    ends at its one field line. Lines are split on ``\\n``; a ``\\r`` is stripped.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._verb: str | None = None
        self._version = VERSION
        self._direction = ""
        self._lines: list[str] = []
        self._ready: list[MctpMessage] = []
        self._blank = 0

    @property
    def pending(self) -> bool:
        """True while a message has begun but not ended."""
        return self._verb is not None

    def feed(self, data: bytes) -> list[MctpMessage]:
        """Add bytes; return the messages they complete."""
        buffer = self._buffer
        buffer += data
        start = 0
        try:
            while True:
                newline = buffer.find(b"\n", start, start + MAX_LINE + 1)
                if newline < 0:
                    if len(buffer) - start > MAX_LINE:
                        raise ProtocolError("MCTP line too long")
                    break
                self._line(buffer[start:newline].decode("latin-1").strip())
                start = newline + 1
        finally:
            del buffer[:start]
        ready, self._ready = self._ready, []
        return ready

    def flush(self) -> MctpMessage | None:
        """End the pending message (for a camera that sends no ``END``)."""
        if self._buffer.strip():
            self._line(bytes(self._buffer).decode("latin-1").strip())
        self._buffer.clear()
        self._emit(ended=False)
        ready, self._ready = self._ready, []
        return ready[0] if ready else None

    def take_remaining(self) -> bytes:
        """The unparsed bytes (after a TALK request the camera's stream turns binary)."""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def _line(self, line: str) -> None:
        if not line:
            self._blank += 1
            if self._blank > MAX_BLANK_LINES:
                raise ProtocolError("MCTP stream of empty lines")
            return
        self._blank = 0
        match = _HEADER.match(line)
        if match:
            self._emit(ended=False)  # a previous message without END
            self._verb = match.group(1).upper()
            self._version = match.group(2)
            self._direction = (match.group(3) or "").upper()
            self._lines = []
            return
        if self._verb is None:
            if line.upper() == "END":
                return  # END of a message already emitted, or stray
            raise ProtocolError("MCTP data outside a message")
        if line.upper() == "END":
            self._emit(ended=True)
            return
        if len(self._lines) >= MAX_LINES:
            raise ProtocolError("MCTP message has too many lines")
        self._lines.append(line)
        if self._verb == "TALK" and self._direction == SERVER_TO_CLIENT:
            self._emit(ended=False)  # the camera writes its TALK reply without END

    def _emit(self, *, ended: bool) -> None:
        if self._verb is None:
            return
        self._ready.append(
            MctpMessage(self._verb, self._direction, tuple(self._lines), ended, self._version)
        )
        self._verb = None
        self._lines = []
        self._direction = ""


# --- talk packets (UNCONFIRMED on GXV firmware; docs/protocols/grandstream.md, "Talk-back") ---

TALK_HEADER = struct.Struct("<II")  # length (low 10 bits), timestamp; little-endian (ARM)
TALK_MAX_PAYLOAD = 1023  # a 10-bit length; the server rejects > 2000 anyway
TALK_SAMPLES_PER_PACKET = 160  # 20 ms at 8 kHz
TALK_SUBHEADER_SIZE = 4


def talk_subheader(ulaw_length: int) -> bytes:
    """The 4 bytes the server skips before the µ-law data.

    UNCONFIRMED: one server build decodes from payload offset 4; we send the
    HiSilicon audio frame header (00 01 <length in 16-bit words> 00), which
    that SDK uses there.
    """
    return bytes([0x00, 0x01, (ulaw_length // 2) & 0xFF, 0x00])


def talk_packet(ulaw: bytes, timestamp: int) -> bytes:
    """One talk packet: 8-byte header + 4-byte sub-header + µ-law samples."""
    payload = talk_subheader(len(ulaw)) + ulaw
    if len(payload) > TALK_MAX_PAYLOAD:
        raise ValueError("talk payload too long")
    return TALK_HEADER.pack(len(payload) & 0x3FF, timestamp & 0xFFFFFFFF) + payload
