"""DVRIP wire format, sans-I/O: the 20-byte header, JSON bodies, message ids, the Sofia hash.

Every DVRIP packet is a 20-byte little-endian header followed by ``length``
bytes of payload::

    0  0xFF head flag        1  version (0 from clients, 1 from devices)
    2  reserved (2 bytes)    4  session id (uint32)
    8  sequence (uint32)    12  total packets  | media: channel
    13 current packet | media: end flag      14  message id (uint16)
    16 payload length (uint32, header not counted)

Control payloads are JSON terminated by ``\\n\\0`` (devices) or ``\\n`` (some
clients); this module accepts both and any number of extra NULs. Media
payloads (live, playback, talk, snapshot data) are routed by message id only,
never by content, and handed over as raw bytes (see ``media.py``).

``PacketDecoder`` is fed bytes and returns complete messages; it bounds every
length before buffering anything and raises ``ProtocolError`` on bad input.
"""

from __future__ import annotations

import enum
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from ..errors import ProtocolError

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


class MsgId(enum.IntEnum):
    """Message ids; a reply is the request id + 1."""

    LOGIN = 1000
    LOGIN_REPLY = 1001
    LOGOUT = 1002
    LOGOUT_REPLY = 1003
    FORCED_LOGOUT = 1004
    KEEPALIVE = 1006
    KEEPALIVE_REPLY = 1007
    SYSINFO = 1020
    SYSINFO_REPLY = 1021
    CONFIG_SET = 1040
    CONFIG_SET_REPLY = 1041
    CONFIG_GET = 1042
    CONFIG_GET_REPLY = 1043
    DEFAULT_CONFIG_GET = 1044
    DEFAULT_CONFIG_GET_REPLY = 1045
    CHANNEL_TITLE_SET = 1046
    CHANNEL_TITLE_SET_REPLY = 1047
    CHANNEL_TITLE_GET = 1048
    CHANNEL_TITLE_GET_REPLY = 1049
    ABILITY = 1360
    ABILITY_REPLY = 1361
    PTZ = 1400
    PTZ_REPLY = 1401
    MONITOR = 1410
    MONITOR_REPLY = 1411
    MONITOR_DATA = 1412
    MONITOR_CLAIM = 1413
    MONITOR_CLAIM_REPLY = 1414
    PLAYBACK = 1420
    PLAYBACK_REPLY = 1421
    PLAYBACK_DATA = 1422
    PLAYBACK_EOF = 1423
    PLAYBACK_CLAIM = 1424
    PLAYBACK_CLAIM_REPLY = 1425
    DOWNLOAD_DATA = 1426
    TALK = 1430
    TALK_REPLY = 1431
    TALK_DATA = 1432
    TALK_DATA_DEVICE = 1433
    TALK_CLAIM = 1434
    TALK_CLAIM_REPLY = 1435
    SYSMANAGER = 1450
    SYSMANAGER_REPLY = 1451
    TIME_QUERY = 1452
    TIME_QUERY_REPLY = 1453
    GUARD = 1500
    GUARD_REPLY = 1501
    UNGUARD = 1502
    UNGUARD_REPLY = 1503
    ALARM = 1504
    ALARM_ACK = 1505
    NET_ALARM = 1506
    NET_ALARM_REPLY = 1507
    UPGRADE_DATA = 1522
    DISCOVERY = 1530
    DISCOVERY_REPLY = 1531
    SNAPSHOT = 1560
    SNAPSHOT_REPLY = 1561
    SYNC_TIME = 1590
    SYNC_TIME_REPLY = 1591


# Messages whose payload is binary (media, talk audio, snapshot pictures, upgrade data).
BINARY_MSG_IDS: frozenset[int] = frozenset(
    {
        MsgId.MONITOR_DATA,
        MsgId.PLAYBACK_DATA,
        MsgId.DOWNLOAD_DATA,
        MsgId.TALK_DATA,
        MsgId.TALK_DATA_DEVICE,
        MsgId.SNAPSHOT_REPLY,
        MsgId.UPGRADE_DATA,
    }
)


