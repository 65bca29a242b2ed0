"""Typed messages: the capture vectors byte-exact, round trips through both halves, bounds.

The client decodes what a camera sends and encodes its requests; the camera's
half (``simulator.foscam.wire``) does the opposite, so every message is checked
through both.
"""

from __future__ import annotations

import random
import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import av, search
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.decoder import (
    MessageDecoder,
    decode_datagram,
    decode_message,
)
from custom_components.ipcam.protocols.foscam.framing import MAGIC_OPERATION, MAGICS
from custom_components.ipcam.protocols.foscam.message import Message, Request, UnknownMessage
from simulator.foscam import wire as sw

from .helpers import CAMERA_ID, LOGIN_RESP_TEXT, SEARCH_RESP_TEXT, packet

# Camera -> client: the library decodes, the simulator encodes.
INCOMING_VECTORS: list[tuple[str, bytes, Message]] = [
    (
        "login_resp",
        packet(b"MO_O", 1, LOGIN_RESP_TEXT),
        op.LoginResp(0, CAMERA_ID, 0x01000000, 0, "11.37.2.56"),
    ),
    ("verify_resp", packet(b"MO_O", 3, b"\x00\x00\x00"), op.VerifyResp(0, 0)),
    ("verify_resp_USER_WRONG", packet(b"MO_O", 3, b"\x01\x00"), op.VerifyResp(1, None)),
    ("UNK02", packet(b"MO_O", 28, bytes(1152)), op.OtherDevicesNotify(())),
    (
        "UNK03",
        packet(b"MO_O", 17, bytes((32, 163, 0, 2, 2, 0, 0, 0))),
        op.ParamsFetchResp(bytes((32, 163, 0, 2, 2, 0, 0, 0))),
    ),
    (
        "video_start_resp",
        packet(b"MO_O", 5, b"\x00\x00" + struct.pack("<I", 0x60251B40)),
        op.VideoStartResp(0, 0x60251B40),
    ),
    (
        "video_start_resp-no_data_conn_id",
        packet(b"MO_O", 5, b"\x00\x00"),
        op.VideoStartResp(0, None),
    ),
    (
        "alarm_notify",
        packet(b"MO_O", 25, b"\x03" + struct.pack("<4h", 0, 0, 100, 100)),
        op.AlarmNotify(3, (0, 0, 100, 100)),
    ),
    (
        "search_resp",
        packet(b"MO_I", 1, SEARCH_RESP_TEXT),
        search.SearchResp(
            camera_id=CAMERA_ID,
            name="cam1",
            ip="192.168.69.21",
            mask="255.255.255.0",
            gateway="192.168.69.1",
            dns="192.168.69.1",
            firmware="11.37.2.56",
            webui="2.4.10.10",
            port=80,
            dhcp=True,
        ),
    ),
    ("keep_alive", packet(b"MO_O", 255, b""), op.KeepAlive()),
]

# Client -> camera: the library encodes, the simulator decodes.
REQUEST_VECTORS: list[tuple[str, bytes, Request]] = [
    ("login_req", packet(b"MO_O", 0, b""), op.LoginReq()),
    ("UNK01", packet(b"MO_O", 16, b""), op.ParamsFetchReq()),
    ("video_start_req", packet(b"MO_O", 4, b"\x01"), op.VideoStartReq(1)),
    ("audio_start_req", packet(b"MO_O", 8, b"\x02"), op.AudioStartReq(2)),
    ("talk_start_req", packet(b"MO_O", 11, b"\x01"), op.TalkStartReq(1)),
    (
        "audio_login_req",
        packet(b"MO_V", 0, struct.pack("<I", 0x60251B40)),
        av.AvLoginReq(0x60251B40),
    ),
    ("search_req", packet(b"MO_I", 0, b"\x00\x00\x00\x01"), search.SearchReq()),
    ("keep_alive", packet(b"MO_O", 255, b""), op.KeepAlive()),
]


@pytest.mark.parametrize(
    ("name", "raw", "message"), INCOMING_VECTORS, ids=[v[0] for v in INCOMING_VECTORS]
)
def test_camera_vectors_decode_and_encode_byte_exact(
    name: str, raw: bytes, message: Message
) -> None:
    assert decode_datagram(raw) == message
    assert sw.encode(message) == raw


@pytest.mark.parametrize(
    ("name", "raw", "message"), REQUEST_VECTORS, ids=[v[0] for v in REQUEST_VECTORS]
)
def test_client_vectors_encode_and_decode_byte_exact(
    name: str, raw: bytes, message: Request
) -> None:
    assert message.encode() == raw
    assert sw.decode_request_datagram(raw) == message


def test_init_resp_vector_from_the_simulator() -> None:
    raw = packet(b"MO_I", 3, b"\x01\x00")
    assert sw.encode(sw.InitResp(1)) == raw
    assert sw.parse_init_resp(raw[23:]) == sw.InitResp(1)


CAMERA_MESSAGES: list[Message] = [
    op.LoginResp(0, CAMERA_ID, op.PROTOCOL_VERSION, 7, "11.37.2.56"),
    op.LoginResp(2),
    op.VerifyResp(0, 2),
    op.VerifyResp(5),
    op.VideoStartResp(0, 1),
    op.VideoStartResp(2),
    op.AudioStartResp(7),
    op.TalkStartResp(0, 0xFFFFFFFF),
    op.ParamsFetchResp(bytes((8, 1, 2, 3, 4, 5, 6))),
    op.ParamsChangedNotify(0, 8),
    op.AlarmNotify(1, (-1, 2, 300, -400)),
    op.OtherDevicesNotify(),
    op.KeepAlive(),
    av.VideoData(1, 2, b"\xff\xd8jpeg\xff\xd9", 0),
    av.AudioData(4, 5, 6, bytes(160)),
    av.AvKeepAlive(),
    search.SearchResp(
        CAMERA_ID, "x", "1.2.3.4", "255.0.0.0", "1.2.3.1", "1.1.1.1", "1.2.3.4", "5.6.7.8"
    ),
    UnknownMessage(b"MO_O", 250, b"rover"),
]

