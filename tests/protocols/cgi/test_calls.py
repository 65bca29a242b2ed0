"""Which IPCamCGI CGI answers what: calls as data, answers read from bytes, status codes."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.cgi import calls
from custom_components.ipcam.protocols.cgi.groups import (
    ImageConfig,
    ImageInfo,
    IoStatus,
    SystemConfig,
    UserEntry,
)
from custom_components.ipcam.protocols.errors import (
    AuthError,
    CameraError,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from simulator.cgi.answers import format_params, to_pairs
from simulator.media import jpeg_cycle
from tests.protocols.cgi.inputs import cases


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, AuthError),
        (403, AuthError),
        (503, DeviceBusy),
        (400, InvalidValue),
        (404, NotSupported),
        (500, ProtocolError),
        (302, ProtocolError),
    ],
)
def test_status_codes(status: int, error: type[CameraError]) -> None:
    with pytest.raises(error):
        calls.check_status(status, "/x.cgi", b"detail")
    calls.check_status(200, "/x.cgi")
    calls.check_status(204, "/x.cgi")


def test_bad_request_keeps_the_cameras_reason() -> None:
    with pytest.raises(InvalidValue, match="400 Bad Request\\): FrameRate: 3"):
        calls.check_status(400, "/image.cgi", b"FrameRate: 3 is not one of ...")


def test_get_and_post_forms() -> None:
    read = calls.read_group(ImageConfig)
    assert (read.target, read.body, read.headers, read.post) == ("/image.cgi", None, None, False)
    write = calls.write_group(ImageConfig, {"frame_rate": 5}, reboot=True)
    assert write.target == "/image.cgi?FrameRate=5&ConfigReboot=Yes"
    control = calls.io_write(IoStatus(trigger2=1), trigger1=True)
    assert control.target == "/iocontrol.cgi"
    assert control.body == b"Trigger1=1&Trigger2=1&ImageUpload=0&ImageEmail=0"
    assert control.headers == {"Content-Type": "application/x-www-form-urlencoded"}
    assert calls.raw("/a.cgi", {"B": "c d"}).target == "/a.cgi?B=c%20d"


def test_io_write_carries_over_and_names_unknown_flags() -> None:
    current = IoStatus(trigger1=1, trigger2=0, image_upload=1, image_email=0)
    assert calls.io_write(current).body == b"Trigger1=1&Trigger2=0&ImageUpload=1&ImageEmail=0"
    both = calls.io_write(current, trigger1=False, image_email=True, trigger2=None)
    assert both.body == b"Trigger1=0&Trigger2=0&ImageUpload=1&ImageEmail=1"
    with pytest.raises(InvalidValue, match="no flag trigger3"):
        calls.io_write(current, trigger3=True)


def test_group_answers() -> None:
    image = ImageConfig(frame_rate=20)
    answer = format_params(to_pairs(image))
    assert calls.read_group(ImageConfig).read(answer) == image
    write = calls.write_group(ImageConfig, {"frame_rate": 20})
    assert write.read(answer) == image
    # No table in the answer (empty, or only a <result> block): read the group again.
    assert write.read(b"") is None
    assert write.read(b"<result>OK</result>\r\n") is None
    assert write.read(b"ConfigReboot=No\r\n") is None
    with pytest.raises(ProtocolError):
        write.read(b"FrameRate=fast\r\nVideoResolution=1\r\n")
    with pytest.raises(InvalidValue):
        calls.write_group(SystemConfig, {"led_control": 7})
    with pytest.raises(InvalidValue):
        calls.write_group(SystemConfig, {"nonsense": 1})


def test_fallbacks_for_firmware_names() -> None:
    assert calls.read_group(ImageConfig).fallback is None
    info = calls.read_group(ImageInfo)
    assert (info.path, info.fallback and info.fallback.path) == ("/iimage.cgi", "/image.cgi")
    active = calls.active_users()
    assert (active.path, active.fallback and active.fallback.path) == (
        "/activeuser.cgi",
        "/iactiveuser.cgi",
    )
    snapshot = calls.snapshot(1000)
    assert (snapshot.limit, snapshot.fallback and snapshot.fallback.path) == (
        1000,
        "/image/jpeg.cgi",
    )


def test_snapshot_must_be_a_jpeg() -> None:
    jpeg = jpeg_cycle(160, 120)[0]
    assert calls.snapshot(10**6).read(jpeg + b"\r\n\r\n") == jpeg
    with pytest.raises(ProtocolError, match="JPEG"):
        calls.snapshot(10**6).read(b"GIF89a")


def test_lists_and_small_answers() -> None:
    users = b"UserName =a\r\nUserPassword =b\r\nUserPrivilege =1\r\n"
    assert calls.users().read(users) == [UserEntry("a", "b", 1)]
    assert calls.add_user(UserEntry("a", "b", 1)).params[-1] == ("UserAdd", "Yes")
    assert calls.delete_user("a").params == (("UserName", "a"), ("UserDelete", "Yes"))
    assert (
        calls.active_users().read(b"UserIPAddress =1.2.3.4\r\nUserName =x\r\n")[0].user_name == "x"
    )
    assert calls.cgi_version().read(b"CGIVersion=2") == 2
    assert calls.reset().params == (("Reset", "Yes"),)
    assert calls.reset(factory=True).params == (("FactoryReset", "Yes"),)
    assert calls.com_send("AT").read(b"") is None
    assert calls.pan_tilt({"ClearPosition": "3"}).post


def test_urls() -> None:
    assert calls.base_url("192.0.2.1", 80) == "http://192.0.2.1:80"
    assert calls.base_url("fe80::1", 8080) == "http://[fe80::1]:8080"
    assert calls.stream_url("http://cam:80", "ad min", "p@ss:w/rd") == (
        "http://ad%20min:p%40ss%3Aw%2Frd@cam:80/mjpeg.cgi"
    )


def test_property_every_answer_reader_raises_only_camera_errors() -> None:
    """Random and mutated bodies given to every call's reader: a value or a CameraError."""
    readers: list[calls.Call[Any]] = [
        calls.read_group(ImageConfig),
        calls.read_group(ImageInfo),
        calls.write_group(ImageConfig, {"frame_rate": 5}),
        calls.io_status(),
        calls.users(),
        calls.active_users(),
        calls.cgi_version(),
        calls.snapshot(4096),
    ]
    valid = [
        format_params(to_pairs(ImageConfig())),
        b"Trigger1=0&Trigger2=1&ImageUpload=0&ImageEmail=0&Input1=1&Input2=0",
        b"UserName =a\r\nUserPassword =b\r\nUserPrivilege =1\r\n",
        b"CGIVersion=2\r\n",
        jpeg_cycle(160, 120)[0][:400],
    ]
    for data in cases(seed=51, valid=valid, count=300):
        for call in readers:
            try:
                call.read(data)
            except CameraError:
                pass
