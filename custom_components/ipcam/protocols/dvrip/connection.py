"""One DVRIP TCP connection: a reader task, one request in flight, keep-alive.

The reader task owns the socket's read side and dispatches by message id: the
reply to the request in flight (request id + 1) completes its future, alarm
events (1504) and the Guard reply go to ``alarms``, binary media goes to
``media``. Keep-alive runs as its own task and only takes the request lock for
the duration of one exchange, so it never waits on alarms or media.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from ..errors import AccountLocked, AuthError, CannotConnect, DeviceBusy, ProtocolError
from . import wire
from .wire import MsgId

_LOGGER = logging.getLogger(__name__)

READ_CHUNK = 65536
ALARM_QUEUE = 256
MEDIA_QUEUE = 64

# A binary reply collector: fed each payload, returns the result once complete.
Collector = Callable[[bytes], object | None]


class _Waiter:
    def __init__(self, reply_id: int, collector: Collector | None) -> None:
        self.reply_id = reply_id
        self.collector = collector
        self.future: asyncio.Future[object] = asyncio.get_running_loop().create_future()


class Connection:
    """A logged-in (or logging-in) DVRIP connection."""

    def __init__(self, host: str, port: int, timeout: float, *, purpose: str = "control") -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.purpose = purpose
        self.session = 0
        self.alive_interval = 20
        self.login_reply: dict[str, Any] = {}
        self.alarms: asyncio.Queue[wire.JsonMessage | None] = asyncio.Queue(ALARM_QUEUE)
        self.media: asyncio.Queue[wire.BinaryMessage | None] = asyncio.Queue(MEDIA_QUEUE)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._decoder = wire.PacketDecoder()
        self._lock = asyncio.Lock()
        self._sequence = 0
        self._waiter: _Waiter | None = None
        self._read_task: asyncio.Task[None] | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._closed = asyncio.Event()
        self.close_reason = ""

    def __repr__(self) -> str:
        return f"<dvrip.Connection {self.purpose} {self.host}:{self.port} session={self.session}>"

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    # --- lifecycle ---------------------------------------------------------------------------

    async def open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.timeout
            )
        except (OSError, TimeoutError) as err:
            self._closed.set()
            raise CannotConnect(
                f"cannot connect to {self.host}:{self.port}: {type(err).__name__}"
            ) from None
        self._read_task = asyncio.get_running_loop().create_task(
            self._read_loop(), name=f"dvrip-{self.purpose}-reader"
        )

    async def login(self, username: str, password: str) -> dict[str, Any]:
        """Log in with the Sofia hash; start keep-alive; return the login reply body."""
        body = {
            "EncryptType": "MD5",
            "LoginType": "DVRIP-Web",
            "PassWord": wire.sofia_hash(password),
            "UserName": username,
        }
        reply = await self.request(MsgId.LOGIN, body)
        ret = reply.ret
        if ret in wire.LOCKED_CODES:
            raise AccountLocked("the camera locked the account after failed logins (Ret 205)")
        if ret in wire.AUTH_FAILED_CODES:
            raise AuthError(f"the camera rejected the user name or password (Ret {ret})")
        if ret in wire.BUSY_CODES:
            raise DeviceBusy(f"the camera refused the login: too many users (Ret {ret})")
        if ret not in wire.OK_CODES:
            raise ProtocolError(f"login failed with Ret {ret}")
        session_value = reply.body.get("SessionID")
        self.session = (
            wire.parse_session(session_value) if session_value is not None else reply.session
        )
        interval = reply.body.get("AliveInterval")
        if isinstance(interval, int) and not isinstance(interval, bool) and interval > 0:
            self.alive_interval = min(interval, 3600)
        self.login_reply = reply.body
        self._keepalive_task = asyncio.get_running_loop().create_task(
            self._keepalive_loop(), name=f"dvrip-{self.purpose}-keepalive"
        )
        return reply.body

    async def close(self, reason: str = "closed") -> None:
        self._shutdown(reason)
        current = asyncio.current_task()
        for task in (self._keepalive_task, self._read_task):
            if task is not None and task is not current and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._writer.wait_closed(), 1.0)

    def _shutdown(self, reason: str) -> None:
        """Mark closed, fail the waiter, wake queue readers (synchronous, idempotent)."""
        if self._closed.is_set() and (self._writer is None or self._writer.is_closing()):
            return
        if not self._closed.is_set():
            self.close_reason = reason
        self._closed.set()
        if self._writer is not None:
            self._writer.close()
        waiter = self._waiter
        if waiter is not None and not waiter.future.done():
            waiter.future.set_exception(CannotConnect(f"connection lost: {reason}"))
        for queue in (self.alarms, self.media):
            _put_sentinel(queue)

    # --- sending -----------------------------------------------------------------------------

    def _next_sequence(self) -> int:
        sequence = self._sequence
        self._sequence = (self._sequence + 1) & 0xFFFFFFFF
        return sequence

    async def _write(self, data: bytes) -> None:
        if self._writer is None or self.closed:
            raise CannotConnect(f"connection is closed ({self.close_reason})")
        try:
            self._writer.write(data)
            await asyncio.wait_for(self._writer.drain(), self.timeout)
        except (OSError, TimeoutError) as err:
            self._shutdown(f"write failed: {type(err).__name__}")
            raise CannotConnect("connection lost while sending") from None

    def body(self, name: str, value: object = None) -> dict[str, Any]:
        return wire.request_body(name, self.session, value)

    async def send(self, msg_id: int, body: dict[str, Any]) -> None:
        """Send a JSON message without waiting for a reply."""
        await self._write(
            wire.encode_json(msg_id, body, session=self.session, sequence=self._next_sequence())
        )

    async def send_binary(self, msg_id: int, payload: bytes, channel: int = 0) -> None:
        await self._write(
            wire.encode_packet(
                msg_id,
                payload,
                session=self.session,
                sequence=self._next_sequence(),
                total=channel,
            )
        )

    async def request(
        self, msg_id: int, body: dict[str, Any], *, timeout: float | None = None
    ) -> wire.JsonMessage:
        """Send and wait for the JSON reply (id + 1); a timeout closes the connection."""
        result = await self._exchange(msg_id, body, None, timeout, tolerate_timeout=False)
        if not isinstance(result, wire.JsonMessage):
            raise ProtocolError(f"unexpected reply to message {msg_id}")
        return result

    async def request_binary(
        self, msg_id: int, body: dict[str, Any], collector: Collector, *, timeout: float
    ) -> object | None:
        """Send and collect a binary reply; None when the camera stays silent.

        A silent camera does not desynchronise the connection: a late reply to
        this id is dropped because nobody waits for it.
        """
        return await self._exchange(msg_id, body, collector, timeout, tolerate_timeout=True)

    async def request_optional(
        self, msg_id: int, body: dict[str, Any], *, timeout: float
    ) -> wire.JsonMessage | None:
        """Like ``request`` but a missing reply is not an error (PTZ on some firmware)."""
        result = await self._exchange(msg_id, body, None, timeout, tolerate_timeout=True)
        return result if isinstance(result, wire.JsonMessage) else None

    async def _exchange(
        self,
        msg_id: int,
        body: dict[str, Any],
        collector: Collector | None,
        timeout: float | None,
        *,
        tolerate_timeout: bool,
    ) -> object | None:
        async with self._lock:
            if self.closed:
                raise CannotConnect(f"connection is closed ({self.close_reason})")
            waiter = _Waiter(msg_id + 1, collector)
            self._waiter = waiter
            try:
                await self.send(msg_id, body)
                return await asyncio.wait_for(waiter.future, timeout or self.timeout)
            except TimeoutError:
                if tolerate_timeout:
                    return None
                # No correlation id: a late reply would answer the next request. Start over.
                self._shutdown(f"no reply to message {msg_id}")
                raise CannotConnect(f"the camera did not answer message {msg_id} in time") from None
            finally:
                self._waiter = None

    async def _keepalive_loop(self) -> None:
        """KeepAlive every AliveInterval; a failure closes the connection."""
        try:
            while not self.closed:
                await asyncio.sleep(self.alive_interval)
                if self.closed:
                    return
                reply = await self.request(MsgId.KEEPALIVE, self.body("KeepAlive"))
                if reply.ret not in wire.OK_CODES:
                    self._shutdown(f"keep-alive refused (Ret {reply.ret})")
                    return
        except (CannotConnect, ProtocolError) as err:
            self._shutdown(f"keep-alive failed: {err}")

    # --- receiving ---------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        assert self._reader is not None
        reason = "closed by the camera"
        try:
            while True:
                idle = max(3 * self.alive_interval, 30) + self.timeout
                data = await asyncio.wait_for(self._reader.read(READ_CHUNK), idle)
                if not data:
                    break
                for message in self._decoder.feed(data):
                    await self._dispatch(message)
        except TimeoutError:
            reason = "the camera went silent"
        except ProtocolError as err:
            reason = f"protocol error: {err}"
            _LOGGER.debug("dvrip %s: %s", self.purpose, err)
        except OSError as err:
            reason = f"socket error: {type(err).__name__}"
        finally:
            self._shutdown(reason)

    async def _dispatch(self, message: wire.Message) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.future.done() and message.msg_id == waiter.reply_id:
            if waiter.collector is None:
                if isinstance(message, wire.JsonMessage):
                    waiter.future.set_result(message)
                    return
            else:
                payload = (
                    message.payload
                    if isinstance(message, wire.BinaryMessage)
                    else wire.encode_json_body(message.body)
                )
                try:
                    result = waiter.collector(payload)
                except ProtocolError as err:
                    waiter.future.set_exception(err)
                    return
                if result is not None:
                    waiter.future.set_result(result)
                return
        if isinstance(message, wire.BinaryMessage):
            if message.msg_id in (MsgId.MONITOR_DATA, MsgId.TALK_DATA_DEVICE):
                await self.media.put(message)  # back-pressure: stop reading when full
            return
        if message.msg_id in (MsgId.ALARM, MsgId.GUARD_REPLY):
            if self.alarms.full():
                self.alarms.get_nowait()  # drop the oldest alarm rather than grow
            self.alarms.put_nowait(message)
        elif message.msg_id == MsgId.FORCED_LOGOUT:
            raise ProtocolError("the camera logged this session out")


def _put_sentinel(queue: asyncio.Queue[Any]) -> None:
    if queue.full():
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    queue.put_nowait(None)
