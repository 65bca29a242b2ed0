"""The camera's half of the legacy Foscam codecs (the library has the client's half).

Decodes what clients send (``RequestDecoder``, ``decode_request``) and encodes
what cameras send (``encode``). Messages that only a camera parses or only a
camera sends, and that the integration never uses, are defined here: the
decoder_control / parameter / serial / talk-buffer requests and the MO_I
network-configuration pair (Init_Req / Init_Resp).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass, field

from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError
from custom_components.ipcam.protocols.foscam import av, search
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.framing import (
    MAGIC_AV,
    MAGIC_OPERATION,
    MAGIC_SEARCH,
    PacketDecoder,
    encode_packet,
    split_datagram,
)
from custom_components.ipcam.protocols.foscam.message import (
    Message,
    Request,
    UnknownMessage,
    cstring,
    fixed_field,
    int16,
    ipv4,
    ipv4_bytes,
    need,
    uint32,
    version_bytes,
)

# --- requests only the camera parses -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DecoderControlReq(Request):
    """MO_O op 14: one ``decoder_control.cgi`` command number."""

    OP = op.OpCode.DECODER_CONTROL_REQ
    value: int = 0

    def text(self) -> bytes:
        return bytes((self.value & 0xFF,))


@dataclass(frozen=True, slots=True)
class ParamsSetReq(Request):
    """MO_O op 19: UINT8 parameter (0 resolution ... 6 rate), UINT8 value."""

    OP = op.OpCode.PARAMS_SET_REQ
    param: int = 0
    value: int = 0

    def text(self) -> bytes:
        return bytes((self.param & 0xFF, self.value & 0xFF))


@dataclass(frozen=True, slots=True)
class VideoRateReq(Request):
    """MO_O op 7: INT32 rate (semantics unconfirmed)."""

    OP = op.OpCode.VIDEO_RATE
    rate: int = 0

    def text(self) -> bytes:
        return struct.pack("<i", self.rate)


@dataclass(frozen=True, slots=True)
class CommDataReq(Request):
    """MO_O op 15: UINT8 length, bytes, UINT32 baud (serial pass-through)."""

    OP = op.OpCode.COMM_DATA
    data: bytes = b""
    baud: int = 9600

    def text(self) -> bytes:
        if len(self.data) > 255:
            raise InvalidValue("serial data is limited to 255 bytes")
        return bytes((len(self.data),)) + self.data + struct.pack("<I", self.baud)


@dataclass(frozen=True, slots=True)
class TalkBufferReq(Request):
    """MO_O op 29: new camera-side talk buffer time in seconds."""

    OP = op.OpCode.TALK_BUFFER
    value: int = 1

    def text(self) -> bytes:
        return bytes((self.value & 0xFF,))


@dataclass(frozen=True, slots=True)
class InitReq(Request):
    """MO_I op 2: set the network configuration (61-byte text)."""

    MAGIC = MAGIC_SEARCH
    OP = search.SearchOpCode.INIT_REQ
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
            + fixed_field(self.camera_id, 13, "camera id")
            + fixed_field(self.username, 13, "user name")
            + fixed_field(self.password, 13, "password")
            + ipv4_bytes(self.ip)
            + ipv4_bytes(self.mask)
            + ipv4_bytes(self.gateway)
            + ipv4_bytes(self.dns)
            + struct.pack(">H", self.port)
        )


@dataclass(frozen=True, slots=True)
class InitResp(Message):
    """MO_I op 3: INT16 result (0 ok, 1 wrong user, 6 insufficient privilege)."""

    MAGIC = MAGIC_SEARCH
    OP = search.SearchOpCode.INIT_RESP
    result: int = 0


# --- decoding what clients send ------------------------------------------------------------------


def _verify_req(text: bytes) -> Message:
    need(text, 2 * op.CREDENTIAL_FIELD, "Verify_Req")
    return op.VerifyReq(cstring(text[:13]), cstring(text[13:26]))


def _comm_data(text: bytes) -> Message:
    need(text, 1, "Comm_Data")
    size = text[0]
    need(text, 1 + size + 4, "Comm_Data")
    return CommDataReq(text[1 : 1 + size], uint32(text, 1 + size))


def _talk_data(text: bytes) -> Message:
    need(text, 17, "Talk_Data")
    tick, serial, unix_time, audio_format, length = struct.unpack_from("<IIIBI", text)
    if length > len(text) - 17:
        raise ProtocolError("Talk_Data: data length exceeds the packet")
    return av.TalkData(tick, serial, unix_time, text[17 : 17 + length], audio_format)


def _init_req(text: bytes) -> Message:
    need(text, 61, "Init_Req")
    return InitReq(
        flags=bytes(text[0:4]),
        camera_id=cstring(text[4:17]),
        username=cstring(text[17:30]),
        password=cstring(text[30:43]),
        ip=ipv4(text[43:47]),
        mask=ipv4(text[47:51]),
        gateway=ipv4(text[51:55]),
        dns=ipv4(text[55:59]),
        port=struct.unpack_from(">H", text, 59)[0],
    )


def _byte(cls: Callable[[int], Message], what: str) -> Callable[[bytes], Message]:
    def parse(text: bytes) -> Message:
        need(text, 1, what)
        return cls(text[0])

    return parse


def _empty(cls: Callable[[], Message]) -> Callable[[bytes], Message]:
    return lambda _text: cls()


def _params_set(text: bytes) -> Message:
    need(text, 2, "Params_Set_Req")
    return ParamsSetReq(text[0], text[1])


def _video_rate(text: bytes) -> Message:
    need(text, 4, "Video_Rate")
    return VideoRateReq(struct.unpack_from("<i", text)[0])


def _av_login(text: bytes) -> Message:
    need(text, 4, "A/V Login_Req")
    return av.AvLoginReq(uint32(text))


REQUESTS: dict[tuple[bytes, int], Callable[[bytes], Message]] = {
    (MAGIC_OPERATION, op.OpCode.LOGIN_REQ): _empty(op.LoginReq),
    (MAGIC_OPERATION, op.OpCode.VERIFY_REQ): _verify_req,
    (MAGIC_OPERATION, op.OpCode.VIDEO_START_REQ): _byte(op.VideoStartReq, "Video_Start_Req"),
    (MAGIC_OPERATION, op.OpCode.VIDEO_END): _empty(op.VideoEnd),
    (MAGIC_OPERATION, op.OpCode.VIDEO_RATE): _video_rate,
    (MAGIC_OPERATION, op.OpCode.AUDIO_START_REQ): _byte(op.AudioStartReq, "Audio_Start_Req"),
    (MAGIC_OPERATION, op.OpCode.AUDIO_END): _empty(op.AudioEnd),
    (MAGIC_OPERATION, op.OpCode.TALK_START_REQ): _byte(op.TalkStartReq, "Talk_Start_Req"),
    (MAGIC_OPERATION, op.OpCode.TALK_END): _empty(op.TalkEnd),
    (MAGIC_OPERATION, op.OpCode.DECODER_CONTROL_REQ): _byte(DecoderControlReq, "Decoder_Control"),
    (MAGIC_OPERATION, op.OpCode.COMM_DATA): _comm_data,
    (MAGIC_OPERATION, op.OpCode.PARAMS_FETCH_REQ): _empty(op.ParamsFetchReq),
    (MAGIC_OPERATION, op.OpCode.PARAMS_SET_REQ): _params_set,
    (MAGIC_OPERATION, op.OpCode.TALK_BUFFER): _byte(TalkBufferReq, "Talk_Buffer"),
    (MAGIC_OPERATION, op.OpCode.KEEP_ALIVE): _empty(op.KeepAlive),
    (MAGIC_AV, av.AvOpCode.LOGIN_REQ): _av_login,
    (MAGIC_AV, av.AvOpCode.TALK_DATA): _talk_data,
    (MAGIC_AV, av.AvOpCode.KEEP_ALIVE): _empty(av.AvKeepAlive),
    (MAGIC_SEARCH, search.SearchOpCode.SEARCH_REQ): lambda text: search.SearchReq(bytes(text[:4])),
    (MAGIC_SEARCH, search.SearchOpCode.INIT_REQ): _init_req,
}


def decode_request(magic: bytes, opcode: int, text: bytes) -> Message:
    """What a client sent, typed; ProtocolError when its text is malformed."""
    parse = REQUESTS.get((magic, opcode))
    if parse is None:
        return UnknownMessage(magic, opcode, bytes(text))
    try:
        return parse(bytes(text))
    except (struct.error, ValueError, IndexError) as err:
        raise ProtocolError(f"malformed request op {opcode}") from err


def decode_request_datagram(data: bytes) -> Message:
    packet = split_datagram(data)
    return decode_request(packet.magic, packet.op, packet.text)


class RequestDecoder:
    """A client's byte stream -> typed requests (``feed(data) -> list``)."""

    def __init__(self, magic: bytes) -> None:
        self._packets = PacketDecoder((magic,))

    def feed(self, data: bytes) -> list[Message]:
        return [decode_request(p.magic, p.op, p.text) for p in self._packets.feed(data)]


