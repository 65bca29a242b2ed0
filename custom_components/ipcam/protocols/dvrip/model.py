"""What a DVRIP client knows, without I/O: its channel and stream, and its device's answers.

``ClientModel`` is everything of a client that needs no connection: the channel and
stream it serves, what its scope makes of the device's answers at connect (identity,
capabilities, channels: ``device.py``), a recorder's channel clients, PTZ moves, the
URLs players open, and the requests that read and write settings, composed over one
abstract ``_command``. ``Client`` (``client.py``) adds the connections. See
docs/protocols/dvrip.md, "Recorders: one device, many channels".
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from abc import abstractmethod
from collections.abc import Awaitable, Mapping
from typing import Any

from .. import base
from ..errors import InvalidValue, NotSupported, ProtocolError
from . import commands, device, memory, settings
from .codes import MsgId
from .profile import PROFILE
from .views import LoginReply

DEFAULT_TIMEOUT = 10.0
# How long the config sections connect read serve the settings reads after it (set-up reads
# the settings at once; a poll comes much later and asks the camera again).
FRESH_SECONDS = 5.0


class RecentAnswers:
    """The config sections a device answered at connect, served to settings reads for
    ``FRESH_SECONDS`` after it so that set-up does not ask them twice; forgotten at any
    write by any client of the device (a recorder's channel clients share them)."""

    __slots__ = ("_answers", "_until")

    def __init__(self) -> None:
        self._answers: dict[str, object] = {}
        self._until = 0.0

    def keep(self, answers: Mapping[str, object], now: float) -> None:
        """Keep the answers given (None: not given) to serve until ``now + FRESH_SECONDS``."""
        self._answers = {name: value for name, value in answers.items() if value is not None}
        self._until = now + FRESH_SECONDS

    def get(self, name: str, now: float) -> object | None:
        """The section's answer while fresh; None when not kept or stale."""
        if now >= self._until:
            self.forget()
            return None
        return self._answers.get(name)

    def forget(self) -> None:
        self._answers, self._until = {}, 0.0


class ClientModel(base.CameraClient):
    """A Xiongmai DVRIP camera, one channel of a DVR/NVR, or (``channel=None``) a whole
    recorder whose channels are ``channel_client(n)``; ``shared``: a recorder's channel."""

    profile = PROFILE
    vendor = base.Vendor.DVRIP
    ptz_needs_stop = True  # OPPTZControl moves run until a stop (Preset -1) is sent

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        *,
        channel: int | None = 0,
        timeout: float = DEFAULT_TIMEOUT,
        stream: str | None = None,
        shared: bool = False,
        **_options: Any,
    ) -> None:
        super().__init__()
        if channel is not None and channel < 0:
            raise InvalidValue("channel counts from 0")
        self.host, self.port, self.channel, self.timeout = host, port, channel, timeout
        self._username, self._password = username, password
        # "primary"/"secondary" (the host's names) or the camera's "Main"/"Extra".
        self.stream = "Extra" if stream in ("secondary", "Extra") else "Main"
        # The whole device's media, PTZ and settings are its first channel's.
        self._stream = settings.Stream(channel or 0, self.stream == "Extra")
        extra = self._stream.extra
        self.urls = commands.StreamUrls(host, port, username, password, channel or 0, extra)
        self.channel_count, self.device_type = 0, ""
        self.system_info: dict[str, Any] = {}
        self.abilities: dict[str, Any] = {}
        self._shared, self._scope = shared, device.Scope.CAMERA
        self._facts: device.DeviceFacts | None = None
        self._channels: dict[int, ClientModel] = {}
        self._ptz = commands.PtzMoves()
        self._snapshot_supported = True
        self._recent = RecentAnswers()
        self._memory = memory.DeviceMemory()
        self._learnt_version = 0  # the memory's version this client's facts come from

    def __repr__(self) -> str:  # never the credentials
        return f"<dvrip.Client {self.host}:{self.port} channel={self.channel}>"

    def learn(
        self,
        facts: device.DeviceFacts,
        abilities: dict[str, Any],
        recent: RecentAnswers | None = None,
        remembered: memory.DeviceMemory | None = None,
    ) -> None:
        """Who and what the device is (its answers at connect), for this client and a
        recorder's channel clients (which share its ``recent`` answers and its memory: one
        device)."""
        if recent is not None:
            self._recent = recent
        if remembered is not None:
            self._memory = remembered
        self._learnt_version = self._memory.version
        self._facts, self.channel_count, self.abilities = facts, facts.channel_count, abilities
        self.system_info, self.device_type = facts.info.raw, facts.login.device_type
        self._scope = device.scope(self.channel, self._shared, facts.channel_count)
        self._identity = device.identity(facts, self.channel)
        self.capabilities = device.capabilities(facts, self._stream, self._scope)
        self.ptz_confirmed = facts.function.ptz_confirmed
        self._stream = device.stream_settings(facts, self._stream)
        for child in self._channels.values():
            child.learn(facts, abilities, self._recent, self._memory)

    @property
    def alarm_channel(self) -> int | None:
        """The channel whose alarms ``events()`` yields (None: every alarm of the device)."""
        return self._stream.channel if self._scope is device.Scope.CHANNEL else None

    @property
    def channels(self) -> tuple[base.ChannelInfo, ...]:
        """A recorder's channels with their names; a recorder's channel client its own; a
        camera's one channel."""
        if self._facts is None or self._scope is device.Scope.CAMERA:
            return super().channels
        every = self._facts.channels
        return every if self._scope is device.Scope.RECORDER else (every[self._stream.channel],)

    def channel_client(self, channel: int) -> base.CameraClient:
        """A recorder's channel: a client bound to it that shares this client's connections
        and login (it is connected already)."""
        if self._scope is not device.Scope.RECORDER or self._facts is None:
            return super().channel_client(channel)
        if type(channel) is not int or not 0 <= channel < self.channel_count:
            raise InvalidValue(f"channel {channel} does not exist on this recorder")
        if channel not in self._channels:
            child = self._channels[channel] = self._channel_client(channel)
            child.learn(self._facts, self.abilities, self._recent, self._memory)
        return self._channels[channel]

    @abstractmethod
    def _channel_client(self, channel: int) -> ClientModel:
        """A new client of ``channel`` sharing this client's connections."""

    def _require(self, capability: base.Capability, what: str) -> None:
        if capability not in self.capabilities:
            raise NotSupported(what)

    async def ptz_presets(self) -> list[base.PtzPreset]:
        """Presets by number: no source shows a way to list them or their names."""
        self._require(base.Capability.PTZ_PRESETS, "a recorder's presets are its channels'")
        return list(commands.LISTED_PRESETS)

    def go2rtc_source(self, *, subtype: int = 0) -> str:
        """The ``dvrip://`` source for go2rtc (WebRTC only; carries the credentials)."""
        return self.urls.go2rtc(subtype)

    def rtsp_url(self) -> str:
        """The camera's own RTSP server (port 554; carries the credentials)."""
        return self.urls.rtsp()

    def stream_source_url(self, source: base.StreamSource | None, relay: str | None) -> str | None:
        return self.urls.for_source(source, relay)

    def diagnostics(self) -> dict[str, object]:
        """This client's state (the shell adds its connections'; never the credentials)."""
        return {
            **{key: getattr(self, key) for key in ("host", "port", "channel", "stream")},
            **{key: getattr(self, key) for key in ("channel_count", "device_type")},
            "scope": self._scope.value,
            "snapshot_supported": self._snapshot_supported,
            "system_info": {k: v for k, v in self.system_info.items() if k != "SerialNo"},
            "abilities": sorted(self.abilities),
        }

    @property
    def media_carries_audio(self) -> bool:
        return base.Capability.AUDIO in self.capabilities  # the stream's AudioEnable

    # --- requests composed over the control connection (the shell's ``_command``) ----------------

    @abstractmethod
    async def _command(self, msg_id: int, name: str, value: object = None) -> dict[str, Any]:
        """One request on the device's control connection; its answer's body."""

    async def _read_device(self, login: LoginReply) -> device.DeviceFacts:
        """Ask what the device is (SystemInfo, then only the answers something will use:
        ``device.next_query``, and of those only what an earlier connect to the same device
        did not answer: ``memory.py``), one question at a time, and learn it."""
        info = (await self._command(MsgId.SYSINFO, "SystemInfo")).get("SystemInfo")
        system = device.system_info(info)
        count = device.check_channel(login, system, self.channel)
        remembered = self._memory.answers_for(login, system, device.REMEMBERED)
        # An ability the device did not give is asked again: the polls never read abilities,
        # so a failure at one connect (a garbled answer) must not hide a feature for good.
        answers = {k: v for k, v in remembered.items() if v is not None or k in device.REREAD}
        asked: set[str] = set()
        while (query := device.next_query(self.channel, count, system, answers)) is not None:
            msg_id, name = query
            answers[name] = await self._unless_unsupported(self.get_ability(name, msg_id))
            asked.add(name)
        self._memory.keep(login, system, answers, asked)
        facts = device.DeviceFacts.from_answers(login, system, answers)
        abilities = {name: answers.get(name) for name in device.ABILITIES}
        self.learn(facts, {name: value for name, value in abilities.items() if value is not None})
        # Only answers read now serve the settings read that follows (remembered ones are
        # read again by the polls: ``read_settings``).
        configs = {name: answers.get(name) for name in device.CONFIGS if name in asked}
        self._recent.keep(configs, time.monotonic())
        return facts

    def memory(self) -> dict[str, Any] | None:
        """The device's answers at connect (and since), for the next connect (``memory.py``)."""
        return self._memory.export()

    def recall(self, remembered: Mapping[str, Any]) -> None:
        """What ``memory()`` gave after an earlier connect: the next connect takes from it what
        the same device and firmware answer alike (anything else is ignored)."""
        self._memory.recall(remembered, device.REMEMBERED)

    async def get_config(self, name: str) -> Any:
        """Read a config section by dotted path (``Camera.Param.[0]``)."""
        body = await self._command(MsgId.CONFIG_GET, name)
        if name not in body:
            raise ProtocolError(f"config reply without {name!r}")
        return body[name]

    async def set_config(self, name: str, value: object) -> None:
        """Write (merge) a config section by dotted path."""
        self._recent.forget()  # even a write that fails may have changed something
        await self._command(MsgId.CONFIG_SET, name, value)

    async def get_ability(self, name: str, msg_id: int = MsgId.ABILITY) -> Any:
        """Read an ability (``SystemFunction``, ...; or another answer named like its request)."""
        return (await self._command(msg_id, name)).get(name)

    @staticmethod
    async def _unless_unsupported[T](answer: Awaitable[T]) -> T | None:
        with contextlib.suppress(NotSupported, InvalidValue, ProtocolError):
            return await answer
        return None

    async def sync_time(self, when: dt.datetime | None = None) -> None:
        """Set the camera's clock (device local time; the host's local time by default)."""
        value = commands.time_text(when or dt.datetime.now())
        await self._command(MsgId.SYSMANAGER, "OPTimeSetting", value)

    async def get_time(self) -> dt.datetime:
        """The camera's clock (device local time)."""
        body = await self._command(MsgId.TIME_QUERY, "OPTimeQuery")
        return commands.parse_time(body.get("OPTimeQuery"))

    async def encode_settings(self) -> dict[str, Any]:
        """This stream's ``Video`` settings (Resolution, FPS, BitRate...; set "bitrate" too)."""
        return settings.video_settings(await self.get_config(settings.ENCODE), self._stream)

    async def read_settings(self) -> base.Settings:
        """The settings of this client's capabilities; a section the camera does not give
        is left out. Right after connect, the sections connect read are not asked again
        (``RecentAnswers``). An answer connect took from memory is read again by the poll
        that comes to it first (one a poll), and a change is learnt (capabilities, names,
        the connection limit)."""
        sections = settings.sections_to_read(self.capabilities, self._stream)
        answers: dict[str, object] = {}
        for name in sections:
            answer = self._recent.get(name, time.monotonic())
            if answer is None:
                answer = await self._unless_unsupported(self.get_config(name))
            answers[name] = answer
        if not self._shared and (stale := self._memory.unverified(device.REREAD)) is not None:
            query = self.get_ability(stale, device.query_for(stale))
            answers[stale] = await self._unless_unsupported(query)
        self._memory.learn({name: answers[name] for name in device.REMEMBERED & answers.keys()})
        self._relearn()
        return settings.read(answers, self._stream)

    def _relearn(self) -> None:
        """Learn the device's answers again when they changed since this client learnt them."""
        facts = self._facts
        if facts is None or self._memory.version == self._learnt_version:
            return
        updated = device.DeviceFacts.from_answers(facts.login, facts.info, self._memory.answers)
        if updated != facts:
            self.learn(updated, self.abilities)
        self._learnt_version = self._memory.version

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        write = settings.plan_write(key, value, self.capabilities, self._stream)
        current = await self.get_config(write.section) if write.needs_current else None
        await self.set_config(write.section, write.build(current))
