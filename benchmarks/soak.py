"""Hours of every family's live stream through the client's sans-I/O code, in minutes.

A long-running live view or recording meets what a short test never does: a
count that only one path resets, a 32-bit clock that wraps, a rate that changes
mid-stream, a buffer that keeps a little of every read. Each family's stream is
fed here as the camera sends it (its wire bytes, made by the simulator's
encoders) for ``--hours`` of stream time at the camera's rate, with the session's
clock advanced by the stream rather than by the wall:

- **IPCamCGI**: ``/mjpeg.cgi``'s HTTP answer, a multipart part per read (the
  parser's whole-read path) with the line ends cameras put after each JPEG; in
  the first minute every 50th part split across two reads (the general path);
- **XMEye (DVRIP)**: a logged-in stream connection (``DvripSession``, video and
  sound) fed 1412 packets of GOPs with G.711 between the frames, its keep-alives
  answered as they fall due, and the frame rate changed 25 → 15 → 25 every hour
  (as the frame-rate setting does on a running stream);
- **XMEye alarms**: the guarded alarm connection, a motion alarm every 10 s (and its
  stop), keep-alives answered: every alarm an event, in order, none lost;
- **Foscam**: ``MO_V`` video and ADPCM audio packets with the camera's 10 ms tick
  starting just before its 32-bit wrap;
- **Foscam operation**: the logged-in ``MO_O`` connection, a motion alarm every
  minute (its stop 30 s later), the camera silent in between but for its answers
  to the liveness probe: every alarm an event, in order, the keep-alives sent;
- **Grandstream**: interleaved RTP (H.264 in FU-A fragments and PCMU) with the
  sequence numbers and RTP timestamps starting just before their wraps;
- **Grandstream alarms**: the subscribed ``MCTP`` connection, a motion alarm every
  30 s (its stop 15 s later), each keep-alive answered: every alarm an event, in
  order, the heartbeat never counted lost.

For each: no error, every timestamp later than or equal to the one before, the
last one where the stream's time says it is (within a frame), what the parser
holds between reads bounded, and Python's heap (``tracemalloc``) no larger at
the end than after the first minute (within 256 KiB). Figures go to
``docs/RELIABILITY.md`` ("Long streams").

Run: ``.venv/bin/python benchmarks/soak.py [--hours 24] [--only cgi,dvrip,...]`` (families:
``cgi``, ``dvrip``, ``dvrip-alarms``, ``foscam``, ``foscam-operation``, ``grandstream``,
``grandstream-alarms``).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from custom_components.ipcam.protocols.audio import adpcm, g711  # noqa: E402
from custom_components.ipcam.protocols.audio.pcm import tone_pcm  # noqa: E402
from custom_components.ipcam.protocols.base import (  # noqa: E402
    AudioChunk,
    CameraEvent,
    VideoFrame,
)
from custom_components.ipcam.protocols.errors import CameraError  # noqa: E402

if TYPE_CHECKING:
    from custom_components.ipcam.protocols.dvrip.session import DvripSession

HEAP_SLACK = 256 * 1024
MINUTE = 60.0


class _Timed(Protocol):
    """A sans-I/O session's clock (see ``_fire``)."""

    def next_deadline(self) -> float | None: ...
    def handle_timer(self, now: float) -> None: ...


class _AlarmConnection(_Timed, Protocol):
    """A sans-I/O session of a connection that carries alarms (see ``_alarm_run``)."""

    def receive_data(self, data: bytes) -> None: ...
    def next_event(self) -> object: ...


@dataclass
class Watch:
    """What one family's run saw."""

    family: str
    seconds: float  # stream time fed
    frames: int = 0
    chunks: int = 0
    last_video: float = 0.0
    last_audio: float = 0.0
    buffered_max: int | None = None  # None: not measured
    heap_after_a_minute: int = 0
    heap_at_end: int = 0
    problems: list[str] = field(default_factory=list)

    def video(self, frames: Iterable[VideoFrame]) -> None:
        self.last_video, count = self._forward("video", frames, self.last_video)
        self.frames += count

    def audio(self, chunks: Iterable[AudioChunk]) -> None:
        self.last_audio, count = self._forward("audio", chunks, self.last_audio)
        self.chunks += count

    def _forward(
        self, kind: str, items: Iterable[VideoFrame | AudioChunk], last: float
    ) -> tuple[float, int]:
        """The last timestamp and how many items came; a problem for one that went back."""
        count = 0
        for item in items:
            if item.timestamp < last:
                self.problem(f"{kind} went back: {item.timestamp} after {last}")
            last = item.timestamp
            count += 1
        return last, count

    def held(self, size: int) -> None:
        self.buffered_max = max(self.buffered_max or 0, size)

    def problem(self, text: str) -> None:
        if len(self.problems) < 5:
            self.problems.append(text)

    def minute_passed(self) -> None:
        self.heap_after_a_minute = tracemalloc.get_traced_memory()[0]

    def check(self, expected_video: float, tolerance: float, held_bound: int | None) -> None:
        self.heap_at_end = tracemalloc.get_traced_memory()[0]
        if abs(self.last_video - expected_video) > tolerance:
            self.problem(f"video ends at {self.last_video:.3f} s, the stream at {expected_video}")
        if held_bound is not None and (self.buffered_max or 0) > held_bound:
            self.problem(f"held {self.buffered_max} bytes between reads (bound {held_bound})")
        if self.heap_at_end > self.heap_after_a_minute + HEAP_SLACK:
            grown = self.heap_at_end - self.heap_after_a_minute
            self.problem(f"the heap grew by {grown} bytes after the first minute")


