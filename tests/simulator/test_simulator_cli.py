"""``python -m simulator``: one process, every vendor, driven through its control API with curl."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CURL = shutil.which("curl")


async def _curl(*args: str) -> tuple[int, str]:
    assert CURL is not None
    process = await asyncio.create_subprocess_exec(
        CURL, "-s", "-o", "-", "-w", "\n%{http_code}", *args, stdout=asyncio.subprocess.PIPE
    )
    stdout, _ = await asyncio.wait_for(process.communicate(), 30)
    body, _, code = stdout.decode(errors="replace").rpartition("\n")
    return int(code), body


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_all_vendors_in_one_process(socket_enabled: None) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--vendor", "all", "--password", "pw",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        ready = json.loads(line)
        assert ready["ready"] is True
        assert set(ready["ports"]) == {"cgi", "foscam", "dvrip", "grandstream"}
        control = f"http://127.0.0.1:{ready['control_port']}"

        code, body = await _curl(f"{control}/")
        assert code == 200
        assert json.loads(body)["dvrip"] == ready["ports"]["dvrip"]

        code, body = await _curl(f"{control}/state")  # ambiguous with several cameras
        assert code == 400

        code, body = await _curl(f"{control}/cgi/state")
        assert code == 200
        assert json.loads(body)["vendor"] == "cgi"

        code, _ = await _curl(
            "-X", "POST", "-d", '{"kind": "input", "active": true, "channel": 2}',
            f"{control}/cgi/event",
        )  # fmt: skip
        assert code == 200
        _, body = await _curl(f"{control}/cgi/state")
        assert json.loads(body)["inputs"]["2"] == 1

        code, body = await _curl("-X", "POST", "-d", '{"kind": "nope"}', f"{control}/cgi/event")
        assert code == 400
        code, _ = await _curl("-X", "POST", "-d", "not json", f"{control}/foscam/event")
        assert code == 400
        code, _ = await _curl("-X", "POST", "-d", '{"kind": "melt"}', f"{control}/dvrip/fault")
        assert code == 400
        code, _ = await _curl(
            "-X", "POST", "-d", '{"kind": "drop", "seconds": 0}', f"{control}/dvrip/fault"
        )
        assert code == 200
        code, _ = await _curl(f"{control}/nobody/state")
        assert code == 404

        code, body = await _curl(f"{control}/foscam/talk.wav")
        assert code == 200
        code, _ = await _curl("-X", "DELETE", f"{control}/foscam/talk")
        assert code == 200

        # The CGI camera itself answers curl with Basic auth.
        cgi = ready["ports"]["cgi"]["http"]
        code, body = await _curl("-u", "admin:pw", f"http://127.0.0.1:{cgi}/isystem.cgi")
        assert code == 200
        assert "MacAddress" in body or "Model" in body
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)
    assert process.returncode in (0, -15)


def test_bad_port_reports_an_error(socket_enabled: None) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "simulator", "--vendor", "cgi", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 1
    assert "simulator:" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.skipif(CURL is None, reason="curl is not installed")
async def test_serial_inputs_and_channels_options(socket_enabled: None) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "simulator", "--vendor", "all", "--serial", "00:0b:82:aa:bb:cc",
        "--inputs", "3", "--channels", "4", cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
        control = f"http://127.0.0.1:{ready['control_port']}"
        _, body = await _curl(f"{control}/grandstream/state")
        state = json.loads(body)
        assert (state["inputs"], state["mac"]) == (3, "00:0b:82:aa:bb:cc")
        assert (state["logins"], state["rejected_logins"]) == (0, 0)
        _, body = await _curl(f"{control}/foscam/state")
        assert json.loads(body)["camera_id"] == "000B82AABBCC"
        _, body = await _curl(f"{control}/cgi/state")
        assert json.loads(body)["mac"] == "00:0b:82:aa:bb:cc"
        _, body = await _curl(f"{control}/dvrip/state")
        state = json.loads(body)
        assert (state["channels"], state["serial"]) == (4, "00:0b:82:aa:bb:cc")
        assert state["channel_titles"] == ["CAM01", "CAM02", "CAM03", "CAM04"]
        assert (state["logins"], state["rejected_logins"]) == (0, 0)
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 20)


async def test_search_port_option(socket_enabled: None) -> None:
    """--search-port fixes where the LAN search answer listens, for DVRIP and Foscam."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    for vendor, key in (("dvrip", "dvrip_discovery"), ("foscam", "search")):
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "simulator", "--vendor", vendor, "--search-port", str(free),
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            assert process.stdout is not None
            ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 60))
            assert ready["ports"][key] == free
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), 20)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vendor", "cgi", "--search-port", "10000"], "--search-port does not apply to cgi"),
        (["--vendor", "dvrip", "--inputs", "2"], "--inputs does not apply to dvrip"),
        (["--vendor", "cgi", "--channels", "2"], "--channels does not apply to cgi"),
        (["--vendor", "dvrip", "--channels", "0"], "channels must be between 1 and 64"),
        (["--vendor", "grandstream", "--inputs", "9"], "inputs must be 1 to 4"),
        (["--vendor", "foscam", "--serial", "nope"], "not a MAC address"),
    ],
)
def test_option_errors(socket_enabled: None, args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
