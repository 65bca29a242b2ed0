"""The IPCamCGI field language: value kinds and the typed-group machinery."""

from __future__ import annotations

import dataclasses

import pytest

from custom_components.ipcam.protocols.cgi.fields import (
    CgiGroup,
    checked,
    config_write,
    from_params,
    parse_group,
    parse_int,
    to_params,
    validate,
    with_changes,
)
from custom_components.ipcam.protocols.cgi.groups import (
    ActiveUser,
    DateTimeConfig,
    EmailConfig,
    FtpConfig,
    ImageConfig,
    ImageInfo,
    IoStatus,
    MotionConfig,
    NetworkConfig,
    NetworkInfo,
    SystemConfig,
    SystemInfo,
    UserAccessConfig,
    UserEntry,
    WirelessConfig,
    WirelessInfo,
)
from custom_components.ipcam.protocols.cgi.query import parse_params
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError
from simulator.cgi.answers import format_params, to_pairs
from simulator.cgi.requests import field_by_name
from tests.protocols.cgi.inputs import cases

GROUPS = [
    SystemConfig("Cam", "Hall", "admin", "secret", 2),
    DateTimeConfig(0, "pool.ntp.org", 1, -5, 15, "2004-09-01", "06:12:35"),
    ImageConfig(2, 4, 20, 1, 128, 64, 0, 3, 1),
    NetworkConfig(
        1,
        "192.168.0.20",
        "255.255.255.0",
        "192.168.0.1",
        "ppp",
        "pw",
        "8.8.8.8",
        "1.1.1.1",
        1,
        "DynDNS",
        "cam.example.org",
        "me",
        "pw",
        3,
        81,
        0,
    ),
    WirelessConfig(1, "my ssid", 11, "5.5 Mb", 4, 1, "0123456789", "", "", "", "Key 2", 100, 1),
    FtpConfig(host_address="ftp.example.org", port_number=2121, schedule_day=0b1111111),
    EmailConfig(smtp_server="smtp.example.org", sender_address="cam@example.org"),
    MotionConfig(1, 80, "1111100000111110000011111", 1, 1 | 64, "06:00:00", "18:00:00"),
]
EVERY_GROUP: list[type[CgiGroup]] = [
    *(type(g) for g in GROUPS),
    SystemInfo,
    UserAccessConfig,
    UserEntry,
    ActiveUser,
    ImageInfo,
    NetworkInfo,
    WirelessInfo,
    IoStatus,
]


@pytest.mark.parametrize("group", GROUPS, ids=lambda g: type(g).__name__)
def test_group_round_trip(group: CgiGroup) -> None:
    validate(group)
    body = format_params(to_pairs(group))
    assert from_params(type(group), parse_params(body)) == group
    spaced = format_params(to_pairs(group), spaced=True)
    assert parse_group(type(group), parse_params(spaced)) == group


def test_time_zone_is_signed() -> None:
    pairs = dict(to_pairs(DateTimeConfig(time_zone=8)))
    assert pairs["TimeZone"] == "+8"
    assert dict(to_pairs(DateTimeConfig(time_zone=0)))["TimeZone"] == "0"
    assert dict(to_pairs(DateTimeConfig(time_zone=-12)))["TimeZone"] == "-12"
    assert from_params(DateTimeConfig, parse_params(b"TimeZone=+8")).time_zone == 8


def test_missing_names_keep_defaults_bad_values_raise() -> None:
    image = from_params(ImageConfig, parse_params(b"FrameRate=5\r\n"))
    assert image.frame_rate == 5
    assert image.video_resolution == ImageConfig().video_resolution
    with pytest.raises(ProtocolError):
        from_params(ImageConfig, parse_params(b"FrameRate=fast\r\n"))


def test_integers_are_ascii_and_bounded() -> None:
    assert parse_int(" -12 ") == -12
    for bad in ("", "1.5", "12345678901", "\u00b2", "0x10", "1 2"):
        with pytest.raises(ProtocolError):
            parse_int(bad)


def test_answer_without_required_names_is_not_this_cgi() -> None:
    with pytest.raises(ProtocolError, match="not an IPCamCGI answer"):
        parse_group(ImageConfig, parse_params(b"Welcome=1\r\n"))
    assert parse_group(UserEntry, parse_params(b"Anything=1")) == UserEntry()


