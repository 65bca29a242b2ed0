"""MCTP, the Grandstream heartbeat / alarm / talk connection on the RTSP port, sans-I/O.

Messages are ``\\n``-separated lines (no ``\\r``)::

    CMD:ALIVE MCTP/1.0 CS      <- verb, version, direction (CS client->server, SC server->client)
    @09682642@0                <- @-separated fields (zero or more field lines)
    END                        <- terminator (missing from the camera's TALK reply)

Known exchanges (vendor document; the TALK reply from the camera's server source):

- heartbeat handshake: ``@<8-digit RTSP session>@<channel>`` -> ``@<session>@<channel>@<1|0>``;
- alarm subscription: the handshake with session ``FFFFFFFF``; channel ``-1`` means all
  channels ("latest firmware" only);
- keep-alive: a bare ``CMD:ALIVE MCTP/1.0 CS`` / ``END`` -> the same with ``SC``; the camera
  drops a connection that stays silent for 10 s, so keep-alives go every 5 s;
- talk: the camera answers ``CMD:TALK MCTP/1.0 SC\\n@0@1@1@\\n`` (accepted) or ``@0@0@0@`` (busy,
  then it closes), after which the client streams 8-byte-header audio packets.

ASSUMPTION (alarm format UNKNOWN): no source shows what the camera sends when an
alarm fires. ``interpret_alarm`` treats any camera->client command other than
ALIVE/TALK as an alarm and keeps its raw text; it guesses kind, channel and
state from the fields (see there). Correct it there once a capture is available.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ..base import EventKind
from ..errors import ProtocolError

VERSION = "MCTP/1.0"
CLIENT_TO_SERVER = "CS"
SERVER_TO_CLIENT = "SC"
ALARM_SESSION = "FFFFFFFF"
ALL_CHANNELS = -1
KEEPALIVE_INTERVAL = 5.0  # seconds; the camera's deadline is 10 s
CAMERA_TIMEOUT = 10.0

MAX_LINE = 1024
MAX_LINES = 32
MAX_BUFFER = 8192

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
        if any("@" in v or "\n" in v or "\r" in v for v in values):
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
    if not session_id.isdecimal() or len(session_id) > 8:
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


def keepalive_reply() -> bytes:
    return format_message("ALIVE", SERVER_TO_CLIENT)


def heartbeat_reply(session_id: str, channel: int, ok: bool) -> bytes:
    return format_message("ALIVE", SERVER_TO_CLIENT, [session_id, channel, 1 if ok else 0])


def talk_request(session_id: str | None = None, channel: int = 0) -> bytes:
    """Open a talk channel.

    UNCONFIRMED: the camera's server only checks that the message contains
    ``TALK`` (and ``MCTP/1.0``); the fields are our guess, in the ALIVE style.
    """
    if session_id is None:
        return format_message("TALK", CLIENT_TO_SERVER)
    return format_message("TALK", CLIENT_TO_SERVER, [format_session(session_id), channel])


def talk_reply(accepted: bool) -> bytes:
    """The camera's reply as its source writes it: trailing ``@``, no ``END``."""
    fields = ["0", "1", "1"] if accepted else ["0", "0", "0"]
    return format_message("TALK", SERVER_TO_CLIENT, fields, end=False, trailing_at=True)


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
    try:
        channel = int(fields[1])
    except ValueError as err:
        raise ProtocolError("invalid channel in ALIVE reply") from err
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
    connection has gone quiet. Lines are split on ``\\n``; a ``\\r`` is stripped.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._verb: str | None = None
        self._version = VERSION
        self._direction = ""
        self._lines: list[str] = []
        self._ready: list[MctpMessage] = []
        self.binary_tail = b""

    @property
    def pending(self) -> bool:
        """True while a message has begun but not ended."""
        return self._verb is not None

    def feed(self, data: bytes) -> list[MctpMessage]:
        """Add bytes; return the messages they complete."""
        self._buffer.extend(data)
        while True:
            newline = self._buffer.find(b"\n")
            if newline < 0:
                if len(self._buffer) > MAX_LINE:
                    raise ProtocolError("MCTP line too long")
                break
            if newline > MAX_LINE:
                raise ProtocolError("MCTP line too long")
            raw = bytes(self._buffer[:newline])
            del self._buffer[: newline + 1]
            self._line(raw.decode("latin-1").rstrip("\r").strip())
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
        """The unparsed bytes (after a TALK reply the stream turns binary)."""
        data = bytes(self._buffer)
        self._buffer.clear()
        return data

    def _line(self, line: str) -> None:
        if not line:
            return
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

    def _emit(self, *, ended: bool) -> None:
        if self._verb is None:
            return
        self._ready.append(
            MctpMessage(self._verb, self._direction, tuple(self._lines), ended, self._version)
        )
        self._verb = None
        self._lines = []
        self._direction = ""


