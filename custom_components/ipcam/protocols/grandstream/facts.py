"""What a client knows of its stream, without I/O: the DESCRIBE answer's facts, what the
stream offers (capabilities), the media counters, and the diagnostics made of them."""

from __future__ import annotations

from dataclasses import dataclass

from ..base import Capability
from .media import MediaDemuxer
from .rtsp_session import Described
from .sdp import SessionDescription


def capabilities(described: Described) -> frozenset[Capability]:
    """What one stream offers, from its DESCRIBE answer."""
    result = {Capability.STREAM_URL, Capability.EVENTS, Capability.TALK}
    video = described.sdp.first("video")
    if video is not None and video.encoding == "H264":
        result |= {Capability.VIDEO, Capability.SNAPSHOT}
    audio = described.sdp.first("audio")
    if audio is not None and audio.encoding == "PCMU":
        result.add(Capability.AUDIO)
    return frozenset(result)


@dataclass(slots=True)
class StreamFacts:
    """The latest DESCRIBE answer's facts (a fact the camera stops telling is kept) and
    the media counters of the latest playing session."""

    sdp: SessionDescription | None = None
    server: str = ""
    firmware: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    dropped_units: int = 0
    lost_packets: int = 0

    def learn(self, described: Described) -> None:
        self.sdp = described.sdp
        self.server = described.server or self.server
        self.firmware = described.firmware or self.firmware
        picture = described.picture
        if picture.width:
            self.width, self.height = picture.width, picture.height
        if picture.fps:
            self.fps = picture.fps

    def count(self, media: MediaDemuxer | None) -> None:
        """Take the counters of a playing session's media."""
        if media is not None:
            self.dropped_units = media.dropped_units
            self.lost_packets = media.lost_packets

    def diagnostics(
        self, host: str, port: int, channel: int, inputs: list[int], alarm_connections: int
    ) -> dict[str, object]:
        """The client's diagnostics: where it connects, these facts, the encoder's inputs."""
        media = [] if self.sdp is None else self.sdp.media
        return {
            "host": host,
            "port": port,
            "channel": channel,
            "server": self.server,
            "media": [f"{m.media} {m.encoding}/{m.clock_rate}" for m in media],
            "width": self.width,
            "height": self.height,
            "fps": self.fps,
            "inputs": inputs,
            "alarm_connections": alarm_connections,
            "dropped_units": self.dropped_units,
            "lost_packets": self.lost_packets,
        }
