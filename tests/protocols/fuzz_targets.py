"""One registry of fuzz targets: what each decoder or session is given, and its valid seeds.

The coverage-guided campaign (``benchmarks/fuzz.py``, atheris) and the property tests
(``tests/protocols/test_fuzz_properties.py``, hypothesis) both run ``TARGETS``: the
same inputs mean the same thing to both, and a crash found by one replays in the other.

An input is two control bytes and a payload (``Plan``):

- byte 0 cuts the payload into reads: 0 is one read, 1..191 reads of that many
  bytes, 192..255 reads of 256..16384 bytes (how TCP might deliver it); after 128
  such reads the rest comes in one;
- byte 1 is the *tempo*: for a decoder, how many times the payload is fed again
  in one read (bounded buffers are checked after every read); for a session, bit 0 ends the
  stream after the payload and the other bits are the clock step between reads
  (0 to 63.5 s), so keep-alives, reply deadlines and liveness checks fire.

A target raises only ``CameraError``s on purpose; anything else is a failure, and so
is ``Unbounded`` (a buffer over the decoder's documented bound) and ``Spinning`` (a
session whose deadline stays in the past after ``handle_timer``: ``SessionLink``
would spin). Decoders with a configurable cap get a small one, so that a short
input can reach it.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from custom_components.ipcam.protocols import discovery as lan
from custom_components.ipcam.protocols import httpstream
from custom_components.ipcam.protocols import jpeg as shared_jpeg
from custom_components.ipcam.protocols.audio import adpcm, g711
from custom_components.ipcam.protocols.base import Vendor, VideoFrame
from custom_components.ipcam.protocols.cgi import (
    calls,
    fields,
    groups,
    host,
    iostate,
    mjpeg,
    query,
)
from custom_components.ipcam.protocols.cgi import stream as cgi_stream
from custom_components.ipcam.protocols.errors import CameraError
from custom_components.ipcam.protocols.foscam import av as fav
from custom_components.ipcam.protocols.foscam import cgi as fcgi
from custom_components.ipcam.protocols.foscam import decoder as fdecoder
from custom_components.ipcam.protocols.foscam import framing as fframing
from custom_components.ipcam.protocols.foscam import media as fmedia
from custom_components.ipcam.protocols.foscam import operation as fop
from custom_components.ipcam.protocols.foscam import search as fsearch
from custom_components.ipcam.protocols.foscam.av_session import AvSession, Media
from custom_components.ipcam.protocols.foscam.message import Message
from custom_components.ipcam.protocols.foscam.session import OperationSession
from custom_components.ipcam.protocols.foscam.session import State as FoscamState
from custom_components.ipcam.protocols.grandstream import alarms as galarms
from custom_components.ipcam.protocols.grandstream import digest as gdigest
from custom_components.ipcam.protocols.grandstream import h264 as gh264
from custom_components.ipcam.protocols.grandstream import mctp as gmctp
from custom_components.ipcam.protocols.grandstream import rtp as grtp
from custom_components.ipcam.protocols.grandstream import rtsp as grtsp
from custom_components.ipcam.protocols.grandstream import sdp as gsdp
from custom_components.ipcam.protocols.grandstream.mctp_session import AlarmSession, TalkSession
from custom_components.ipcam.protocols.grandstream.media import MediaDemuxer
from custom_components.ipcam.protocols.grandstream.rtsp_session import RtspSession
from custom_components.ipcam.protocols.grandstream.sps import sps_dimensions
from custom_components.ipcam.protocols.mpegts import TS_PACKET, TsMuxer
from tests.protocols.grandstream import vectors

HEADER = 2
MAX_STEP = 0.5  # seconds of clock per tempo unit (tempo >> 1)
START = 1000.0  # the sessions' clock at start
MAX_READS = 128  # reads of the chosen size per pass; the rest of the payload comes in one
TIMER_ROUNDS = 8  # handle_timer calls at one instant before a past deadline is "spinning"


class Unbounded(AssertionError):
    """A decoder buffered more than its bound."""


class Spinning(AssertionError):
    """A session's deadline stayed in the past after ``handle_timer`` (a busy loop)."""


class Broken(AssertionError):
    """An output broke the decoder's own contract (a wrong length, a state out of range)."""


def bounded(size: int, limit: int, what: str) -> None:
    if size > limit:
        raise Unbounded(f"{what}: {size} bytes buffered, bound {limit}")


class Forward:
    """The timestamps one source hands out, which the frame and chunk contract says never go
    back within an iteration (whatever the camera's clock or frame rate does)."""

    def __init__(self, what: str) -> None:
        self._what = what
        self._last = float("-inf")

    def check(self, items: Iterable[Any] | None) -> None:
        for item in items or ():
            if item.timestamp < self._last:
                raise Broken(f"{self._what}: timestamp {item.timestamp} after {self._last}")
            self._last = item.timestamp


# --- the input layout ------------------------------------------------------------------------


def read_size(control: int) -> int:
    """Byte 0 of an input as a read size (0: the whole payload in one read)."""
    return control if control < 192 else (control - 191) * 256


@dataclass(frozen=True, slots=True)
class Plan:
    """An input as reads: the payload cut by byte 0, and byte 1 (the tempo)."""

    payload: bytes
    size: int
    tempo: int

    @classmethod
    def of(cls, data: bytes) -> Plan:
        head = data[:HEADER].ljust(HEADER, b"\x00")
        return cls(data[HEADER:], read_size(head[0]), head[1])

    def reads(self, payload: bytes | None = None) -> Iterator[bytes]:
        """The payload in reads of ``size`` bytes; after ``MAX_READS`` of them, the rest at once
        (so a one-byte cut costs at most that many calls: inputs stay fast)."""
        data = self.payload if payload is None else payload
        if not self.size:
            yield data
            return
        end = min(len(data), self.size * MAX_READS)
        for offset in range(0, end, self.size):
            yield data[offset : offset + self.size]
        if end < len(data):
            yield data[end:]

    @property
    def repeats(self) -> int:
        """How often a decoder is fed the payload: once, or 2..17 times (tempo >= 128)."""
        return 1 if self.tempo < 128 else 2 + (self.tempo & 15)

    @property
    def step(self) -> float:
        return (self.tempo >> 1) * MAX_STEP

    @property
    def end_of_stream(self) -> bool:
        return bool(self.tempo & 1)

    def fed(self) -> Iterator[bytes]:
        """The reads, then the payload again in one read per repeat (decoders: the bounds
        are about what accumulates, the cutting was tried on the first pass)."""
        yield from self.reads()
        for _ in range(self.repeats - 1):
            yield self.payload


def first_reads(plan: Plan, count: int = 16) -> list[bytes]:
    """The first ``count`` reads and the whole payload (for codecs without a stream state,
    where thousands of one-byte reads would only repeat one call)."""
    reads = list(itertools.islice(plan.reads(), count))
    return [*reads, plan.payload] if len(reads) > 1 else reads


def compose(payload: bytes, control: int = 0, tempo: int = 0) -> bytes:
    """An input from its parts (seeds, regression tests)."""
    return bytes((control, tempo)) + payload


