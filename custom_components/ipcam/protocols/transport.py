"""The one TCP transport every TCP camera family uses, and the link that runs a session on it.

- ``TcpConnection`` (an ``asyncio.Protocol``) opens with a timeout, hands every
  chunk the kernel delivers to a callback, bounds silence with one idle deadline
  per connection (a timer re-armed only when it fires, never per read), maps OS
  errors to the library's errors once, and closes cleanly. A stream that tolerates
  a little delay has its reads batched (``read_in_batches``): one wake-up per
  interval, not one per packet.
- ``SessionLink`` feeds a sans-I/O session (``sansio.Session``) from a
  ``TcpConnection``: bytes in, events out to a handler, the session's bytes
  written, its deadlines honoured with one timer.
- ``broadcast`` sends a UDP probe and hands the answers to a callback (LAN discovery).
- ``Inbox`` carries items from those callbacks to one async consumer, either
  dropping the oldest when full (alarms) or pausing the socket (media), and
  hands over everything already received without a wake-up per item.

Whatever a camera sends, nothing but the library's typed errors leaves here: an
unexpected exception in a callback closes the connection with ``ProtocolError``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import socket
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from .errors import CameraError, CannotConnect, ProtocolError
from .sansio import Session

_LOGGER = logging.getLogger(__name__)

T = TypeVar("T")
E = TypeVar("E")

DataHandler = Callable[[bytes], None]
LostHandler = Callable[[CameraError], None]
EofHandler = Callable[[], None]
# What one read of asyncio's socket transport takes at most (its ``max_size``).
_READ_SIZE = 256 * 1024


def connect_error(err: BaseException, what: str) -> CannotConnect:
    """The library's error for a failed connect or send (no host or credentials in it)."""
    if isinstance(err, TimeoutError):
        return CannotConnect(f"{what}: timed out")
    if isinstance(err, ConnectionRefusedError):
        return CannotConnect(f"{what}: connection refused")
    return CannotConnect(f"{what}: {type(err).__name__}")


