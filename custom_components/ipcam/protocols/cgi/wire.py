"""IPCamCGI v1.2 wire format: pure, sans-I/O.

Covers the text side of the protocol (the MJPEG framing lives in ``mjpeg.py``):

- tolerant ``Name=Value`` parsing (``Name = Value`` spacing, CRLF or LF,
  case-insensitive names, ``<...>`` lines ignored, the ``&``-joined
  ``iocontrol.cgi`` read format);
- query strings and form bodies for requests;
- one typed dataclass per CGI group, declared with the CGI name and the valid
  values of every field (``value_kind``), so the same table parses a camera's
  answer, validates a write (``InvalidValue``) and lets the simulator validate
  a request;
- the MJPEG part ``Date:`` header ``<time> IO_xxxxxxxx_PT_ppp_ttt``.

Nothing here does I/O; the client and the simulator share it.
"""

from __future__ import annotations

import dataclasses
import enum
import ipaddress
import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Final, Protocol, TypeVar

from ..errors import InvalidValue, ProtocolError

# --- bounds ----------------------------------------------------------------------------------

MAX_BODY: Final = 64 * 1024  # a CGI text answer is a few hundred bytes
MAX_LINES: Final = 1024
MAX_LIST_ENTRIES: Final = 64  # users / active users in one list

# --- Name=Value parsing ------------------------------------------------------------------------

_NAME_OK = re.compile(r"^[A-Za-z0-9_]+$")


def norm_name(name: str) -> str:
    """The comparison form of a parameter name: no white space, lower case.

    The document prints ``FTPSchedule FileMode`` with a space while stating
    that names are only ``[A-Za-z0-9_]``; removing white space reconciles both.
    """
    return "".join(name.split()).lower()


