"""The simulated camera's accounts: who a request is (HTTP Basic) and the user list.

The administrator is ``system.cgi``'s AdminID/AdminPassword; ``userlist.cgi``
holds up to eight more users, privilege 0 (view) or 1 (view, pan/tilt, upload).
"""

from __future__ import annotations

import base64
from typing import Final

from custom_components.ipcam.protocols.cgi.fields import BOOL01, validate
from custom_components.ipcam.protocols.cgi.groups import SystemConfig, UserEntry
from custom_components.ipcam.protocols.cgi.query import norm_name
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError

from .requests import BadRequest

# Access levels.
ANYONE: Final = -1
VIEWER: Final = 0  # UserPrivilege 0
OPERATOR: Final = 1  # UserPrivilege 1: view, pan/tilt, upload/e-mail
ADMIN: Final = 2

MAX_USERS: Final = 8


def _credentials(header: str, *, strict: bool = True) -> tuple[str, str] | None:
    scheme, _, token = header.partition(" ")
    if strict and scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=strict).decode("utf-8")
    except ValueError:  # bad base64 (binascii.Error), non-ASCII or non-UTF-8 credentials
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep or not strict else None


def access_level(header: str, system: SystemConfig, users: list[UserEntry]) -> int:
    """The level an ``Authorization`` header grants (ANYONE when none or wrong)."""
    found = _credentials(header)
    if found is None:
        return ANYONE
    user, password = found
    if user == system.admin_id and password == system.admin_password:
        return ADMIN
    for entry in users:
        if entry.user_name == user and entry.user_password == password:
            return OPERATOR if entry.user_privilege == 1 else VIEWER
    return ANYONE


def user_name(header: str) -> str:
    """The user an ``Authorization`` header names (for the active-user list)."""
    found = _credentials(header, strict=False)
    return found[0] if found else ""


def change_users(
    users: list[UserEntry], admin_id: str, params: list[tuple[str, str]]
) -> list[UserEntry]:
    """The user list after ``UserAdd=Yes`` or ``UserDelete=Yes`` (3.2.4, 3.2.5)."""
    given = {norm_name(n): v for n, v in params}
    known = {"username", "userpassword", "userprivilege", "useradd", "userdelete"}
    unknown = set(given) - known
    if unknown:
        raise BadRequest(f"unknown parameter(s) {sorted(unknown)}")
    name = given.get("username", "")
    if given.get("useradd", "").lower() == "yes" and "userdelete" not in given:
        try:
            privilege = given.get("userprivilege")
            user = UserEntry(
                user_name=name,
                user_password=given.get("userpassword", ""),
                user_privilege=0 if privilege is None else BOOL01.parse(privilege),
            )
            validate(user)
        except (ProtocolError, InvalidValue) as err:
            raise BadRequest(str(err)) from None
        if name == admin_id or any(u.user_name == name for u in users):
            raise BadRequest(f"user {name!r} exists")
        if len(users) >= MAX_USERS:
            raise BadRequest("the user list is full")
        return [*users, user]
    if given.get("userdelete", "").lower() == "yes" and "useradd" not in given:
        remaining = [u for u in users if u.user_name != name]
        if len(remaining) == len(users):
            raise BadRequest(f"no user {name!r}")
        return remaining
    raise BadRequest("expected UserAdd=Yes or UserDelete=Yes")
