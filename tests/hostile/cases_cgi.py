"""IPCamCGI (plain HTTP): what a broken web server sends to each operation.

Every operation is an HTTP GET: ``connect`` (the system information), ``snapshot``
(image.jpg), ``video`` (the MJPEG of mjpeg.cgi) and ``events`` (iocontrol.cgi polled
once a logged-in session runs). There is no talk over this protocol.
"""

from __future__ import annotations

import random
from functools import partial

from custom_components.ipcam.protocols.base import CameraClient
from custom_components.ipcam.protocols.cgi.client import Client
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

from .behaviours import (
    CHUNK,
    HTTP_END,
    HUGE,
    JPEG,
    chunked,
    close_at_once,
    flood,
    http,
    http_cases,
    pick,
    random_bytes,
    random_chunks,
    repeat,
    send_then_close,
    send_then_stall,
    snapshot_cases,
    stall,
)
from .table import AfterEvent, Case, Family, FromFirstByte, cases, faults

CONNECT = http_cases(b"Model=DCS-930L\r\nMACAddress=00:11:22:33:44:55\r\n")

MJPEG_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=--video boundary--"
    b"\r\nConnection: close\r\n\r\n"
)
MJPEG_PART = b"--video boundary--\r\nContent-length: %d\r\nContent-type: image/jpeg\r\n\r\n"
VIDEO = {
    "close": close_at_once(),
    "stall": stall(),
    "random": random_bytes(),
    "stall_after_head": send_then_stall(MJPEG_HEAD),
    "huge_part": send_then_stall(MJPEG_HEAD + MJPEG_PART % HUGE),
    "huge_part_no_jpeg_end": flood(MJPEG_HEAD + MJPEG_PART % 1000 + JPEG[:-2], repeat(b"\x00")),
    "flood_garbage": flood(MJPEG_HEAD, random_chunks()),
    "flood_boundaries": flood(MJPEG_HEAD, repeat(b"--video boundary--\r\n")),
    "flood_blank_lines": flood(MJPEG_HEAD, repeat(b"\r\n")),
    "flood_blank_in_body": flood(MJPEG_HEAD + MJPEG_PART % 1000, repeat(b"\r\n")),
    "flood_header_boundary": flood(MJPEG_HEAD, repeat(b"X-Junk: 1\r\n--video boundary--\r\n")),
    "flood_headers": flood(MJPEG_HEAD + b"--video boundary--\r\n", repeat(b"X-Junk: 1\r\n")),
    "flood_header_line": flood(MJPEG_HEAD + b"--video boundary--\r\nX-Junk: ", repeat(b"a")),
    "truncated_part": send_then_close(MJPEG_HEAD + MJPEG_PART % len(JPEG) + JPEG[:100]),
    "status_500": send_then_close(http("500 Internal Server Error", {"Content-Length": "0"})),
    "redirect_loop": send_then_close(
        http("302 Found", {"Location": "/mjpeg.cgi", "Content-Length": "0"})
    ),
    "flood_chunked": flood(
        http("200 OK", {"Transfer-Encoding": "chunked", "Content-Type": "multipart/x-mixed"}),
        lambda i: chunked(random.Random(i).randbytes(CHUNK - 16)),
    ),
}

# An endless header section must end the request after a bounded amount of it: the
# client reads its answers itself (``httpstream``, at most 16 KiB of head), not through
# aiohttp (which did not enforce max_headers: aio-libs/aiohttp#6721).
HEADER_FLOOD = Case(
    "flood_headers",
    FromFirstByte(flood(b"HTTP/1.1 200 OK\r\n", repeat(b"X-Junk: 1\r\n")), HTTP_END),
    max_read=4 * 1024 * 1024,
)


def make_client(port: int, timeout: float) -> CameraClient:
    return Client("127.0.0.1", port, SIM_USERNAME, SIM_PASSWORD, timeout=timeout, poll_interval=0.2)


first_byte = partial(FromFirstByte, wait_request=HTTP_END)

FAMILY = Family(
    name="cgi",
    make_client=make_client,
    port_name="http",
    simulator={},
    event_kind="input",
    fault_timeout=1.0,
    operations={
        "connect": (*cases(first_byte, CONNECT), HEADER_FLOOD),
        "snapshot": (*cases(first_byte, snapshot_cases()), HEADER_FLOOD),
        "video": (*cases(first_byte, VIDEO), *faults("drop", "stall")),
        "events": (
            # The camera's web server turns hostile while events() polls iocontrol.cgi.
            *cases(
                AfterEvent,
                pick(
                    CONNECT,
                    "close",
                    "random",
                    "huge_length",
                    "flood_body",
                    "truncated",
                    "status_500",
                ),
            ),
            # events() polls, one request at a time: a camera gone is one refusing.
            *faults("refuse", "stall"),
        ),
    },
)
