"""The simulated IPCamCGI camera's own parts: pan/tilt head, accounts, request checks."""

from __future__ import annotations

import base64

import pytest

from custom_components.ipcam.protocols.cgi.groups import ImageConfig, SystemConfig, UserEntry
from simulator.cgi.accounts import (
    ADMIN,
    ANYONE,
    OPERATOR,
    VIEWER,
    access_level,
    change_users,
    user_name,
)
from simulator.cgi.pantilt import HOME, PanTiltHead
from simulator.cgi.requests import BadRequest, apply_changes


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_pan_tilt_head() -> None:
    head = PanTiltHead()
    head.command([("PanTiltSingleMove", "5"), ("PanSingleMoveDegree", "10")])
    assert (head.pan, head.tilt) == (HOME[0] + 10, HOME[1])
    head.command([("PanTiltHorizontal", "10"), ("PanTiltVertical", "20"), ("SetPosition", "1")])
    head.command([("SetPosition", "2"), ("SetName", "Gate")])  # at the current position
    assert head.presets == {1: (10, 20, "Preset 1"), 2: (HOME[0] + 10, HOME[1], "Gate")}
    head.command([("PanTiltSwingMode", "2")])
    assert head.swing == 2
    head.swing_step(0)
    assert (head.pan, head.tilt) == (10, 20)
    head.swing_step(3)
    assert (head.pan, head.tilt) == (HOME[0] + 10, HOME[1])
    head.command([("PanTiltPresetPositionMove", "0")])
    assert (head.pan, head.tilt, head.swing) == (*HOME, 0)
    head.command([("ClearPosition", "1")])
    assert list(head.presets) == [2]


@pytest.mark.parametrize(
    "params",
    [
        [("PanTiltSingleMove", "1"), ("PanTiltSingleMove", "1")],  # given twice
        [("PanSingleMoveDegree", "5")],  # no command
        [("PanTiltSingleMove", "1"), ("ClearPosition", "1")],  # two commands
        [("ClearPosition", "1"), ("SetName", "x")],  # a parameter of another command
        [("PanTiltSingleMove", "\u00b2")],  # digits int() refuses
        [("PanTiltSingleMove", "1"), ("PanSingleMoveDegree", "11")],
        [("SetPosition", "1"), ("SetName", "x" * 13)],
        [("PanTiltSwingMode", "2")],  # no preset to swing between
        [("PanTiltPositionMove", "false"), ("PanTiltHorizontal", "1"), ("PanTiltVertical", "1")],
        [("PanTiltPositionMove", "true"), ("PanTiltHorizontal", "1")],  # tilt missing
    ],
)
def test_pan_tilt_head_rejects(params: list[tuple[str, str]]) -> None:
    head = PanTiltHead()
    with pytest.raises(BadRequest):
        head.command(params)
    assert (head.pan, head.tilt, head.presets, head.swing) == (*HOME, {}, 0)


def test_access_levels() -> None:
    system = SystemConfig(admin_id="admin", admin_password="pw")
    users = [UserEntry("view", "v", 0), UserEntry("oper", "o", 1)]
    assert access_level(basic("admin", "pw"), system, users) == ADMIN
    assert access_level(basic("oper", "o"), system, users) == OPERATOR
    assert access_level(basic("view", "v"), system, users) == VIEWER
    for header in (basic("view", "x"), "", "Digest abc", "Basic !!!", "Basic " + "bm9jb2xvbg=="):
        assert access_level(header, system, users) == ANYONE
    assert user_name(basic("oper", "o")) == "oper"
    assert user_name("Basic \xff") == ""


def test_user_list_changes() -> None:
    users = change_users([], "admin", [("UserName", "bob"), ("UserAdd", "Yes")])
    assert users == [UserEntry("bob", "", 0)]
    for params in (
        [("UserName", "bob"), ("UserAdd", "Yes")],  # exists
        [("UserName", "admin"), ("UserAdd", "Yes")],  # the administrator's name
        [("UserName", "x"), ("UserAdd", "Yes"), ("UserPrivilege", "2")],
        [("UserName", "x"), ("UserAdd", "Yes"), ("Colour", "red")],
        [("UserName", "nobody"), ("UserDelete", "Yes")],
        [("UserName", "bob")],
    ):
        with pytest.raises(BadRequest):
            change_users(users, "admin", params)
    full = [UserEntry(f"u{i}", "p", 0) for i in range(8)]
    with pytest.raises(BadRequest, match="full"):
        change_users(full, "admin", [("UserName", "one"), ("UserAdd", "Yes")])
    assert change_users(users, "admin", [("UserName", "bob"), ("UserDelete", "Yes")]) == []


def test_configuration_writes_are_checked() -> None:
    image, reboot = apply_changes(ImageConfig(), [("framerate", "5"), ("ConfigReboot", "Yes")])
    assert (image, reboot) == (ImageConfig(frame_rate=5), True)
    for params in ([("FrameRate", "3")], [("Nope", "1")], [("ConfigReboot", "Maybe")]):
        with pytest.raises(BadRequest):
            apply_changes(ImageConfig(), params)