def attempt[T](action: Callable[..., T], *args: Any) -> T | None:
    """``action(*args)``, or None when it raised a ``CameraError`` (anything else propagates)."""
    try:
        return action(*args)
    except CameraError:
        return None


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A fuzz target: ``run(data)`` drives the code; ``seeds()`` are valid payloads."""

    name: str
    family: str
    run: Callable[[bytes], None]
    seeds: Callable[[], list[bytes]]
    about: str
    max_len: int = 4096  # the campaign's largest input (small inputs run faster)

    def seed_inputs(self) -> list[bytes]:
        """Seeds as whole inputs: one read, byte by byte, in TCP-sized reads; fed twice."""
        out = []
        for payload in self.seeds():
            out += [compose(payload), compose(payload, 1, 2), compose(payload, 198, 129)]
        return out


TARGETS: dict[str, Target] = {}


def target(
    name: str, family: str, seeds: Callable[[], list[bytes]], max_len: int = 4096
) -> Callable[..., Any]:
    def register(run: Callable[[bytes], None]) -> Callable[[bytes], None]:
        doc = (run.__doc__ or "").strip().splitlines()
        about = doc[0] if doc else ""
        TARGETS[name] = Target(name, family, run, functools.cache(seeds), about, max_len)
        return run

    return register


def run_target(name: str, data: bytes) -> None:
    """Run one input; a ``CameraError`` is an accepted outcome, so it is swallowed here."""
    try:
        TARGETS[name].run(data)
    except CameraError:
        pass


# --- seeds -----------------------------------------------------------------------------------


@functools.cache
def small_jpeg() -> bytes:
    from simulator.media import jpeg_cycle

    return jpeg_cycle(64, 48, 1)[0]


@functools.cache
def h264_unit() -> bytes:
    """An IDR access unit (SPS + PPS + slice, Annex B) of a tiny picture."""
    from simulator.media import video_cycle

    return video_cycle(64, 48, count=1, gop=1)[0].data


@functools.cache
def tone() -> bytes:
    from custom_components.ipcam.protocols.audio.pcm import tone_pcm

    return tone_pcm(440.0, 0.04)


def _jpeg_seeds() -> list[bytes]:
    from simulator.foscam.pictures import camera_style_jpeg

    picture = small_jpeg()
    return [picture, camera_style_jpeg(picture), b"\xff\xd8\xff\xc0\x00\x11\x08\x00\x10\x00\x20"]


def _audio_seeds() -> list[bytes]:
    pcm = tone()
    return [pcm, adpcm.FoscamAdpcmEncoder().encode(pcm), g711.ulaw_encode(pcm)]


def _h264_seeds() -> list[bytes]:
    return [h264_unit(), gh264.START_CODE + bytes.fromhex("6742e01eda02c0f440")]


# --- shared codecs ---------------------------------------------------------------------------


@target("jpeg", "shared", _jpeg_seeds)
def run_jpeg(data: bytes) -> None:
    """JPEG inspection: size from the SOF, is-a-JPEG checks (shared, IPCamCGI, Foscam)."""
    payload = Plan.of(data).payload
    width, height = shared_jpeg.jpeg_size(payload)
    if not (0 <= width < 65536 and 0 <= height < 65536):
        raise Broken(f"JPEG size {width}x{height}")
    shared_jpeg.is_jpeg(payload)
    mjpeg.is_jpeg(payload)
    attempt(mjpeg.jpeg_size, payload)
    fmedia.jpeg_dimensions(payload)
    attempt(fcgi.check_jpeg, payload)


@target("adpcm", "shared", _audio_seeds, max_len=128)
def run_adpcm(data: bytes) -> None:
    """Foscam IMA ADPCM: decode any bytes, encode any PCM, state carried across reads."""
    plan = Plan.of(data)
    decoder = adpcm.FoscamAdpcmDecoder(ima_form=bool(plan.tempo & 64))
    encoder = adpcm.FoscamAdpcmEncoder()
    for piece in plan.reads():
        if len(decoder.decode(piece)) != 4 * len(piece):
            raise Broken("ADPCM decoder output length")
        encoded = encoder.encode(piece)
        if len(encoded) > len(piece) // 4 + 1:
            raise Broken("ADPCM encoder output length")
        for state in (decoder.state, encoder.state):
            if not (0 <= state.index <= adpcm.MAX_INDEX and -32768 <= state.predictor <= 32767):
                raise Broken(f"ADPCM state out of range: {state}")


@target("g711", "shared", _audio_seeds)
def run_g711(data: bytes) -> None:
    """G.711 A-law and µ-law both ways, any length (no state: the first 16 reads suffice)."""
    for piece in first_reads(Plan.of(data)):
        for decode in (g711.ulaw_decode, g711.alaw_decode):
            if len(decode(piece)) != 2 * len(piece):
                raise Broken("G.711 decoder output length")
        for encode in (g711.ulaw_encode, g711.alaw_encode):
            if len(encode(piece)) != len(piece) // 2:
                raise Broken("G.711 encoder output length")


@target("mpegts", "shared", _h264_seeds)
def run_mpegts(data: bytes) -> None:
    """The MPEG-TS muxer given any access unit and PTS: whole 188-byte packets out."""
    plan = Plan.of(data)
    muxer = TsMuxer("h265" if plan.tempo & 64 else "h264")
    pts = int.from_bytes(data[:HEADER], "big") * 3600 - 7200
    for index, piece in enumerate(first_reads(plan)):
        out = muxer.mux(piece, pts + index * 3000, keyframe=bool(index % 2 == plan.tempo & 1))
        if len(out) % TS_PACKET or any(out[i] != 0x47 for i in range(0, len(out), TS_PACKET)):
            raise Broken("MPEG-TS output is not whole packets")


# --- Foscam ----------------------------------------------------------------------------------

FOSCAM_ID = "00626E4E72BF"


def _foscam_camera_messages() -> list[Message]:
    return [
        fop.LoginResp(0, FOSCAM_ID, fop.PROTOCOL_VERSION, 0, "11.37.2.56"),
        fop.VerifyResp(0, 2),
        fop.VideoStartResp(0, 5),
        fop.AudioStartResp(0, 6),
        fop.TalkStartResp(0),
        fop.ParamsFetchResp(),
        fop.ParamsChangedNotify(0, 8),
        fop.AlarmNotify(1, (0, 0, 100, 100)),
        fop.AlarmNotify(0),
        fop.OtherDevicesNotify(),
        fop.KeepAlive(),
    ]


def _foscam_operation_stream() -> bytes:
    from simulator.foscam import wire

    return b"".join(wire.encode(message) for message in _foscam_camera_messages())


def _foscam_av_stream() -> bytes:
    from simulator.foscam import wire

    messages = [
        fav.VideoData(1, 2, small_jpeg()),
        fav.AudioData(4, 5, 6, adpcm.FoscamAdpcmEncoder().encode(tone())),
        fav.AvKeepAlive(),
        fav.VideoData(5, 3, b"\xff\xd8\xff\xd9"),
    ]
    return b"".join(wire.encode(message) for message in messages)


def _foscam_captures() -> list[bytes]:
    """The published FI89xx captures (tests/protocols/foscam/helpers.py)."""
    from tests.protocols.foscam import helpers

    return [
        helpers.packet(b"MO_O", 1, helpers.LOGIN_RESP_TEXT),
        helpers.packet(b"MO_I", 1, helpers.SEARCH_RESP_TEXT),
    ]


def _foscam_packet_seeds() -> list[bytes]:
    return [_foscam_operation_stream(), _foscam_av_stream(), *_foscam_captures()]


FOSCAM_SMALL_TEXT = {b"MO_O": 2048, b"MO_V": 4096, b"MO_I": 256}


@target("foscam-packets", "foscam", _foscam_packet_seeds)
def run_foscam_packets(data: bytes) -> None:
    """Foscam framing (MO_O, MO_V, MO_I) with small caps: resync, garbage bound, lengths."""
    plan = Plan.of(data)
    decoder = fframing.PacketDecoder(fframing.MAGICS, max_text=FOSCAM_SMALL_TEXT)
    bound = fframing.HEADER_SIZE + max(FOSCAM_SMALL_TEXT.values())
    for piece in plan.fed():
        for packet in decoder.feed(piece):
            attempt(fdecoder.decode_packet, packet)
        bounded(decoder.buffered, bound, "foscam PacketDecoder")
    attempt(fframing.split_datagram, plan.payload)


@target("foscam-messages", "foscam", _foscam_packet_seeds)
def run_foscam_messages(data: bytes) -> None:
    """Typed MO_O / MO_V messages from a stream, then video and audio timelines."""
    plan = Plan.of(data)
    magic = fframing.MAGIC_AV if plan.tempo & 64 else fframing.MAGIC_OPERATION
    decoder = fdecoder.MessageDecoder(magic)
    video, audio = fmedia.VideoTimeline(), fmedia.AudioTimeline()
    video_clock, audio_clock = Forward("Foscam video"), Forward("Foscam audio")
    bound = fframing.HEADER_SIZE + fframing.DEFAULT_MAX_TEXT[magic]
    for piece in plan.fed():
        for message in decoder.feed(piece):
            if isinstance(message, fav.VideoData):
                video_clock.check([video.frame(message)])
            elif isinstance(message, fav.AudioData):
                audio_clock.check([audio.chunk(message)])
        bounded(decoder.buffered, bound, "foscam MessageDecoder")


@target("foscam-datagrams", "foscam", _foscam_packet_seeds)
def run_foscam_datagrams(data: bytes) -> None:
    """MO_I search answers and single-datagram decoding (UDP: each read is a datagram)."""
    searcher = fsearch.SearchDecoder()
    read = lan.SEARCHES[Vendor.FOSCAM][2]
    for piece in Plan.of(data).reads():
        attempt(fdecoder.decode_datagram, piece)
        attempt(searcher.feed, piece)
        for camera in attempt(read, piece, "192.0.2.1") or []:
            camera.as_dict()


def drain(session: Any, on_event: Callable[[object], None] | None = None) -> None:
    while (event := session.next_event()) is not None:
        if on_event is not None:
            on_event(event)
    session.data_to_send()


def run_timers(session: Any, now: float, on_event: Callable[[object], None] | None = None) -> None:
    """Call ``handle_timer`` while a deadline is due, as ``SessionLink`` would."""
    for _ in range(TIMER_ROUNDS):
        deadline = session.next_deadline()
        if deadline is None or deadline > now:
            return
        session.handle_timer(now)
        drain(session, on_event)
    deadline = session.next_deadline()
    if deadline is not None and deadline <= now:
        raise Spinning(f"{type(session).__name__}: deadline {deadline} <= now {now}")


def drive(
    session: Any,
    plan: Plan,
    *,
    act: Callable[[float], None] | None = None,
    check: Callable[[], None] | None = None,
    on_event: Callable[[object], None] | None = None,
) -> None:
    """Feed ``plan``'s reads with the clock moving by its step; timers as they fall due."""
    now = START
    session.start(now)
    drain(session, on_event)
    for piece in plan.reads():
        session.receive_data(piece)
        drain(session, on_event)
        if check is not None:
            check()
        now += plan.step
        run_timers(session, now, on_event)
        if act is not None:
            act(now)
            drain(session, on_event)
    if plan.end_of_stream:
        session.receive_data(b"")
        drain(session, on_event)
    for _ in range(3):  # then the camera falls silent
        deadline = session.next_deadline()
        if deadline is None:
            break
        now = max(now, deadline)
        run_timers(session, now, on_event)


