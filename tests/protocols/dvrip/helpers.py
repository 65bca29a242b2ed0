"""What a DVRIP camera sends, for driving the sans-I/O code in tests (camera side)."""

from __future__ import annotations

from typing import Any

from custom_components.ipcam.protocols.dvrip import wire
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from custom_components.ipcam.protocols.dvrip.session import DvripSession, Event
from simulator.dvrip.frames import encode_audio_frame, encode_video_frame

SESSION = 0x1F
SESSION_HEX = "0x0000001F"
IDR = b"\x00\x00\x00\x01\x67\x42\x00\x1e\x00\x00\x00\x01\x68\xce\x00\x00\x01\x65" + bytes(300)
P_FRAME = b"\x00\x00\x00\x01\x41\x9a" + b"{" + bytes(200)


def reply(msg_id: int, body: dict[str, Any], *, session: int = SESSION, sequence: int = 0) -> bytes:
    """A device packet (version 1, ``\\n\\0``-terminated JSON)."""
    return wire.encode_json(msg_id, body, session=session, sequence=sequence, version=1)


def login_reply(ret: int = 100, **extra: Any) -> bytes:
    body = {
        "AliveInterval": 20,
        "ChannelNum": 1,
        "DeviceType ": "IPC",
        "ExtraChannel": 0,
        "Ret": ret,
        "SessionID": SESSION_HEX,
        **extra,
    }
    return reply(MsgId.LOGIN_REPLY, body, session=SESSION if ret == 100 else 0)


def ret_reply(msg_id: int, ret: int = 100, **extra: Any) -> bytes:
    return reply(msg_id, {"Name": "", "Ret": ret, "SessionID": SESSION_HEX, **extra})


def media_packets(data: bytes, size: int = 1000, msg_id: int = MsgId.MONITOR_DATA) -> bytes:
    """``data`` (a media byte stream) cut into packets of ``size`` bytes."""
    return b"".join(
        wire.encode_packet(msg_id, data[i : i + size], session=SESSION, version=1)
        for i in range(0, len(data), size)
    )


def gop(audio: bool = True) -> bytes:
    """An I-frame, two P-frames, and G.711 audio between them (640x480, 25 fps)."""
    parts = [encode_video_frame("h264", IDR, keyframe=True, width=640, height=480, fps=25)]
    for _ in range(2):
        if audio:
            parts.append(encode_audio_frame(bytes([0xD5]) * 320))
        parts.append(encode_video_frame("h264", P_FRAME, keyframe=False))
    return b"".join(parts)


def sent(session: DvripSession) -> list[wire.Message]:
    """What the session wants written, as the camera reads it."""
    return wire.PacketDecoder().feed(session.data_to_send())


def events(session: DvripSession) -> list[Event]:
    out: list[Event] = []
    while (event := session.next_event()) is not None:
        out.append(event)
    return out


def logged_in(
    *, timeout: float = 10.0, media: Any = None, alive: int = 20, at: float = 0.0
) -> DvripSession:
    """A session that has logged in at time ``at`` (what it sent is taken)."""
    session = DvripSession("admin", "pw", timeout, media)
    session.start(at)
    session.data_to_send()
    session.receive_data(login_reply(AliveInterval=alive))
    events(session)
    return session
