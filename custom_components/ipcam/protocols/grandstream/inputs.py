"""An encoder's inputs, without I/O: which exist, whose alarms are whose, what to subscribe.

A GXV35xx encoder has up to four video inputs and nothing in the protocol says how
many, so the client DESCRIBEs each input's stream and ``survey`` decides from the
answers. Its one alarm connection (``shared_links.SharedLinks``) serves the encoder
and every input's client: ``AlarmFilter`` is what each of them takes of an alarm,
``SubscriptionPlan`` which alarm subscriptions the connection makes. See
``docs/protocols/grandstream.md``, "Encoders: one device, several inputs".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from ..base import CameraEvent, ChannelInfo
from ..errors import CameraError, CannotConnect, DeviceBusy
from . import SECONDARY_OFFSET, stream_channel
from .identity import input_name
from .mctp import ALL_CHANNELS
from .mctp_session import Alarm
from .rtsp_session import Described


def input_of(stream: int) -> int:
    """The input (0-3) a stream number (0-7) belongs to."""
    return stream % SECONDARY_OFFSET


def input_stream(video_input: int, own_stream: int) -> int:
    """Input ``video_input``'s stream of the kind (primary, secondary) of ``own_stream``."""
    return stream_channel(video_input, "secondary" if own_stream >= SECONDARY_OFFSET else None)


def other_input_streams(own_stream: int, inputs: Iterable[int]) -> list[int]:
    """The streams of the encoder's other inputs (each needs its own subscription on
    firmware that refuses the one for all channels)."""
    own = input_of(own_stream)
    return [input_stream(n, own_stream) for n in inputs if n != own]


def input_channels(host: str, own_stream: int, inputs: Iterable[int]) -> tuple[ChannelInfo, ...]:
    """The encoder's channels: its inputs in order, each named with its number."""
    return tuple(
        ChannelInfo(n, input_name(host, input_stream(n, own_stream))) for n in sorted(inputs)
    )


def survey(
    answers: Mapping[int, Described | CameraError], known: Collection[int]
) -> dict[int, Described | None]:
    """The inputs, from what DESCRIBE of each input's stream gave (an answer or an error).

    An answer makes an input. A lost connection or a busy camera (``CannotConnect``,
    ``DeviceBusy``) is no answer: an input ``known`` before stays as it was (None)
    and none is made up, so that a flapping camera loses no inputs. Any other error
    (404, which the simulator sends for an input it lacks, a refusal) is no input.
    """
    found: dict[int, Described | None] = {}
    for video_input, answer in sorted(answers.items()):
        if isinstance(answer, Described):
            found[video_input] = answer
        elif isinstance(answer, CannotConnect | DeviceBusy) and video_input in known:
            found[video_input] = None
    return found


def alarm_of(event: object) -> CameraEvent | None:
    """The alarm an event of the alarm connection carries (other events are replies)."""
    return event.event if isinstance(event, Alarm) else None


@dataclass(frozen=True, slots=True)
class AlarmFilter:
    """What one consumer takes of an alarm: those of ``video_input`` (None: all); with
    ``by_input``, numbered by input (an alarm naming stream 4-7 is input 0-3's), as the
    encoder's channels count; else the channel as the camera sent it."""

    video_input: int | None = None
    by_input: bool = False

    def __call__(self, alarm: CameraEvent) -> CameraEvent | None:
        video_input = input_of(alarm.channel)
        if self.video_input is not None and video_input != self.video_input:
            return None
        if self.by_input and alarm.channel != video_input:
            return dataclasses.replace(alarm, channel=video_input)
        return alarm


class SubscriptionPlan:
    """The alarm subscriptions of the alarm connection, one MCTP connection each.

    The first is made for ``own_stream`` (its ``AlarmSession`` asks for all channels
    first). Firmware that refuses all channels accepts only the stream asked for:
    then each of ``other_streams`` (the encoder's other inputs) gets one of its own.
    """

    def __init__(self, own_stream: int, other_streams: Iterable[int] = ()) -> None:
        self._pending = [own_stream]
        self._others = list(other_streams)
        self.accepted: list[int] = []  # the channels the camera accepted, in order

    def next(self) -> int | None:
        """The stream of the next subscription to make; None when all are made."""
        return self._pending.pop(0) if self._pending else None

    def accept(self, channel: int) -> None:
        """The camera accepted a subscription for ``channel`` (``ALL_CHANNELS``: all)."""
        self.accepted.append(channel)
        if channel != ALL_CHANNELS and len(self.accepted) == 1:
            self._pending = self._others
