"""DVRIP wire format: seed packets byte-exact, header and hash vectors, bounds, fragmentation."""

from __future__ import annotations

import json
import struct

import pytest

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.wire import (
    BinaryMessage,
    Header,
    JsonMessage,
    MsgId,
    PacketDecoder,
)
from custom_components.ipcam.protocols.errors import ProtocolError

from . import seed

# (packet, version, session, sequence, msg id, length, trailer): docs/protocols/dvrip.md,
# "Test vectors".
SEED_TABLE = [
    (seed.LOGIN_REQUEST, 0, 0, 0, 1000, 100, b"}\n"),
    (seed.LOGIN_REPLY, 1, 1, 0, 1001, 150, b"}\n\x00"),
    (seed.SYSINFO_REQUEST, 0, 1, 0, 1020, 54, b"}\n"),
    (seed.SYSINFO_REPLY, 1, 1, 0, 1021, 635, b"}\n\x00"),
    (seed.GUARD_REPLY, 1, 1, 0, 1501, 58, b"}\n\x00"),
    (seed.KEEPALIVE_REQUEST, 0, 1, 0, 1006, 53, b"}\n"),
    (seed.KEEPALIVE_REPLY, 1, 1, 0, 1007, 67, b"}\n\x00"),
    (seed.ALARMOUT_ON_REQUEST, 0, 1, 1, 1040, 132, b"}\n"),
    (seed.ALARMOUT_SET_REPLY, 1, 1, 1, 1041, 58, b"}\n\x00"),
    (seed.ALARMOUT_OFF_REQUEST, 0, 1, 2, 1040, 131, b"}\n"),
    (seed.UNGUARD_REQUEST, 0, 1, 0, 1502, 44, b"}\n"),
]


# --- Sofia hash ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("", "tlJwpbo6"),
        ("admin", "6QNMIQGe"),
        ("123456", "nTBCS19C"),
        ("tluafed", "OxhlwSG8"),
        ("test", "S2fGqNFs"),
        ("password", "mF95aD4o"),
        ("bla", "ahX6WENC"),
        ("ma56ter", "W6xpk6c9"),
    ],
)
def test_sofia_hash_vectors(password: str, expected: str) -> None:
    assert wire.sofia_hash(password) == expected


def test_sofia_hash_of_captured_login() -> None:
    body = PacketDecoder().feed(seed.LOGIN_REQUEST)[0]
    assert isinstance(body, JsonMessage)
    assert body.body["PassWord"] == wire.sofia_hash("") == "tlJwpbo6"


# --- header --------------------------------------------------------------------------------------

HEADER_VECTOR = bytes.fromhex("ff01 0000 cdab0000 fade0000 12 34 5678 05000000 68656c6c6f")


def test_header_vector_pack() -> None:
    header = Header(
        msg_id=0x7856,
        length=5,
        session=0xABCD,
        sequence=0xDEFA,
        version=1,
        total=0x12,
        current=0x34,
    )
    assert header.pack() + b"hello" == HEADER_VECTOR
    packet = wire.encode_packet(
        0x7856, b"hello", session=0xABCD, sequence=0xDEFA, version=1, total=0x12, current=0x34
    )
    assert packet == HEADER_VECTOR


def test_header_vector_unpack() -> None:
    header = Header.unpack(HEADER_VECTOR)
    assert header == Header(0x7856, 5, 0xABCD, 0xDEFA, 1, 0x12, 0x34)


def test_header_rejects_bad_head_and_short_input() -> None:
    with pytest.raises(ProtocolError):
        Header.unpack(b"\xfe" + HEADER_VECTOR[1:20])
    with pytest.raises(ProtocolError):
        Header.unpack(HEADER_VECTOR[:19])
    with pytest.raises(ProtocolError):
        PacketDecoder().feed(b"\x00" * 20)


@pytest.mark.parametrize(
    ("packet", "version", "session", "seq", "msg_id", "length", "end"), SEED_TABLE
)
def test_seed_headers(
    packet: bytes, version: int, session: int, seq: int, msg_id: int, length: int, end: bytes
) -> None:
    header = Header.unpack(packet)
    assert (header.version, header.session, header.sequence, header.msg_id, header.length) == (
        version,
        session,
        seq,
        msg_id,
        length,
    )
    assert len(packet) == 20 + length
    assert packet.endswith(end)


