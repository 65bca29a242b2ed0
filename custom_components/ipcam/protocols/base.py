"""The client contract shared by every camera family.

A vendor client implements what its camera can do and declares it in
``capabilities``; Home Assistant entities are built from those capabilities, so
nothing is faked: a method that the camera cannot perform raises
``NotSupported``.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import InvalidValue, NotSupported

# A live stream's first seconds are read as the bytes come even when its consumer tolerates
# batched reads (``CameraClient.stream_media``): a live view that starts cold needs its first
# HLS segment (a key frame, 2 s or more of stream, the next key frame) as soon as it can be had.
BATCHED_READS_AFTER = 8.0


class Vendor(enum.StrEnum):
    """The camera families this library speaks to."""

    CGI = "cgi"
    FOSCAM = "foscam"
    DVRIP = "dvrip"
    GRANDSTREAM = "grandstream"


class Capability(enum.StrEnum):
    """What a connected camera can do."""

    SNAPSHOT = "snapshot"  # snapshot() returns a JPEG
    VIDEO = "video"  # video() yields frames (JPEG or H.264/H.265 access units)
    STREAM_URL = "stream_url"  # stream_url() gives a URL that ffmpeg/go2rtc can play
    EVENTS = "events"  # events() yields pushed (or polled) alarms
    AUDIO = "audio"  # audio() yields 8 kHz mono PCM from the camera's microphone
    TALK = "talk"  # talk() plays PCM through the camera's speaker
    PTZ = "ptz"  # ptz() with up/down/left/right/stop
    PTZ_HOME = "ptz_home"
    PTZ_ZOOM = "ptz_zoom"
    PTZ_PRESETS = "ptz_presets"  # ptz_preset() goto/set/clear
    REBOOT = "reboot"
    ALARM_OUT = "alarm_out"  # setting "alarm_out" (bool)
    ALARM_OUT_2 = "alarm_out_2"  # setting "alarm_out_2" (bool)
    LED = "led"  # setting "led" (bool)
    IR = "ir"  # setting "ir" (bool)
    RESOLUTION = "resolution"  # setting "resolution" ("WIDTHxHEIGHT"), options listed
    FRAME_RATE = "frame_rate"  # setting "frame_rate" (str of an int), options listed
    INPUTS = "inputs"  # settings "input_1", "input_2" (bool, read-only)
    # Detectors the camera can arm and disarm (settings "<kind>_armed", bool, read back).
    MOTION_ARMING = "motion_arming"
    HUMAN_ARMING = "human_arming"
    SOUND_ARMING = "sound_arming"
    INPUT_ARMING = "input_arming"
    WHITE_LIGHT = "white_light"  # setting "white_light" (a mode the camera lists in options)


class SettingKey(enum.StrEnum):
    """Keys of ``Settings.values``; each belongs to the capability of the same name."""

    ALARM_OUT = "alarm_out"
    ALARM_OUT_2 = "alarm_out_2"
    LED = "led"
    IR = "ir"
    RESOLUTION = "resolution"
    FRAME_RATE = "frame_rate"
    INPUT_1 = "input_1"
    INPUT_2 = "input_2"
    MOTION_ARMED = "motion_armed"
    HUMAN_ARMED = "human_armed"
    SOUND_ARMED = "sound_armed"
    INPUT_ARMED = "input_armed"
    WHITE_LIGHT = "white_light"


class EventKind(enum.StrEnum):
    """Normalised alarm kinds; anything else is reported as OTHER with its raw name."""

    MOTION = "motion"
    INPUT = "input"  # external alarm input
    SOUND = "sound"
    HUMAN = "human"
    VIDEO_LOSS = "video_loss"
    TAMPER = "tamper"
    STORAGE = "storage"
    ALARM = "alarm"  # an alarm of unknown type (e.g. Grandstream MCTP)
    OTHER = "other"


class PtzMove(enum.StrEnum):
    """Pan/tilt/zoom actions."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    STOP = "stop"
    HOME = "home"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"


class PresetAction(enum.StrEnum):
    """What to do with a pan/tilt preset."""

    GOTO = "goto"
    SET = "set"
    CLEAR = "clear"