class Ret(enum.IntEnum):
    """The ``Ret`` codes that matter to a client (vendor table, see the protocol notes)."""

    OK = 100
    UNKNOWN_ERROR = 101
    VERSION_NOT_SUPPORTED = 102
    ILLEGAL_REQUEST = 103
    ALREADY_LOGGED_IN = 104
    NOT_LOGGED_IN = 105
    BAD_CREDENTIALS = 106
    NO_PERMISSION = 107
    TIMEOUT = 108
    SEARCH_DONE = 110
    SEARCH_PARTIAL = 111
    BAD_FORMAT = 117
    NOT_AUTHORISED = 202
    WRONG_PASSWORD = 203
    ILLEGAL_USER = 204
    USER_LOCKED = 205
    BLACKLISTED = 206
    USER_LOGGED_IN = 207
    ACCOUNT_IN_USE = 212
    ILLEGAL_COMMAND = 502
    TALK_ALREADY_OPEN = 503
    TALK_NOT_OPEN = 504
    UPGRADE_OK = 515
    CONFIG_NOT_FOUND = 607
    CONFIG_PARSE_ERROR = 608


OK_CODES: frozenset[int] = frozenset({Ret.OK, Ret.UPGRADE_OK})
AUTH_FAILED_CODES: frozenset[int] = frozenset(
    {Ret.BAD_CREDENTIALS, Ret.NOT_AUTHORISED, Ret.WRONG_PASSWORD, Ret.ILLEGAL_USER, Ret.BLACKLISTED}
)
LOCKED_CODES: frozenset[int] = frozenset({Ret.USER_LOCKED})
BUSY_CODES: frozenset[int] = frozenset(
    {Ret.ALREADY_LOGGED_IN, Ret.USER_LOGGED_IN, Ret.ACCOUNT_IN_USE, Ret.TALK_ALREADY_OPEN}
)

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
        body = json.loads(decoded, strict=False)
    except (ValueError, RecursionError) as err:
        raise ProtocolError(f"malformed JSON payload: {type(err).__name__}") from None
    if not isinstance(body, dict):
        raise ProtocolError("JSON payload is not an object")
    return body


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
    header = Header(msg_id, len(payload), session, sequence, version, total, current)
    return header.pack() + payload


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


@dataclass(frozen=True, slots=True)
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


