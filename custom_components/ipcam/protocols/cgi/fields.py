"""The field language of IPCamCGI configuration groups: value kinds and typed groups.

Every CGI group is a frozen dataclass whose fields name their CGI parameter and
its valid values (a *value kind*: ``IntRange``, ``IntChoice``, ``Text``, ...,
as the document's "valid values" tables give them). The same table parses a
camera's answer (``from_params``: a value that cannot be of its kind is a
``ProtocolError``), validates a write before it is sent (``to_params``:
``InvalidValue`` naming the parameter) and lets the simulator validate a request.

Pure; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import field
from typing import Any, ClassVar, Final, Protocol, TypeVar

from ..errors import InvalidValue, ProtocolError
from .query import Params, norm_name

MAX_LIST_ENTRIES: Final = 64  # users / active users in one list


class ValueKind(Protocol):
    """How one field's value is read from the camera, validated and written."""

    def parse(self, text: str) -> Any:
        """Camera text -> value; ``ProtocolError`` when the text cannot be a value."""

    def check(self, value: Any) -> None:
        """``InvalidValue`` unless the document allows ``value``."""

    def format(self, value: Any) -> str:
        """Value -> the text sent to the camera."""


def _need_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"expected an integer, got {value!r}")
    return int(value)


_INT_TEXT = re.compile(r"[+-]?[0-9]{1,10}")


def parse_int(text: str) -> int:
    """A decimal integer of at most 10 ASCII digits; ``ProtocolError`` otherwise."""
    text = text.strip()
    if not _INT_TEXT.fullmatch(text):
        raise ProtocolError(f"expected an integer, got {text[:40]!r}")
    return int(text)


@dataclasses.dataclass(frozen=True, slots=True)
class IntRange:
    """``m ... n`` (``#`` is ``IntRange(0, 2**31 - 1)``)."""

    low: int
    high: int

    def parse(self, text: str) -> int:
        return parse_int(text)

    def check(self, value: Any) -> None:
        number = _need_int(value)
        if not self.low <= number <= self.high:
            raise InvalidValue(f"{number} is outside {self.low}...{self.high}")

    def format(self, value: Any) -> str:
        return str(int(value))


@dataclasses.dataclass(frozen=True, slots=True)
class IntChoice:
    """An enumeration of integers, e.g. ``0, 1, 5, 7, 15, 20``."""

    values: tuple[int, ...]

    def parse(self, text: str) -> int:
        return parse_int(text)

    def check(self, value: Any) -> None:
        number = _need_int(value)
        if number not in self.values:
            raise InvalidValue(f"{number} is not one of {', '.join(map(str, self.values))}")

    def format(self, value: Any) -> str:
        return str(int(value))


@dataclasses.dataclass(frozen=True, slots=True)
class SignedInt:
    """An integer range written with an explicit sign (``-12`` ... ``0`` ... ``+13``)."""

    low: int
    high: int

    def parse(self, text: str) -> int:
        return parse_int(text)

    def check(self, value: Any) -> None:
        IntRange(self.low, self.high).check(value)

    def format(self, value: Any) -> str:
        number = int(value)
        return f"{number:+d}" if number else "0"


@dataclasses.dataclass(frozen=True, slots=True)
class Text:
    """A UTF-8 string of at most ``max_len`` characters (no line breaks)."""

    max_len: int = 1024
    min_len: int = 0

    def parse(self, text: str) -> str:
        return text

    def check(self, value: Any) -> None:
        if not isinstance(value, str):
            raise InvalidValue(f"expected a string, got {type(value).__name__}")
        if not self.min_len <= len(value) <= self.max_len:
            raise InvalidValue(
                f"length {len(value)} is outside {self.min_len}...{self.max_len} characters"
            )
        if "\r" in value or "\n" in value or "\x00" in value:
            raise InvalidValue("line breaks and NUL are not allowed")

    def format(self, value: Any) -> str:
        return str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Choice:
    """An enumeration of strings, e.g. ``Yes, No`` or ``Key 1, Key 2, ...``."""

    values: tuple[str, ...]

    def parse(self, text: str) -> str:
        return text

    def check(self, value: Any) -> None:
        if value not in self.values:
            raise InvalidValue(f"{value!r} is not one of {', '.join(self.values)}")

    def format(self, value: Any) -> str:
        return str(value)


_HOST_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.\-_]*[A-Za-z0-9])?$")


@dataclasses.dataclass(frozen=True, slots=True)
class IpAddress:
    """``xxx.xxx.xxx.xxx``; with ``host`` also a host name (``A host or IP address``)."""

    host: bool = False
    max_len: int = 64
    allow_empty: bool = True

    def parse(self, text: str) -> str:
        return text

    def check(self, value: Any) -> None:
        if not isinstance(value, str):
            raise InvalidValue(f"expected an address string, got {type(value).__name__}")
        if value == "" and self.allow_empty:
            return
        if len(value) > self.max_len:
            raise InvalidValue(f"address longer than {self.max_len} characters")
        if re.fullmatch(r"[0-9.]+", value):
            try:
                ipaddress.IPv4Address(value)
            except ValueError as err:
                raise InvalidValue(f"{value!r} is not an IP address") from err
            return
        if not self.host:
            raise InvalidValue(f"{value!r} is not an IP address")
        if not _HOST_RE.match(value):
            raise InvalidValue(f"{value!r} is not a host name")

    def format(self, value: Any) -> str:
        return str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Email:
    """An e-mail address (the document says "A host or IP address"; a mailbox is meant)."""

    max_len: int = 64

    def parse(self, text: str) -> str:
        return text

    def check(self, value: Any) -> None:
        Text(self.max_len).check(value)
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+", value):
            raise InvalidValue(f"{value!r} is not an e-mail address")

    def format(self, value: Any) -> str:
        return str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Pattern:
    """A string matching a regular expression (time, date, bit masks)."""

    regex: str
    what: str

    def parse(self, text: str) -> str:
        return text

    def check(self, value: Any) -> None:
        if not isinstance(value, str) or not re.fullmatch(self.regex, value):
            raise InvalidValue(f"{value!r} is not {self.what}")

    def format(self, value: Any) -> str:
        return str(value)


