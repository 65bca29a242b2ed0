"""The MO_O operation connection as a sans-I/O session (no sockets, no clock).

Login_Req -> Login_Resp -> Verify_Req -> Verify_Resp (the short 2-byte variant on
failure), then requests matched to their answers by op code, alarms turned into
``CameraEvent``s with the alarm state kept here, and two clocks:

- a keep-alive (op 255) every ``keepalive_interval``;
- liveness. No source shows a camera answering our keep-alive (its own are
  sporadic), so a camera that has been silent for half an interval gets a
  Params_Fetch_Req (op 16), which it does answer (op 17). A camera that answers
  stays connected however quiet it is; one silent for ``dead_after`` (default two
  keep-alive intervals) is dead: ``handle_timer`` raises ``CannotConnect``.

``transport.SessionLink`` runs it; docs/protocols/foscam.md, "Login" and
"Keep-alive and liveness", explain each step.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from ..base import CameraEvent, EventKind
from ..errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from ..sansio import OutBuffer, earliest
from .decoder import MessageDecoder
from .framing import MAGIC_OPERATION
from .message import Incoming, Message, Request, UnknownMessage
from .operation import (
    MAX_CREDENTIAL,
    AlarmNotify,
    AlarmType,
    KeepAlive,
    LoginReq,
    LoginResp,
    ParamsChangedNotify,
    ParamsFetchReq,
    ParamsFetchResp,
    Result,
    StartResp,
    VerifyReq,
    VerifyResp,
    validate_credentials,
)

DEFAULT_TIMEOUT = 10.0
KEEPALIVE_INTERVAL = 10.0  # the vendor document asks for at least one a minute
# Packets in a row that mean nothing to us (unknown op codes, or not the awaited reply
# during login): a camera sends a few; a stream of them is not a camera we understand.
MAX_UNKNOWN_RUN = 1000

ALARM_KINDS: dict[int, EventKind] = {
    AlarmType.MOTION: EventKind.MOTION,
    AlarmType.INPUT: EventKind.INPUT,
    AlarmType.SOUND: EventKind.SOUND,
}


class CredentialsTooLong(InvalidValue, AuthError):
    """User name or password longer than the 12 characters Verify_Req can carry."""


class State(enum.Enum):
    IDLE = "idle"
    LOGIN_SENT = "login sent"
    VERIFY_SENT = "verify sent"
    READY = "ready"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class LoggedIn:
    """Verify_Resp accepted the credentials."""

    camera_id: str
    firmware: str
    privilege: int


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to the request ``token``."""

    token: int
    message: Incoming


@dataclass(frozen=True, slots=True)
class RequestFailed:
    """The request ``token`` was refused by the camera or not answered in time."""

    token: int
    error: CameraError


OperationEvent = LoggedIn | Reply | RequestFailed | CameraEvent


@dataclass(slots=True)
class _Pending:
    token: int
    name: str
    deadline: float


def start_error(response: StartResp) -> CameraError | None:
    """The typed error for a refused Video/Audio/Talk_Start_Resp (None when accepted)."""
    what = response.WHAT
    if response.result == Result.OK:
        return None
    if response.result == Result.TOO_MANY_CONNECTIONS:
        return DeviceBusy(f"the camera refused {what}: too many connections or users")
    if response.result == Result.UNSUPPORTED:
        return NotSupported(f"the camera does not support {what}")
    if response.result == Result.NO_PRIVILEGE:
        return NotSupported(f"this account's privilege level does not allow {what}")
    return ProtocolError(f"{what} start refused (result {response.result})")


def _login_error(result: int) -> CameraError:
    if result == Result.TOO_MANY_CONNECTIONS:
        return DeviceBusy("the camera refused the login: too many connections")
    return ProtocolError(f"the camera refused the login (result {result})")


def _verify_error(result: int) -> CameraError:
    if result in (Result.WRONG_USER, Result.WRONG_PASSWORD):
        return AuthError("the camera rejected the user name or password")
    if result == Result.NO_PRIVILEGE:
        return AuthError("the account has insufficient privilege")
    if result == Result.TOO_MANY_CONNECTIONS:
        return DeviceBusy("the camera refused the login: too many connections")
    return ProtocolError(f"unexpected Verify_Resp result {result}")


