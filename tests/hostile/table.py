"""The shape of a family's case table: how a case makes its peer hostile, and what it expects.

A ``Case`` names one peer behaviour for one operation; its ``peer`` says how the
hostility is arranged:

- ``FromFirstByte``: a hostile server, no simulator; the client talks to it directly.
- ``AfterMarker``: a proxy to the real simulator that lets the login (and whatever comes
  before ``marker`` in the client's bytes) through, then turns hostile; ``pass_through``
  may forward the start of the simulator's answer first (a valid reply, then nonsense).
- ``AfterConnect``: the proxy turns hostile once ``connect()`` has logged in.
- ``AfterEvent``: the proxy turns hostile once ``events()`` delivered a first alarm.
- ``Fault``: no proxy: a fault injected into the real simulator (drop, stall, refuse);
  the operation must end with ``CannotConnect`` and work again after ``connect()``.

A case that does not apply to a family is absent from its table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from custom_components.ipcam.protocols.base import CameraClient

from .behaviours import GUARD, Behaviour

OPERATIONS = ("connect", "snapshot", "video", "events", "talk")


@dataclass(frozen=True)
class FromFirstByte:
    behaviour: Behaviour
    # Wait for the client's request (up to these bytes; b"": any first bytes) before it.
    wait_request: bytes | None = b""


@dataclass(frozen=True)
class AfterMarker:
    behaviour: Behaviour
    marker: bytes
    pass_through: Callable[[bytes], int | None] | None = None


@dataclass(frozen=True)
class AfterConnect:
    behaviour: Behaviour


@dataclass(frozen=True)
class AfterEvent:
    behaviour: Behaviour


@dataclass(frozen=True)
class Fault:
    kind: str  # a simulator fault: "drop", "stall", "refuse"


Peer = FromFirstByte | AfterMarker | AfterConnect | AfterEvent | Fault


@dataclass(frozen=True)
class Case:
    name: str
    peer: Peer
    guard: float = GUARD  # seconds before the case counts as a hang
    talk_seconds: float = 5.0  # the silence a talk case plays
    reconnect_after: bool = False  # connect() must work again once the case ended
    max_read: int | None = None  # at most this many hostile bytes read before the error
    marks: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Family:
    name: str
    # A client for 127.0.0.1:port with the given timeout option.
    make_client: Callable[[int, float], CameraClient]
    port_name: str  # the simulator port the client (or the proxy) talks to
    simulator: Mapping[str, Any]  # simulator options for the proxied and fault cases
    event_kind: str  # the alarm pushed to see events() work
    fault_timeout: float  # the client's timeout option in the fault cases
    operations: Mapping[str, tuple[Case, ...]] = field(default_factory=dict)


def cases(
    peer: Callable[[Behaviour], Peer],
    table: Mapping[str, Behaviour],
    *,
    prefix: str = "",
    **options: Any,
) -> tuple[Case, ...]:
    """One case per behaviour of ``table``, each arranged by ``peer``."""
    return tuple(
        Case(f"{prefix}{name}", peer(behaviour), **options) for name, behaviour in table.items()
    )


def faults(*kinds: str, **options: Any) -> tuple[Case, ...]:
    """The faults injected into the real simulator for a running operation."""
    return tuple(Case(f"fault_{kind}", Fault(kind), **options) for kind in kinds)
