"""One RTSP connection to the camera as a sans-I/O session (``sansio.Session``).

A session is made for what its connection is for, and walks the camera
through the requests in order, one at a time (the camera parses one message
per read, so nothing is pipelined):

- describe only (``connect()``): DESCRIBE, answer the Digest challenge on the
  same connection (the nonce is per connection), DESCRIBE again -> ``Described``;
- set up (the session MCTP's heartbeat refers to): ... then SETUP -> ``Ready``;
- play (``video()``/``audio()``): ... SETUP per track, PLAY -> ``Ready``, then
  ``VideoFrame``/``AudioChunk`` events as RTP arrives.

Replies are matched by CSeq (a reply without one answers the request
outstanding). Once ``Ready`` the session sends ``OPTIONS`` with its Session
every half session timeout (GET_PARAMETER gets 501 from these cameras), and
RTCP receiver reports every 5 s while playing, never in the same write as a
request (the camera drops a whole read that starts with ``$``). A reply that
does not come within ``reply_timeout`` is ``CannotConnect``; a camera that
forgot the session (454) is ``CannotConnect``; statuses map to typed errors
(401/403 ``AuthError``, 453 ``DeviceBusy``, others ``ProtocolError``).
See ``docs/protocols/grandstream.md``, "RTSP session".
"""

from __future__ import annotations

import enum
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from ..base import AudioChunk, VideoFrame
from ..errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from ..sansio import OutBuffer
from .deadlines import Deadlines
from .digest import DigestChallenge, authorization_header, parse_challenge
from .media import AUDIO_CHANNELS, VIDEO_CHANNELS, MediaDemuxer
from .rtp import InterleavedFrame
from .rtsp import RtspReader, RtspRequest, RtspResponse, format_request, parse_session
from .sdp import (
    MediaDescription,
    SessionDescription,
    VideoFormat,
    control_url,
    parameter_sets,
    parse_sdp,
    video_format,
)
from .values import has_control

USER_AGENT = "ipcam"
DEFAULT_SESSION_TIMEOUT = 60.0  # RFC 2326, when the camera does not say
MAX_KEEPALIVE_PERIOD = 60.0
RR_INTERVAL = 5.0
RR_AFTER_REQUEST = 0.1  # a receiver report due with a keep-alive goes this much later
# Interleaved data skipped while waiting for a reply; more is not a camera answering.
MAX_SKIPPED_BEFORE_REPLY = 4 * 1024 * 1024
# Stream bytes (RTCP, other channels, undecodable units) without one frame or audio chunk.
MAX_UNPRODUCTIVE = 2 * 4 * 1024 * 1024
_FIRMWARE = re.compile(r"\bV\d+R\d+\w*")  # "GrandStream Rtsp Server V100R001"
MAX_SERVER_TEXT = 128


class RtspState(enum.Enum):
    IDLE = "idle"  # nothing sent yet
    DESCRIBING = "describing"  # DESCRIBE sent (perhaps again, with the challenge answered)
    DESCRIBED = "described"  # a describe-only session has what it came for
    SETTING_UP = "setting_up"  # SETUP of one track after another
    STARTING = "starting"  # PLAY sent
    READY = "ready"  # set up (and playing if asked): keep-alives run
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Described:
    """The camera's SDP and what it says about itself."""

    sdp: SessionDescription
    server: str
    firmware: str
    picture: VideoFormat


@dataclass(frozen=True, slots=True)
class Ready:
    """The RTSP session exists (and plays, when asked)."""

    session_id: str
    timeout: float
    playing: bool


RtspSessionEvent = Described | Ready | VideoFrame | AudioChunk


@dataclass(frozen=True, slots=True)
class _Outstanding:
    method: str
    cseq: int