# --- seed replays: decode, then re-encode byte for byte ------------------------------------------


@pytest.mark.parametrize(
    ("packet", "version", "session", "seq", "msg_id", "length", "end"), SEED_TABLE
)
def test_seed_packets_roundtrip_byte_exact(
    packet: bytes, version: int, session: int, seq: int, msg_id: int, length: int, end: bytes
) -> None:
    messages = PacketDecoder().feed(packet)
    assert len(messages) == 1
    message = messages[0]
    assert isinstance(message, JsonMessage)
    assert (message.msg_id, message.session, message.sequence, message.version) == (
        msg_id,
        session,
        seq,
        version,
    )
    trailer = b"\n" if end == b"}\n" else b"\n\x00"
    encoded = wire.encode_json(
        msg_id, message.body, session=session, sequence=seq, version=version, trailer=trailer
    )
    assert encoded == packet


def test_seed_login_reply_fields() -> None:
    message = PacketDecoder().feed(seed.LOGIN_REPLY)[0]
    assert isinstance(message, JsonMessage)
    assert message.body == {
        "AliveInterval": 20,
        "ChannelNum": 1,
        "DataUseAES": False,
        "DeviceType ": "IPC",  # the trailing space is the firmware's
        "ExtraChannel": 0,
        "Ret": 100,
        "SessionID": "0x00000001",
    }
    assert message.ret == 100
    assert wire.parse_session(message.body["SessionID"]) == 1


def test_seed_system_info_fields() -> None:
    message = PacketDecoder().feed(seed.SYSINFO_REPLY)[0]
    assert isinstance(message, JsonMessage)
    info = message.body["SystemInfo"]
    assert info["SerialNo"] == "58e7fa5e6e262535"
    assert info["SoftWareVersion"] == "V4.03.R12.G7914927.12012.145902.0020000"
    assert info["HardWare"] == "HI3516D_83H50N"
    assert message.body["SessionID"] == "0x1"
    assert wire.parse_session("0x1") == wire.parse_session("0x00000001") == 1


def test_seed_alarm_out_requests() -> None:
    on, off = (
        PacketDecoder().feed(p)[0] for p in (seed.ALARMOUT_ON_REQUEST, seed.ALARMOUT_OFF_REQUEST)
    )
    assert isinstance(on, JsonMessage)
    assert isinstance(off, JsonMessage)
    assert on.body["Alarm.AlarmOut"] == [{"AlarmOutStatus": "OPEN", "AlarmOutType": "MANUAL"}]
    assert off.body["Alarm.AlarmOut"] == [{"AlarmOutStatus": "OPEN", "AlarmOutType": "CLOSE"}]


def test_request_body_shape_matches_capture() -> None:
    body = wire.request_body("KeepAlive", 1)
    assert (
        wire.encode_json(MsgId.KEEPALIVE, body, session=1, trailer=b"\n") == seed.KEEPALIVE_REQUEST
    )
    assert wire.encode_json(MsgId.UNGUARD, wire.request_body("", 1), session=1, trailer=b"\n") == (
        seed.UNGUARD_REQUEST
    )


