"""DVRIP return codes: the library error each failing ``Ret`` means."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.dvrip.codes import MsgId, Ret, login_error, ret_error
from custom_components.ipcam.protocols.errors import (
    AccountLocked,
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)


@pytest.mark.parametrize(
    ("ret", "error"),
    [
        (203, AuthError),
        (106, AuthError),
        (202, AuthError),
        (204, AuthError),
        (206, AuthError),
        (205, AccountLocked),
        (104, DeviceBusy),
        (207, DeviceBusy),
        (212, DeviceBusy),
        (101, ProtocolError),
        (None, ProtocolError),
    ],
)
def test_login_errors(ret: int | None, error: type[CameraError]) -> None:
    found = login_error(ret)
    assert type(found) is error
    assert str(ret) in str(found)


@pytest.mark.parametrize(
    ("ret", "error"),
    [
        (607, NotSupported),
        (205, AccountLocked),
        (105, AuthError),
        (107, AuthError),
        (503, DeviceBusy),
        (608, InvalidValue),
        (103, InvalidValue),
        (117, InvalidValue),
        (502, ProtocolError),
        (121, CannotConnect),  # a recorder channel without a camera (for now)
        (None, ProtocolError),
    ],
)
def test_errors_after_login(ret: int | None, error: type[CameraError]) -> None:
    found = ret_error(ret, "message 1040 (Alarm.AlarmOut)")
    assert type(found) is error
    assert "Alarm.AlarmOut" in str(found)


def test_replies_are_requests_plus_one() -> None:
    names = {member.name: member.value for member in MsgId}
    for name, value in names.items():
        if name + "_REPLY" in names:
            assert names[name + "_REPLY"] == value + 1, name
    assert Ret.OK == 100
