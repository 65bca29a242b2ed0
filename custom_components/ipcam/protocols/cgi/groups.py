"""The IPCamCGI configuration groups and the requests of the other CGIs that answer text.

One typed group per CGI of the document's chapter 3 (and D-Link's ``motion.cgi``),
declared with the field language of ``fields``; the ``iocontrol.cgi`` read
(5.1.1); and the parameters of the user, reset, I/O and COM-port requests.
Section numbers in docstrings are the document's. Pure; nothing here does I/O.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from typing import ClassVar, Final

from ..errors import ProtocolError
from .fields import (
    BOOL01,
    DATE,
    DAYS,
    NUMBER,
    PORT,
    PSK,
    TIME,
    CgiGroup,
    Choice,
    Email,
    IntChoice,
    IntRange,
    IpAddress,
    Pattern,
    SignedInt,
    Text,
    cgi_field,
    checked,
    from_params,
    to_params,
)
from .query import parse_params


@dataclasses.dataclass(frozen=True, slots=True)
class SystemInfo(CgiGroup):
    """``/isystem.cgi`` (3.1.2)."""

    PATH: ClassVar[str] = "/isystem.cgi"
    REQUIRED: ClassVar[tuple[str, ...]] = ("Model", "MACAddress", "CameraName")
    camera_name: str = cgi_field("CameraName", Text(), "")
    location: str = cgi_field("Location", Text(), "")
    model: str = cgi_field("Model", Text(), "")
    firmware_version: str = cgi_field("FirmwareVersion", Text(), "")
    mac_address: str = cgi_field("MACAddress", Text(), "")
    ip_address: str = cgi_field("IPAddress", Text(), "")
    ethernet_link: str = cgi_field("EthernetLink", Choice(("Yes", "No")), "")
    ethernet_speed: str = cgi_field("EthernetSpeed", Choice(("10M bps", "100M bps")), "")
    ethernet_duplex: str = cgi_field("EthernetDuplex", Choice(("Half Duplex", "Full Duplex")), "")

    @property
    def mac(self) -> str:
        """The MAC address in lower-case colon form, or "" when it is not one."""
        return normalize_mac(self.mac_address)


class LedMode(enum.IntEnum):
    """``LEDControl``: 0 normal, 1 off, 2 dummy."""

    NORMAL = 0
    OFF = 1
    DUMMY = 2


@dataclasses.dataclass(frozen=True, slots=True)
class SystemConfig(CgiGroup):
    """``/system.cgi`` (3.1.3/3.1.4)."""

    PATH: ClassVar[str] = "/system.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("LEDControl", "CameraName", "AdminID")
    camera_name: str = cgi_field("CameraName", Text(32), "")
    location: str = cgi_field("Location", Text(64), "")
    admin_id: str = cgi_field("AdminID", Text(12, 1), "admin")
    admin_password: str = cgi_field("AdminPassword", Text(8), "", secret=True)
    led_control: int = cgi_field("LEDControl", IntChoice((0, 1, 2)), LedMode.NORMAL)


@dataclasses.dataclass(frozen=True, slots=True)
class DateTimeConfig(CgiGroup):
    """``/datetime.cgi`` (3.1.5/3.1.6)."""

    PATH: ClassVar[str] = "/datetime.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("Date", "Time", "DateTimeMode")
    date_time_mode: int = cgi_field("DateTimeMode", BOOL01, 1)  # 0 time server, 1 manual
    time_server: str = cgi_field("TimeServerIPAddress", IpAddress(host=True, max_len=64), "")
    time_server_protocol: int = cgi_field("TimeServerProtocol", BOOL01, 0)  # 0 NTP, 1 Time
    time_zone: int = cgi_field("TimeZone", SignedInt(-12, 13), 0)
    time_zone_index: int = cgi_field("TimeZoneIndex", IntRange(0, 84), 0)
    date: str = cgi_field("Date", DATE, "2008-10-15")
    time: str = cgi_field("Time", TIME, "00:00:00")


@dataclasses.dataclass(frozen=True, slots=True)
class UserAccessConfig(CgiGroup):
    """``/user.cgi`` (3.2.1/3.2.2). Beware: 0 means *enabled*, 1 *disabled*."""

    PATH: ClassVar[str] = "/user.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("AccessControlEnable",)
    access_control_enable: int = cgi_field("AccessControlEnable", BOOL01, 0)

    @property
    def enabled(self) -> bool:
        return self.access_control_enable == 0


@dataclasses.dataclass(frozen=True, slots=True)
class UserEntry(CgiGroup):
    """One entry of ``/userlist.cgi`` (3.2.3)."""

    PATH: ClassVar[str] = "/userlist.cgi"
    user_name: str = cgi_field("UserName", Text(12, 1), "")
    user_password: str = cgi_field("UserPassword", Text(8), "", secret=True)
    user_privilege: int = cgi_field("UserPrivilege", BOOL01, 0)  # 0 view, 1 view + PT + upload


@dataclasses.dataclass(frozen=True, slots=True)
class ActiveUser(CgiGroup):
    """One entry of ``/activeuser.cgi`` (3.2.6)."""

    PATH: ClassVar[str] = "/activeuser.cgi"
    user_ip_address: str = cgi_field("UserIPAddress", IpAddress(), "")
    user_name: str = cgi_field("UserName", Text(), "")
    access_date_time: str = cgi_field("AccessDateTime", Text(), "")
    ms_per_packet: int = cgi_field("MinisecondPerPacket", NUMBER, 0)


RESOLUTIONS: Final[dict[int, tuple[int, int]]] = {0: (160, 120), 1: (320, 240), 2: (640, 480)}
FRAME_RATES: Final[tuple[int, ...]] = (0, 1, 5, 7, 15, 20)  # 0 = Auto
COMPRESSIONS: Final[tuple[str, ...]] = ("Very Low", "Low", "Medium", "High", "Very High")


@dataclasses.dataclass(frozen=True, slots=True)
class ImageInfo(CgiGroup):
    """``/iimage.cgi`` (3.3.1, printed as ``/image.cgi`` in the document): display strings."""

    PATH: ClassVar[str] = "/iimage.cgi"
    REQUIRED: ClassVar[tuple[str, ...]] = ("VideoResolution",)
    video_resolution: str = cgi_field("VideoResolution", Text(), "")
    compression_rate: str = cgi_field("CompressionRate", Text(), "")
    frame_rate: str = cgi_field("FrameRate", Text(), "")
    frame_size: str = cgi_field("FrameSize", Text(), "")
    light_frequency: str = cgi_field("LightFrequency", Text(), "")


@dataclasses.dataclass(frozen=True, slots=True)
class ImageConfig(CgiGroup):
    """``/image.cgi`` (3.3.2/3.3.3)."""

    PATH: ClassVar[str] = "/image.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("VideoResolution", "FrameRate")
    video_resolution: int = cgi_field("VideoResolution", IntChoice(tuple(RESOLUTIONS)), 1)
    compression_rate: int = cgi_field("CompressionRate", IntRange(0, 4), 2)
    frame_rate: int = cgi_field("FrameRate", IntChoice(FRAME_RATES), 0)
    brightness: int = cgi_field("BrightnessControl", IntRange(1, 128), 64)
    contrast: int = cgi_field("ContrastControl", IntRange(1, 128), 64)
    saturation: int = cgi_field("SaturationControl", IntRange(1, 128), 64)
    light_frequency: int = cgi_field("LightFrequency", BOOL01, 1)  # 0 50 Hz, 1 60 Hz
    mirror: int = cgi_field("Mirror", IntRange(0, 3), 0)  # bit 0 horizontal, bit 1 vertical
    anti_flicker: int = cgi_field("AntiFlickerEnable", BOOL01, 0)

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of ``video_resolution`` (320x240 when unknown)."""
        return RESOLUTIONS.get(self.video_resolution, (320, 240))


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkInfo(CgiGroup):
    """``/inetwork.cgi`` (3.4.1): status strings."""

    PATH: ClassVar[str] = "/inetwork.cgi"
    REQUIRED: ClassVar[tuple[str, ...]] = ("IPAddress",)
    ip_address: str = cgi_field("IPAddress", Text(), "")
    subnet_mask: str = cgi_field("SubnetMask", Text(), "")
    default_gateway: str = cgi_field("DefaultGateway", Text(), "")
    primary_dns: str = cgi_field("PrimaryDNSAddress", Text(), "")
    secondary_dns: str = cgi_field("SecondaryDNSAddress", Text(), "")
    dynamic_dns: str = cgi_field("DynamicDNS", Text(), "")
    secondary_http_port: str = cgi_field("SecondaryHTTPPort", Text(), "")
    upnp: str = cgi_field("UpnP", Text(), "")


