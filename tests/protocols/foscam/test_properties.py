"""Property tests: random and mutated-valid input raises nothing but ``CameraError``s.

Skipped where ``hypothesis`` is not installed; the seeded fuzz tests beside each
module's own tests cover the same ground without it.
"""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import CameraError
from custom_components.ipcam.protocols.foscam import av, search
from custom_components.ipcam.protocols.foscam import operation as op
from custom_components.ipcam.protocols.foscam.av_session import AvSession
from custom_components.ipcam.protocols.foscam.decoder import (
    MessageDecoder,
    decode_datagram,
    decode_message,
)
from custom_components.ipcam.protocols.foscam.framing import MAGICS, PacketDecoder
from custom_components.ipcam.protocols.foscam.session import OperationSession
from simulator.foscam import wire as sw

hypothesis = pytest.importorskip("hypothesis")
st = pytest.importorskip("hypothesis.strategies")
given, settings = hypothesis.given, hypothesis.settings

CAMERA = [
    op.LoginResp(0, "00626E4E72BF", op.PROTOCOL_VERSION, 0, "11.37.2.56"),
    op.VerifyResp(0, 2),
    op.VideoStartResp(0, 5),
    op.ParamsFetchResp(),
    op.ParamsChangedNotify(0, 8),
    op.AlarmNotify(1, (0, 0, 100, 100)),
    op.OtherDevicesNotify(),
    op.KeepAlive(),
    av.VideoData(1, 2, b"\xff\xd8\xff\xd9"),
    av.AudioData(4, 5, 6, bytes(160)),
    search.SearchResp("00626E4E72BF"),
]


def mutated(raw: bytes, data: object) -> bytes:
    draw = data.draw  # type: ignore[attr-defined]
    out = bytearray(raw)
    for _ in range(draw(st.integers(1, 4))):
        out[draw(st.integers(0, len(out) - 1))] = draw(st.integers(0, 255))
    return bytes(out)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.binary(max_size=300), max_size=10), st.sampled_from(MAGICS))
def test_packet_decoder(chunks: list[bytes], magic: bytes) -> None:
    decoder = PacketDecoder(MAGICS)
    for chunk in chunks:
        try:
            decoder.feed(magic + chunk)
        except CameraError:
            decoder = PacketDecoder(MAGICS)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CAMERA), st.data())
def test_message_decoders(message: object, data: object) -> None:
    raw = mutated(sw.encode(message), data)  # type: ignore[arg-type]
    try:
        decode_datagram(raw)
    except CameraError:
        pass
    try:
        MessageDecoder(b"MO_V" if raw[:4] == b"MO_V" else b"MO_O").feed(raw)
    except CameraError:
        pass
    try:
        search.SearchDecoder().feed(raw)
    except CameraError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 0xFFFF), st.binary(max_size=1300), st.sampled_from(MAGICS))
def test_any_text(opcode: int, text: bytes, magic: bytes) -> None:
    try:
        decode_message(magic, opcode, text)
    except CameraError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(CAMERA[:8]), max_size=6), st.data(), st.floats(0, 100))
def test_operation_session(messages: list[object], data: object, now: float) -> None:
    session = OperationSession("admin", "pw")
    session.start(0.0)
    stream = b"".join(sw.encode(m) for m in messages)  # type: ignore[arg-type]
    try:
        session.receive_data(mutated(stream, data) if stream else b"x")
        session.handle_timer(now)
    except CameraError:
        pass


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(CAMERA[8:10]), min_size=1, max_size=4), st.data())
def test_av_session(messages: list[object], data: object) -> None:
    session = AvSession(1)
    session.start(0.0)
    try:
        session.receive_data(mutated(b"".join(sw.encode(m) for m in messages), data))  # type: ignore[arg-type]
        session.handle_timer(50.0)
    except CameraError:
        pass
