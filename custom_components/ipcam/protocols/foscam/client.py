"""Asyncio client for legacy Foscam MJPEG cameras (FI8904W/8908W/8910W/8918W and clones).

A thin shell around two sans-I/O sessions run by ``transport.SessionLink`` on the
camera's web port: ``OperationSession`` (MO_O: login, requests, alarms,
keep-alive and liveness) and, once video, audio or talk starts, one
``AvSession`` (MO_V) shared by the three. Pan/tilt, IR, resolution, reboot and
``snapshot()`` (when no video is running) use the HTTP CGIs on the same port.
Each ``connect()`` makes a new ``_Login``: iterators of an older one end with it
and never touch the new one. See docs/protocols/foscam.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
from yarl import URL

from .. import base
from ..audio.pacing import paced_frames
from ..base import AudioChunk, CameraEvent, PtzMove, SettingKey, Settings, VideoFrame
from ..errors import AuthError, CameraError, CannotConnect, DeviceBusy, NotSupported, ProtocolError
from ..http import HttpShell
from ..transport import Inbox, SessionLink
from . import cgi, media
from . import operation as op
from .av import VideoData
from .av_session import AV_DEAD_AFTER, MEDIA_REQUESTS, AvEvent, AvSession, Media
from .identity import capabilities_for, identity_for
from .message import Incoming, Request
from .profile import PROFILE
from .search import SEARCH_PORT, SearchDecoder, SearchReq, SearchResp
from .session import (
    DEFAULT_TIMEOUT,
    KEEPALIVE_INTERVAL,
    CredentialsTooLong,
    LoggedIn,
    OperationEvent,
    OperationSession,
    Reply,
)

__all__ = ["Client", "CredentialsTooLong", "discover"]

_LOGGER = logging.getLogger(__name__)
SNAPSHOT_MAX_AGE = 2.0
READ_SIZE = 65536
INBOX_SIZE = {Media.VIDEO: 8, Media.AUDIO: 64}  # a slow consumer loses the oldest packets


class _Login:
    """One login: its two links, the futures and inboxes they feed."""

    def __init__(self, session: OperationSession) -> None:
        self.session = session
        self.link: SessionLink[OperationEvent] | None = None
        self.av: SessionLink[AvEvent] | None = None
        self.av_session: AvSession | None = None
        self.av_lock = asyncio.Lock()
        self.ready: asyncio.Future[LoggedIn] = asyncio.get_running_loop().create_future()
        self.replies: dict[int, asyncio.Future[Incoming]] = {}
        self.events: Inbox[CameraEvent] = Inbox(256)
        self.media: dict[Media, Inbox[Any]] = {}
        self.talking = False
        self.lost: CameraError | None = None
        self.last_frame: tuple[float, bytes] | None = None

    def on_event(self, event: OperationEvent) -> None:
        if isinstance(event, CameraEvent):
            self.events.put(event)
        elif isinstance(event, LoggedIn):
            if not self.ready.done():
                self.ready.set_result(event)
        elif (future := self.replies.pop(event.token, None)) is not None and not future.done():
            if isinstance(event, Reply):
                future.set_result(event.message)
            else:
                future.set_exception(event.error)

    def on_lost(self, error: CameraError) -> None:
        """The operation connection is gone: fail everything that waits on it."""
        self.lost = self.lost or error
        futures: list[asyncio.Future[Any]] = [self.ready, *self.replies.values()]
        for future in futures:
            if not future.done():
                future.set_exception(self.lost)
                future.exception()  # retrieved: nobody may be waiting any more
        self.replies.clear()
        self.events.end(self.lost)
        self.session.close()
        if self.av is not None:
            self.av.close()

    def on_av_event(self, event: AvEvent) -> None:
        kind = Media.VIDEO if isinstance(event, VideoData) else Media.AUDIO
        if isinstance(event, VideoData):
            self.last_frame = (time.monotonic(), event.jpeg)
        if (inbox := self.media.get(kind)) is not None:
            inbox.put(event)

    def on_av_lost(self, link: SessionLink[AvEvent], error: CameraError) -> None:
        if self.av is link:
            self.av = self.av_session = None
            for inbox in self.media.values():
                inbox.end(self.lost or error)

    def check(self) -> _Login:
        if self.lost is not None:
            raise self.lost
        if self.link is None:
            raise CannotConnect("not connected")
        return self

    def send_quietly(self, message: Request) -> None:
        with contextlib.suppress(CameraError):
            self.session.send(message)
            if (link := self.check().link) is not None:
                link.flush()

    def release_av(self) -> None:
        """Close the A/V connection once no video, audio or talk uses it (like the SDK)."""
        if not self.media and not self.talking and self.av is not None:
            self.av.close()


class Client(base.CameraClient):
    """A legacy Foscam MJPEG camera over MO_O/MO_V and its HTTP CGIs."""

    profile = PROFILE
    vendor = base.Vendor.FOSCAM
    ptz_needs_stop = True  # decoder_control moves continue until the matching stop command
    write_only_settings = frozenset({SettingKey.IR})  # no CGI reports the IR lamp

    def __init__(
        self, host: str, port: int, username: str, password: str, *,
        timeout: float = DEFAULT_TIMEOUT, session: aiohttp.ClientSession | None = None,
        keepalive_interval: float = KEEPALIVE_INTERVAL, dead_after: float | None = None,
        swap_left_right: bool = True, talk_buffer: int = 1, talk_lead: float = 0.2,
        **_options: Any,
    ) -> None:  # fmt: skip
        super().__init__()
        self.host, self.port = host, port
        self._username, self._password = username, password
        self._timeout = timeout
        self._http = HttpShell(session, timeout)
        self._keepalive_interval, self._dead_after = keepalive_interval, dead_after
        self._talk_buffer = max(1, min(talk_buffer, 255))
        self._talk_lead = max(0.0, min(talk_lead, 1.0))
        self._auth = cgi.CgiAuth()
        self._login: _Login | None = None
        self.privilege: int | None = None
        self.camera_id = self.firmware = self.alias = ""
        self._ir: bool | None = None
        self._ptz = cgi.PtzCommands(swap_left_right=swap_left_right)
        self._stats = {"av_connections": 0, "talk_packets": 0}

    # --- connection ------------------------------------------------------------------------

    async def connect(self) -> None:
        """Log in (again): the session sends Login_Req, then Verify_Req."""
        await self._teardown()
        login = self._login = _Login(
            OperationSession(
                self._username, self._password, timeout=self._timeout,
                keepalive_interval=self._keepalive_interval, dead_after=self._dead_after,
            )
        )  # fmt: skip
        link: SessionLink[OperationEvent] = SessionLink(
            login.session, login.on_event, login.on_lost
        )
        login.session.start(link.now())
        await link.open(self.host, self.port, timeout=self._timeout)
        login.link = link
        verified = await login.ready
        self.privilege, self.camera_id = verified.privilege, verified.camera_id
        self.firmware = verified.firmware
        # Official clients fetch the parameters (op 16 -> op 17) after logging in.
        with contextlib.suppress(CameraError):
            await self._request(op.ParamsFetchReq(), op.ParamsFetchResp, min(self._timeout, 3.0))
        with contextlib.suppress(CameraError, TimeoutError):  # only HTTP has the alias
            async with asyncio.timeout(min(self._timeout, 3.0)):
                self.alias = (await self.status()).get("alias", "")[:64]
        self._identity = identity_for(
            self.camera_id, self.firmware, self.alias, self.host, self.port
        )
        self.capabilities = capabilities_for(self.privilege)

    async def close(self) -> None:
        await self._teardown()
        await self._http.close()

    async def _teardown(self) -> None:
        if (login := self._login) is None:
            return
        login.on_lost(CannotConnect("the client was closed"))
        for link in (login.link, login.av):
            if link is not None:
                link.close()
                await link.wait_closed()

    def _current(self) -> _Login:
        if self._login is None:
            raise CannotConnect("not connected")
        return self._login.check()

    async def _request[R: Incoming](
        self, message: Request, reply: type[R], timeout: float | None = None
    ) -> R:
        """Send a request on the operation connection and wait for its answer."""
        login = self._current()
        link = login.link
        assert link is not None  # checked by _current()
        token = login.session.request(message, reply, link.now(), timeout)
        future = login.replies[token] = asyncio.get_running_loop().create_future()
        await link.send()
        answer = await future
        if not isinstance(answer, reply):
            raise ProtocolError(f"unexpected answer {type(answer).__name__}")
        return answer

    async def _start_av(
        self, login: _Login, request: Request, reply: type[Incoming]
    ) -> tuple[SessionLink[AvEvent], AvSession]:
        """Send a start request, then open (or reuse) the A/V connection with its id."""
        await self._request(request, reply)
        async with login.av_lock:
            if login.av is None or login.av_session is None or login.av.closed:
                connection_id = login.session.connection_id
                if connection_id is None:
                    raise ProtocolError("the camera sent no data connection id")
                session = AvSession(
                    connection_id,
                    keepalive_interval=self._keepalive_interval,
                    media_timeout=self._timeout,
                    dead_after=self._dead_after or AV_DEAD_AFTER,
                )
                link: SessionLink[AvEvent] = SessionLink(
                    session,
                    login.on_av_event,
                    lambda error: login.on_av_lost(link, error),
                    label="camera's A/V connection",
                )
                session.start(link.now())
                await link.open(self.host, self.port, timeout=self._timeout)
                login.av, login.av_session = link, session
                self._stats["av_connections"] += 1
                login.check()  # the login may have ended while this opened
            return login.av, login.av_session

    # --- push and media --------------------------------------------------------------------

    async def events(self) -> AsyncIterator[CameraEvent]:
        """Alarms from op 25; ends with CannotConnect when the operation connection drops."""
        if self._login is None:
            raise CannotConnect("not connected")
        async for event in self._login.events:
            yield event
        raise CannotConnect("the camera closed the connection")

    def video(self) -> AsyncIterator[VideoFrame]:
        """JPEG frames from the MO_V connection; one consumer at a time."""
        return self._media(Media.VIDEO, media.VideoTimeline().frame)

    def audio(self) -> AsyncIterator[AudioChunk]:
        """Decoded 8 kHz microphone audio (40 ms chunks); one consumer at a time."""
        return self._media(Media.AUDIO, media.AudioTimeline().chunk)  # a fresh ADPCM decoder

    async def _media[T](self, kind: Media, convert: Callable[[Any], T]) -> AsyncIterator[T]:
        login = self._current()
        if kind in login.media:
            raise DeviceBusy(f"{kind.value} is already being streamed by another consumer")
        start, answer, end = MEDIA_REQUESTS[kind]
        inbox = login.media[kind] = Inbox[Any](INBOX_SIZE[kind])
        av: AvSession | None = None
        try:
            _link, av = await self._start_av(login, start, answer)
            av.expect(kind, True, asyncio.get_running_loop().time())
            async for packet in inbox:
                yield convert(packet)
            raise CannotConnect("the A/V connection ended")
        finally:
            del login.media[kind]
            if av is not None:
                av.expect(kind, False, 0.0)
                login.send_quietly(end)
            login.release_av()

    async def snapshot(self) -> bytes:
        """The latest MO_V frame while video() runs, else ``snapshot.cgi``."""
        login = self._login
        if login is not None and Media.VIDEO in login.media and login.last_frame is not None:
            at, jpeg = login.last_frame
            if time.monotonic() - at <= SNAPSHOT_MAX_AGE:
                return jpeg
        return cgi.check_jpeg(await self._cgi("snapshot.cgi", {}, limit=cgi.MAX_SNAPSHOT))

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Talk_Start, paced 40 ms Talk_Data packets (ADPCM, state carried), Talk_End."""
        login = self._current()
        if login.talking:
            raise DeviceBusy("a talk session is already running")
        login.talking = True
        started = False
        try:
            talk = op.TalkStartReq(self._talk_buffer)
            link, av = await self._start_av(login, talk, op.TalkStartResp)
            started = True
            packets = media.TalkPacketizer(start_ms=int(time.monotonic() * 1000))
            async for frame in paced_frames(pcm, media.TALK_FRAME_BYTES, lead=self._talk_lead):
                if login.av is not link or link.closed:
                    raise login.lost or CannotConnect("the A/V connection was lost during talk")
                av.send(packets.packet(frame, int(time.time())))
                await link.send()
                self._stats["talk_packets"] += 1
            # Let the camera play its buffer out before Talk_End (it may flush it).
            await asyncio.sleep(packets.playout_left(time.monotonic(), self._talk_lead))
            return packets.seconds
        finally:
            if started:
                login.send_quietly(op.TalkEnd())
            login.talking = False
            login.release_av()

    # --- HTTP CGIs -------------------------------------------------------------------------

    async def _cgi(self, name: str, params: Mapping[str, str | int], *, limit: int = 0) -> bytes:
        """GET a CGI with the credentials the camera accepts (URLs are never logged)."""
        url = URL.build(scheme="http", host=self.host, port=self.port, path=f"/{name}")
        for method in self._auth.methods():
            query = cgi.query_for(params, method, self._username, self._password)
            auth = None
            if method is cgi.AuthMethod.BASIC:
                auth = aiohttp.BasicAuth(self._username, self._password)
            answer = await self._http.request(
                url.with_query(query), limit=limit or cgi.MAX_CGI_BODY, what=name, auth=auth
            )
            status, body = answer.status, answer.body
            if status == 401:
                self._auth.refused(method)
                continue
            cgi.check_status(name, status)
            if self._auth.accepted(method) and method is cgi.AuthMethod.QUERY:
                _LOGGER.debug("%s: camera needs query-string credentials for CGIs", self.host)
            return body
        raise AuthError(f"the camera rejected the credentials for {name}")

    async def _command(self, name: str, params: Mapping[str, str | int]) -> None:
        if cgi.is_error_body(await self._cgi(name, params)):
            raise ProtocolError(f"{name} refused {params}")

    async def status(self) -> dict[str, str]:
        """``get_status.cgi`` as a dict (id, sys_ver, app_ver, alias, alarm_status, ...)."""
        return cgi.decode_vars(await self._cgi("get_status.cgi", {}))

    async def alarm_status(self) -> base.EventKind | None:
        """The alarm the camera reports right now (polling fallback for ``events()``)."""
        return cgi.ALARM_STATUS.get((await self.status()).get("alarm_status", "0"))

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        await self._command("decoder_control.cgi", {"command": self._ptz.command(move)})

    async def ptz_preset(self, action: base.PresetAction, preset: int) -> None:
        command = cgi.preset_command(action, preset)
        await self._command("decoder_control.cgi", {"command": command})

    async def reboot(self) -> None:
        await self._cgi("reboot.cgi", {})

    async def read_settings(self) -> Settings:
        settings = Settings()
        settings.values[SettingKey.IR] = self._ir  # write-only on the camera: last value set
        try:
            values = cgi.decode_vars(await self._cgi("get_camera_params.cgi", {}))
        except (NotSupported, AuthError):  # then what the MO_O login fetched (op 17)
            params = None if self._login is None else self._login.session.params
            values = {} if params is None else {"resolution": str(params.resolution)}
        settings.values[SettingKey.RESOLUTION] = cgi.resolution_of(values)
        settings.options[SettingKey.RESOLUTION] = tuple(cgi.RESOLUTIONS.values())
        return settings

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        await self._command(*cgi.setting_request(key, value))
        if key == SettingKey.IR:
            self._ir = cgi.as_bool(value)

    def diagnostics(self) -> Mapping[str, object]:
        login = self._login
        state: dict[str, object] = {"connected": False}
        if login is not None:
            state = {
                "connected": login.link is not None and login.lost is None,
                "av_connected": login.av_session is not None,
                "video_active": Media.VIDEO in login.media,
                "audio_active": Media.AUDIO in login.media,
                "talking": login.talking,
                "lost": None if login.lost is None else str(login.lost),
                **login.session.diagnostics(),
                **(login.av_session or AvSession(0)).diagnostics(),
            }
        return {
            "host": self.host,
            "port": self.port,
            "camera_id": self.camera_id,
            "firmware": self.firmware,
            "privilege": self.privilege,
            "cgi_query_auth": self._auth.method is cgi.AuthMethod.QUERY,
            **self._stats,
            **state,
        }


async def discover(
    *, address: str = "255.255.255.255", port: int = SEARCH_PORT, attempts: int = 3,
    interval: float = 2.0,
) -> list[SearchResp]:  # fmt: skip
    """MO_I search: broadcast Search_Req ``attempts`` times, ``interval`` s apart.

    Answers come back to the sending socket; one record per camera id.
    """
    decoder = SearchDecoder()

    class _Protocol(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
            with contextlib.suppress(ProtocolError):
                decoder.feed(data)

    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        _Protocol, local_addr=("0.0.0.0", 0), allow_broadcast=True
    )
    try:
        for _ in range(max(1, attempts)):
            transport.sendto(SearchReq().encode(), (address, port))
            await asyncio.sleep(interval)
    finally:
        transport.close()
    return list(decoder.found.values())