def _foscam_operation_seeds() -> list[bytes]:
    stream = _foscam_operation_stream()
    return [stream, stream + _foscam_captures()[0]]


@target("foscam-operation", "foscam", _foscam_operation_seeds)
def run_foscam_operation(data: bytes) -> None:
    """The MO_O session: login, verify, requests, alarms, keep-alive and liveness."""
    plan = Plan.of(data)
    session = OperationSession("admin", "secret", keepalive_interval=10.0)
    bound = fframing.HEADER_SIZE + fframing.MAX_OPERATION_TEXT

    def act(now: float) -> None:
        if session.state is FoscamState.READY and plan.tempo & 64:
            session.request(fop.VideoStartReq(1), fop.VideoStartResp, now, timeout=5.0)
            session.diagnostics()

    def check() -> None:
        bounded(session._decoder.buffered, bound, "foscam OperationSession")

    drive(session, plan, act=act, check=check)
    session.close()


def _foscam_av_seeds() -> list[bytes]:
    return [_foscam_av_stream()]


@target("foscam-av", "foscam", _foscam_av_seeds)
def run_foscam_av(data: bytes) -> None:
    """The MO_V session: video and audio out, media timeouts, keep-alives; the timelines."""
    plan = Plan.of(data)
    session = AvSession(7, media_timeout=10.0)
    video, audio = fmedia.VideoTimeline(), fmedia.AudioTimeline()
    bound = fframing.HEADER_SIZE + fframing.MAX_AV_TEXT

    def act(now: float) -> None:
        session.expect(Media.AUDIO, bool(plan.tempo & 64), now)

    def check() -> None:
        bounded(session._decoder.buffered, bound, "foscam AvSession")

    def on_event(event: object) -> None:
        if isinstance(event, fav.VideoData):
            video.frame(event)
        elif isinstance(event, fav.AudioData):
            audio.chunk(event)

    session.expect(Media.VIDEO, True, START)
    drive(session, plan, act=act, check=check, on_event=on_event)
    session.diagnostics()


def _foscam_cgi_seeds() -> list[bytes]:
    return [
        b"var id='00626E4E72BF';\nvar sys_ver='11.37.2.56';\nvar alarm_status=1;\n",
        b"var resolution=32;\nvar brightness=96;\nvar contrast=4;\nvar mode=1;\nvar flip=0;\n",
        b"var alarm_motion_armed=1;\nvar alarm_sounddetect_armed=0;\nvar alarm_input_armed=1;\n",
        b"ok.\r\n",
        b"error: illegal params.\r\n",
        small_jpeg(),
    ]