@dataclasses.dataclass(frozen=True, slots=True)
class NetworkConfig(CgiGroup):
    """``/network.cgi`` (3.4.2/3.4.3)."""

    PATH: ClassVar[str] = "/network.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("IPAddressMode", "IPAddress")
    ip_address_mode: int = cgi_field("IPAddressMode", IntChoice((1, 4, 5)), 4)  # fixed, DHCP, PPPoE
    ip_address: str = cgi_field("IPAddress", IpAddress(), "")
    subnet_mask: str = cgi_field("SubnetMask", IpAddress(), "")
    default_gateway: str = cgi_field("DefaultGateway", IpAddress(), "")
    pppoe_user_id: str = cgi_field("PPPoEUserID", Text(64), "")
    pppoe_password: str = cgi_field("PPPoEPASSWORD", Text(32), "", secret=True)
    dns1: str = cgi_field("DNSIPAddress1", IpAddress(), "")
    dns2: str = cgi_field("DNSIPAddress2", IpAddress(), "")
    ddns_enable: int = cgi_field("DDNSEnable", BOOL01, 0)
    ddns_provider: str = cgi_field("DDNSProvider", Text(64), "")
    ddns_host_name: str = cgi_field("DDNSHostName", Text(64), "")
    ddns_user_name: str = cgi_field("DDNSUserName", Text(64), "")
    ddns_password: str = cgi_field("DDNSPassword", Text(32), "", secret=True)
    second_http_port_enable: int = cgi_field("SecondHTTPPortEnable", IntChoice((0, 3)), 0)
    second_http_port: int = cgi_field("SecondHTTPPort", PORT, 8080)
    upnp_enable: int = cgi_field("UPnPEnable", BOOL01, 1)


