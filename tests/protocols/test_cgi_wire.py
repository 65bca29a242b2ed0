"""IPCamCGI wire format: Name=Value parsing, requests, typed groups, Date: state."""

from __future__ import annotations

import dataclasses
import random

import pytest

from custom_components.ipcam.protocols.cgi import wire
from custom_components.ipcam.protocols.cgi.wire import (
    DateTimeConfig,
    EmailConfig,
    FtpConfig,
    ImageConfig,
    IoFlags,
    IoOrder,
    MotionConfig,
    NetworkConfig,
    PanTiltMove,
    SystemConfig,
    SystemInfo,
    UserEntry,
    WirelessConfig,
)
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError

# --- Name=Value parsing (notes: test vectors) ---


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("CameraName = Front door", "CameraName", "Front door"),
        ("UserName =admin", "UserName", "admin"),
        ("FTPPassword=a=b", "FTPPassword", "a=b"),
    ],
)
def test_name_value_vectors(line: str, key: str, value: str) -> None:
    params = wire.parse_params(line.encode())
    assert params.pairs == [(key, value)]
    assert params[key] == value


def test_result_lines_are_ignored() -> None:
    params = wire.parse_params(b"<result>\r\nCameraName=x\r\n</result>\r\n")
    assert params.pairs == [("CameraName", "x")]
    assert wire.parse_params(b"<result>").pairs == []


def test_crlf_lf_and_case_insensitive_names() -> None:
    body = b"cameraname=A\nLocation = Hall \r\nMODEL=DCS-930L\r\n\r\n"
    params = wire.parse_params(body)
    assert params["CameraName"] == "A"
    assert params["location"] == "Hall"
    assert params["Model"] == "DCS-930L"
    assert "MoDeL" in params
    assert "Firmware" not in params
    assert len(params) == 3


def test_document_name_with_space() -> None:
    """The document prints ``FTPSchedule FileMode``; it is ``FTPScheduleFileMode``."""
    params = wire.parse_params(b"FTPSchedule FileMode=2\r\nFTPManual FileMode = 1\r\n")
    ftp = wire.from_params(FtpConfig, params)
    assert ftp.schedule_file_mode == 2
    assert ftp.manual_file_mode == 1


def test_iocontrol_read_format() -> None:
    body = b"Trigger1=1&Trigger2=0&ImageUpload=1&ImageEmail=0&CurrentTime=2008-10-01 15:37:53"
    status = wire.parse_io_status(body)
    assert (status.trigger1, status.trigger2, status.image_upload, status.image_email) == (
        1,
        0,
        1,
        0,
    )
    assert status.current_time == "2008-10-01 15:37:53"
    assert status.input1 is None
    # One pair per line is accepted as well, and the Input1/Input2 extension.
    lines = b"Trigger1=0\r\nTrigger2=1\r\nImageUpload=0\r\nImageEmail=1\r\nInput1=1\r\nInput2=0\r\n"
    status = wire.parse_io_status(lines)
    assert (status.trigger2, status.image_email, status.input1, status.input2) == (1, 1, 1, 0)
    with pytest.raises(ProtocolError):
        wire.parse_io_status(b"Hello=1")


