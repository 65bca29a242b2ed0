"""The camera's side of RTSP: replies, the Digest check, SETUP's Transport, DESCRIBE's SDP.

The client side (requests, the reply reader, answering a challenge) is in
``custom_components.ipcam.protocols.grandstream``; what is here only a camera
needs. The formats are described in ``docs/protocols/grandstream.md``.
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream.digest import digest_response, parse_params
from custom_components.ipcam.protocols.grandstream.rtsp import RTSP_VERSION, header_lines

REASONS: dict[int, str] = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    454: "Session Not Found",
    455: "Method Not Valid in This State",
    461: "Unsupported Transport",
    500: "Internal Server Error",
    501: "Not Implemented",
    551: "Option not supported",
}


def format_response(
    status: int,
    cseq: int | None,
    headers: Iterable[tuple[str, str]] = (),
    body: bytes = b"",
    *,
    reason: str | None = None,
    cseq_name: str = "CSeq",
    cseq_suffix: str = "",
    length_name: str = "Content-Length",
) -> bytes:
    """Serialise a response. ``cseq_name="Cseq"``, ``cseq_suffix=" "`` and
    ``length_name="Content-length"`` reproduce the camera's odd spellings."""
    text = f"{RTSP_VERSION} {status} {reason or REASONS.get(status, 'Unknown')}\r\n"
    if cseq is not None:
        text += f"{cseq_name}: {cseq}{cseq_suffix}\r\n"
    text += header_lines(headers)
    if body:
        text += f"{length_name}: {len(body)}\r\n"
    return (text + "\r\n").encode("utf-8") + body


# --- Digest (the camera checks what the client computed) ------------------------------------


def format_challenge(realm: str, nonce: str) -> str:
    """The camera's challenge: ``Digest realm="...", nonce="..."`` (no qop/opaque/algorithm)."""
    return f'Digest realm="{realm}", nonce="{nonce}"'


def parse_authorization(header: str) -> dict[str, str]:
    """Parse an ``Authorization: Digest ...`` value into its parameters."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ProtocolError("not a Digest authorization")
    return parse_params(rest)


def verify_authorization(
    params: dict[str, str],
    *,
    username: str,
    password: str,
    realm: str,
    nonce: str,
    method: str,
) -> bool:
    """Check a client's Digest parameters over the client's own ``uri``.

    The vendor's client sends the DESCRIBE URL as ``uri`` for SETUP and PLAY too;
    ffmpeg sends the track URL: both verify, each over what it sent.
    """
    uri = params.get("uri", "")
    response = params.get("response", "")
    if params.get("username") != username or params.get("nonce") != nonce or not uri:
        return False
    if params.get("realm", realm) != realm:
        return False
    expected = digest_response(username, realm, password, method, uri, nonce)
    return hmac.compare_digest(expected.encode(), response.lower().encode())


# --- SETUP's Transport header -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Transport:
    profile: str
    params: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        for key, value in self.params:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def tcp(self) -> bool:
        return self.profile.upper().endswith("/TCP")

    @property
    def interleaved(self) -> tuple[int, int] | None:
        """The interleaved pair; rtcp = rtp + 1 when the second number is missing."""
        value = self.get("interleaved")
        if value is None:
            return None
        first, _, second = value.partition("-")
        first, second = first.strip(), second.strip()
        if not _small_number(first) or (second and not _small_number(second)):
            raise ProtocolError("invalid interleaved channels")
        rtp = int(first)
        rtcp = int(second) if second else rtp + 1
        if rtp > 255 or rtcp > 255:
            raise ProtocolError("interleaved channel out of range")
        return rtp, rtcp


def _small_number(text: str) -> bool:
    return text.isascii() and text.isdecimal() and len(text) <= 5


def parse_transport(value: str) -> Transport:
    """Parse the first transport spec of a ``Transport`` header."""
    spec = value.split(",")[0]
    parts = [part.strip() for part in spec.split(";") if part.strip()]
    if not parts or len(parts) > 32:
        raise ProtocolError("invalid Transport header")
    params = []
    for part in parts[1:]:
        name, _, raw = part.partition("=")
        params.append((name.strip(), raw.strip()))
    return Transport(parts[0], tuple(params))


# --- request URLs ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RtspUrl:
    host: str
    port: int | None
    path: str
    username: str = ""
    password: str = ""


def parse_url(url: str) -> RtspUrl:
    """Split an rtsp:// URL (ProtocolError if it is not one)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as err:
        raise ProtocolError("invalid RTSP URL") from err
    if parts.scheme.lower() != "rtsp" or not parts.hostname:
        raise ProtocolError("not an rtsp:// URL")
    return RtspUrl(
        host=parts.hostname,
        port=port,
        path=parts.path or "/",
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def describe_path_stream(path: str) -> int | None:
    """The stream number of a DESCRIBE path as the camera checks it.

    The camera wants the last character to be one digit preceded by ``/``:
    ``/0`` is stream 0; ``/0/`` and ``/10`` are rejected (None).
    """
    if len(path) >= 2 and path[-2] == "/" and path[-1] in "0123456789":
        return int(path[-1])
    return None


# --- DESCRIBE's SDP -------------------------------------------------------------------------


def build_sdp(
    host_ip: str,
    parameter_sets: tuple[bytes, bytes],
    width: int,
    height: int,
    fps: int,
    *,
    audio: bool = True,
    session_section: bool = True,
) -> str:
    """The camera's SDP (its server's order); ``session_section=False`` gives the
    eight-media-line form of the vendor document."""
    sps, pps = parameter_sets
    sprop = f"{base64.b64encode(sps).decode()},{base64.b64encode(pps).decode()}"
    lines: list[str] = []
    if session_section:
        lines += [
            "v=0",
            f"o=StreamingServer 3331435948 1116907222000 IN IP4 {host_ip}",
            "s=h264.mp4",
            "c=IN IP4 0.0.0.0",
            "t=0 0",
            "a=control:*",
        ]
    lines += [
        "m=video 0 RTP/AVP 96",
        "a=control:trackID=0",
        "a=rtpmap:96 H264/90000",
        f"a=fmtp:96 packetization-mode=1; sprop-parameter-sets={sprop}",
    ]
    if session_section:
        lines.append(f"a=videoinfo:{width}*{height}*{fps}*4096")
    if audio:
        lines += [
            "m=audio 0 RTP/AVP 0",
            "a=control:trackID=1",
            "a=rtpmap:0 PCMU/8000",
            "a=ptime:20",
        ]
    return "".join(f"{line}\r\n" for line in lines)
