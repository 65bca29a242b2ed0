"""One DVRIP connection as a sans-I/O state machine: login, requests, keep-alive, alarms, media.

Bytes from the camera go in (``receive_data``), events and bytes for the camera
come out (``next_event``, ``data_to_send``); time is an argument, never read
(``now``, ``handle_timer``). ``transport.SessionLink`` runs it on a socket.

- Login first (``start``): the Sofia hash of the password; the reply's ``Ret``
  becomes a typed error, its ``SessionID`` goes into every later header and body.
- The protocol has no correlation id: a reply is the message whose id is the
  request id + 1. So one request is in flight at a time, the others wait in
  order, and a reply that does not come in time ends the connection (a late one
  would answer the next request). Requests marked ``optional`` (PTZ on firmware
  that never answers, OPSNAP on recorders without it) end in ``Reply(message=None)``.
- KeepAlive every ``AliveInterval`` seconds, queued like any request; its reply
  is due within min(timeout, interval), so a stalled camera is noticed within
  about two intervals.
- Alarms (1504) become ``Alarm`` events; a Guard reply (1501, not waited for: some
  firmware never sends it) that refuses the subscription, or a forced logout (1004),
  ends the session.
- ``hang_up()`` says the connection's goodbye (a stream's Stop, Unguard) and Logout
  (1002) before the socket closes (docs/protocols/dvrip.md, "Logout").
- A stream session (``media="video"``, ``"audio"`` or ``"both"``) cuts 1412 payloads
  into frames and hands every frame one socket read completed over in one event (one of
  video frames, one of audio chunks);
  after ``watch_media`` it ends the session when the stream stays silent.

Nothing but ``CameraError`` subclasses leaves: a failure is queued behind the
events already produced and raised by ``next_event`` once they are taken.
See docs/protocols/dvrip.md, "Session".
"""

from __future__ import annotations

import collections
import enum
from dataclasses import dataclass
from typing import Literal, cast

from ..base import AudioChunk, CameraEvent, VideoFrame
from ..errors import CameraError, CannotConnect, ProtocolError
from ..sansio import OutBuffer, earliest
from .alarms import parse_alarm
from .codes import OK_CODES, MsgId, login_error, ret_error
from .live import LiveAudio, LiveMedia, LiveVideo
from .snapshot import SnapshotCollector
from .views import LoginReply
from .wire import (
    BinaryMessage,
    JsonMessage,
    Message,
    PacketDecoder,
    encode_json_body,
    encode_packet,
    json_packets,
    request_payload,
    sofia_hash,
)

DEFAULT_TIMEOUT = 10.0
FIRST_FRAME_WAIT = 20.0  # a live stream may take this long to its first key frame
# How long an optional request waits for an answer that may never come.
OPTIONAL_REPLY_WAIT: dict[int, float] = {MsgId.PTZ: 2.0, MsgId.SNAPSHOT: 5.0, MsgId.SYSMANAGER: 5.0}


class State(enum.Enum):
    IDLE = "idle"  # connected, nothing sent yet
    LOGIN_SENT = "login_sent"
    READY = "ready"
    CLOSED = "closed"


# --- events ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """The camera accepted the login."""

    login: LoginReply


@dataclass(slots=True)  # not frozen: made per request, and a frozen one costs 4x to make
class Reply:
    """The answer to the request ``token``; ``message`` None: an optional request went
    unanswered. A snapshot request's JPEG is in ``picture``."""

    token: int
    message: JsonMessage | None
    picture: bytes | None = None

    def check(self, what: str) -> JsonMessage:
        """The reply if its ``Ret`` is a success; the error that ``Ret`` means otherwise."""
        message = self.message
        if message is None or message.ret not in OK_CODES:
            raise ret_error(message.ret if message is not None else None, what)
        return message

    def check_optional(self, what: str) -> None:
        """Like ``check``, but no answer at all is fine (firmware that never replies)."""
        if self.message is not None:
            self.check(what)


@dataclass(frozen=True, slots=True)
class Alarm:
    """An alarm the camera pushed (1504)."""

    event: CameraEvent