@pytest.mark.parametrize(
    ("group", "field", "value"),
    [
        (ImageConfig(), "frame_rate", 3),
        (ImageConfig(), "video_resolution", 3),
        (ImageConfig(), "brightness", 0),
        (ImageConfig(), "brightness", 129),
        (ImageConfig(), "mirror", 4),
        (ImageConfig(), "frame_rate", True),
        (ImageConfig(), "frame_rate", "5"),
        (SystemConfig(), "camera_name", "x" * 33),
        (SystemConfig(), "location", "x" * 65),
        (SystemConfig(), "admin_id", ""),
        (SystemConfig(), "led_control", 3),
        (SystemConfig(), "camera_name", "two\r\nlines"),
        (SystemConfig(), "camera_name", 5),
        (DateTimeConfig(), "time", "24:00:00"),
        (DateTimeConfig(), "date", "2004-13-01"),
        (DateTimeConfig(), "time_zone", 14),
        (DateTimeConfig(), "time_zone_index", 85),
        (DateTimeConfig(), "time_server", "bad host name"),
        (DateTimeConfig(), "time_server", "x" * 65),
        (DateTimeConfig(), "time_server", 5),
        (NetworkConfig(), "ip_address", "256.1.1.1"),
        (NetworkConfig(), "ip_address", "camera.local"),
        (NetworkConfig(), "ip_address_mode", 2),
        (NetworkConfig(), "second_http_port_enable", 1),
        (NetworkConfig(), "second_http_port", 0),
        (WirelessConfig(), "wireless_channel", 15),
        (WirelessConfig(), "transmission_rate", "100 Mb"),
        (WirelessConfig(), "key1", "1234"),
        (WirelessConfig(), "pre_shared_key", "short"),
        (WirelessConfig(), "tx_key", "Key 5"),
        (FtpConfig(), "schedule_mode", 2),
        (FtpConfig(), "schedule_frame_per_second", "4"),
        (FtpConfig(), "schedule_day", 128),
        (EmailConfig(), "receiver_address", "not-an-address"),
        (MotionConfig(), "block_set", "11111"),
    ],
)
def test_invalid_values(group: CgiGroup, field: str, value: object) -> None:
    bad = dataclasses.replace(group, **{field: value})  # type: ignore[type-var]
    with pytest.raises(InvalidValue):
        to_params(bad)


def test_valid_edge_values() -> None:
    validate(WirelessConfig(pre_shared_key="a" * 8, key1="abcde", wep_key_format=0))
    validate(WirelessConfig(pre_shared_key="0" * 64, key1="0123456789abcdef0123456789"))
    validate(DateTimeConfig(time_server="192.168.0.1", time_zone=13, time_zone_index=84))
    validate(ImageConfig(brightness=1, contrast=128, frame_rate=0))
    validate(EmailConfig(receiver_address=""))


def test_config_write_adds_config_reboot() -> None:
    image = ImageConfig(frame_rate=15)
    assert config_write(image, only=["frame_rate"]) == {"FrameRate": "15", "ConfigReboot": "No"}
    assert config_write(image, only=["frame_rate"], reboot=True)["ConfigReboot"] == "Yes"
    with pytest.raises(InvalidValue):
        config_write(SystemInfo())


def test_with_changes_names_unknown_fields() -> None:
    assert with_changes(ImageConfig, {"frame_rate": 5}) == ImageConfig(frame_rate=5)
    with pytest.raises(InvalidValue, match="no field speed"):
        with_changes(ImageConfig, {"speed": 5})


def test_checked_names_the_parameter() -> None:
    with pytest.raises(InvalidValue, match="^SetName: "):
        checked(ImageConfig.__dataclass_fields__["brightness"].metadata["kind"], "SetName", 0)


def test_field_lookup_is_case_and_space_insensitive() -> None:
    assert field_by_name(FtpConfig, "FTPSCHEDULE FILEMODE") is not None
    assert field_by_name(ImageConfig, "framerate") is not None
    assert field_by_name(ImageConfig, "Bogus") is None


def test_secrets_not_in_repr() -> None:
    text = repr(SystemConfig(admin_password="hunter2")) + repr(NetworkConfig(pppoe_password="p1"))
    assert "hunter2" not in text
    assert "p1" not in text


def test_property_answers_give_groups_or_protocol_error() -> None:
    """Random and mutated answers, read as every group: a group or ProtocolError only."""
    valid = [format_params(to_pairs(g)) for g in GROUPS]
    for data in cases(seed=31, valid=valid, count=300):
        for cls in EVERY_GROUP:
            try:
                from_params(cls, parse_params(data))
                parse_group(cls, parse_params(data, split_amp=True))
            except ProtocolError:
                pass