class TcpConnection(asyncio.Protocol):
    """One TCP connection to a camera."""

    def __init__(
        self,
        on_data: DataHandler,
        on_lost: LostHandler,
        *,
        idle_timeout: float | None = None,
        write_timeout: float = 10.0,
        label: str = "camera",
        on_eof: EofHandler | None = None,
    ) -> None:
        self._on_data = on_data
        self._on_lost = on_lost
        self._on_eof = on_eof
        self._label = label
        self._write_timeout = write_timeout
        self._transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self._closed = False
        self._lost = self._loop.create_future()
        self._writable: asyncio.Future[None] | None = None
        self.close_error: CameraError | None = None
        self.bytes_received = 0
        self.reads = 0  # socket reads handed to on_data
        # Idle bound: the time of the last byte is noted per read; one timer checks it.
        self._idle_timeout = idle_timeout
        self._last_rx = self._loop.time()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._reading_paused = False  # we stopped listening: the camera is not silent
        # Batched reads (``read_in_batches``): after a read, the socket rests this long.
        self._batch_interval = 0.0
        self._batch_timer: asyncio.TimerHandle | None = None
        self._batch_start: asyncio.TimerHandle | None = None  # when batching begins

    @classmethod
    async def open(
        cls,
        host: str,
        port: int,
        on_data: DataHandler,
        on_lost: LostHandler,
        *,
        timeout: float,
        idle_timeout: float | None = None,
        label: str = "camera",
        on_eof: EofHandler | None = None,
    ) -> TcpConnection:
        """Connect within ``timeout``; raise ``CannotConnect`` (never an ``OSError``).

        ``on_eof`` hears that the camera finished sending (before ``on_lost``); a
        ``CameraError`` it raises becomes the reason the connection closed.
        """
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                _transport, protocol = await loop.create_connection(
                    lambda: cls(
                        on_data,
                        on_lost,
                        idle_timeout=idle_timeout,
                        write_timeout=timeout,
                        label=label,
                        on_eof=on_eof,
                    ),
                    host,
                    port,
                )
        except (OSError, TimeoutError) as err:
            raise connect_error(err, f"cannot connect to the {label}") from None
        return protocol

    # --- state ---------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def close_reason(self) -> str:
        return str(self.close_error) if self.close_error is not None else ""

    def get_extra_info(self, name: str, default: object = None) -> object:
        """The socket's details (``peername``, ``sockname``, ...) as asyncio reports them."""
        if self._transport is None:
            return default
        return self._transport.get_extra_info(name, default)

    def read_in_batches(self, interval: float, *, start_in: float = 0.0) -> None:
        """Let the camera's bytes gather in the kernel for up to ``interval`` seconds after
        each read (0: read them as they come), from ``start_in`` seconds on.

        A stream whose consumer tolerates that much delay (video remuxed for HLS) then
        costs one wake-up and one ``recv`` per interval instead of one per packet the
        camera writes: the event loop's cost per read is most of a live stream's CPU. A
        read that filled the transport's buffer is followed at once (more is waiting).
        """
        if self._batch_start is not None:
            self._batch_start.cancel()
            self._batch_start = None
        if start_in > 0 and interval > 0 and not self._closed:
            self._batch_start = self._loop.call_later(start_in, self.read_in_batches, interval)
            return
        self._batch_interval = max(0.0, interval)
        if not self._batch_interval:
            self._end_rest()

    @property
    def resting(self) -> bool:
        """Whether the socket rests between two batched reads (``read_in_batches``)."""
        return self._batch_timer is not None

    def set_idle_timeout(self, seconds: float | None) -> None:
        """Change how long the camera may stay silent before the connection is dropped."""
        self._idle_timeout = seconds
        self._arm_idle()

    # --- asyncio.Protocol -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._arm_idle()

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        self._last_rx = self._loop.time()
        self.bytes_received += len(data)
        self.reads += 1
        try:
            self._on_data(data)
        except CameraError as err:
            self.close(err)
        except Exception as err:
            # A bug of ours, not the camera's: end this connection with a typed error.
            _LOGGER.warning(
                "Unexpected error handling data from the %s", self._label, exc_info=True
            )
            self.close(ProtocolError(f"unexpected {type(err).__name__} while decoding"))
        if self._batch_interval and self._batch_timer is None and not self._closed:
            self._rest(len(data))

    def eof_received(self) -> bool | None:
        if self._on_eof is not None and not self._closed:
            try:
                self._on_eof()
            except CameraError as err:
                self.close(err)
            except Exception as err:
                _LOGGER.warning(
                    "Unexpected error at the end of the %s's data", self._label, exc_info=True
                )
                self.close(ProtocolError(f"unexpected {type(err).__name__} while decoding"))
        self.close(CannotConnect(f"the {self._label} closed the connection"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._lost.done():
            self._lost.set_result(None)
        if exc is None:
            self.close(CannotConnect(f"the {self._label} closed the connection"))
        else:
            self.close(connect_error(exc, f"connection to the {self._label} lost"))
        self._wake_writer()

    def pause_writing(self) -> None:
        if self._writable is None or self._writable.done():
            self._writable = self._loop.create_future()

    def resume_writing(self) -> None:
        self._wake_writer()

    # --- writing and reading control ---------------------------------------------------------

    def write(self, data: bytes) -> None:
        """Queue ``data`` for sending; ``CannotConnect`` when the connection is closed."""
        if self._closed or self._transport is None:
            raise CannotConnect(f"connection is closed ({self.close_reason or 'not open'})")
        if data:
            self._transport.write(data)

    async def drain(self) -> None:
        """Wait until the kernel takes our writes (bounded by the write timeout)."""
        writable = self._writable
        if writable is None or writable.done():
            if self._closed:
                raise CannotConnect(f"connection is closed ({self.close_reason})")
            return
        try:
            async with asyncio.timeout(self._write_timeout):
                await asyncio.shield(writable)
        except TimeoutError:
            self.close(CannotConnect(f"the {self._label} stopped reading"))
        if self._closed:
            raise CannotConnect(f"connection is closed ({self.close_reason})")

    def pause_reading(self) -> None:
        if self._transport is not None and not self._closed:
            self._reading_paused = True
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if self._transport is not None and not self._closed:
            self._reading_paused = False
            self._last_rx = self._loop.time()  # silence counts from when we listen again
            if self._batch_timer is None:
                self._transport.resume_reading()

    def _rest(self, read: int) -> None:
        """Pause the socket until the next tick of the batch interval, unless the read was
        large: a stream faster than the kernel's buffer holds in one interval is read as it
        comes (resting then would slow the camera down and cap its bitrate).

        The ticks are multiples of the interval on the loop's clock, so every batched
        stream of the process wakes at the same moments: one wake-up serves them all.
        """
        transport = self._transport
        if transport is None or read >= self._large_read(transport):
            return
        transport.pause_reading()
        interval = self._batch_interval
        tick = (self._loop.time() // interval + 1) * interval
        self._batch_timer = self._loop.call_at(tick, self._end_rest)

    def _large_read(self, transport: asyncio.Transport) -> int:
        """A quarter of the socket's receive buffer (which the kernel resizes), at most what
        one read of the transport takes."""
        limit = getattr(transport, "max_size", _READ_SIZE)
        sock = transport.get_extra_info("socket")
        if sock is None:
            return int(limit)
        try:
            buffer = int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
        except OSError:
            return int(limit)
        return min(int(limit), buffer // 4)

    def _end_rest(self) -> None:
        timer, self._batch_timer = self._batch_timer, None
        if timer is None:
            return
        timer.cancel()
        if self._transport is not None and not self._closed and not self._reading_paused:
            self._transport.resume_reading()

    # --- closing -------------------------------------------------------------------------------

    def close(self, error: CameraError | None = None) -> None:
        """Close (idempotent); ``on_lost`` hears why, once, synchronously."""
        if self._closed:
            return
        self._closed = True
        self.close_error = error or CannotConnect("closed")
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        for timer in (self._batch_timer, self._batch_start):
            if timer is not None:
                timer.cancel()
        self._batch_timer = self._batch_start = None
        if self._transport is not None:
            if error is None:
                self._transport.close()
            else:
                self._transport.abort()  # a broken peer gets no graceful flush
        self._wake_writer()
        self._on_lost(self.close_error)

    async def wait_closed(self, timeout: float = 1.0) -> None:
        """Wait (briefly) until the socket is really gone."""
        if self._transport is None:
            return
        try:
            async with asyncio.timeout(timeout):
                await asyncio.shield(self._lost)
        except TimeoutError:
            self._transport.abort()

    # --- internals -----------------------------------------------------------------------------

    def _wake_writer(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def _arm_idle(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._idle_timeout is None or self._closed:
            return
        self._idle_timer = self._loop.call_at(self._last_rx + self._idle_timeout, self._idle_check)

    def _idle_check(self) -> None:
        self._idle_timer = None
        if self._closed or self._idle_timeout is None:
            return
        if self._reading_paused:
            self._last_rx = self._loop.time()
        if self._loop.time() - self._last_rx >= self._idle_timeout:
            self.close(CannotConnect(f"the {self._label} went silent"))
        else:
            self._arm_idle()


class SessionLink(Generic[E]):
    """Runs a sans-I/O session over a ``TcpConnection``.

    Bytes from the camera go into the session; each event it produces goes to
    ``on_event`` (synchronously, in order); whatever it queues is written; its
    deadline is kept with one timer that is moved earlier when needed and
    otherwise re-armed only when it fires.
    """

    def __init__(
        self,
        session: Session[E],
        on_event: Callable[[E], None],
        on_lost: LostHandler,
        *,
        label: str = "camera",
    ) -> None:
        self.session = session
        self._on_event = on_event
        self._on_lost = on_lost
        self._label = label
        self._loop = asyncio.get_running_loop()
        self._connection: TcpConnection | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at: float | None = None

    async def open(
        self, host: str, port: int, *, timeout: float, idle_timeout: float | None = None
    ) -> None:
        self._connection = await TcpConnection.open(
            host,
            port,
            self._on_data,
            self._lost,
            timeout=timeout,
            idle_timeout=idle_timeout,
            label=self._label,
        )
        self.flush()

    @property
    def connection(self) -> TcpConnection:
        if self._connection is None:
            raise CannotConnect("not connected")
        return self._connection

    @property
    def closed(self) -> bool:
        return self._connection is None or self._connection.closed

    @property
    def close_error(self) -> CameraError | None:
        return None if self._connection is None else self._connection.close_error

    def now(self) -> float:
        """The clock sessions are driven with (the event loop's monotonic time)."""
        return self._loop.time()

    def flush(self) -> None:
        """Write what the session queued and re-arm its deadline."""
        data = self.session.data_to_send()
        if data:
            self.connection.write(data)
        self._arm()

    async def send(self) -> None:
        """``flush`` and wait for the kernel to take the bytes."""
        self.flush()
        await self.connection.drain()

    def close(self, error: CameraError | None = None) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = None
        if self._connection is not None:
            self._connection.close(error)

    async def wait_closed(self) -> None:
        if self._connection is not None:
            await self._connection.wait_closed()

    # --- internals -----------------------------------------------------------------------------

    def _on_data(self, data: bytes) -> None:
        self.session.receive_data(data)
        self._pump()

    def _pump(self) -> None:
        session = self.session
        on_event = self._on_event
        while (event := session.next_event()) is not None:
            on_event(event)
            if self.closed:
                return
        self.flush()

    def _arm(self) -> None:
        if self.closed:
            return
        deadline = self.session.next_deadline()
        if deadline is None:
            return  # a timer already armed fires harmlessly and re-arms from the session
        if self._timer is not None and self._timer_at is not None and self._timer_at <= deadline:
            return  # fires early enough; it re-reads the session then
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        self._timer = self._loop.call_at(deadline, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_at = None
        if self.closed:
            return
        try:
            self.session.handle_timer(self._loop.time())
            self._pump()
        except CameraError as err:
            self.close(err)
        except Exception as err:
            _LOGGER.warning("Unexpected error in the %s session timer", self._label, exc_info=True)
            self.close(ProtocolError(f"unexpected {type(err).__name__} in the session"))

    def _lost(self, error: CameraError) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_at = None
        self._on_lost(error)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes, str], None]) -> None:
        self._on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            self._on_datagram(data, str(addr[0]))
        except Exception:  # one bad answer must not end the search
            _LOGGER.debug("Unexpected error handling a datagram", exc_info=True)


async def broadcast(
    probe: bytes,
    address: str,
    port: int,
    on_datagram: Callable[[bytes, str], None],
    *,
    seconds: float,
    local_ports: Sequence[int] = (0,),
    repeat: int = 3,
    interval: float = 0.1,
) -> None:
    """Send a UDP ``probe`` ``repeat`` times (LAN discovery); hand each answer and its
    sender's address to ``on_datagram`` for ``seconds`` in all.

    The probe goes out from the first of ``local_ports`` that can be bound (0: any free
    port): some devices answer to a fixed port rather than to the sender's, so that one
    comes first, and a port already taken (another search, a camera on this machine)
    falls back to the next.
    """
    loop = asyncio.get_running_loop()
    transport: asyncio.DatagramTransport | None = None
    error = OSError("no local port to bind")
    for local_port in local_ports or (0,):
        try:
            transport, _protocol = await loop.create_datagram_endpoint(
                lambda: _Datagrams(on_datagram),
                local_addr=("0.0.0.0", local_port),
                family=socket.AF_INET,
            )
            break
        except OSError as err:
            error = err
    if transport is None:
        raise connect_error(error, "cannot open a UDP socket") from None
    try:
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        for _ in range(repeat):
            transport.sendto(probe, (address, port))
            await asyncio.sleep(interval)
        await asyncio.sleep(max(0.0, seconds - repeat * interval))
    finally:
        transport.close()


class Inbox(Generic[T]):
    """Items from protocol callbacks to one async consumer.

    With ``pause``/``resume`` given, a full inbox pauses the socket until the
    consumer has taken half (media: nothing is lost, the camera is slowed).
    Without them, a full inbox drops its oldest item (alarms: the newest matter).
    """

    def __init__(
        self,
        capacity: int,
        *,
        pause: Callable[[], None] | None = None,
        resume: Callable[[], None] | None = None,
    ) -> None:
        self._items: collections.deque[T] = collections.deque()
        self._capacity = capacity
        self._pause = pause
        self._resume = resume
        self._paused = False
        self._waiter: asyncio.Future[None] | None = None
        self._error: CameraError | None = None
        self._ended = False
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def ended(self) -> bool:
        return self._ended

    def put(self, item: T) -> None:
        if self._ended:
            return
        items = self._items
        items.append(item)
        if len(items) >= self._capacity:
            if self._pause is not None:
                if not self._paused:
                    self._paused = True
                    self._pause()
            else:
                items.popleft()
                self.dropped += 1
        self._wake()

    def end(self, error: CameraError | None = None) -> None:
        """No more items; the consumer gets what is left, then ``error`` (or the end)."""
        if self._ended:
            return
        self._ended = True
        self._error = error
        self._wake()

    async def get(self) -> T:
        """The next item; raises the end error, or ``StopAsyncIteration`` at a clean end."""
        while not self._items:
            if self._ended:
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        item = self._items.popleft()
        if self._paused and len(self._items) <= self._capacity // 2:
            self._paused = False
            if self._resume is not None:
                self._resume()
        return item

    def get_nowait(self) -> T | None:
        """The next item if one is waiting."""
        if not self._items:
            return None
        item = self._items.popleft()
        if self._paused and len(self._items) <= self._capacity // 2:
            self._paused = False
            if self._resume is not None:
                self._resume()
        return item

    def __aiter__(self) -> Inbox[T]:
        return self

    async def __anext__(self) -> T:
        return await self.get()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
