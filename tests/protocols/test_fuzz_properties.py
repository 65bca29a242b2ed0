"""The fuzz campaign in miniature: every target of ``fuzz_targets`` as a hypothesis property.

One property per family (shared codecs, Foscam, IPCamCGI, Grandstream, DVRIP): each
example picks one of the family's targets and gives it random bytes or one of its
seeds mutated, cut into reads and, for a session, spread over time. Nothing but a
``CameraError`` may come out, buffers stay under their bounds (``Unbounded``),
session timers never spin (``Spinning``) and codecs keep their output contracts
(``Broken``). Derandomized, so every run sees the same inputs.

The Foscam, Grandstream and DVRIP families already have properties for "only
CameraErrors" (``foscam/test_properties.py``, ``grandstream/test_hostile_input.py``,
``dvrip/test_properties.py``); here they get what those do not check: the payload
fed again and again (tempo >= 128) against the decoders' bounds, and long clock steps
against the sessions' timers.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .fuzz_targets import FOUND, HEADER, TARGETS, Target, families, run_target

# Examples per family, and the smallest tempo drawn (128: decoders fed 2..17 times).
FAMILIES: dict[str, tuple[int, int]] = {
    "shared": (120, 0),
    "foscam": (120, 128),
    "cgi": (250, 0),
    "grandstream": (120, 128),
    "dvrip": (120, 128),
}
MAX_PAYLOAD = 700


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    """A seed with a few bytes replaced, removed, inserted or duplicated, or cut short."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(("replace", "delete", "insert", "repeat", "cut")))
        if action == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 256))]
        else:
            del data[at:]
    return bytes(data)


@st.composite
def fuzz_input(draw: st.DrawFn, target: Target, min_tempo: int) -> bytes:
    control = draw(st.sampled_from((0, 1, 2, 7, 64, 200)) | st.integers(0, 255))
    tempo = draw(st.integers(min_tempo, 255))
    payload = draw(st.binary(max_size=MAX_PAYLOAD) | mutated(target.seeds()))
    return bytes((control, tempo)) + payload


@pytest.mark.parametrize("family", [name for name in FAMILIES if name in families()])
def test_family_raises_only_camera_errors_and_stays_bounded(family: str) -> None:
    examples, min_tempo = FAMILIES[family]
    members = families()[family]

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        item = data.draw(st.sampled_from(members), label="target")
        run_target(item.name, data.draw(fuzz_input(item, min_tempo), label="input"))

    prop()


def test_every_target_has_a_family_property() -> None:
    assert set(families()) <= set(FAMILIES)
    assert all(len(item.seeds()) > 0 for item in TARGETS.values())


def test_seeds_are_valid_inputs() -> None:
    """Each seed, whole, byte by byte and in TCP-sized reads, runs clean."""
    for item in TARGETS.values():
        for data in item.seed_inputs():
            run_target(item.name, data)


@pytest.mark.parametrize(
    ("name", "data"), FOUND, ids=[f"{n}-{i}" for i, (n, _) in enumerate(FOUND)]
)
def test_inputs_the_campaign_found(name: str, data: bytes) -> None:
    """Every failing input the campaign found replays clean (the fixes hold)."""
    assert len(data) >= HEADER
    run_target(name, data)