# --- encoding what cameras send ------------------------------------------------------------------


def _login_resp(m: op.LoginResp) -> bytes:
    text = struct.pack("<h", m.result)
    if m.result != op.Result.OK:
        return text
    return (
        text
        + fixed_field(m.camera_id, op.ID_SIZE, "camera id")
        + struct.pack("<II", m.version, m.model)
        + version_bytes(m.firmware)
    )


def _verify_resp(m: op.VerifyResp) -> bytes:
    privilege = b"" if m.privilege is None else bytes((m.privilege,))
    return struct.pack("<h", m.result) + privilege


def _start_resp(m: op.StartResp) -> bytes:
    connection_id = b"" if m.connection_id is None else struct.pack("<I", m.connection_id)
    return struct.pack("<h", m.result) + connection_id


def other_device(device: op.OtherDevice) -> bytes:
    """One 128-byte record of op 28."""
    return struct.pack(
        "<13s21s65sH13s13sB",
        fixed_field(device.camera_id, 13, "camera id"),
        fixed_field(device.alias, 21, "alias"),
        fixed_field(device.host, 65, "host"),
        device.port,
        fixed_field(device.username, 13, "user name"),
        fixed_field(device.password, 13, "password"),
        device.mode,
    )


def _other_devices(m: op.OtherDevicesNotify) -> bytes:
    if len(m.devices) > op.OTHER_DEVICE_RECORDS:
        raise InvalidValue("at most 9 other devices")
    padding = [op.OtherDevice()] * (op.OTHER_DEVICE_RECORDS - len(m.devices))
    return b"".join(other_device(device) for device in [*m.devices, *padding])


