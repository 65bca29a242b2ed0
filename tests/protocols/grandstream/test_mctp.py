"""MCTP: the vendor's heartbeat/keep-alive bytes, tolerant parsing, talk packets.

The camera's messages come from the simulator's encoders (``simulator.grandstream.mctp_wire``).
"""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import mctp
from custom_components.ipcam.protocols.grandstream.mctp import (
    MAX_BLANK_LINES,
    HandshakeResult,
    MctpMessage,
    MctpParser,
    alarm_subscription,
    format_message,
    format_session,
    heartbeat_request,
    keepalive_request,
    parse_handshake_reply,
    talk_accepted,
    talk_packet,
    talk_request,
)
from simulator.grandstream.mctp_wire import (
    TalkReader,
    alarm_message,
    heartbeat_reply,
    keepalive_reply,
    talk_reply,
)


def parse_messages(data: bytes) -> list[MctpMessage]:
    """Parse a complete buffer (flushing a final message without END)."""
    parser = MctpParser()
    messages = parser.feed(data)
    last = parser.flush()
    if last is not None:
        messages.append(last)
    return messages


def test_vendor_sample_bytes() -> None:
    assert heartbeat_request("09682642", 0) == b"CMD:ALIVE MCTP/1.0 CS\n@09682642@0\nEND\n"
    assert heartbeat_reply("09682642", 0, True) == b"CMD:ALIVE MCTP/1.0 SC\n@09682642@0@1\nEND\n"
    assert keepalive_request() == b"CMD:ALIVE MCTP/1.0 CS\nEND\n"
    assert keepalive_reply() == b"CMD:ALIVE MCTP/1.0 SC\nEND\n"


def test_alarm_subscription_bytes() -> None:
    assert alarm_subscription() == b"CMD:ALIVE MCTP/1.0 CS\n@FFFFFFFF@-1\nEND\n"
    assert alarm_subscription(4) == b"CMD:ALIVE MCTP/1.0 CS\n@FFFFFFFF@4\nEND\n"


def test_session_ids_are_eight_digits() -> None:
    assert heartbeat_request("123", 7) == b"CMD:ALIVE MCTP/1.0 CS\n@00000123@7\nEND\n"
    with pytest.raises(ValueError):
        heartbeat_request("ABCDEF12", 0)
    with pytest.raises(ValueError):
        heartbeat_request("123456789", 0)
    with pytest.raises(ValueError):
        heartbeat_request("\u0661\u0662", 0)  # digits, but not ASCII ones
    assert format_session("FFFFFFFF") == "FFFFFFFF"
    with pytest.raises(ValueError):
        heartbeat_request("12345678", 8)


def test_talk_bytes() -> None:
    assert talk_reply(True) == b"CMD:TALK MCTP/1.0 SC\n@0@1@1@\n"
    assert talk_reply(False) == b"CMD:TALK MCTP/1.0 SC\n@0@0@0@\n"
    assert talk_request() == b"CMD:TALK MCTP/1.0 CS\nEND\n"


def test_no_lowercase_rtsp_in_mctp() -> None:
    # The camera classifies a first read containing "rtsp" as RTSP.
    messages = [heartbeat_request("1", 0), keepalive_request(), talk_request()]
    messages.append(alarm_subscription())
    for data in messages:
        assert b"rtsp" not in data
        assert b"MCTP/1.0" in data
    with pytest.raises(ValueError):
        format_message("rtsp", "CS")


def test_parse_vendor_reply_and_handshake() -> None:
    (message,) = parse_messages(b"CMD:ALIVE MCTP/1.0 SC\n@09682642@0@1\nEND\n")
    assert message == MctpMessage("ALIVE", "SC", ("@09682642@0@1",), True)
    assert message.fields == ("09682642", "0", "1")
    assert parse_handshake_reply(message) == HandshakeResult("09682642", 0, True)
    (keepalive,) = parse_messages(b"CMD:ALIVE MCTP/1.0 SC\nEND\n")
    assert parse_handshake_reply(keepalive) is None
    (failed,) = parse_messages(b"CMD:ALIVE MCTP/1.0 SC\n@FFFFFFFF@-1@0\nEND\n")
    assert parse_handshake_reply(failed) == HandshakeResult("FFFFFFFF", -1, False)


def test_space_after_cmd_and_crlf() -> None:
    (message,) = parse_messages(b"CMD: ALIVE MCTP/1.0 CS\r\n@09682642@0\r\nEND\r\n")
    assert message.verb == "ALIVE"
    assert message.direction == "CS"
    assert message.fields == ("09682642", "0")


