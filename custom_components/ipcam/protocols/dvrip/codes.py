"""DVRIP message ids and ``Ret`` codes, and the library error each failing ``Ret`` means.

See docs/protocols/dvrip.md, "Message ids" and "Return codes".
"""

from __future__ import annotations

import enum

from ..errors import (
    AccountLocked,
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)


class MsgId(enum.IntEnum):
    """Message ids; a reply is the request id + 1."""

    LOGIN = 1000
    LOGIN_REPLY = 1001
    LOGOUT = 1002
    LOGOUT_REPLY = 1003
    FORCED_LOGOUT = 1004
    KEEPALIVE = 1006
    KEEPALIVE_REPLY = 1007
    SYSINFO = 1020
    SYSINFO_REPLY = 1021
    CONFIG_SET = 1040
    CONFIG_SET_REPLY = 1041
    CONFIG_GET = 1042
    CONFIG_GET_REPLY = 1043
    DEFAULT_CONFIG_GET = 1044
    DEFAULT_CONFIG_GET_REPLY = 1045
    CHANNEL_TITLE_SET = 1046
    CHANNEL_TITLE_SET_REPLY = 1047
    CHANNEL_TITLE_GET = 1048
    CHANNEL_TITLE_GET_REPLY = 1049
    ABILITY = 1360
    ABILITY_REPLY = 1361
    PTZ = 1400
    PTZ_REPLY = 1401
    MONITOR = 1410
    MONITOR_REPLY = 1411
    MONITOR_DATA = 1412
    MONITOR_CLAIM = 1413
    MONITOR_CLAIM_REPLY = 1414
    PLAYBACK = 1420
    PLAYBACK_REPLY = 1421
    PLAYBACK_DATA = 1422
    PLAYBACK_EOF = 1423
    PLAYBACK_CLAIM = 1424
    PLAYBACK_CLAIM_REPLY = 1425
    DOWNLOAD_DATA = 1426
    TALK = 1430
    TALK_REPLY = 1431
    TALK_DATA = 1432
    TALK_DATA_DEVICE = 1433
    TALK_CLAIM = 1434
    TALK_CLAIM_REPLY = 1435
    SYSMANAGER = 1450
    SYSMANAGER_REPLY = 1451
    TIME_QUERY = 1452
    TIME_QUERY_REPLY = 1453
    GUARD = 1500
    GUARD_REPLY = 1501
    UNGUARD = 1502
    UNGUARD_REPLY = 1503
    ALARM = 1504
    ALARM_ACK = 1505
    NET_ALARM = 1506
    NET_ALARM_REPLY = 1507
    UPGRADE_DATA = 1522
    DISCOVERY = 1530
    DISCOVERY_REPLY = 1531
    SNAPSHOT = 1560
    SNAPSHOT_REPLY = 1561
    SYNC_TIME = 1590
    SYNC_TIME_REPLY = 1591


# Messages whose payload is binary (media, talk audio, snapshot pictures, upgrade data).
# They are routed by id alone: a media packet may well start with "{".
BINARY_MSG_IDS: frozenset[int] = frozenset(
    {
        MsgId.MONITOR_DATA,
        MsgId.PLAYBACK_DATA,
        MsgId.DOWNLOAD_DATA,
        MsgId.TALK_DATA,
        MsgId.TALK_DATA_DEVICE,
        MsgId.SNAPSHOT_REPLY,
        MsgId.UPGRADE_DATA,
    }
)


class Ret(enum.IntEnum):
    """The ``Ret`` codes that matter to a client (the vendor's table)."""

    OK = 100
    UNKNOWN_ERROR = 101
    VERSION_NOT_SUPPORTED = 102
    ILLEGAL_REQUEST = 103
    ALREADY_LOGGED_IN = 104
    NOT_LOGGED_IN = 105
    BAD_CREDENTIALS = 106
    NO_PERMISSION = 107
    TIMEOUT = 108
    SEARCH_DONE = 110
    SEARCH_PARTIAL = 111
    BAD_FORMAT = 117
    NO_CAMERA = 121  # "digital channel not connected": a recorder channel without a camera
    NOT_AUTHORISED = 202
    WRONG_PASSWORD = 203
    ILLEGAL_USER = 204
    USER_LOCKED = 205
    BLACKLISTED = 206
    USER_LOGGED_IN = 207
    ACCOUNT_IN_USE = 212
    ILLEGAL_COMMAND = 502
    TALK_ALREADY_OPEN = 503
    TALK_NOT_OPEN = 504
    UPGRADE_OK = 515
    CONFIG_NOT_FOUND = 607
    CONFIG_PARSE_ERROR = 608


# 515 ("upgrade succeeded") is success wherever public clients look at it.
OK_CODES: frozenset[int] = frozenset({Ret.OK, Ret.UPGRADE_OK})
AUTH_FAILED_CODES: frozenset[int] = frozenset(
    {Ret.BAD_CREDENTIALS, Ret.NOT_AUTHORISED, Ret.WRONG_PASSWORD, Ret.ILLEGAL_USER, Ret.BLACKLISTED}
)
LOCKED_CODES: frozenset[int] = frozenset({Ret.USER_LOCKED})
BUSY_CODES: frozenset[int] = frozenset(
    {Ret.ALREADY_LOGGED_IN, Ret.USER_LOGGED_IN, Ret.ACCOUNT_IN_USE, Ret.TALK_ALREADY_OPEN}
)
INVALID_CODES: frozenset[int] = frozenset(
    {Ret.CONFIG_PARSE_ERROR, Ret.ILLEGAL_REQUEST, Ret.BAD_FORMAT}
)


def login_error(ret: int | None) -> CameraError:
    """The error for a login reply whose ``Ret`` is not a success."""
    if ret in LOCKED_CODES:
        return AccountLocked("the camera locked the account after failed logins (Ret 205)")
    if ret in AUTH_FAILED_CODES:
        return AuthError(f"the camera rejected the user name or password (Ret {ret})")
    if ret in BUSY_CODES:
        return DeviceBusy(f"the camera refused the login: too many users (Ret {ret})")
    return ProtocolError(f"login failed with Ret {ret}")


def ret_error(ret: int | None, what: str) -> CameraError:
    """The error for a failing ``Ret`` in the reply to ``what`` (after login)."""
    if ret == Ret.NO_CAMERA:  # the camera may come back: like a camera that is away
        return CannotConnect(f"the recorder has no camera on this channel: it refused {what}")
    if ret == Ret.CONFIG_NOT_FOUND:
        return NotSupported(f"the camera does not support {what} (Ret 607)")
    if ret in LOCKED_CODES:
        return AccountLocked(f"the account is locked: the camera refused {what} (Ret {ret})")
    if ret in (Ret.NOT_LOGGED_IN, Ret.NO_PERMISSION) or ret in AUTH_FAILED_CODES:
        return AuthError(f"the camera refused {what} (Ret {ret})")
    if ret in BUSY_CODES:
        return DeviceBusy(f"the camera is busy: it refused {what} (Ret {ret})")
    if ret in INVALID_CODES:
        return InvalidValue(f"the camera rejected {what} (Ret {ret})")
    return ProtocolError(f"the camera answered {what} with Ret {ret}")
