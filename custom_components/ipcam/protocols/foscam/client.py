"""Asyncio client for legacy Foscam MJPEG cameras (FI8904W/8908W/8910W/8918W and clones).

Two TCP connections to the camera's web port (notes §2-§5):

- the *operation* connection (``MO_O``): Login_Req -> Login_Resp -> Verify_Req ->
  Verify_Resp (+ an unprompted op 28), keep-alives both ways, start/stop requests,
  alarm notifications (op 25);
- one *A/V* connection (``MO_V``) per login, opened with the data connection id from
  the first *_Start_Resp that carries one: video JPEGs and microphone ADPCM from the
  camera, talk ADPCM to it, its own keep-alives.

Pan/tilt, IR, resolution, reboot and ``snapshot()`` (when no video is running) use
the cameras' HTTP CGIs on the same port, with HTTP Basic auth (falling back to
``user=``/``pwd=`` query parameters only if Basic is refused; URLs are never logged).

Sharing: ``video()``, ``audio()`` and ``talk()`` may each be used by one consumer at a
time (a second concurrent one gets ``DeviceBusy``); they all share the one A/V socket.
``snapshot()`` returns the latest MO_V frame while ``video()`` is running (no extra
connection), otherwise it fetches ``snapshot.cgi``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping
from typing import Any, TypeVar

import aiohttp
from yarl import URL

from ..audio.adpcm import FoscamAdpcmDecoder, FoscamAdpcmEncoder
from ..audio.pacing import paced_frames
from ..base import (
    AudioChunk,
    CameraClient,
    CameraEvent,
    Capability,
    DeviceIdentity,
    EventKind,
    PresetAction,
    PtzMove,
    SettingKey,
    Settings,
    Vendor,
    VideoFrame,
)
from ..errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from . import cgi
from . import wire as w
from .profile import PROFILE

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
KEEPALIVE_INTERVAL = 60.0  # vendor document: once a minute
DEAD_AFTER = 120.0  # vendor document: cut after 2 minutes without a keep-alive
SNAPSHOT_MAX_AGE = 2.0
TALK_FRAME_BYTES = 2 * 2 * w.AUDIO_PACKET_BYTES  # 320 samples of s16le = 160 ADPCM bytes
TALK_FRAME_SECONDS = 0.04
READ_SIZE = 65536
QUEUE_FRAMES = 8
# Packets in a row that mean nothing to us (unknown op codes, or not the awaited reply
# during login): a camera sends a few; a stream of them is not a camera we understand.
MAX_UNKNOWN_RUN = 1000

_ALARM_KINDS: dict[int, EventKind] = {
    w.AlarmType.MOTION: EventKind.MOTION,
    w.AlarmType.INPUT: EventKind.INPUT,
    w.AlarmType.SOUND: EventKind.SOUND,
}

M = TypeVar("M", bound=w.Message)


class CredentialsTooLong(InvalidValue, AuthError):
    """User name or password longer than the 12 characters Verify_Req can carry."""


class _Lost(Exception):
    """Internal sentinel put into queues when a connection ends."""

    def __init__(self, error: CameraError) -> None:
        super().__init__(str(error))
        self.error = error


class Client(CameraClient):
    """A legacy Foscam MJPEG camera over MO_O/MO_V and its HTTP CGIs."""

    profile = PROFILE
    vendor = Vendor.FOSCAM
    ptz_needs_stop = True  # decoder_control moves continue until the matching stop command
    write_only_settings = frozenset({SettingKey.IR})  # no CGI reports the IR lamp

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        session: aiohttp.ClientSession | None = None,
        keepalive_interval: float = KEEPALIVE_INTERVAL,
        dead_after: float = DEAD_AFTER,
        swap_left_right: bool = True,
        talk_buffer: int = 1,
        talk_lead: float = 0.2,
        **_options: Any,
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self._username = username
        self._password = password
        self._timeout = timeout
        self._session = session
        self._own_session: aiohttp.ClientSession | None = None
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._swap_left_right = swap_left_right
        self._talk_buffer = max(1, min(talk_buffer, 255))
        self._talk_lead = max(0.0, min(talk_lead, 1.0))
        self._cgi_query_auth = False
        self._generation = 0  # bumped by every connect(); stale generators leave it alone
        self.privilege: int | None = None
        self.camera_id = ""
        self.firmware = ""
        self.alias = ""
        self._reset_state()

    def _reset_state(self) -> None:
        self._op_writer: asyncio.StreamWriter | None = None
        self._av_writer: asyncio.StreamWriter | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._av_tasks: set[asyncio.Task[Any]] = set()
        self._pending: dict[int, asyncio.Future[w.Message]] = {}
        self._request_lock = asyncio.Lock()
        self._av_lock = asyncio.Lock()
        self._events: asyncio.Queue[CameraEvent | _Lost] = asyncio.Queue(maxsize=256)
        self._video_queue: asyncio.Queue[w.VideoData | _Lost] | None = None
        self._audio_queue: asyncio.Queue[AudioChunk | _Lost] | None = None
        self._audio_decoder = FoscamAdpcmDecoder()
        self._connection_id: int | None = None
        self._lost: CameraError | None = None
        self._active_alarms: set[EventKind] = set()
        self._talking = False
        self._last_frame: tuple[float, bytes] | None = None
        self._params: w.ParamsFetchResp | None = None
        self._ir: bool | None = None
        self._last_stop = cgi.Decoder.STOP_UP
        self._stats: dict[str, int] = {
            "frames": 0,
            "audio_packets": 0,
            "alarms": 0,
            "keepalives": 0,
            "talk_packets": 0,
            "av_connections": 0,
            "resyncs": 0,
        }

    # --- connection ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Log in (again): Login_Req/Resp, Verify_Req/Resp, then start the background tasks."""
        await self._teardown()
        self._reset_state()
        self._generation += 1
        try:
            w.validate_credentials(self._username, self._password)
        except InvalidValue as err:
            raise CredentialsTooLong(
                f"{err}: legacy Foscam cameras accept at most {w.MAX_CREDENTIAL} characters"
            ) from None
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self._timeout
            )
        except (OSError, TimeoutError) as err:
            raise CannotConnect(f"cannot reach {self.host}:{self.port}: {err}") from None
        parser = w.FrameParser((w.MAGIC_OPERATION,))
        try:
            writer.write(w.LoginReq().encode())
            login = await self._expect(reader, parser, w.LoginResp)
            if login.result == w.Result.TOO_MANY_CONNECTIONS:
                raise DeviceBusy("the camera refused the login: too many connections")
            if login.result != w.Result.OK:
                raise ProtocolError(f"the camera refused the login (result {login.result})")
            writer.write(w.VerifyReq(self._username, self._password).encode())
            verify = await self._expect(reader, parser, w.VerifyResp)
            if verify.result in (w.Result.WRONG_USER, w.Result.WRONG_PASSWORD):
                raise AuthError("the camera rejected the user name or password")
            if verify.result == w.Result.NO_PRIVILEGE:
                raise AuthError("the account has insufficient privilege")
            if verify.result == w.Result.TOO_MANY_CONNECTIONS:
                raise DeviceBusy("the camera refused the login: too many connections")
            if verify.result != w.Result.OK:
                raise ProtocolError(f"unexpected Verify_Resp result {verify.result}")
        except TimeoutError:
            writer.close()
            raise CannotConnect("the camera did not answer the login in time") from None
        except BaseException:
            writer.close()
            raise
        self.privilege = verify.privilege if verify.privilege is not None else 0
        self.camera_id = login.camera_id
        self.firmware = login.firmware
        self._op_writer = writer
        self._spawn(self._op_reader(reader, parser), self._tasks)
        self._spawn(self._keepalive(), self._tasks)
        # Official clients fetch the parameters (op 16 -> op 17) after logging in.
        with contextlib.suppress(CameraError, TimeoutError):
            self._params = await self._request(
                w.ParamsFetchReq(), w.ParamsFetchResp, min(self._timeout, 3.0)
            )
        # The alias (device name) is only available over HTTP; best effort.
        with contextlib.suppress(CameraError, TimeoutError):
            async with asyncio.timeout(min(self._timeout, 3.0)):
                status = await self.status()
            self.alias = status.get("alias", "")[:64]
        self._identity = self._make_identity()
        self.capabilities = self._make_capabilities()

    def _make_identity(self) -> DeviceIdentity:
        mac = w.camera_id_to_mac(self.camera_id)
        unique_id = mac or self.camera_id.lower() or f"{self.host}:{self.port}"
        return DeviceIdentity(
            vendor=Vendor.FOSCAM,
            unique_id=unique_id,
            name=self.alias or f"Foscam {self.camera_id or self.host}",
            model="MJPEG (MO_O)",
            manufacturer="Foscam",
            firmware=self.firmware,
            serial=self.camera_id,
            mac=mac,
        )

    def _make_capabilities(self) -> frozenset[Capability]:
        caps = {
            Capability.SNAPSHOT,
            Capability.VIDEO,
            Capability.EVENTS,
            Capability.AUDIO,
        }
        privilege = self.privilege or 0
        if privilege >= w.Privilege.OPERATOR:
            caps |= {
                Capability.PTZ,
                Capability.PTZ_HOME,
                Capability.PTZ_PRESETS,
                Capability.IR,
                Capability.RESOLUTION,
            }
        if privilege >= w.Privilege.ADMINISTRATOR:
            # iSpy only talks with an administrator login; reboot.cgi needs one too.
            caps |= {Capability.TALK, Capability.REBOOT}
        return frozenset(caps)

    async def close(self) -> None:
        await self._teardown()
        if self._own_session is not None:
            await self._own_session.close()
            self._own_session = None

    async def _teardown(self) -> None:
        if not hasattr(self, "_tasks"):
            return
        self._mark_lost(CannotConnect("the client was closed"))
        tasks = list(self._tasks) + list(self._av_tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        self._tasks.clear()
        self._av_tasks.clear()

    def _spawn(self, coro: Any, group: set[asyncio.Task[Any]]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        group.add(task)
        task.add_done_callback(group.discard)
        return task

    async def _expect(
        self, reader: asyncio.StreamReader, parser: w.FrameParser, kind: type[M]
    ) -> M:
        """Read the operation channel until a message of ``kind`` arrives (login phase)."""
        unexpected = 0
        async with asyncio.timeout(self._timeout):
            while True:
                for message in parser.messages():
                    if isinstance(message, kind):
                        return message
                    unexpected += 1
                    if unexpected > MAX_UNKNOWN_RUN:
                        raise ProtocolError(f"no {kind.__name__} among the camera's packets")
                try:
                    data = await reader.read(READ_SIZE)
                except OSError as err:
                    raise CannotConnect(f"connection lost during login: {err}") from None
                if not data:
                    raise CannotConnect("the camera closed the connection during login")
                parser.feed(data)

    def _mark_lost(self, error: CameraError) -> None:
        """The operation connection is gone: fail everything that waits on it."""
        if self._lost is None:
            self._lost = error
        for future in self._pending.values():
            if not future.done():
                future.set_exception(error)
        self._pending.clear()
        _offer(self._events, _Lost(error), drop_oldest=True)
        self._close_av(error)
        if self._op_writer is not None:
            self._op_writer.close()
            self._op_writer = None

    async def _op_reader(self, reader: asyncio.StreamReader, parser: w.FrameParser) -> None:
        error: CameraError = CannotConnect("the camera closed the connection")
        unknown = _UnknownRun()
        try:
            while True:
                for message in parser.messages():
                    unknown.check(message)
                    self._dispatch(message)
                self._stats["resyncs"] = parser.discarded
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), self._dead_after)
                except TimeoutError:
                    error = CannotConnect(f"nothing from the camera for {self._dead_after:.0f} s")
                    return
                except OSError as err:
                    error = CannotConnect(f"connection lost: {err}")
                    return
                if not data:
                    return
                parser.feed(data)
        except ProtocolError as err:
            error = err
        finally:
            self._mark_lost(error)

    def _dispatch(self, message: w.Message) -> None:
        if isinstance(message, w.KeepAlive):
            self._stats["keepalives"] += 1
        elif isinstance(message, w.AlarmNotify):
            self._stats["alarms"] += 1
            self._alarm(message.alarm_type)
        elif isinstance(message, w.ParamsChangedNotify) and self._params is not None:
            values = bytearray(self._params.values)
            if message.param < len(values):
                values[message.param] = message.value
                self._params = w.ParamsFetchResp(bytes(values))
        elif isinstance(message, w.OtherDevicesNotify | w.UnknownMessage):
            pass  # op 28 (multi-device list) and anything unknown are ignored
        else:
            if isinstance(message, w.AudioStartResp):
                self._audio_decoder.reset()  # the SDK resets its decoder here
            future = self._pending.pop(message.OP, None)
            if future is not None and not future.done():
                future.set_result(message)

    def _alarm(self, alarm_type: int) -> None:
        if alarm_type == w.AlarmType.STOP:
            for kind in sorted(self._active_alarms):
                _offer(self._events, CameraEvent(kind, False, 0, "alarm stop"))
            self._active_alarms.clear()
            return
        kind = _ALARM_KINDS.get(alarm_type, EventKind.OTHER)
        self._active_alarms.add(kind)
        _offer(self._events, CameraEvent(kind, True, 0, f"alarm type {alarm_type}"))

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(self._keepalive_interval)
            self._send(w.KeepAlive())
            if self._av_writer is not None and not self._av_writer.is_closing():
                self._av_writer.write(w.AvKeepAlive().encode())

    def _send(self, message: w.Message) -> None:
        if self._op_writer is None or self._op_writer.is_closing():
            raise self._lost or CannotConnect("not connected")
        self._op_writer.write(message.encode())

    async def _request(self, message: w.Message, reply: type[M], timeout: float | None = None) -> M:
        """Send a request on the operation channel and wait for its response op."""
        async with self._request_lock:
            future: asyncio.Future[w.Message] = asyncio.get_running_loop().create_future()
            self._pending[reply.OP] = future
            try:
                self._send(message)
                assert self._op_writer is not None
                async with asyncio.timeout(timeout or self._timeout):
                    await self._op_writer.drain()
                    result = await future
            except TimeoutError:
                raise CannotConnect(f"no answer to {type(message).__name__}") from None
            except OSError:
                raise self._lost or CannotConnect("connection lost") from None
            finally:
                if self._pending.get(reply.OP) is future:
                    del self._pending[reply.OP]
        if not isinstance(result, reply):
            raise ProtocolError(f"unexpected answer {type(result).__name__}")
        return result

    def _start_ok(self, response: w.VideoStartResp | w.AudioStartResp | w.TalkStartResp) -> None:
        what = type(response).__name__.removesuffix("StartResp").lower()
        if response.result == w.Result.TOO_MANY_CONNECTIONS:
            raise DeviceBusy(f"the camera refused {what}: too many connections or users")
        if response.result == w.Result.UNSUPPORTED:
            raise NotSupported(f"the camera does not support {what}")
        if response.result == w.Result.NO_PRIVILEGE:
            raise NotSupported(f"this account's privilege level does not allow {what}")
        if response.result != w.Result.OK:
            raise ProtocolError(f"{what} start refused (result {response.result})")
        if response.connection_id is not None:
            self._connection_id = response.connection_id  # keep the most recent one

    def _check_connected(self) -> None:
        if self._lost is not None:
            raise self._lost
        if self._op_writer is None:
            raise CannotConnect("not connected")

    # --- A/V connection --------------------------------------------------------------------

    async def _ensure_av(self) -> asyncio.StreamWriter:
        async with self._av_lock:
            if self._av_writer is not None and not self._av_writer.is_closing():
                return self._av_writer
            if self._connection_id is None:
                raise ProtocolError("the camera sent no data connection id")
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port), self._timeout
                )
            except (OSError, TimeoutError) as err:
                raise CannotConnect(f"cannot open the A/V connection: {err}") from None
            writer.write(w.AvLoginReq(self._connection_id).encode())
            self._av_writer = writer
            self._stats["av_connections"] += 1
            self._spawn(self._av_reader(reader, writer), self._av_tasks)
            return writer

    async def _av_reader(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        parser = w.FrameParser((w.MAGIC_AV,))
        error: CameraError = CannotConnect("the camera closed the A/V connection")
        unknown = _UnknownRun()
        try:
            while True:
                for message in parser.messages():
                    unknown.check(message)
                    self._dispatch_av(message)
                try:
                    data = await asyncio.wait_for(reader.read(READ_SIZE), self._dead_after)
                except TimeoutError:
                    error = CannotConnect("the A/V connection went silent")
                    return
                except OSError as err:
                    error = CannotConnect(f"A/V connection lost: {err}")
                    return
                if not data:
                    return
                parser.feed(data)
        except ProtocolError as err:
            error = err
        finally:
            if self._av_writer is writer:
                self._close_av(error)

    def _dispatch_av(self, message: w.Message) -> None:
        if isinstance(message, w.VideoData):
            self._stats["frames"] += 1
            self._last_frame = (time.monotonic(), message.jpeg)
            if self._video_queue is not None:
                _offer(self._video_queue, message, drop_oldest=True)
        elif isinstance(message, w.AudioData):
            self._stats["audio_packets"] += 1
            if self._audio_queue is not None:
                pcm = self._audio_decoder.decode(message.data)
                chunk = AudioChunk(pcm, 8000, message.tick / 100)
                _offer(self._audio_queue, chunk, drop_oldest=True)
        elif isinstance(message, w.AvKeepAlive):
            self._stats["keepalives"] += 1

    def _close_av(self, error: CameraError | None = None) -> None:
        writer, self._av_writer = self._av_writer, None
        if writer is not None:
            writer.close()
        current = asyncio.current_task()
        for task in list(self._av_tasks):
            if task is not current:
                task.cancel()
        lost = _Lost(error or CannotConnect("the A/V connection was closed"))
        if self._video_queue is not None:
            _offer(self._video_queue, lost, drop_oldest=True)
        if self._audio_queue is not None:
            _offer(self._audio_queue, lost, drop_oldest=True)

    def _release_av(self) -> None:
        """Close the A/V socket once no video, audio or talk uses it (like the SDK)."""
        if self._video_queue is None and self._audio_queue is None and not self._talking:
            writer, self._av_writer = self._av_writer, None
            if writer is not None:
                writer.close()

    def _send_quietly(self, message: w.Message) -> None:
        with contextlib.suppress(CameraError, OSError):
            self._send(message)

    # --- media -----------------------------------------------------------------------------

    async def events(self) -> AsyncIterator[CameraEvent]:
        """Alarms from op 25; ends with CannotConnect when the operation connection drops."""
        if self._op_writer is None and self._events.empty():
            raise self._lost or CannotConnect("not connected")
        while True:
            item = await self._events.get()
            if isinstance(item, _Lost):
                raise item.error
            yield item

    async def video(self) -> AsyncIterator[VideoFrame]:
        """JPEG frames from the MO_V socket; one consumer at a time."""
        self._check_connected()
        if self._video_queue is not None:
            raise DeviceBusy("video is already being streamed by another consumer")
        generation = self._generation
        queue: asyncio.Queue[w.VideoData | _Lost] = asyncio.Queue(maxsize=QUEUE_FRAMES)
        self._video_queue = queue
        started = False
        try:
            response = await self._request(w.VideoStartReq(1), w.VideoStartResp)
            self._start_ok(response)
            started = True
            await self._ensure_av()
            first_tick: int | None = None
            ticks: deque[int] = deque(maxlen=25)
            size: tuple[int, int] | None = None
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self._timeout)
                except TimeoutError:
                    raise CannotConnect("no video from the camera") from None
                if isinstance(item, _Lost):
                    raise item.error
                if first_tick is None:
                    first_tick = item.tick
                ticks.append(item.tick)
                fps = 0.0
                if len(ticks) > 1 and ticks[-1] > ticks[0]:
                    fps = round((len(ticks) - 1) * 100 / (ticks[-1] - ticks[0]), 2)
                size = w.jpeg_dimensions(item.jpeg) or size or (0, 0)
                yield VideoFrame(
                    codec="jpeg",
                    data=item.jpeg,
                    keyframe=True,
                    width=size[0],
                    height=size[1],
                    timestamp=((item.tick - first_tick) & 0xFFFFFFFF) / 100,
                    fps=fps,
                )
        finally:
            if self._generation == generation and self._video_queue is queue:
                self._video_queue = None
                if started:
                    self._send_quietly(w.VideoEnd())
                self._release_av()

    async def audio(self) -> AsyncIterator[AudioChunk]:
        """Decoded 8 kHz microphone audio (40 ms chunks); one consumer at a time."""
        self._check_connected()
        if self._audio_queue is not None:
            raise DeviceBusy("audio is already being streamed by another consumer")
        generation = self._generation
        queue: asyncio.Queue[AudioChunk | _Lost] = asyncio.Queue(maxsize=64)
        self._audio_queue = queue
        started = False
        try:
            response = await self._request(w.AudioStartReq(1), w.AudioStartResp)
            self._start_ok(response)
            started = True
            await self._ensure_av()
            first: float | None = None
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), self._timeout)
                except TimeoutError:
                    raise CannotConnect("no audio from the camera") from None
                if isinstance(item, _Lost):
                    raise item.error
                if first is None:
                    first = item.timestamp
                yield AudioChunk(item.pcm, item.sample_rate, max(0.0, item.timestamp - first))
        finally:
            if self._generation == generation and self._audio_queue is queue:
                self._audio_queue = None
                if started:
                    self._send_quietly(w.AudioEnd())
                self._release_av()

    async def snapshot(self) -> bytes:
        """The latest MO_V frame while video() runs, else ``snapshot.cgi``."""
        if self._video_queue is not None and self._last_frame is not None:
            at, jpeg = self._last_frame
            if time.monotonic() - at <= SNAPSHOT_MAX_AGE:
                return jpeg
        body = await self._cgi("snapshot.cgi", {}, limit=cgi.MAX_SNAPSHOT)
        if body[:2] != b"\xff\xd8" or not body.rstrip(b"\r\n\x00").endswith(b"\xff\xd9"):
            raise ProtocolError("snapshot.cgi did not return a (whole) JPEG")
        return body

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Talk_Start, paced 40 ms Talk_Data packets (ADPCM, state carried), Talk_End."""
        self._check_connected()
        if self._talking:
            raise DeviceBusy("a talk session is already running")
        self._talking = True
        generation = self._generation
        started = False
        packets = 0
        try:
            response = await self._request(w.TalkStartReq(self._talk_buffer), w.TalkStartResp)
            self._start_ok(response)
            started = True
            writer = await self._ensure_av()
            encoder = FoscamAdpcmEncoder()
            start_ms = int(time.monotonic() * 1000)
            async for frame in paced_frames(pcm, TALK_FRAME_BYTES, lead=self._talk_lead):
                if self._av_writer is not writer or writer.is_closing():
                    raise self._lost or CannotConnect("the A/V connection was lost during talk")
                packet = w.TalkData(
                    tick=start_ms + packets * 40,
                    serial=packets,
                    unix_time=int(time.time()),
                    data=encoder.encode(frame),
                )
                writer.write(packet.encode())
                try:
                    await asyncio.wait_for(writer.drain(), self._timeout)
                except (OSError, TimeoutError):
                    raise CannotConnect("the A/V connection was lost during talk") from None
                packets += 1
                self._stats["talk_packets"] += 1
            # Let the camera play its buffer out before Talk_End (it may flush it).
            remaining = start_ms / 1000 + packets * TALK_FRAME_SECONDS - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(min(remaining, self._talk_lead + TALK_FRAME_SECONDS))
            return packets * TALK_FRAME_SECONDS
        finally:
            if self._generation == generation:
                if started:
                    self._send_quietly(w.TalkEnd())
                self._talking = False
                self._release_av()

    # --- HTTP CGIs -------------------------------------------------------------------------

    def _http(self) -> aiohttp.ClientSession:
        if self._session is not None:
            return self._session
        if self._own_session is None or self._own_session.closed:
            self._own_session = aiohttp.ClientSession()
        return self._own_session

    async def _cgi(self, name: str, params: Mapping[str, str | int], *, limit: int = 0) -> bytes:
        """GET a CGI with Basic auth (query credentials only if Basic is refused)."""
        limit = limit or cgi.MAX_CGI_BODY
        query = {k: str(v) for k, v in params.items()}
        for use_query in (False, True) if not self._cgi_query_auth else (True,):
            url = URL.build(scheme="http", host=self.host, port=self.port, path=f"/{name}")
            auth: aiohttp.BasicAuth | None = None
            if use_query:
                url = url.with_query({**query, "user": self._username, "pwd": self._password})
            else:
                url = url.with_query(query)
                auth = aiohttp.BasicAuth(self._username, self._password)
            try:
                async with (
                    asyncio.timeout(self._timeout),
                    self._http().get(url, auth=auth, allow_redirects=False) as response,
                ):
                    status = response.status
                    body = await _read_bounded(response, limit)
            except (aiohttp.ClientError, OSError, TimeoutError) as err:
                raise CannotConnect(f"HTTP {name} failed: {type(err).__name__}") from None
            if status == 401:
                continue
            if status == 404:
                raise NotSupported(f"the camera has no {name}")
            if status != 200:
                raise ProtocolError(f"HTTP {name} answered status {status}")
            if use_query and not self._cgi_query_auth:
                self._cgi_query_auth = True
                _LOGGER.debug("%s: camera needs query-string credentials for CGIs", self.host)
            return body
        raise AuthError(f"the camera rejected the credentials for {name}")

    async def status(self) -> dict[str, str]:
        """``get_status.cgi`` as a dict (id, sys_ver, app_ver, alias, alarm_status, ...)."""
        return cgi.parse_vars((await self._cgi("get_status.cgi", {})).decode("latin-1"))

    async def alarm_status(self) -> EventKind | None:
        """The alarm the camera reports right now (polling fallback for ``events()``)."""
        code = (await self.status()).get("alarm_status", "0")
        return {"1": EventKind.MOTION, "2": EventKind.INPUT, "3": EventKind.SOUND}.get(code)

    async def _decoder(self, command: int) -> None:
        body = await self._cgi("decoder_control.cgi", {"command": command})
        if body.strip().lower().startswith(b"error"):
            raise ProtocolError(f"decoder_control command {command} failed")

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        if move is PtzMove.STOP:
            await self._decoder(self._last_stop)
            return
        if move is PtzMove.HOME:
            await self._decoder(cgi.Decoder.CENTER)
            return
        command, stop = cgi.ptz_command(move, swap_left_right=self._swap_left_right)
        self._last_stop = cgi.Decoder(stop)
        await self._decoder(command)

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        await self._decoder(cgi.preset_command(action, preset))

    async def reboot(self) -> None:
        await self._cgi("reboot.cgi", {})

    async def read_settings(self) -> Settings:
        settings = Settings()
        settings.values[SettingKey.IR] = self._ir  # write-only on the camera: last value set
        resolution: str | None = None
        try:
            values = cgi.parse_vars((await self._cgi("get_camera_params.cgi", {})).decode())
            code = values.get("resolution", "")
            resolution = cgi.RESOLUTIONS.get(int(code)) if code.isdigit() else None
        except (NotSupported, AuthError):
            if self._params is not None:
                resolution = cgi.RESOLUTIONS.get(self._params.resolution)
        settings.values[SettingKey.RESOLUTION] = resolution
        settings.options[SettingKey.RESOLUTION] = tuple(cgi.RESOLUTIONS.values())
        return settings

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        if key == SettingKey.IR:
            on = _as_bool(value)
            await self._decoder(cgi.IR_ON if on else cgi.IR_OFF)
            self._ir = on
        elif key == SettingKey.RESOLUTION:
            code = cgi.RESOLUTION_CODES.get(str(value))
            if code is None:
                raise InvalidValue(f"resolution must be one of {sorted(cgi.RESOLUTION_CODES)}")
            body = await self._cgi(
                "camera_control.cgi", {"param": cgi.PARAM_RESOLUTION, "value": code}
            )
            if body.strip().lower().startswith(b"error"):
                raise ProtocolError("camera_control refused the resolution")
        else:
            raise NotSupported(f"setting {key!r} is not supported by this camera")

    def diagnostics(self) -> Mapping[str, object]:
        return {
            "host": self.host,
            "port": self.port,
            "connected": self._op_writer is not None and self._lost is None,
            "camera_id": self.camera_id,
            "firmware": self.firmware,
            "privilege": self.privilege,
            "av_connected": self._av_writer is not None,
            "video_active": self._video_queue is not None,
            "audio_active": self._audio_queue is not None,
            "talking": self._talking,
            "cgi_query_auth": self._cgi_query_auth,
            "lost": str(self._lost) if self._lost else None,
            **self._stats,
        }


class _UnknownRun:
    """Counts packets in a row with an unknown op code; too many is a ProtocolError."""

    def __init__(self) -> None:
        self.count = 0

    def check(self, message: w.Message) -> None:
        if not isinstance(message, w.UnknownMessage):
            self.count = 0
            return
        self.count += 1
        if self.count > MAX_UNKNOWN_RUN:
            raise ProtocolError(f"{self.count} packets in a row with unknown op codes")


async def _read_bounded(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The whole body; ProtocolError beyond ``limit`` bytes (nothing more is read).

    ``content.read(n)`` alone returns whatever arrived first: a body cut short (or
    still arriving) would pass for the whole answer.
    """
    length = response.content_length
    if length is not None and length > limit:
        raise ProtocolError(f"HTTP answer of {length} bytes is larger than {limit}")
    body = bytearray()
    while chunk := await response.content.read(min(READ_SIZE, limit + 1 - len(body))):
        body += chunk
        if len(body) > limit:
            raise ProtocolError(f"HTTP answer is larger than {limit} bytes")
    return bytes(body)


