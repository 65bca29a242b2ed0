"""Legacy Foscam binary protocol (MO_O / MO_V / MO_I), sans-I/O.

Every packet is a 23-byte header followed by a "text" (payload)::

    0  magic        4   b"MO_O" (operation), b"MO_V" (audio/video data), b"MO_I" (UDP search)
    4  op code      2   UINT16 LE
    6  reserved     1   0
    7  reserved     8   0
    15 text length  4   UINT32 LE  (the only length a parser reads)
    19 text length  4   "reserved" in the vendor document; cameras repeat the length here
    23 text         n

This module turns bytes into typed messages and back, with no I/O: the client
and the simulator both use it. ``FrameParser`` buffers a TCP byte stream, survives
any fragmentation, re-synchronises on the magic after garbage and refuses lengths
above a cap before allocating anything.
"""

from __future__ import annotations

import enum
import ipaddress
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from .. import jpeg
from ..errors import InvalidValue, ProtocolError

MAGIC_OPERATION = b"MO_O"
MAGIC_AV = b"MO_V"
MAGIC_SEARCH = b"MO_I"
MAGICS = (MAGIC_OPERATION, MAGIC_AV, MAGIC_SEARCH)

HEADER_SIZE = 23
_HEADER = struct.Struct("<4sHB8sII")

# Bounds for lengths read from the network (text bytes, header excluded).
MAX_OPERATION_TEXT = 64 * 1024  # the largest real MO_O text is op 28 with 1152 bytes
MAX_AV_TEXT = 2 * 1024 * 1024  # one JPEG frame (GRISON saw 78 785 bytes; cap at 2 MiB)
MAX_SEARCH_TEXT = 1024  # MO_I texts are 4 to 129 bytes
DEFAULT_MAX_TEXT: Mapping[bytes, int] = {
    MAGIC_OPERATION: MAX_OPERATION_TEXT,
    MAGIC_AV: MAX_AV_TEXT,
    MAGIC_SEARCH: MAX_SEARCH_TEXT,
}

ID_SIZE = 13  # 12 ASCII hex characters + NUL
CREDENTIAL_FIELD = 13  # user / password fields of Verify_Req
MAX_CREDENTIAL = CREDENTIAL_FIELD - 1  # 12 characters
OTHER_DEVICE_RECORDS = 9
OTHER_DEVICE_RECORD_SIZE = 128
PROTOCOL_VERSION = 0x01000000  # bytes 00 00 00 01 read as UINT32 LE
AUDIO_PACKET_BYTES = 160  # 320 samples = 40 ms at 8 kHz
AUDIO_PACKET_TICKS = 4  # 10 ms ticks per audio packet
FORMAT_ADPCM = 0


class OpCode(enum.IntEnum):
    """MO_O operation-channel op codes (vendor document + FOSCAM-SDK constants)."""

    LOGIN_REQ = 0
    LOGIN_RESP = 1
    VERIFY_REQ = 2
    VERIFY_RESP = 3
    VIDEO_START_REQ = 4
    VIDEO_START_RESP = 5
    VIDEO_END = 6
    VIDEO_RATE = 7
    AUDIO_START_REQ = 8
    AUDIO_START_RESP = 9
    AUDIO_END = 10
    TALK_START_REQ = 11
    TALK_START_RESP = 12
    TALK_END = 13
    DECODER_CONTROL_REQ = 14
    COMM_DATA = 15
    PARAMS_FETCH_REQ = 16
    PARAMS_FETCH_RESP = 17
    PARAMS_CHANGED_NOTIFY = 18
    PARAMS_SET_REQ = 19
    ALARM_NOTIFY = 25
    OTHER_DEVICES_NOTIFY = 28
    TALK_BUFFER = 29
    KEEP_ALIVE = 255


class AvOpCode(enum.IntEnum):
    """MO_V audio/video data-channel op codes."""

    LOGIN_REQ = 0
    VIDEO_DATA = 1
    AUDIO_DATA = 2
    TALK_DATA = 3
    KEEP_ALIVE = 255


