"""The I/O and pan/tilt state an IPCamCGI camera reports, and how to read it safely.

Each MJPEG part carries ``Date: <time> IO_xxxxxxxx_PT_ppp_ttt``. The document
numbers the eight I/O digits "1st Trigger1, 2nd Trigger2, 3rd Image Upload,
4th Image Email, 5th-8th reserved"; D-Link's viewer applet (JPLUG) reads them
the other way round (digit 8 Trigger1 ... digit 5 ImageEmail) and takes digits
1-2 for the alarm inputs. Which one a camera uses is unconfirmed
(``docs/protocols/cgi.md``, "The I/O digits"), and reading a document camera the
JPLUG way reports the alarm output as input 1.

So ``IoTracker`` reads the document's order until the camera proves another:
it compares the digits with what ``iocontrol.cgi`` says about the outputs (and
inputs, when the camera adds ``Input1``/``Input2``), counting only frames the
camera made between two equal ``iocontrol.cgi`` reads, and adopts the one order
that agrees. Inputs come from the digits only under a proven (or configured)
JPLUG order. Time is always an argument; nothing here does I/O or reads a clock.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import re
from collections.abc import Callable
from typing import Final

from ..base import CameraEvent, EventKind
from ..errors import InvalidValue, ProtocolError
from .groups import IoStatus

MAX_DATE_HEADER: Final = 256
# A part received this long after a request or an iocontrol.cgi read was made after it
# (what can be in flight in a running stream is less than this).
SETTLE_SECONDS: Final = 0.5
# Two equal iocontrol.cgi reads at most this far apart vouch for the frames between them.
BRACKET_SECONDS: Final = 5.0
# A running stream's latest part stands for the current state this long.
FRESH_SECONDS: Final = 3.0

_DATE_STATE = re.compile(r"IO_([01]{8})_PT_([0-9]{3})_([0-9]{3})")


class IoOrder(enum.StrEnum):
    """How the eight ``IO_`` digits are numbered.

    ``DOCUMENT``: digits 1-4 from the left are Trigger1, Trigger2, ImageUpload,
    ImageEmail; 5-8 reserved; no inputs. ``JPLUG``: digit 8 (rightmost)
    Trigger1, 7 Trigger2, 6 ImageUpload, 5 ImageEmail, 1 and 2 the alarm inputs.
    """

    DOCUMENT = "document"
    JPLUG = "jplug"


@dataclasses.dataclass(frozen=True, slots=True)
class IoFlags:
    """Decoded I/O digits (inputs are None when the order has none)."""

    trigger1: bool = False
    trigger2: bool = False
    image_upload: bool = False
    image_email: bool = False
    input1: bool | None = None
    input2: bool | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class MjpegState:
    """The state a MJPEG part's ``Date:`` header carries."""

    time: str  # as the camera wrote it ("2008-10-01 15:37:53" or "03-28-2025 12:32:19 AM")
    io: str  # the eight digits, as sent
    pan: int
    tilt: int

    def flags(self, order: IoOrder = IoOrder.DOCUMENT) -> IoFlags:
        return decode_io(self.io, order)


def parse_date_header(value: str) -> MjpegState:
    """Parse ``[Date:] <time> IO_xxxxxxxx_PT_ppp_ttt`` with a regex (not fixed offsets)."""
    text = value.strip()
    if text[:5].lower() == "date:":
        text = text[5:].strip()
    if len(text) > MAX_DATE_HEADER:
        raise ProtocolError("Date header too long")
    match = _DATE_STATE.search(text)
    if match is None:
        raise ProtocolError(f"no IO_..._PT_... state in Date header {text[:60]!r}")
    return MjpegState(
        time=text[: match.start()].strip(),
        io=match.group(1),
        pan=int(match.group(2)),
        tilt=int(match.group(3)),
    )


