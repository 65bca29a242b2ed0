"""MO_I search answers: the 65-byte record, HD models' longer ones, one record per camera."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.foscam import search
from custom_components.ipcam.protocols.foscam.decoder import decode_datagram
from simulator.foscam import wire as sw

from .helpers import CAMERA_ID, SEARCH_RESP_TEXT, packet


def test_search_resp_second_capture_port_61234() -> None:
    text = SEARCH_RESP_TEXT[:62] + struct.pack(">H", 61234) + b"\x01"
    message = decode_datagram(packet(b"MO_I", 1, text))
    assert isinstance(message, search.SearchResp)
    assert message.port == 61234
    assert text[62:64] == b"\xef\x32"  # big-endian, unlike the header


def test_search_resp_of_hd_models_parses_first_65_bytes() -> None:
    message = decode_datagram(packet(b"MO_I", 1, SEARCH_RESP_TEXT + bytes(56)))
    assert isinstance(message, search.SearchResp)
    assert message.ip == "192.168.69.21"
    assert len(packet(b"MO_I", 1, SEARCH_RESP_TEXT)) == 88


def test_search_decoder_keeps_one_record_per_camera() -> None:
    decoder = search.SearchDecoder()
    answer = packet(b"MO_I", 1, SEARCH_RESP_TEXT)
    assert [r.camera_id for r in decoder.feed(answer)] == [CAMERA_ID]
    assert decoder.feed(answer) == []  # the same camera again
    assert decoder.feed(search.SearchReq().encode()) == []  # our own broadcast
    assert decoder.feed(packet(b"MO_O", 255, b"")) == []
    with pytest.raises(ProtocolError):
        decoder.feed(packet(b"MO_I", 1, SEARCH_RESP_TEXT[:40]))
    with pytest.raises(ProtocolError):
        decoder.feed(b"not a packet at all, not even 23 bytes")
    assert list(decoder.found) == [CAMERA_ID]


def test_init_req_layout_is_61_bytes() -> None:
    message = sw.InitReq(
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
    assert sw.decode_request_datagram(message.encode()) == message
    assert "pw" not in repr(message)