class VideoDelivery(enum.StrEnum):
    """How a camera's live video reaches a player."""

    NONE = "none"
    JPEG = "jpeg"  # video() yields JPEG pictures: relayed as MJPEG, never re-encoded
    CODED = "coded"  # video() yields H.264/H.265 access units only this protocol carries:
    # the host remuxes them (MPEG-TS relay) for players that cannot speak the protocol
    URL = "url"  # the camera serves a stream URL (RTSP) that players open themselves


class StreamSource(enum.StrEnum):
    """Where a player may take a camera's live stream from (the user's choice)."""

    RELAY = "integration"  # the host application's own relay of video()
    RTSP = "rtsp"  # the camera's RTSP server
    GO2RTC = "go2rtc"  # go2rtc's native source for this protocol (WebRTC only)


@dataclass(frozen=True, slots=True)
class ConnectionSpec:
    """What a user must tell to reach a camera of this family (drives set-up forms)."""

    default_port: int
    # Channels (recorder inputs, encoder inputs) the user may pick, numbered from 0; 0 or
    # 1 means there is nothing to choose.
    channel_count: int = 0
    # The camera offers a lower-bandwidth secondary stream beside the primary one.
    secondary_stream: bool = False
    # When nothing (or not this protocol) answers on the port typed: the port to try
    # instead, e.g. the service port derived from a web port; None when there is none.
    alternate_port: Callable[[int], int | None] | None = None
    # The client speaks HTTP and takes the host application's shared aiohttp session.
    http: bool = False
    # One entry covers every channel (a recorder, a multi-input encoder): the form does
    # not ask for a channel, and the client is built with ``channel=None``. Entries
    # made for one channel before keep it.
    whole_device: bool = False


@dataclass(frozen=True, slots=True)
class CameraProfile:
    """Everything a host application needs to know about a camera family.

    The host (Home Assistant) builds its forms, entities and stream handling from
    this and never branches on the family itself.
    """

    vendor: Vendor
    connection: ConnectionSpec
    # Alarm kinds the family can push (one alarm sensor each); ALARM means "any alarm".
    event_kinds: tuple[EventKind, ...] = ()
    video: VideoDelivery = VideoDelivery.NONE
    # A still costs the camera a stream or a slot of a small connection pool: keep it
    # this long so dashboards refreshing often do not hit the camera each time.
    still_cache_seconds: float = 0.0
    # The camera serves its own web interface on the configured host and port.
    web_ui: bool = False
    # Rejected logins tolerated before asking the user for new credentials. Session
    # logins give a definite answer (1); a plain HTTP 401 may be a proxy or a reboot.
    auth_failures_before_reauth: int = 1
    # Where players may take the live stream from; the first is the default.
    stream_sources: tuple[StreamSource, ...] = ()
    # Unique IDs starting with this were made from the address because the camera
    # could not be identified: they say nothing when the address is what changed.
    address_id_prefix: str = ""
    # MAC prefixes (OUIs, upper case hex, no separators) the family's cameras use, for
    # DHCP discovery. Other devices of the same maker share them: a login confirms.
    mac_prefixes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who the camera is; ``unique_id`` is the stable identifier for Home Assistant."""

    vendor: Vendor
    unique_id: str
    name: str
    model: str = ""
    manufacturer: str = ""
    firmware: str = ""
    hardware: str = ""
    serial: str = ""
    mac: str = ""  # lower case, colon separated, or "" when unknown


@dataclass(frozen=True, slots=True)
class PtzPreset:
    """A pan/tilt preset the camera knows; ``name`` is the camera's, or "" when it has none."""

    number: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One video channel of a device (a recorder's camera input, an encoder's input)."""

    number: int  # as the protocol counts, from 0
    name: str = ""
    online: bool = True  # False: the recorder has the channel but no camera on it now


@dataclass(frozen=True, slots=True)
class CameraEvent:
    """One alarm state change pushed by the camera."""

    kind: EventKind
    active: bool
    channel: int = 0
    raw: str = ""  # the camera's own name/payload for the event


# Not frozen, though nothing changes a frame once made: a frozen dataclass sets each field
# through object.__setattr__, four times the cost of making one, paid for every frame
# (measured in docs/PERFORMANCE.md, "MJPEG").
@dataclass(slots=True)
class VideoFrame:
    """One video frame: a JPEG image or an H.264/H.265 access unit (Annex B); read-only by
    convention (many viewers share one)."""

    codec: str  # "jpeg", "h264" or "h265"
    data: bytes
    keyframe: bool = True
    width: int = 0
    height: int = 0
    timestamp: float = 0.0  # seconds, monotonic within one video() iteration
    fps: float = 0.0


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Decoded camera microphone audio: 8 kHz (unless stated) mono signed 16-bit LE PCM."""

    pcm: bytes
    sample_rate: int = 8000
    timestamp: float = 0.0