@dataclasses.dataclass(frozen=True, slots=True)
class WirelessInfo(CgiGroup):
    """``/iwireless.cgi`` (3.4.4): status strings."""

    PATH: ClassVar[str] = "/iwireless.cgi"
    REQUIRED: ClassVar[tuple[str, ...]] = ("ConnectionMode", "SSID", "WirelessLink")
    connection_mode: str = cgi_field("ConnectionMode", Text(), "")
    wireless_link: str = cgi_field("WirelessLink", Text(), "")
    ssid: str = cgi_field("SSID", Text(), "")
    wireless_channel: str = cgi_field("WirelessChannel", Text(), "")
    transmission_rate: str = cgi_field("TransmissionRate", Text(), "")
    wep_encryption: str = cgi_field("WEPEncryption", Text(), "")


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


@dataclasses.dataclass(frozen=True, slots=True)
class WirelessConfig(CgiGroup):
    """``/wireless.cgi`` (3.4.5/3.4.6)."""

    PATH: ClassVar[str] = "/wireless.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("ConnectionMode", "SSID")
    connection_mode: int = cgi_field("ConnectionMode", BOOL01, 0)  # 0 infrastructure, 1 ad-hoc
    ssid: str = cgi_field("SSID", Text(32), "")
    wireless_channel: int = cgi_field("WirelessChannel", IntRange(1, 14), 6)
    transmission_rate: str = cgi_field(
        "TransmissionRate", Choice(TRANSMISSION_RATES), "Fully Automatic"
    )
    wep_encryption: int = cgi_field("WEPEncryption", IntChoice((0, 2, 3, 4)), 0)
    wep_key_format: int = cgi_field("WEPKeyFormat", BOOL01, 0)  # 0 ASCII, 1 HEX
    key1: str = cgi_field("Key1", WEP_KEY, "", secret=True)
    key2: str = cgi_field("Key2", WEP_KEY, "", secret=True)
    key3: str = cgi_field("Key3", WEP_KEY, "", secret=True)
    key4: str = cgi_field("Key4", WEP_KEY, "", secret=True)
    tx_key: str = cgi_field("TxKey", Choice(("Key 1", "Key 2", "Key 3", "Key 4")), "Key 1")
    beacon_interval: int = cgi_field("BeaconInterval", PORT, 100)
    preamble: int = cgi_field("Preamble", BOOL01, 0)  # 0 long, 1 short
    authentication_type: int = cgi_field("AuthenticationType", IntChoice((0, 1, 2)), 0)
    pre_shared_key: str = cgi_field(
        "PreSharedKey", Pattern(r"|" + PSK.regex, PSK.what), "", secret=True
    )


