"""The simulated camera's media: OPSNAP stills, the live stream (1413/1410/1412) and talk.

Live video: 1413 claims (whatever its Action), 1410 Start streams H.264 (or
H.265 when ``Simplify.Encode`` says so) of the configured size at its FPS in
real time, each frame split over 8 KiB 1412 packets (one key-frame packet per
GOP starts with ``{`` when the data allows), plus 0x1FA G.711A audio (a tone of
1000 + 250 n Hz on channel n) when ``AudioEnable`` is set. A recorder channel
without a camera (``offline_channels``) answers claims and OPSNAP with Ret 121.
Start on another socket of the same session streams to the claiming socket and
is answered with 1411. Talk: 1434 Claim (Ret 503 when another client talks),
1430 Start/Stop, 1432 frames decoded from A-law and recorded. See
docs/protocols/dvrip.md, "Live stream" and "Talk-back".
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

from custom_components.ipcam.protocols.audio.g711 import alaw_decode, alaw_encode
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.wire import MsgId

from ..media import jpeg_cycle, video_cycle
from .config import jfif
from .core import DvripCameraCore
from .frames import encode_audio_frame, encode_picture, encode_video_frame
from .state import Conn

_LOGGER = logging.getLogger(__name__)

MEDIA_PACKET = 8192  # bytes of media per 1412 packet
NO_CAMERA = 121  # Ret: "digital channel not connected" (a recorder channel without a camera)
TONE_HZ = 1000.0  # channel n's microphone: a tone of TONE_HZ + 250 n Hz


def tone_hz(channel: int) -> float:
    return TONE_HZ + 250.0 * channel


class StreamingCamera(DvripCameraCore):
    """The media handlers of the simulated camera."""

    # --- snapshot --------------------------------------------------------------------------------

    async def _snapshot(self, conn: Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPSNAP")
        channel = op.get("Channel", 0) if isinstance(op, dict) else 0
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST)
            return
        if channel in self.offline_channels:
            self._ret(conn, request, NO_CAMERA)
            return
        if self.snapshot_mode == "none":
            return
        width, height = self._size(channel)
        jpeg = await asyncio.to_thread(jpeg_cycle, width, height)
        image = jfif(jpeg[self.snapshots % len(jpeg)])
        self.snapshots += 1
        session = conn.session or 0
        if self.snapshot_mode == "raw":
            conn.send(
                wire.encode_packet(
                    MsgId.SNAPSHOT_REPLY,
                    image,
                    session=session,
                    sequence=request.sequence,
                    version=wire.DEVICE_VERSION,
                )
            )
            return
        data = encode_picture(image, width, height, self._now())
        pieces = [data[i : i + MEDIA_PACKET] for i in range(0, len(data), MEDIA_PACKET)]
        for index, piece in enumerate(pieces):
            conn.send(
                wire.encode_packet(
                    MsgId.SNAPSHOT_REPLY,
                    piece,
                    session=session,
                    sequence=request.sequence,
                    version=wire.DEVICE_VERSION,
                    total=channel,
                    current=1 if index == len(pieces) - 1 else 0,
                )
            )

    # --- live monitor ----------------------------------------------------------------------------

    @staticmethod
    def _monitor_params(request: wire.JsonMessage) -> tuple[str, dict[str, Any]]:
        op = request.body.get("OPMonitor")
        if not isinstance(op, dict):
            return "", {}
        param = op.get("Parameter")
        return str(op.get("Action", "")), param if isinstance(param, dict) else {}

    async def _monitor_claim(self, conn: Conn, request: wire.JsonMessage) -> None:
        # 1413 is a claim whatever its Action says (alexshpilkin/dvrip sends "Start").
        _action, param = self._monitor_params(request)
        channel = param.get("Channel", 0)
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPMonitor")
            return
        if channel in self.offline_channels:
            self._ret(conn, request, NO_CAMERA, "OPMonitor")
            return
        conn.claims[channel] = str(param.get("StreamType", "Main"))
        self._ret(conn, request, wire.Ret.OK, "OPMonitor")

    async def _monitor(self, conn: Conn, request: wire.JsonMessage) -> None:
        action, param = self._monitor_params(request)
        channel = param.get("Channel", 0)
        if not isinstance(channel, int) or not 0 <= channel < self.channels:
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPMonitor")
            return
        target = conn
        if channel not in conn.claims:
            # Start on the control socket: media goes to the socket that claimed it.
            for other in self._conns.values():
                if other.session == conn.session and channel in other.claims:
                    target = other
                    break
        stream = str(param.get("StreamType", target.claims.get(channel, "Main")))
        if action == "Start":
            if channel not in target.streams:
                self.streams_started += 1
                target.streams[channel] = self.spawn(self._stream(target, channel, stream))
        elif action == "Stop":
            task = target.streams.pop(channel, None)
            if task is not None:
                task.cancel()
        if target is not conn:
            self._ret(conn, request, wire.Ret.OK, "OPMonitor")

    async def _stream(self, conn: Conn, channel: int, stream: str) -> None:
        """Send live H.264/H.265 + G.711A as 1412 packets, in real time."""
        session = conn.session or 0
        tone = alaw_encode(tone_pcm(tone_hz(channel), 1.0, amplitude=0.3))
        audio_offset = 0
        start = time.monotonic()
        sent_seconds = 0.0
        try:
            while True:
                fmt_name = "ExtraFormat" if stream.startswith("Extra") else "MainFormat"
                fmt = self.config["Simplify"]["Encode"][channel][fmt_name]
                width, height = self._size(channel, stream)
                fps = int(fmt["Video"]["FPS"])
                codec = "hevc" if fmt["Video"]["Compression"] == "H.265" else "h264"
                units = await asyncio.to_thread(video_cycle, width, height, fps, codec)
                # One GOP per pass, so a new resolution takes effect at the next key frame.
                first = True
                for unit in units:
                    if not first and unit.keyframe:
                        break
                    first = False
                    frame = encode_video_frame(
                        "h265" if codec == "hevc" else "h264",
                        unit.data,
                        keyframe=unit.keyframe,
                        width=width,
                        height=height,
                        fps=fps,
                        when=self._now(),
                    )
                    await self._send_media(conn, session, channel, frame, brace=unit.keyframe)
                    if fmt.get("AudioEnable"):
                        samples = 8000 // fps
                        while audio_offset + samples > len(tone):
                            audio_offset = 0
                        chunk = tone[audio_offset : audio_offset + samples]
                        audio_offset += samples
                        await self._send_media(
                            conn, session, channel, encode_audio_frame(chunk), brace=False
                        )
                    sent_seconds += 1.0 / fps
                    delay = start + sent_seconds - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await self.wait_unstalled()
        except (ConnectionError, OSError) as err:
            _LOGGER.debug("dvrip: stream on connection %s ended: %s", conn.id, err)
        finally:
            conn.streams.pop(channel, None)

    async def _send_media(
        self, conn: Conn, session: int, channel: int, frame: bytes, *, brace: bool
    ) -> None:
        """Split one frame into 1412 packets; for key frames let one packet start with '{'."""
        cuts: list[int] = []
        offset = 0
        if brace:
            position = frame.find(b"{", 64, MEDIA_PACKET)
            if position > 0:
                cuts.append(position)
                offset = position
        while offset + MEDIA_PACKET < len(frame):
            offset += MEDIA_PACKET
            cuts.append(offset)
        bounds = [0, *cuts, len(frame)]
        for low, high in itertools.pairwise(bounds):
            conn.send(
                wire.encode_packet(
                    MsgId.MONITOR_DATA,
                    frame[low:high],
                    session=session,
                    sequence=conn.next_sequence(),
                    version=wire.DEVICE_VERSION,
                    total=channel,
                )
            )
        try:
            await asyncio.wait_for(conn.writer.drain(), 10)
        except TimeoutError:
            conn.abort()
            raise ConnectionError("client stopped reading") from None

    # --- talk ------------------------------------------------------------------------------------

    async def _talk_claim(self, conn: Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPTalk")
        action = op.get("Action") if isinstance(op, dict) else None
        if action == "Stop":  # some clients stop on 1434
            self._talk_stop(conn)
            self._ret(conn, request, wire.Ret.OK, "OPTalk")
            return
        if self._talker is not None and self._talker is not conn:
            self._ret(conn, request, wire.Ret.TALK_ALREADY_OPEN, "OPTalk")
            return
        fmt = op.get("AudioFormat", {}) if isinstance(op, dict) else {}
        encode_type = fmt.get("EncodeType", "G711_ALAW") if isinstance(fmt, dict) else None
        if encode_type != "G711_ALAW":
            self._ret(conn, request, wire.Ret.ILLEGAL_REQUEST, "OPTalk")
            return
        self._talker = conn
        conn.talk_claimed = True
        self._ret(conn, request, wire.Ret.OK, "OPTalk")

    async def _talk(self, conn: Conn, request: wire.JsonMessage) -> None:
        op = request.body.get("OPTalk")
        action = op.get("Action") if isinstance(op, dict) else None
        if action == "Start":
            if self._talker is not None and self._talker is not conn:
                self._ret(conn, request, wire.Ret.TALK_ALREADY_OPEN, "OPTalk")
                return
            self._talker = conn
            if not conn.talking:
                conn.talking = True
                self.talk_sessions += 1
        elif action == "Stop":
            self._talk_stop(conn)

    def _talk_stop(self, conn: Conn) -> None:
        conn.talking = False
        conn.talk_claimed = False
        if self._talker is conn:
            self._talker = None

    def _talk_data(self, conn: Conn, message: wire.BinaryMessage) -> None:
        if not conn.talking:
            return
        for frame in conn.talk_demuxer.feed(message.payload):
            if frame.kind == "audio" and frame.codec == "g711a":
                self.record_talk(alaw_decode(frame.data))