@dataclass(slots=True)
class Settings:
    """A read-back of the camera's settings.

    ``values`` holds what the camera reports for each ``SettingKey`` it supports;
    ``options`` lists the accepted values of select-like settings.
    """

    values: dict[str, bool | int | str | None] = field(default_factory=dict)
    options: dict[str, tuple[str, ...]] = field(default_factory=dict)


class CameraClient(ABC):
    """An asyncio client for one camera.

    ``connect()`` must be awaited before anything else; it logs in and fills
    ``identity`` and ``capabilities``.
    """

    profile: ClassVar[CameraProfile]
    vendor: Vendor
    host: str = ""
    port: int = 0
    # True when a pan/tilt move continues until ptz(PtzMove.STOP) (DVRIP, Foscam
    # decoder_control); False when each move is one step.
    ptz_needs_stop: bool = False
    # Settings the camera accepts but cannot report: read_settings() gives the last
    # value written (or None), and Home Assistant marks them as assumed.
    write_only_settings: frozenset[str] = frozenset()
    # False when the camera did not confirm that it can pan/tilt (some firmware omits or
    # falsely reports it although the head moves): commands are still sent when asked,
    # but hosts should not put the controls forward.
    ptz_confirmed: bool = True

    def __init__(self) -> None:
        self._identity: DeviceIdentity | None = None
        self.capabilities: frozenset[Capability] = frozenset()

    @property
    def identity(self) -> DeviceIdentity:
        """The camera's identity; only valid after ``connect()``."""
        if self._identity is None:
            raise RuntimeError("connect() has not completed")
        return self._identity

    @property
    def event_kinds(self) -> tuple[EventKind, ...]:
        """The alarm kinds this camera can push (none without ``Capability.EVENTS``)."""
        return self.profile.event_kinds if Capability.EVENTS in self.capabilities else ()

    @property
    def alarm_inputs(self) -> int:
        """How many alarm inputs the camera reports (INPUT events carry 0 .. n-1)."""
        return 1 if EventKind.INPUT in self.event_kinds else 0

    def web_ui_url(self) -> str | None:
        """The camera's own web interface, if it serves one where we reach it."""
        if not self.profile.web_ui or not self.host:
            return None
        return f"http://{host_for_url(self.host)}:{self.port}/"

    def stream_source_url(self, source: StreamSource | None, relay_url: str | None) -> str | None:
        """The URL a player opens for ``source`` (None: the default; may carry credentials).

        ``relay_url`` is the host application's relay of ``video()`` when it runs one.
        """
        if source in (None, StreamSource.RELAY) and relay_url is not None:
            return relay_url
        return self.stream_url()

    @abstractmethod
    async def connect(self) -> None:
        """Log in; raise AuthError, CannotConnect, DeviceBusy or ProtocolError."""

    @abstractmethod
    async def close(self) -> None:
        """Close every connection; safe to call more than once.

        ``connect()`` may be called again afterwards: that is how callers reconnect.
        """

    def events(self) -> AsyncIterator[CameraEvent]:
        """Yield alarms as the camera reports them, until the connection drops.

        The iterator ends by raising CannotConnect (or AuthError) when the
        connection is lost, so the caller can reconnect.
        """
        raise NotSupported("this camera does not report events")

    async def snapshot(self) -> bytes:
        """Return one JPEG image."""
        raise NotSupported("this camera has no snapshot")

    def video(self) -> AsyncIterator[VideoFrame]:
        """Yield live video frames until the caller stops iterating."""
        raise NotSupported("this camera has no live video for this client")

    def audio(self) -> AsyncIterator[AudioChunk]:
        """Yield decoded microphone audio until the caller stops iterating."""
        raise NotSupported("this camera has no audio")

    @property
    def media_carries_audio(self) -> bool:
        """Whether ``stream_media()`` hands the camera's audio to ``on_audio`` too (known before
        the stream opens, so a relay can announce an audio track)."""
        return False

    async def stream_media(
        self,
        on_video: Callable[[VideoFrame], None],
        on_audio: Callable[[AudioChunk], None] | None = None,
        *,
        read_every: float = 0.0,
    ) -> None:
        """Hand every live video frame to ``on_video`` as it arrives (and, where the camera
        sends its microphone in the same stream, every audio chunk to ``on_audio``), until
        the stream ends.

        ``read_every``: how long frames may wait in the kernel before they are read, once the
        stream has run ``BATCHED_READS_AFTER`` seconds, for a consumer that tolerates that
        delay (a remux for HLS, whose segments last seconds): a client that can batches its
        socket reads that far apart, one wake-up per batch instead of one per packet. 0
        reads as the bytes come.

        The push form of ``video()``, for a host that fans frames out (the callbacks must
        not block). It ends as ``video()`` does: returns when the stream ends, raises the
        error that ended it. This default iterates ``video()``; a client that cuts frames
        in its socket's callback hands them over right there, without a task hop per frame.
        """
        frames = self.video()
        try:
            async for frame in frames:
                on_video(frame)
        finally:
            aclose = getattr(frames, "aclose", None)
            if aclose is not None:
                await aclose()

    def stream_url(self) -> str | None:
        """A URL (with credentials) that ffmpeg and go2rtc can play, if any."""
        return None

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        """Start (or stop) a pan/tilt/zoom movement."""
        raise NotSupported("this camera has no pan/tilt")

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        """Go to, save or clear a pan/tilt preset."""
        raise NotSupported("this camera has no pan/tilt presets")

    async def ptz_presets(self) -> list[PtzPreset]:
        """The presets the camera has (with names where the protocol gives them)."""
        raise NotSupported("this camera has no pan/tilt presets")

    def memory(self) -> Mapping[str, Any] | None:
        """What connect learnt that spares the next connect questions, as JSON-ready data
        for the host to keep (None: nothing). Never credentials."""
        return None

    def recall(self, remembered: Mapping[str, Any]) -> None:
        """Before ``connect()``: what ``memory()`` gave after an earlier connect to this
        camera. The client checks it (it is untrusted) and takes from it only what the
        camera it reaches cannot have changed; anything else is ignored, never an error."""
        return  # a client whose connect has nothing to spare takes nothing

    @property
    def channels(self) -> tuple[ChannelInfo, ...]:
        """The video channels this client serves (a camera: one).

        A recorder or multi-input encoder lists every channel it has; the host makes
        a device per channel and reaches each through ``channel_client()``.
        """
        return (ChannelInfo(0, self.identity.name),)

    def channel_client(self, channel: int) -> CameraClient:
        """The client of one channel: itself for a camera; for a recorder, a client bound
        to that channel that shares the recorder's login and connections."""
        if channel == self.channels[0].number:
            return self
        raise InvalidValue(f"channel {channel} does not exist on this camera")

    async def reboot(self) -> None:
        """Restart the camera."""
        raise NotSupported("this camera cannot be rebooted remotely")

    async def read_settings(self) -> Settings:
        """Read the settings the camera supports."""
        return Settings()

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        """Change one setting; the caller reads back to learn the camera's real state."""
        raise NotSupported(f"setting {key!r} is not supported by this camera")

    async def talk(self, pcm: AsyncIterator[bytes]) -> float:
        """Play 8 kHz mono s16le PCM through the speaker, paced; return seconds sent."""
        raise NotSupported("this camera has no talk-back channel")

    def diagnostics(self) -> Mapping[str, object]:
        """Connection state for diagnostics (never credentials)."""
        return {}


def host_for_url(host: str) -> str:
    """``host`` as it goes into a URL (IPv6 literals in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
