"""Mutated input never crashes the Grandstream parsers: only ProtocolError, bounded memory."""

from __future__ import annotations

import random

import pytest

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import mctp
from custom_components.ipcam.protocols.grandstream.digest import parse_authorization
from custom_components.ipcam.protocols.grandstream.h264 import (
    H264Depacketizer,
    annexb,
    packetize,
    sps_dimensions,
)
from custom_components.ipcam.protocols.grandstream.rtp import (
    format_interleaved,
    format_rtp,
    parse_rtp,
)
from custom_components.ipcam.protocols.grandstream.rtsp import MAX_BODY, RtspReader
from custom_components.ipcam.protocols.grandstream.sdp import parse_sdp

from .test_grandstream_rtsp import VENDOR_200, VENDOR_401, VENDOR_SETUP_200

SEEDS = range(300)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        if choice < 0.4 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.6 and buf:
            del buf[rng.randrange(len(buf)) :]
        elif choice < 0.8:
            at = rng.randrange(len(buf) + 1)
            buf[at:at] = rng.randbytes(rng.randint(1, 16))
        elif buf:
            at = rng.randrange(len(buf))
            del buf[at : at + rng.randint(1, 16)]
    return bytes(buf)


@pytest.mark.parametrize("seed", SEEDS)
def test_rtsp_reader(seed: int) -> None:
    rng = random.Random(seed)
    frame = format_interleaved(0, format_rtp(96, True, 1, 3600, 1, b"\x65" + b"x" * 50))
    data = _mutate(rng, VENDOR_401 + VENDOR_200 + frame + VENDOR_SETUP_200)
    reader = RtspReader()
    try:
        for start in range(0, len(data), 7):
            reader.feed(data[start : start + 7])
            list(reader.events())
            assert reader.buffered <= 8192 + MAX_BODY + 70000
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_mctp_parser(seed: int) -> None:
    rng = random.Random(seed)
    stream = (
        mctp.heartbeat_reply("09682642", 0, True)
        + mctp.keepalive_reply()
        + mctp.talk_reply(True)
        + mctp.alarm_message("MOTION", True, 1)
    )
    parser = mctp.MctpParser()
    try:
        for message in parser.feed(_mutate(rng, stream)):
            if mctp.is_alarm(message):
                mctp.interpret_alarm(message)
            elif message.verb == "ALIVE":
                mctp.parse_handshake_reply(message)
        parser.flush()
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_rtp_and_h264(seed: int) -> None:
    rng = random.Random(seed)
    sps = bytes.fromhex("6742e01eda02c0f440")
    unit = annexb([sps, bytes([0x65]) + rng.randbytes(3000)])
    depacketizer = H264Depacketizer()
    for seq, payload in enumerate(packetize(unit, 500)):
        data = format_rtp(96, False, seq, 0, 1, payload)
        if rng.random() < 0.5:
            data = _mutate(rng, data)
        try:
            packet = parse_rtp(data)
        except ProtocolError:
            continue
        depacketizer.push(packet)
    try:
        sps_dimensions(_mutate(rng, sps))
    except ProtocolError:
        pass


@pytest.mark.parametrize("seed", SEEDS)
def test_sdp_and_digest_params(seed: int) -> None:
    rng = random.Random(seed)
    body = VENDOR_200.split(b"\r\n\r\n", 1)[1]
    try:
        parse_sdp(_mutate(rng, body))
    except ProtocolError:
        pass
    header = (
        b'Digest username="admin", realm="Surveillance Server", nonce="30507280", '
        b'uri="rtsp://192.168.86.232:554/0", response="5820de362eb72ee848e98105dfc24814"'
    )
    try:
        parse_authorization(_mutate(rng, header).decode("latin-1"))
    except ProtocolError:
        pass
