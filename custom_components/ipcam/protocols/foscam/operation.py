"""MO_O operation-channel messages (login, start/stop, alarms, parameters, keep-alive).

Only the client's half of each codec: requests are encoded, the camera's
answers and notifications decoded. Layouts: docs/protocols/foscam.md,
"Operation channel (MO_O)".
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import ClassVar, Self

from ..errors import InvalidValue
from .message import (
    Incoming,
    Request,
    cstring,
    fixed_field,
    int16,
    need,
    uint32,
    version,
)

ID_SIZE = 13  # 12 ASCII hex characters + NUL
CREDENTIAL_FIELD = 13  # user / password fields of Verify_Req
MAX_CREDENTIAL = CREDENTIAL_FIELD - 1  # 12 characters
OTHER_DEVICE_RECORDS = 9
OTHER_DEVICE_RECORD_SIZE = 128
PROTOCOL_VERSION = 0x01000000  # bytes 00 00 00 01 read as UINT32 LE


class OpCode(enum.IntEnum):
    """MO_O op codes (vendor document + the vendor's sample client's constants)."""

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


def validate_credentials(username: str, password: str) -> None:
    """Raise InvalidValue when a credential does not fit Verify_Req's 13-byte fields."""
    fixed_field(username, CREDENTIAL_FIELD, "user name")
    fixed_field(password, CREDENTIAL_FIELD, "password")


def camera_id_to_mac(camera_id: str) -> str:
    """``00626E4E72BF`` -> ``00:62:6e:4e:72:bf`` ("" when the id is no MAC)."""
    text = camera_id.strip().lower()
    if len(text) != 12 or any(c not in "0123456789abcdef" for c in text):
        return ""
    return ":".join(text[i : i + 2] for i in range(0, 12, 2))


# --- requests (client -> camera) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginReq(Request):
    """Op 0: empty text."""

    OP = OpCode.LOGIN_REQ


@dataclass(frozen=True, slots=True)
class VerifyReq(Request):
    """Op 2: 13-byte user + 13-byte password, NUL padded (12 characters each at most)."""

    OP = OpCode.VERIFY_REQ
    username: str = ""
    password: str = field(default="", repr=False)

    def text(self) -> bytes:
        return fixed_field(self.username, CREDENTIAL_FIELD, "user name") + fixed_field(
            self.password, CREDENTIAL_FIELD, "password"
        )


@dataclass(frozen=True, slots=True)
class _ByteRequest(Request):
    """A request whose text is one UINT8."""

    value: int = 1

    def text(self) -> bytes:
        return bytes((self.value & 0xFF,))


@dataclass(frozen=True, slots=True)
class VideoStartReq(_ByteRequest):
    """Op 4: one byte (1 in the vendor document, 2 in the vendor's sample client)."""

    OP = OpCode.VIDEO_START_REQ


@dataclass(frozen=True, slots=True)
class AudioStartReq(_ByteRequest):
    OP = OpCode.AUDIO_START_REQ


@dataclass(frozen=True, slots=True)
class TalkStartReq(_ByteRequest):
    """Op 11: camera-side playback buffer in seconds (>= 1)."""

    OP = OpCode.TALK_START_REQ


@dataclass(frozen=True, slots=True)
class VideoEnd(Request):
    OP = OpCode.VIDEO_END


@dataclass(frozen=True, slots=True)
class AudioEnd(Request):
    OP = OpCode.AUDIO_END


@dataclass(frozen=True, slots=True)
class TalkEnd(Request):
    OP = OpCode.TALK_END


@dataclass(frozen=True, slots=True)
class ParamsFetchReq(Request):
    """Op 16: empty; the camera answers op 17 (also the client's liveness probe)."""

    OP = OpCode.PARAMS_FETCH_REQ


@dataclass(frozen=True, slots=True)
class KeepAlive(Request, Incoming):
    """Op 255, both directions, empty."""

    OP = OpCode.KEEP_ALIVE


# --- answers and notifications (camera -> client) --------------------------------------------


@dataclass(frozen=True, slots=True)
class LoginResp(Incoming):
    """Op 1: result; camera id, version, model and firmware only when result is 0."""

    OP = OpCode.LOGIN_RESP
    result: int = 0
    camera_id: str = ""
    version: int = PROTOCOL_VERSION
    model: int = 0
    firmware: str = "0.0.0.0"

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 2, "Login_Resp")
        result = int16(text)
        if result != Result.OK:
            return cls(result)
        need(text, 27, "Login_Resp")
        return cls(
            result, cstring(text[2:15]), uint32(text, 15), uint32(text, 19), version(text[23:27])
        )


