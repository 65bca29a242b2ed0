"""What a client knows of its stream: capabilities, the DESCRIBE facts, media counters."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from custom_components.ipcam.protocols.base import Capability
from custom_components.ipcam.protocols.grandstream.facts import StreamFacts, capabilities
from custom_components.ipcam.protocols.grandstream.media import MediaDemuxer
from custom_components.ipcam.protocols.grandstream.rtsp_session import Described
from custom_components.ipcam.protocols.grandstream.sdp import VideoFormat, parse_sdp

from .vectors import VENDOR_SDP

ALWAYS = {Capability.STREAM_URL, Capability.EVENTS, Capability.TALK}
VIDEO = {Capability.VIDEO, Capability.SNAPSHOT}
H264 = b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
H265 = b"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H265/90000\r\n"
PCMU = b"m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
PCMA = b"m=audio 0 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"


def described(
    sdp: bytes = VENDOR_SDP,
    server: str = "",
    firmware: str = "",
    picture: VideoFormat | None = None,
) -> Described:
    return Described(parse_sdp(sdp), server, firmware, picture or VideoFormat())


@pytest.mark.parametrize(
    ("sdp", "offered"),
    [
        (VENDOR_SDP, ALWAYS | VIDEO | {Capability.AUDIO}),
        (H264, ALWAYS | VIDEO),
        (PCMU, ALWAYS | {Capability.AUDIO}),
        (H265 + PCMA, ALWAYS),  # neither decoded here: the URL, alarms and talk remain
        (b"", ALWAYS),
    ],
)
def test_capabilities_from_the_describe_answer(sdp: bytes, offered: set[Capability]) -> None:
    assert capabilities(described(sdp)) == frozenset(offered)


def test_facts_keep_what_the_camera_stops_telling() -> None:
    facts = StreamFacts()
    facts.learn(described(server="GrandStream Rtsp Server V100R001", firmware="V100R001"))
    facts.learn(described(picture=VideoFormat(704, 480, 25.0)))
    assert (facts.server, facts.firmware) == ("GrandStream Rtsp Server V100R001", "V100R001")
    assert (facts.width, facts.height, facts.fps) == (704, 480, 25.0)
    facts.learn(described(H264, picture=VideoFormat(1280, 720)))  # no rate this time
    assert (facts.width, facts.height, facts.fps) == (1280, 720, 25.0)
    assert facts.sdp is not None and [m.media for m in facts.sdp.media] == ["video"]


@dataclass
class Counters:
    dropped_units: int
    lost_packets: int


def test_media_counters() -> None:
    facts = StreamFacts()
    facts.count(None)  # a session before PLAY has no media yet
    assert (facts.dropped_units, facts.lost_packets) == (0, 0)
    facts.count(MediaDemuxer(video=True, audio=False))
    assert (facts.dropped_units, facts.lost_packets) == (0, 0)
    facts.count(Counters(3, 7))  # type: ignore[arg-type]
    assert (facts.dropped_units, facts.lost_packets) == (3, 7)


def test_diagnostics() -> None:
    facts = StreamFacts()
    empty = facts.diagnostics("192.0.2.5", 554, 0, [], 0)
    assert empty["media"] == [] and empty["server"] == ""
    facts.learn(described(server="S", picture=VideoFormat(704, 480, 30.0)))
    assert facts.diagnostics("192.0.2.5", 554, 4, [0, 1], 2) == {
        "host": "192.0.2.5",
        "port": 554,
        "channel": 4,
        "server": "S",
        "media": ["video H264/90000", "audio PCMU/8000"],
        "width": 704,
        "height": 480,
        "fps": 30.0,
        "inputs": [0, 1],
        "alarm_connections": 2,
        "dropped_units": 0,
        "lost_packets": 0,
    }
