"""Legacy Foscam MO_O / MO_V / MO_I wire format: byte-exact layouts, vectors, stream parsing."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.base import PresetAction, PtzMove
from custom_components.ipcam.protocols.errors import InvalidValue, NotSupported, ProtocolError
from custom_components.ipcam.protocols.foscam import cgi
from custom_components.ipcam.protocols.foscam import wire as w
from simulator.foscam import _camera_style_jpeg
from simulator.media import jpeg_cycle

CAMERA_ID = "00626E4E72BF"


def header(magic: bytes, op: int, length: int, copy: int | None = None) -> bytes:
    """A header built by hand from the vendor document's table."""
    return (
        magic
        + struct.pack("<H", op)
        + b"\x00"
        + b"\x00" * 8
        + struct.pack("<I", length)
        + struct.pack("<I", length if copy is None else copy)
    )


def packet(magic: bytes, op: int, text: bytes) -> bytes:
    return header(magic, op, len(text)) + text


# --- the notes' test vectors (GRISON captures), rebuilt from their described content ----------

LOGIN_RESP_TEXT = (
    b"\x00\x00"
    + CAMERA_ID.encode()
    + b"\x00"
    + b"\x00\x00\x00\x01"
    + b"\x00" * 4
    + b"\x0b\x25\x02\x38"
)
SEARCH_RESP_TEXT = (
    CAMERA_ID.encode()
    + b"\x00"
    + b"cam1".ljust(21, b"\x00")
    + bytes((192, 168, 69, 21))
    + bytes((255, 255, 255, 0))
    + bytes((192, 168, 69, 1))
    + bytes((192, 168, 69, 1))
    + b"\x00" * 4
    + bytes((11, 37, 2, 56))
    + bytes((2, 4, 10, 10))
    + b"\x00\x50"
    + b"\x01"
)