@target("foscam-cgi", "foscam", _foscam_cgi_seeds)
def run_foscam_cgi(data: bytes) -> None:
    """Foscam CGI answers: ``var name=value;`` bodies, command results, snapshots."""
    plan = Plan.of(data)
    body = plan.payload
    values = fcgi.decode_vars(body)
    fcgi.resolution_of(values)
    fcgi.armed_from(values)
    fcgi.arming_capabilities(values)
    fcgi.ALARM_STATUS.get(values.get("alarm_status", "0"))
    fcgi.is_error_body(body)
    attempt(fcgi.check_jpeg, body)
    attempt(fcgi.check_status, "get_status.cgi", int.from_bytes(data[:HEADER], "big"))
    for value in values.values():
        attempt(fcgi.as_bool, value)
        for key in ("ir", "resolution", *(arming.setting.value for arming in fcgi.ARMING)):
            attempt(fcgi.setting_request, key, value)


# --- IPCamCGI --------------------------------------------------------------------------------


def _cgi_date() -> str:
    from simulator.cgi.answers import format_date_header

    return format_date_header("2008-10-01 15:37:53", "10000000", 170, 67)


def _mjpeg_seeds() -> list[bytes]:
    from simulator.cgi.answers import format_part

    picture = small_jpeg()
    return [
        format_part(picture, _cgi_date()) * 2,
        format_part(picture) + b"--video boundary--\r\n",
        b"--video boundary--\r\nContent-length: 4\r\n\r\n\xff\xd8\xff\xd9\r\n" + picture,
    ]


MJPEG_SMALL_FRAME = 8192


@target("cgi-mjpeg", "cgi", _mjpeg_seeds, max_len=12288)
def run_cgi_mjpeg(data: bytes) -> None:
    """IPCamCGI MJPEG multipart with a small frame cap; the end of stream; frame clocks."""
    plan = Plan.of(data)
    parser = mjpeg.MjpegParser(max_frame=MJPEG_SMALL_FRAME)
    clock = mjpeg.FrameClock(START)
    bound = MJPEG_SMALL_FRAME + mjpeg.MAX_HEADER_BYTES
    now = START
    for piece in plan.fed():
        for part in parser.feed(piece):
            now += plan.step
            clock.frame(part, now)
            _ = part.date
        bounded(len(parser._buf), bound, "MjpegParser")
    if plan.end_of_stream:
        parser.close()


def _chunked(body: bytes, size: int = 700) -> bytes:
    pieces = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


def _mjpeg_response_seeds() -> list[bytes]:
    head = (
        b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=video boundary--\r\n"
    )
    body = _mjpeg_seeds()[0]
    return [
        head + b"\r\n" + body,
        head.replace(b"1.0", b"1.1") + b"Transfer-Encoding: chunked\r\n\r\n" + _chunked(body),
        head + b"Content-Length: %d\r\n\r\n" % len(body) + body,
        b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=x\r\n\r\nno",
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy",
    ]


@target("cgi-mjpeg-response", "cgi", _mjpeg_response_seeds, max_len=12288)
def run_cgi_mjpeg_response(data: bytes) -> None:
    """The /mjpeg.cgi answer read off the socket: HTTP head, identity or chunked body, parts."""
    plan = Plan.of(data)
    response = cgi_stream.MjpegResponse(MJPEG_SMALL_FRAME)
    http = response._http
    bound = MJPEG_SMALL_FRAME + mjpeg.MAX_HEADER_BYTES
    for piece in plan.fed():
        for part in response.feed(piece):
            _ = part.date
        bounded(len(http._buf), httpstream.MAX_HEAD + httpstream.MAX_CHUNK_LINE, "ResponseStream")
        bounded(response.buffered, bound, "MjpegParser")
        if response.ended:
            return
    if plan.end_of_stream:
        response.closed()


def _call_response_seeds() -> list[bytes]:
    from simulator.cgi.answers import io_status_line

    body = io_status_line(
        {"trigger1": 1, "trigger2": 0, "image_upload": 0, "image_email": 1},
        {1: 1, 2: 0},
        "2008-10-01 15:37:53",
    )
    head = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n"
    return [
        head + b"Content-Length: %d\r\n\r\n" % len(body) + body,
        head + b"\r\n" + body,
        head.replace(b"1.0", b"1.1") + b"Transfer-Encoding: chunked\r\n\r\n" + _chunked(body, 20),
        b"HTTP/1.0 204 No Content\r\n\r\n",
        b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="DCS-930L"\r\n'
        b"Content-Length: 18\r\n\r\n401 Unauthorized\r\n",
    ]


CALL_SMALL_LIMIT = 1024


@target("cgi-call-response", "cgi", _call_response_seeds)
def run_cgi_call_response(data: bytes) -> None:
    """An IPCamCGI call's answer read off its connection: HTTP head, a whole bounded body."""
    plan = Plan.of(data)
    answer = httpstream.WholeResponse(CALL_SMALL_LIMIT, calls.IOCONTROL)
    head_bound = httpstream.MAX_HEAD + httpstream.MAX_CHUNK_LINE
    whole = False
    for piece in plan.fed():
        whole = answer.feed(piece)
        bounded(len(answer._http._buf), head_bound, "WholeResponse")
        bounded(sum(map(len, answer._chunks)), CALL_SMALL_LIMIT, "WholeResponse body")
        if whole:
            break
    if not whole:
        if not plan.end_of_stream:
            return
        answer.close()
    if answer.status is None or not answer.complete:
        raise Broken("WholeResponse ended without a whole answer")
    calls.check_status(answer.status, calls.IOCONTROL, answer.body)
    calls.io_status().read(answer.body)


def _cgi_answer_seeds() -> list[bytes]:
    from simulator.cgi.answers import format_params, io_status_line, to_pairs

    answers = [
        format_params(to_pairs(cls()), spaced=index % 2 == 1)
        for index, cls in enumerate(CGI_GROUPS)
    ]
    return [
        *answers,
        io_status_line(
            {"trigger1": 1, "trigger2": 0, "image_upload": 0, "image_email": 1},
            {1: 1, 2: 0},
            "2008-10-01 15:37:53",
        ),
        b"UserName =a\r\nUserPassword =b\r\nUserPrivilege =1\r\nUserName =c\r\n",
        b"CGIVersion=2\r\n",
        b"<result>OK</result>\r\n",
    ]


CGI_GROUPS: tuple[type[fields.CgiGroup], ...] = tuple(
    cls
    for cls in vars(groups).values()
    if isinstance(cls, type) and issubclass(cls, fields.CgiGroup) and cls is not fields.CgiGroup
)


