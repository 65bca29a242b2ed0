"""MO_O layouts: requests the client builds, answers it reads."""

from __future__ import annotations

import struct

import pytest

from custom_components.ipcam.protocols.errors import InvalidValue
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.decoder import decode_datagram
from simulator.foscam import wire as sw

from .helpers import CAMERA_ID, LOGIN_RESP_TEXT, packet


def test_verify_req_layout() -> None:
    raw = op.VerifyReq("admin", "pw").encode()
    assert struct.unpack_from("<HII", raw, 4)[0] == 2
    assert raw[23:] == b"admin".ljust(13, b"\x00") + b"pw".ljust(13, b"\x00")


def test_login_resp_fields() -> None:
    message = decode_datagram(packet(b"MO_O", 1, LOGIN_RESP_TEXT))
    assert isinstance(message, op.LoginResp)
    assert message.version == op.PROTOCOL_VERSION
    assert message.firmware == "11.37.2.56"
    assert op.camera_id_to_mac(message.camera_id) == "00:62:6e:4e:72:bf"


def test_login_resp_refused_has_only_the_result() -> None:
    raw = sw.encode(op.LoginResp(op.Result.TOO_MANY_CONNECTIONS))
    assert raw == packet(b"MO_O", 1, b"\x02\x00")
    assert decode_datagram(raw) == op.LoginResp(2)


def test_credentials_are_limited_to_12_characters() -> None:
    op.validate_credentials("a" * 12, "b" * 12)
    assert len(op.VerifyReq("a" * 12, "b" * 12).text()) == 26
    with pytest.raises(InvalidValue):
        op.validate_credentials("a" * 13, "")
    with pytest.raises(InvalidValue):
        op.VerifyReq("admin", "p" * 13).encode()
    assert "hunter2" not in repr(op.VerifyReq("admin", "hunter2"))


def test_other_devices_records() -> None:
    device = op.OtherDevice(CAMERA_ID, "garden", "10.0.0.9", 81, "admin", "secret", 1)
    raw = sw.encode(op.OtherDevicesNotify((device,)))
    text = raw[23:]
    assert len(text) == 1152
    assert text[:13] == CAMERA_ID.encode() + b"\x00"
    assert struct.unpack_from("<H", text, 13 + 21 + 65)[0] == 81
    assert decode_datagram(raw) == op.OtherDevicesNotify((device,))
    assert "secret" not in repr(device)
    with pytest.raises(InvalidValue):
        op.OtherDevice.decode(bytes(10))
    with pytest.raises(InvalidValue):
        sw.encode(op.OtherDevicesNotify((device,) * 10))


def test_alarm_without_area_and_params_accessors() -> None:
    assert decode_datagram(packet(b"MO_O", 25, b"\x02")) == op.AlarmNotify(2)
    params = op.ParamsFetchResp(bytes((32, 163, 0, 2, 2, 0, 0, 0)))
    assert params.resolution == 32
    assert params.changed(0, 8).resolution == 8
    assert params.changed(50, 8) is params