class SearchOpCode(enum.IntEnum):
    """MO_I UDP search op codes."""

    SEARCH_REQ = 0
    SEARCH_RESP = 1
    INIT_REQ = 2
    INIT_RESP = 3


class Result(enum.IntEnum):
    """Result codes of the *_Resp messages."""

    OK = 0
    WRONG_USER = 1
    TOO_MANY_CONNECTIONS = 2
    WRONG_VERSION = 3
    WRONG_ID = 4
    WRONG_PASSWORD = 5
    NO_PRIVILEGE = 6
    UNSUPPORTED = 7


class Privilege(enum.IntEnum):
    """The privilege byte of a successful Verify_Resp."""

    VISITOR = 0
    OPERATOR = 1
    ADMINISTRATOR = 2


class AlarmType(enum.IntEnum):
    """Alarm_Notify types (3 = sound detection, not in the vendor document)."""

    STOP = 0
    MOTION = 1
    INPUT = 2
    SOUND = 3


# --- header -----------------------------------------------------------------------------------


def encode_packet(magic: bytes, op: int, text: bytes = b"") -> bytes:
    """One packet: header with the text length at offsets 15 AND 19, then the text."""
    if magic not in MAGICS:
        raise ValueError(f"unknown magic {magic!r}")
    if not 0 <= op <= 0xFFFF:
        raise ValueError("op code out of range")
    return _HEADER.pack(magic, op, 0, bytes(8), len(text), len(text)) + text


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded 23-byte header."""

    magic: bytes
    op: int
    length: int
    length_copy: int  # offset 19: a copy of the length on real cameras, 0 on some clients


def decode_header(data: bytes | bytearray | memoryview) -> Header:
    """Decode the first 23 bytes; raise ProtocolError when they are no Foscam header."""
    if len(data) < HEADER_SIZE:
        raise ProtocolError("truncated Foscam header")
    magic, op, _flag, _key, length, length_copy = _HEADER.unpack_from(data, 0)
    if magic not in MAGICS:
        raise ProtocolError("not a Foscam packet (bad magic)")
    return Header(bytes(magic), op, length, length_copy)


# --- helpers ----------------------------------------------------------------------------------


def _need(text: bytes, size: int, what: str) -> None:
    if len(text) < size:
        raise ProtocolError(f"{what}: text of {len(text)} bytes, expected at least {size}")


def _cstring(raw: bytes) -> str:
    """A NUL-terminated (and NUL-padded) ASCII field."""
    return raw.split(b"\x00", 1)[0].decode("latin-1")


def _field(value: str, size: int, what: str) -> bytes:
    raw = value.encode("utf-8")
    if len(raw) > size - 1:
        raise InvalidValue(f"{what} is limited to {size - 1} characters")
    return raw.ljust(size, b"\x00")


def _ip(raw: bytes) -> str:
    return str(ipaddress.IPv4Address(raw))


def _ip_bytes(value: str) -> bytes:
    try:
        return ipaddress.IPv4Address(value).packed
    except ValueError as err:
        raise InvalidValue(f"not an IPv4 address: {value!r}") from err


def _version(raw: bytes) -> str:
    return ".".join(str(b) for b in raw)


def _version_bytes(value: str) -> bytes:
    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise InvalidValue(f"version must be four numbers 0-255: {value!r}")
    return bytes(int(p) for p in parts)


def camera_id_to_mac(camera_id: str) -> str:
    """``00626E4E72BF`` -> ``00:62:6e:4e:72:bf`` ("" when the id is no MAC)."""
    text = camera_id.strip().lower()
    if len(text) != 12 or any(c not in "0123456789abcdef" for c in text):
        return ""
    return ":".join(text[i : i + 2] for i in range(0, 12, 2))


def validate_credentials(username: str, password: str) -> None:
    """Raise InvalidValue when a credential does not fit Verify_Req's 13-byte fields."""
    _field(username, CREDENTIAL_FIELD, "user name")
    _field(password, CREDENTIAL_FIELD, "password")