class OperationSession:
    """One MO_O connection: login, requests, alarms, keep-alive and liveness."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float | None = None,
    ) -> None:
        try:
            validate_credentials(username, password)
        except InvalidValue as err:
            raise CredentialsTooLong(
                f"{err}: legacy Foscam cameras accept at most {MAX_CREDENTIAL} characters"
            ) from None
        self._username = username
        self._password = password
        self.timeout = timeout
        self.keepalive_interval = keepalive_interval
        self.dead_after = 2 * keepalive_interval if dead_after is None else dead_after
        # Silence is measured in ticks: the time of a byte is not known here, only
        # that one arrived since the previous tick.
        self._tick = min(keepalive_interval, self.dead_after) / 2
        self.state = State.IDLE
        self._decoder = MessageDecoder(MAGIC_OPERATION)
        self._out = OutBuffer()
        self._events: deque[OperationEvent] = deque()
        self._pending: dict[int, deque[_Pending]] = {}
        self._next_token = 0
        self._unexpected = 0
        self._login_deadline: float | None = None
        self._check_at: float | None = None
        self._keepalive_at = 0.0
        self._alive_at = 0.0
        self._heard = False
        self._probing = False
        self.login: LoginResp | None = None
        self.privilege = 0
        self.connection_id: int | None = None  # the most recent data connection id
        self.params: ParamsFetchResp | None = None
        self.active_alarms: set[EventKind] = set()
        self.stats = {"keepalives": 0, "alarms": 0, "probes": 0}

    def diagnostics(self) -> dict[str, object]:
        return {"state": self.state.value, "resyncs": self._decoder.discarded, **self.stats}

    # --- driving the session -----------------------------------------------------------------

    def start(self, now: float) -> None:
        """Queue Login_Req; the whole login must be answered within ``timeout``."""
        if self.state is not State.IDLE:
            raise RuntimeError("the session has already started")
        self._out.write(LoginReq().encode())
        self.state = State.LOGIN_SENT
        self._login_deadline = now + self.timeout
        self._alive_at = now

    def receive_data(self, data: bytes) -> None:
        if self.state is State.CLOSED:
            return
        if not data:
            self._fail()
            raise CannotConnect("the camera closed the connection")
        self._heard = True
        try:
            for message in self._decoder.feed(data):
                self._handle(message)
        except CameraError:
            self._fail()
            raise

    def next_event(self) -> OperationEvent | None:
        return self._events.popleft() if self._events else None

    def data_to_send(self) -> bytes:
        return self._out.take()

    def next_deadline(self) -> float | None:
        if self.state is State.CLOSED:
            return None
        overdue = [queue[0].deadline for queue in self._pending.values() if queue]
        return earliest(self._login_deadline, self._check_at, *overdue)

    def handle_timer(self, now: float) -> None:
        if self.state is State.CLOSED:
            return
        if self._login_deadline is not None and now >= self._login_deadline:
            self._fail()
            raise CannotConnect("the camera did not answer the login in time")
        self._expire_requests(now)
        if self._check_at is not None and now >= self._check_at:
            self._check_liveness(now)

    def send(self, message: Request) -> None:
        """Queue a request that has no answer (Video_End, Talk_End, ...)."""
        if self.state is not State.READY:
            raise CannotConnect(f"not logged in ({self.state.value})")
        self._out.write(message.encode())

    def request(
        self, message: Request, reply: type[Incoming], now: float, timeout: float | None = None
    ) -> int:
        """Queue ``message``; its answer (op ``reply.OP``) comes as ``Reply``/``RequestFailed``."""
        self.send(message)
        self._next_token += 1
        deadline = now + (self.timeout if timeout is None else timeout)
        pending = _Pending(self._next_token, type(message).__name__, deadline)
        self._pending.setdefault(reply.OP, deque()).append(pending)
        return pending.token

    def close(self) -> None:
        self._fail()

    # --- internals -----------------------------------------------------------------------------

    def _fail(self) -> None:
        self.state = State.CLOSED
        self._pending.clear()
        self._login_deadline = self._check_at = None

    def _unexpected_packet(self, what: str) -> None:
        self._unexpected += 1
        if self._unexpected > MAX_UNKNOWN_RUN:
            raise ProtocolError(f"{self._unexpected} packets in a row without {what}")

    def _handle(self, message: Message) -> None:
        if self.state is State.LOGIN_SENT:
            if not isinstance(message, LoginResp):
                self._unexpected_packet("a Login_Resp")
                return
            self._unexpected = 0
            if message.result != Result.OK:
                raise _login_error(message.result)
            self.login = message
            self._out.write(VerifyReq(self._username, self._password).encode())
            self.state = State.VERIFY_SENT
        elif self.state is State.VERIFY_SENT:
            if not isinstance(message, VerifyResp):
                self._unexpected_packet("a Verify_Resp")
                return
            self._unexpected = 0
            if message.result != Result.OK:
                raise _verify_error(message.result)
            self._logged_in(message)
        elif isinstance(message, UnknownMessage):
            self._unexpected_packet("a known op code")
        else:
            self._unexpected = 0
            self._handle_ready(message)

    def _logged_in(self, message: VerifyResp) -> None:
        assert self.login is not None
        self.privilege = message.privilege if message.privilege is not None else 0
        self.state = State.READY
        self._login_deadline = None
        # The first liveness check is one tick after the login; it counts from there.
        self._check_at = self._alive_at + self._tick
        self._keepalive_at = self._alive_at + self.keepalive_interval
        self._events.append(LoggedIn(self.login.camera_id, self.login.firmware, self.privilege))

    def _handle_ready(self, message: Message) -> None:
        if isinstance(message, KeepAlive):
            self.stats["keepalives"] += 1
        elif isinstance(message, AlarmNotify):
            self.stats["alarms"] += 1
            self._alarm(message.alarm_type)
        elif isinstance(message, ParamsChangedNotify):
            if self.params is not None:
                self.params = self.params.changed(message.param, message.value)
        elif isinstance(message, ParamsFetchResp):
            self.params = message
            self._answer(message)
        elif isinstance(message, StartResp):
            self._answer(message)
        # Anything else (op 28, the multi-device list; a repeated login answer) means nothing.

    def _answer(self, message: Incoming) -> None:
        queue = self._pending.get(message.OP)
        if not queue:
            return  # a liveness probe's answer, or one that came after its deadline
        pending = queue.popleft()
        if isinstance(message, StartResp):
            error = start_error(message)
            if error is not None:
                self._events.append(RequestFailed(pending.token, error))
                return
            if message.connection_id is not None:
                self.connection_id = message.connection_id  # keep the most recent one
        self._events.append(Reply(pending.token, message))

    def _alarm(self, alarm_type: int) -> None:
        if alarm_type == AlarmType.STOP:
            for kind in sorted(self.active_alarms):
                self._events.append(CameraEvent(kind, False, 0, "alarm stop"))
            self.active_alarms.clear()
            return
        kind = ALARM_KINDS.get(alarm_type, EventKind.OTHER)
        self.active_alarms.add(kind)
        self._events.append(CameraEvent(kind, True, 0, f"alarm type {alarm_type}"))

    def _expire_requests(self, now: float) -> None:
        for queue in self._pending.values():
            while queue and queue[0].deadline <= now:
                pending = queue.popleft()
                error = CannotConnect(f"no answer to {pending.name}")
                self._events.append(RequestFailed(pending.token, error))

    def _check_liveness(self, now: float) -> None:
        if self._heard:
            self._heard = False
            self._alive_at = now
            self._probing = False
        if now >= self._keepalive_at:
            self._out.write(KeepAlive().encode())
            self._keepalive_at = now + self.keepalive_interval
        silent = now - self._alive_at
        if silent >= self.dead_after:
            self._fail()
            raise CannotConnect(f"nothing from the camera for {silent:.0f} s")
        if silent >= self._tick and not self._probing:
            self._out.write(ParamsFetchReq().encode())
            self._probing = True
            self.stats["probes"] += 1
        self._check_at = now + self._tick
