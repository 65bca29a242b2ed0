"""What a DVRIP device answered at an earlier connect, so that the next one asks only SystemInfo.

DVRIP allows one request at a time, so every answer connect reads is a round trip
(``device.next_query``: up to eight after SystemInfo). The abilities
(SystemFunction, EncodeCapability, TalkAudioFormat) are the firmware's; the name,
MAC and connection limit, the streams, the white light and the alarm inputs are
the device's set-up, changed rarely. A connect whose login and SystemInfo show the
same device (serial number, firmware, build, channel and I/O counts:
``fingerprint``) takes them from here; anything else (another camera at the
address, new firmware, no serial number) asks everything again. The config
sections that decide capabilities are read fresh by every settings read, which
learns a change there (``ClientModel.read_settings``), so a remembered answer is
at most one poll old where it matters.

The host keeps ``export()`` as JSON and gives it back to ``recall()``; what comes
back is checked as untrusted input: anything that is not what ``export`` makes is
forgotten (a connect that asks everything), never an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from .views import LoginReply, SystemInfo

FORMAT: Final = 1
# SystemInfo's fields that say which device and firmware answered (not its uptime).
IDENTITY_KEYS: Final = (
    "SerialNo",
    "DeviceModel",
    "HardWare",
    "HardWareVersion",
    "SoftWareVersion",
    "BuildTime",
    "UpdataTime",
    "DeviceType",
    "VideoInChannel",
    "DigChannel",
    "ExtraChannel",
    "AlarmInChannel",
    "AlarmOutChannel",
    "AudioInChannel",
    "TalkInChannel",
    "TalkOutChannel",
)
LOGIN_KEYS: Final = ("login.channels", "login.extra_channels", "login.device_type")
FINGERPRINT_KEYS: Final = frozenset((*IDENTITY_KEYS, *LOGIN_KEYS))
MAX_TEXT: Final = 256  # characters of one identity value kept
MAX_ANSWERS_JSON: Final = 512 * 1024  # the remembered answers as JSON, at most
MAX_DEPTH: Final = 32  # nesting of a remembered answer (JSON writers give up far deeper)

Scalar = str | int | float | bool | None


def _scalar(value: object) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value[:MAX_TEXT] if isinstance(value, str) else value
    return repr(value)[:MAX_TEXT]  # a firmware's odd shape still tells devices apart


def _depth_within(value: object, limit: int) -> bool:
    """Whether lists and objects nest at most ``limit`` deep (without recursion)."""
    level: list[object] = [value]
    for _ in range(limit + 1):
        inner: list[object] = []
        for item in level:
            if isinstance(item, Mapping):
                inner.extend(item.values())
            elif isinstance(item, list | tuple):
                inner.extend(item)
        if not inner:
            return True
        level = inner
    return False


def storable(answers: Mapping[str, Any]) -> bool:
    """Whether answers can be kept: JSON, not too deep, not too large."""
    if not _depth_within(answers, MAX_DEPTH):
        return False
    try:
        size = len(json.dumps(answers))
    except (TypeError, ValueError):  # not JSON: not ours
        return False
    return size <= MAX_ANSWERS_JSON


def fingerprint(login: LoginReply, info: SystemInfo) -> dict[str, Scalar] | None:
    """Which device and firmware answered; None without a serial number (two cameras of a
    model at one address would look the same)."""
    if not info.serial:
        return None
    found: dict[str, Scalar] = {key: _scalar(info.raw.get(key)) for key in IDENTITY_KEYS}
    found["login.channels"] = login.channel_count
    found["login.extra_channels"] = login.extra_channels
    found["login.device_type"] = login.device_type[:MAX_TEXT]
    return found


class DeviceMemory:
    """A device's answers (connect's, and those read since), and the ``fingerprint`` of the
    device that gave them, which makes them worth keeping for the next connect."""

    __slots__ = ("_answers", "_fingerprint", "_verified", "version")

    def __init__(self) -> None:
        self._fingerprint: dict[str, Scalar] | None = None
        self._answers: dict[str, Any] = {}
        self._verified: set[str] = set()  # read from the device since connect
        self.version = 0  # counts changes of the answers

    @property
    def answers(self) -> Mapping[str, Any]:
        """Every answer by name (None: the device has no such answer)."""
        return self._answers

    def answers_for(
        self, login: LoginReply, info: SystemInfo, names: frozenset[str]
    ) -> dict[str, Any]:
        """The remembered answers among ``names`` when the same device answers; else none."""
        found = fingerprint(login, info)
        if found is None or found != self._fingerprint:
            return {}
        return {name: value for name, value in self._answers.items() if name in names}

    def keep(
        self, login: LoginReply, info: SystemInfo, answers: Mapping[str, Any], asked: set[str]
    ) -> None:
        """A connect's answers (remembered ones and those ``asked``)."""
        self._fingerprint = fingerprint(login, info)
        self._answers, self._verified = dict(answers), set(asked)
        self.version += 1

    def learn(self, fresh: Mapping[str, Any]) -> None:
        """Answers read since connect (None: not given now, which tells nothing)."""
        for name, value in fresh.items():
            if value is None or name not in self._answers:
                continue
            self._verified.add(name)
            if self._answers[name] != value:
                self._answers[name] = value
                self.version += 1

    def unverified(self, names: tuple[str, ...]) -> str | None:
        """The first of ``names`` remembered but not read from the device since connect."""
        return next((n for n in names if n in self._answers and n not in self._verified), None)

    def export(self) -> dict[str, Any] | None:
        """The memory as JSON-ready data (None: nothing worth keeping, or answers too odd to
        keep)."""
        if self._fingerprint is None or not storable(self._answers):
            return None
        return {"format": FORMAT, "device": dict(self._fingerprint), "answers": dict(self._answers)}

    def recall(self, data: object, names: frozenset[str]) -> bool:
        """Take back what ``export`` gave (answers only for ``names``) for the next connect;
        False, and nothing remembered, when ``data`` is not that."""
        self._fingerprint = None
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            return False
        device, answers = data.get("device"), data.get("answers")
        if not isinstance(device, Mapping) or not isinstance(answers, Mapping):
            return False
        if set(device) != FINGERPRINT_KEYS or not device.get("SerialNo"):
            return False
        if not all(_scalar(value) == value for value in device.values()):
            return False
        if not set(answers) <= names or not storable(answers):
            return False
        self._fingerprint, self._answers = dict(device), dict(answers)
        return True