CLIENT_MESSAGES: list[Message] = [
    op.LoginReq(),
    op.VerifyReq("admin", "123456789012"),
    op.VideoStartReq(2),
    op.VideoEnd(),
    op.AudioStartReq(1),
    op.AudioEnd(),
    op.TalkStartReq(1),
    op.TalkEnd(),
    op.ParamsFetchReq(),
    op.KeepAlive(),
    av.AvLoginReq(0x60251B40),
    av.TalkData(40, 1, 7, bytes(range(160))),
    av.AvKeepAlive(),
    search.SearchReq(b"\x00\x00\x00\x06"),
    sw.VideoRateReq(-3),
    sw.DecoderControlReq(25),
    sw.CommDataReq(b"\x01\x02\x03", 115200),
    sw.ParamsSetReq(6, 10),
    sw.TalkBufferReq(3),
    sw.InitReq(CAMERA_ID, "admin", "pw", "1.2.3.4", "255.0.0.0", "1.2.3.1", "1.1.1.1", 80),
    UnknownMessage(b"MO_O", 250, b"rover"),
]


@pytest.mark.parametrize("message", CAMERA_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_camera_message_round_trips(message: Message) -> None:
    raw = sw.encode(message)
    assert struct.unpack_from("<II", raw, 15) == (len(raw) - 23, len(raw) - 23)
    assert decode_datagram(raw) == message


@pytest.mark.parametrize("message", CLIENT_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_client_message_round_trips(message: Message) -> None:
    raw = sw.encode(message)
    assert sw.decode_request_datagram(raw) == message


def test_stream_of_camera_messages() -> None:
    messages = [
        op.LoginResp(0, CAMERA_ID, op.PROTOCOL_VERSION, 0, "11.37.2.56"),
        op.VerifyResp(0, 2),
        op.OtherDevicesNotify(),
        op.AlarmNotify(3, (0, 0, 100, 100)),
        op.KeepAlive(),
    ]
    stream = b"".join(sw.encode(m) for m in messages)
    decoder = MessageDecoder(MAGIC_OPERATION)
    decoded: list[Message] = []
    for offset in range(0, len(stream), 7):
        decoded.extend(decoder.feed(stream[offset : offset + 7]))
    assert decoded == messages
    assert decoder.buffered == 0 and decoder.discarded == 0
    with pytest.raises(ValueError):
        MessageDecoder(b"MO_I")


@pytest.mark.parametrize(
    ("magic", "opcode", "text"),
    [
        (b"MO_O", 1, b"\x00\x00" + CAMERA_ID.encode()),  # result 0 without all fields
        (b"MO_O", 1, b"\x00"),
        (b"MO_O", 3, b""),
        (b"MO_O", 5, b"\x00"),
        (b"MO_O", 17, b"\x20\xa3"),
        (b"MO_O", 18, b"\x01"),
        (b"MO_O", 25, b""),
        (b"MO_V", 1, struct.pack("<IIBI", 1, 2, 0, 100) + bytes(10)),  # JPEG length too big
        (b"MO_V", 2, struct.pack("<IIIBI", 1, 2, 3, 0, 160) + bytes(20)),
        (b"MO_V", 2, bytes(10)),
        (b"MO_I", 1, bytes(64)),
    ],
)
def test_truncated_texts_raise_protocol_error(magic: bytes, opcode: int, text: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_message(magic, opcode, text)


@pytest.mark.parametrize(
    ("magic", "opcode", "text"),
    [
        (b"MO_O", 2, b"admin\x00"),
        (b"MO_O", 4, b""),
        (b"MO_O", 7, b"\x01"),
        (b"MO_O", 15, b"\x05ab"),
        (b"MO_O", 15, b""),
        (b"MO_O", 19, b"\x01"),
        (b"MO_V", 0, b"\x01\x02"),
        (b"MO_V", 3, bytes(10)),
        (b"MO_V", 3, struct.pack("<IIIBI", 1, 2, 3, 0, 160)),
        (b"MO_I", 2, bytes(60)),
    ],
)
def test_truncated_requests_raise_protocol_error_in_the_simulator(
    magic: bytes, opcode: int, text: bytes
) -> None:
    with pytest.raises(ProtocolError):
        sw.decode_request(magic, opcode, text)


def test_unknown_op_is_kept() -> None:
    assert decode_message(b"MO_O", 21, b"\x01\x02") == UnknownMessage(b"MO_O", 21, b"\x01\x02")
    # a request op arriving at the client means nothing to it
    assert isinstance(decode_message(b"MO_O", 0, b""), UnknownMessage)


def test_random_texts_only_ever_raise_protocol_error() -> None:
    """Valid headers with random ops and texts of the interesting sizes."""
    rng = random.Random(1234)
    for _ in range(3000):
        magic = rng.choice(MAGICS)
        opcode = rng.choice([*range(0, 32), 255, rng.randrange(65536)])
        text = rng.randbytes(rng.choice([0, 1, 2, 3, 5, 13, 17, 26, 27, 61, 65, 177, 1152]))
        for decode in (decode_message, sw.decode_request):
            try:
                decode(magic, opcode, text)
            except ProtocolError:
                pass