@dataclass(frozen=True, slots=True)
class VideoFrames:
    """Every video frame one read of a video stream completed."""

    frames: list[VideoFrame]


@dataclass(frozen=True, slots=True)
class AudioChunks:
    """Every audio chunk one read of an audio stream completed."""

    chunks: list[AudioChunk]


Event = LoggedIn | Reply | Alarm | VideoFrames | AudioChunks


@dataclass(slots=True)
class _Request:
    token: int
    msg_id: int
    packet: bytes
    deadline: float
    optional: bool = False
    snapshot: SnapshotCollector | None = None


_LOGIN_TOKEN = 0
_KEEPALIVE_TOKEN = -1


class DvripSession:
    """The protocol state of one DVRIP TCP connection (see the module docstring)."""

    def __init__(
        self,
        username: str,
        password: str,
        timeout: float = DEFAULT_TIMEOUT,
        media: Literal["video", "audio", "both"] | None = None,
    ) -> None:
        self._username = username
        self._password = password
        self.timeout = timeout
        self.media = media
        self.state = State.IDLE
        self.session_id = 0
        self.login: LoginReply | None = None
        # A stream connection takes its media as a byte stream, not packet by packet.
        stream_ids = frozenset({MsgId.MONITOR_DATA}) if media else frozenset()
        self._decoder = PacketDecoder(stream_ids=stream_ids)
        self._out = OutBuffer()
        self._events: collections.deque[Event] = collections.deque()
        self._error: CameraError | None = None
        self._sequence = 0
        self._tokens = 0
        self._in_flight: _Request | None = None
        self._queue: collections.deque[_Request] = collections.deque()
        self._tail_deadline = 0.0  # when the last queued request is due at the latest
        self._login_sent_at = 0.0
        self._keepalive_at: float | None = None
        self._video = LiveVideo() if media == "video" else None
        self._audio = LiveAudio() if media == "audio" else None
        self._both = LiveMedia() if media == "both" else None
        self._media_silence: float | None = None
        self._media_check_at: float | None = None
        self._media_seen = False
        # (message id, name, value) sent before hanging up: a stream's Stop, Unguard.
        self.goodbye: tuple[int, str, object] | None = None

    @property
    def error(self) -> CameraError | None:
        """Why the session ended (None while it lives)."""
        return self._error

    @property
    def alive_interval(self) -> int | None:
        return self.login.alive_interval if self.login is not None else None

    # --- sansio.Session ---------------------------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        if self._error is not None:
            return
        if not data:
            self._fail(CannotConnect("the camera closed the connection"))
            return
        try:
            for message in self._decoder.feed(data):
                self._dispatch(message)
            if self.media is not None:
                stream = self._decoder.take_stream()  # taken even when dropped: never kept
                if stream and self.state is State.READY:
                    self._media(stream)
        except CameraError as err:
            self._fail(err)

    def next_event(self) -> Event | None:
        if self._events:
            return self._events.popleft()
        if self._error is not None:
            raise self._error
        return None

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        if self._error is not None:
            return None
        in_flight = self._in_flight
        return earliest(
            in_flight.deadline if in_flight is not None else None,
            self._keepalive_at,
            self._media_check_at,
        )

    def handle_timer(self, now: float) -> None:
        if self._error is not None:
            return
        in_flight = self._in_flight
        if in_flight is not None and now >= in_flight.deadline:
            if not in_flight.optional:
                what = "the login" if in_flight.token == _LOGIN_TOKEN else "message"
                detail = "" if in_flight.token == _LOGIN_TOKEN else f" {in_flight.msg_id}"
                self._fail(CannotConnect(f"the camera did not answer {what}{detail} in time"))
                return
            self._complete(Reply(in_flight.token, None))
        if self._keepalive_at is not None and now >= self._keepalive_at:
            interval = self.alive_interval or 1
            self._keepalive_at = now + interval
            self._enqueue(
                _KEEPALIVE_TOKEN,
                MsgId.KEEPALIVE,
                self._payload("KeepAlive"),
                now,
                min(self.timeout, interval),
            )
        if self._media_check_at is not None and now >= self._media_check_at:
            if not self._media_seen:
                self._fail(CannotConnect("the live stream stopped"))
                return
            self._media_seen = False
            self._media_check_at = now + (self._media_silence or FIRST_FRAME_WAIT)

    # --- what the client asks for -------------------------------------------------------------

    def start(self, now: float) -> None:
        """Send the login (the connection is open)."""
        if self.state is not State.IDLE:
            raise ProtocolError("the session has already started")
        body = {
            "EncryptType": "MD5",
            "LoginType": "DVRIP-Web",
            "PassWord": sofia_hash(self._password),
            "UserName": self._username,
        }
        self.state = State.LOGIN_SENT
        self._login_sent_at = now
        self._enqueue(_LOGIN_TOKEN, MsgId.LOGIN, encode_json_body(body), now, self.timeout)

    def request(
        self,
        msg_id: int,
        name: str,
        value: object = None,
        *,
        now: float,
        optional: bool = False,
    ) -> int:
        """Queue a request; its ``Reply`` event carries the returned token.

        ``optional``: the camera may not answer at all (PTZ on some firmware, OPSNAP on
        recorders without it, a reboot that closes first); silence is then a
        ``Reply(message=None)`` after a shorter wait, not a lost connection.
        """
        self._check_ready()
        self._tokens += 1
        timeout = min(self.timeout, OPTIONAL_REPLY_WAIT.get(msg_id, self.timeout))
        self._enqueue(
            self._tokens,
            msg_id,
            self._payload(name, value),
            now,
            timeout if optional else self.timeout,
            optional=optional,
            snapshot=SnapshotCollector() if msg_id == MsgId.SNAPSHOT else None,
        )
        return self._tokens

    def send(self, msg_id: int, name: str, value: object = None) -> None:
        """Send a message no reply is waited for (Guard, Monitor Start/Stop, Talk Start/Stop)."""
        self._check_ready()
        self._out.write(self._packet(msg_id, self._payload(name, value)))

    def send_binary(self, msg_id: int, payload: bytes, *, channel: int = 0) -> None:
        """Send a binary message (talk audio); ``channel`` goes into the Total byte."""
        self._check_ready()
        self._out.write(
            encode_packet(
                msg_id,
                payload,
                session=self.session_id,
                sequence=self._next_sequence(),
                total=channel,
            )
        )

    def watch_media(self, now: float) -> None:
        """From now on, a stream without media for ``silence`` to 2x ``silence`` s is lost
        (half the wait for a first key frame, which may be seconds apart)."""
        silence = max(self.timeout, FIRST_FRAME_WAIT) / 2
        self._media_silence = silence
        self._media_seen = False
        self._media_check_at = now + silence

    def hang_up(self) -> None:
        """Queue what is said before the socket closes, when logged in: ``goodbye`` (a stream's
        Stop, Unguard) and Logout (1002; no reply is waited for), so that the camera frees
        the session now rather than when its keep-alive lapses. Later calls raise."""
        if self.state is State.READY and self._error is None:
            if self.goodbye is not None:
                msg_id, name, value = self.goodbye
                self._out.write(self._packet(msg_id, self._payload(name, value)))
            self._out.write(self._packet(MsgId.LOGOUT, self._payload("")))
        self._fail(CannotConnect("the session was closed"))

    def close(self) -> None:
        """Forget the session (the caller closes the socket); later calls raise."""
        if self._error is None:
            self._fail(CannotConnect("the session was closed"))
        self._events.clear()

    # --- internals ---------------------------------------------------------------------------

    def _check_ready(self) -> None:
        if self._error is not None:
            raise CannotConnect(f"connection is closed ({self._error})")
        if self.state is not State.READY:
            raise CannotConnect("not logged in")

    def _fail(self, error: CameraError) -> None:
        if self._error is None:
            self._error = error
        self.state = State.CLOSED
        self._in_flight = None
        self._queue.clear()
        self._keepalive_at = self._media_check_at = None

    def _next_sequence(self) -> int:
        sequence = self._sequence
        self._sequence = (sequence + 1) & 0xFFFFFFFF
        return sequence

    def _payload(self, name: str, value: object = None) -> bytes:
        """A request's JSON payload (``{"Name": name, "SessionID": ..., name: value}``)."""
        return request_payload(name, self.session_id, value)

    def _packet(self, msg_id: int, payload: bytes) -> bytes:
        sequence = self._next_sequence()
        return json_packets(msg_id, payload, session=self.session_id, sequence=sequence)

    def _enqueue(
        self,
        token: int,
        msg_id: int,
        payload: bytes,
        now: float,
        timeout: float,
        *,
        optional: bool = False,
        snapshot: SnapshotCollector | None = None,
    ) -> None:
        busy = self._in_flight is not None
        # A queued request waits for those before it: its reply is due after theirs.
        deadline = (max(now, self._tail_deadline) if busy else now) + timeout
        self._tail_deadline = deadline
        packet = self._packet(msg_id, payload)
        request = _Request(token, msg_id, packet, deadline, optional, snapshot)
        if busy:
            self._queue.append(request)
        else:
            self._in_flight = request
            self._out.write(request.packet)

    def _complete(self, reply: Reply | None) -> None:
        """The request in flight is answered: hand the reply on, send the next one."""
        self._in_flight = None
        if reply is not None:
            self._events.append(reply)
        if self._queue:
            self._in_flight = self._queue.popleft()
            self._out.write(self._in_flight.packet)

    def _dispatch(self, message: Message) -> None:
        in_flight = self._in_flight
        if in_flight is not None and message.msg_id == in_flight.msg_id + 1:
            if in_flight.token == _LOGIN_TOKEN:
                if isinstance(message, JsonMessage):
                    self._logged_in(message)
                return
            if in_flight.snapshot is not None:
                if isinstance(message, BinaryMessage):
                    self._snapshot_part(in_flight, in_flight.snapshot, message.payload)
                return
            if isinstance(message, JsonMessage):
                if in_flight.token == _KEEPALIVE_TOKEN:
                    if message.ret not in OK_CODES:
                        raise CannotConnect(f"keep-alive refused (Ret {message.ret})")
                    self._complete(None)
                else:
                    self._complete(Reply(in_flight.token, message))
            return
        if self.state is not State.READY or isinstance(message, BinaryMessage):
            return  # talk audio from the camera (1433), replies to nobody, early messages
        if message.msg_id == MsgId.ALARM:
            event = parse_alarm(message.body)
            if event is not None:
                self._events.append(Alarm(event))
        elif message.msg_id == MsgId.GUARD_REPLY and message.ret not in OK_CODES:
            raise ret_error(message.ret, "the alarm subscription")
        elif message.msg_id == MsgId.FORCED_LOGOUT:
            raise ProtocolError("the camera logged this session out")

    def _logged_in(self, message: JsonMessage) -> None:
        login = LoginReply.from_json(message.body)
        if login.ret not in OK_CODES:
            raise login_error(login.ret)
        self.session_id = login.session if login.session is not None else message.session
        self.login = login
        self.state = State.READY
        self._keepalive_at = self._login_sent_at + login.alive_interval
        self._events.append(LoggedIn(login))
        self._complete(None)

    def _snapshot_part(
        self, request: _Request, collector: SnapshotCollector, payload: bytes
    ) -> None:
        picture = collector.feed(payload)
        if picture is None:
            return
        if picture:
            self._complete(Reply(request.token, None, picture))
        else:
            refusal = JsonMessage(MsgId.SNAPSHOT_REPLY, {"Ret": collector.ret})
            self._complete(Reply(request.token, refusal))

    def _media(self, stream: list[memoryview]) -> None:
        self._media_seen = True
        if self._video is not None:
            frames = self._video.feed(stream)
            if frames:
                self._events.append(VideoFrames(frames))
        elif self._audio is not None:
            chunks = self._audio.feed(stream)
            if chunks:
                self._events.append(AudioChunks(chunks))
        elif self._both is not None:  # in the camera's order: sound beside its pictures
            for run in self._both.feed(stream):
                if isinstance(run[0], VideoFrame):
                    self._events.append(VideoFrames(cast(list[VideoFrame], run)))
                else:
                    self._events.append(AudioChunks(cast(list[AudioChunk], run)))