@dataclass(frozen=True, slots=True)
class VerifyResp(Incoming):
    """Op 3: result + privilege byte on success; only the 2-byte result on failure."""

    OP = OpCode.VERIFY_RESP
    result: int = 0
    privilege: int | None = None

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 2, "Verify_Resp")
        return cls(int16(text), text[2] if len(text) >= 3 else None)


@dataclass(frozen=True, slots=True)
class StartResp(Incoming):
    """Video/Audio/Talk_Start_Resp: INT16 result, UINT32 connection id only when new."""

    WHAT: ClassVar[str] = ""
    result: int = 0
    connection_id: int | None = None

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 2, f"{cls.WHAT}_Start_Resp")
        return cls(int16(text), uint32(text, 2) if len(text) >= 6 else None)


@dataclass(frozen=True, slots=True)
class VideoStartResp(StartResp):
    OP = OpCode.VIDEO_START_RESP
    WHAT = "video"


@dataclass(frozen=True, slots=True)
class AudioStartResp(StartResp):
    OP = OpCode.AUDIO_START_RESP
    WHAT = "audio"


@dataclass(frozen=True, slots=True)
class TalkStartResp(StartResp):
    OP = OpCode.TALK_START_RESP
    WHAT = "talk"


@dataclass(frozen=True, slots=True)
class ParamsFetchResp(Incoming):
    """Op 17: camera parameters, one byte each (7 in the sample client, 8 on FI89xx).

    Only the first three are certain: resolution (8 = 320x240, 32 = 640x480),
    brightness, contrast.
    """

    OP = OpCode.PARAMS_FETCH_RESP
    values: bytes = bytes((32, 163, 0, 2, 2, 0, 0, 0))

    @property
    def resolution(self) -> int:
        return self.values[0]

    def changed(self, param: int, value: int) -> ParamsFetchResp:
        """These parameters after an op 18 notification (unknown parameters ignored)."""
        if not 0 <= param < len(self.values):
            return self
        values = bytearray(self.values)
        values[param] = value & 0xFF
        return ParamsFetchResp(bytes(values))

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 7, "Params_Fetch_Resp")
        return cls(bytes(text))


@dataclass(frozen=True, slots=True)
class ParamsChangedNotify(Incoming):
    """Op 18: UINT8 parameter, UINT8 value."""

    OP = OpCode.PARAMS_CHANGED_NOTIFY
    param: int = 0
    value: int = 0

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 2, "Params_Changed_Notify")
        return cls(text[0], text[1])


@dataclass(frozen=True, slots=True)
class AlarmNotify(Incoming):
    """Op 25: UINT8 type (0 stop, 1 motion, 2 input, 3 sound) + 4 x INT16 area."""

    OP = OpCode.ALARM_NOTIFY
    alarm_type: int = AlarmType.STOP
    area: tuple[int, int, int, int] = (0, 0, 0, 0)

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        need(text, 1, "Alarm_Notify")
        if len(text) < 9:
            return cls(text[0])
        area = (int16(text, 1), int16(text, 3), int16(text, 5), int16(text, 7))
        return cls(text[0], area)


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

    @classmethod
    def decode(cls, raw: bytes) -> OtherDevice:
        if len(raw) < OTHER_DEVICE_RECORD_SIZE:
            raise InvalidValue("an other-device record is 128 bytes")
        return cls(
            cstring(raw[0:13]), cstring(raw[13:34]), cstring(raw[34:99]),
            int.from_bytes(raw[99:101], "little"), cstring(raw[101:114]), cstring(raw[114:127]),
            raw[127],
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class OtherDevicesNotify(Incoming):
    """Op 28, unprompted after Verify_Resp: 9 x 128-byte records (all zero usually)."""

    OP = OpCode.OTHER_DEVICES_NOTIFY
    devices: tuple[OtherDevice, ...] = ()

    @classmethod
    def from_text(cls, text: bytes) -> Self:
        count = min(len(text) // OTHER_DEVICE_RECORD_SIZE, OTHER_DEVICE_RECORDS)
        devices = []
        for index in range(count):
            raw = text[index * OTHER_DEVICE_RECORD_SIZE : (index + 1) * OTHER_DEVICE_RECORD_SIZE]
            if any(raw):
                devices.append(OtherDevice.decode(raw))
        return cls(tuple(devices))