def test_garbage_and_oversize_bodies() -> None:
    with pytest.raises(ProtocolError):
        wire.parse_params(b"this is not a CGI answer\r\n")
    with pytest.raises(ProtocolError):
        wire.parse_params(b"A=1\n" * (wire.MAX_BODY // 4 + 1))
    with pytest.raises(ProtocolError):
        wire.parse_params("\n".join(["A=1"] * (wire.MAX_LINES + 1)))
    # Lines without "=" between valid ones are skipped, not fatal.
    assert wire.parse_params(b"junk\r\nA=1\r\n")["A"] == "1"


def test_user_list_spec_style() -> None:
    body = (
        b"UserName =alice\r\nUserPassword =pw1\r\nUserPrivilege =1\r\n"
        b"UserName =bob\r\nUserPassword =pw2\r\nUserPrivilege =0\r\n"
    )
    users = wire.parse_list(UserEntry, wire.parse_params(body), "UserName")
    assert [(u.user_name, u.user_password, u.user_privilege) for u in users] == [
        ("alice", "pw1", 1),
        ("bob", "pw2", 0),
    ]
    assert "pw1" not in repr(users[0])
    too_many = b"UserName=x\r\n" * (wire.MAX_LIST_ENTRIES + 1)
    with pytest.raises(ProtocolError):
        wire.parse_list(UserEntry, wire.parse_params(too_many), "UserName")


def test_active_user_list() -> None:
    body = (
        b"UserIPAddress =192.168.0.5\r\nUserName =admin\r\n"
        b"AccessDateTime =2008-10-01 10:39:46\r\nMinisecondPerPacket =66\r\n"
    )
    (user,) = wire.parse_list(wire.ActiveUser, wire.parse_params(body), "UserIPAddress")
    assert user.user_ip_address == "192.168.0.5"
    assert user.access_date_time == "2008-10-01 10:39:46"
    assert user.ms_per_packet == 66


# --- requests ---


def test_jplug_iocontrol_body_vector() -> None:
    body = wire.format_form_body(wire.io_control(0, 0, 0, 0))
    assert body == b"Trigger1=0&Trigger2=0&ImageUpload=0&ImageEmail=0\r\n\r\n"
    assert len(body) == 52


def test_jplug_pantilt_body_vector() -> None:
    body = wire.format_form_body(wire.pt_single_move(PanTiltMove.UP, 5, 5))
    assert body == b"PanSingleMoveDegree=5&TiltSingleMoveDegree=5&PanTiltSingleMove=1\r\n\r\n"
    assert len(body) == 68


def test_query_encoding_round_trip() -> None:
    params = {"CameraName": "Front door & porch", "Location": "a=b/c"}
    query = wire.format_query(params)
    assert " " not in query
    assert query.startswith("CameraName=Front%20door%20%26%20porch&")
    assert wire.parse_request(query) == list(params.items())
    assert wire.parse_request(query.encode() + b"\r\n\r\n") == list(params.items())


def test_parse_request_rejects_bad_names() -> None:
    assert wire.parse_request("") == []
    with pytest.raises(ProtocolError):
        wire.parse_request("Bad-Name=1")
    with pytest.raises(ProtocolError):
        wire.parse_request("novalue")


def test_config_write_adds_config_reboot() -> None:
    image = ImageConfig(frame_rate=15)
    assert wire.config_write(image, only=["frame_rate"]) == {
        "FrameRate": "15",
        "ConfigReboot": "No",
    }
    assert wire.config_write(image, only=["frame_rate"], reboot=True)["ConfigReboot"] == "Yes"
    with pytest.raises(InvalidValue):
        wire.config_write(SystemInfo())


def test_pan_tilt_requests() -> None:
    assert wire.pt_preset_move(0) == {"PanTiltPresetPositionMove": "0"}
    assert wire.pt_set_preset(3, 340, 135, "Door") == {
        "PanTiltHorizontal": "340",
        "PanTiltVertical": "135",
        "SetName": "Door",
        "SetPosition": "3",
    }
    assert wire.pt_clear_preset(24) == {"ClearPosition": "24"}
    assert wire.pt_swing(2) == {"PanTiltSwingMode": "2"}
    assert wire.pt_move_position(10, 20) == {
        "PanTiltHorizontal": "10",
        "PanTiltVertical": "20",
        "PanTiltPositionMove": "true",
    }
    for bad in (
        lambda: wire.pt_preset_move(25),
        lambda: wire.pt_set_preset(0, 1, 1, "home"),
        lambda: wire.pt_set_preset(1, 341, 1, "x"),
        lambda: wire.pt_set_preset(1, 1, 136, "x"),
        lambda: wire.pt_set_preset(1, 1, 1, "x" * 13),
        lambda: wire.pt_clear_preset(0),
        lambda: wire.pt_swing(1),
        lambda: wire.pt_single_move(2),
        lambda: wire.pt_single_move(PanTiltMove.LEFT, 11, 5),
        lambda: wire.pt_single_move(PanTiltMove.LEFT, 5, 0),
    ):
        with pytest.raises(InvalidValue):
            bad()


def test_users_reset_com() -> None:
    assert wire.user_add(UserEntry("bob", "pw", 1)) == {
        "UserName": "bob",
        "UserPassword": "pw",
        "UserPrivilege": "1",
        "UserAdd": "Yes",
    }
    assert wire.user_delete("bob") == {"UserName": "bob", "UserDelete": "Yes"}
    with pytest.raises(InvalidValue):
        wire.user_add(UserEntry("a-very-long-name", "pw", 0))
    with pytest.raises(InvalidValue):
        wire.user_add(UserEntry("bob", "toolongpw", 0))
    assert wire.RESTART == {"Reset": "Yes"}
    assert wire.FACTORY_RESET == {"FactoryReset": "Yes"}
    assert wire.com_out("AT\x01") == {"ComOut": "AT\x01", "ComSend": "Yes"}
    with pytest.raises(InvalidValue):
        wire.com_out("")


# --- typed groups ---

GROUPS = [
    SystemConfig("Cam", "Hall", "admin", "secret", 2),
    DateTimeConfig(0, "pool.ntp.org", 1, -5, 15, "2004-09-01", "06:12:35"),
    ImageConfig(2, 4, 20, 1, 128, 64, 0, 3, 1),
    NetworkConfig(
        1,
        "192.168.0.20",
        "255.255.255.0",
        "192.168.0.1",
        "ppp",
        "pw",
        "8.8.8.8",
        "1.1.1.1",
        1,
        "DynDNS",
        "cam.example.org",
        "me",
        "pw",
        3,
        81,
        0,
    ),
    WirelessConfig(1, "my ssid", 11, "5.5 Mb", 4, 1, "0123456789", "", "", "", "Key 2", 100, 1),
    FtpConfig(host_address="ftp.example.org", port_number=2121, schedule_day=0b1111111),
    EmailConfig(smtp_server="smtp.example.org", sender_address="cam@example.org"),
    MotionConfig(1, 80, "1111100000111110000011111", 1, 1 | 64, "06:00:00", "18:00:00"),
]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: type(g).__name__)
def test_group_round_trip(group: wire.CgiGroup) -> None:
    wire.validate(group)
    body = wire.format_params(wire.to_pairs(group))
    assert wire.from_params(type(group), wire.parse_params(body)) == group
    spaced = wire.format_params(wire.to_pairs(group), spaced=True)
    assert wire.from_params(type(group), wire.parse_params(spaced)) == group


def test_time_zone_is_signed() -> None:
    pairs = dict(wire.to_pairs(DateTimeConfig(time_zone=8)))
    assert pairs["TimeZone"] == "+8"
    assert dict(wire.to_pairs(DateTimeConfig(time_zone=0)))["TimeZone"] == "0"
    assert dict(wire.to_pairs(DateTimeConfig(time_zone=-12)))["TimeZone"] == "-12"


def test_missing_names_keep_defaults_bad_values_raise() -> None:
    image = wire.from_params(ImageConfig, wire.parse_params(b"FrameRate=5\r\n"))
    assert image.frame_rate == 5
    assert image.video_resolution == ImageConfig().video_resolution
    with pytest.raises(ProtocolError):
        wire.from_params(ImageConfig, wire.parse_params(b"FrameRate=fast\r\n"))


@pytest.mark.parametrize(
    ("group", "field", "value"),
    [
        (ImageConfig(), "frame_rate", 3),
        (ImageConfig(), "video_resolution", 3),
        (ImageConfig(), "brightness", 0),
        (ImageConfig(), "brightness", 129),
        (ImageConfig(), "mirror", 4),
        (ImageConfig(), "frame_rate", True),
        (ImageConfig(), "frame_rate", "5"),
        (SystemConfig(), "camera_name", "x" * 33),
        (SystemConfig(), "location", "x" * 65),
        (SystemConfig(), "admin_id", ""),
        (SystemConfig(), "led_control", 3),
        (SystemConfig(), "camera_name", "two\r\nlines"),
        (DateTimeConfig(), "time", "24:00:00"),
        (DateTimeConfig(), "date", "2004-13-01"),
        (DateTimeConfig(), "time_zone", 14),
        (DateTimeConfig(), "time_zone_index", 85),
        (DateTimeConfig(), "time_server", "bad host name"),
        (NetworkConfig(), "ip_address", "256.1.1.1"),
        (NetworkConfig(), "ip_address", "camera.local"),
        (NetworkConfig(), "ip_address_mode", 2),
        (NetworkConfig(), "second_http_port_enable", 1),
        (NetworkConfig(), "second_http_port", 0),
        (WirelessConfig(), "wireless_channel", 15),
        (WirelessConfig(), "transmission_rate", "100 Mb"),
        (WirelessConfig(), "key1", "1234"),
        (WirelessConfig(), "pre_shared_key", "short"),
        (WirelessConfig(), "tx_key", "Key 5"),
        (FtpConfig(), "schedule_mode", 2),
        (FtpConfig(), "schedule_frame_per_second", "4"),
        (FtpConfig(), "schedule_day", 128),
        (EmailConfig(), "receiver_address", "not-an-address"),
        (MotionConfig(), "block_set", "11111"),
    ],
)
def test_invalid_values(group: wire.CgiGroup, field: str, value: object) -> None:
    bad = dataclasses.replace(group, **{field: value})  # type: ignore[type-var]
    with pytest.raises(InvalidValue):
        wire.to_params(bad)


def test_valid_edge_values() -> None:
    wire.validate(WirelessConfig(pre_shared_key="a" * 8, key1="abcde", wep_key_format=0))
    wire.validate(WirelessConfig(pre_shared_key="0" * 64, key1="0123456789abcdef0123456789"))
    wire.validate(DateTimeConfig(time_server="192.168.0.1", time_zone=13, time_zone_index=84))
    wire.validate(ImageConfig(brightness=1, contrast=128, frame_rate=0))


def test_field_lookup_is_case_and_space_insensitive() -> None:
    assert wire.field_by_name(FtpConfig, "FTPSCHEDULE FILEMODE") is not None
    assert wire.field_by_name(ImageConfig, "framerate") is not None
    assert wire.field_by_name(ImageConfig, "Bogus") is None


def test_system_info_mac_forms() -> None:
    info = wire.from_params(SystemInfo, wire.parse_params(b"MACAddress=00 FF 5C 8A 13 18\r\n"))
    assert info.mac == "00:ff:5c:8a:13:18"
    assert wire.normalize_mac("00:40:8C:CD:00:00") == "00:40:8c:cd:00:00"
    assert wire.normalize_mac("garbage") == ""


def test_cgi_version() -> None:
    assert wire.parse_cgi_version(b"CGIVersion=2\r\n") == 2
    with pytest.raises(ProtocolError):
        wire.parse_cgi_version(b"Version=2\r\n")


def test_secrets_not_in_repr() -> None:
    text = repr(SystemConfig(admin_password="hunter2")) + repr(NetworkConfig(pppoe_password="p1"))
    assert "hunter2" not in text
    assert "p1" not in text


# --- Date: header (notes: test vectors) ---


def test_date_header_vector_jplug_offsets() -> None:
    header = "Date: 03-28-2025 12:32:19 IO_00000000_PT_191_010"
    state = wire.parse_date_header(header)
    assert (state.io, state.pan, state.tilt) == ("00000000", 191, 10)
    assert state.time == "03-28-2025 12:32:19"
    # JPLUG's fixed offsets fit this form exactly.
    assert header[6:25] == state.time
    assert header[29:37] == state.io
    assert header[41:44] == "191"
    assert header[45:48] == "010"


def test_date_header_vector_with_am() -> None:
    header = "Date: 03-28-2025 12:32:19 AM IO_00000000_PT_191_010"
    state = wire.parse_date_header(header)
    assert (state.io, state.pan, state.tilt) == ("00000000", 191, 10)
    assert state.time == "03-28-2025 12:32:19 AM"
    assert header[41:44] != "191"  # fixed offsets would be 3 off


def test_date_header_document_form_and_errors() -> None:
    state = wire.parse_date_header("2008-10-01 15:37:53 IO_10100000_PT_340_135")
    assert (state.time, state.pan, state.tilt) == ("2008-10-01 15:37:53", 340, 135)
    for bad in ("Date: 2008-10-01 15:37:53", "IO_1010_PT_340_135", "IO_10100002_PT_1_2", "x" * 300):
        with pytest.raises(ProtocolError):
            wire.parse_date_header(bad)


def test_io_digit_orders() -> None:
    # JPLUG: digit 8 Trigger1, 7 Trigger2, 6 ImageUpload, 5 ImageEmail, 1-2 inputs.
    assert wire.decode_io("00000001") == IoFlags(trigger1=True, input1=False, input2=False)
    assert wire.decode_io("00000010").trigger2
    assert wire.decode_io("00000100").image_upload
    assert wire.decode_io("00001000").image_email
    assert wire.decode_io("10000000").input1
    assert wire.decode_io("01000000").input2
    # The document: 1st Trigger1, 2nd Trigger2, 3rd ImageUpload, 4th ImageEmail.
    doc = wire.decode_io("10100000", IoOrder.DOCUMENT)
    assert (doc.trigger1, doc.trigger2, doc.image_upload, doc.image_email) == (
        True,
        False,
        True,
        False,
    )
    assert doc.input1 is None
    with pytest.raises(ProtocolError):
        wire.decode_io("0000000")


@pytest.mark.parametrize("bits", range(64))
def test_io_round_trip(bits: int) -> None:
    flags = IoFlags(*(bool(bits >> i & 1) for i in range(6)))
    assert wire.decode_io(wire.encode_io(flags)) == flags
    outputs = dataclasses.replace(flags, input1=None, input2=None)
    assert wire.decode_io(wire.encode_io(outputs, IoOrder.DOCUMENT), IoOrder.DOCUMENT) == outputs


def test_format_date_header() -> None:
    value = wire.format_date_header("2008-10-01 15:37:53", "00000011", 5, 67)
    assert value == "2008-10-01 15:37:53 IO_00000011_PT_005_067"
    assert wire.parse_date_header(value).flags().trigger2


# --- motion (D-Link extension; notes' vectors) ---


def test_motion_vectors() -> None:
    body = (
        b"MotionDetectionEnable=1\r\nMotionDetectionBlockSet=1111100000111110000011111\r\n"
        b"MotionDetectionScheduleDay=65\r\n"
    )
    motion = wire.from_params(MotionConfig, wire.parse_params(body))
    assert motion.block_set == "1111100000111110000011111"
    assert len(motion.block_set) == 25
    assert motion.schedule_day == 1 | 64  # Sunday and Saturday
    wire.validate(motion)


def test_fuzzed_answers_only_raise_protocol_error() -> None:
    rng = random.Random(99)
    groups = [type(g) for g in GROUPS] + [SystemInfo, wire.IoStatus, wire.ImageInfo]
    seeds = [wire.format_params(wire.to_pairs(g)) for g in GROUPS]
    for _ in range(500):
        body = bytearray(rng.choice(seeds))
        for _ in range(rng.randrange(1, 6)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        for cls in groups:
            try:
                wire.from_params(cls, wire.parse_params(bytes(body)))
            except ProtocolError:
                pass
        try:
            wire.parse_io_status(bytes(body))
        except ProtocolError:
            pass
        try:
            wire.parse_date_header(bytes(body[:80]).decode("latin-1"))
        except ProtocolError:
            pass