@target("cgi-answers", "cgi", _cgi_answer_seeds)
def run_cgi_answers(data: bytes) -> None:
    """IPCamCGI text answers: every call's reader and every configuration group."""
    plan = Plan.of(data)
    body = plan.payload
    params = attempt(functools.partial(query.parse_params, split_amp=bool(plan.tempo & 1)), body)
    readers: list[calls.Call[Any]] = [
        calls.io_status(),
        calls.users(),
        calls.active_users(),
        calls.cgi_version(),
        calls.snapshot(4096),
        *(calls.read_group(cls) for cls in CGI_GROUPS),
    ]
    for call in readers:
        attempt(call.read, body)
    if params is not None:
        parsed = {cls: attempt(fields.from_params, cls, params) for cls in CGI_GROUPS}
        attempt(fields.parse_list, groups.UserEntry, params, "UserName")
        dict(params.items())
        system, image = parsed[groups.SystemConfig], parsed[groups.ImageConfig]
        if isinstance(system, groups.SystemConfig) and isinstance(image, groups.ImageConfig):
            status_group, motion = parsed[groups.IoStatus], parsed[groups.MotionConfig]
            host.settings_from(
                status=status_group if isinstance(status_group, groups.IoStatus) else None,
                system=system,
                image=image,
                inputs=(True, None),
                motion=motion if isinstance(motion, groups.MotionConfig) else None,
            )
        info = parsed[groups.SystemInfo]
        if isinstance(info, groups.SystemInfo):
            host.identity_of(info, "192.0.2.1")
        for key in ("resolution", "frame_rate", "led", "alarm_out", "motion_armed"):
            for value in list(params.values())[:4]:
                attempt(host.setting_write, key, value)
    status = int.from_bytes(data[:HEADER], "big") % 1000
    attempt(calls.check_status, status, "/x.cgi", body)
    write = calls.write_group(groups.ImageConfig, {"frame_rate": 5})
    attempt(write.read, body)


def _cgi_date_seeds() -> list[bytes]:
    return [
        _cgi_date().encode(),
        b"Date: 03-28-2025 12:32:19 AM IO_00000011_PT_000_999",
        b"Trigger1=1&Trigger2=0&ImageUpload=0&ImageEmail=0&CurrentTime=x&Input1=1&Input2=0\r\n",
    ]


@target("cgi-iostate", "cgi", _cgi_date_seeds)
def run_cgi_iostate(data: bytes) -> None:
    """IPCamCGI ``Date: ... IO_..._PT_...`` states and the I/O order learnt from them."""
    plan = Plan.of(data)
    tracker = iostate.IoTracker()
    tracker.note_stream(True)
    now = START
    for piece in plan.reads():
        now += plan.step
        text = piece.decode("utf-8", errors="replace")
        state = attempt(iostate.parse_date_header, text)
        if state is not None:
            for order in iostate.IoOrder:
                state.flags(order)
            tracker.note_part(state, now, now - 1.0)
            tracker.flags(state)
            tracker.inputs(state)
        status = attempt(groups.parse_io_status, piece)
        if status is not None:
            tracker.note_iocontrol(status)
            tracker.note_status(status, now)
            if state is not None:
                iostate.judge(status, state.io)
        tracker.fresh(now)
    tracker.diagnostics()


# --- Grandstream -----------------------------------------------------------------------------

GS_URL = "rtsp://192.168.86.232:554/0"
GS_SPS = bytes.fromhex("6742e01eda02c0f440")
GS_PPS = bytes.fromhex("68ce3ca480")


def _gs_media() -> bytes:
    from simulator.grandstream.media_wire import format_rtp, packetize

    frames = []
    unit = h264_unit()
    payloads = packetize(unit, 200)
    for seq, payload in enumerate(payloads):
        rtp = format_rtp(96, seq == len(payloads) - 1, seq, 3600, 1, payload)
        frames.append(grtp.format_interleaved(0, rtp))
    frames.append(grtp.format_interleaved(2, format_rtp(0, False, 1, 160, 2, b"\xff" * 160)))
    frames.append(grtp.format_interleaved(1, b"\x80\xc8\x00\x06" + bytes(24)))
    return b"".join(frames)


def _gs_rtsp_exchange() -> bytes:
    from simulator.grandstream.rtsp_wire import format_response

    return (
        vectors.VENDOR_401
        + vectors.VENDOR_200
        + vectors.VENDOR_SETUP_200
        + format_response(200, 4, [("Session", "09682642;timeout=120")])
        + _gs_media()
        + format_response(200, 5, [("Session", "09682642")])
        + format_response(454, 6)
    )


def _gs_rtsp_seeds() -> list[bytes]:
    return [_gs_rtsp_exchange(), vectors.VENDOR_401 + vectors.VENDOR_200]


GS_SMALL_BODY = 4096


@target("gs-rtsp", "grandstream", _gs_rtsp_seeds)
def run_gs_rtsp(data: bytes) -> None:
    """Grandstream RTSP reader (messages and interleaved frames) and the header values."""
    plan = Plan.of(data)
    reader = grtsp.RtspReader(max_body=GS_SMALL_BODY)
    bound = grtsp.MAX_HEADER_BYTES + 4 + GS_SMALL_BODY + 4 + grtp.MAX_INTERLEAVED_PAYLOAD
    for piece in plan.fed():
        for event in reader.feed(piece):
            if isinstance(event, grtp.InterleavedFrame):
                continue
            _ = event.cseq
            for name, value in event.headers:
                if name.lower() == "session":
                    attempt(grtsp.parse_session, value)
                elif name.lower() == "www-authenticate":
                    attempt(gdigest.parse_challenge, value)
            if event.body:
                attempt(gsdp.parse_sdp, event.body)
        bounded(reader.buffered, bound, "RtspReader")


def _gs_sdp_seeds() -> list[bytes]:
    from simulator.grandstream.rtsp_wire import build_sdp

    return [
        vectors.VENDOR_SDP,
        build_sdp("192.168.86.232", (GS_SPS, GS_PPS), 704, 480, 30).encode(),
        b"m=video 0 RTP/AVP 96\r\na=videoinfo:1280*720*25*4096\r\na=control:rtsp://h/0/t\r\n",
    ]


@target("gs-sdp", "grandstream", _gs_sdp_seeds)
def run_gs_sdp(data: bytes) -> None:
    """Grandstream SDP: tracks, rtpmap/fmtp, sprop parameter sets, SPS size, control URLs."""
    plan = Plan.of(data)
    sdp = gsdp.parse_sdp(plan.payload)
    server = plan.payload[-40:].decode("latin-1") if plan.tempo & 1 else ""
    gsdp.video_format(sdp, server)
    for media in sdp.media:
        _ = (media.encoding, media.clock_rate, media.payload_type, media.rtpmap(), media.fmtp())
        attempt(gsdp.control_url, GS_URL, media.control)
        for unit in gsdp.parameter_sets(media):
            attempt(sps_dimensions, unit)
        info = media.attribute("videoinfo")
        if info is not None:
            gsdp.parse_videoinfo(info)


def _gs_digest_seeds() -> list[bytes]:
    return [
        b'Digest realm="Surveillance Server", nonce="30507280"',
        b'Digest realm="r", nonce="n", opaque="o\\"x", algorithm=MD5, qop="auth,auth-int"',
        b"digest realm=a,nonce=b",
    ]


@target("gs-digest", "grandstream", _gs_digest_seeds)
def run_gs_digest(data: bytes) -> None:
    """Digest challenges (WWW-Authenticate) parsed and answered (issue 13's first crash)."""
    plan = Plan.of(data)
    text = plan.payload.decode("utf-8" if plan.tempo & 1 else "latin-1", errors="replace")
    challenge = gdigest.parse_challenge(text)
    for method in ("DESCRIBE", "SETUP", "PLAY"):
        gdigest.authorization_header("admin", "pässword", challenge, method, GS_URL)


