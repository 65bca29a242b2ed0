"""Asyncio shell of the IPCamCGI client (D-Link DCS-930L class).

The protocol lives in sans-I/O modules (``calls``: which CGI answers what;
``mjpeg`` and ``stream``: the live stream; ``iostate``: the ``Date:`` I/O digits;
``host``: identity, capabilities, settings; ``model``: the operations composed of
exchanges). This module runs each exchange as one HTTP/1.0 request on a connection
of its own (``http.exchange``: Basic auth, the answer read sans-I/O and bounded),
the MJPEG stream on a socket of its own, and the input polling, and maps transport
failures. No HTTP client library: a ``session`` option (Home Assistant passes its
shared aiohttp session to every client that speaks HTTP) is not needed and ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Final

from ..base import (
    BATCHED_READS_AFTER,
    AudioChunk,
    CameraEvent,
    VideoFrame,
)
from ..errors import (
    CameraError,
    CannotConnect,
    NotSupported,
    ProtocolError,
)
from ..http import exchange
from ..httpstream import NoAnswer, basic_auth, request
from ..transport import Inbox, TcpConnection
from . import calls, stream
from .calls import MJPEG, Call, check_status
from .iostate import InputWatch, MjpegState
from .mjpeg import FrameClock, MjpegPart
from .model import ClientModel

_LOGGER = logging.getLogger(__name__)

STREAM_QUEUE: Final = 8  # frames a video() consumer may lag by before the socket pauses


class Client(ClientModel):
    """IPCamCGI camera client: ``ClientModel``'s options (others are ignored)."""

    def __init__(
        self,
        host: str,
        port: int | None = 80,
        username: str = "admin",
        password: str = "",
        **options: Any,
    ) -> None:
        known = ("timeout", "io_order", "poll_interval", "max_frame", "ptz")
        super().__init__(
            host, port, username, password, **{k: options[k] for k in known if k in options}
        )
        self._authorization = basic_auth(username, password)
        self._host_header = self._base.removeprefix("http://")
        self._requests = 0

    # --- HTTP ----------------------------------------------------------------------------------

    async def call[T](self, call: Call[T]) -> T:
        """Run one exchange (see ``calls``); its fallback CGI when the camera answers 404."""
        try:
            body = await self._exchange(call)
        except NotSupported:
            if call.fallback is None:
                raise
            return await self.call(call.fallback)
        return call.read(body)

    async def _exchange(self, call: Call[Any]) -> bytes:
        if self._closed:
            raise CannotConnect("client is closed")
        headers = {
            "Authorization": self._authorization,
            "User-Agent": stream.USER_AGENT,
            "Connection": "close",
            **(call.headers or {}),
        }
        wire = request(
            "POST" if call.post else "GET",
            call.target,
            self._host_header,
            headers,
            call.body or b"",
        )
        self._requests += 1
        try:
            answer = await exchange(
                self.host, self.port, wire, limit=call.limit, timeout=self._timeout, what=call.path
            )
        except CannotConnect as err:
            self._last_error = str(err)
            raise
        check_status(answer.status, call.path, answer.body)
        return answer.body

    @contextlib.asynccontextmanager
    async def _stream(
        self,
        on_part: Callable[[MjpegPart, float], None],
        on_open: Callable[[TcpConnection], None],
    ) -> AsyncIterator[asyncio.Future[CameraError]]:
        """``/mjpeg.cgi`` on a connection of its own: each part to ``on_part`` in the socket
        read's own callback, with the time it arrived (its ``Date:`` state to the I/O tracker
        first); yields the future of the error that ends the stream."""
        if self._closed:
            raise CannotConnect("client is closed")
        ended: asyncio.Future[CameraError] = asyncio.get_running_loop().create_future()
        response = stream.MjpegResponse(self._max_frame)
        opened_at = time.monotonic()
        running = False  # the camera answered 200: a stream runs (for the I/O tracker)

        def deliver(parts: list[MjpegPart]) -> None:
            nonlocal running
            if not running and response.started:
                running = True
                self.io.note_stream(running=True)
            now = time.monotonic()
            for part in parts:
                if part.state is not None:
                    self.io.note_part(part.state, now, opened_at)
                on_part(part, now)

        def on_data(data: bytes) -> None:
            deliver(response.feed(data))
            if response.ended:
                raise response.end_error()

        def on_eof() -> None:
            deliver(response.closed())
            raise response.end_error()

        def on_lost(error: CameraError) -> None:
            self._last_error = type(error).__name__
            if not ended.done():
                ended.set_result(error)

        conn = await TcpConnection.open(
            self.host,
            self.port,
            on_data,
            on_lost,
            timeout=self._timeout,
            idle_timeout=self._timeout,
            label=f"camera ({MJPEG})",
            on_eof=on_eof,
        )
        try:
            conn.write(stream.request(self._host_header, self._authorization))
            on_open(conn)
            yield ended
        finally:
            conn.close()
            if running:
                self.io.note_stream(running=False)
            await conn.wait_closed()

    # --- CameraClient --------------------------------------------------------------------------

    async def close(self) -> None:
        """Refuse further requests until ``connect()`` (each request has its own connection)."""
        self._closed = True

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "requests": self._requests,
            "last_error": self._last_error,
            **self.io.diagnostics(),
        }

    async def video(self) -> AsyncIterator[VideoFrame]:
        """``/mjpeg.cgi`` frames as ``VideoFrame(codec="jpeg")``; their state goes to ``io``."""
        clock = FrameClock(time.monotonic())
        socket: list[TcpConnection] = []  # a consumer that lags pauses the socket
        frames = Inbox[VideoFrame](
            STREAM_QUEUE,
            pause=lambda: socket[0].pause_reading(),
            resume=lambda: socket[0].resume_reading(),
        )
        async with self._stream(
            lambda part, now: frames.put(clock.frame(part, now)), socket.append
        ) as ended:
            ended.add_done_callback(lambda done: frames.end(done.result()))
            async for frame in frames:
                yield frame

    async def stream_media(
        self,
        on_video: Callable[[VideoFrame], None],
        on_audio: Callable[[AudioChunk], None] | None = None,
        *,
        read_every: float = 0.0,
    ) -> None:
        """Each frame to ``on_video`` in the callback of the socket read that completed it
        (the stream has no audio); reads ``read_every`` seconds apart once it has run a while."""
        clock = FrameClock(time.monotonic())

        def on_open(conn: TcpConnection) -> None:
            conn.read_in_batches(read_every, start_in=BATCHED_READS_AFTER)

        async with self._stream(
            lambda part, now: on_video(clock.frame(part, now)), on_open
        ) as ended:
            raise await ended

    async def reset(self, *, factory: bool = False) -> None:
        """Restart (``factory``: every setting back to default first); the camera answers
        204 or just goes away."""
        with contextlib.suppress(NoAnswer):
            # A camera restarting at once may hang up instead of answering.
            await self.call(calls.reset(factory=factory))

    async def events(self) -> AsyncIterator[CameraEvent]:
        """Alarm-input changes, polled every ``poll_interval`` seconds; each input first.

        While a stream runs and its ``Date:`` digits carry the inputs (their order
        proven or configured), from each part as it arrives, without a request;
        otherwise from ``iocontrol.cgi`` when the camera reports ``Input1``/``Input2``
        there (``Capability.EVENTS``), else from the digits of a one-part stream.
        NotSupported when the inputs cannot be told apart from the outputs.
        """
        if not self.io.has_inputs:
            raise NotSupported("this camera does not report its alarm inputs")
        watch = InputWatch()
        changed = asyncio.Event()
        self.io.digit_listeners.append(changed.set)
        try:
            while True:
                changed.clear()
                streamed = self._streamed_inputs()
                if streamed is None:
                    status = await self.get_io_status() if self.io.inputs_in_status else None
                    inputs = await self._read_inputs(status)
                else:
                    inputs = streamed
                for event in watch.update(inputs):
                    yield event
                if streamed is None:
                    await asyncio.sleep(self._poll_interval)
                    continue
                # A running stream whose digits carry the inputs wakes this as soon as a
                # part's digits change (within a frame, no request of ours); the poll
                # interval bounds the wait, so a stream that stops is noticed.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._poll_interval):
                        await changed.wait()
        finally:
            self.io.digit_listeners.remove(changed.set)

    async def read_stream_state(self) -> MjpegState:
        """Open the MJPEG stream, read one part's ``Date:`` state (I/O digits, pan, tilt), close."""
        loop = asyncio.get_running_loop()
        first: asyncio.Future[MjpegPart] = loop.create_future()

        def on_part(part: MjpegPart, _now: float) -> None:
            if not first.done():
                first.set_result(part)

        async with self._stream(on_part, lambda _conn: None) as ended:
            await asyncio.wait((first, ended), return_when=asyncio.FIRST_COMPLETED)
            if not first.done():
                raise ended.result()
        state = first.result().state
        if state is None:
            raise ProtocolError("MJPEG part without an IO_..._PT_... Date header")
        return state


__all__ = ["Client"]
