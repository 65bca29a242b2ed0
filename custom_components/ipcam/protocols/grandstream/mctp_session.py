"""The two MCTP connections as sans-I/O sessions (``sansio.Session``): alarms and talk.

``AlarmSession`` (``events()``): the heartbeat handshake with the RTSP session
id, then the alarm subscription for every channel, or for the client's own
channel when the camera refuses "all" (older firmware), then a keep-alive
every ``keepalive_interval`` (the camera drops a connection silent for 10 s).
A refused heartbeat is not fatal: alarms come from the subscription. Each
request waits for its ALIVE reply (``reply_timeout``); alarms that arrive
before the subscription is confirmed are handed over after it. Once ready, a
keep-alive that gets no message back within ``keepalive_interval +
LOSS_GRACE`` means the camera is gone: at most about two keep-alive intervals
after it was last heard.

``TalkSession`` (``talk()``): TALK, then the camera's one-line answer
(accepted, or busy and it closes), then audio packets.

See ``docs/protocols/grandstream.md``, "MCTP session".
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from ..base import CameraEvent
from ..errors import CannotConnect, DeviceBusy, NotSupported, ProtocolError
from ..sansio import OutBuffer
from .alarms import alarm_event, is_alarm
from .deadlines import Deadlines
from .mctp import (
    ALL_CHANNELS,
    KEEPALIVE_INTERVAL,
    TALK_SAMPLES_PER_PACKET,
    MctpMessage,
    MctpParser,
    alarm_subscription,
    heartbeat_request,
    keepalive_request,
    parse_handshake_reply,
    talk_accepted,
    talk_packet,
    talk_request,
)

# A message without END ends after this much silence (the alarm format is unknown).
IDLE_FLUSH = 0.3
LOSS_GRACE = 1.0
MAX_EARLY_MESSAGES = 64


class AlarmState(enum.Enum):
    IDLE = "idle"
    HEARTBEAT = "heartbeat"  # handshake sent
    SUBSCRIBING = "subscribing"  # alarm subscription sent (all channels, then ours)
    READY = "ready"  # subscribed: alarms flow, keep-alives run
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The camera accepted the alarm subscription."""

    heartbeat_accepted: bool
    channel: int  # ALL_CHANNELS, or the client's channel on older firmware


@dataclass(frozen=True, slots=True)
class Alarm:
    event: CameraEvent


AlarmSessionEvent = Subscribed | Alarm


