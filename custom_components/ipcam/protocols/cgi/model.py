"""What an IPCamCGI client knows and asks, without I/O: its options, the I/O digits' state,
and the exchanges that read and write settings, composed over one abstract ``call``.

``ClientModel`` holds the client's options and what it learnt at connect (identity,
capabilities, the order of the ``Date:`` I/O digits: ``iostate``) and builds every
operation from CGI exchanges (``calls``) and the stream's state; ``Client``
(``client.py``) runs each exchange and the MJPEG stream on a socket of its own.
"""

from __future__ import annotations

import logging
import math
import time
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, Final

from ..base import CameraClient, PresetAction, PtzMove, PtzPreset, Settings
from ..errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from . import calls, ptz
from .calls import Call
from .fields import G, with_changes
from .groups import ImageConfig, IoStatus, MotionConfig, SystemConfig, SystemInfo
from .host import capabilities_for, identity_of, presets, setting_write, settings_from
from .iostate import IoOrder, IoTracker, MjpegState
from .mjpeg import MAX_FRAME
from .profile import PROFILE

_LOGGER = logging.getLogger(__name__)

DEFAULT_TIMEOUT: Final = 10.0


class ClientModel(CameraClient):
    """IPCamCGI camera client.

    Options: ``timeout`` (seconds for every request and every stream read, default
    10), ``io_order`` (how the ``IO_`` digits of the MJPEG ``Date:`` header are
    numbered: ``"auto"``, the default, reads them the document's way until the
    camera proves another order; ``"document"`` or ``"jplug"`` fix it),
    ``poll_interval`` (seconds between input polls in ``events()``, default 1),
    ``max_frame`` (bytes, default 4 MiB), ``ptz`` (False for cameras without
    pan/tilt, default True).
    """

    profile = PROFILE
    vendor = PROFILE.vendor
    ptz_needs_stop = False  # pan/tilt moves are single steps; nothing keeps moving

    def __init__(
        self,
        host: str,
        port: int | None = 80,
        username: str = "admin",
        password: str = "",
        *,
        timeout: float = DEFAULT_TIMEOUT,
        io_order: IoOrder | str = "auto",
        poll_interval: float = 1.0,
        max_frame: int = MAX_FRAME,
        ptz: bool = True,
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port or 80
        self.username = username
        self.__password = password
        self._timeout = float(timeout)
        self.io = IoTracker.from_option(io_order)
        self._poll_interval = max(0.1, float(poll_interval))
        self._max_frame = int(max_frame)
        self._ptz = ptz
        self._motion = False  # motion.cgi answers (learnt at connect())
        self._base = calls.base_url(host, self.port)
        self._closed = False
        self.device_info: SystemInfo | None = None
        self._last_ptz_at = -math.inf
        self._last_error = ""

    def __repr__(self) -> str:
        return f"<cgi.Client {self.username}@{self._base}>"

    @abstractmethod
    async def call[T](self, call: Call[T]) -> T:
        """Run one exchange (see ``calls``)."""

    @abstractmethod
    async def reset(self, *, factory: bool = False) -> None:
        """Restart (``factory``: every setting back to default first)."""

    @abstractmethod
    async def read_stream_state(self) -> MjpegState:
        """Open the MJPEG stream, read one part's ``Date:`` state, close."""

    # --- CameraClient --------------------------------------------------------------------------

    async def connect(self) -> None:
        """Read ``isystem.cgi`` (login check), ``motion.cgi`` and ``iocontrol.cgi``; set
        identity, capabilities."""
        self._closed = False  # connect() after close() reconnects (the client contract)
        self.device_info = await self.read_group(SystemInfo)
        self._identity = identity_of(self.device_info, f"{self.host}:{self.port}")
        try:  # D-Link's extension: a switch only where the camera has it
            await self.read_group(MotionConfig)
            self._motion = True
        except (NotSupported, ProtocolError, AuthError, InvalidValue) as err:
            _LOGGER.debug("%s: no motion detection switch (motion.cgi: %s)", self._base, err)
            self._motion = False
        try:
            status: IoStatus | None = await self.get_io_status()
        except (NotSupported, ProtocolError, AuthError, InvalidValue):
            status = None  # no I/O on this camera (or not for this account)
        self.io.note_iocontrol(status)
        await self._learn_io_order()

    async def _learn_io_order(self) -> None:
        """While nothing else tells the inputs, watch one part between two ``iocontrol.cgi``
        reads: the ``Date:`` digits then show where the camera puts the outputs."""
        if self.io.must_learn:
            try:
                await self.read_stream_state()
                await self.get_io_status()
            except CameraError as err:
                _LOGGER.debug("%s: could not compare the I/O digits: %s", self._base, err)
        self.capabilities = capabilities_for(self.io, ptz=self._ptz, motion=self._motion)

    def stream_url(self) -> str | None:
        """The MJPEG URL with credentials (for ffmpeg/PyAV with ``format="mjpeg"``)."""
        return calls.stream_url(self._base, self.username, self.__password)

    async def snapshot(self) -> bytes:
        return await self.call(calls.snapshot(self._max_frame))

    async def ptz(self, move: PtzMove, speed: int | None = None) -> None:
        """A step move (speed = degrees 1...10, default 5); HOME; STOP ends a preset swing."""
        self._require_ptz()
        await self.pan_tilt(ptz.for_move(move, speed))

    async def ptz_preset(self, action: PresetAction, preset: int) -> None:
        """GOTO 0...24 (0 = home), SET 1...24 (at the current position), CLEAR 1...24."""
        self._require_ptz()
        action = ptz.check_preset(action, preset)
        position = await self.get_position() if action is PresetAction.SET else (0, 0)
        await self.pan_tilt(ptz.for_preset(action, preset, position))

    async def ptz_presets(self) -> list[PtzPreset]:
        """Presets 1...24 without names: the camera lists none and reads no name back."""
        self._require_ptz()
        return presets()

    def _require_ptz(self) -> None:
        if not self._ptz:
            raise NotSupported("pan/tilt is disabled for this camera")

    async def reboot(self) -> None:
        await self.reset()

    async def read_settings(self) -> Settings:
        """Trigger 1/2, LED, resolution, frame rate, motion detection and inputs, as the
        camera reports them."""
        status = await self.get_io_status() if self.io.outputs else None
        system = await self.read_group(SystemConfig)
        image = await self.read_group(ImageConfig)
        motion = await self.read_group(MotionConfig) if self._motion else None
        inputs = await self._read_inputs(status) if self.io.has_inputs else None
        return settings_from(
            status=status, system=system, image=image, inputs=inputs, motion=motion
        )

    async def _read_inputs(self, status: IoStatus | None) -> tuple[bool | None, bool | None]:
        if status is not None and status.input1 is not None:
            return bool(status.input1), bool(status.input2)
        if not self.io.inputs_from_stream:
            return None, None
        state: MjpegState | None
        try:
            state = await self._current_state()
        except DeviceBusy:  # every stream taken: the last state seen, if any
            state = self.io.latest
        return self.io.inputs(state) if state is not None else (None, None)

    async def write_setting(self, key: str, value: bool | int | str) -> None:
        """alarm_out / alarm_out_2 (Trigger 1/2), led, resolution ("640x480"), frame_rate
        ("15"), motion_armed (where ``motion.cgi`` answers)."""
        change = setting_write(key, value)
        if change.group is MotionConfig and not self._motion:
            raise NotSupported("this camera has no motion.cgi")
        if change.group is None:
            await self.set_io(**change.io)
        else:
            await self.write_group(change.group, **change.changes)

    def _streamed_inputs(self) -> tuple[bool | None, bool | None] | None:
        """The inputs of a running stream's latest part, when its digits carry them."""
        if not self.io.inputs_from_stream:
            return None
        state = self.io.fresh(time.monotonic())
        return None if state is None else self.io.inputs(state)

    # --- configuration groups ------------------------------------------------------------------

    async def read_group(self, cls: type[G]) -> G:
        """Read a configuration group, e.g. ``await client.read_group(ImageConfig)``."""
        return await self.call(calls.read_group(cls))

    async def write_group(self, cls: type[G], *, reboot: bool = False, **changes: Any) -> G:
        """Change fields of a group, e.g. ``write_group(ImageConfig, frame_rate=5)``; returns
        the camera's updated group (with ``reboot``, what was written if it went away first)."""
        try:
            answer = await self.call(calls.write_group(cls, changes, reboot=reboot))
        except CannotConnect:
            if reboot:  # the camera may restart before answering
                return with_changes(cls, changes)
            raise
        return answer if answer is not None else await self.read_group(cls)

    # --- I/O and pan/tilt state ----------------------------------------------------------------

    async def get_io_status(self) -> IoStatus:
        status = await self.call(calls.io_status())
        self.io.note_status(status, time.monotonic())
        return status

    async def set_io(self, **flags: bool | None) -> IoStatus:
        """Write all four flags at once (``trigger1=True``...; the others carried over);
        return the read-back."""
        current = await self.get_io_status()
        await self.call(calls.io_write(current, **flags))
        status = await self.get_io_status()
        await self._learn_io_order()  # the digits now follow the outputs just set
        return status

    async def pan_tilt(self, params: Mapping[str, str]) -> None:
        """One ``pantiltcontrol.cgi`` command built by ``ptz`` (e.g. ``ptz.move_position``)."""
        await self.call(calls.pan_tilt(params))
        self._last_ptz_at = time.monotonic()

    async def _current_state(self, not_before: float = -math.inf) -> MjpegState:
        """A running stream's latest state when fresh (no new request), else one part."""
        state = self.io.fresh(time.monotonic(), not_before)
        return state if state is not None else await self.read_stream_state()

    async def get_position(self) -> tuple[int, int]:
        """(pan, tilt) from a ``Date:`` header made after the last move."""
        state = await self._current_state(self._last_ptz_at)
        return state.pan, state.tilt