class RtspSession:
    """The client side of one RTSP connection (see the module docstring)."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        *,
        video: bool = False,
        audio: bool = False,
        play: bool = False,
        reply_timeout: float = 10.0,
    ) -> None:
        if not url or " " in url or has_control(url):
            raise InvalidValue("the camera address cannot go into an RTSP URL")
        self.url = url  # the request URL, and the digest-uri of every request
        self._username = username
        self._password = password
        self._video = video
        self._audio = audio
        self._play = play and (video or audio)
        self.reply_timeout = reply_timeout
        self.state = RtspState.IDLE
        self.sdp: SessionDescription | None = None
        self.server = ""
        self.firmware = ""
        self.session_id = ""
        self.session_timeout = DEFAULT_SESSION_TIMEOUT
        self.media: MediaDemuxer | None = None
        self._reader = RtspReader()
        self._out = OutBuffer()
        self._events: deque[RtspSessionEvent] = deque()
        self._deadlines = Deadlines()
        self._cseq = 0
        self._outstanding: _Outstanding | None = None
        self._challenge: DigestChallenge | None = None
        self._tracks: list[tuple[MediaDescription, tuple[int, int]]] = []
        self._skipped = 0
        self._unproductive = 0

    # --- sansio.Session ----------------------------------------------------------------------

    def start(self, now: float) -> None:
        """Send the first DESCRIBE."""
        if self.state is not RtspState.IDLE:
            return
        self._deadlines.stamp(now)
        self.state = RtspState.DESCRIBING
        self._describe()
        self._deadlines.stamp(now)

    def receive_data(self, data: bytes) -> None:
        if self.state in (RtspState.IDLE, RtspState.CLOSED):
            return
        for event in self._reader.feed(data):
            if isinstance(event, InterleavedFrame):
                self._on_frame(event)
            elif isinstance(event, RtspResponse):
                self._on_response(event)
            else:
                self._on_request(event)

    def next_event(self) -> RtspSessionEvent | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        return self._deadlines.next()

    def handle_timer(self, now: float) -> None:
        deadlines = self._deadlines
        deadlines.stamp(now)
        if deadlines.due("reply") and self._outstanding is not None:
            raise CannotConnect(f"no reply to {self._outstanding.method}")
        if self.state is RtspState.READY:
            if deadlines.due("keepalive"):
                if self._play or self._outstanding is None:
                    # While playing, the media shows the camera is there (and a consumer
                    # that falls behind pauses reading): the reply is matched, not awaited.
                    headers = [("Session", self.session_id)]
                    self._request("OPTIONS", self.url, headers, await_reply=not self._play)
                deadlines.at("keepalive", now + self.keepalive_period)
                if deadlines.due("report"):
                    deadlines.at("report", now + RR_AFTER_REQUEST)
            elif deadlines.due("report") and self.media is not None:
                self._out.write(self.media.receiver_reports())
                deadlines.at("report", now + RR_INTERVAL)
        deadlines.stamp(now)

    # --- commands ----------------------------------------------------------------------------

    @property
    def keepalive_period(self) -> float:
        """Any request with Session refreshes it; half its timeout, at most a minute."""
        return max(1.0, min(MAX_KEEPALIVE_PERIOD, self.session_timeout / 2))

    def teardown(self) -> None:
        """End the session (TEARDOWN when one was set up); nothing more is sent or read."""
        if self.state is RtspState.CLOSED:
            return
        if self.session_id:
            try:
                self._request("TEARDOWN", self.url, [("Session", self.session_id)])
            except CameraError:  # pragma: no cover - every value was checked when received
                pass
        self.state = RtspState.CLOSED
        self._outstanding = None
        self._deadlines.clear()

    # --- requests ----------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        headers: Iterable[tuple[str, str]] = (),
        *,
        await_reply: bool = True,
    ) -> None:
        self._cseq += 1
        fields = list(headers)
        if self._challenge is not None:
            # The vendor's client answers with the DESCRIBE URL as digest-uri for every method.
            answer = authorization_header(
                self._username, self._password, self._challenge, method, self.url
            )
            fields.append(("Authorization", answer))
        fields.append(("User-Agent", USER_AGENT))
        try:
            data = format_request(method, url, self._cseq, fields)
        except ValueError as err:  # a value from the camera that cannot be sent back
            raise ProtocolError(f"cannot send {method}: {err}") from None
        self._out.write(data)  # one request per write: the camera parses one per read
        if method == "TEARDOWN":
            return
        self._outstanding = _Outstanding(method, self._cseq)
        self._skipped = 0
        if await_reply:
            self._deadlines.after("reply", self.reply_timeout)
        else:
            self._deadlines.cancel("reply")

    def _describe(self) -> None:
        self._request("DESCRIBE", self.url, [("Accept", "application/sdp")])

    def _setup_next(self) -> None:
        media, (rtp, rtcp) = self._tracks.pop(0)
        headers = [("Transport", f"RTP/AVP/TCP;unicast;interleaved={rtp}-{rtcp}")]
        if self.session_id:
            headers.append(("Session", self.session_id))
        self._request("SETUP", control_url(self.url, media.control), headers)

    # --- replies -----------------------------------------------------------------------------

    def _on_response(self, response: RtspResponse) -> None:
        outstanding = self._outstanding
        if outstanding is None or response.cseq not in (outstanding.cseq, None):
            if response.status == 454 and self.session_id:
                raise CannotConnect("the camera forgot the RTSP session")
            self._waste(len(response.body) + 64)
            return
        self._outstanding = None
        self._deadlines.cancel("reply")
        self._note_server(response)
        method = outstanding.method
        if method == "DESCRIBE":
            self._on_describe(response)
        elif method == "SETUP":
            self._on_setup(response)
        elif method == "PLAY":
            _check(response, method)
            self._ready()
        elif response.status == 454:  # the OPTIONS keep-alive
            raise CannotConnect("the camera forgot the RTSP session")

    def _note_server(self, response: RtspResponse) -> None:
        server = response.headers.get("Server")
        if server:
            self.server = server[:MAX_SERVER_TEXT]
            match = _FIRMWARE.search(self.server)
            if match and not self.firmware:
                self.firmware = match.group(0)

    def _on_describe(self, response: RtspResponse) -> None:
        if response.status == 401:
            if self._challenge is not None:
                raise AuthError("the camera rejected the user name or password")
            self._challenge = _digest_challenge(response)
            self._describe()
            return
        _check(response, "DESCRIBE")
        sdp = parse_sdp(response.body)
        if not sdp.media:
            raise ProtocolError("the DESCRIBE answer describes no media (not SDP?)")
        self.sdp = sdp
        picture = video_format(sdp, self.server)
        self._events.append(Described(sdp, self.server, self.firmware, picture))
        if not (self._video or self._audio):
            self.state = RtspState.DESCRIBED
            return
        self._tracks = _tracks(sdp, video=self._video, audio=self._audio)
        if self._play:
            video = sdp.first("video")
            self.media = MediaDemuxer(
                video=self._video,
                audio=self._audio,
                parameter_sets=parameter_sets(video) if video is not None else (),
                picture=picture,
            )
        self.state = RtspState.SETTING_UP
        self._setup_next()

    def _on_setup(self, response: RtspResponse) -> None:
        _check(response, "SETUP")
        value = response.headers.get("Session")
        if not value:
            raise ProtocolError("SETUP reply without a Session")
        parsed = parse_session(value)
        self.session_id = parsed.session_id
        if parsed.timeout:
            self.session_timeout = float(parsed.timeout)
        if self._tracks:
            self._setup_next()
        elif self._play:
            # No Range/RTP-Info is expected back: the camera sends neither.
            self.state = RtspState.STARTING
            self._request("PLAY", self.url, [("Session", self.session_id)])
        else:
            self._ready()

    def _ready(self) -> None:
        self.state = RtspState.READY
        self._events.append(Ready(self.session_id, self.session_timeout, self._play))
        self._deadlines.after("keepalive", self.keepalive_period)
        if self._play:
            self._deadlines.after("report", RR_INTERVAL / 2)

    # --- everything else on the connection ---------------------------------------------------

    def _on_frame(self, frame: InterleavedFrame) -> None:
        media = self.media
        if media is not None and self.state in (RtspState.STARTING, RtspState.READY):
            items = media.push(frame)
            if items:
                self._unproductive = 0
                self._events.extend(items)
                return
        elif self._outstanding is not None:
            self._skipped += len(frame.payload) + 4
            if self._skipped > MAX_SKIPPED_BEFORE_REPLY:
                raise ProtocolError(
                    f"only interleaved data, no reply to {self._outstanding.method}"
                )
        self._waste(len(frame.payload) + 4)

    def _on_request(self, request: RtspRequest) -> None:
        self._waste(len(request.body) + 64)  # these cameras send no requests: ignored

    def _waste(self, size: int) -> None:
        self._unproductive += size
        if self._unproductive > MAX_UNPRODUCTIVE:
            raise ProtocolError("the stream carries no usable video or audio")


def _check(response: RtspResponse, method: str) -> None:
    if response.status in (401, 403):
        raise AuthError(f"{method} rejected: {response.status}")
    if response.status == 453:
        raise DeviceBusy(f"{method}: not enough bandwidth (453)")
    if response.status != 200:
        raise ProtocolError(f"{method} failed: {response.status} {response.reason[:40]}")


def _digest_challenge(response: RtspResponse) -> DigestChallenge:
    offers = response.headers.get_all("WWW-Authenticate")
    digest = [offer for offer in offers if offer.strip().lower().startswith("digest")]
    if not digest:
        raise ProtocolError("401 without a Digest challenge")
    return parse_challenge(digest[0])


def _tracks(
    sdp: SessionDescription, *, video: bool, audio: bool
) -> list[tuple[MediaDescription, tuple[int, int]]]:
    """The tracks to SETUP and their interleaved channels; NotSupported for a missing one."""
    tracks = []
    if video:
        media = sdp.first("video")
        if media is None or media.encoding != "H264":
            raise NotSupported("the camera offers no H.264 video on this stream")
        tracks.append((media, VIDEO_CHANNELS))
    if audio:
        media = sdp.first("audio")
        if media is None or media.encoding != "PCMU":
            raise NotSupported("the camera offers no PCMU audio on this stream")
        tracks.append((media, AUDIO_CHANNELS))
    return tracks
