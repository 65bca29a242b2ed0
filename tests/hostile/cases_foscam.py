"""Foscam (MO_O operation and MO_V A/V connections on the web port, CGIs for stills).

``connect`` logs in on MO_O; ``snapshot`` is a CGI (HTTP); ``video`` opens an MO_V
connection after the login; ``events`` wait on the logged-in MO_O connection;
``talk`` asks on MO_O (Talk_Start) and sends on MO_V.
"""

from __future__ import annotations

import struct
from functools import partial

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.foscam import av, framing, operation
from custom_components.ipcam.protocols.foscam.client import Client
from simulator.foscam import wire as sim_wire
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

from .behaviours import (
    HTTP_END,
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
    snapshot_cases,
    stall,
)
from .table import AfterConnect, AfterEvent, AfterMarker, Family, FromFirstByte, cases, faults


def header(magic: bytes, op: int, length: int) -> bytes:
    return struct.pack("<4sHB8sII", magic, op, 0, bytes(8), length, length)


LOGIN_OK = sim_wire.encode(operation.LoginResp(0, "00626E4E72BF"))


def stream_cases(magic: bytes, op: int) -> dict[str, Behaviour]:
    """Hostile MO_O (op = a reply op) or MO_V (op = video data) bytes."""
    valid = framing.encode_packet(magic, op, bytes(40))
    return {
        "close": close_at_once(),
        "stall": stall(),
        "random": random_bytes(),
        "huge_length": send_then_stall(header(magic, op, HUGE)),
        "flood_garbage": flood(b"", random_chunks()),
        "flood_unknown_packets": flood(b"", repeat(framing.encode_packet(magic, 999, bytes(64)))),
        "flood_magic_prefixes": flood(b"", repeat(magic[:3] + b"x")),
        "truncated": send_then_close(valid[: len(valid) // 2]),
        "truncated_header": send_then_close(valid[:10]),
    }


CONNECT = {
    **stream_cases(framing.MAGIC_OPERATION, operation.OpCode.LOGIN_RESP),
    "short_login_resp": send_then_stall(
        framing.encode_packet(framing.MAGIC_OPERATION, operation.OpCode.LOGIN_RESP, b"\0")
    ),
    "login_then_close": send_then_close(LOGIN_OK),
    "login_then_stall": send_then_stall(LOGIN_OK),
    "login_then_huge": send_then_stall(
        LOGIN_OK + header(framing.MAGIC_OPERATION, operation.OpCode.VERIFY_RESP, HUGE)
    ),
    "http_answer": send_then_close(http("400 Bad Request", {"Content-Length": "0"})),
}
AV = stream_cases(framing.MAGIC_AV, av.AvOpCode.VIDEO_DATA)
OPERATION = stream_cases(framing.MAGIC_OPERATION, operation.OpCode.ALARM_NOTIFY)


def make_client(port: int, timeout: float) -> CameraClient:
    return Client(
        "127.0.0.1",
        port,
        SIM_USERNAME,
        SIM_PASSWORD,
        timeout=timeout,
        dead_after=1.5,
        keepalive_interval=0.5,
    )


# The A/V connection (MO_V) is hostile from its first byte; the login went through.
av_connection = partial(AfterMarker, marker=b"MO_V")

FAMILY = Family(
    name="foscam",
    make_client=make_client,
    port_name="http",
    simulator={"keepalive_interval": 0.5},
    event_kind="motion",
    fault_timeout=1.0,
    operations={
        "connect": cases(FromFirstByte, CONNECT),
        "snapshot": cases(partial(FromFirstByte, wait_request=HTTP_END), snapshot_cases()),
        "video": (
            *cases(av_connection, running(AV), reconnect_after=True),
            *faults("drop", "stall"),
        ),
        "events": (
            # A logged-in operation connection (MO_O) turns hostile while events() waits.
            *cases(AfterEvent, running(OPERATION)),
            *faults("drop", "stall"),
        ),
        "talk": (
            # The operation connection turns hostile (no Talk_Start_Resp, or gone).
            *cases(AfterConnect, pick(OPERATION, "close", "stall", "random"), talk_seconds=3.0),
            # The A/V connection closes or sends nonsense: talk() ends early with an error.
            *cases(av_connection, pick(AV, "close", "huge_length", "random"), prefix="av_"),
        ),
    },
)
