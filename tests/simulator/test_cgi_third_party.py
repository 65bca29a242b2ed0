"""Third-party clients against the IPCamCGI simulator: curl and PyAV (FFmpeg)."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
import shutil
from typing import Any

import av
import pytest

from custom_components.ipcam.protocols.cgi import ptz
from custom_components.ipcam.protocols.cgi.client import Client
from custom_components.ipcam.protocols.cgi.groups import (
    ImageConfig,
    io_control,
    normalize_mac,
    parse_io_status,
)
from custom_components.ipcam.protocols.cgi.mjpeg import MjpegParser, MjpegPart, jpeg_size
from custom_components.ipcam.protocols.cgi.query import format_form_body, format_query, parse_params
from simulator.cgi import CgiCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

CURL = shutil.which("curl") or "/usr/bin/curl"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@pytest.fixture
async def cam(start_simulator: Any) -> CgiCamera:
    camera = await start_simulator("cgi")
    assert isinstance(camera, CgiCamera)
    return camera


def base(cam: CgiCamera) -> str:
    return f"http://127.0.0.1:{cam.ports['http']}"


async def curl(*args: str) -> tuple[int, bytes]:
    """Run curl without blocking the event loop the simulator runs on."""
    process = await asyncio.create_subprocess_exec(
        CURL,
        "-s",
        "--max-time",
        "20",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


async def test_curl_reads_system_info(cam: CgiCamera) -> None:
    code, out = await curl("-i", "-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", base(cam) + "/isystem.cgi")
    assert code == 0
    status, headers, body = split_response(out)
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    params = parse_params(body)
    assert params["Model"] == "DCS-930L"
    assert normalize_mac(params["MACAddress"]) == cam.mac


async def test_curl_without_credentials_gets_401(cam: CgiCamera) -> None:
    code, out = await curl("-i", base(cam) + "/system.cgi")
    status, headers, _ = split_response(out)
    assert status == 401
    assert headers["www-authenticate"].startswith("Basic realm=")
    code, out = await curl("-i", "-u", "admin:wrong", base(cam) + "/image.jpg")
    assert split_response(out)[0] == 401


async def test_curl_jplug_style_post_upper_case_path(cam: CgiCamera) -> None:
    """JPLUG: POST /IOCONTROL.CGI, ``Content-length: 52``, body + CRLF CRLF."""
    body = format_form_body(io_control(1, 1, 0, 0))
    assert len(body) == 52
    code, out = await curl(
        "-i",
        "-u",
        f"{SIM_USERNAME}:{SIM_PASSWORD}",
        "-H",
        "User-Agent: user",
        "-H",
        "Content-Type:",
        "--data-binary",
        body.decode(),
        base(cam) + "/IOCONTROL.CGI",
    )
    assert code == 0
    assert split_response(out)[0] == 204
    assert cam.io == {"trigger1": 1, "trigger2": 1, "image_upload": 0, "image_email": 0}
    code, out = await curl("-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", base(cam) + "/iocontrol.cgi")
    status = parse_io_status(out)
    assert (status.trigger1, status.trigger2) == (1, 1)


async def test_curl_get_query_pantilt(cam: CgiCamera) -> None:
    query = format_query(ptz.single_move(ptz.PanTiltMove.UP, 5, 5))
    code, out = await curl(
        "-i", "-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", f"{base(cam)}/pantiltcontrol.cgi?{query}"
    )
    assert split_response(out)[0] == 204
    assert (cam.pan, cam.tilt) == (170, 72)
    code, out = await curl(
        "-i",
        "-u",
        f"{SIM_USERNAME}:{SIM_PASSWORD}",
        f"{base(cam)}/pantiltcontrol.cgi?PanTiltSingleMove=9",
    )
    assert split_response(out)[0] == 400
    assert (cam.pan, cam.tilt) == (170, 72)


async def test_curl_snapshot(cam: CgiCamera) -> None:
    code, out = await curl("-u", f"{SIM_USERNAME}:{SIM_PASSWORD}", base(cam) + "/image.jpg")
    assert code == 0
    assert out.startswith(b"\xff\xd8")
    assert jpeg_size(out) == (320, 240)


async def test_curl_mjpeg_stream(cam: CgiCamera) -> None:
    process = await asyncio.create_subprocess_exec(
        CURL,
        "-s",
        "-N",
        "-i",
        "-u",
        f"{SIM_USERNAME}:{SIM_PASSWORD}",
        base(cam) + "/MJPEG.CGI",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    raw = b""
    parts: list[MjpegPart] = []
    parser = MjpegParser()
    headers: dict[str, str] = {}
    try:
        async with asyncio.timeout(20):
            while len(parts) < 3:
                chunk = await process.stdout.read(65536)
                assert chunk, "curl ended the stream"
                if not headers:
                    raw += chunk
                    if b"\r\n\r\n" not in raw:
                        continue
                    status, headers, chunk = split_response(raw)
                    assert status == 200
                parts += parser.feed(chunk)
    finally:
        process.kill()
        await process.wait()
    assert headers["content-type"] == "multipart/x-mixed-replace;boundary=--video boundary--"
    assert all(jpeg_size(p.jpeg) == (320, 240) for p in parts)
    assert all(p.state is not None and p.state.io == "00000000" for p in parts)
    assert "content-length" in parts[0].headers


async def test_curl_fourth_stream_gets_503(cam: CgiCamera) -> None:
    client = Client("127.0.0.1", cam.ports["http"], SIM_USERNAME, SIM_PASSWORD, timeout=5)
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(3):
            stream = await stack.enter_async_context(contextlib.aclosing(client.video()))
            await anext(stream)
        code, out = await curl(
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-u",
            f"{SIM_USERNAME}:{SIM_PASSWORD}",
            base(cam) + "/mjpeg.cgi",
        )
        assert out == b"503"
    await client.close()


def decode_frames(url: str, fmt: str, count: int) -> list[tuple[int, int]]:
    sizes: list[tuple[int, int]] = []
    with av.open(url, format=fmt, timeout=10) as container:
        for frame in container.decode(video=0):
            sizes.append((frame.width, frame.height))
            if len(sizes) == count:
                break
    return sizes


@pytest.mark.parametrize("fmt", ["mjpeg", "mpjpeg"])
async def test_pyav_decodes_the_mjpeg_stream(cam: CgiCamera, fmt: str) -> None:
    client = Client("127.0.0.1", cam.ports["http"], SIM_USERNAME, SIM_PASSWORD)
    url = client.stream_url()
    await client.close()
    assert url == f"http://{SIM_USERNAME}:{SIM_PASSWORD}@127.0.0.1:{cam.ports['http']}/mjpeg.cgi"
    cam.image = ImageConfig(video_resolution=0, frame_rate=20)
    sizes = await asyncio.to_thread(decode_frames, url, fmt, 5)
    assert sizes == [(160, 120)] * 5
    assert cam.frames_sent >= 5


async def test_pyav_with_wrong_password_fails(cam: CgiCamera) -> None:
    url = f"http://admin:wrong@127.0.0.1:{cam.ports['http']}/mjpeg.cgi"
    with pytest.raises(av.error.FFmpegError):
        await asyncio.to_thread(decode_frames, url, "mjpeg", 1)


def basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


async def raw_http(cam: CgiCamera, request: bytes, limit: int = 65536) -> bytes:
    """Send bytes exactly as an old applet would (HTTP/1.0) and read the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", cam.ports["http"])
    try:
        writer.write(request)
        await writer.drain()
        data = b""
        async with asyncio.timeout(10):
            while len(data) < limit:
                chunk = await reader.read(limit - len(data))
                if not chunk:
                    break
                data += chunk
        return data
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def test_jplug_exact_pantilt_request(cam: CgiCamera) -> None:
    """JPLUG's bytes: upper-case path, ``Content-length`` with a lower-case l, CRLF CRLF body."""
    body = b"PanSingleMoveDegree=5&TiltSingleMoveDegree=5&PanTiltSingleMove=3\r\n\r\n"
    request = (
        b"POST /PANTILTCONTROL.CGI HTTP/1.0\r\nUser-Agent: user\r\n"
        + f"Authorization: Basic {basic(SIM_USERNAME, SIM_PASSWORD)}\r\n".encode()
        + f"Content-length: {len(body)}\r\n\r\n".encode()
        + body
    )
    answer = await raw_http(cam, request)
    assert answer.startswith(b"HTTP/1.0 204")
    assert (cam.pan, cam.tilt) == (165, 67)


