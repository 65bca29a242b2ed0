"""The probe CLI, run as a user runs it, against every simulated camera."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from custom_components.ipcam.protocols.audio.pcm import tone_pcm, wav_bytes
from custom_components.ipcam.protocols.jpeg import jpeg_size
from tests.conftest import SIM_PASSWORD, SIM_USERNAME, StartSimulator

ROOT = Path(__file__).resolve().parents[2]


async def probe(*args: str, timeout: float = 60) -> tuple[int, dict[str, Any], str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "custom_components.ipcam.protocols.probe",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    report = json.loads(stdout) if stdout.strip() else {}
    return process.returncode, report, stderr.decode()


def _target(vendor: str, port: int, password: str = SIM_PASSWORD) -> list[str]:
    return [
        "--vendor", vendor, "--host", "127.0.0.1", "--port", str(port),
        "--username", SIM_USERNAME, "--password", password, "--timeout", "10",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("vendor", "codec"),
    [("cgi", "jpeg"), ("foscam", "jpeg"), ("dvrip", "h264"), ("grandstream", "h264")],
)
async def test_snapshot_and_frames(
    start_simulator: StartSimulator, tmp_path: Path, vendor: str, codec: str
) -> None:
    camera = await start_simulator(vendor)
    port = next(iter(camera.ports.values()))
    snapshot = tmp_path / "snap.jpg"
    code, report, stderr = await probe(
        *_target(vendor, port), "--snapshot", str(snapshot), "--frames", "5"
    )
    assert code == 0, stderr
    assert report["vendor"] == vendor
    assert report["device"]["name"]
    assert "snapshot" in report["capabilities"]
    assert report["snapshot"]["bytes"] == snapshot.stat().st_size
    assert (report["snapshot"]["width"], report["snapshot"]["height"]) == jpeg_size(
        snapshot.read_bytes()
    )
    assert report["frames"]["count"] == 5
    assert report["frames"]["codec"] == codec
    assert report["frames"]["width"] > 0


@pytest.mark.parametrize(
    ("vendor", "kind", "expected"),
    [
        ("cgi", "input", "input"),  # polled from iocontrol.cgi
        ("foscam", "motion", "motion"),
        ("dvrip", "human", "human"),
        ("grandstream", "input", "input"),
    ],
)
async def test_events(
    start_simulator: StartSimulator, vendor: str, kind: str, expected: str
) -> None:
    camera = await start_simulator(vendor)
    port = next(iter(camera.ports.values()))
    task = asyncio.create_task(probe(*_target(vendor, port), "--events", "4"))

    async def push_when_listening() -> None:
        for _ in range(30):
            await asyncio.sleep(0.2)
            await camera.push_event(kind, True, 0)

    pusher = asyncio.create_task(push_when_listening())
    code, report, stderr = await task
    pusher.cancel()
    assert code == 0, stderr
    assert any(e["kind"] == expected and e["active"] for e in report["events"])


@pytest.mark.parametrize(
    ("io_order", "expected"),
    [
        # Trigger1 is on. Read the JPLUG way, the document's digits say "input 1 on": the
        # client follows the document, sees no inputs it could tell from the outputs.
        ("document", None),
        # The JPLUG digits put Trigger1 at digit 8, proving the order: inputs are polled.
        ("jplug", ("input", True, 2)),
    ],
)
async def test_cgi_events_from_the_date_digits(
    start_simulator: StartSimulator, io_order: str, expected: tuple[str, bool, int] | None
) -> None:
    camera = await start_simulator("cgi", io_order=io_order, iocontrol_inputs=False)
    camera.io["trigger1"] = 1  # type: ignore[attr-defined]
    port = next(iter(camera.ports.values()))
    task = asyncio.create_task(probe(*_target("cgi", port), "--events", "3"))

    async def push_when_listening() -> None:
        await asyncio.sleep(1.5)
        await camera.push_event("input", True, 2)

    pusher = asyncio.create_task(push_when_listening())
    code, report, stderr = await task
    await pusher
    if expected is None:
        assert code == 5, stderr
        assert "does not report its alarm inputs" in stderr
        return
    assert code == 0, stderr
    assert "inputs" in report["capabilities"]
    events = [(e["kind"], e["active"], e["channel"]) for e in report["events"]]
    assert events[0] == ("input", False, 1)  # each input's state first
    assert expected in events  # input 2 went active while listening (or before: then first)
    assert ("input", True, 1) not in events  # the output is never an input


async def test_settings_ptz_and_reboot_on_cgi(start_simulator: StartSimulator) -> None:
    camera = await start_simulator("cgi")
    port = camera.ports["http"]
    code, report, stderr = await probe(
        *_target("cgi", port),
        "--alarm-out", "on", "--led", "off", "--resolution", "320x240", "--ptz", "left",
    )  # fmt: skip
    assert code == 0, stderr
    assert report["alarm_out"] == "on"
    assert report["led"] == "off"
    assert report["resolution"] == "320x240"
    assert camera.vendor_state()["io"]["trigger1"] == 1
    assert camera.vendor_state()["resolution"] == "320x240"
    code, report, _ = await probe(*_target("cgi", port), "--reboot")
    assert code == 0
    assert report["reboot"] is True
    await asyncio.sleep(0.2)
    assert camera.reboots == 1


async def test_white_light_and_unconfirmed_ptz_on_dvrip(start_simulator: StartSimulator) -> None:
    camera = await start_simulator("dvrip", ptz_flag="false")  # says no head, yet moves
    code, report, stderr = await probe(
        *_target("dvrip", camera.ports["dvrip"]), "--white-light", "on", "--ptz", "right"
    )
    assert code == 0, stderr
    assert report["white_light"] == "on"
    assert report["ptz"] == {"action": "right", "ok": True}
    assert "led" not in report["capabilities"]
    assert {"white_light", "ptz", "motion_arming"} <= set(report["capabilities"])
    assert camera.vendor_state()["settings"]["white_light"] == "KeepOpen"
    assert camera.vendor_state()["ptz_commands"][0]["command"] == "DirectionRight"


async def test_audio_recording_and_talk_on_foscam(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    camera = await start_simulator("foscam")
    port = camera.ports["http"]
    out = tmp_path / "audio.wav"
    tone = tmp_path / "tone.wav"
    tone.write_bytes(wav_bytes(tone_pcm(600, 1.0)))
    code, report, stderr = await probe(
        *_target("foscam", port),
        "--audio-seconds", "1", "--audio-out", str(out), "--talk", str(tone),
    )  # fmt: skip
    assert code == 0, stderr
    assert abs(report["audio"]["dominant_hz"] - 1000) <= 10  # the simulator's microphone tone
    assert out.read_bytes().startswith(b"RIFF")
    assert 0.9 <= report["talk"]["seconds"] <= 1.1
    assert abs(camera.talk_statistics()["dominant_hz"] - 600) <= 10


async def test_exit_codes(start_simulator: StartSimulator, tmp_path: Path) -> None:
    camera = await start_simulator("dvrip")
    port = camera.ports["dvrip"]
    code, report, stderr = await probe(*_target("dvrip", port, password="wrong"))
    assert code == 3
    assert report == {}
    assert "Traceback" not in stderr
    assert "wrong" not in stderr  # the password never reaches the output
    assert len(stderr.strip().splitlines()) == 1

    code, _, stderr = await probe(*_target("cgi", 1))
    assert code == 4
    assert "Traceback" not in stderr

    code, _, stderr = await probe(*_target("cgi", port))  # a DVRIP port is no CGI camera
    assert code in (4, 5)
    assert "Traceback" not in stderr

    code, _, stderr = await probe(*_target("dvrip", port), "--resolution", "big")
    assert code == 2
    code, _, stderr = await probe("--vendor", "nope", "--host", "x")
    assert code == 2
    code, _, stderr = await probe(*_target("cgi", port), "--talk", str(tmp_path / "none.wav"))
    assert code in (2, 4, 5)


async def test_in_process_run_covers_every_action(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    """The same code path without a subprocess (so coverage sees it)."""
    from custom_components.ipcam.protocols import probe as probe_module

    camera = await start_simulator("dvrip")
    tone = tmp_path / "tone.wav"
    tone.write_bytes(wav_bytes(tone_pcm(500, 0.5)))
    args = probe_module._parser().parse_args(
        [
            *_target("dvrip", camera.ports["dvrip"]),
            "--channel", "0",
            "--snapshot", str(tmp_path / "s.jpg"),
            "--frames", "3",
            "--events", "0.5",
            "--talk", str(tone),
            "--ptz", "up",
            "--alarm-out", "on",
            "--resolution", "640x480",
        ]
    )  # fmt: skip
    probe_module._check_args(args)
    report = await probe_module.run(args)
    assert report["frames"]["count"] == 3
    assert report["alarm_out"] == "on"
    assert report["resolution"] == "640x480"
    assert report["ptz"] == {"action": "up", "ok": True}
    assert 0.45 <= report["talk"]["seconds"] <= 0.6
    assert report["events"] == []
    assert camera.vendor_state()["settings"]["alarm_out"][0] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["--frames", "0"],
        ["--events", "-1"],
        ["--audio-seconds", "1"],
        ["--ptz", "sideways"],
        ["--ptz", "preset:x"],
        ["--resolution", "640"],
        ["--port", "70000"],
        ["--channel", "-1"],
    ],
)
def test_bad_arguments_are_usage_errors(argv: list[str]) -> None:
    from custom_components.ipcam.protocols import probe as probe_module

    args = probe_module._parser().parse_args(["--vendor", "cgi", "--host", "h", *argv])
    with pytest.raises(probe_module.UsageError):
        probe_module._check_args(args)
    assert probe_module.main(["--vendor", "cgi", "--host", "h", *argv]) == 2


def test_exit_code_mapping() -> None:
    from custom_components.ipcam.protocols import errors
    from custom_components.ipcam.protocols import probe as probe_module

    assert probe_module._exit_code(errors.AuthError()) == 3
    assert probe_module._exit_code(errors.AccountLocked()) == 3
    assert probe_module._exit_code(errors.CannotConnect()) == 4
    assert probe_module._exit_code(errors.DeviceBusy()) == 4
    assert probe_module._exit_code(TimeoutError()) == 4
    assert probe_module._exit_code(errors.ProtocolError()) == 5
    assert probe_module._exit_code(errors.NotSupported()) == 5
    assert probe_module._exit_code(errors.InvalidValue()) == 5
    assert probe_module._exit_code(RuntimeError()) == 5