@dataclasses.dataclass(frozen=True, slots=True)
class FtpConfig(CgiGroup):
    """``/upload.cgi`` (3.5.1/3.5.2)."""

    PATH: ClassVar[str] = "/upload.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("FTPHostAddress", "FTPPortNumber")
    host_address: str = cgi_field("FTPHostAddress", IpAddress(host=True, max_len=64), "")
    port_number: int = cgi_field("FTPPortNumber", PORT, 21)
    user_name: str = cgi_field("FTPUserName", Text(32), "")
    password: str = cgi_field("FTPPassword", Text(32), "", secret=True)
    directory_path: str = cgi_field("FTPDirectoryPath", Text(64), "/")
    passive_mode: int = cgi_field("FTPPassiveMode", BOOL01, 1)
    schedule_enable: int = cgi_field("FTPScheduleEnable", BOOL01, 0)
    schedule_mode: int = cgi_field("FTPScheduleMode", BOOL01, 0)  # 0 always, 1 schedule
    schedule_day: int = cgi_field("FTPScheduleDay", DAYS, 0)  # bit 0 Sunday ... bit 6 Saturday
    schedule_time_start: str = cgi_field("FTPScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = cgi_field("FTPScheduleTimeStop", TIME, "23:59:59")
    schedule_video_frequency_mode: int = cgi_field("FTPScheduleVideoFrequencyMode", BOOL01, 0)
    schedule_frame_per_second: str = cgi_field(
        "FTPScheduleFramePerSecond", Choice(("1", "2", "3", "Auto")), "1"
    )
    schedule_second_per_frame: int = cgi_field("FTPScheduleSecondPerFrame", PORT, 1)
    schedule_base_file_name: str = cgi_field("FTPScheduleBaseFileName", Text(32), "image")
    schedule_file_mode: int = cgi_field("FTPScheduleFileMode", IntChoice((0, 1, 2)), 0)
    schedule_max_file_sequence_number: int = cgi_field(
        "FTPScheduleMaxFileSequenceNumber", PORT, 1024
    )
    manual_enable: int = cgi_field("FTPManualEnable", BOOL01, 0)
    manual_base_file_name: str = cgi_field("FTPManualBaseFileName", Text(32), "manual")
    manual_file_mode: int = cgi_field("FTPManualFileMode", IntChoice((0, 1, 2)), 0)
    manual_max_file_sequence_number: int = cgi_field("FTPManualMaxFileSequenceNumber", PORT, 1024)


@dataclasses.dataclass(frozen=True, slots=True)
class EmailConfig(CgiGroup):
    """``/email.cgi`` (3.5.3/3.5.4)."""

    PATH: ClassVar[str] = "/email.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("EmailSMTPServerAddress",)
    smtp_server: str = cgi_field("EmailSMTPServerAddress", IpAddress(host=True, max_len=64), "")
    sender_address: str = cgi_field("EmailSenderAddress", Email(64), "")
    receiver_address: str = cgi_field("EmailReceiverAddress", Email(64), "")
    user_name: str = cgi_field("EmailUserName", Text(64), "")
    password: str = cgi_field("EmailPassword", Text(32), "", secret=True)
    schedule_enable: int = cgi_field("EmailScheduleEnable", BOOL01, 0)
    schedule_mode: int = cgi_field("EmailScheduleMode", BOOL01, 0)
    schedule_day: int = cgi_field("EmailScheduleDay", DAYS, 0)
    schedule_time_start: str = cgi_field("EmailScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = cgi_field("EmailScheduleTimeStop", TIME, "23:59:59")
    schedule_interval: int = cgi_field("EmailScheduleInterval", PORT, 60)
    manual_enable: int = cgi_field("EmailManualEnable", BOOL01, 0)
    manual_interval: int = cgi_field("EmailManualInterval", PORT, 60)


@dataclasses.dataclass(frozen=True, slots=True)
class MotionConfig(CgiGroup):
    """``/motion.cgi``: a D-Link extension (not in the document; seen in D-Link's SDK).

    Configuration only: no camera of this API reports a motion *state*.
    """

    PATH: ClassVar[str] = "/motion.cgi"
    WRITABLE: ClassVar[bool] = True
    REQUIRED: ClassVar[tuple[str, ...]] = ("MotionDetectionEnable",)
    enable: int = cgi_field("MotionDetectionEnable", BOOL01, 0)
    sensitivity: int = cgi_field("MotionDetectionSensitivity", IntRange(0, 100), 50)
    block_set: str = cgi_field(
        "MotionDetectionBlockSet", Pattern(r"[01]{25}", "25 digits 0/1"), "1" * 25
    )
    schedule_mode: int = cgi_field("MotionDetectionScheduleMode", BOOL01, 0)
    schedule_day: int = cgi_field("MotionDetectionScheduleDay", DAYS, 0)
    schedule_time_start: str = cgi_field("MotionDetectionScheduleTimeStart", TIME, "00:00:00")
    schedule_time_stop: str = cgi_field("MotionDetectionScheduleTimeStop", TIME, "23:59:59")


@dataclasses.dataclass(frozen=True, slots=True)
class IoStatus(CgiGroup):
    """``/iocontrol.cgi`` read (5.1.1): ``Trigger1=..&Trigger2=..&...&CurrentTime=..``.

    ``input1``/``input2`` are not in the document; they are read when a camera
    (or our simulator) adds ``Input1``/``Input2``, and are None otherwise.
    """

    PATH: ClassVar[str] = "/iocontrol.cgi"
    REQUIRED: ClassVar[tuple[str, ...]] = ("Trigger1", "Trigger2")
    trigger1: int = cgi_field("Trigger1", BOOL01, 0)
    trigger2: int = cgi_field("Trigger2", BOOL01, 0)
    image_upload: int = cgi_field("ImageUpload", BOOL01, 0)
    image_email: int = cgi_field("ImageEmail", BOOL01, 0)
    current_time: str = cgi_field("CurrentTime", Text(), "")
    input1: int | None = cgi_field("Input1", BOOL01, None)
    input2: int | None = cgi_field("Input2", BOOL01, None)


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
    return NUMBER.parse(params["CGIVersion"])


def parse_io_status(body: bytes | str) -> IoStatus:
    """The ``iocontrol.cgi`` read answer (``&``-joined or one pair per line)."""
    params = parse_params(body, split_amp=True)
    if not any(name in params for name in IoStatus.REQUIRED):
        raise ProtocolError("iocontrol.cgi answer has no Trigger1/Trigger2")
    return from_params(IoStatus, params)


def io_control(
    trigger1: bool | int, trigger2: bool | int, image_upload: bool | int, image_email: bool | int
) -> dict[str, str]:
    """All four ``iocontrol.cgi`` flags in one write (5.1.2-5.1.4, as D-Link's applet does)."""
    return {
        "Trigger1": str(int(bool(trigger1))),
        "Trigger2": str(int(bool(trigger2))),
        "ImageUpload": str(int(bool(image_upload))),
        "ImageEmail": str(int(bool(image_email))),
    }


def user_add(user: UserEntry) -> dict[str, str]:
    """``userlist.cgi`` parameters adding one user (3.2.4)."""
    params = to_params(user)
    params["UserAdd"] = "Yes"
    return params


def user_delete(name: str) -> dict[str, str]:
    """``userlist.cgi`` parameters deleting one user (3.2.5)."""
    checked(Text(12, 1), "UserName", name)
    return {"UserName": name, "UserDelete": "Yes"}


RESTART: Final = {"Reset": "Yes"}  # reset.cgi (3.6.1)
FACTORY_RESET: Final = {"FactoryReset": "Yes"}  # reset.cgi (3.6.2)
COM_MAX: Final = 256


def com_out(data: str) -> dict[str, str]:
    """Send ``data`` out of the serial port (5.1.11)."""
    return {"ComOut": checked(Text(COM_MAX, 1), "ComOut", data), "ComSend": "Yes"}
