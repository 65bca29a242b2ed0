"""RFC 6184 depacketisation: single NAL, STAP-A, FU-A, loss handling, parameter sets.

Packets come from the simulator's packetiser (the camera's side).
"""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.grandstream.h264 import H264Depacketizer, annexb
from custom_components.ipcam.protocols.grandstream.rtp import RtpPacket
from simulator.grandstream.media_wire import packetize, split_annexb, stap_a
from simulator.media import video_cycle

SPS = bytes.fromhex("6742e01eda02c0f440")
PPS = bytes.fromhex("68ce30a480")
IDR = bytes([0x65]) + bytes(range(256)) * 13  # 3329 bytes: four FU-A fragments at 1 KB
SLICE = bytes([0x41]) + b"\x11" * 500


def _packets(
    units: list[bytes], max_payload: int = 1024, seq: int = 100, ts: int = 3600
) -> list[RtpPacket]:
    packets = []
    for unit in units:
        payloads = packetize(unit, max_payload)
        for i, payload in enumerate(payloads):
            packets.append(RtpPacket(96, i == len(payloads) - 1, seq & 0xFFFF, ts, 1, payload))
            seq += 1
        ts += 3600
    return packets


def _run(depacketizer: H264Depacketizer, packets: list[RtpPacket]) -> list[tuple[bytes, bool]]:
    out = []
    for packet in packets:
        out.extend((unit.data, unit.keyframe) for unit in depacketizer.push(packet))
    return out


@pytest.mark.parametrize("fragment", [1024, 1425, 100, 7])
def test_round_trip_real_video_at_any_fragment_size(fragment: int) -> None:
    cycle = video_cycle(160, 96, 25, "h264", count=10, gop=5)
    depacketizer = H264Depacketizer()
    out = _run(depacketizer, _packets([u.data for u in cycle], fragment))
    assert [data for data, _ in out] == [annexb(split_annexb(u.data)) for u in cycle]
    assert [key for _, key in out] == [u.keyframe for u in cycle]
    assert depacketizer.dropped == 0


def test_sprop_parameter_sets_prepended_to_every_idr() -> None:
    depacketizer = H264Depacketizer([SPS, PPS])
    out = _run(depacketizer, _packets([annexb([IDR]), annexb([SLICE]), annexb([IDR])]))
    assert out[0] == (annexb([SPS, PPS, IDR]), True)
    assert out[1] == (annexb([SLICE]), False)
    assert out[2] == (annexb([SPS, PPS, IDR]), True)
    # In-band parameter sets are not duplicated.
    out = _run(H264Depacketizer([SPS, PPS]), _packets([annexb([SPS, PPS, IDR])]))
    assert out == [(annexb([SPS, PPS, IDR]), True)]


def test_in_band_parameter_sets_are_remembered() -> None:
    depacketizer = H264Depacketizer()
    out = _run(depacketizer, _packets([annexb([SPS, PPS, IDR]), annexb([IDR])]))
    assert out[1] == (annexb([SPS, PPS, IDR]), True)
    assert depacketizer.parameter_sets == (SPS, PPS)


def test_stap_a() -> None:
    payload = stap_a([SPS, PPS])
    assert payload[0] & 0x1F == 24
    packets = [
        RtpPacket(96, False, 1, 3600, 1, payload),
        *[
            RtpPacket(96, p is packetize(annexb([IDR]))[-1], 2 + i, 3600, 1, p)
            for i, p in enumerate(packetize(annexb([IDR])))
        ],
    ]
    packets[-1] = RtpPacket(96, True, packets[-1].sequence, 3600, 1, packets[-1].payload)
    out = _run(H264Depacketizer(), packets)
    assert out == [(annexb([SPS, PPS, IDR]), True)]


def test_truncated_stap_a_damages_the_unit() -> None:
    bad = stap_a([SPS, PPS])[:-2]
    depacketizer = H264Depacketizer()
    assert _run(depacketizer, [RtpPacket(96, True, 1, 0, 1, bad)]) == []
    assert depacketizer.dropped == 1


def test_lost_fu_a_fragment_drops_only_that_unit() -> None:
    packets = _packets([annexb([IDR]), annexb([SLICE]), annexb([SLICE + b"\x22"])])
    assert len(packets) == 6  # 4 fragments + 2 single NAL units
    depacketizer = H264Depacketizer([SPS, PPS])
    out = _run(depacketizer, packets[:2] + packets[3:])  # lose the third fragment
    assert out == [(annexb([SLICE]), False), (annexb([SLICE + b"\x22"]), False)]
    assert depacketizer.dropped == 1
    assert depacketizer.lost_packets == 1


def test_lost_first_fragment_drops_the_unit() -> None:
    packets = _packets([annexb([SLICE]), annexb([IDR]), annexb([SLICE])])
    depacketizer = H264Depacketizer()
    out = _run(depacketizer, [packets[0], *packets[2:]])
    assert out == [(annexb([SLICE]), False), (annexb([SLICE]), False)]


def test_lost_marker_packet_drops_units_on_both_sides() -> None:
    # The last fragment (with the marker) is lost: the next unit starts after a gap,
    # so it may have lost its own start too; both are dropped, the third survives.
    packets = _packets([annexb([IDR]), annexb([SLICE]), annexb([SLICE])])
    depacketizer = H264Depacketizer()
    out = _run(depacketizer, packets[:3] + packets[4:])
    assert out == [(annexb([SLICE]), False)]
    assert depacketizer.dropped == 2


def test_timestamp_change_without_marker_ends_a_unit() -> None:
    packets = [
        RtpPacket(96, False, 1, 3600, 1, SLICE),
        RtpPacket(96, False, 2, 7200, 1, SLICE),
        RtpPacket(96, True, 3, 7200, 1, SLICE),
    ]
    out = _run(H264Depacketizer(), packets)
    assert out == [(annexb([SLICE]), False), (annexb([SLICE, SLICE]), False)]


def test_duplicate_and_reordered_packets_are_ignored() -> None:
    packets = _packets([annexb([SLICE]), annexb([SLICE])])
    out = _run(H264Depacketizer(), [packets[0], packets[0], packets[1]])
    assert len(out) == 2


def test_continuation_without_start_is_dropped() -> None:
    middle = packetize(annexb([IDR]))[1]
    depacketizer = H264Depacketizer()
    assert _run(depacketizer, [RtpPacket(96, True, 5, 0, 1, middle)]) == []
    assert depacketizer.dropped == 1


def test_unit_size_is_bounded() -> None:
    depacketizer = H264Depacketizer(max_unit=2000)
    assert _run(depacketizer, _packets([annexb([IDR])])) == []
    assert depacketizer.dropped == 1
    # and it recovers
    assert _run(depacketizer, _packets([annexb([SLICE])], seq=200)) == []  # gap: dropped
    assert _run(depacketizer, _packets([annexb([SLICE])], seq=201)) == [(annexb([SLICE]), False)]


def test_forbidden_packet_types_damage_the_unit() -> None:
    depacketizer = H264Depacketizer()
    fu_b = bytes([0x7D, 0x85, 0, 1]) + b"x"
    assert _run(depacketizer, [RtpPacket(96, True, 1, 0, 1, fu_b)]) == []
    assert depacketizer.dropped == 1
