"""DVRIP packets, sans-I/O: the 20-byte header, JSON bodies, the Sofia hash, the packet decoder.

Every DVRIP packet is a 20-byte little-endian header followed by ``length``
bytes of payload (docs/protocols/dvrip.md, "Packet header")::

    0  0xFF head flag        1  version (0 from clients, 1 from devices)
    2  reserved (2 bytes)    4  session id (uint32)
    8  sequence (uint32)    12  total packets  | media: channel
    13 current packet | media: end flag      14  message id (uint16)
    16 payload length (uint32, header not counted)

Control payloads are JSON terminated by ``\\n\\0`` (devices) or ``\\n`` (some
clients); this module accepts both and any number of extra NULs. Binary
payloads (live media, talk audio, snapshot pictures) are routed by message id
only, never by content, and handed over as raw bytes (``media.py`` cuts frames).

``PacketDecoder.feed`` returns complete messages; it bounds every length before
buffering anything and raises only ``ProtocolError``.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProtocolError
from .codes import BINARY_MSG_IDS, OK_CODES, MsgId, Ret

__all__ = [
    "BINARY_MSG_IDS",
    "HEADER_SIZE",
    "OK_CODES",
    "BinaryMessage",
    "Header",
    "JsonMessage",
    "Message",
    "MsgId",
    "PacketDecoder",
    "Ret",
    "decode_json_body",
    "dumps",
    "encode_json",
    "encode_json_body",
    "encode_packet",
    "json_packets",
    "parse_session",
    "request_body",
    "request_payload",
    "session_hex",
    "sofia_hash",
]

HEADER = struct.Struct("<BBBBIIBBHI")
HEADER_SIZE = HEADER.size  # 20
HEAD_FLAG = 0xFF
CLIENT_VERSION = 0
DEVICE_VERSION = 1

MAX_JSON_PAYLOAD = 1024 * 1024  # one JSON message, reassembled
MAX_MEDIA_PACKET = 512 * 1024  # one packet of a media (binary) message
MAX_FRAGMENTS = 256  # packets of one multi-packet JSON message
MAX_PENDING_MESSAGES = 8  # multi-packet JSON messages being reassembled at once
FRAGMENT_SIZE = 16 * 1024  # vendor: a multi-packet payload is split into 16 KiB pieces

JSON_TRAILER = b"\n\x00"
_JSON_DECODER = json.JSONDecoder(strict=False)  # control characters inside strings accepted

_SOFIA_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def sofia_hash(password: str) -> str:
    """The "Sofia" password hash sent in the login (8 alphanumerics; password-equivalent)."""
    digest = hashlib.md5(password.encode("utf-8")).digest()
    return "".join(
        _SOFIA_ALPHABET[(digest[i] + digest[i + 1]) % 62] for i in range(0, len(digest), 2)
    )


def session_hex(session: int) -> str:
    """A session id as JSON carries it: ``0x`` + 8 upper-case hex digits."""
    return f"0x{session & 0xFFFFFFFF:08X}"


def parse_session(value: object) -> int:
    """A ``SessionID`` from JSON (``"0x1"``, ``"0x00000001"`` or a number) as an integer."""
    if isinstance(value, bool):
        raise ProtocolError("SessionID is not a number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        try:
            number = int(value, 16)
        except ValueError:
            raise ProtocolError("SessionID is not a hex number") from None
    else:
        raise ProtocolError("SessionID is missing or not a string")
    if not 0 <= number <= 0xFFFFFFFF:
        raise ProtocolError("SessionID out of range")
    return number


# --- header -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    """The 20-byte packet header. For media packets ``total`` is the channel and ``current``
    the end flag."""

    msg_id: int
    length: int
    session: int = 0
    sequence: int = 0
    version: int = CLIENT_VERSION
    total: int = 0
    current: int = 0

    def pack(self) -> bytes:
        return HEADER.pack(
            HEAD_FLAG,
            self.version & 0xFF,
            0,
            0,
            self.session & 0xFFFFFFFF,
            self.sequence & 0xFFFFFFFF,
            self.total & 0xFF,
            self.current & 0xFF,
            self.msg_id & 0xFFFF,
            self.length,
        )

    @classmethod
    def unpack(cls, data: bytes) -> Header:
        if len(data) < HEADER_SIZE:
            raise ProtocolError("truncated DVRIP header")
        head, version, _r1, _r2, session, sequence, total, current, msg_id, length = (
            HEADER.unpack_from(data)
        )
        if head != HEAD_FLAG:
            raise ProtocolError(f"bad DVRIP head flag 0x{head:02X}")
        return cls(msg_id, length, session, sequence, version, total, current)


def encode_packet(
    msg_id: int,
    payload: bytes,
    *,
    session: int = 0,
    sequence: int = 0,
    version: int = CLIENT_VERSION,
    total: int = 0,
    current: int = 0,
) -> bytes:
    """One packet: header + payload."""
    return (
        HEADER.pack(
            HEAD_FLAG,
            version & 0xFF,
            0,
            0,
            session & 0xFFFFFFFF,
            sequence & 0xFFFFFFFF,
            total & 0xFF,
            current & 0xFF,
            msg_id & 0xFFFF,
            len(payload),
        )
        + payload
    )


# --- JSON ---------------------------------------------------------------------------------------


def dumps(value: object) -> str:
    """JSON in the firmware's own style: ``{ "Key" : value, ... }``, keys sorted."""
    if isinstance(value, dict):
        if not value:
            return "{ }"
        items = ", ".join(
            f"{json.dumps(str(key), ensure_ascii=False)} : {dumps(value[key])}"
            for key in sorted(value, key=str)
        )
        return "{ " + items + " }"
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(dumps(item) for item in value) + " ]"
    return json.dumps(value, ensure_ascii=False)