def parse_messages(data: bytes) -> list[MctpMessage]:
    """Parse a complete buffer (flushing a final message without END)."""
    parser = MctpParser()
    messages = parser.feed(data)
    last = parser.flush()
    if last is not None:
        messages.append(last)
    return messages


# --- alarms (ASSUMED format) ---------------------------------------------------------------

# The simulator's (assumed) alarm message, and what interpret_alarm reads best:
#     CMD:ALARM MCTP/1.0 SC
#     @<channel>@<MOTION|INPUT|ALARM>@<1 active|0 inactive>
#     END
ALARM_VERB = "ALARM"
_KIND_WORDS: dict[str, EventKind] = {
    "MOTION": EventKind.MOTION,
    "MD": EventKind.MOTION,
    "MOTION_DETECT": EventKind.MOTION,
    "INPUT": EventKind.INPUT,
    "IO": EventKind.INPUT,
    "ALARMIN": EventKind.INPUT,
    "ALARM_IN": EventKind.INPUT,
    "SENSOR": EventKind.INPUT,
    "VIDEOLOSS": EventKind.VIDEO_LOSS,
    "VIDEO_LOSS": EventKind.VIDEO_LOSS,
    "TAMPER": EventKind.TAMPER,
}
_ACTIVE_WORDS = {"1": True, "ON": True, "START": True, "0": False, "OFF": False, "STOP": False}


@dataclass(frozen=True, slots=True)
class AlarmReport:
    kind: EventKind
    active: bool
    channel: int
    raw: str


def alarm_message(kind: str, active: bool, channel: int) -> bytes:
    """The simulator's alarm push (ASSUMED format, see the module docstring)."""
    return format_message(ALARM_VERB, SERVER_TO_CLIENT, [channel, kind.upper(), int(active)])


def is_alarm(message: MctpMessage) -> bool:
    """Any camera->client command other than ALIVE and TALK counts as an alarm."""
    return message.direction != CLIENT_TO_SERVER and message.verb not in ("ALIVE", "TALK")


def interpret_alarm(message: MctpMessage) -> AlarmReport:
    """Best guess at an alarm message (the format is UNKNOWN; see the module docstring).

    - kind: a verb or field naming motion/input/... maps to that kind, else ALARM;
    - channel: the first field that is a small integer (0-7), else 0;
    - active: the last field if it reads 1/0/on/off/start/stop, else True.
    The raw text is always kept in ``raw``.
    """
    fields = [f.strip() for f in message.fields]
    kind = _KIND_WORDS.get(message.verb.upper(), EventKind.ALARM)
    for value in fields:
        if value.upper() in _KIND_WORDS:
            kind = _KIND_WORDS[value.upper()]
            break
    channel = 0
    for value in fields[:-1] if len(fields) > 1 else fields:
        if value.isdecimal() and int(value) <= 7:
            channel = int(value)
            break
    active = True
    if len(fields) >= 2 and fields[-1].upper() in _ACTIVE_WORDS:
        active = _ACTIVE_WORDS[fields[-1].upper()]
    return AlarmReport(kind, active, channel, message.raw)


# --- talk packets (GS-RTSP-C; UNCONFIRMED on GXV firmware) ---------------------------------

TALK_HEADER = struct.Struct("<II")  # length (low 10 bits), timestamp; little-endian (ARM)
TALK_MAX_PAYLOAD = 1023  # a 10-bit length; the server rejects > 2000 anyway
TALK_SAMPLES_PER_PACKET = 160  # 20 ms at 8 kHz


def talk_subheader(ulaw_length: int) -> bytes:
    """The 4 bytes the server skips before the µ-law data.

    UNCONFIRMED: GS-RTSP-C2 decodes from payload offset 4; we send the HiSilicon
    audio frame header (00 01 <length in 16-bit words> 00), which that SDK uses there.
    """
    return bytes([0x00, 0x01, (ulaw_length // 2) & 0xFF, 0x00])


def talk_packet(ulaw: bytes, timestamp: int) -> bytes:
    """One talk packet: 8-byte header + 4-byte sub-header + µ-law samples."""
    payload = talk_subheader(len(ulaw)) + ulaw
    if len(payload) > TALK_MAX_PAYLOAD:
        raise ValueError("talk payload too long")
    return TALK_HEADER.pack(len(payload) & 0x3FF, timestamp & 0xFFFFFFFF) + payload


class TalkReader:
    """The camera side of the talk stream: yields the µ-law bytes of each packet."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._buffer.extend(data)
        while len(self._buffer) >= TALK_HEADER.size:
            word, _timestamp = TALK_HEADER.unpack_from(self._buffer)
            length = word & 0x3FF
            if len(self._buffer) < TALK_HEADER.size + length:
                if len(self._buffer) > TALK_HEADER.size + TALK_MAX_PAYLOAD:
                    raise ProtocolError("talk buffer overflow")
                return
            payload = bytes(self._buffer[TALK_HEADER.size : TALK_HEADER.size + length])
            del self._buffer[: TALK_HEADER.size + length]
            yield payload[4:]