def _gs_rtp_seeds() -> list[bytes]:
    return [_gs_media()]


def interleaved(payload: bytes) -> Iterator[grtp.InterleavedFrame]:
    """``$``-less interleaved frames: channel, 16-bit length, payload (cut short at the end)."""
    offset = 0
    while offset < len(payload):
        if payload[offset] == grtp.INTERLEAVED_MAGIC:
            offset += 1
        head = payload[offset : offset + 3]
        if len(head) < 3:
            return
        size = int.from_bytes(head[1:3], "big")
        yield grtp.InterleavedFrame(head[0], payload[offset + 3 : offset + 3 + size])
        offset += 3 + size


GS_SMALL_UNIT = 8192


@target("gs-rtp", "grandstream", _gs_rtp_seeds, max_len=12288)
def run_gs_rtp(data: bytes) -> None:
    """RTP packets into the H.264 depacketizer (small unit cap), reception stats, SPS sizes."""
    plan = Plan.of(data)
    depacketizer = gh264.H264Depacketizer([GS_SPS, GS_PPS], max_unit=GS_SMALL_UNIT)
    stats = grtp.ReceptionStats()
    for _ in range(plan.repeats):
        for frame in interleaved(plan.payload):
            if grtp.is_rtcp(frame.payload):
                continue
            packet = attempt(grtp.parse_rtp, frame.payload)
            if packet is None:
                continue
            stats.update(packet)
            for unit in depacketizer.push(packet):
                if len(unit.data) > GS_SMALL_UNIT + 2 * 4 + len(GS_SPS) + len(GS_PPS) + 16:
                    raise Unbounded(f"access unit of {len(unit.data)} bytes")
            fu = depacketizer._fu
            bounded(len(fu) if fu is not None else 0, GS_SMALL_UNIT, "H264Depacketizer FU-A")
            bounded(depacketizer._size, GS_SMALL_UNIT + 0xFFFF + 4, "H264Depacketizer unit")
    stats.report_block()
    grtp.build_receiver_report(1, stats)
    sps = depacketizer.parameter_sets[0]
    if sps is not None:
        attempt(sps_dimensions, sps)


@target("gs-media", "grandstream", _gs_rtp_seeds)
def run_gs_media(data: bytes) -> None:
    """The playing session's demuxer: interleaved RTP/RTCP to video frames and audio chunks."""
    plan = Plan.of(data)
    demuxer = MediaDemuxer(
        video=True, audio=not plan.tempo & 1, parameter_sets=[GS_SPS, GS_PPS] * (plan.tempo & 2)
    )
    for _ in range(plan.repeats):
        for frame in interleaved(plan.payload):
            attempt(demuxer.push, frame)
    demuxer.receiver_reports()


def _gs_mctp_exchange() -> bytes:
    from simulator.grandstream.mctp_wire import (
        alarm_message,
        heartbeat_reply,
        keepalive_reply,
        talk_reply,
    )

    return (
        heartbeat_reply("09682642", 0, True)
        + heartbeat_reply("FFFFFFFF", -1, False)
        + heartbeat_reply("FFFFFFFF", 0, True)
        + alarm_message("MOTION", True, 1)
        + keepalive_reply()
        + b"CMD:ALARM MCTP/1.0 SC\n@3@INPUT@0@\n"
        + alarm_message("INPUT", False, 2)
        + talk_reply(True)
    )


def _gs_mctp_seeds() -> list[bytes]:
    return [_gs_mctp_exchange()]


@target("gs-mctp", "grandstream", _gs_mctp_seeds)
def run_gs_mctp(data: bytes) -> None:
    """Grandstream MCTP messages: handshake and keep-alive replies, alarms, talk replies."""
    plan = Plan.of(data)
    parser = gmctp.MctpParser()
    messages: list[gmctp.MctpMessage] = []
    for piece in plan.fed():
        messages += parser.feed(piece)
        bounded(len(parser._buffer), gmctp.MAX_LINE, "MctpParser")
    last = parser.flush()
    if plan.end_of_stream:
        parser.take_remaining()
    for message in [*messages, *([last] if last else [])]:
        _ = (message.fields, message.raw)
        if galarms.is_alarm(message):
            attempt(galarms.alarm_event, message)
        attempt(gmctp.parse_handshake_reply, message)
        attempt(gmctp.talk_accepted, message)


@target("gs-rtsp-session", "grandstream", _gs_rtsp_seeds)
def run_gs_rtsp_session(data: bytes) -> None:
    """The RTSP session: DESCRIBE with Digest, SETUP, PLAY, media, keep-alives, timeouts."""
    plan = Plan.of(data)
    play = bool(plan.tempo & 2)
    session = RtspSession(GS_URL, "admin", "admin", video=True, audio=play, play=play)

    def check() -> None:
        bounded(session._reader.buffered, grtsp.MAX_HEADER_BYTES + 4 + grtsp.MAX_BODY + 65540, "")

    drive(session, plan, check=check)
    session.teardown()
    session.data_to_send()


@target("gs-alarm-session", "grandstream", _gs_mctp_seeds)
def run_gs_alarm_session(data: bytes) -> None:
    """The MCTP alarm session: heartbeat handshake, subscription, alarms, keep-alive, loss."""
    plan = Plan.of(data)
    session = AlarmSession("09682642", plan.tempo & 2, keepalive_interval=5.0, reply_timeout=10.0)

    def check() -> None:
        bounded(len(session._parser._buffer), gmctp.MAX_LINE, "AlarmSession")

    drive(session, plan, check=check)
    session.close()


def _gs_talk_seeds() -> list[bytes]:
    from simulator.grandstream.mctp_wire import talk_reply

    return [talk_reply(True) + b"\x00\x01", talk_reply(False)]


@target("gs-talk-session", "grandstream", _gs_talk_seeds)
def run_gs_talk_session(data: bytes) -> None:
    """The MCTP talk session: the TALK reply, then u-law packets out."""
    plan = Plan.of(data)
    session = TalkSession(reply_timeout=10.0)

    def act(_now: float) -> None:
        attempt(session.send_audio, bytes(160))

    drive(session, plan, act=act)
    session.close()


@target("gs-snapshot", "grandstream", _h264_seeds)
def run_gs_snapshot(data: bytes) -> None:
    """A still from a key frame: H.264 decoded and JPEG encoded by PyAV (FFmpeg)."""
    from custom_components.ipcam.protocols.keyframe import keyframe_to_jpeg

    picture = keyframe_to_jpeg("h264", Plan.of(data).payload)
    if not shared_jpeg.is_jpeg(picture):
        raise Broken("keyframe_to_jpeg returned no JPEG")


# --- DVRIP (XMEye) ---------------------------------------------------------------------------


def _dvrip_json(msg_id: int, body: dict[str, Any]) -> bytes:
    from custom_components.ipcam.protocols.dvrip import wire as dwire

    return dwire.encode_json(msg_id, body, session=1, version=dwire.DEVICE_VERSION)


