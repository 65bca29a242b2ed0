"""The port rule (RTSP on 554, or 2000 + the web port) and stream numbers."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.grandstream import (
    check_channel,
    is_secondary,
    rtsp_port_for_web_port,
    stream_channel,
    web_port_for_rtsp_port,
)
from custom_components.ipcam.protocols.grandstream.profile import rtsp_port_instead_of


def test_port_rule_and_channels() -> None:
    assert rtsp_port_for_web_port(80) == 554
    assert rtsp_port_for_web_port(8080) == 10080
    assert rtsp_port_for_web_port(81) == 2081
    assert web_port_for_rtsp_port(554) == 80
    assert web_port_for_rtsp_port(10080) == 8080
    assert web_port_for_rtsp_port(2080) is None  # 2000 + 80 cannot happen
    with pytest.raises(ValueError):
        rtsp_port_for_web_port(64000)
    with pytest.raises(ValueError):
        rtsp_port_for_web_port(0)
    assert check_channel(7) == 7
    assert is_secondary(4)
    assert not is_secondary(3)
    with pytest.raises(ValueError):
        check_channel(8)


def test_stream_numbers() -> None:
    assert stream_channel(1, "secondary") == 5
    assert stream_channel(1, "primary") == 1
    assert stream_channel(6, None) == 6
    with pytest.raises(ValueError):
        stream_channel(True, None)


def test_profile_alternate_port() -> None:
    assert rtsp_port_instead_of(80) == 554
    assert rtsp_port_instead_of(8080) == 10080
    assert rtsp_port_instead_of(554) == 2554
    assert rtsp_port_instead_of(70000) is None
