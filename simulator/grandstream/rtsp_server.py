"""The camera side of one RTSP connection: DESCRIBE with Digest, SETUP, PLAY, the RTP stream."""

from __future__ import annotations

import asyncio
import secrets
from typing import TYPE_CHECKING

from custom_components.ipcam.protocols.errors import ProtocolError
from custom_components.ipcam.protocols.grandstream import MAX_CHANNEL
from custom_components.ipcam.protocols.grandstream.rtp import InterleavedFrame, format_interleaved
from custom_components.ipcam.protocols.grandstream.rtsp import RtspReader, RtspRequest

from .media_wire import format_rtp
from .rtsp_wire import (
    build_sdp,
    describe_path_stream,
    format_challenge,
    format_response,
    parse_authorization,
    parse_transport,
    parse_url,
    verify_authorization,
)

if TYPE_CHECKING:
    from .camera import GrandstreamCamera

REALM = "Surveillance Server"
SERVER = "GrandStream Rtsp Server V100R001"
PUBLIC = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, SET_PARAMETER"
ACCEPT = "OPTIONS, SETUP, PLAY, TEARDOWN"


def digits8() -> str:
    """Eight random decimal digits: the camera's session ids and nonces."""
    return f"{secrets.randbelow(10**8):08d}"


class RtspConnection:
    """The camera side of one RTSP connection."""

    def __init__(
        self, camera: GrandstreamCamera, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.camera = camera
        self.reader = reader
        self.writer = writer
        self.nonce: str | None = None
        self.authenticated = False
        self.session_id: str | None = None
        self.channel = 0
        self.tracks: dict[int, tuple[int, int]] = {}  # trackID -> (rtp, rtcp) channels
        self.playing = False
        self.streamer: asyncio.Task[None] | None = None
        sock = writer.get_extra_info("sockname")
        self.host_ip = str(sock[0]) if isinstance(sock, tuple) else "0.0.0.0"

    async def run(self, first: bytes) -> None:
        parser = RtspReader()
        events = parser.feed(first)
        try:
            while True:
                for event in events:
                    if isinstance(event, InterleavedFrame):
                        self.camera.rtcp_received += 1
                        continue  # the camera drops reads that start with "$" (RTCP RR)
                    if not isinstance(event, RtspRequest):
                        continue
                    await self.camera.wait_unstalled()
                    reply, close = self.handle(event)
                    if reply:
                        self.writer.write(reply)
                        await asyncio.wait_for(self.writer.drain(), 10.0)
                    if close:
                        return
                    if self.playing and self.streamer is None:
                        self.streamer = self.camera.spawn(self.stream())
                data = await self.reader.read(65536)
                if not data:
                    return
                events = parser.feed(data)
        finally:
            self.close()

    def close(self) -> None:
        if self.streamer is not None:
            self.streamer.cancel()
            self.streamer = None
        if self.session_id is not None and self.camera.sessions.get(self.session_id) is self:
            del self.camera.sessions[self.session_id]
        self.playing = False

    def abort(self) -> None:
        self.close()
        self.writer.transport.abort()

    def reply(
        self,
        request: RtspRequest,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        *,
        odd: bool = False,
    ) -> bytes:
        """A reply; ``odd`` reproduces the 401/DESCRIBE-200 spelling (``Cseq: N ``)."""
        return format_response(
            status,
            request.cseq,
            headers or [],
            body,
            cseq_name="Cseq" if odd else "CSeq",
            cseq_suffix=" " if odd else "",
            length_name="Content-length" if odd else "Content-Length",
        )

    def handle(self, request: RtspRequest) -> tuple[bytes, bool]:
        server = [("Server", SERVER)]
        method = request.method
        if method in ("OPTIONS", "SET_PARAMETER") and request.headers.get("Session"):
            self.camera.rtsp_keepalives += 1
        if method == "OPTIONS":
            return self.reply(request, 200, [*server, ("Public", PUBLIC)]), False
        if method == "DESCRIBE":
            return self.describe(request), False
        if method == "SETUP":
            return self.setup(request)
        if method == "PLAY":
            if self.session_id is None or not self.tracks or self.playing:
                return b"", True  # the camera's PLAY handler fails and closes the connection
            self.playing = True
            session = [("Session", f"{self.session_id};timeout={self.camera.session_timeout}")]
            return self.reply(request, 200, [*server, *session]), False
        if method == "PAUSE":
            return self.reply(request, 455, [*server, ("Accept", ACCEPT)]), False
        if method == "SET_PARAMETER":
            return self.reply(request, 200, [*server, *self._session_header()]), False
        if method == "TEARDOWN":
            headers = [*server, *self._session_header(), ("Connection", "Close")]
            return self.reply(request, 200, headers), True
        # GET_PARAMETER is in the camera's method table but has no handler.
        return self.reply(request, 501, [*server, ("Accept", ACCEPT)]), False

    def _session_header(self) -> list[tuple[str, str]]:
        return [("Session", self.session_id)] if self.session_id else []

    def _authorized(self, request: RtspRequest) -> bool:
        header = request.headers.get("Authorization")
        if header is None or self.nonce is None:
            return False
        try:
            params = parse_authorization(header)
        except ProtocolError:
            return False
        camera = self.camera
        return verify_authorization(
            params,
            username=camera.username,
            password=camera.password,
            realm=REALM,
            nonce=self.nonce,
            method=request.method,
        )

    def describe(self, request: RtspRequest) -> bytes:
        try:
            url = parse_url(request.url)
        except ProtocolError:
            return self.reply(request, 400, [("Server", SERVER)])
        channel = describe_path_stream(url.path)
        if channel is None or channel > MAX_CHANNEL:
            return self.reply(request, 400, [("Server", SERVER)])
        accept = request.headers.get("Accept")
        if accept is not None and "application/sdp" not in accept:
            return self.reply(request, 551, [("Server", SERVER)])
        camera = self.camera
        if not self._authorized(request):
            if request.headers.get("Authorization") is not None:
                camera.auth_failures += 1
            self.nonce = digits8()  # a fresh nonce for every 401
            headers = [
                ("Server", SERVER),
                ("WWW-Authenticate", format_challenge(REALM, self.nonce)),
            ]
            return self.reply(request, 401, headers, odd=True)
        self.authenticated = True
        self.channel = channel
        camera.describes += 1
        stream = camera.stream_for(channel)
        sdp = build_sdp(
            self.host_ip, (stream.sps, stream.pps), stream.width, stream.height, stream.fps
        )
        headers = [
            ("Server", f"GrandStream Rtsp Server {stream.width}*{stream.height}*{stream.fps}*4096"),
            ("Content-Type", "application/sdp"),
            ("Content-Base", f"rtsp://{self.host_ip}/{channel}"),  # no port, as the camera
        ]
        return self.reply(request, 200, headers, sdp.encode(), odd=True)

    def setup(self, request: RtspRequest) -> tuple[bytes, bool]:
        server = [("Server", SERVER)]
        # The camera checks auth only in DESCRIBE; we also accept a valid Authorization here.
        if not (self.authenticated or self._authorized(request)):
            return self.reply(request, 401, server), False
        try:
            path = parse_url(request.url).path
        except ProtocolError:
            return self.reply(request, 400, server), False
        marker = path.find("trackID=")
        if marker < 0:
            return self.reply(request, 406, server), False
        track_text = path[marker + len("trackID=") :].strip("/")
        channel_text = path.lstrip("/").split("/")[0]
        if not track_text.isdecimal() or int(track_text) > 1 or not channel_text.isdecimal():
            return self.reply(request, 404, server), False
        channel = int(channel_text)
        if channel > MAX_CHANNEL:
            return self.reply(request, 404, server), False
        try:
            transport = parse_transport(request.headers.get("Transport", "") or "")
            pair = transport.interleaved
        except ProtocolError:
            return self.reply(request, 461, server), False
        if not transport.tcp or pair is None:
            return self.reply(request, 461, server), False  # this simulator streams over TCP only
        requested = request.headers.get("Session")
        if requested is not None and requested.split(";")[0].strip() != self.session_id:
            return self.reply(request, 454, server), False
        if self.playing:
            return self.reply(request, 455, server), False
        if self.session_id is None:
            self.session_id = digits8()
            self.camera.sessions[self.session_id] = self
        self.channel = channel
        self.tracks[int(track_text)] = pair
        headers = [
            *server,
            ("Session", f"{self.session_id};timeout={self.camera.session_timeout}"),
            ("Transport", f"RTP/AVP/TCP;unicast;interleaved={pair[0]}-{pair[1]}"),
        ]
        return self.reply(request, 200, headers), False

    async def stream(self) -> None:
        """Send RTP until the connection ends: video at ``fps``, audio every 20 ms."""
        camera = self.camera
        stream = camera.stream_for(self.channel)
        video = self.tracks.get(0)
        audio = self.tracks.get(1)
        video_ssrc = 41030 + self.channel + 128
        audio_ssrc = 41030 + self.channel
        video_seq = secrets.randbelow(0x10000)
        audio_seq = 1200
        video_ts = audio_ts = 3600
        unit_index = 0
        audio_index = 0
        tick = 0.02
        ticks_per_frame = max(1, round(1 / stream.fps / tick))
        loop = asyncio.get_running_loop()
        started = loop.time()
        count = 0
        try:
            while True:
                await camera.wait_unstalled()
                chunks: list[bytes] = []
                if video is not None and count % ticks_per_frame == 0:
                    payloads, _keyframe = stream.units[unit_index]
                    last = len(payloads) - 1
                    for i, payload in enumerate(payloads):
                        packet = format_rtp(96, i == last, video_seq, video_ts, video_ssrc, payload)
                        chunks.append(format_interleaved(video[0], packet))
                        video_seq = (video_seq + 1) & 0xFFFF
                    video_ts += 90000 // stream.fps
                    unit_index = (unit_index + 1) % len(stream.units)
                if audio is not None:
                    payload = camera.audio_packets[audio_index]
                    packet = format_rtp(0, False, audio_seq, audio_ts, audio_ssrc, payload)
                    chunks.append(format_interleaved(audio[0], packet))
                    audio_seq = (audio_seq + 1) & 0xFFFF
                    audio_ts += len(payload)
                    audio_index = (audio_index + 1) % len(camera.audio_packets)
                if chunks:
                    self.writer.write(b"".join(chunks))
                    await asyncio.wait_for(self.writer.drain(), 10.0)
                count += 1
                delay = started + count * tick - loop.time()
                if delay < -1.0:  # far behind (a stall): restart the clock
                    started = loop.time() - count * tick
                    delay = 0.0
                await asyncio.sleep(max(0.0, delay))
        except (OSError, TimeoutError):
            self.writer.transport.abort()