# --- messages ---------------------------------------------------------------------------------


class Message:
    """Base of every typed message: ``encode()`` gives the whole packet."""

    MAGIC: ClassVar[bytes] = MAGIC_OPERATION
    OP: ClassVar[int] = 0

    def text(self) -> bytes:
        return b""

    def encode(self) -> bytes:
        return encode_packet(self.MAGIC, self.OP, self.text())

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        return cls()


_REGISTRY: dict[tuple[bytes, int], type[Message]] = {}


def _register[M: type[Message]](cls: M) -> M:
    _REGISTRY[(cls.MAGIC, cls.OP)] = cls
    return cls


@dataclass(frozen=True, slots=True)
class _Result(Message):
    """A message whose text is only an INT16 result."""

    result: int = 0

    def text(self) -> bytes:
        return struct.pack("<h", self.result)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2, cls.__name__)
        return cls(struct.unpack_from("<h", text)[0])


@dataclass(frozen=True, slots=True)
class _Byte(Message):
    """A message whose text is one UINT8."""

    value: int = 1

    def text(self) -> bytes:
        return bytes((self.value & 0xFF,))

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 1, cls.__name__)
        return cls(text[0])


@dataclass(frozen=True, slots=True)
class _StartResp(Message):
    """Video/Audio/Talk_Start_Resp: INT16 result, UINT32 connection id only when new."""

    result: int = 0
    connection_id: int | None = None

    def text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.connection_id is not None:
            text += struct.pack("<I", self.connection_id)
        return text

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2, cls.__name__)
        result = struct.unpack_from("<h", text)[0]
        connection_id = struct.unpack_from("<I", text, 2)[0] if len(text) >= 6 else None
        return cls(result, connection_id)


@_register
@dataclass(frozen=True, slots=True)
class LoginReq(Message):
    """MO_O op 0: empty text."""

    OP = OpCode.LOGIN_REQ


@_register
@dataclass(frozen=True, slots=True)
class LoginResp(Message):
    """MO_O op 1: result; camera id, version, model and firmware only when result is 0."""

    OP = OpCode.LOGIN_RESP
    result: int = 0
    camera_id: str = ""
    version: int = PROTOCOL_VERSION
    model: int = 0
    firmware: str = "0.0.0.0"

    def text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.result != Result.OK:
            return text
        return (
            text
            + _field(self.camera_id, ID_SIZE, "camera id")
            + struct.pack("<II", self.version, self.model)
            + _version_bytes(self.firmware)
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2, "Login_Resp")
        result = struct.unpack_from("<h", text)[0]
        if result != Result.OK:
            return cls(result)
        _need(text, 27, "Login_Resp")
        version, model = struct.unpack_from("<II", text, 15)
        return cls(result, _cstring(text[2:15]), version, model, _version(text[23:27]))


@_register
@dataclass(frozen=True, slots=True)
class VerifyReq(Message):
    """MO_O op 2: 13-byte user + 13-byte password, NUL padded (12 characters each at most)."""

    OP = OpCode.VERIFY_REQ
    username: str = ""
    password: str = field(default="", repr=False)

    def text(self) -> bytes:
        return _field(self.username, CREDENTIAL_FIELD, "user name") + _field(
            self.password, CREDENTIAL_FIELD, "password"
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2 * CREDENTIAL_FIELD, "Verify_Req")
        return cls(_cstring(text[:13]), _cstring(text[13:26]))


@_register
@dataclass(frozen=True, slots=True)
class VerifyResp(Message):
    """MO_O op 3: result + privilege byte on success; only the 2-byte result on failure."""

    OP = OpCode.VERIFY_RESP
    result: int = 0
    privilege: int | None = None

    def text(self) -> bytes:
        text = struct.pack("<h", self.result)
        if self.privilege is not None:
            text += bytes((self.privilege,))
        return text

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2, "Verify_Resp")
        return cls(struct.unpack_from("<h", text)[0], text[2] if len(text) >= 3 else None)