@pytest.mark.parametrize(
    ("io_order", "digits"),
    [("document", "01000000"), ("jplug", "10000010")],
)
async def test_http10_mjpeg_part_layout(start_simulator: Any, io_order: str, digits: str) -> None:
    """The exact framing: boundary line, Content-length, Date with IO/PT, Content-type, JPEG.

    Trigger2 on and input 1 active: the document's order shows only the outputs (2nd
    digit), D-Link's applet's order puts Trigger2 at digit 7 and input 1 at digit 1.
    """
    cam = await start_simulator("cgi", io_order=io_order, iocontrol_inputs=False)
    cam.io["trigger2"] = 1
    await cam.push_event("input", True, 1)
    answer = await raw_http(
        cam,
        b"GET /iocontrol.cgi HTTP/1.0\r\n"
        + f"Authorization: Basic {basic(SIM_USERNAME, SIM_PASSWORD)}\r\n\r\n".encode(),
    )
    status = parse_io_status(answer.partition(b"\r\n\r\n")[2])
    assert (status.trigger2, status.input1) == (1, None)  # no Input1/2: iocontrol_inputs off
    request = (
        b"GET /mjpeg.cgi HTTP/1.0\r\nUser-Agent: user\r\n"
        + f"Authorization: Basic {basic(SIM_USERNAME, SIM_PASSWORD)}\r\n\r\n".encode()
    )
    answer = await raw_http(cam, request, limit=20000)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200")
    assert b"\r\nContent-Type: multipart/x-mixed-replace;boundary=--video boundary--" in head
    assert b"Transfer-Encoding" not in head
    match = re.match(
        rb"--video boundary--\r\nContent-length: (\d+)\r\n"
        rb"Date: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d IO_" + digits.encode() + rb"_PT_170_067\r\n"
        rb"Content-type: image/jpeg\r\n\r\n",
        body,
    )
    assert match is not None, body[:200]
    length = int(match.group(1))
    jpeg = body[match.end() : match.end() + length]
    assert jpeg.startswith(b"\xff\xd8")
    assert jpeg.endswith(b"\xff\xd9")
    assert body[match.end() + length :].startswith(b"\r\n\r\n--video boundary--\r\n")