def decode_io(digits: str, order: IoOrder = IoOrder.DOCUMENT) -> IoFlags:
    """Decode eight ``0``/``1`` digits in the given order."""
    if not re.fullmatch(r"[01]{8}", digits):
        raise ProtocolError(f"bad IO digits {digits!r}")
    bits = [c == "1" for c in digits]
    if order is IoOrder.DOCUMENT:
        return IoFlags(bits[0], bits[1], bits[2], bits[3])
    return IoFlags(bits[7], bits[6], bits[5], bits[4], bits[0], bits[1])


def _levels(status: IoStatus) -> tuple[int, int, int, int, int | None, int | None]:
    return (
        status.trigger1,
        status.trigger2,
        status.image_upload,
        status.image_email,
        status.input1,
        status.input2,
    )


def matching_orders(status: IoStatus, digits: str) -> set[IoOrder]:
    """The orders under which ``digits`` say what ``status`` says (reserved digits aside)."""
    found = set()
    for order in IoOrder:
        flags = decode_io(digits, order)
        outputs = (flags.trigger1, flags.trigger2, flags.image_upload, flags.image_email)
        if outputs != tuple(bool(v) for v in _levels(status)[:4]):
            continue
        inputs = ((flags.input1, status.input1), (flags.input2, status.input2))
        if any(
            seen is not None and told is not None and seen != bool(told) for seen, told in inputs
        ):
            continue
        found.add(order)
    return found


def judge(status: IoStatus, digits: str) -> IoOrder | None:
    """The one order under which ``digits`` agree with ``status``, or None when both or
    neither do (all zero says nothing; a state that changed in between says nothing)."""
    found = matching_orders(status, digits)
    return found.pop() if len(found) == 1 else None


@dataclasses.dataclass(slots=True)  # not frozen: made for every picture (see VideoFrame)
class _Part:
    state: MjpegState
    received_at: float
    made_after: float  # the camera made the part no earlier than this