def ticks(seconds: float, fps: int) -> Iterator[tuple[int, float]]:
    """(frame index, stream time) of every frame of ``seconds`` at ``fps``."""
    for index in range(int(seconds * fps)):
        yield index, index / fps


# --- IPCamCGI -------------------------------------------------------------------------------


def soak_cgi(seconds: float) -> Watch:
    from custom_components.ipcam.protocols.cgi.mjpeg import MAX_FRAME, FrameClock
    from custom_components.ipcam.protocols.cgi.stream import MjpegResponse
    from simulator.cgi.answers import CONTENT_TYPE, format_part
    from simulator.media import jpeg_cycle

    fps = 20
    watch = Watch("cgi", seconds)
    response, clock = MjpegResponse(MAX_FRAME), FrameClock(0.0)
    head = f"HTTP/1.0 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\n\r\n".encode()
    pictures = jpeg_cycle(160, 120)
    parts = [format_part(jpeg, "2026-12-06 12:00:00 IO_00000000_PT_170_067") for jpeg in pictures]
    watch.video(clock.frame(part, 0.0) for part in response.feed(head))
    for index, now in ticks(seconds, fps):
        part = parts[index % len(parts)]
        # Split reads (the general path) in the first minute only: a split part resets what
        # the parser counts, so the hours after it must be whole reads to find what adds up.
        split = index < 60 * fps and index % 50 == 49
        reads = (part[:100], part[100:]) if split else (part,)
        for data in reads:
            watch.video(clock.frame(found, now) for found in response.feed(data))
            watch.held(response.buffered)
        if index == 60 * fps:
            watch.minute_passed()
    watch.check((int(seconds * fps) - 1) / fps, 1 / fps, max(len(part) for part in parts))
    return watch


# --- XMEye (DVRIP) -------------------------------------------------------------------------------


def _camera_answers(session: DvripSession, now: float) -> int:
    """Run the session's timers due by ``now`` and answer the keep-alives it sent, as the
    camera does; how many it sent."""
    from custom_components.ipcam.protocols.dvrip import wire
    from custom_components.ipcam.protocols.dvrip.codes import MsgId
    from tests.protocols.dvrip.helpers import ret_reply

    deadline = session.next_deadline()
    if deadline is not None and deadline <= now:
        session.handle_timer(now)
    keepalives = 0
    for message in wire.PacketDecoder().feed(session.data_to_send()):
        if message.msg_id == MsgId.KEEPALIVE:
            keepalives += 1
            session.receive_data(ret_reply(MsgId.KEEPALIVE_REPLY))
    return keepalives