class AlarmSession:
    """The heartbeat and alarm connection (see the module docstring)."""

    def __init__(
        self,
        rtsp_session_id: str,
        channel: int,
        *,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        reply_timeout: float = 10.0,
    ) -> None:
        try:
            self._handshake = heartbeat_request(rtsp_session_id, channel)
        except ValueError:
            raise ProtocolError("the RTSP session id is not an MCTP session id") from None
        self._channel = channel
        self.keepalive_interval = keepalive_interval
        self.reply_timeout = reply_timeout
        self.state = AlarmState.IDLE
        self.heartbeat_accepted = False
        self.subscribed_channel: int | None = None
        self._subscribing = ALL_CHANNELS
        self._parser = MctpParser()
        self._out = OutBuffer()
        self._events: deque[AlarmSessionEvent] = deque()
        self._early: list[MctpMessage] = []
        self._deadlines = Deadlines()

    def start(self, now: float) -> None:
        if self.state is not AlarmState.IDLE:
            return
        self.state = AlarmState.HEARTBEAT
        self._send(self._handshake, now)

    def receive_data(self, data: bytes) -> None:
        if self.state in (AlarmState.IDLE, AlarmState.CLOSED):
            return
        for message in self._parser.feed(data):
            self._on_message(message)
        if self._parser.pending:
            self._deadlines.after("flush", IDLE_FLUSH)  # counted from this last byte
        else:
            self._deadlines.cancel("flush")

    def next_event(self) -> AlarmSessionEvent | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        return self._deadlines.next()

    def handle_timer(self, now: float) -> None:
        deadlines = self._deadlines
        deadlines.stamp(now)
        if deadlines.due("reply"):
            raise CannotConnect("no MCTP reply from the camera")
        if deadlines.due("flush"):
            deadlines.cancel("flush")
            message = self._parser.flush()
            if message is not None:
                self._on_message(message)
        if self.state is AlarmState.READY:
            if deadlines.due("lost"):
                raise CannotConnect("MCTP heartbeat lost")
            if deadlines.due("keepalive"):
                self._out.write(keepalive_request())
                deadlines.at("keepalive", now + self.keepalive_interval)
                if "lost" not in deadlines:
                    deadlines.at("lost", now + self.keepalive_interval + LOSS_GRACE)
        deadlines.stamp(now)

    def close(self) -> None:
        self.state = AlarmState.CLOSED
        self._deadlines.clear()

    # --- internals ---------------------------------------------------------------------------

    def _send(self, request: bytes, now: float | None = None) -> None:
        self._out.write(request)  # one message per write: the camera reads one per recv
        if now is None:
            self._deadlines.after("reply", self.reply_timeout)
        else:
            self._deadlines.stamp(now)
            self._deadlines.at("reply", now + self.reply_timeout)

    def _on_message(self, message: MctpMessage) -> None:
        self._deadlines.cancel("lost")  # the camera is there
        if self.state is AlarmState.READY:
            if is_alarm(message):
                self._events.append(Alarm(alarm_event(message)))
            return
        if message.verb != "ALIVE":
            self._early.append(message)
            if len(self._early) > MAX_EARLY_MESSAGES:
                raise ProtocolError("too many MCTP messages before the reply")
            return
        result = parse_handshake_reply(message)
        ok = result is not None and result.ok  # a bare ALIVE echo answers nothing
        self._deadlines.cancel("reply")
        if self.state is AlarmState.HEARTBEAT:
            self.heartbeat_accepted = ok
            self.state = AlarmState.SUBSCRIBING
            self._send(alarm_subscription(ALL_CHANNELS))
        elif not ok and self._subscribing == ALL_CHANNELS:
            self._subscribing = self._channel
            self._send(alarm_subscription(self._channel))
        elif not ok:
            raise NotSupported("the camera refused the MCTP alarm subscription")
        else:
            self._ready()

    def _ready(self) -> None:
        self.state = AlarmState.READY
        self.subscribed_channel = self._subscribing
        self._events.append(Subscribed(self.heartbeat_accepted, self._subscribing))
        for message in self._early:
            if is_alarm(message):
                self._events.append(Alarm(alarm_event(message)))
        self._early.clear()
        self._deadlines.after("keepalive", self.keepalive_interval)


class TalkState(enum.Enum):
    IDLE = "idle"
    REQUESTED = "requested"  # TALK sent
    TALKING = "talking"  # accepted: audio packets go out
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class TalkAccepted:
    """The camera opened its speaker to us."""


class TalkSession:
    """The talk connection (see the module docstring)."""

    def __init__(self, *, reply_timeout: float = 10.0) -> None:
        self.reply_timeout = reply_timeout
        self.state = TalkState.IDLE
        self.packets_sent = 0
        self._parser = MctpParser()
        self._out = OutBuffer()
        self._events: deque[TalkAccepted] = deque()
        self._deadlines = Deadlines()

    @property
    def seconds_sent(self) -> float:
        return self.packets_sent * TALK_SAMPLES_PER_PACKET / 8000

    def start(self, now: float) -> None:
        if self.state is not TalkState.IDLE:
            return
        self.state = TalkState.REQUESTED
        self._out.write(talk_request())
        self._deadlines.stamp(now)
        self._deadlines.at("reply", now + self.reply_timeout)

    def receive_data(self, data: bytes) -> None:
        if self.state is not TalkState.REQUESTED:
            return  # once talking the camera has nothing to say: what it sends is ignored
        for message in self._parser.feed(data):
            if not talk_accepted(message):
                raise DeviceBusy("the camera's talk channel is in use")
            self.state = TalkState.TALKING
            self._deadlines.cancel("reply")
            self._events.append(TalkAccepted())
            return

    def next_event(self) -> TalkAccepted | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        return self._deadlines.next()

    def handle_timer(self, now: float) -> None:
        self._deadlines.stamp(now)
        if self._deadlines.due("reply"):
            raise CannotConnect("no MCTP reply from the camera")

    def send_audio(self, ulaw: bytes) -> None:
        """Queue one packet of 160 µ-law samples (20 ms); timestamps count samples."""
        if self.state is not TalkState.TALKING:
            raise CannotConnect("the talk channel is not open")
        self._out.write(talk_packet(ulaw, self.packets_sent * TALK_SAMPLES_PER_PACKET))
        self.packets_sent += 1

    def close(self) -> None:
        self.state = TalkState.CLOSED
        self._deadlines.clear()
