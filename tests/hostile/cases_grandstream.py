"""Grandstream (RTSP and MCTP on one port).

``connect`` is an RTSP DESCRIBE with Digest; ``video`` and ``snapshot`` run
DESCRIBE/SETUP/PLAY and read interleaved RTP; ``events`` open an MCTP connection
(besides the RTSP session); ``talk`` is an MCTP talk channel.
"""

from __future__ import annotations

import struct
from functools import partial

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.grandstream.client import Client
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

from .behaviours import (
    GUARD,
    HTTP_END,
    HUGE,
    TIMEOUT,
    Behaviour,
    close_at_once,
    flood,
    http,
    pick,
    random_bytes,
    random_chunks,
    repeat,
    running,
    send_then_close,
    send_then_stall,
    stall,
)
from .table import AfterEvent, AfterMarker, Case, Family, FromFirstByte, cases, faults


def rtsp(status: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    lines = [f"RTSP/1.0 {status}", "CSeq: 1", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


SDP = (
    b"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=GXV\r\nt=0 0\r\n"
    b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"
)


def interleaved(channel: int, payload: bytes) -> bytes:
    return struct.pack("!cBH", b"$", channel, len(payload)) + payload


def rtp_packet(payload: bytes, sequence: int = 0, marker: bool = False) -> bytes:
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | 96, sequence, 0, 1) + payload


def fu_a_start(index: int) -> bytes:
    """FU-A fragments of one never-ending IDR unit (start once, then middles)."""
    indicator, header = 0x7C, (0x80 if index == 0 else 0x00) | 5
    return interleaved(0, rtp_packet(bytes([indicator, header]) + bytes(60000), index & 0xFFFF))


def stream_cases() -> dict[str, Behaviour]:
    """Hostile bytes where the client waits for an RTSP answer or interleaved media."""
    reply = rtsp("200 OK", {"Content-Type": "application/sdp"}, SDP)
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: %d\r\n\r\n" % HUGE
        ),
        "long_length": send_then_stall(
            b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 60000000\r\n\r\n"
        ),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_line_ends": flood(b"", repeat(b"\r\n")),
        "flood_headers": flood(b"RTSP/1.0 200 OK\r\n", repeat(b"X-Junk: 1\r\n")),
        "flood_rtcp": flood(b"", repeat(interleaved(1, bytes(1000)))),
        "flood_other_channel": flood(b"", repeat(interleaved(4, rtp_packet(bytes(1000))))),
        "flood_bad_rtp": flood(b"", repeat(interleaved(0, bytes(1000)))),
        "truncated": send_then_close(reply[: len(reply) - 20]),
        "truncated_interleaved": send_then_close(interleaved(0, rtp_packet(bytes(100)))[:50]),
    }


CONNECT = {
    **stream_cases(),
    "status_500": send_then_close(rtsp("500 Internal Server Error")),
    "redirect": send_then_close(rtsp("302 Moved", {"Location": "rtsp://127.0.0.1:1/0"})),
    "unauthorized_without_digest": send_then_stall(
        rtsp("401 Unauthorized", {"WWW-Authenticate": 'Basic realm="x"'})
    ),
    "unauthorized_forever": flood(
        b"",
        repeat(rtsp("401 Unauthorized", {"WWW-Authenticate": 'Digest realm="x", nonce="abc"'})),
    ),
    "not_sdp": send_then_stall(rtsp("200 OK", {}, b"<html>hello</html>")),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}
MEDIA = {
    **stream_cases(),
    "flood_fu_a": flood(b"", fu_a_start),
    "session_gone": send_then_stall(rtsp("454 Session Not Found")),
}
MCTP = {
    "close": close_at_once(),
    "stall": stall(),
    "random": random_bytes(),
    "flood_garbage": flood(b"", random_chunks()),
    "flood_newlines": flood(b"", repeat(b"\n")),
    "flood_long_line": flood(b"CMD:ALIVE MCTP/1.0 SC\r\n@", repeat(b"1")),
    "flood_lines": flood(b"CMD:ALIVE MCTP/1.0 SC\r\n", repeat(b"@1@2@3\r\n")),
    "truncated": send_then_close(b"CMD:ALIVE MCTP/1.0 SC\r\n@FFFF"),
}
SNAPSHOT = pick(
    MEDIA, "close", "stall", "random", "flood_rtcp", "flood_fu_a", "truncated_interleaved"
)


def head_end(data: bytes) -> int | None:
    end = data.find(b"\r\n\r\n")
    return None if end < 0 else end + 4


def make_client(port: int, timeout: float) -> CameraClient:
    return Client(
        "127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout, keepalive_interval=0.25
    )


# DESCRIBE, SETUP and PLAY go through (PLAY's answer too); then the stream is hostile.
after_play = partial(AfterMarker, marker=b"PLAY ", pass_through=head_end)

FAMILY = Family(
    name="grandstream",
    make_client=make_client,
    port_name="rtsp",
    simulator={},
    event_kind="motion",
    fault_timeout=1.0,
    operations={
        "connect": cases(partial(FromFirstByte, wait_request=HTTP_END), CONNECT),
        "snapshot": cases(after_play, SNAPSHOT, guard=GUARD + 2 * TIMEOUT),
        "video": (*cases(after_play, running(MEDIA)), *faults("drop", "stall")),
        "events": (
            # The MCTP connection (and the RTSP session) turn hostile while events() waits.
            *cases(AfterEvent, running(MCTP)),
            # The MCTP connection is hostile from its first byte (the RTSP session is real).
            *cases(
                partial(AfterMarker, marker=b"MCTP/"),
                {name: b for name, b in MCTP.items() if name != "flood_newlines"},
                prefix="handshake_",
            ),
            *faults("drop", "stall"),
        ),
        "talk": (
            *cases(FromFirstByte, MCTP, talk_seconds=3.0),
            # The camera accepts the talk channel, then goes away: talk() ends with an error.
            Case(
                "accepted_then_closed",
                FromFirstByte(send_then_close(b"CMD:TALK MCTP/1.0 SC\r\n@0@1@1@\r\n")),
            ),
        ),
    },
)