def soak_dvrip(seconds: float) -> Watch:
    from custom_components.ipcam.protocols.dvrip.session import AudioChunks, VideoFrames
    from simulator.dvrip.frames import encode_audio_frame, encode_video_frame
    from tests.protocols.dvrip.helpers import IDR, P_FRAME, logged_in, media_packets

    watch = Watch("dvrip", seconds)
    session = logged_in(media="both", alive=20)
    sound = encode_audio_frame(g711.alaw_encode(tone_pcm(1000, 0.04))[:320])

    def gop(fps: int) -> bytes:
        frames = [encode_video_frame("h264", IDR, keyframe=True, width=640, height=480, fps=fps)]
        frames += [encode_video_frame("h264", P_FRAME, keyframe=False)] * (fps - 1)
        return media_packets(b"".join(frame + sound for frame in frames))

    gops = {rate: gop(rate) for rate in (25, 15)}
    now = expected = 0.0
    keepalives = 0
    second = 0
    while now < seconds:
        rate = 15 if int(now // 3600) % 2 else 25  # every other hour at 15 fps
        session.receive_data(gops[rate])
        while (event := session.next_event()) is not None:
            if isinstance(event, VideoFrames):
                watch.video(event.frames)
            elif isinstance(event, AudioChunks):
                watch.audio(event.chunks)
        expected = now + (rate - 1) / rate
        now += 1.0  # one GOP: one second of stream
        second += 1
        keepalives += _camera_answers(session, now)
        if session.error is not None:
            watch.problem(f"the session ended: {session.error!r}")
            break
        if second == 60:
            watch.minute_passed()
    if keepalives < seconds / 20 - 1:
        watch.problem(f"{keepalives} keep-alives in {seconds} s (every 20 s expected)")
    watch.check(expected, 1 / 15, None)
    return watch


def soak_dvrip_alarms(seconds: float) -> Watch:
    """The alarm connection: guarded, a motion alarm every 10 s (its stop 5 s later), the
    keep-alives answered; every alarm must come out as an event, in order."""
    from custom_components.ipcam.protocols.dvrip.codes import MsgId
    from custom_components.ipcam.protocols.dvrip.session import Alarm
    from tests.protocols.dvrip.helpers import logged_in, reply
    from tests.protocols.dvrip.seed import GUARD_REPLY

    watch = Watch("dvrip alarms", seconds)
    session = logged_in(alive=20)
    session.send(MsgId.GUARD, "")
    session.data_to_send()
    session.receive_data(GUARD_REPLY)
    pushed = [
        reply(MsgId.ALARM, {"AlarmInfo": {"Channel": 0, "Event": "VideoMotion", "Status": s}})
        for s in ("Start", "Stop")
    ]
    sent = received = keepalives = 0
    now = 0.0
    while now < seconds and session.error is None:
        now += 5.0
        session.receive_data(pushed[sent % 2])
        sent += 1
        while (event := session.next_event()) is not None:
            if isinstance(event, Alarm):
                if event.event.active != (received % 2 == 0):
                    watch.problem(f"alarm {received} came out of order")
                received += 1
        keepalives += _camera_answers(session, now)
        if now == 60.0:
            watch.minute_passed()
    watch.frames, watch.last_video = received, now  # alarms, and the stream time reached
    if session.error is not None:
        watch.problem(f"the session ended: {session.error!r}")
    if received != sent:
        watch.problem(f"{sent - received} of {sent} alarms lost")
    if keepalives < seconds / 20 - 1:
        watch.problem(f"{keepalives} keep-alives in {seconds} s (every 20 s expected)")
    watch.check(seconds, 5.0, None)
    return watch


# --- Foscam --------------------------------------------------------------------------------------


def soak_foscam(seconds: float) -> Watch:
    from custom_components.ipcam.protocols.foscam import av, framing, media
    from custom_components.ipcam.protocols.foscam.decoder import MessageDecoder
    from simulator.foscam import wire
    from simulator.media import jpeg_cycle

    fps = 15
    watch = Watch("foscam", seconds)
    decoder = MessageDecoder(framing.MAGIC_AV)
    video, audio = media.VideoTimeline(), media.AudioTimeline()
    jpeg = jpeg_cycle(160, 120)[0]
    adpcm_40ms = adpcm.FoscamAdpcmEncoder().encode(tone_pcm(1000, 0.04))
    start = 0xFFFFFFFF - 6000  # a minute before the camera's tick wraps
    audio_sent = 0
    for index, now in ticks(seconds, fps):
        tick = (start + round(now * 100)) & 0xFFFFFFFF
        data = wire.encode(av.VideoData(tick, index, jpeg))
        while audio_sent * 0.04 <= now:  # 40 ms of sound per packet
            audio_tick = (start + audio_sent * 4) & 0xFFFFFFFF
            data += wire.encode(av.AudioData(audio_tick, audio_sent, 0, adpcm_40ms))
            audio_sent += 1
        for message in decoder.feed(data):
            if isinstance(message, av.VideoData):
                watch.video([video.frame(message)])
            elif isinstance(message, av.AudioData):
                watch.audio([audio.chunk(message)])
        watch.held(decoder.buffered)
        if index == 60 * fps:
            watch.minute_passed()
    watch.check(round((int(seconds * fps) - 1) / fps * 100) / 100, 0.011, 0)
    return watch


def _fire(session: _Timed, now: float, answer: Callable[[], None]) -> None:
    """Every deadline of ``session`` that falls due by ``now``, each at its own time, the
    camera's side ``answer``ing what each one made the session send."""
    while (deadline := session.next_deadline()) is not None and deadline <= now:
        session.handle_timer(deadline)
        answer()


def _alarm_run(
    watch: Watch,
    session: _AlarmConnection,
    pushed: list[bytes],
    step: float,
    answer: Callable[[], None],
    up: Callable[[], bool],
    alarm_in: Callable[[object], CameraEvent | None],
) -> None:
    """A motion alarm's start and stop (``pushed``) in turn every ``step`` s of stream time
    until ``watch.seconds``, the session's timers fired and the camera's side ``answer``ing
    in between; every alarm must come out (``alarm_in``: the event an item carries) in
    order, none lost, and the connection stay ``up``."""
    from custom_components.ipcam.protocols.base import EventKind

    sent = received = 0
    now = 0.0
    while now < watch.seconds and up():
        now += step
        _fire(session, now, answer)
        session.receive_data(pushed[sent % 2])
        sent += 1
        while (item := session.next_event()) is not None:
            event = alarm_in(item)
            if event is None:
                continue
            if event.kind is not EventKind.MOTION or event.active != (received % 2 == 0):
                watch.problem(f"alarm {received} came out of order: {event}")
            received += 1
        answer()
        if now == MINUTE:
            watch.minute_passed()
    watch.frames, watch.last_video = received, now  # alarms, and the stream time reached
    if not up():
        watch.problem("the connection went down")
    if received != sent:
        watch.problem(f"{sent - received} of {sent} alarms lost")
    watch.check(watch.seconds, step, None)


def soak_foscam_operation(seconds: float) -> Watch:
    """The ``MO_O`` connection after the login: a motion alarm every minute (its stop 30 s
    later), silences longer than the session waits for a sign of life, which the camera gives
    by answering the liveness probe (``Params_Fetch_Resp``); every alarm must come out as an
    event, in order, and the connection stay up with a keep-alive every interval."""
    from custom_components.ipcam.protocols.foscam import operation as op
    from custom_components.ipcam.protocols.foscam.session import OperationSession, State
    from simulator.foscam import wire
    from tests.protocols.foscam.helpers import CAMERA_ID

    watch = Watch("foscam operation", seconds)
    session = OperationSession("admin", "pw")
    session.start(0.0)
    session.receive_data(
        wire.encode(op.LoginResp(0, CAMERA_ID, op.PROTOCOL_VERSION, 0, "11.37.2.56"))
        + wire.encode(op.VerifyResp(0, 2))
    )
    session.data_to_send()
    requests = wire.RequestDecoder(b"MO_O")
    counts = {"keepalives": 0, "probes": 0}

    def answer() -> None:
        """The camera's side: it answers each liveness probe."""
        for message in requests.feed(session.data_to_send()):
            if isinstance(message, op.KeepAlive):
                counts["keepalives"] += 1
            elif isinstance(message, op.ParamsFetchReq):
                counts["probes"] += 1
                session.receive_data(wire.encode(op.ParamsFetchResp()))

    pushed = [wire.encode(op.AlarmNotify(1)), wire.encode(op.AlarmNotify(0))]
    _alarm_run(
        watch,
        session,
        pushed,
        30.0,
        answer,
        lambda: session.state is State.READY,
        lambda item: item if isinstance(item, CameraEvent) else None,
    )
    interval = session.keepalive_interval
    if counts["keepalives"] < seconds / interval - 2:
        watch.problem(f"{counts['keepalives']} keep-alives in {seconds} s (every {interval} s)")
    if not counts["probes"]:
        watch.problem("no liveness probe in the silences")
    return watch


# --- Grandstream ---------------------------------------------------------------------------------


def soak_grandstream(seconds: float) -> Watch:
    from custom_components.ipcam.protocols.grandstream.media import MediaDemuxer
    from custom_components.ipcam.protocols.grandstream.rtp import InterleavedFrame
    from simulator.grandstream.media_wire import format_rtp, packetize
    from simulator.media import video_cycle

    fps = 25
    watch = Watch("grandstream", seconds)
    demuxer = MediaDemuxer(video=True, audio=True)
    units = video_cycle(160, 96, fps, "h264", count=50, gop=fps)
    payloads = [packetize(unit.data) for unit in units]
    ulaw = g711.ulaw_encode(tone_pcm(1000, 1 / fps))
    sequence = {0: 0xFFFF - 500, 2: 0xFFFF - 300}  # wraps within the first minute
    start = 0xFFFFFFFF - 90_000 * 30  # 30 s before the video clock wraps
    for index, _now in ticks(seconds, fps):
        video_ts = start + index * (90_000 // fps)
        pieces = payloads[index % len(payloads)]
        for number, payload in enumerate(pieces):
            marker = number == len(pieces) - 1
            packet = format_rtp(96, marker, sequence[0], video_ts, 0x1234, payload)
            sequence[0] = (sequence[0] + 1) & 0xFFFF
            items = demuxer.push(InterleavedFrame(0, packet))
            watch.video(item for item in items if isinstance(item, VideoFrame))
        audio_ts = index * (8000 // fps)
        packet = format_rtp(0, False, sequence[2], audio_ts, 0x5678, ulaw)
        sequence[2] = (sequence[2] + 1) & 0xFFFF
        items = demuxer.push(InterleavedFrame(2, packet))
        watch.audio(item for item in items if isinstance(item, AudioChunk))
        if index == 60 * fps:
            watch.minute_passed()
    if demuxer.lost_packets:
        watch.problem(f"{demuxer.lost_packets} packets counted lost across the wraps")
    watch.check((int(seconds * fps) - 1) / fps, 1 / fps, None)
    return watch


def soak_grandstream_alarms(seconds: float) -> Watch:
    """The ``MCTP`` heartbeat and alarm connection: subscribed for all channels, a motion
    alarm every 30 s (its stop 15 s later: longer than the heartbeat's loss window, so the
    keep-alives' answers are what keeps it up), each keep-alive answered as the camera does;
    every alarm must come out as an event, in order, and the heartbeat never be counted lost."""
    from custom_components.ipcam.protocols.grandstream.mctp import keepalive_request
    from custom_components.ipcam.protocols.grandstream.mctp_session import (
        Alarm,
        AlarmSession,
        AlarmState,
    )
    from simulator.grandstream.mctp_wire import alarm_message, heartbeat_reply, keepalive_reply

    watch = Watch("grandstream alarms", seconds)
    session = AlarmSession("09682642", 0)
    session.start(0.0)
    session.receive_data(heartbeat_reply("09682642", 0, True))
    session.receive_data(heartbeat_reply("FFFFFFFF", -1, True))
    session.data_to_send()
    if session.state is not AlarmState.READY:
        watch.problem(f"not subscribed: {session.state.value}")
        return watch
    ping = keepalive_request()
    keepalives = 0

    def answer() -> None:
        """The camera's side: it answers each keep-alive."""
        nonlocal keepalives
        for _ in range(session.data_to_send().count(ping)):
            keepalives += 1
            session.receive_data(keepalive_reply())

    pushed = [alarm_message("MOTION", active, 0) for active in (True, False)]
    _alarm_run(
        watch,
        session,
        pushed,
        15.0,
        answer,
        lambda: session.state is AlarmState.READY,
        lambda item: item.event if isinstance(item, Alarm) else None,
    )
    interval = session.keepalive_interval
    if keepalives < seconds / interval - 2:
        watch.problem(f"{keepalives} keep-alives in {seconds} s (every {interval} s)")
    return watch


SOAKS: dict[str, Callable[[float], Watch]] = {
    "cgi": soak_cgi,
    "dvrip": soak_dvrip,
    "dvrip-alarms": soak_dvrip_alarms,
    "foscam": soak_foscam,
    "foscam-operation": soak_foscam_operation,
    "grandstream": soak_grandstream,
    "grandstream-alarms": soak_grandstream_alarms,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--only", help="comma-separated families (default: all)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(SOAKS)
    print(
        "| family | stream time | frames / chunks | last video timestamp | held between reads "
        "| heap after 1 min → end | wall time | result |"
    )
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    for name in names:
        tracemalloc.start()
        began = time.perf_counter()
        try:
            watch = SOAKS[name](args.hours * 3600)
        except CameraError as err:  # the stream ended where a camera's would have gone on
            watch = Watch(name, args.hours * 3600, problems=[f"{type(err).__name__}: {err}"])
        wall = time.perf_counter() - began
        tracemalloc.stop()
        failed = failed or bool(watch.problems)
        held = "—" if watch.buffered_max is None else f"≤ {watch.buffered_max:,} B"
        print(
            f"| {name} | {watch.seconds / 3600:g} h | {watch.frames:,} / {watch.chunks:,} "
            f"| {watch.last_video:,.2f} s | {held} "
            f"| {watch.heap_after_a_minute / 1024:,.0f} → {watch.heap_at_end / 1024:,.0f} KiB "
            f"| {wall:.0f} s | {'; '.join(watch.problems) or 'ok'} |",
            flush=True,
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