class IoTracker:
    """What the client knows of the camera's I/O and how it reads the ``Date:`` digits.

    Feed it every ``iocontrol.cgi`` read (``note_status``) and every streamed
    part's state (``note_part``), with the monotonic time they arrived.
    """

    def __init__(self, forced: IoOrder | None = None) -> None:
        self.forced = forced
        self.proven: IoOrder | None = None
        self.conflict = False  # the camera agreed with both orders at different times
        self.evidence: dict[IoOrder, int] = dict.fromkeys(IoOrder, 0)
        self.status: IoStatus | None = None
        self._status_at = -math.inf
        self.outputs = False  # iocontrol.cgi answers: Trigger1/2 are there
        self.inputs_in_status = False  # ... with Input1/Input2 (not in the document)
        self._latest: _Part | None = None
        self._candidate: _Part | None = None  # made after the last status read
        self._streams = 0  # streams running now
        # Called when a streamed part's digits differ from the part before (events() waits).
        self.digit_listeners: list[Callable[[], None]] = []

    @classmethod
    def from_option(cls, io_order: IoOrder | str) -> IoTracker:
        """A tracker for the client option: ``"auto"`` (learn), ``"document"``, ``"jplug"``."""
        if io_order == "auto":
            return cls()
        try:
            return cls(forced=IoOrder(io_order))
        except ValueError:
            raise InvalidValue(f"io_order {io_order!r} is not auto, document or jplug") from None

    @property
    def order(self) -> IoOrder:
        """The order the digits are read in now (the document's until proven otherwise)."""
        return self.forced or self.proven or IoOrder.DOCUMENT

    @property
    def decided(self) -> bool:
        """Nothing more to learn: the order is configured, proven, or unknowable."""
        return self.forced is not None or self.proven is not None or self.conflict

    def note_iocontrol(self, status: IoStatus | None) -> None:
        """What ``iocontrol.cgi`` offers, from its first answer at connect (None: nothing)."""
        self.outputs = status is not None
        self.inputs_in_status = status is not None and status.input1 is not None

    @property
    def must_learn(self) -> bool:
        """Only the ``Date:`` digits could tell the inputs, and their order is not known."""
        return self.outputs and not self.inputs_in_status and not self.decided

    @property
    def has_inputs(self) -> bool:
        """The inputs can be read (from ``iocontrol.cgi`` or from proven digits)."""
        return self.inputs_in_status or self.inputs_from_stream

    @property
    def inputs_from_stream(self) -> bool:
        """The digits carry inputs that cannot be mistaken for outputs."""
        return (self.forced or self.proven) is IoOrder.JPLUG

    @property
    def latest(self) -> MjpegState | None:
        return self._latest.state if self._latest else None

    def note_stream(self, running: bool) -> None:
        """A stream started (True) or ended (False); only a running one stands for now."""
        self._streams = max(0, self._streams + (1 if running else -1))

    def note_part(self, state: MjpegState, now: float, opened_at: float) -> None:
        """A streamed part's state, received at ``now`` on a request made at ``opened_at``."""
        part = _Part(state, now, max(opened_at, now - SETTLE_SECONDS))
        previous, self._latest = self._latest, part
        if previous is None or previous.state.io != state.io:
            for listener in self.digit_listeners:
                listener()
        if part.made_after >= self._status_at:
            self._candidate = part

    def note_status(self, status: IoStatus, now: float) -> None:
        """An ``iocontrol.cgi`` read received at ``now``; judges the part made since the
        previous read when both reads agree and are close enough."""
        candidate = self._candidate
        if (
            candidate is not None
            and self.status is not None
            and _levels(status) == _levels(self.status)
            and now - self._status_at <= BRACKET_SECONDS
        ):
            self._learn(judge(status, candidate.state.io))
        self.status, self._status_at, self._candidate = status, now, None

    def _learn(self, order: IoOrder | None) -> None:
        if order is None:
            return
        self.evidence[order] += 1
        if self.forced is not None or self.conflict:
            return
        if self.proven is None:
            self.proven = order
        elif self.proven is not order:
            self.proven, self.conflict = None, True

    def fresh(self, now: float, not_before: float = -math.inf) -> MjpegState | None:
        """The latest streamed state while a stream runs, if it is recent and was made
        after ``not_before``."""
        part = self._latest
        if part is None or not self._streams:
            return None
        if now - part.received_at > FRESH_SECONDS or part.made_after < not_before:
            return None
        return part.state

    def flags(self, state: MjpegState) -> IoFlags:
        """``state``'s digits in the current order."""
        return decode_io(state.io, self.order)

    def inputs(self, state: MjpegState) -> tuple[bool | None, bool | None]:
        """The inputs in ``state``, or (None, None) unless they are known to be there."""
        if not self.inputs_from_stream:
            return None, None
        flags = decode_io(state.io, IoOrder.JPLUG)
        return flags.input1, flags.input2

    def diagnostics(self) -> dict[str, object]:
        latest = self.latest
        return {
            "inputs_in_iocontrol": self.inputs_in_status,
            "io_order": self.order.value,
            "io_order_forced": self.forced is not None,
            "io_order_proven": self.proven.value if self.proven else None,
            "io_order_conflict": self.conflict,
            "io_evidence": {order.value: count for order, count in self.evidence.items()},
            "last_io_state": dataclasses.asdict(latest) if latest else None,
        }


class InputWatch:
    """Polled input levels as events: each known input once, then every change."""

    def __init__(self) -> None:
        self._known: dict[int, bool] = {}

    def update(self, inputs: tuple[bool | None, bool | None]) -> list[CameraEvent]:
        events = []
        for channel, value in enumerate(inputs, start=1):
            if value is None or self._known.get(channel) is value:
                continue
            self._known[channel] = value
            events.append(CameraEvent(EventKind.INPUT, value, channel, raw=f"Input{channel}"))
        return events