def _alarm(m: op.AlarmNotify) -> bytes:
    return bytes((m.alarm_type & 0xFF,)) + struct.pack("<4h", *m.area)


def _video(m: av.VideoData) -> bytes:
    return struct.pack("<IIBI", m.tick, m.unix_time, m.reserved, len(m.jpeg)) + m.jpeg


def _audio(m: av.AudioData) -> bytes:
    head = struct.pack(
        "<IIIBI",
        m.tick & 0xFFFFFFFF,
        m.serial & 0xFFFFFFFF,
        m.unix_time & 0xFFFFFFFF,
        m.audio_format,
        len(m.data),
    )
    return head + m.data


def _search_resp(m: search.SearchResp) -> bytes:
    return (
        fixed_field(m.camera_id, 13, "camera id")
        + fixed_field(m.name, 21, "name")
        + ipv4_bytes(m.ip)
        + ipv4_bytes(m.mask)
        + ipv4_bytes(m.gateway)
        + ipv4_bytes(m.dns)
        + struct.pack(">I", m.reserved)
        + version_bytes(m.firmware)
        + version_bytes(m.webui)
        + struct.pack(">HB", m.port, 1 if m.dhcp else 0)
    )


def camera_text(message: Message) -> bytes:
    """The text of a camera -> client message."""
    if isinstance(message, op.LoginResp):
        return _login_resp(message)
    if isinstance(message, op.VerifyResp):
        return _verify_resp(message)
    if isinstance(message, op.StartResp):
        return _start_resp(message)
    if isinstance(message, op.ParamsFetchResp):
        return bytes(message.values)
    if isinstance(message, op.ParamsChangedNotify):
        return bytes((message.param & 0xFF, message.value & 0xFF))
    if isinstance(message, op.AlarmNotify):
        return _alarm(message)
    if isinstance(message, op.OtherDevicesNotify):
        return _other_devices(message)
    if isinstance(message, av.VideoData):
        return _video(message)
    if isinstance(message, av.AudioData):
        return _audio(message)
    if isinstance(message, search.SearchResp):
        return _search_resp(message)
    if isinstance(message, InitResp):
        return struct.pack("<h", message.result)
    if isinstance(message, UnknownMessage):
        return message.raw
    if isinstance(message, Request):
        return message.text()  # keep-alives go both ways
    raise TypeError(f"no camera encoder for {type(message).__name__}")


def encode(message: Message) -> bytes:
    """A whole packet, as a camera (or, for requests, a client) sends it."""
    magic = message.magic if isinstance(message, UnknownMessage) else message.MAGIC
    opcode = message.op if isinstance(message, UnknownMessage) else message.OP
    return encode_packet(magic, opcode, camera_text(message))


def parse_init_resp(text: bytes) -> InitResp:
    """Init_Resp's result (tests read the simulator's answers with it)."""
    need(text, 2, "Init_Resp")
    return InitResp(int16(text))