def _as_bool(value: bool | int | str) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("on", "true", "1", "yes"):
            return True
        if lowered in ("off", "false", "0", "no"):
            return False
        raise InvalidValue(f"not a boolean: {value!r}")
    return bool(value)


def _offer[T](queue: asyncio.Queue[T], item: T, *, drop_oldest: bool = False) -> None:
    """Put without waiting; drop the oldest item (or the new one) when full."""
    if queue.full():
        if not drop_oldest:
            return
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
    with contextlib.suppress(asyncio.QueueFull):
        queue.put_nowait(item)


async def discover(
    *,
    address: str = "255.255.255.255",
    port: int = w.SEARCH_PORT,
    attempts: int = 3,
    interval: float = 2.0,
) -> list[w.SearchResp]:
    """MO_I search: broadcast Search_Req ``attempts`` times, ``interval`` s apart.

    Replies come back to the sending socket; only the first 65 text bytes are
    parsed (HD models send longer records). Returns one record per camera id.
    """
    found: dict[str, w.SearchResp] = {}

    class _Protocol(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
            with contextlib.suppress(ProtocolError):
                message = w.decode_datagram(data)
                if isinstance(message, w.SearchResp):
                    found.setdefault(message.camera_id, message)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        _Protocol, local_addr=("0.0.0.0", 0), allow_broadcast=True
    )
    try:
        for _ in range(max(1, attempts)):
            transport.sendto(w.SearchReq().encode(), (address, port))
            await asyncio.sleep(interval)
    finally:
        transport.close()
    return list(found.values())
