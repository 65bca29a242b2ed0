"""IPCamCGI ``Name=Value`` answers and request parameters (client side)."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.cgi import ptz
from custom_components.ipcam.protocols.cgi.groups import io_control
from custom_components.ipcam.protocols.cgi.query import (
    MAX_BODY,
    MAX_LINES,
    Params,
    format_form_body,
    format_query,
    norm_name,
    parse_params,
)
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.cgi.requests import parse_request
from tests.protocols.cgi.inputs import cases

# --- Name=Value parsing (docs/protocols/cgi.md, "Test vectors") ---


@pytest.mark.parametrize(
    ("line", "key", "value"),
    [
        ("CameraName = Front door", "CameraName", "Front door"),
        ("UserName =admin", "UserName", "admin"),
        ("FTPPassword=a=b", "FTPPassword", "a=b"),
    ],
)
def test_name_value_vectors(line: str, key: str, value: str) -> None:
    params = parse_params(line.encode())
    assert params.pairs == [(key, value)]
    assert params[key] == value


def test_result_lines_are_ignored() -> None:
    params = parse_params(b"<result>\r\nCameraName=x\r\n</result>\r\n")
    assert params.pairs == [("CameraName", "x")]
    assert parse_params(b"<result>").pairs == []


def test_crlf_lf_and_case_insensitive_names() -> None:
    body = b"cameraname=A\nLocation = Hall \r\nMODEL=DCS-930L\r\n\r\n"
    params = parse_params(body)
    assert params["CameraName"] == "A"
    assert params["location"] == "Hall"
    assert params["Model"] == "DCS-930L"
    assert "MoDeL" in params
    assert 3 not in params
    assert "Firmware" not in params
    assert len(params) == 3
    assert sorted(params) == ["cameraname", "location", "model"]
    assert repr(params) == "Params(['cameraname', 'Location', 'MODEL'])"


def test_names_compare_without_white_space() -> None:
    assert norm_name("FTPSchedule FileMode") == "ftpschedulefilemode"
    assert Params([("FTPSchedule FileMode", "2")])["FTPScheduleFileMode"] == "2"


def test_split_on_ampersands() -> None:
    body = b"Trigger1=1&Trigger2=0&bad-name=1&=x&CurrentTime=2008-10-01 15:37:53"
    params = parse_params(body, split_amp=True)
    assert params.pairs == [
        ("Trigger1", "1"),
        ("Trigger2", "0"),
        ("CurrentTime", "2008-10-01 15:37:53"),
    ]


def test_garbage_and_oversize_bodies() -> None:
    with pytest.raises(ProtocolError):
        parse_params(b"this is not a CGI answer\r\n")
    with pytest.raises(ProtocolError):
        parse_params(b"A=1\n" * (MAX_BODY // 4 + 1))
    with pytest.raises(ProtocolError):
        parse_params("\n".join(["A=1"] * (MAX_LINES + 1)))
    # Lines without "=" between valid ones are skipped, not fatal.
    assert parse_params(b"junk\r\nA=1\r\n")["A"] == "1"
    # Invalid UTF-8 is replaced, not an error.
    assert parse_params(b"CameraName=\xff\xfe\r\n")["CameraName"] == "\ufffd\ufffd"


# --- requests ---


def test_jplug_iocontrol_body_vector() -> None:
    body = format_form_body(io_control(0, 0, 0, 0))
    assert body == b"Trigger1=0&Trigger2=0&ImageUpload=0&ImageEmail=0\r\n\r\n"
    assert len(body) == 52


def test_jplug_pantilt_body_vector() -> None:
    body = format_form_body(ptz.single_move(ptz.PanTiltMove.UP, 5, 5))
    assert body == b"PanSingleMoveDegree=5&TiltSingleMoveDegree=5&PanTiltSingleMove=1\r\n\r\n"
    assert len(body) == 68


def test_query_encoding_round_trip() -> None:
    params = {"CameraName": "Front door & porch", "Location": "a=b/c"}
    query = format_query(params)
    assert " " not in query
    assert query.startswith("CameraName=Front%20door%20%26%20porch&")
    assert format_query(list(params.items())) == query
    # The camera's side reads it back (simulator.cgi.requests).
    assert parse_request(query) == list(params.items())
    assert parse_request(query.encode() + b"\r\n\r\n") == list(params.items())


def test_parse_request_rejects_bad_names() -> None:
    assert parse_request("") == []
    with pytest.raises(ProtocolError):
        parse_request("Bad-Name=1")
    with pytest.raises(ProtocolError):
        parse_request("novalue")


def test_property_any_bytes_parse_or_protocol_error() -> None:
    valid = [
        b"CameraName = Front door\r\nLocation=Hall\r\n",
        b"Trigger1=1&Trigger2=0&ImageUpload=0&ImageEmail=0&CurrentTime=2008-10-01 15:37:53",
        b"<result>\r\nUserName =alice\r\nUserPassword =x\r\n</result>\r\n",
    ]
    for data in cases(seed=21, valid=valid, count=600):
        for split_amp in (False, True):
            try:
                params = parse_params(data, split_amp=split_amp)
            except ProtocolError:
                continue
            assert all(isinstance(v, str) for v in params.values())