@_register
@dataclass(frozen=True, slots=True)
class VideoStartReq(_Byte):
    """MO_O op 4: one byte (1 in the vendor document, 2 in the SDK)."""

    OP = OpCode.VIDEO_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class VideoStartResp(_StartResp):
    OP = OpCode.VIDEO_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class VideoEnd(Message):
    OP = OpCode.VIDEO_END


@_register
@dataclass(frozen=True, slots=True)
class VideoRateReq(Message):
    """MO_O op 7: INT32 rate (semantics unconfirmed)."""

    OP = OpCode.VIDEO_RATE
    rate: int = 0

    def text(self) -> bytes:
        return struct.pack("<i", self.rate)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 4, "Video_Rate")
        return cls(struct.unpack_from("<i", text)[0])


@_register
@dataclass(frozen=True, slots=True)
class AudioStartReq(_Byte):
    OP = OpCode.AUDIO_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class AudioStartResp(_StartResp):
    OP = OpCode.AUDIO_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class AudioEnd(Message):
    OP = OpCode.AUDIO_END


@_register
@dataclass(frozen=True, slots=True)
class TalkStartReq(_Byte):
    """MO_O op 11: camera-side playback buffer in seconds (>= 1)."""

    OP = OpCode.TALK_START_REQ


@_register
@dataclass(frozen=True, slots=True)
class TalkStartResp(_StartResp):
    OP = OpCode.TALK_START_RESP


@_register
@dataclass(frozen=True, slots=True)
class TalkEnd(Message):
    OP = OpCode.TALK_END


@_register
@dataclass(frozen=True, slots=True)
class DecoderControlReq(_Byte):
    """MO_O op 14: one ``decoder_control.cgi`` command number."""

    OP = OpCode.DECODER_CONTROL_REQ


@_register
@dataclass(frozen=True, slots=True)
class CommDataReq(Message):
    """MO_O op 15: UINT8 length, bytes, UINT32 baud (serial pass-through)."""

    OP = OpCode.COMM_DATA
    data: bytes = b""
    baud: int = 9600

    def text(self) -> bytes:
        if len(self.data) > 255:
            raise InvalidValue("serial data is limited to 255 bytes")
        return bytes((len(self.data),)) + self.data + struct.pack("<I", self.baud)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 1, "Comm_Data")
        size = text[0]
        _need(text, 1 + size + 4, "Comm_Data")
        return cls(text[1 : 1 + size], struct.unpack_from("<I", text, 1 + size)[0])


@_register
@dataclass(frozen=True, slots=True)
class ParamsFetchReq(Message):
    """MO_O op 16: empty; the camera answers op 17."""

    OP = OpCode.PARAMS_FETCH_REQ


@_register
@dataclass(frozen=True, slots=True)
class ParamsFetchResp(Message):
    """MO_O op 17: camera parameters, one byte each (7 in the SDK, 8 on FI89xx).

    Only the first three are certain: resolution (8 = 320x240, 32 = 640x480),
    brightness, contrast.
    """

    OP = OpCode.PARAMS_FETCH_RESP
    values: bytes = bytes((32, 163, 0, 2, 2, 0, 0, 0))

    @property
    def resolution(self) -> int:
        return self.values[0]

    @property
    def brightness(self) -> int:
        return self.values[1]

    @property
    def contrast(self) -> int:
        return self.values[2]

    def text(self) -> bytes:
        return bytes(self.values)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 7, "Params_Fetch_Resp")
        return cls(bytes(text))


@dataclass(frozen=True, slots=True)
class _ParamValue(Message):
    """A message whose text is UINT8 parameter, UINT8 value."""

    param: int = 0
    value: int = 0

    def text(self) -> bytes:
        return bytes((self.param & 0xFF, self.value & 0xFF))

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 2, cls.__name__)
        return cls(text[0], text[1])


