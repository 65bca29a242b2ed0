"""XMEye DVRIP (TCP 34567): a login, then a connection per purpose.

``connect`` logs in (and reads the system information); ``snapshot`` is OPSNAP on the
command connection (or a key frame of the stream); ``video`` logs in and claims a
monitor connection; ``events`` wait on the guarded alarm connection; ``talk`` logs in
and claims a talk connection.
"""

from __future__ import annotations

import random
import struct
from functools import partial
from typing import Any

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.client import Client
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

from .behaviours import (
    HUGE,
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
from .table import AfterConnect, AfterEvent, AfterMarker, Family, FromFirstByte, cases, faults

MsgId = wire.MsgId


def header(msg_id: int, length: int, *, total: int = 0, current: int = 0) -> bytes:
    return struct.pack("<BBBBIIBBHI", 0xFF, 1, 0, 0, 1, 0, total, current, msg_id, length)


def packet(msg_id: int, payload: bytes) -> bytes:
    return header(msg_id, len(payload)) + payload


def json_packet(msg_id: int, body: dict[str, Any]) -> bytes:
    return wire.encode_json(msg_id, body, session=1)


LOGIN_OK = json_packet(
    MsgId.LOGIN_REPLY, {"Ret": 100, "SessionID": "0x00000001", "AliveInterval": 20}
)


def fragments(index: int) -> bytes:
    """The first packet of a two-packet JSON message, a new message id every time."""
    payload = b" " * (256 * 1024)
    return header(2000 + index % 60000, len(payload), total=2) + payload


def packet_end(data: bytes) -> int | None:
    """Where the first complete DVRIP packet in ``data`` ends (None: not complete yet)."""
    if len(data) < 20:
        return None
    end = 20 + int(struct.unpack_from("<I", data, 16)[0])
    return end if len(data) >= end else None


def stream_cases(msg_id: int) -> dict[str, Behaviour]:
    """Hostile bytes where the client waits for ``msg_id`` (a reply, or media)."""
    reply = json_packet(msg_id, {"Ret": 100, "Name": "x"})
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(header(msg_id, HUGE)),
        "huge_fragment_count": send_then_stall(header(msg_id, 10, total=255) + bytes(10)),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_unknown_json": flood(b"", repeat(json_packet(9999, {"Ret": 100, "Name": "x"}))),
        "flood_fragments": flood(b"", fragments),
        "not_json": send_then_stall(packet(msg_id, b"\xff\xfenot{")),
        "json_array": send_then_stall(packet(msg_id, b"[1, 2, 3]")),
        "deep_json": send_then_stall(packet(msg_id, b"[" * 200_000)),
        "truncated": send_then_close(reply[: len(reply) // 2]),
        "truncated_header": send_then_close(reply[:10]),
    }


CONNECT = {
    **stream_cases(MsgId.LOGIN_REPLY),
    "login_then_close": send_then_close(LOGIN_OK),
    "login_then_stall": send_then_stall(LOGIN_OK),
    "login_then_garbage": send_then_stall(LOGIN_OK + random.Random(3).randbytes(4096)),
    "login_reply_without_ret": send_then_stall(json_packet(MsgId.LOGIN_REPLY, {"Name": "x"})),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}


def media_packet(payload: bytes) -> bytes:
    return wire.encode_packet(MsgId.MONITOR_DATA, payload, session=1, current=1)


def info_frame(index: int) -> bytes:
    frame = b"\x00\x00\x01\xf9" + struct.pack("<BBH", 1, 1, 200) + bytes(200)
    return media_packet(frame * 100)


MEDIA = {
    name: behaviour
    for name, behaviour in stream_cases(MsgId.MONITOR_DATA).items()
    if name not in ("not_json", "json_array")  # media is binary: the same as "random"
} | {
    "huge_frame": send_then_stall(
        media_packet(b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", 2, 25, 80, 45, 0, HUGE))
    ),
    "flood_media_garbage": flood(b"", lambda i: media_packet(random.Random(i).randbytes(8192))),
    "flood_info_frames": flood(b"", info_frame),
    "truncated_frame": send_then_close(
        media_packet(b"\x00\x00\x01\xfc" + struct.pack("<BBBBII", 2, 25, 80, 45, 0, 5000))
    ),
}
# The alarm connection turning hostile while events() waits (a stall: the fault cases).
EVENTS = pick(
    CONNECT, "close", "random", "huge_length", "flood_garbage", "flood_fragments", "deep_json",
    "truncated",
)  # fmt: skip
# The command connection (OPSNAP) and the stream fallback; the talk connection.
COMMAND = pick(CONNECT, "close", "stall", "random", "huge_length", "flood_garbage")


def make_client(port: int, timeout: float) -> CameraClient:
    return Client("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout)


# The connection logs in and claims (the reply passes); then it is hostile.
after = partial(AfterMarker, pass_through=packet_end)

FAMILY = Family(
    name="dvrip",
    make_client=make_client,
    port_name="dvrip",
    simulator={"alive_interval": 1},
    event_kind="motion",
    fault_timeout=0.5,  # a stall is seen at keep-alive + timeout
    operations={
        "connect": cases(FromFirstByte, CONNECT),
        "snapshot": cases(AfterConnect, COMMAND),
        "video": (
            *cases(partial(after, marker=b'"Claim"'), running(MEDIA)),
            *faults("drop", "stall"),
        ),
        "events": (*cases(AfterEvent, EVENTS), *faults("drop", "stall")),
        "talk": cases(partial(after, marker=b'"OPTalk"'), COMMAND),
    },
)