def test_missing_end_and_trailing_at() -> None:
    # The camera's TALK reply has no END: it is complete at its one field line.
    parser = MctpParser()
    (message,) = parser.feed(b"CMD:TALK MCTP/1.0 SC\n@0@1@1@\n")
    assert not parser.pending
    assert not message.ended
    assert message.fields == ("0", "1", "1")
    assert talk_accepted(message)
    (busy,) = parse_messages(b"CMD:TALK MCTP/1.0 SC\n@0@0@0@\n")
    assert not talk_accepted(busy)


def test_next_command_ends_a_message_without_end() -> None:
    data = b"CMD:ALARM MCTP/1.0 SC\n@0@MOTION@1\nCMD:ALIVE MCTP/1.0 SC\nEND\n"
    messages = MctpParser().feed(data)
    assert [m.verb for m in messages] == ["ALARM", "ALIVE"]
    assert not messages[0].ended
    assert messages[1].ended


def test_stray_end_is_ignored() -> None:
    assert MctpParser().feed(b"END\nEND\n") == []


def test_a_message_without_end_is_flushed_by_the_caller() -> None:
    parser = MctpParser()
    assert parser.feed(b"CMD:ALARM MCTP/1.0 SC\n@0@MOTION@1") == []
    assert parser.pending
    message = parser.flush()
    assert message is not None
    assert (message.fields, message.ended) == (("0", "MOTION", "1"), False)
    assert parser.flush() is None


def test_empty_lines_are_tolerated_but_bounded() -> None:
    parser = MctpParser()
    assert parser.feed(b"\n" * MAX_BLANK_LINES + keepalive_reply()) != []
    with pytest.raises(ProtocolError):
        parser.feed(b"\r\n" * (MAX_BLANK_LINES + 1))


def test_handshake_reply_channels() -> None:
    for line, channel in ((b"@1@-1@1", -1), (b"@1@07@1", 7), (b"@1@ 3 @0", 3)):
        (message,) = parse_messages(b"CMD:ALIVE MCTP/1.0 SC\n" + line + b"\nEND\n")
        result = parse_handshake_reply(message)
        assert result is not None
        assert result.channel == channel
    for line in (b"@1@x@1", b"@1@\xd9\xa1@1", b"@1@1234@1", b"@1@2"):
        (message,) = parse_messages(b"CMD:ALIVE MCTP/1.0 SC\n" + line + b"\nEND\n")
        with pytest.raises(ProtocolError):
            parse_handshake_reply(message)
    (talk,) = parse_messages(b"CMD:TALK MCTP/1.0 SC\n@0@1@1@\n")
    with pytest.raises(ProtocolError):
        parse_handshake_reply(talk)
    with pytest.raises(ProtocolError):
        talk_accepted(MctpMessage("ALIVE", "SC"))


def test_every_split_point() -> None:
    stream = (
        heartbeat_reply("09682642", 0, True)
        + keepalive_reply()
        + b"CMD: ALARM MCTP/1.0 SC\r\n@2@INPUT@0@\r\nEND\r\n"
        + alarm_message("MOTION", True, 1)
    )
    expected = parse_messages(stream)
    assert [m.verb for m in expected] == ["ALIVE", "ALIVE", "ALARM", "ALARM"]
    for cut in range(1, len(stream)):
        parser = MctpParser()
        got = parser.feed(stream[:cut]) + parser.feed(stream[cut:])
        assert got == expected, cut


@pytest.mark.parametrize(
    "data",
    [
        b"CMD:ALIVE MCTP/1.0 SC\n@" + b"1" * 2000 + b"\n",
        b"CMD:ALIVE MCTP/1.0 SC\n" + b"@1\n" * 40,
        b"garbage before a header\n",
    ],
)
def test_bounds_and_garbage(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        MctpParser().feed(data)


def test_unterminated_line_is_bounded() -> None:
    with pytest.raises(ProtocolError):
        MctpParser().feed(b"CMD:ALIVE MCTP/1.0 SC" + b"x" * 2000)


def test_talk_packet_layout_and_reader() -> None:
    ulaw = bytes(range(160))
    packet = talk_packet(ulaw, 320)
    word, timestamp = struct.unpack_from("<II", packet)
    assert word & 0x3FF == 164
    assert word >> 10 == 0
    assert timestamp == 320
    assert packet[8:12] == b"\x00\x01\x50\x00"
    assert packet[12:] == ulaw
    stream = talk_packet(ulaw, 0) + talk_packet(ulaw[:80], 160)
    reader = TalkReader()
    got = []
    for byte in range(len(stream)):
        got.extend(reader.feed(stream[byte : byte + 1]))
    assert got == [ulaw, ulaw[:80]]
    assert TalkReader().feed(stream) == [ulaw, ulaw[:80]]
    with pytest.raises(ValueError):
        talk_packet(b"\x00" * 1100, 0)


def test_keepalive_interval_beats_the_camera_deadline() -> None:
    assert mctp.KEEPALIVE_INTERVAL * 2 <= mctp.CAMERA_TIMEOUT