@_register
@dataclass(frozen=True, slots=True)
class ParamsChangedNotify(_ParamValue):
    """MO_O op 18, camera -> client: UINT8 parameter, UINT8 value."""

    OP = OpCode.PARAMS_CHANGED_NOTIFY


@_register
@dataclass(frozen=True, slots=True)
class ParamsSetReq(_ParamValue):
    """MO_O op 19: UINT8 parameter (0 resolution ... 6 rate), UINT8 value."""

    OP = OpCode.PARAMS_SET_REQ


@_register
@dataclass(frozen=True, slots=True)
class AlarmNotify(Message):
    """MO_O op 25: UINT8 type (0 stop, 1 motion, 2 input, 3 sound) + 4 x INT16 area."""

    OP = OpCode.ALARM_NOTIFY
    alarm_type: int = AlarmType.STOP
    area: tuple[int, int, int, int] = (0, 0, 0, 0)

    def text(self) -> bytes:
        return bytes((self.alarm_type & 0xFF,)) + struct.pack("<4h", *self.area)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 1, "Alarm_Notify")
        area = struct.unpack_from("<4h", text, 1) if len(text) >= 9 else (0, 0, 0, 0)
        return cls(text[0], (area[0], area[1], area[2], area[3]))


@dataclass(frozen=True, slots=True)
class OtherDevice:
    """One 128-byte record of op 28 (the camera's multi-device list)."""

    camera_id: str = ""
    alias: str = ""
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = field(default="", repr=False)
    mode: int = 0

    _STRUCT: ClassVar[struct.Struct] = struct.Struct("<13s21s65sH13s13sB")

    def encode(self) -> bytes:
        return self._STRUCT.pack(
            _field(self.camera_id, 13, "camera id"),
            _field(self.alias, 21, "alias"),
            _field(self.host, 65, "host"),
            self.port,
            _field(self.username, 13, "user name"),
            _field(self.password, 13, "password"),
            self.mode,
        )

    @classmethod
    def decode(cls, raw: bytes) -> OtherDevice:
        cid, alias, host, port, user, password, mode = cls._STRUCT.unpack_from(raw)
        return cls(
            _cstring(cid), _cstring(alias), _cstring(host), port, _cstring(user),
            _cstring(password), mode,
        )  # fmt: skip