class Params(Mapping[str, str]):
    """Parameters of one answer: a case-insensitive mapping (the last value wins).

    ``pairs`` keeps every ``(name, value)`` in order, for list answers such as
    ``userlist.cgi`` where names repeat.
    """

    __slots__ = ("_map", "pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: list[tuple[str, str]] = list(pairs)
        self._map: dict[str, str] = {norm_name(k): v for k, v in self.pairs}

    def __getitem__(self, key: str) -> str:
        return self._map[norm_name(key)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and norm_name(key) in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __repr__(self) -> str:
        return f"Params({[name for name, _ in self.pairs]!r})"


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    if len(body) > MAX_BODY:
        raise ProtocolError(f"CGI answer too large ({len(body)} bytes)")
    return body.decode("utf-8", errors="replace")


def parse_params(body: bytes | str, *, split_amp: bool = False) -> Params:
    """Parse ``Name=Value`` lines.

    Splits on the first ``=`` only and strips both sides; skips blank lines and
    ``<...>`` lines; a line without ``=`` is ignored unless nothing at all
    parses (then ``ProtocolError``: the body is not a CGI answer). With
    ``split_amp`` a line is first split on ``&`` (the ``iocontrol.cgi`` read
    format ``Trigger1=0&Trigger2=0&...``).
    """
    text = _decode(body)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ProtocolError(f"CGI answer has too many lines ({len(lines)})")
    pairs: list[tuple[str, str]] = []
    saw_text = False
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("<"):
            continue
        saw_text = True
        pieces = line.split("&") if split_amp else [line]
        for piece in pieces:
            name, sep, value = piece.partition("=")
            name = name.strip()
            if not sep or not name:
                continue
            if not _NAME_OK.match(name.replace(" ", "")):
                continue
            pairs.append((name, value.strip()))
    if saw_text and not pairs:
        raise ProtocolError("CGI answer holds no Name=Value line")
    return Params(pairs)


def parse_request(text: bytes | str) -> list[tuple[str, str]]:
    """Parse a request's query string or form body (URL-encoded, trailing CRLFs allowed).

    Used by the simulator; names are validated against ``[A-Za-z0-9_]``.
    """
    raw = _decode(text).strip("\r\n \t")
    if not raw:
        return []
    try:
        pairs = urllib.parse.parse_qsl(
            raw, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_LINES
        )
    except ValueError as err:
        raise ProtocolError(f"malformed parameters: {err}") from err
    for name, _ in pairs:
        if not _NAME_OK.match(name.strip()):
            raise ProtocolError(f"invalid parameter name {name!r}")
    return [(name.strip(), value) for name, value in pairs]


def format_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """``Name=Value&...`` URL-encoded (spaces as ``%20``), for a GET query or a POST body."""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote)


def format_form_body(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """A POST form body as JPLUG sends it: the query followed by CRLF CRLF."""
    return format_query(params).encode("ascii") + b"\r\n\r\n"


def format_params(pairs: Iterable[tuple[str, str]], *, spaced: bool = False) -> bytes:
    """A CGI answer: one ``Name=Value`` line per pair (``Name =Value`` when ``spaced``)."""
    sep = " =" if spaced else "="
    return "".join(f"{name}{sep}{value}\r\n" for name, value in pairs).encode("utf-8")


# --- value kinds -------------------------------------------------------------------------------


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


def _parse_int(text: str) -> int:
    text = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,10}", text):
        raise ProtocolError(f"expected an integer, got {text[:40]!r}")
    return int(text)


@dataclass(frozen=True, slots=True)
class IntRange:
    """``m ... n`` (``#`` is ``IntRange(0, 2**31 - 1)``)."""

    low: int
    high: int

    def parse(self, text: str) -> int:
        return _parse_int(text)

    def check(self, value: Any) -> None:
        number = _need_int(value)
        if not self.low <= number <= self.high:
            raise InvalidValue(f"{number} is outside {self.low}...{self.high}")

    def format(self, value: Any) -> str:
        return str(int(value))


@dataclass(frozen=True, slots=True)
class IntChoice:
    """An enumeration of integers, e.g. ``0, 1, 5, 7, 15, 20``."""

    values: tuple[int, ...]

    def parse(self, text: str) -> int:
        return _parse_int(text)

    def check(self, value: Any) -> None:
        number = _need_int(value)
        if number not in self.values:
            raise InvalidValue(f"{number} is not one of {', '.join(map(str, self.values))}")

    def format(self, value: Any) -> str:
        return str(int(value))


@dataclass(frozen=True, slots=True)
class SignedInt:
    """An integer range written with an explicit sign (``-12`` ... ``0`` ... ``+13``)."""

    low: int
    high: int

    def parse(self, text: str) -> int:
        return _parse_int(text)

    def check(self, value: Any) -> None:
        IntRange(self.low, self.high).check(value)

    def format(self, value: Any) -> str:
        number = int(value)
        return f"{number:+d}" if number else "0"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
        if re.fullmatch(r"[\d.]+", value):
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


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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


TIME = Pattern(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d", "a time hh:mm:ss")
DATE = Pattern(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", "a date yyyy-mm-dd")
PSK = Pattern(r"[\x20-\x7e]{8,63}|[0-9A-Fa-f]{64}", "8...63 ASCII or 64 hex characters")
PORT = IntRange(1, 65535)
NUMBER = IntRange(0, 2**31 - 1)
BOOL01 = IntChoice((0, 1))
DAYS = IntRange(0, 127)


def _cgi(name: str, kind: ValueKind) -> dict[str, Any]:
    return {"cgi": name, "kind": kind}


def _f(name: str, kind: ValueKind, default: Any, *, secret: bool = False) -> Any:
    """A dataclass field bound to the CGI parameter ``name``."""
    return field(default=default, repr=not secret, metadata=_cgi(name, kind))


# --- typed groups ------------------------------------------------------------------------------


class CgiGroup:
    """Base of every typed CGI group: ``PATH`` is where it is read (and written)."""

    PATH: ClassVar[str] = ""
    WRITABLE: ClassVar[bool] = False


@dataclass(frozen=True, slots=True)
class SystemInfo(CgiGroup):
    """``/isystem.cgi`` (3.1.2)."""

    PATH: ClassVar[str] = "/isystem.cgi"
    camera_name: str = _f("CameraName", Text(), "")
    location: str = _f("Location", Text(), "")
    model: str = _f("Model", Text(), "")
    firmware_version: str = _f("FirmwareVersion", Text(), "")
    mac_address: str = _f("MACAddress", Text(), "")
    ip_address: str = _f("IPAddress", Text(), "")
    ethernet_link: str = _f("EthernetLink", Choice(("Yes", "No")), "")
    ethernet_speed: str = _f("EthernetSpeed", Choice(("10M bps", "100M bps")), "")
    ethernet_duplex: str = _f("EthernetDuplex", Choice(("Half Duplex", "Full Duplex")), "")

    @property
    def mac(self) -> str:
        """The MAC address in lower-case colon form, or "" when it is not one."""
        return normalize_mac(self.mac_address)


class LedMode(enum.IntEnum):
    """``LEDControl``: 0 normal, 1 off, 2 dummy."""

    NORMAL = 0
    OFF = 1
    DUMMY = 2


@dataclass(frozen=True, slots=True)
class SystemConfig(CgiGroup):
    """``/system.cgi`` (3.1.3/3.1.4)."""

    PATH: ClassVar[str] = "/system.cgi"
    WRITABLE: ClassVar[bool] = True
    camera_name: str = _f("CameraName", Text(32), "")
    location: str = _f("Location", Text(64), "")
    admin_id: str = _f("AdminID", Text(12, 1), "admin")
    admin_password: str = _f("AdminPassword", Text(8), "", secret=True)
    led_control: int = _f("LEDControl", IntChoice((0, 1, 2)), LedMode.NORMAL)


@dataclass(frozen=True, slots=True)
class DateTimeConfig(CgiGroup):
    """``/datetime.cgi`` (3.1.5/3.1.6)."""

    PATH: ClassVar[str] = "/datetime.cgi"
    WRITABLE: ClassVar[bool] = True
    date_time_mode: int = _f("DateTimeMode", BOOL01, 1)  # 0 time server, 1 manual
    time_server: str = _f("TimeServerIPAddress", IpAddress(host=True, max_len=64), "")
    time_server_protocol: int = _f("TimeServerProtocol", BOOL01, 0)  # 0 NTP, 1 Time
    time_zone: int = _f("TimeZone", SignedInt(-12, 13), 0)
    time_zone_index: int = _f("TimeZoneIndex", IntRange(0, 84), 0)
    date: str = _f("Date", DATE, "2008-10-15")
    time: str = _f("Time", TIME, "00:00:00")


@dataclass(frozen=True, slots=True)
class UserAccessConfig(CgiGroup):
    """``/user.cgi`` (3.2.1/3.2.2). Beware: 0 means *enabled*, 1 *disabled*."""

    PATH: ClassVar[str] = "/user.cgi"
    WRITABLE: ClassVar[bool] = True
    access_control_enable: int = _f("AccessControlEnable", BOOL01, 0)

    @property
    def enabled(self) -> bool:
        return self.access_control_enable == 0


@dataclass(frozen=True, slots=True)
class UserEntry(CgiGroup):
    """One entry of ``/userlist.cgi`` (3.2.3)."""

    PATH: ClassVar[str] = "/userlist.cgi"
    user_name: str = _f("UserName", Text(12, 1), "")
    user_password: str = _f("UserPassword", Text(8), "", secret=True)
    user_privilege: int = _f("UserPrivilege", BOOL01, 0)  # 0 view, 1 view + PT + upload


@dataclass(frozen=True, slots=True)
class ActiveUser(CgiGroup):
    """One entry of ``/activeuser.cgi`` (3.2.6)."""

    PATH: ClassVar[str] = "/activeuser.cgi"
    user_ip_address: str = _f("UserIPAddress", IpAddress(), "")
    user_name: str = _f("UserName", Text(), "")
    access_date_time: str = _f("AccessDateTime", Text(), "")
    ms_per_packet: int = _f("MinisecondPerPacket", NUMBER, 0)


RESOLUTIONS: Final[dict[int, tuple[int, int]]] = {0: (160, 120), 1: (320, 240), 2: (640, 480)}
FRAME_RATES: Final[tuple[int, ...]] = (0, 1, 5, 7, 15, 20)  # 0 = Auto
COMPRESSIONS: Final[tuple[str, ...]] = ("Very Low", "Low", "Medium", "High", "Very High")


@dataclass(frozen=True, slots=True)
class ImageInfo(CgiGroup):
    """``/iimage.cgi`` (3.3.1, printed as ``/image.cgi`` in the document): display strings."""

    PATH: ClassVar[str] = "/iimage.cgi"
    video_resolution: str = _f("VideoResolution", Text(), "")
    compression_rate: str = _f("CompressionRate", Text(), "")
    frame_rate: str = _f("FrameRate", Text(), "")
    frame_size: str = _f("FrameSize", Text(), "")
    light_frequency: str = _f("LightFrequency", Text(), "")


@dataclass(frozen=True, slots=True)
class ImageConfig(CgiGroup):
    """``/image.cgi`` (3.3.2/3.3.3)."""

    PATH: ClassVar[str] = "/image.cgi"
    WRITABLE: ClassVar[bool] = True
    video_resolution: int = _f("VideoResolution", IntChoice(tuple(RESOLUTIONS)), 1)
    compression_rate: int = _f("CompressionRate", IntRange(0, 4), 2)
    frame_rate: int = _f("FrameRate", IntChoice(FRAME_RATES), 0)
    brightness: int = _f("BrightnessControl", IntRange(1, 128), 64)
    contrast: int = _f("ContrastControl", IntRange(1, 128), 64)
    saturation: int = _f("SaturationControl", IntRange(1, 128), 64)
    light_frequency: int = _f("LightFrequency", BOOL01, 1)  # 0 50 Hz, 1 60 Hz
    mirror: int = _f("Mirror", IntRange(0, 3), 0)  # bit 0 horizontal, bit 1 vertical
    anti_flicker: int = _f("AntiFlickerEnable", BOOL01, 0)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of ``video_resolution`` (320x240 when unknown)."""
        return RESOLUTIONS.get(self.video_resolution, (320, 240))


@dataclass(frozen=True, slots=True)
class NetworkInfo(CgiGroup):
    """``/inetwork.cgi`` (3.4.1): status strings."""

    PATH: ClassVar[str] = "/inetwork.cgi"
    ip_address: str = _f("IPAddress", Text(), "")
    subnet_mask: str = _f("SubnetMask", Text(), "")
    default_gateway: str = _f("DefaultGateway", Text(), "")
    primary_dns: str = _f("PrimaryDNSAddress", Text(), "")
    secondary_dns: str = _f("SecondaryDNSAddress", Text(), "")
    dynamic_dns: str = _f("DynamicDNS", Text(), "")
    secondary_http_port: str = _f("SecondaryHTTPPort", Text(), "")
    upnp: str = _f("UpnP", Text(), "")


@dataclass(frozen=True, slots=True)
class NetworkConfig(CgiGroup):
    """``/network.cgi`` (3.4.2/3.4.3)."""

    PATH: ClassVar[str] = "/network.cgi"
    WRITABLE: ClassVar[bool] = True
    ip_address_mode: int = _f("IPAddressMode", IntChoice((1, 4, 5)), 4)  # fixed, DHCP, PPPoE
    ip_address: str = _f("IPAddress", IpAddress(), "")
    subnet_mask: str = _f("SubnetMask", IpAddress(), "")
    default_gateway: str = _f("DefaultGateway", IpAddress(), "")
    pppoe_user_id: str = _f("PPPoEUserID", Text(64), "")
    pppoe_password: str = _f("PPPoEPASSWORD", Text(32), "", secret=True)
    dns1: str = _f("DNSIPAddress1", IpAddress(), "")
    dns2: str = _f("DNSIPAddress2", IpAddress(), "")
    ddns_enable: int = _f("DDNSEnable", BOOL01, 0)
    ddns_provider: str = _f("DDNSProvider", Text(64), "")
    ddns_host_name: str = _f("DDNSHostName", Text(64), "")
    ddns_user_name: str = _f("DDNSUserName", Text(64), "")
    ddns_password: str = _f("DDNSPassword", Text(32), "", secret=True)
    second_http_port_enable: int = _f("SecondHTTPPortEnable", IntChoice((0, 3)), 0)
    second_http_port: int = _f("SecondHTTPPort", PORT, 8080)
    upnp_enable: int = _f("UPnPEnable", BOOL01, 1)


@dataclass(frozen=True, slots=True)
class WirelessInfo(CgiGroup):
    """``/iwireless.cgi`` (3.4.4): status strings."""

    PATH: ClassVar[str] = "/iwireless.cgi"
    connection_mode: str = _f("ConnectionMode", Text(), "")
    wireless_link: str = _f("WirelessLink", Text(), "")
    ssid: str = _f("SSID", Text(), "")
    wireless_channel: str = _f("WirelessChannel", Text(), "")
    transmission_rate: str = _f("TransmissionRate", Text(), "")
    wep_encryption: str = _f("WEPEncryption", Text(), "")


TRANSMISSION_RATES: Final[tuple[str, ...]] = (
    "Fully Automatic",
    "1 Mb",
    "2 Mb",
    "5.5 Mb",
    "11 Mb",
    "6 Mb",
    "9 Mb",
    "12 Mb",
    "18 Mb",
    "24 Mb",
    "36 Mb",
    "48 Mb",
    "54 Mb",
)
WEP_KEY = Pattern(r"|[\x20-\x7e]{5}|[\x20-\x7e]{13}|[0-9A-Fa-f]{10}|[0-9A-Fa-f]{26}", "a WEP key")


@dataclass(frozen=True, slots=True)
class WirelessConfig(CgiGroup):
    """``/wireless.cgi`` (3.4.5/3.4.6)."""

    PATH: ClassVar[str] = "/wireless.cgi"
    WRITABLE: ClassVar[bool] = True
    connection_mode: int = _f("ConnectionMode", BOOL01, 0)  # 0 infrastructure, 1 ad-hoc
    ssid: str = _f("SSID", Text(32), "")
    wireless_channel: int = _f("WirelessChannel", IntRange(1, 14), 6)
    transmission_rate: str = _f("TransmissionRate", Choice(TRANSMISSION_RATES), "Fully Automatic")
    wep_encryption: int = _f("WEPEncryption", IntChoice((0, 2, 3, 4)), 0)
    wep_key_format: int = _f("WEPKeyFormat", BOOL01, 0)  # 0 ASCII, 1 HEX
    key1: str = _f("Key1", WEP_KEY, "", secret=True)
    key2: str = _f("Key2", WEP_KEY, "", secret=True)
    key3: str = _f("Key3", WEP_KEY, "", secret=True)
    key4: str = _f("Key4", WEP_KEY, "", secret=True)
    tx_key: str = _f("TxKey", Choice(("Key 1", "Key 2", "Key 3", "Key 4")), "Key 1")
    beacon_interval: int = _f("BeaconInterval", PORT, 100)
    preamble: int = _f("Preamble", BOOL01, 0)  # 0 long, 1 short
    authentication_type: int = _f("AuthenticationType", IntChoice((0, 1, 2)), 0)
    pre_shared_key: str = _f("PreSharedKey", Pattern(r"|" + PSK.regex, PSK.what), "", secret=True)


@dataclass(frozen=True, slots=True)
class FtpConfig(CgiGroup):
    """``/upload.cgi`` (3.5.1/3.5.2)."""

    PATH: ClassVar[str] = "/upload.cgi"
    WRITABLE: ClassVar[bool] = True
    host_address: str = _f("FTPHostAddress", IpAddress(host=True, max_len=64), "")
    port_number: int = _f("FTPPortNumber", PORT, 21)
    user_name: str = _f("FTPUserName", Text(32), "")
    password: str = _f("FTPPassword", Text(32), "", secret=True)
    directory_path: str = _f("FTPDirectoryPath", Text(64), "/")
    passive_mode: int = _f("FTPPassiveMode", BOOL01, 1)
    schedule_enable: int = _f("FTPScheduleEnable", BOOL01, 0)
    schedule_mode: int = _f("FTPScheduleMode", BOOL01, 0)  # 0 always, 1 schedule
    schedule_day: int = _f("FTPScheduleDay", DAYS, 0)  # bit 0 Sunday ... bit 6 Saturday
    schedule_time_start: str = _f("FTPScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = _f("FTPScheduleTimeStop", TIME, "23:59:59")
    schedule_video_frequency_mode: int = _f("FTPScheduleVideoFrequencyMode", BOOL01, 0)
    schedule_frame_per_second: str = _f(
        "FTPScheduleFramePerSecond", Choice(("1", "2", "3", "Auto")), "1"
    )
    schedule_second_per_frame: int = _f("FTPScheduleSecondPerFrame", PORT, 1)
    schedule_base_file_name: str = _f("FTPScheduleBaseFileName", Text(32), "image")
    schedule_file_mode: int = _f("FTPScheduleFileMode", IntChoice((0, 1, 2)), 0)
    schedule_max_file_sequence_number: int = _f("FTPScheduleMaxFileSequenceNumber", PORT, 1024)
    manual_enable: int = _f("FTPManualEnable", BOOL01, 0)
    manual_base_file_name: str = _f("FTPManualBaseFileName", Text(32), "manual")
    manual_file_mode: int = _f("FTPManualFileMode", IntChoice((0, 1, 2)), 0)
    manual_max_file_sequence_number: int = _f("FTPManualMaxFileSequenceNumber", PORT, 1024)


@dataclass(frozen=True, slots=True)
class EmailConfig(CgiGroup):
    """``/email.cgi`` (3.5.3/3.5.4)."""

    PATH: ClassVar[str] = "/email.cgi"
    WRITABLE: ClassVar[bool] = True
    smtp_server: str = _f("EmailSMTPServerAddress", IpAddress(host=True, max_len=64), "")
    sender_address: str = _f("EmailSenderAddress", Email(64), "")
    receiver_address: str = _f("EmailReceiverAddress", Email(64), "")
    user_name: str = _f("EmailUserName", Text(64), "")
    password: str = _f("EmailPassword", Text(32), "", secret=True)
    schedule_enable: int = _f("EmailScheduleEnable", BOOL01, 0)
    schedule_mode: int = _f("EmailScheduleMode", BOOL01, 0)
    schedule_day: int = _f("EmailScheduleDay", DAYS, 0)
    schedule_time_start: str = _f("EmailScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = _f("EmailScheduleTimeStop", TIME, "23:59:59")
    schedule_interval: int = _f("EmailScheduleInterval", PORT, 60)
    manual_enable: int = _f("EmailManualEnable", BOOL01, 0)
    manual_interval: int = _f("EmailManualInterval", PORT, 60)


@dataclass(frozen=True, slots=True)
class MotionConfig(CgiGroup):
    """``/motion.cgi``: a D-Link extension (not in the document; seen in D-Link's SDK).

    Configuration only: no camera of this API reports a motion *state*.
    """

    PATH: ClassVar[str] = "/motion.cgi"
    WRITABLE: ClassVar[bool] = True
    enable: int = _f("MotionDetectionEnable", BOOL01, 0)
    sensitivity: int = _f("MotionDetectionSensitivity", IntRange(0, 100), 50)
    block_set: str = _f("MotionDetectionBlockSet", Pattern(r"[01]{25}", "25 digits 0/1"), "1" * 25)
    schedule_mode: int = _f("MotionDetectionScheduleMode", BOOL01, 0)
    schedule_day: int = _f("MotionDetectionScheduleDay", DAYS, 0)
    schedule_time_start: str = _f("MotionDetectionScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = _f("MotionDetectionScheduleTimeStop", TIME, "23:59:59")


@dataclass(frozen=True, slots=True)
class IoStatus(CgiGroup):
    """``/iocontrol.cgi`` read (5.1.1): ``Trigger1=..&Trigger2=..&...&CurrentTime=..``.

    ``input1``/``input2`` are not in the document; they are read when a camera
    (or our simulator) adds ``Input1``/``Input2``, and are None otherwise.
    """

    PATH: ClassVar[str] = "/iocontrol.cgi"
    trigger1: int = _f("Trigger1", BOOL01, 0)
    trigger2: int = _f("Trigger2", BOOL01, 0)
    image_upload: int = _f("ImageUpload", BOOL01, 0)
    image_email: int = _f("ImageEmail", BOOL01, 0)
    current_time: str = _f("CurrentTime", Text(), "")
    input1: int | None = _f("Input1", BOOL01, None)
    input2: int | None = _f("Input2", BOOL01, None)


T = TypeVar("T", bound=CgiGroup)


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


def from_params(cls: type[T], params: Mapping[str, str]) -> T:
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


def validate(group: CgiGroup, only: Iterable[str] | None = None) -> None:
    """``InvalidValue`` (naming the parameter) unless every field is valid."""
    wanted = None if only is None else set(only)
    for attr, name, kind in group_fields(type(group)):
        if wanted is not None and attr not in wanted:
            continue
        value = getattr(group, attr)
        if value is None:
            continue
        try:
            kind.check(value)
        except InvalidValue as err:
            raise InvalidValue(f"{name}: {err}") from None


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


def to_pairs(group: CgiGroup) -> list[tuple[str, str]]:
    """Every field as ``(CGI name, text)`` in document order, unvalidated (answers)."""
    out = []
    for attr, name, kind in group_fields(type(group)):
        value = getattr(group, attr)
        if value is not None:
            out.append((name, kind.format(value)))
    return out


def field_by_name(cls: type[CgiGroup], name: str) -> tuple[str, ValueKind] | None:
    """``(attribute, kind)`` of the CGI parameter ``name`` (case and space insensitive)."""
    wanted = norm_name(name)
    for attr, cgi_name, kind in group_fields(cls):
        if norm_name(cgi_name) == wanted:
            return attr, kind
    return None


def config_write(
    group: CgiGroup, *, only: Iterable[str] | None = None, reboot: bool = False
) -> dict[str, str]:
    """Parameters of a configuration write, with ``ConfigReboot`` (3.x set requests)."""
    if not type(group).WRITABLE:
        raise InvalidValue(f"{type(group).PATH} is read-only")
    params = to_params(group, only)
    params["ConfigReboot"] = "Yes" if reboot else "No"
    return params


def parse_list(cls: type[T], params: Params, first: str) -> list[T]:
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


# --- users -------------------------------------------------------------------------------------


def user_add(user: UserEntry) -> dict[str, str]:
    """``userlist.cgi`` parameters adding one user (3.2.4)."""
    params = to_params(user)
    params["UserAdd"] = "Yes"
    return params


def user_delete(name: str) -> dict[str, str]:
    """``userlist.cgi`` parameters deleting one user (3.2.5)."""
    Text(12, 1).check(name)
    return {"UserName": name, "UserDelete": "Yes"}


# --- reset -------------------------------------------------------------------------------------

RESTART: Final = {"Reset": "Yes"}
FACTORY_RESET: Final = {"FactoryReset": "Yes"}

# --- I/O control -------------------------------------------------------------------------------


def io_control(
    trigger1: bool | int, trigger2: bool | int, image_upload: bool | int, image_email: bool | int
) -> dict[str, str]:
    """All four ``iocontrol.cgi`` flags in one write (JPLUG order)."""
    return {
        "Trigger1": str(int(bool(trigger1))),
        "Trigger2": str(int(bool(trigger2))),
        "ImageUpload": str(int(bool(image_upload))),
        "ImageEmail": str(int(bool(image_email))),
    }


def parse_io_status(body: bytes | str) -> IoStatus:
    """The ``iocontrol.cgi`` read answer (``&``-joined or one pair per line)."""
    params = parse_params(body, split_amp=True)
    if "Trigger1" not in params and "Trigger2" not in params:
        raise ProtocolError("iocontrol.cgi answer has no Trigger1/Trigger2")
    return from_params(IoStatus, params)


# --- pan/tilt ----------------------------------------------------------------------------------

PAN_MAX: Final = 340
TILT_MAX: Final = 135
PRESET_MAX: Final = 24
DEGREE_MAX: Final = 10


class PanTiltMove(enum.IntEnum):
    """``PanTiltSingleMove`` codes (keypad layout; 0/2/6/8 are reserved)."""

    UP = 1
    LEFT = 3
    HOME = 4
    RIGHT = 5
    DOWN = 7


class SwingMode(enum.IntEnum):
    """``PanTiltSwingMode``: 0 off, 2 swing between presets (1 is reserved)."""

    DISABLE = 0
    PRESET = 2


def _check(kind: ValueKind, name: str, value: Any) -> str:
    try:
        kind.check(value)
    except InvalidValue as err:
        raise InvalidValue(f"{name}: {err}") from None
    return kind.format(value)


def pt_single_move(
    move: PanTiltMove | int, pan_degree: int = 5, tilt_degree: int = 5
) -> dict[str, str]:
    """One step (5.1.5)."""
    return {
        "PanSingleMoveDegree": _check(IntRange(1, DEGREE_MAX), "PanSingleMoveDegree", pan_degree),
        "TiltSingleMoveDegree": _check(
            IntRange(1, DEGREE_MAX), "TiltSingleMoveDegree", tilt_degree
        ),
        "PanTiltSingleMove": _check(
            IntChoice(tuple(int(m) for m in PanTiltMove)), "PanTiltSingleMove", int(move)
        ),
    }


def pt_preset_move(preset: int) -> dict[str, str]:
    """Go to a preset; 0 is the home position (5.1.6)."""
    return {
        "PanTiltPresetPositionMove": _check(
            IntRange(0, PRESET_MAX), "PanTiltPresetPositionMove", preset
        )
    }


def pt_set_preset(preset: int, pan: int, tilt: int, name: str) -> dict[str, str]:
    """Store a preset 1...24 at (pan, tilt) (5.1.7; 0 is home and cannot be modified)."""
    return {
        "PanTiltHorizontal": _check(IntRange(0, PAN_MAX), "PanTiltHorizontal", pan),
        "PanTiltVertical": _check(IntRange(0, TILT_MAX), "PanTiltVertical", tilt),
        "SetName": _check(Text(12), "SetName", name),
        "SetPosition": _check(IntRange(1, PRESET_MAX), "SetPosition", preset),
    }


def pt_clear_preset(preset: int) -> dict[str, str]:
    """Clear a preset 1...24 (5.1.8)."""
    return {"ClearPosition": _check(IntRange(1, PRESET_MAX), "ClearPosition", preset)}


def pt_swing(mode: SwingMode | int) -> dict[str, str]:
    """Start (2) or stop (0) the preset swing (5.1.9)."""
    return {"PanTiltSwingMode": _check(IntChoice((0, 2)), "PanTiltSwingMode", int(mode))}


def pt_move_position(pan: int, tilt: int) -> dict[str, str]:
    """Move to an absolute position (5.1.10)."""
    return {
        "PanTiltHorizontal": _check(IntRange(0, PAN_MAX), "PanTiltHorizontal", pan),
        "PanTiltVertical": _check(IntRange(0, TILT_MAX), "PanTiltVertical", tilt),
        "PanTiltPositionMove": "true",
    }


# --- COM port ----------------------------------------------------------------------------------

COM_MAX: Final = 256


def com_out(data: str) -> dict[str, str]:
    """Send ``data`` out of the serial port (5.1.11)."""
    return {"ComOut": _check(Text(COM_MAX, 1), "ComOut", data), "ComSend": "Yes"}


# --- MJPEG Date: header ------------------------------------------------------------------------

_DATE_STATE = re.compile(r"IO_([01]{8})_PT_(\d{3})_(\d{3})")


class IoOrder(enum.StrEnum):
    """How the eight ``IO_`` digits are numbered.

    ``JPLUG`` (default; what D-Link's own applet reads and what the simulator
    writes): digit 8 (rightmost) Trigger1, 7 Trigger2, 6 ImageUpload,
    5 ImageEmail, 1 and 2 the alarm inputs. ``DOCUMENT``: the document's
    "1st is Trigger1, 2nd Trigger2, 3rd Image Upload, 4th Image Email"
    counted from the left; inputs are not reported.
    """

    JPLUG = "jplug"
    DOCUMENT = "document"


@dataclass(frozen=True, slots=True)
class IoFlags:
    """Decoded I/O digits."""

    trigger1: bool = False
    trigger2: bool = False
    image_upload: bool = False
    image_email: bool = False
    input1: bool | None = None
    input2: bool | None = None


@dataclass(frozen=True, slots=True)
class MjpegState:
    """The state a MJPEG part's ``Date:`` header carries."""

    time: str  # as the camera wrote it ("2008-10-01 15:37:53" or "03-28-2025 12:32:19 AM")
    io: str  # the eight digits, as sent
    pan: int
    tilt: int

    def flags(self, order: IoOrder = IoOrder.JPLUG) -> IoFlags:
        return decode_io(self.io, order)


def parse_date_header(value: str) -> MjpegState:
    """Parse ``[Date:] <time> IO_xxxxxxxx_PT_ppp_ttt`` with a regex (not fixed offsets)."""
    text = value.strip()
    if text[:5].lower() == "date:":
        text = text[5:].strip()
    if len(text) > 256:
        raise ProtocolError("Date header too long")
    match = _DATE_STATE.search(text)
    if match is None:
        raise ProtocolError(f"no IO_..._PT_... state in Date header {text[:60]!r}")
    return MjpegState(
        time=text[: match.start()].strip(),
        io=match.group(1),
        pan=int(match.group(2)),
        tilt=int(match.group(3)),
    )


def decode_io(digits: str, order: IoOrder = IoOrder.JPLUG) -> IoFlags:
    """Decode eight ``0``/``1`` digits in the given order."""
    if not re.fullmatch(r"[01]{8}", digits):
        raise ProtocolError(f"bad IO digits {digits!r}")
    bits = [c == "1" for c in digits]
    if order is IoOrder.DOCUMENT:
        return IoFlags(bits[0], bits[1], bits[2], bits[3])
    return IoFlags(bits[7], bits[6], bits[5], bits[4], bits[0], bits[1])


def encode_io(flags: IoFlags, order: IoOrder = IoOrder.JPLUG) -> str:
    """Eight digits for ``flags`` (the inverse of ``decode_io``)."""
    outs = [flags.trigger1, flags.trigger2, flags.image_upload, flags.image_email]
    if order is IoOrder.DOCUMENT:
        bits = [*outs, False, False, False, False]
    else:
        bits = [bool(flags.input1), bool(flags.input2), False, False, *reversed(outs)]
    return "".join("1" if b else "0" for b in bits)


def format_date_header(time: str, io: str, pan: int, tilt: int) -> str:
    """A part's ``Date:`` value, e.g. ``2008-10-01 15:37:53 IO_00000000_PT_170_067``."""
    if not re.fullmatch(r"[01]{8}", io):
        raise ValueError(f"bad IO digits {io!r}")
    if not (0 <= pan <= 999 and 0 <= tilt <= 999):
        raise ValueError("pan/tilt out of range")
    return f"{time} IO_{io}_PT_{pan:03d}_{tilt:03d}"


# --- misc --------------------------------------------------------------------------------------


def normalize_mac(text: str) -> str:
    """``00 FF 5C 8A 13 18``, ``00:40:8C:CD:00:00``, ``0040-8ccd-0000`` -> ``00:40:8c:cd:00:00``."""
    digits = re.sub(r"[\s:.\-]", "", text).lower()
    if not re.fullmatch(r"[0-9a-f]{12}", digits):
        return ""
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def parse_cgi_version(body: bytes | str) -> int:
    """``CGIVersion=<n>`` (3.1.1)."""
    params = parse_params(body)
    if "CGIVersion" not in params:
        raise ProtocolError("cgiversion.cgi answer has no CGIVersion")
    return IntRange(0, 2**31 - 1).parse(params["CGIVersion"])