def encode_json_body(body: dict[str, Any], trailer: bytes = JSON_TRAILER) -> bytes:
    """A JSON payload with its trailer (``\\n\\0`` by default; ``\\n`` as some clients send)."""
    return dumps(body).encode("utf-8") + trailer


def decode_json_body(payload: bytes) -> dict[str, Any]:
    """Parse a JSON payload: strip ``\\n``/NULs, fall back to latin-1 on bad UTF-8."""
    if len(payload) > MAX_JSON_PAYLOAD:
        raise ProtocolError("JSON payload too large")
    text = payload.rstrip(b"\x00\r\n\t ")
    if not text:
        return {}
    try:
        decoded = text.decode("utf-8")
    except UnicodeDecodeError:
        decoded = bytes(b for b in text if b >= 0x20 or b in b"\t\r\n").decode("latin-1")
    try:
        body = _JSON_DECODER.decode(decoded)  # json.loads(..., strict=False), built once
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"malformed JSON payload: {type(err).__name__}") from None
    if not isinstance(body, dict):
        raise ProtocolError("JSON payload is not an object")
    return body


def encode_json(
    msg_id: int,
    body: dict[str, Any],
    *,
    session: int = 0,
    sequence: int = 0,
    version: int = CLIENT_VERSION,
    trailer: bytes = JSON_TRAILER,
) -> bytes:
    """A JSON message; payloads over 16 KiB are split into Total/Current packets."""
    payload = encode_json_body(body, trailer)
    return json_packets(msg_id, payload, session=session, sequence=sequence, version=version)


def json_packets(
    msg_id: int,
    payload: bytes,
    *,
    session: int = 0,
    sequence: int = 0,
    version: int = CLIENT_VERSION,
) -> bytes:
    """A JSON message from its encoded payload (``encode_json_body``); payloads over 16 KiB
    are split into Total/Current packets."""
    if len(payload) <= FRAGMENT_SIZE:
        return encode_packet(msg_id, payload, session=session, sequence=sequence, version=version)
    pieces = [payload[i : i + FRAGMENT_SIZE] for i in range(0, len(payload), FRAGMENT_SIZE)]
    if len(pieces) > MAX_FRAGMENTS:
        raise ValueError("JSON message too large")
    return b"".join(
        encode_packet(
            msg_id,
            piece,
            session=session,
            sequence=sequence,
            version=version,
            total=len(pieces),
            current=index,
        )
        for index, piece in enumerate(pieces)
    )


def request_body(name: str, session: int, value: object = None) -> dict[str, Any]:
    """The usual request shape ``{"Name": name, "SessionID": "0x...", name: value}``."""
    body: dict[str, Any] = {"Name": name, "SessionID": session_hex(session)}
    if value is not None:
        body[name] = value
    return body


# Encoded requests without a value, or with a small flat one, by (name, value): the payload
# around the session id, so that asking again (on any session) encodes nothing.
REQUEST_TEMPLATES_KEPT = 256
# Nested values kept as templates: how deep, and how long their JSON may be.
MAX_TEMPLATE_DEPTH = 4
MAX_TEMPLATE_VALUE = 512
_SESSION_MARK = "@@SessionID@@"
_request_templates: dict[tuple[object, ...], tuple[bytes, bytes]] = {}