@_register
@dataclass(frozen=True, slots=True)
class OtherDevicesNotify(Message):
    """MO_O op 28, unprompted after Verify_Resp: 9 x 128-byte records (all zero usually)."""

    OP = OpCode.OTHER_DEVICES_NOTIFY
    devices: tuple[OtherDevice, ...] = ()

    def text(self) -> bytes:
        if len(self.devices) > OTHER_DEVICE_RECORDS:
            raise InvalidValue("at most 9 other devices")
        padded = list(self.devices) + [OtherDevice()] * (OTHER_DEVICE_RECORDS - len(self.devices))
        return b"".join(device.encode() for device in padded)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        count = min(len(text) // OTHER_DEVICE_RECORD_SIZE, OTHER_DEVICE_RECORDS)
        devices = []
        for index in range(count):
            raw = text[index * OTHER_DEVICE_RECORD_SIZE : (index + 1) * OTHER_DEVICE_RECORD_SIZE]
            if any(raw):
                devices.append(OtherDevice.decode(raw))
        return cls(tuple(devices))


@_register
@dataclass(frozen=True, slots=True)
class TalkBufferReq(_Byte):
    """MO_O op 29: new camera-side talk buffer time in seconds."""

    OP = OpCode.TALK_BUFFER


@_register
@dataclass(frozen=True, slots=True)
class KeepAlive(Message):
    """MO_O op 255, both directions, empty."""

    OP = OpCode.KEEP_ALIVE


# --- MO_V -------------------------------------------------------------------------------------


@_register
@dataclass(frozen=True, slots=True)
class AvLoginReq(Message):
    """MO_V op 0: the UINT32 data connection id; the camera never answers it."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.LOGIN_REQ
    connection_id: int = 0

    def text(self) -> bytes:
        return struct.pack("<I", self.connection_id)

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 4, "A/V Login_Req")
        return cls(struct.unpack_from("<I", text)[0])


@_register
@dataclass(frozen=True, slots=True)
class VideoData(Message):
    """MO_V op 1: UINT32 tick (10 ms), UINT32 Unix time, UINT8 reserved, UINT32 length, JPEG."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.VIDEO_DATA
    tick: int = 0
    unix_time: int = 0
    jpeg: bytes = field(default=b"", repr=False)
    reserved: int = 0

    def text(self) -> bytes:
        return (
            struct.pack("<IIBI", self.tick, self.unix_time, self.reserved, len(self.jpeg))
            + self.jpeg
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 13, "Video_Data")
        tick, unix_time, reserved, length = struct.unpack_from("<IIBI", text)
        if length > len(text) - 13:
            raise ProtocolError("Video_Data: JPEG length exceeds the packet")
        return cls(tick, unix_time, bytes(text[13 : 13 + length]), reserved)


@dataclass(frozen=True, slots=True)
class _AudioPacket(Message):
    """Audio/Talk_Data: UINT32 tick, UINT32 serial, UINT32 time, UINT8 format, UINT32 length."""

    MAGIC = MAGIC_AV
    tick: int = 0
    serial: int = 0
    unix_time: int = 0
    data: bytes = field(default=b"", repr=False)
    audio_format: int = FORMAT_ADPCM

    def text(self) -> bytes:
        return (
            struct.pack(
                "<IIIBI",
                self.tick & 0xFFFFFFFF,
                self.serial & 0xFFFFFFFF,
                self.unix_time & 0xFFFFFFFF,
                self.audio_format,
                len(self.data),
            )
            + self.data
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 17, cls.__name__)
        tick, serial, unix_time, audio_format, length = struct.unpack_from("<IIIBI", text)
        if length > len(text) - 17:
            raise ProtocolError(f"{cls.__name__}: data length exceeds the packet")
        return cls(tick, serial, unix_time, bytes(text[17 : 17 + length]), audio_format)


@_register
@dataclass(frozen=True, slots=True)
class AudioData(_AudioPacket):
    """MO_V op 2, camera -> client: tick in 10 ms units, 160 bytes of ADPCM."""

    OP = AvOpCode.AUDIO_DATA


@_register
@dataclass(frozen=True, slots=True)
class TalkData(_AudioPacket):
    """MO_V op 3, client -> camera: tick in milliseconds, 160 bytes of ADPCM."""

    OP = AvOpCode.TALK_DATA


@_register
@dataclass(frozen=True, slots=True)
class AvKeepAlive(Message):
    """MO_V op 255, empty."""

    MAGIC = MAGIC_AV
    OP = AvOpCode.KEEP_ALIVE


# --- MO_I -------------------------------------------------------------------------------------

SEARCH_PORT = 10000
SEARCH_RESP_TEXT = 65


@_register
@dataclass(frozen=True, slots=True)
class SearchReq(Message):
    """MO_I op 0: four bytes, ``00 00 00 01`` in the captures."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.SEARCH_REQ
    flags: bytes = b"\x00\x00\x00\x01"

    def text(self) -> bytes:
        return self.flags

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        return cls(bytes(text[:4]))


@_register
@dataclass(frozen=True, slots=True)
class SearchResp(Message):
    """MO_I op 1: the camera's 65-byte record (IPs network order, port big-endian)."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.SEARCH_RESP
    camera_id: str = ""
    name: str = ""
    ip: str = "0.0.0.0"
    mask: str = "0.0.0.0"
    gateway: str = "0.0.0.0"
    dns: str = "0.0.0.0"
    firmware: str = "0.0.0.0"
    webui: str = "0.0.0.0"
    port: int = 80
    dhcp: bool = False
    reserved: int = 0

    def text(self) -> bytes:
        return (
            _field(self.camera_id, 13, "camera id")
            + _field(self.name, 21, "name")
            + _ip_bytes(self.ip)
            + _ip_bytes(self.mask)
            + _ip_bytes(self.gateway)
            + _ip_bytes(self.dns)
            + struct.pack(">I", self.reserved)
            + _version_bytes(self.firmware)
            + _version_bytes(self.webui)
            + struct.pack(">HB", self.port, 1 if self.dhcp else 0)
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, SEARCH_RESP_TEXT, "Search_Resp")
        port, dhcp = struct.unpack_from(">HB", text, 62)
        return cls(
            camera_id=_cstring(text[0:13]),
            name=_cstring(text[13:34]),
            ip=_ip(text[34:38]),
            mask=_ip(text[38:42]),
            gateway=_ip(text[42:46]),
            dns=_ip(text[46:50]),
            reserved=struct.unpack_from(">I", text, 50)[0],
            firmware=_version(text[54:58]),
            webui=_version(text[58:62]),
            port=port,
            dhcp=bool(dhcp),
        )


@_register
@dataclass(frozen=True, slots=True)
class InitReq(Message):
    """MO_I op 2: set the network configuration (61-byte text)."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.INIT_REQ
    camera_id: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    ip: str = "0.0.0.0"
    mask: str = "0.0.0.0"
    gateway: str = "0.0.0.0"
    dns: str = "0.0.0.0"
    port: int = 80
    flags: bytes = b"\x00\x00\x00\x01"

    def text(self) -> bytes:
        return (
            self.flags[:4].ljust(4, b"\x00")
            + _field(self.camera_id, 13, "camera id")
            + _field(self.username, 13, "user name")
            + _field(self.password, 13, "password")
            + _ip_bytes(self.ip)
            + _ip_bytes(self.mask)
            + _ip_bytes(self.gateway)
            + _ip_bytes(self.dns)
            + struct.pack(">H", self.port)
        )

    @classmethod
    def from_text(cls, text: bytes) -> Message:
        _need(text, 61, "Init_Req")
        return cls(
            flags=bytes(text[0:4]),
            camera_id=_cstring(text[4:17]),
            username=_cstring(text[17:30]),
            password=_cstring(text[30:43]),
            ip=_ip(text[43:47]),
            mask=_ip(text[47:51]),
            gateway=_ip(text[51:55]),
            dns=_ip(text[55:59]),
            port=struct.unpack_from(">H", text, 59)[0],
        )


@_register
@dataclass(frozen=True, slots=True)
class InitResp(_Result):
    """MO_I op 3: INT16 result (0 ok, 1 wrong user, 6 insufficient privilege)."""

    MAGIC = MAGIC_SEARCH
    OP = SearchOpCode.INIT_RESP


@dataclass(frozen=True, slots=True)
class UnknownMessage(Message):
    """A packet with an op code this module does not know (kept, never fatal)."""

    magic: bytes = MAGIC_OPERATION
    op: int = 0
    raw: bytes = field(default=b"", repr=False)

    def text(self) -> bytes:
        return self.raw

    def encode(self) -> bytes:
        return encode_packet(self.magic, self.op, self.raw)


def decode_message(magic: bytes, op: int, text: bytes) -> Message:
    """Typed message for one packet's parts; ProtocolError when the text is malformed."""
    cls = _REGISTRY.get((magic, op))
    if cls is None:
        return UnknownMessage(magic, op, bytes(text))
    try:
        return cls.from_text(bytes(text))
    except (struct.error, ValueError, IndexError) as err:
        raise ProtocolError(f"malformed {cls.__name__}") from err


def decode_datagram(data: bytes) -> Message:
    """Decode one whole packet (e.g. a UDP datagram); extra bytes after the text are ignored."""
    header = decode_header(data)
    limit = DEFAULT_MAX_TEXT[header.magic]
    if header.length > limit:
        raise ProtocolError("Foscam packet longer than allowed")
    if len(data) < HEADER_SIZE + header.length:
        raise ProtocolError("truncated Foscam packet")
    return decode_message(header.magic, header.op, data[HEADER_SIZE : HEADER_SIZE + header.length])


# --- stream parser ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Packet:
    """One raw packet cut out of a stream."""

    magic: bytes
    op: int
    text: bytes

    def message(self) -> Message:
        return decode_message(self.magic, self.op, self.text)


class FrameParser:
    """Cuts a TCP byte stream into packets.

    - ``feed()`` any fragments; ``next_packet()`` returns a complete packet or None;
    - bytes before an accepted magic are discarded (counted in ``discarded``), like the
      vendor SDK's receiver does;
    - a declared length above the magic's cap raises ProtocolError before anything is
      buffered for it (the connection should then be closed);
    - more garbage in a row than ``max_garbage`` bytes (default: the largest packet an
      accepted magic allows) raises ProtocolError: resynchronising never needs more, so
      the peer is not speaking this protocol.
    """

    def __init__(
        self,
        magics: tuple[bytes, ...] = (MAGIC_OPERATION, MAGIC_AV),
        max_text: Mapping[bytes, int] | None = None,
        max_garbage: int | None = None,
    ) -> None:
        self._magics = magics
        self._max_text = dict(DEFAULT_MAX_TEXT)
        if max_text:
            self._max_text.update(max_text)
        if max_garbage is None:
            max_garbage = HEADER_SIZE + max(self._max_text.get(m, 0) for m in magics)
        self._max_garbage = max_garbage
        self._garbage_run = 0  # bytes discarded since the last complete packet
        self._buffer = bytearray()
        self.discarded = 0

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        self._buffer.extend(data)

    def _discard(self, count: int) -> None:
        self.discarded += count
        self._garbage_run += count
        del self._buffer[:count]
        if self._garbage_run > self._max_garbage:
            raise ProtocolError(f"{self._garbage_run} bytes without a Foscam packet")

    def _resync(self) -> bool:
        """Drop bytes before the first magic; True when the buffer starts with one."""
        buffer = self._buffer
        if buffer[:4] in self._magics:
            return True
        positions = [p for p in (buffer.find(m) for m in self._magics) if p >= 0]
        if positions:
            self._discard(min(positions))
            return True
        # Keep a possible magic prefix (up to 3 bytes) at the end.
        keep = 0
        for size in (3, 2, 1):
            tail = bytes(buffer[-size:]) if len(buffer) >= size else b""
            if tail and any(m.startswith(tail) for m in self._magics):
                keep = size
                break
        self._discard(len(buffer) - keep)
        return False

    def next_packet(self) -> Packet | None:
        """The next complete packet, or None until more bytes are fed."""
        if not self._resync() or len(self._buffer) < HEADER_SIZE:
            return None
        magic, op, _flag, _key, length, _copy = _HEADER.unpack_from(self._buffer, 0)
        if length > self._max_text.get(magic, 0):
            raise ProtocolError(f"{magic.decode()} op {op}: text length {length} exceeds the limit")
        end = HEADER_SIZE + length
        if len(self._buffer) < end:
            return None
        text = bytes(self._buffer[HEADER_SIZE:end])
        del self._buffer[:end]
        self._garbage_run = 0
        return Packet(bytes(magic), op, text)

    def packets(self) -> Iterator[Packet]:
        while (packet := self.next_packet()) is not None:
            yield packet

    def messages(self) -> Iterator[Message]:
        for packet in self.packets():
            yield packet.message()


# --- JPEG ------------------------------------------------------------------------------------


def jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the SOF segment, wherever it is; None when not found."""
    size = jpeg.jpeg_size(data)
    return None if size == (0, 0) else size