class PacketDecoder:
    """Bytes in, messages out. Bounded: raises ``ProtocolError`` on anything malformed.

    ``binary_ids`` are routed as ``BinaryMessage`` (one per packet, media is a
    byte stream); every other id is JSON, reassembled over Total/Current packets.
    """

    def __init__(
        self,
        *,
        max_json: int = MAX_JSON_PAYLOAD,
        max_binary_packet: int = MAX_MEDIA_PACKET,
        binary_ids: frozenset[int] = BINARY_MSG_IDS,
    ) -> None:
        self._buffer = bytearray()
        self._max_json = max_json
        self._max_binary = max_binary_packet
        self._binary_ids = binary_ids
        self._header: Header | None = None
        self._fragments: dict[int, _Fragments] = {}

    @property
    def buffered(self) -> int:
        """Bytes waiting for the rest of their packet."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Message]:
        """Add received bytes; return every message they complete."""
        self._buffer.extend(data)
        messages: list[Message] = []
        while True:
            if self._header is None:
                if len(self._buffer) < HEADER_SIZE:
                    return messages
                header = Header.unpack(bytes(self._buffer[:HEADER_SIZE]))
                limit = self._max_binary if header.msg_id in self._binary_ids else self._max_json
                if header.length > limit:
                    raise ProtocolError(
                        f"DVRIP packet {header.msg_id} too large ({header.length} bytes)"
                    )
                del self._buffer[:HEADER_SIZE]
                self._header = header
            header = self._header
            if len(self._buffer) < header.length:
                return messages
            payload = bytes(self._buffer[: header.length])
            del self._buffer[: header.length]
            self._header = None
            message = self._message(header, payload)
            if message is not None:
                messages.append(message)

    def _message(self, header: Header, payload: bytes) -> Message | None:
        if header.msg_id in self._binary_ids:
            return BinaryMessage(
                header.msg_id,
                payload,
                header.session,
                header.sequence,
                header.total,
                bool(header.current),
            )
        if header.total > 1:
            payload_or_none = self._reassemble(header, payload)
            if payload_or_none is None:
                return None
            payload = payload_or_none
        return JsonMessage(
            header.msg_id,
            decode_json_body(payload),
            header.session,
            header.sequence,
            header.version,
        )

    def _reassemble(self, header: Header, payload: bytes) -> bytes | None:
        if header.total > MAX_FRAGMENTS:
            raise ProtocolError("too many packets in one DVRIP message")
        pending = self._fragments.get(header.msg_id)
        if header.current == 0 or pending is None:
            pending = _Fragments(header.total)
            self._fragments[header.msg_id] = pending
        if header.current != len(pending.parts) or header.total != pending.total:
            del self._fragments[header.msg_id]
            raise ProtocolError("DVRIP packets of a message out of order")
        pending.parts.append(payload)
        pending.size += len(payload)
        if pending.size > self._max_json:
            del self._fragments[header.msg_id]
            raise ProtocolError("JSON message too large")
        # Every message id may be half-sent at once: bound them together, not one by one.
        if len(self._fragments) > MAX_PENDING_MESSAGES or (
            sum(p.size for p in self._fragments.values()) > self._max_json
        ):
            self._fragments.clear()
            raise ProtocolError("too many unfinished multi-packet DVRIP messages")
        if header.current < header.total - 1:
            return None
        del self._fragments[header.msg_id]
        return b"".join(pending.parts)


# --- resolutions ------------------------------------------------------------------------------

# Bit index of the EncodeCapability masks -> (Resolution string in Simplify.Encode, width, height).
# Names and sizes above bit 18 are not confirmed by the vendor documents.
RESOLUTIONS: tuple[tuple[str, int, int], ...] = (
    ("D1", 704, 576),
    ("HD1", 704, 288),
    ("BCIF", 352, 576),
    ("CIF", 352, 288),
    ("QCIF", 176, 144),
    ("VGA", 640, 480),
    ("QVGA", 320, 240),
    ("SVCD", 480, 480),
    ("QQVGA", 160, 120),
    ("ND1", 240, 192),
    ("960H", 928, 576),
    ("720P", 1280, 720),
    ("1_3M", 1280, 960),
    ("UXGA", 1600, 1200),
    ("1080P", 1920, 1080),
    ("WUXGA", 1920, 1200),
    ("2_5M", 1872, 1408),
    ("3M", 2048, 1536),
    ("5M", 3744, 1408),
    ("1080N", 960, 1080),
    ("4M", 2592, 1520),
    ("6M", 3072, 2048),
    ("8M", 3264, 2448),
    ("12M", 4000, 3000),
    ("4K", 3840, 2160),
    ("720N", 640, 720),
    ("WSVGA", 1024, 576),
    ("NHD", 640, 360),
    ("3M_N", 1024, 1536),
    ("4M_N", 1296, 1520),
)
_RESOLUTION_BY_NAME = {name.upper(): (w, h) for name, w, h in RESOLUTIONS}
_RESOLUTION_BY_SIZE = {(w, h): name for name, w, h in RESOLUTIONS}


def resolution_size(name: str) -> tuple[int, int] | None:
    """Width and height of a ``Resolution`` string ("1080P", "VGA", ...), None if unknown."""
    return _RESOLUTION_BY_NAME.get(name.strip().upper())


def resolution_name(width: int, height: int) -> str | None:
    """The ``Resolution`` string for a size, None if the protocol has no name for it."""
    return _RESOLUTION_BY_SIZE.get((width, height))


def resolution_mask(names: list[str] | tuple[str, ...]) -> int:
    """The capability mask with the bits of ``names`` set."""
    mask = 0
    for index, (name, _w, _h) in enumerate(RESOLUTIONS):
        if name in names:
            mask |= 1 << index
    return mask


def resolutions_in_mask(mask: int) -> list[tuple[str, int, int]]:
    """The resolutions whose bit is set in a capability mask."""
    return [entry for index, entry in enumerate(RESOLUTIONS) if mask >> index & 1]


def parse_mask(value: object) -> int:
    """A hex-string (``"0x00006FCF"``) or integer mask; 0 when unusable."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value & 0xFFFFFFFF
    if isinstance(value, str):
        try:
            return int(value, 16) & 0xFFFFFFFF
        except ValueError:
            return 0
    return 0


# --- discovery (UDP 34569) --------------------------------------------------------------------

DISCOVERY_PORT = 34569


def decode_ip_hex(value: str) -> str:
    """A NetCommon address (``"0x7200060A"``: little-endian uint32 as hex) as dotted quad."""
    try:
        number = int(value, 16)
    except (TypeError, ValueError):
        raise ProtocolError("address is not a hex number") from None
    if not 0 <= number <= 0xFFFFFFFF:
        raise ProtocolError("address out of range")
    return ".".join(str(part) for part in number.to_bytes(4, "little"))


def encode_ip_hex(address: str) -> str:
    """A dotted quad as NetCommon writes it (``"10.6.0.114"`` -> ``"0x7200060A"``)."""
    parts = [int(part) for part in address.split(".")]
    if len(parts) != 4 or not all(0 <= part <= 255 for part in parts):
        raise ValueError("not an IPv4 address")
    return f"0x{int.from_bytes(bytes(parts), 'little'):08X}"
