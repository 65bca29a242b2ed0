"""SDP (RFC 4566) as the cameras send it, sans-I/O.

Some builds send only the media sections (no ``v=``/``o=``/``s=``/``t=`` lines),
so nothing at session level is required. Bounded line count and length; numbers
are read only when they are short ASCII decimals (``docs/protocols/grandstream.md``,
"SDP").
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field

from ..errors import ProtocolError
from .sps import sps_dimensions
from .values import ascii_decimal, has_control

MAX_LINES = 256
MAX_LINE = 4096
MAX_PARAMETER_SETS = 8
MAX_PARAMETER_SET_BYTES = 1024


@dataclass(slots=True)
class MediaDescription:
    """One ``m=`` section."""

    media: str
    port: int
    proto: str
    formats: tuple[str, ...]
    attributes: list[tuple[str, str]] = field(default_factory=list)

    def attribute(self, name: str) -> str | None:
        for key, value in self.attributes:
            if key == name:
                return value
        return None

    @property
    def control(self) -> str | None:
        return self.attribute("control")

    @property
    def payload_type(self) -> int | None:
        value = ascii_decimal(self.formats[0], 3) if self.formats else None
        return value if value is not None and value < 128 else None

    def rtpmap(self) -> tuple[str, int, int] | None:
        """(encoding, clock rate, channels) of the first format."""
        pt = self.payload_type
        for key, value in self.attributes:
            if key != "rtpmap":
                continue
            number, _, rest = value.partition(" ")
            if number.strip() != str(pt):
                continue
            pieces = rest.strip().split("/")
            encoding = pieces[0]
            clock = (ascii_decimal(pieces[1], 9) if len(pieces) > 1 else None) or 0
            channels = (ascii_decimal(pieces[2], 3) if len(pieces) > 2 else None) or 1
            return encoding, clock, channels
        if pt == 0:
            return "PCMU", 8000, 1
        if pt == 8:
            return "PCMA", 8000, 1
        if pt == 26:
            return "JPEG", 90000, 1
        return None

    @property
    def encoding(self) -> str:
        mapping = self.rtpmap()
        return mapping[0].upper() if mapping else ""

    @property
    def clock_rate(self) -> int:
        mapping = self.rtpmap()
        return mapping[1] if mapping else 0

    def fmtp(self) -> dict[str, str]:
        """The ``a=fmtp`` parameters of the first format (``;``-separated, keys lower-cased)."""
        pt = self.payload_type
        for key, value in self.attributes:
            if key != "fmtp":
                continue
            number, _, rest = value.partition(" ")
            if number.strip() != str(pt):
                continue
            params: dict[str, str] = {}
            for item in rest.split(";"):
                name, sep, raw = item.strip().partition("=")
                if sep:
                    params[name.strip().lower()] = raw.strip()
            return params
        return {}


@dataclass(slots=True)
class SessionDescription:
    attributes: list[tuple[str, str]] = field(default_factory=list)
    media: list[MediaDescription] = field(default_factory=list)

    def first(self, kind: str) -> MediaDescription | None:
        for media in self.media:
            if media.media == kind:
                return media
        return None


def parse_sdp(text: str | bytes) -> SessionDescription:
    """Parse SDP; ProtocolError on malformed ``m=`` lines or excessive size."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) > MAX_LINES:
        raise ProtocolError("SDP has too many lines")
    session = SessionDescription()
    current: MediaDescription | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if len(line) > MAX_LINE:
            raise ProtocolError("SDP line too long")
        kind, sep, value = line.partition("=")
        if not sep or len(kind) != 1:
            continue  # tolerate junk lines
        if kind == "m":
            pieces = value.split()
            port = ascii_decimal(pieces[1].split("/")[0], 5) if len(pieces) >= 3 else None
            if port is None:
                raise ProtocolError("malformed SDP m= line")
            current = MediaDescription(
                media=pieces[0],
                port=port,
                proto=pieces[2],
                formats=tuple(pieces[3:]),
            )
            session.media.append(current)
        elif kind == "a":
            name, _, attr = value.partition(":")
            target = current.attributes if current is not None else session.attributes
            target.append((name.strip(), attr.strip()))
    return session


def parse_sprop(value: str) -> list[bytes]:
    """Decode ``sprop-parameter-sets`` (comma-separated base64 NAL units, e.g. SPS, PPS)."""
    units: list[bytes] = []
    for raw in value.split(","):
        item = raw.strip()
        if not item:
            continue
        if len(units) >= MAX_PARAMETER_SETS or len(item) > MAX_PARAMETER_SET_BYTES * 2:
            raise ProtocolError("sprop-parameter-sets too large")
        try:
            units.append(base64.b64decode(item + "=" * (-len(item) % 4), validate=True))
        except (binascii.Error, ValueError) as err:
            raise ProtocolError("invalid base64 in sprop-parameter-sets") from err
    return units


def parse_videoinfo(value: str) -> tuple[int, int, int, int] | None:
    """``a=videoinfo:W*H*FPS*BITRATE`` (or the ``Server:`` suffix) -> numbers, or None."""
    pieces = value.strip().rsplit(" ", 1)[-1].split("*")
    numbers = [ascii_decimal(piece, 6) for piece in pieces]
    if len(numbers) != 4 or None in numbers:
        return None
    width, height, fps, bitrate = (number or 0 for number in numbers)
    return width, height, fps, bitrate


def parameter_sets(video: MediaDescription) -> list[bytes]:
    """The SPS/PPS of ``sprop-parameter-sets``; none when absent or undecodable."""
    sprop = video.fmtp().get("sprop-parameter-sets")
    if not sprop:
        return []
    try:
        return parse_sprop(sprop)
    except ProtocolError:
        return []


@dataclass(frozen=True, slots=True)
class VideoFormat:
    """What the camera says of its picture before the first frame (0 when it does not)."""

    width: int = 0
    height: int = 0
    fps: float = 0.0


def video_format(sdp: SessionDescription, server: str = "") -> VideoFormat:
    """Size and rate from ``a=videoinfo`` (else the ``Server`` suffix), size from the SPS."""
    video = sdp.first("video")
    if video is None:
        return VideoFormat()
    info = video.attribute("videoinfo")
    parsed = parse_videoinfo(info) if info else None
    if parsed is None and server:
        parsed = parse_videoinfo(server)
    width, height, fps, _bitrate = parsed or (0, 0, 0, 0)
    for unit in parameter_sets(video):
        if unit and unit[0] & 0x1F == 7:
            try:
                width, height = sps_dimensions(unit)
            except ProtocolError:
                pass
    return VideoFormat(width, height, float(fps))


def control_url(request_url: str, control: str | None) -> str:
    """The SETUP URL of a track, built from the request URL (not Content-Base).

    The camera's Content-Base omits the port, so resolving against it would
    point at port 554 on a camera that listens on 2000 + P.
    """
    if not control or control == "*":
        return request_url
    if " " in control or has_control(control):
        raise ProtocolError("invalid a=control in the SDP")
    if control.lower().startswith("rtsp://"):
        return control
    return request_url.rstrip("/") + "/" + control.lstrip("/")