VECTORS: list[tuple[str, bytes, w.Message]] = [
    ("login_req", packet(b"MO_O", 0, b""), w.LoginReq()),
    (
        "login_resp",
        packet(b"MO_O", 1, LOGIN_RESP_TEXT),
        w.LoginResp(0, CAMERA_ID, 0x01000000, 0, "11.37.2.56"),
    ),
    ("verify_resp", packet(b"MO_O", 3, b"\x00\x00\x00"), w.VerifyResp(0, 0)),
    ("verify_resp_USER_WRONG", packet(b"MO_O", 3, b"\x01\x00"), w.VerifyResp(1, None)),
    ("UNK02", packet(b"MO_O", 28, bytes(1152)), w.OtherDevicesNotify(())),
    ("UNK01", packet(b"MO_O", 16, b""), w.ParamsFetchReq()),
    (
        "UNK03",
        packet(b"MO_O", 17, bytes((32, 163, 0, 2, 2, 0, 0, 0))),
        w.ParamsFetchResp(bytes((32, 163, 0, 2, 2, 0, 0, 0))),
    ),
    ("video_start_req", packet(b"MO_O", 4, b"\x01"), w.VideoStartReq(1)),
    ("audio_start_req", packet(b"MO_O", 8, b"\x02"), w.AudioStartReq(2)),
    ("talk_start_req", packet(b"MO_O", 11, b"\x01"), w.TalkStartReq(1)),
    (
        "video_start_resp",
        packet(b"MO_O", 5, b"\x00\x00" + struct.pack("<I", 0x60251B40)),
        w.VideoStartResp(0, 0x60251B40),
    ),
    (
        "video_start_resp-no_data_conn_id",
        packet(b"MO_O", 5, b"\x00\x00"),
        w.VideoStartResp(0, None),
    ),
    (
        "audio_login_req",
        packet(b"MO_V", 0, struct.pack("<I", 0x60251B40)),
        w.AvLoginReq(0x60251B40),
    ),
    (
        "alarm_notify",
        packet(b"MO_O", 25, b"\x03" + struct.pack("<4h", 0, 0, 100, 100)),
        w.AlarmNotify(3, (0, 0, 100, 100)),
    ),
    ("search_req", packet(b"MO_I", 0, b"\x00\x00\x00\x01"), w.SearchReq()),
    (
        "search_resp",
        packet(b"MO_I", 1, SEARCH_RESP_TEXT),
        w.SearchResp(
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
    ("keep_alive", packet(b"MO_O", 255, b""), w.KeepAlive()),
    ("init_resp-user_wrong", packet(b"MO_I", 3, b"\x01\x00"), w.InitResp(1)),
]


@pytest.mark.parametrize(("name", "raw", "message"), VECTORS, ids=[v[0] for v in VECTORS])
def test_vectors_decode_and_encode_byte_exact(name: str, raw: bytes, message: w.Message) -> None:
    parser = w.FrameParser(w.MAGICS)
    parser.feed(raw)
    decoded = list(parser.messages())
    assert decoded == [message]
    assert message.encode() == raw
    assert parser.buffered == 0


def test_login_req_is_23_bytes_and_length_is_repeated_at_offset_19() -> None:
    assert len(w.LoginReq().encode()) == 23
    raw = w.VerifyReq("admin", "pw").encode()
    assert raw[:4] == b"MO_O"
    assert struct.unpack_from("<H", raw, 4)[0] == 2
    assert raw[6:15] == bytes(9)
    assert struct.unpack_from("<II", raw, 15) == (26, 26)
    assert raw[23:] == b"admin".ljust(13, b"\x00") + b"pw".ljust(13, b"\x00")


def test_header_with_zero_copy_at_offset_19_is_accepted() -> None:
    """Some clients send 0 at offset 19; only offset 15 counts."""
    raw = header(b"MO_I", 0, 4, copy=0) + b"\x00\x00\x00\x01"
    assert w.decode_header(raw).length_copy == 0
    assert w.decode_datagram(raw) == w.SearchReq()


def test_login_resp_fields() -> None:
    message = w.decode_datagram(packet(b"MO_O", 1, LOGIN_RESP_TEXT))
    assert isinstance(message, w.LoginResp)
    assert message.version == w.PROTOCOL_VERSION
    assert message.firmware == "11.37.2.56"
    assert w.camera_id_to_mac(message.camera_id) == "00:62:6e:4e:72:bf"


def test_login_resp_refused_has_only_the_result() -> None:
    raw = w.LoginResp(w.Result.TOO_MANY_CONNECTIONS).encode()
    assert raw == packet(b"MO_O", 1, b"\x02\x00")
    assert w.decode_datagram(raw) == w.LoginResp(2)


def test_search_resp_second_capture_port_61234() -> None:
    text = SEARCH_RESP_TEXT[:62] + struct.pack(">H", 61234) + b"\x01"
    message = w.decode_datagram(packet(b"MO_I", 1, text))
    assert isinstance(message, w.SearchResp)
    assert message.port == 61234
    assert text[62:64] == b"\xef\x32"  # big-endian, unlike the header


def test_search_resp_of_hd_models_parses_first_65_bytes() -> None:
    message = w.decode_datagram(packet(b"MO_I", 1, SEARCH_RESP_TEXT + bytes(56)))
    assert isinstance(message, w.SearchResp)
    assert message.ip == "192.168.69.21"
    assert len(packet(b"MO_I", 1, SEARCH_RESP_TEXT)) == 88


def test_init_req_layout_is_61_bytes() -> None:
    message = w.InitReq(
        camera_id=CAMERA_ID,
        username="admin",
        password="pw",
        ip="192.168.69.21",
        mask="255.255.255.0",
        gateway="192.168.69.1",
        dns="8.8.8.8",
        port=8080,
    )
    text = message.text()
    assert len(text) == 61
    assert text[:4] == b"\x00\x00\x00\x01"
    assert text[43:47] == bytes((192, 168, 69, 21))
    assert text[59:61] == b"\x1f\x90"
    assert w.decode_datagram(message.encode()) == message
    assert "pw" not in repr(message)


def test_video_data_layout_jpeg_at_packet_offset_36() -> None:
    jpeg = jpeg_cycle(320, 240)[0]
    message = w.VideoData(tick=1234, unix_time=0x537CCE75, jpeg=jpeg)
    raw = message.encode()
    assert raw[36 : 36 + len(jpeg)] == jpeg  # PHP-REC relies on exactly this offset
    assert struct.unpack_from("<IIBI", raw, 23) == (1234, 0x537CCE75, 0, len(jpeg))
    assert w.decode_datagram(raw) == message


def test_audio_data_layout_177_byte_text() -> None:
    message = w.AudioData(tick=100, serial=5635087, unix_time=1400000000, data=bytes(range(160)))
    raw = message.encode()
    assert len(raw) == 200
    assert struct.unpack_from("<II", raw, 15) == (177, 177)
    assert struct.unpack_from("<IIIBI", raw, 23) == (100, 5635087, 1400000000, 0, 160)
    assert w.decode_datagram(raw) == message
    talk = w.TalkData(tick=40, serial=1, unix_time=0, data=bytes(160))
    assert struct.unpack_from("<H", talk.encode(), 4)[0] == 3


def test_other_devices_records() -> None:
    device = w.OtherDevice(CAMERA_ID, "garden", "10.0.0.9", 81, "admin", "secret", 1)
    message = w.OtherDevicesNotify((device,))
    text = message.text()
    assert len(text) == 1152
    assert text[:13] == CAMERA_ID.encode() + b"\x00"
    assert struct.unpack_from("<H", text, 13 + 21 + 65)[0] == 81
    assert w.decode_datagram(message.encode()) == message
    assert "secret" not in repr(message)


ALL_MESSAGES: list[w.Message] = [
    w.LoginReq(),
    w.LoginResp(0, CAMERA_ID, w.PROTOCOL_VERSION, 7, "11.37.2.56"),
    w.LoginResp(2),
    w.VerifyReq("admin", "123456789012"),
    w.VerifyResp(0, 2),
    w.VerifyResp(5),
    w.VideoStartReq(2),
    w.VideoStartResp(0, 1),
    w.VideoStartResp(2),
    w.VideoEnd(),
    w.VideoRateReq(-3),
    w.AudioStartReq(1),
    w.AudioStartResp(7),
    w.AudioEnd(),
    w.TalkStartReq(1),
    w.TalkStartResp(0, 0xFFFFFFFF),
    w.TalkEnd(),
    w.DecoderControlReq(25),
    w.CommDataReq(b"\x01\x02\x03", 115200),
    w.ParamsFetchReq(),
    w.ParamsFetchResp(bytes((8, 1, 2, 3, 4, 5, 6))),
    w.ParamsChangedNotify(0, 8),
    w.ParamsSetReq(6, 10),
    w.AlarmNotify(1, (-1, 2, 300, -400)),
    w.OtherDevicesNotify(),
    w.TalkBufferReq(3),
    w.KeepAlive(),
    w.AvLoginReq(0x60251B40),
    w.VideoData(1, 2, b"\xff\xd8jpeg\xff\xd9", 0),
    w.AudioData(4, 5, 6, bytes(160)),
    w.TalkData(40, 1, 7, bytes(range(160))),
    w.AvKeepAlive(),
    w.SearchReq(b"\x00\x00\x00\x06"),
    w.SearchResp(
        CAMERA_ID, "x", "1.2.3.4", "255.0.0.0", "1.2.3.1", "1.1.1.1", "1.2.3.4", "5.6.7.8"
    ),
    w.InitReq(CAMERA_ID, "admin", "pw", "1.2.3.4", "255.0.0.0", "1.2.3.1", "1.1.1.1", 80),
    w.InitResp(6),
    w.UnknownMessage(b"MO_O", 250, b"rover"),
]


@pytest.mark.parametrize("message", ALL_MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_round_trips(message: w.Message) -> None:
    raw = message.encode()
    head = w.decode_header(raw)
    assert head.magic == message.MAGIC or isinstance(message, w.UnknownMessage)
    assert head.length == head.length_copy == len(raw) - 23
    assert w.decode_datagram(raw) == message


def _stream() -> bytes:
    jpeg = jpeg_cycle(320, 240)[1]
    return b"".join(
        m.encode()
        for m in (
            w.LoginResp(0, CAMERA_ID, w.PROTOCOL_VERSION, 0, "11.37.2.56"),
            w.VerifyResp(0, 2),
            w.OtherDevicesNotify(),
            w.AlarmNotify(3, (0, 0, 100, 100)),
            w.VideoData(5, 6, jpeg[:300] + jpeg[-2:]),
            w.AudioData(4, 5, 6, bytes(range(160))),
            w.KeepAlive(),
        )
    )


def _parse_in_pieces(data: bytes, cuts: list[int]) -> list[w.Message]:
    parser = w.FrameParser()
    out: list[w.Message] = []
    previous = 0
    for cut in [*cuts, len(data)]:
        parser.feed(data[previous:cut])
        out.extend(parser.messages())
        previous = cut
    assert parser.buffered == 0
    return out


def test_fragmentation_at_every_split_point() -> None:
    data = _stream()
    expected = _parse_in_pieces(data, [])
    assert len(expected) == 7
    for split in range(1, len(data)):
        assert _parse_in_pieces(data, [split]) == expected, split


def test_fragmentation_byte_by_byte_and_two_splits() -> None:
    data = _stream()
    expected = _parse_in_pieces(data, [])
    assert _parse_in_pieces(data, list(range(1, len(data)))) == expected
    for first in range(1, 60, 7):
        for second in range(first + 1, len(data), 97):
            assert _parse_in_pieces(data, [first, second]) == expected


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\x01garbage", b"MO", b"MO_", b"MO_X" * 3, b"HTTP/1.1 200 OK\r\n", b"M" * 100],
)
def test_resync_on_garbage(garbage: bytes) -> None:
    one = w.AlarmNotify(1, (0, 0, 100, 100)).encode()
    two = w.KeepAlive().encode()
    parser = w.FrameParser()
    parser.feed(garbage + one + garbage + two + garbage)
    assert list(parser.messages()) == [w.AlarmNotify(1, (0, 0, 100, 100)), w.KeepAlive()]
    assert parser.discarded >= 2 * len(garbage) - 3
    # the trailing garbage is discarded, except a possible magic prefix
    assert parser.buffered <= 3


def test_resync_garbage_split_across_feeds() -> None:
    parser = w.FrameParser()
    raw = w.KeepAlive().encode()
    for chunk in (b"xxM", b"O", b"_", raw[3:]):
        parser.feed(chunk)
        messages = list(parser.messages())
    assert messages == [w.KeepAlive()]


def test_garbage_alone_does_not_grow_the_buffer() -> None:
    parser = w.FrameParser()
    for _ in range(100):
        parser.feed(b"\x00" * 10000)
        assert list(parser.messages()) == []
    assert parser.buffered == 0
    assert parser.discarded == 1_000_000


def test_only_the_accepted_magics_are_parsed() -> None:
    parser = w.FrameParser((w.MAGIC_AV,))
    parser.feed(w.KeepAlive().encode() + w.AvKeepAlive().encode())
    assert list(parser.messages()) == [w.AvKeepAlive()]


def test_oversize_jpeg_is_refused_from_the_header_alone() -> None:
    parser = w.FrameParser()
    parser.feed(header(b"MO_V", 1, 3 * 1024 * 1024))
    with pytest.raises(ProtocolError, match="exceeds"):
        parser.next_packet()
    assert parser.buffered == 23  # nothing allocated for the text


def test_oversize_operation_text_and_custom_cap() -> None:
    parser = w.FrameParser()
    parser.feed(header(b"MO_O", 17, 0xFFFFFFFF))
    with pytest.raises(ProtocolError):
        parser.next_packet()
    small = w.FrameParser(max_text={w.MAGIC_AV: 100})
    small.feed(w.VideoData(1, 2, bytes(200)).encode())
    with pytest.raises(ProtocolError):
        small.next_packet()
    with pytest.raises(ProtocolError):
        w.decode_datagram(header(b"MO_I", 1, 5000) + bytes(5000))


def test_truncated_packets_wait_for_more_bytes() -> None:
    raw = w.VideoData(1, 2, bytes(500)).encode()
    parser = w.FrameParser()
    parser.feed(raw[:-1])
    assert parser.next_packet() is None
    parser.feed(raw[-1:])
    assert parser.next_packet() is not None
    with pytest.raises(ProtocolError):
        w.decode_datagram(raw[:-1])
    with pytest.raises(ProtocolError):
        w.decode_header(raw[:22])


@pytest.mark.parametrize(
    ("magic", "op", "text"),
    [
        (b"MO_O", 1, b"\x00\x00" + CAMERA_ID.encode()),  # result 0 without all fields
        (b"MO_O", 1, b"\x00"),
        (b"MO_O", 2, b"admin\x00"),
        (b"MO_O", 3, b""),
        (b"MO_O", 5, b"\x00"),
        (b"MO_O", 15, b"\x05ab"),
        (b"MO_O", 17, b"\x20\xa3"),
        (b"MO_O", 25, b""),
        (b"MO_V", 0, b"\x01\x02"),
        (b"MO_V", 1, struct.pack("<IIBI", 1, 2, 0, 100) + bytes(10)),  # JPEG length too big
        (b"MO_V", 2, struct.pack("<IIIBI", 1, 2, 3, 0, 160) + bytes(20)),
        (b"MO_V", 3, bytes(10)),
        (b"MO_I", 1, bytes(64)),
        (b"MO_I", 2, bytes(60)),
    ],
)
def test_truncated_texts_raise_protocol_error(magic: bytes, op: int, text: bytes) -> None:
    with pytest.raises(ProtocolError):
        w.decode_message(magic, op, text)


def test_bad_magic_header() -> None:
    with pytest.raises(ProtocolError):
        w.decode_header(b"GET / HTTP/1.1\r\n\r\n" + bytes(10))


def test_credentials_are_limited_to_12_characters() -> None:
    w.validate_credentials("a" * 12, "b" * 12)
    assert len(w.VerifyReq("a" * 12, "b" * 12).text()) == 26
    with pytest.raises(InvalidValue):
        w.validate_credentials("a" * 13, "")
    with pytest.raises(InvalidValue):
        w.VerifyReq("admin", "p" * 13).encode()
    assert "hunter2" not in repr(w.VerifyReq("admin", "hunter2"))


def test_unknown_op_is_kept() -> None:
    message = w.decode_message(b"MO_O", 21, b"\x01\x02")
    assert message == w.UnknownMessage(b"MO_O", 21, b"\x01\x02")


def test_camera_id_to_mac() -> None:
    assert w.camera_id_to_mac("00626E4E72BF") == "00:62:6e:4e:72:bf"
    assert w.camera_id_to_mac("not-a-mac") == ""
    assert w.camera_id_to_mac("") == ""


def test_jpeg_dimensions_standard_and_camera_style() -> None:
    for width, height in ((640, 480), (320, 240)):
        jpeg = jpeg_cycle(width, height)[0]
        assert w.jpeg_dimensions(jpeg) == (width, height)
        odd = _camera_style_jpeg(jpeg)
        assert odd[2:4] == b"\xff\xc0"  # SOF0 first, no JFIF APP0
        assert b"JFIF" not in odd[:200]
        assert w.jpeg_dimensions(odd) == (width, height)
    assert w.jpeg_dimensions(b"not a jpeg") is None
    assert w.jpeg_dimensions(b"\xff\xd8\xff\xe0\x00") is None
    assert w.jpeg_dimensions(b"\xff\xd8\xff\xe0\x00\x01" + bytes(10)) is None
    assert w.jpeg_dimensions(b"\xff\xd8\xff\xc0\x00\x11\x08\x01") is None


# --- CGI vocabulary ---------------------------------------------------------------------------


def test_ptz_left_right_are_swapped_for_real_cameras() -> None:
    assert cgi.ptz_command(PtzMove.LEFT) == (6, 7)
    assert cgi.ptz_command(PtzMove.RIGHT) == (4, 5)
    assert cgi.ptz_command(PtzMove.UP) == (0, 1)
    assert cgi.ptz_command(PtzMove.DOWN) == (2, 3)
    assert cgi.ptz_command(PtzMove.LEFT, swap_left_right=False) == (4, 5)
    assert cgi.physical_direction(6) == "left"
    assert cgi.physical_direction(4) == "right"
    assert cgi.physical_direction(99) is None
    with pytest.raises(NotSupported):
        cgi.ptz_command(PtzMove.ZOOM_IN)


def test_preset_numbering() -> None:
    assert cgi.preset_command(PresetAction.SET, 1) == 30
    assert cgi.preset_command(PresetAction.GOTO, 1) == 31
    assert cgi.preset_command(PresetAction.SET, 16) == 60
    assert cgi.preset_command(PresetAction.GOTO, 16) == 61
    assert cgi.preset_from_command(61) == (PresetAction.GOTO, 16)
    assert cgi.preset_from_command(62) is None
    with pytest.raises(InvalidValue):
        cgi.preset_command(PresetAction.GOTO, 17)
    with pytest.raises(NotSupported):
        cgi.preset_command(PresetAction.CLEAR, 1)


def test_var_lines() -> None:
    body = "var id='00626E4E72BF';\nvar alarm_status=1;\r\nvar alias=\"cam 1\";\ngarbage\n"
    assert cgi.parse_vars(body) == {"id": "00626E4E72BF", "alarm_status": "1", "alias": "cam 1"}
    assert cgi.parse_vars(cgi.format_vars({"a": 1, "b": "x"})) == {"a": "1", "b": "x"}


def test_random_input_only_ever_raises_protocol_error() -> None:
    """Fuzz: valid headers with random ops and texts, and random byte streams."""
    import random

    rng = random.Random(1234)
    for _ in range(3000):
        magic = rng.choice(w.MAGICS)
        op = rng.choice([*range(0, 32), 255, rng.randrange(65536)])
        text = rng.randbytes(rng.choice([0, 1, 2, 3, 5, 13, 17, 26, 27, 61, 65, 177, 1152]))
        try:
            w.decode_message(magic, op, text)
        except ProtocolError:
            pass
    parser = w.FrameParser(w.MAGICS)
    for _ in range(300):
        chunk = rng.randbytes(rng.randrange(1, 300))
        if rng.random() < 0.5:
            chunk += rng.choice(w.MAGICS) + rng.randbytes(rng.randrange(0, 40))
        parser.feed(chunk)
        try:
            for _message in parser.messages():
                pass
        except ProtocolError:
            parser = w.FrameParser(w.MAGICS)
        assert parser.buffered <= 23 + w.MAX_AV_TEXT
