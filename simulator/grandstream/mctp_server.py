"""The camera side of one MCTP connection: heartbeat, alarm subscription, keep-alive, talk."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from custom_components.ipcam.protocols.audio.g711 import ulaw_decode
from custom_components.ipcam.protocols.grandstream import MAX_CHANNEL, mctp

from .mctp_wire import TalkReader, heartbeat_reply, keepalive_reply, talk_reply

if TYPE_CHECKING:
    from .camera import GrandstreamCamera


class MctpConnection:
    """The camera side of one MCTP connection (heartbeat, alarms or talk)."""

    def __init__(
        self, camera: GrandstreamCamera, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.camera = camera
        self.reader = reader
        self.writer = writer
        self.session_id: str | None = None
        self.alarm_channel: int | None = None

    def send(self, data: bytes) -> None:
        if not self.writer.is_closing():
            self.writer.write(data)

    async def run(self, first: bytes) -> None:
        camera = self.camera
        camera.mctp_connections.add(self)
        parser = mctp.MctpParser()
        messages = parser.feed(first)
        last_heard = time.monotonic()
        try:
            while True:
                for message in messages:
                    await camera.wait_unstalled()
                    if message.verb == "TALK":
                        await self.talk(parser.take_remaining())
                        return
                    self.handle(message)
                    await asyncio.wait_for(self.writer.drain(), 10.0)
                remaining = camera.mctp_timeout - (time.monotonic() - last_heard)
                wait = min(remaining, 0.3) if parser.pending else remaining
                if remaining <= 0:
                    raise TimeoutError
                try:
                    data = await asyncio.wait_for(self.reader.read(4096), max(0.01, wait))
                except TimeoutError:
                    if time.monotonic() - last_heard >= camera.mctp_timeout:
                        raise
                    flushed = parser.flush()
                    messages = [flushed] if flushed is not None else []
                    continue
                if not data:
                    return
                last_heard = time.monotonic()
                messages = parser.feed(data)
        except TimeoutError:
            # No heartbeat for 10 s: drop this connection and its RTSP session's.
            camera.mctp_timeouts += 1
            session = camera.sessions.get(self.session_id or "")
            if session is not None:
                session.abort()
        finally:
            camera.mctp_connections.discard(self)

    def handle(self, message: mctp.MctpMessage) -> None:
        camera = self.camera
        if message.verb != "ALIVE":
            return
        fields = message.fields
        if not fields:
            camera.keepalives += 1
            self.send(keepalive_reply())
            return
        session = fields[0]
        channel_text = fields[1] if len(fields) > 1 else ""
        try:
            channel = int(channel_text)
        except ValueError:
            self.send(heartbeat_reply(session, 0, False))
            return
        ok = -1 <= channel <= MAX_CHANNEL
        if ok and session.upper() == mctp.ALARM_SESSION:
            ok = channel >= 0 or camera.alarm_all_channels
            if ok:
                self.alarm_channel = channel
        elif ok and channel >= 0 and session in camera.sessions:
            self.session_id = session
            camera.heartbeats += 1
        else:
            ok = False
        self.send(heartbeat_reply(session, channel, ok))

    async def talk(self, pending: bytes) -> None:
        camera = self.camera
        if camera.talking:
            self.send(talk_reply(False))
            await asyncio.wait_for(self.writer.drain(), 10.0)
            return  # and the camera closes the connection
        camera.talking = True
        camera.talk_sessions += 1
        try:
            self.send(talk_reply(True))
            await asyncio.wait_for(self.writer.drain(), 10.0)
            talk = TalkReader()
            data = pending
            while True:
                for ulaw in talk.feed(data):
                    camera.record_talk(ulaw_decode(ulaw))
                data = await asyncio.wait_for(self.reader.read(4096), camera.mctp_timeout)
                if not data:
                    return
        finally:
            camera.talking = False