def _dvrip_documents() -> dict[str, Any]:
    """The camera's JSON documents, as the simulator answers them (a detector also by the
    channel path the client reads: ``Detect.MotionDetect.[0]``)."""
    from simulator.dvrip import config

    documents: dict[str, Any] = {
        "SystemInfo": config.system_info(1),
        **config.abilities(1),
        **{
            f"{section}.{name}": value
            for section, group in config.default_config(1).items()
            if isinstance(group, dict)
            for name, value in group.items()
        },
    }
    for name, value in list(documents.items()):
        if name.startswith("Detect.") and isinstance(value, list) and value:
            documents[f"{name}.[0]"] = value[0]
    return documents


def _dvrip_media_stream() -> bytes:
    from custom_components.ipcam.protocols.dvrip import media as dmedia
    from simulator.dvrip import frames

    unit = h264_unit()
    return b"".join(
        (
            frames.encode_info_frame(b"\x01\x02"),
            frames.encode_video_frame("h264", unit, keyframe=True, width=64, height=48),
            frames.encode_video_frame("h264", unit[-200:], keyframe=False),
            dmedia.encode_audio_frame(g711.alaw_encode(tone())),
            frames.encode_picture(small_jpeg(), 64, 48),
        )
    )


def _dvrip_packet_seeds() -> list[bytes]:
    from custom_components.ipcam.protocols.dvrip import wire as dwire
    from custom_components.ipcam.protocols.dvrip.codes import MsgId
    from tests.protocols.dvrip import seed

    media = _dvrip_media_stream()
    monitor = b"".join(
        dwire.encode_packet(MsgId.MONITOR_DATA, media[i : i + 700], session=1, sequence=i)
        for i in range(0, len(media), 700)
    )
    large = {"Name": "x", "Ret": 100, "Data": "a" * 20_000}
    return [*seed.ALL.values(), monitor, _dvrip_json(MsgId.CONFIG_GET_REPLY, large)]


DVRIP_SMALL_JSON = 8192
DVRIP_SMALL_BINARY = 4096


@target("dvrip-packets", "dvrip", _dvrip_packet_seeds)
def run_dvrip_packets(data: bytes) -> None:
    """DVRIP packets with small caps: headers, JSON bodies, multi-packet messages, binary."""
    from custom_components.ipcam.protocols.dvrip import wire as dwire
    from custom_components.ipcam.protocols.dvrip.codes import MsgId

    plan = Plan.of(data)
    streams = frozenset({MsgId.MONITOR_DATA}) if plan.tempo & 64 else frozenset()
    decoder = dwire.PacketDecoder(
        max_json=DVRIP_SMALL_JSON, max_binary_packet=DVRIP_SMALL_BINARY, stream_ids=streams
    )
    bound = dwire.HEADER_SIZE + DVRIP_SMALL_JSON
    for piece in plan.fed():
        for message in decoder.feed(piece):
            if isinstance(message, dwire.JsonMessage):
                _ = (message.ret, message.ok)
        decoder.take_stream()
        bounded(decoder.buffered, bound, "DVRIP PacketDecoder")
        pending = sum(part.size for part in decoder._fragments.values())
        bounded(pending, DVRIP_SMALL_JSON, "DVRIP PacketDecoder fragments")


def _dvrip_media_seeds() -> list[bytes]:
    return [_dvrip_media_stream()]


DVRIP_SMALL_FRAME = 8192


@target("dvrip-media", "dvrip", _dvrip_media_seeds, max_len=12288)
def run_dvrip_media(data: bytes) -> None:
    """DVRIP media frames (I/P video, audio, picture, info): demuxer, live video, audio, both."""
    from custom_components.ipcam.protocols.dvrip import live as dlive
    from custom_components.ipcam.protocols.dvrip import media as dmedia

    plan = Plan.of(data)
    demuxer = dmedia.MediaDemuxer(max_frame=DVRIP_SMALL_FRAME)
    video = dlive.LiveVideo(max_skipped=4 * DVRIP_SMALL_FRAME)
    audio = dlive.LiveAudio()
    both = dlive.LiveMedia(max_skipped=4 * DVRIP_SMALL_FRAME)
    bound = DVRIP_SMALL_FRAME + 16
    video_clock, audio_clock = Forward("DVRIP video"), Forward("DVRIP audio")
    both_video, both_audio = Forward("DVRIP media video"), Forward("DVRIP media audio")
    for piece in plan.fed():
        demuxer.feed(piece)
        bounded(demuxer.buffered, bound, "DVRIP MediaDemuxer")
        view = [memoryview(piece)]
        video_clock.check(attempt(video.feed, view))
        audio_clock.check(attempt(audio.feed, view))
        for run in attempt(both.feed, view) or ():
            (both_video if run and isinstance(run[0], VideoFrame) else both_audio).check(run)
    if plan.end_of_stream:
        demuxer.close()
    attempt(dmedia.parse_frame, plan.payload)


def _dvrip_snapshot_seeds() -> list[bytes]:
    from simulator.dvrip import frames

    picture = frames.encode_picture(small_jpeg(), 64, 48)
    return [picture, small_jpeg(), b'{ "Name" : "OPSNAP", "Ret" : 607 }\n\x00']


@target("dvrip-snapshot", "dvrip", _dvrip_snapshot_seeds)
def run_dvrip_snapshot(data: bytes) -> None:
    """DVRIP snapshot replies (1561): a picture frame, a bare JPEG, or a JSON refusal."""
    from custom_components.ipcam.protocols.dvrip.snapshot import SnapshotCollector

    collector = SnapshotCollector()
    for piece in Plan.of(data).fed():
        if collector.feed(piece) is not None:
            break


def _dvrip_session_seeds() -> list[bytes]:
    from custom_components.ipcam.protocols.dvrip import wire as dwire
    from custom_components.ipcam.protocols.dvrip.codes import MsgId
    from tests.protocols.dvrip import seed

    alarm = {
        "AlarmInfo": {"Channel": 0, "Event": "VideoMotion", "Status": "Start"},
        "Name": "AlarmInfo",
    }
    control = (
        seed.LOGIN_REPLY
        + seed.SYSINFO_REPLY
        + seed.GUARD_REPLY
        + _dvrip_json(MsgId.ALARM, alarm)
        + seed.KEEPALIVE_REPLY
        + seed.ALARMOUT_SET_REPLY
    )
    media = _dvrip_media_stream()
    monitor = b"".join(
        dwire.encode_packet(MsgId.MONITOR_DATA, media[i : i + 900], session=1, sequence=i)
        for i in range(0, len(media), 900)
    )
    return [control, seed.LOGIN_REPLY + monitor]


@target("dvrip-session", "dvrip", _dvrip_session_seeds)
def run_dvrip_session(data: bytes) -> None:
    """The DVRIP session: login, one request in flight, keep-alive, alarms, live media."""
    from custom_components.ipcam.protocols.dvrip.codes import MsgId
    from custom_components.ipcam.protocols.dvrip.session import DvripSession, State

    plan = Plan.of(data)
    kinds: tuple[Literal["video", "audio"] | None, ...] = ("video", "audio", None, None)
    media = kinds[plan.tempo >> 6]
    session = DvripSession("admin", "secret", media=media)
    asked = False

    def act(now: float) -> None:
        nonlocal asked
        if session.state is State.READY and session.error is None and not asked:
            asked = True
            session.request(MsgId.SYSINFO, "SystemInfo", now=now)
            session.request(MsgId.SNAPSHOT, "OPSNAP", {"Channel": 0}, now=now, optional=True)
            if media:
                session.watch_media(now)

    def check() -> None:
        bounded(session._decoder.buffered, 20 + 1024 * 1024, "DvripSession")

    drive(session, plan, act=act, check=check)
    session.close()


