"""IPCamCGI groups and request parameters: iocontrol.cgi, users, reset, COM port, MAC."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.cgi import groups
from custom_components.ipcam.protocols.cgi.fields import (
    MAX_LIST_ENTRIES,
    from_params,
    parse_list,
    validate,
)
from custom_components.ipcam.protocols.cgi.groups import (
    ActiveUser,
    ImageConfig,
    MotionConfig,
    SystemInfo,
    UserAccessConfig,
    UserEntry,
)
from custom_components.ipcam.protocols.cgi.query import parse_params
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError


def test_iocontrol_read_format() -> None:
    body = b"Trigger1=1&Trigger2=0&ImageUpload=1&ImageEmail=0&CurrentTime=2008-10-01 15:37:53"
    status = groups.parse_io_status(body)
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
    status = groups.parse_io_status(lines)
    assert (status.trigger2, status.image_email, status.input1, status.input2) == (1, 1, 1, 0)
    with pytest.raises(ProtocolError):
        groups.parse_io_status(b"Hello=1")


def test_user_list_spec_style() -> None:
    body = (
        b"UserName =alice\r\nUserPassword =pw1\r\nUserPrivilege =1\r\n"
        b"UserName =bob\r\nUserPassword =pw2\r\nUserPrivilege =0\r\n"
    )
    users = parse_list(UserEntry, parse_params(body), "UserName")
    assert [(u.user_name, u.user_password, u.user_privilege) for u in users] == [
        ("alice", "pw1", 1),
        ("bob", "pw2", 0),
    ]
    assert "pw1" not in repr(users[0])
    too_many = b"UserName=x\r\n" * (MAX_LIST_ENTRIES + 1)
    with pytest.raises(ProtocolError):
        parse_list(UserEntry, parse_params(too_many), "UserName")


def test_active_user_list() -> None:
    body = (
        b"UserIPAddress =192.168.0.5\r\nUserName =admin\r\n"
        b"AccessDateTime =2008-10-01 10:39:46\r\nMinisecondPerPacket =66\r\n"
    )
    (user,) = parse_list(ActiveUser, parse_params(body), "UserIPAddress")
    assert user.user_ip_address == "192.168.0.5"
    assert user.access_date_time == "2008-10-01 10:39:46"
    assert user.ms_per_packet == 66


def test_users_reset_com() -> None:
    assert groups.user_add(UserEntry("bob", "pw", 1)) == {
        "UserName": "bob",
        "UserPassword": "pw",
        "UserPrivilege": "1",
        "UserAdd": "Yes",
    }
    assert groups.user_delete("bob") == {"UserName": "bob", "UserDelete": "Yes"}
    with pytest.raises(InvalidValue):
        groups.user_add(UserEntry("a-very-long-name", "pw", 0))
    with pytest.raises(InvalidValue):
        groups.user_add(UserEntry("bob", "toolongpw", 0))
    with pytest.raises(InvalidValue, match="UserName"):
        groups.user_delete("")
    assert groups.RESTART == {"Reset": "Yes"}
    assert groups.FACTORY_RESET == {"FactoryReset": "Yes"}
    assert groups.com_out("AT\x01") == {"ComOut": "AT\x01", "ComSend": "Yes"}
    with pytest.raises(InvalidValue):
        groups.com_out("")


def test_io_control_sends_all_four_flags() -> None:
    assert groups.io_control(True, 0, 1, False) == {
        "Trigger1": "1",
        "Trigger2": "0",
        "ImageUpload": "1",
        "ImageEmail": "0",
    }


def test_system_info_mac_forms() -> None:
    info = from_params(SystemInfo, parse_params(b"MACAddress=00 FF 5C 8A 13 18\r\n"))
    assert info.mac == "00:ff:5c:8a:13:18"
    assert groups.normalize_mac("00:40:8C:CD:00:00") == "00:40:8c:cd:00:00"
    assert groups.normalize_mac("0040-8ccd-0000") == "00:40:8c:cd:00:00"
    assert groups.normalize_mac("garbage") == ""


def test_cgi_version() -> None:
    assert groups.parse_cgi_version(b"CGIVersion=2\r\n") == 2
    with pytest.raises(ProtocolError):
        groups.parse_cgi_version(b"Version=2\r\n")


def test_image_size_and_access_control() -> None:
    assert ImageConfig(video_resolution=2).size == (640, 480)
    assert ImageConfig(video_resolution=9).size == (320, 240)  # unknown: the default
    assert UserAccessConfig(access_control_enable=0).enabled  # 0 means enabled
    assert not UserAccessConfig(access_control_enable=1).enabled


# --- motion (D-Link extension; docs/protocols/cgi.md, "Test vectors") ---


def test_motion_vectors() -> None:
    body = (
        b"MotionDetectionEnable=1\r\nMotionDetectionBlockSet=1111100000111110000011111\r\n"
        b"MotionDetectionScheduleDay=65\r\n"
    )
    motion = from_params(MotionConfig, parse_params(body))
    assert motion.block_set == "1111100000111110000011111"
    assert len(motion.block_set) == 25
    assert motion.schedule_day == 1 | 64  # Sunday and Saturday
    validate(motion)