TIME = Pattern(r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]", "a time hh:mm:ss")
DATE = Pattern(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])", "a date yyyy-mm-dd")
PSK = Pattern(r"[\x20-\x7e]{8,63}|[0-9A-Fa-f]{64}", "8...63 ASCII or 64 hex characters")
PORT = IntRange(1, 65535)
NUMBER = IntRange(0, 2**31 - 1)
BOOL01 = IntChoice((0, 1))
DAYS = IntRange(0, 127)


def cgi_field(name: str, kind: ValueKind, default: Any, *, secret: bool = False) -> Any:
    """A dataclass field bound to the CGI parameter ``name`` (secrets stay out of repr)."""
    return field(default=default, repr=not secret, metadata={"cgi": name, "kind": kind})


def checked(kind: ValueKind, name: str, value: Any) -> str:
    """``value`` as text for parameter ``name``; ``InvalidValue`` naming it when invalid."""
    try:
        kind.check(value)
    except InvalidValue as err:
        raise InvalidValue(f"{name}: {err}") from None
    return kind.format(value)


class CgiGroup:
    """Base of every typed CGI group.

    ``PATH`` is where it is read (and written when ``WRITABLE``); an answer
    holding none of the ``REQUIRED`` names is not this CGI's answer (a login
    page, a different API).
    """

    PATH: ClassVar[str] = ""
    WRITABLE: ClassVar[bool] = False
    REQUIRED: ClassVar[tuple[str, ...]] = ()


G = TypeVar("G", bound=CgiGroup)

_FIELDS: dict[type[CgiGroup], tuple[tuple[str, str, ValueKind], ...]] = {}


def group_fields(cls: type[CgiGroup]) -> tuple[tuple[str, str, ValueKind], ...]:
    """``(attribute, CGI name, kind)`` for every field of a group."""
    cached = _FIELDS.get(cls)
    if cached is None:
        cached = _FIELDS[cls] = tuple(
            (item.name, item.metadata["cgi"], item.metadata["kind"])
            for item in dataclasses.fields(cls)  # type: ignore[arg-type]
            if "cgi" in item.metadata
        )
    return cached


def from_params(cls: type[G], params: Mapping[str, str]) -> G:
    """Build a group from a camera answer; missing names keep their defaults.

    A value that cannot be of its kind (``FrameRate=abc``) is a ``ProtocolError``.
    """
    values: dict[str, Any] = {}
    for attr, name, kind in group_fields(cls):
        if name in params:
            try:
                values[attr] = kind.parse(params[name])
            except ProtocolError as err:
                raise ProtocolError(f"{cls.PATH} {name}: {err}") from None
    return cls(**values)


def parse_group(cls: type[G], params: Params) -> G:
    """``from_params`` after checking that the answer is this CGI's (``REQUIRED``)."""
    if cls.REQUIRED and not any(name in params for name in cls.REQUIRED):
        raise ProtocolError(
            f"{cls.PATH}: not an IPCamCGI answer (none of {', '.join(cls.REQUIRED)})"
        )
    return from_params(cls, params)


def with_changes(cls: type[G], changes: Mapping[str, Any]) -> G:
    """A group holding ``changes`` (attribute names) over the defaults; ``InvalidValue``
    for a name the group does not have."""
    known = {attr for attr, _, _ in group_fields(cls)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise InvalidValue(f"{cls.__name__} has no field {', '.join(unknown)}")
    return cls(**changes)


def validate(group: CgiGroup, only: Iterable[str] | None = None) -> None:
    """``InvalidValue`` (naming the parameter) unless every field is valid."""
    wanted = None if only is None else set(only)
    for attr, name, kind in group_fields(type(group)):
        if wanted is not None and attr not in wanted:
            continue
        value = getattr(group, attr)
        if value is not None:
            checked(kind, name, value)


def to_params(group: CgiGroup, only: Iterable[str] | None = None) -> dict[str, str]:
    """Validated ``{CGI name: text}`` for a write (``only`` limits it to some attributes)."""
    validate(group, only)
    wanted = None if only is None else set(only)
    out: dict[str, str] = {}
    for attr, name, kind in group_fields(type(group)):
        if wanted is not None and attr not in wanted:
            continue
        value = getattr(group, attr)
        if value is not None:
            out[name] = kind.format(value)
    return out


def config_write(
    group: CgiGroup, *, only: Iterable[str] | None = None, reboot: bool = False
) -> dict[str, str]:
    """Parameters of a configuration write, with ``ConfigReboot`` (3.x set requests)."""
    if not type(group).WRITABLE:
        raise InvalidValue(f"{type(group).PATH} is read-only")
    params = to_params(group, only)
    params["ConfigReboot"] = "Yes" if reboot else "No"
    return params


def parse_list(cls: type[G], params: Params, first: str) -> list[G]:
    """A list answer: a new entry starts at every ``first`` name (``UserName``...)."""
    entries: list[dict[str, str]] = []
    start = norm_name(first)
    for name, value in params.pairs:
        key = norm_name(name)
        if key == start:
            if len(entries) >= MAX_LIST_ENTRIES:
                raise ProtocolError(f"{cls.PATH}: more than {MAX_LIST_ENTRIES} entries")
            entries.append({})
        if entries:
            entries[-1][key] = value
    return [from_params(cls, Params(entry.items())) for entry in entries]
