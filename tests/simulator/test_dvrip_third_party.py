"""python-dvr (NeiroNx/python-dvr, PyPI ``python-dvr==0.0.1``) against our DVRIP simulator.

python-dvr is a blocking, thread-based client, so each scenario runs in a worker
thread (``asyncio.to_thread``) while the simulator serves on the event loop.

python-dvr 0.0.1's ``alarmStart()`` starts its reader thread before it sends
Guard and both compete for one lock, so these tests send Guard through its own
``get_command`` first and then start its ``alarm_thread`` (the same code,
deterministic order).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import av
import pytest

from simulator.dvrip import DvripCamera
from tests.conftest import SIM_PASSWORD, SIM_USERNAME

dvrip = pytest.importorskip("dvrip", reason="python-dvr is in requirements_test.txt")

Start = Callable[..., Awaitable[Any]]


async def _camera(start_simulator: Start) -> DvripCamera:
    camera = await start_simulator("dvrip")
    assert isinstance(camera, DvripCamera)
    return camera


def _cam(camera: DvripCamera, password: str = SIM_PASSWORD, timeout: float = 3) -> Any:
    cam = dvrip.DVRIPCam(
        "127.0.0.1", port=camera.ports["dvrip"], user=SIM_USERNAME, password=password
    )
    cam.connect(timeout=timeout)
    return cam


def _close(cam: Any, *threads: threading.Thread) -> None:
    cam.close()
    if cam.alive is not None:
        cam.alive.join(5)
    for thread in threads:
        thread.join(5)
        assert not thread.is_alive()


async def test_python_dvr_login_info_ptz_alarm_out_and_alarms(start_simulator: Start) -> None:
    camera = await _camera(start_simulator)
    loop = asyncio.get_running_loop()

    def scenario() -> dict[str, Any]:
        result: dict[str, Any] = {}
        bad = _cam(camera, password="not-the-password")
        result["bad_login"] = bad.login()
        _close(bad)

        # Short socket timeout: python-dvr's alarm thread only notices close() on a timeout.
        cam = _cam(camera, timeout=0.5)
        alarms: list[tuple[dict[str, Any], int]] = []
        reader: threading.Thread | None = None
        try:
            result["login"] = cam.login()
            result["session"] = cam.session
            result["alive"] = cam.alive_time
            result["info"] = cam.get_system_info()
            result["function"] = cam.get_system_capabilities()
            result["encode"] = cam.get_encode_info()
            # PTZ: start (Preset 65535), then the same command with Preset -1 stops.
            result["ptz_start"] = cam.ptz("DirectionRight", preset=65535)
            result["ptz_moving"] = camera.vendor_state()["ptz"][0]["moving"]
            result["ptz_stop"] = cam.ptz("DirectionRight", preset=-1)
            result["ptz_state"] = camera.vendor_state()["ptz"][0]
            result["set_alarm_out"] = cam.set_info(
                "Alarm.AlarmOut", [{"AlarmOutStatus": "OPEN", "AlarmOutType": "MANUAL"}]
            )
            result["alarm_out"] = cam.get_info("Alarm.AlarmOut")
            result["time"] = cam.get_time()
            # Alarms: Guard, then python-dvr's own reader thread and callback.
            cam.setAlarm(lambda info, seq: alarms.append((info, seq)))
            result["guard"] = cam.get_command("", cam.QCODES["AlarmSet"])
            reader = threading.Thread(target=cam.alarm_thread, args=[cam.busy], daemon=True)
            reader.start()
            for kind, active in (("motion", True), ("input", True), ("motion", False)):
                asyncio.run_coroutine_threadsafe(camera.push_event(kind, active, 0), loop).result(5)
            for _ in range(100):
                if len(alarms) >= 3:
                    break
                threading.Event().wait(0.05)
            result["alarms"] = list(alarms)
        finally:
            _close(cam, *([reader] if reader else []))
        return result

    result = await asyncio.to_thread(scenario)
    assert result["bad_login"] is False
    assert result["login"] is True
    assert result["session"] == 1  # the failed login allocated no session
    assert result["alive"] == 20
    info = result["info"]
    assert info["SerialNo"] == camera.serial
    assert info["HardWare"] == "HI3516D_83H50N"
    assert result["function"]["OtherFunction"]["SupportPTZDirectionControl"] is True
    assert result["encode"][0]["MainFormat"]["Video"]["Resolution"] == "VGA"
    assert result["ptz_start"]["Ret"] == 100
    assert result["ptz_moving"] == "DirectionRight"
    assert result["ptz_stop"]["Ret"] == 100
    assert result["ptz_state"]["moving"] is None
    assert result["ptz_state"]["pan"] > 0
    assert result["set_alarm_out"]["Ret"] == 100
    assert result["alarm_out"] == [{"AlarmOutStatus": "OPEN", "AlarmOutType": "MANUAL"}]
    assert camera.vendor_state()["settings"]["alarm_out"] == [True]
    assert result["time"].year >= 2024
    assert result["guard"]["Ret"] == 100
    events = [(info["Event"], info["Status"], info["Channel"]) for info, _seq in result["alarms"]]
    assert events == [
        ("VideoMotion", "Start", 0),
        ("LocalAlarm", "Start", 0),
        ("VideoMotion", "Stop", 0),
    ]


async def test_python_dvr_snapshot_and_monitor(start_simulator: Start) -> None:
    camera = await _camera(start_simulator)

    def scenario() -> tuple[bytes, list[tuple[bytes, dict[str, Any]]]]:
        snap_cam = _cam(camera)
        try:
            assert snap_cam.login()
            jpeg = bytes(snap_cam.snapshot())
        finally:
            _close(snap_cam)
        frames: list[tuple[bytes, dict[str, Any]]] = []
        cam = _cam(camera)
        try:
            assert cam.login()

            def on_frame(frame: bytes, meta: dict[str, Any], _user: object) -> None:
                frames.append((bytes(frame), dict(meta)))
                if len(frames) >= 20:
                    cam.stop_monitor()

            cam.start_monitor(on_frame)
        finally:
            _close(cam)
        return jpeg, frames

    jpeg, frames = await asyncio.to_thread(scenario)
    assert jpeg[:4] == b"\xff\xd8\xff\xe0"
    codec: Any = av.CodecContext.create("mjpeg", "r")
    (picture,) = codec.decode(av.Packet(jpeg))
    assert (picture.width, picture.height) == (640, 480)

    video = [(data, meta) for data, meta in frames if meta.get("frame") in ("I", "P")]
    audio = [(data, meta) for data, meta in frames if meta.get("type") == "g711a"]
    assert video
    assert audio
    first_data, first_meta = video[0]
    assert (first_meta["frame"], first_meta["type"]) == ("I", "h264")
    assert any(meta["frame"] == "P" for _data, meta in video)
    assert (first_meta["width"], first_meta["height"], first_meta["fps"]) == (640, 480, 25)
    decoder: Any = av.CodecContext.create("h264", "r")
    decoded = []
    for data, _meta in video:
        decoded += decoder.decode(av.Packet(data))
    assert decoded
    assert {(f.width, f.height) for f in decoded} == {(640, 480)}