def _template_key(name: str, value: object) -> tuple[object, ...] | None:
    """What makes a request's payload when it is worth keeping: no value, or a small object
    of strings, integers, booleans and None, nested in objects with string keys and in
    lists (OPSNAP's ``{"Channel": 0}``, OPMonitor's claim); None otherwise."""
    if value is None:
        return (name,)
    if type(value) is dict:
        if len(value) <= 4 and all(
            type(key) is str and type(item) in (int, str) for key, item in value.items()
        ):
            return (name, dict, *value.items())  # not (name,): {} is sent, None is not
        if _plain(value, MAX_TEMPLATE_DEPTH):
            text = json.dumps(value, sort_keys=True, ensure_ascii=False)
            if len(text) <= MAX_TEMPLATE_VALUE:
                return (name, str, text)
    return None


def _plain(value: object, depth: int) -> bool:
    """Whether ``value`` is JSON that ``dumps`` and ``json.dumps`` spell alike: string keys,
    no floats (so equal keys mean equal payloads)."""
    if type(value) in (str, int, bool) or value is None:
        return True
    if depth <= 0:
        return False
    if type(value) is dict:
        return all(type(key) is str and _plain(item, depth - 1) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(_plain(item, depth - 1) for item in value)
    return False


def request_payload(name: str, session: int, value: object = None) -> bytes:
    """``encode_json_body(request_body(name, session, value))``, the same bytes; requests
    asked before (``_template_key``) are not encoded again."""
    key = _template_key(name, value)
    template = _request_templates.get(key) if key is not None else None
    if template is None:
        body = request_body(name, session, value)
        if key is None or len(_request_templates) >= REQUEST_TEMPLATES_KEPT:
            return encode_json_body(body)
        body["SessionID"] = _SESSION_MARK
        parts = encode_json_body(body).split(_SESSION_MARK.encode())
        if len(parts) != 2:  # the mark is in the name or the value: never kept
            return encode_json_body(request_body(name, session, value))
        template = _request_templates[key] = (parts[0], parts[1])
    head, tail = template
    return head + session_hex(session).encode() + tail


# --- messages and the decoder -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class JsonMessage:
    """A control message with a JSON body."""

    msg_id: int
    body: dict[str, Any]
    session: int = 0
    sequence: int = 0
    version: int = 0

    @property
    def ret(self) -> int | None:
        ret = self.body.get("Ret")
        return ret if isinstance(ret, int) and not isinstance(ret, bool) else None

    @property
    def ok(self) -> bool:
        return self.ret in OK_CODES


@dataclass(slots=True)  # not frozen: made per packet, and a frozen one costs 4x to make
class BinaryMessage:
    """One packet of a binary message (media, talk audio, snapshot picture)."""

    msg_id: int
    payload: bytes
    session: int = 0
    sequence: int = 0
    channel: int = 0
    end: bool = False


Message = JsonMessage | BinaryMessage


@dataclass(slots=True)
class _Fragments:
    total: int
    parts: list[bytes] = field(default_factory=list)
    size: int = 0


# A header as unpacked: (head flag, version, reserved, reserved, session, sequence,
# total, current, message id, length).
_Header = tuple[int, int, int, int, int, int, int, int, int, int]


class PacketDecoder:
    """Bytes in, messages out. Bounded: raises ``ProtocolError`` on anything malformed.

    ``binary_ids`` are routed as ``BinaryMessage`` (one per packet); every other
    id is JSON, reassembled over Total/Current packets. Received bytes are parsed
    where they are and copied once, when a message is complete.

    ``stream_ids`` (live media) are not messages at all: media is one byte stream
    across packets, so their payload bytes are collected as they arrive, without
    waiting for the packet's end, and ``take_stream`` hands them over (read-only
    views of the received bytes).
    """

    def __init__(
        self,
        *,
        max_json: int = MAX_JSON_PAYLOAD,
        max_binary_packet: int = MAX_MEDIA_PACKET,
        binary_ids: frozenset[int] = BINARY_MSG_IDS,
        stream_ids: frozenset[int] = frozenset(),
    ) -> None:
        self._max_json = max_json
        self._max_binary = max_binary_packet
        self._binary_ids = binary_ids | stream_ids
        self._stream_ids = stream_ids
        self._head = bytearray()  # a header split between reads
        self._header: _Header | None = None  # the packet whose payload is being read
        self._need = 0  # payload bytes of that packet still to come
        self._parts: list[memoryview] = []
        self._have = 0
        self._streaming = False
        self._stream: list[memoryview] = []
        self._fragments: dict[int, _Fragments] = {}

    @property
    def buffered(self) -> int:
        """Bytes waiting for the rest of their packet."""
        return len(self._head) + self._have

    def take_stream(self) -> list[memoryview]:
        """Payload bytes of ``stream_ids`` packets received so far, in order, once."""
        stream = self._stream
        self._stream = []
        return stream

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes; return every message they complete."""
        if type(data) is not bytes:
            data = bytes(data)  # kept pieces are views: never of a caller's buffer
        if self._header is None and not self._head and len(data) >= HEADER_SIZE:
            whole = self._whole_packet(data)
            if whole is not None:
                return whole
        messages: list[Message] = []
        view = memoryview(data)
        position = 0
        size = len(data)
        while position < size:
            if self._header is None:
                if not self._head and size - position >= HEADER_SIZE:
                    header = HEADER.unpack_from(data, position)  # the common case: in place
                    position += HEADER_SIZE
                else:
                    split, position = self._split_header(view, position)
                    if split is None:
                        break
                    header = split
                self._start(header)
                if self._need:
                    continue
            else:
                take = min(self._need, size - position)
                piece = view[position : position + take]
                position += take
                self._need -= take
                if self._streaming:
                    self._stream.append(piece)
                    if not self._need:
                        self._header = None  # a stream packet is no message: nothing to finish
                    continue
                self._parts.append(piece)
                self._have += take
                if self._need:
                    break
            self._finish(messages)
        return messages

    def _whole_packet(self, data: bytes) -> list[Message] | None:
        """The usual read of a control connection, one whole packet (a reply), parsed as it
        is: no views, no pieces. None when ``data`` is anything else."""
        header = HEADER.unpack_from(data)
        if HEADER_SIZE + header[9] != len(data) or header[8] in self._stream_ids:
            return None
        self._start(header)  # its checks, before anything is kept
        self._header, self._need = None, 0
        message = self._message(header, data[HEADER_SIZE:])
        return [message] if message is not None else []

    def _split_header(self, view: memoryview, position: int) -> tuple[_Header | None, int]:
        """Collect a header split between reads."""
        head = self._head
        take = min(HEADER_SIZE - len(head), len(view) - position)
        head += view[position : position + take]
        position += take
        if len(head) < HEADER_SIZE:
            return None, position
        header = HEADER.unpack(head)
        head.clear()
        return header, position

    def _start(self, header: _Header) -> None:
        """A header was read: check it before anything of its payload is kept."""
        if header[0] != HEAD_FLAG:
            raise ProtocolError(f"bad DVRIP head flag 0x{header[0]:02X}")
        msg_id, length = header[8], header[9]
        limit = self._max_binary if msg_id in self._binary_ids else self._max_json
        if length > limit:
            raise ProtocolError(f"DVRIP packet {msg_id} too large ({length} bytes)")
        self._header = header
        self._need = length
        self._streaming = msg_id in self._stream_ids

    def _finish(self, messages: list[Message]) -> None:
        header = self._header
        assert header is not None
        self._header = None
        if self._streaming:
            return
        parts = self._parts
        payload = b"".join(parts) if len(parts) != 1 else bytes(parts[0])
        parts.clear()
        self._have = 0
        message = self._message(header, payload)
        if message is not None:
            messages.append(message)

    def _message(self, header: _Header, payload: bytes) -> Message | None:
        _head, version, _r1, _r2, session, sequence, total, current, msg_id, _length = header
        if msg_id in self._binary_ids:
            return BinaryMessage(msg_id, payload, session, sequence, total, bool(current))
        if total > 1:
            whole = self._reassemble(msg_id, total, current, payload)
            if whole is None:
                return None
            payload = whole
        return JsonMessage(msg_id, decode_json_body(payload), session, sequence, version)

    def _reassemble(self, msg_id: int, total: int, current: int, payload: bytes) -> bytes | None:
        if total > MAX_FRAGMENTS:
            raise ProtocolError("too many packets in one DVRIP message")
        pending = self._fragments.get(msg_id)
        if current == 0 or pending is None:
            pending = _Fragments(total)
            self._fragments[msg_id] = pending
        if current != len(pending.parts) or total != pending.total:
            del self._fragments[msg_id]
            raise ProtocolError("DVRIP packets of a message out of order")
        pending.parts.append(payload)
        pending.size += len(payload)
        if pending.size > self._max_json:
            del self._fragments[msg_id]
            raise ProtocolError("JSON message too large")
        # Every message id may be half-sent at once: bound them together, not one by one.
        if len(self._fragments) > MAX_PENDING_MESSAGES or (
            sum(p.size for p in self._fragments.values()) > self._max_json
        ):
            self._fragments.clear()
            raise ProtocolError("too many unfinished multi-packet DVRIP messages")
        if current < total - 1:
            return None
        del self._fragments[msg_id]
        return b"".join(pending.parts)