def test_request_payloads_kept_are_the_bytes_encoded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A request asked again takes its payload around the session id from the templates:
    the same bytes as encoding it, for every session, name and value; those not kept (a
    value too deep, long or with floats or keys that are no strings, the mark in a name, a
    full table) are encoded. Equal templates must mean equal bytes: ``True`` as a key spells
    "True", ``"true"`` does not."""
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    scalars = st.integers(-(2**40), 2**40) | st.text(max_size=12) | st.booleans() | st.none()
    nested = st.recursive(
        scalars | st.floats(allow_nan=False),
        lambda inner: st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3),
        max_leaves=12,
    )
    values = (
        st.none()
        | st.dictionaries(st.text(max_size=8), scalars, max_size=5)
        | st.dictionaries(st.text(max_size=4), st.lists(scalars, max_size=2), max_size=2)
        | st.dictionaries(st.sampled_from(["On", "Off"]), st.booleans(), max_size=2)
        | st.dictionaries(st.text(max_size=6), nested, max_size=4)
        | st.dictionaries(st.sampled_from([True, 1, "true", "True", "1"]), scalars, max_size=3)
        | st.just({"Channel": 0})
        | st.just({"Action": "Claim", "Parameter": {"Channel": 0, "StreamType": "Main"}})
    )
    names = st.sampled_from(["OPSNAP", "KeepAlive", "", "General.General", "@@SessionID@@"])

    @hypothesis.settings(max_examples=400, deadline=None)
    @hypothesis.given(names | st.text(max_size=20), values, st.integers(0, 0xFFFFFFFF))
    def same(name: str, value: object, session: int) -> None:
        expected = wire.encode_json_body(wire.request_body(name, session, value))
        assert wire.request_payload(name, session, value) == expected
        assert wire.request_payload(name, session ^ 1, value) == wire.encode_json_body(
            wire.request_body(name, session ^ 1, value)
        )

    same()
    assert wire._request_templates  # some were kept
    monkeypatch.setattr(wire, "REQUEST_TEMPLATES_KEPT", len(wire._request_templates))
    body = wire.encode_json_body(wire.request_body("Not.Kept", 5))
    assert wire.request_payload("Not.Kept", 5) == body
    assert ("Not.Kept",) not in wire._request_templates


# --- fragmentation -------------------------------------------------------------------------------

STREAM = b"".join(entry[0] for entry in SEED_TABLE)


def _bodies(messages: list[wire.Message]) -> list[tuple[int, object]]:
    return [(m.msg_id, m.body if isinstance(m, JsonMessage) else m.payload) for m in messages]


def test_every_split_point_of_the_seed_stream() -> None:
    expected = _bodies(PacketDecoder().feed(STREAM))
    assert len(expected) == len(SEED_TABLE)
    for split in range(len(STREAM) + 1):
        decoder = PacketDecoder()
        got = decoder.feed(STREAM[:split]) + decoder.feed(STREAM[split:])
        assert _bodies(got) == expected, split
        assert decoder.buffered == 0


def test_byte_by_byte() -> None:
    decoder = PacketDecoder()
    got: list[wire.Message] = []
    for index in range(len(STREAM)):
        got += decoder.feed(STREAM[index : index + 1])
    assert _bodies(got) == _bodies(PacketDecoder().feed(STREAM))


# --- JSON tolerance and bounds -------------------------------------------------------------------


def _packet(msg_id: int, payload: bytes, **kwargs: int) -> bytes:
    return wire.encode_packet(msg_id, payload, **kwargs)


@pytest.mark.parametrize("trailer", [b"", b"\n", b"\n\x00", b"\n\x00\x00\x00\x00", b"\x00\x00"])
def test_json_trailers_and_extra_nuls(trailer: bytes) -> None:
    message = PacketDecoder().feed(_packet(1007, b'{"Ret": 100}' + trailer))[0]
    assert isinstance(message, JsonMessage)
    assert message.body == {"Ret": 100}


def test_empty_payload_is_an_empty_body() -> None:
    message = PacketDecoder().feed(_packet(1531, b""))[0]
    assert isinstance(message, JsonMessage)
    assert message.body == {}


def test_latin1_fallback() -> None:
    message = PacketDecoder().feed(_packet(1043, b'{"Name": "caf\xe9\x01"}\n\x00'))[0]
    assert isinstance(message, JsonMessage)
    assert message.body["Name"] == "café"


@pytest.mark.parametrize(
    "payload",
    [b"{not json}\n\x00", b"[1, 2]\n\x00", b"42", b"[" * 100000 + b"]" * 100000],
)
def test_malformed_json(payload: bytes) -> None:
    with pytest.raises(ProtocolError):
        PacketDecoder().feed(_packet(1043, payload))


def test_oversized_json_rejected_from_the_header_alone() -> None:
    header = Header(1043, wire.MAX_JSON_PAYLOAD + 1).pack()
    decoder = PacketDecoder()
    with pytest.raises(ProtocolError):
        decoder.feed(header)
    assert decoder.buffered <= 20


def test_oversized_media_packet_rejected() -> None:
    header = Header(MsgId.MONITOR_DATA, wire.MAX_MEDIA_PACKET + 1).pack()
    with pytest.raises(ProtocolError):
        PacketDecoder().feed(header)
    # The same length is fine for JSON (1 MiB cap) and waits for its payload.
    assert PacketDecoder().feed(Header(1043, wire.MAX_MEDIA_PACKET + 1).pack()) == []


def test_max_length_of_uint32_rejected() -> None:
    with pytest.raises(ProtocolError):
        PacketDecoder().feed(struct.pack("<BBBBIIBBHI", 0xFF, 1, 0, 0, 1, 0, 0, 0, 1043, 2**32 - 1))


def test_media_routed_by_message_id_even_when_it_looks_like_json() -> None:
    packet = _packet(MsgId.MONITOR_DATA, b'{"Ret": 100}', session=5, sequence=9, total=3, current=1)
    message = PacketDecoder().feed(packet)[0]
    assert message == BinaryMessage(MsgId.MONITOR_DATA, b'{"Ret": 100}', 5, 9, 3, True)


# --- multi-packet JSON ---------------------------------------------------------------------------


def test_multi_packet_json_roundtrip() -> None:
    body = {
        "Name": "Detect",
        "Detect": {"Blob": "x" * 40000},
        "Ret": 100,
        "SessionID": "0x00000001",
    }
    data = wire.encode_json(1043, body, session=1, sequence=7, version=1)
    headers = []
    offset = 0
    while offset < len(data):
        header = Header.unpack(data[offset : offset + 20])
        headers.append(header)
        offset += 20 + header.length
    assert [h.total for h in headers] == [3, 3, 3]
    assert [h.current for h in headers] == [0, 1, 2]
    for split in (1, 19, 20, 21, 16000, 16404, len(data) - 1):
        decoder = PacketDecoder()
        messages = decoder.feed(data[:split]) + decoder.feed(data[split:])
        assert len(messages) == 1
        assert isinstance(messages[0], JsonMessage)
        assert messages[0].body == body


def test_multi_packet_out_of_order_rejected() -> None:
    first = _packet(1043, b'{"a": ', total=2, current=0)
    wrong = _packet(1043, b"1}", total=2, current=0 + 2)
    decoder = PacketDecoder()
    assert decoder.feed(first) == []
    with pytest.raises(ProtocolError):
        decoder.feed(wrong)


def test_multi_packet_total_bounded() -> None:
    decoder = PacketDecoder(max_json=100)
    piece = _packet(1043, b" " * 60, total=3, current=0)
    assert decoder.feed(piece) == []
    with pytest.raises(ProtocolError):
        decoder.feed(_packet(1043, b" " * 60, total=3, current=1))


# --- helpers -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0xZZ", None, True, [], "0x1FFFFFFFF"])
def test_parse_session_rejects(value: object) -> None:
    with pytest.raises(ProtocolError):
        wire.parse_session(value)


def test_session_hex() -> None:
    assert wire.session_hex(0x13) == "0x00000013"


def test_dumps_matches_firmware_style() -> None:
    text = wire.dumps({"b": [1, {"y": True, "x": None}], "a": "é", "c": {}, "d": []})
    assert text == '{ "a" : "é", "b" : [ 1, { "x" : null, "y" : true } ], "c" : { }, "d" : [ ] }'
    assert json.loads(text) == {"a": "é", "b": [1, {"x": None, "y": True}], "c": {}, "d": []}


def test_mutated_seed_stream_only_raises_protocol_error() -> None:
    import random

    rng = random.Random(20261122)
    for _ in range(2000):
        data = bytearray(STREAM)
        for _flip in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        decoder = PacketDecoder(max_json=4096)
        try:
            offset = 0
            while offset < len(data):
                size = rng.randint(1, 300)
                decoder.feed(bytes(data[offset : offset + size]))
                offset += size
        except ProtocolError:
            continue
        assert decoder.buffered <= 20 + 4096


def test_random_bytes_only_raise_protocol_error() -> None:
    import random

    rng = random.Random(7)
    for _ in range(500):
        data = bytes([0xFF]) + rng.randbytes(rng.randint(0, 200))
        decoder = PacketDecoder(max_json=1000, max_binary_packet=1000)
        try:
            decoder.feed(data)
        except ProtocolError:
            continue
        assert decoder.buffered <= 1020


# --- live media as a byte stream -----------------------------------------------------------------


def test_stream_ids_hand_over_payload_bytes_as_they_arrive() -> None:
    media = bytes(range(256)) * 10
    packets = b"".join(
        _packet(MsgId.MONITOR_DATA, media[i : i + 1000], session=1) for i in range(0, 2560, 1000)
    )
    keepalive = _packet(MsgId.KEEPALIVE_REPLY, b'{"Ret": 100}\n\x00')
    data = packets + keepalive
    decoder = PacketDecoder(stream_ids=frozenset({MsgId.MONITOR_DATA}))
    received = b""
    messages: list[wire.Message] = []
    for split in range(0, len(data), 333):
        messages += decoder.feed(data[split : split + 333])
        pieces = decoder.take_stream()
        assert all(piece.readonly for piece in pieces)
        received += b"".join(pieces)
        assert decoder.buffered < 20  # media is never held back waiting for its packet's end
    assert received == media
    assert [m.msg_id for m in messages] == [MsgId.KEEPALIVE_REPLY]
    assert decoder.take_stream() == []


def test_input_of_other_buffer_types_is_copied() -> None:
    data = bytearray(seed.KEEPALIVE_REPLY)
    decoder = PacketDecoder()
    assert decoder.feed(data[:30]) == []
    data[:] = b"\x00" * len(data)  # the caller reuses its buffer: nothing of it was kept
    (message,) = decoder.feed(memoryview(seed.KEEPALIVE_REPLY)[30:])
    assert isinstance(message, JsonMessage)
    assert message.ret == 100


def test_header_split_between_reads() -> None:
    decoder = PacketDecoder()
    for cut in (1, 10, 19):
        assert decoder.feed(seed.GUARD_REPLY[:cut]) == []
        assert decoder.buffered == cut
        (message,) = decoder.feed(seed.GUARD_REPLY[cut:])
        assert message.msg_id == MsgId.GUARD_REPLY


# --- a read that is exactly one packet (the usual reply) -----------------------------------------


def test_a_read_of_one_whole_packet_leaves_nothing_behind() -> None:
    decoder = PacketDecoder()
    (message,) = decoder.feed(seed.KEEPALIVE_REPLY)
    assert isinstance(message, JsonMessage) and message.ret == 100
    assert decoder.buffered == 0
    assert decoder.feed(seed.GUARD_REPLY[:10]) == []  # the next packet starts afresh
    assert decoder.buffered == 10
    (guard,) = decoder.feed(seed.GUARD_REPLY[10:])
    assert guard.msg_id == MsgId.GUARD_REPLY


def test_a_whole_packet_is_checked_before_it_is_kept() -> None:
    bad_flag = b"\x00" + seed.KEEPALIVE_REPLY[1:]
    with pytest.raises(ProtocolError, match="head flag"):
        PacketDecoder().feed(bad_flag)
    with pytest.raises(ProtocolError, match="too large"):
        PacketDecoder(max_json=16).feed(seed.KEEPALIVE_REPLY)
    picture = wire.encode_packet(MsgId.SNAPSHOT_REPLY, b"\xff\xd8" + bytes(64) + b"\xff\xd9")
    with pytest.raises(ProtocolError, match="too large"):
        PacketDecoder(max_binary_packet=32).feed(picture)


def test_a_whole_stream_packet_is_stream_not_a_message() -> None:
    media = b"\x00\x00\x01\xfc" + bytes(40)
    decoder = PacketDecoder(stream_ids=frozenset({MsgId.MONITOR_DATA}))
    assert decoder.feed(wire.encode_packet(MsgId.MONITOR_DATA, media)) == []
    assert b"".join(decoder.take_stream()) == media
    assert decoder.buffered == 0


def test_one_read_of_a_packet_and_a_part_of_the_next() -> None:
    decoder = PacketDecoder()
    (first,) = decoder.feed(seed.KEEPALIVE_REPLY + seed.GUARD_REPLY[:25])
    assert first.msg_id == MsgId.KEEPALIVE_REPLY
    (second,) = decoder.feed(seed.GUARD_REPLY[25:])
    assert second.msg_id == MsgId.GUARD_REPLY