def _dvrip_view_seeds() -> list[bytes]:
    import json

    from tests.protocols.dvrip import seed

    login = seed.LOGIN_REPLY[20:].rstrip(b"\x00")
    documents = _dvrip_documents()
    encode_only = {"Simplify.Encode": documents["Simplify.Encode"], "Value": "640x480"}
    return [
        login,
        json.dumps({**documents, "Value": "1280x720"}).encode(),
        json.dumps(encode_only).encode(),
    ]


def shuffled_types(value: object, rng: Any) -> object:
    """``value`` with some of its parts replaced by values of another type (issue 13, 7)."""
    if rng.random() < 0.12:
        return rng.choice(
            (None, True, 0, -1, 2**40, 1.5, "", "0x1F", "Start", [], {}, [1, "a"], {"a": 1})
        )
    if isinstance(value, dict):
        return {key: shuffled_types(item, rng) for key, item in value.items()}
    if isinstance(value, list):
        return [shuffled_types(item, rng) for item in value]
    return value


@target("dvrip-views", "dvrip", _dvrip_view_seeds)
def run_dvrip_views(data: bytes) -> None:
    """DVRIP JSON documents of any shape: typed views, device facts, settings read and written."""
    import random

    from custom_components.ipcam.protocols.base import Capability, SettingKey
    from custom_components.ipcam.protocols.dvrip import alarms as dalarms
    from custom_components.ipcam.protocols.dvrip import device as ddevice
    from custom_components.ipcam.protocols.dvrip import settings as dsettings
    from custom_components.ipcam.protocols.dvrip import views as dviews
    from custom_components.ipcam.protocols.dvrip import wire as dwire

    plan = Plan.of(data)
    document: object = dwire.decode_json_body(plan.payload)
    if plan.tempo & 1:
        document = shuffled_types(document, random.Random(data))
    body = dviews.as_dict(document)
    login = dviews.LoginReply.from_json(body)
    names = (*ddevice.ABILITIES, *ddevice.CONFIGS, ddevice.CHANNEL_TITLE)
    facts = ddevice.DeviceFacts.from_answers(
        login, body.get("SystemInfo"), {name: body.get(name) for name in names}
    )
    _ = (facts.channel_count, facts.channels)
    channel = None if plan.tempo & 4 else plan.tempo & 1  # None: a recorder as one device
    attempt(ddevice.check_channel, login, body.get("SystemInfo"), channel)
    attempt(ddevice.identity, facts, channel)
    stream = dsettings.Stream(plan.tempo & 1, bool(plan.tempo & 2))
    scope = tuple(ddevice.Scope)[(plan.tempo >> 3) % len(ddevice.Scope)]
    capabilities = ddevice.capabilities(facts, stream, scope)
    stream = ddevice.stream_settings(facts, stream)
    sections = dsettings.sections_to_read(frozenset(Capability), stream)
    dsettings.read({name: body.get(name) for name in sections}, stream)
    value = body.get("Value", "1280x720")  # what a user asks for (a service call)
    if not isinstance(value, bool | int | str):
        value = str(value)
    for key in (*SettingKey, "bitrate"):
        write = attempt(dsettings.plan_write, key, value, capabilities, stream)
        if write is not None:
            attempt(write.build, body.get(write.section))
    dviews.alarm_outputs(body.get(dsettings.ALARM_OUT))
    dalarms.parse_alarm(body)


def _dvrip_discovery_seeds() -> list[bytes]:
    from custom_components.ipcam.protocols.dvrip.codes import MsgId

    common = _dvrip_documents()["NetWork.NetCommon"]
    body = {
        "NetWork.NetCommon": {**common, "HostIP": "0x7200060A", "SN": "58e7fa5e6e262535"},
        "Ret": 100,
    }
    return [_dvrip_json(MsgId.DISCOVERY_REPLY, body)]


@target("dvrip-discovery", "dvrip", _dvrip_discovery_seeds)
def run_dvrip_discovery(data: bytes) -> None:
    """DVRIP discovery replies (UDP: each read is a datagram) and their hex addresses."""
    from custom_components.ipcam.protocols.dvrip import discovery as ddiscovery

    read = lan.SEARCHES[Vendor.DVRIP][2]
    for piece in Plan.of(data).reads():
        attempt(ddiscovery.parse_discovery_reply, piece, "192.0.2.1")
        for camera in attempt(read, piece, "192.0.2.1") or []:
            camera.as_dict()


# --- what the campaign found ------------------------------------------------------------------


# Inputs that failed before a fix (target, input); test_fuzz_properties replays them all.
def _dvrip_rate_change() -> bytes:
    """Frames at 25 fps, then an I-frame at 30 (the old timeline went back)."""
    from simulator.dvrip import frames

    unit = h264_unit()
    key = frames.encode_video_frame("h264", unit, keyframe=True, width=64, height=48, fps=25)
    later = frames.encode_video_frame("h264", unit, keyframe=True, width=64, height=48, fps=30)
    delta = frames.encode_video_frame("h264", unit[-100:], keyframe=False)
    return key + delta * 20 + later


def _foscam_tick_back() -> bytes:
    """Video ticks 100, 110, then 105 (the old timeline leapt 497 days ahead)."""
    from simulator.foscam import wire

    ticks = (100, 110, 105)
    return b"".join(wire.encode(fav.VideoData(tick, 0, small_jpeg())) for tick in ticks)


FOUND: list[tuple[str, bytes]] = [
    # foscam/cgi.py resolution_of: int() of "3²" (str.isdigit() accepts superscripts).
    ("foscam-cgi", compose(b"var resolution=3\xb2;\n")),
    # dvrip/settings.py encode_write: int() of a user's "1280²" (no sizes reported to check).
    (
        "dvrip-views",
        compose(
            b'{"Simplify.Encode": [{"MainFormat": {"Video": {}}}], "Value": "1280\xc2\xb2x720"}'
        ),
    ),
    # dvrip/live.py LiveVideo: a frame-rate change re-timed the frames before it (backwards).
    ("dvrip-media", compose(_dvrip_rate_change())),
    # foscam/media.py VideoTimeline: a tick one step back read as a 32-bit wrap (497 days on).
    ("foscam-messages", compose(_foscam_tick_back(), tempo=64)),
]


# --- helpers for the harnesses ---------------------------------------------------------------


def families() -> dict[str, list[Target]]:
    out: dict[str, list[Target]] = {}
    for item in TARGETS.values():
        out.setdefault(item.family, []).append(item)
    return out


def describe(item: Target) -> dict[str, Any]:
    return {"name": item.name, "family": item.family, "about": item.about}
