"""Websocket commands of the talk card: push-to-talk from the browser's microphone.

``ipcam/talk/start`` (``entity_id``: a camera of this integration, ``sample_rate``:
16000 or 8000) is a subscription, like Assist's pipeline run: the result comes
first, then events —

- ``{"type": "ready", "binary_handler_id": N}``: send the audio as binary
  websocket messages whose first byte is N, followed by 16-bit mono PCM;
- ``{"type": "started"}``: the camera took the talk channel;
- ``{"type": "ended", "reason": ..., "message": ...}``: the talk is over
  (``released``, ``replaced`` by another talk, ``idle``, ``error``).

Unsubscribing (the button is released) plays what is buffered, then closes the
camera's talk channel. Closing the websocket does the same.

One talk per camera: a new one (another card, the Speaker, ``ipcam.talk``)
takes over, and the card that was talking is told ``replaced``. Only users who
may control the camera entity (administrators, or users whose permissions give
``control`` on it) may talk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import voluptuous as vol
from homeassistant.auth.permissions.const import POLICY_CONTROL
from homeassistant.components.websocket_api import async_register_command
from homeassistant.components.websocket_api.connection import ActiveConnection
from homeassistant.components.websocket_api.const import ERR_NOT_FOUND, ERR_NOT_SUPPORTED
from homeassistant.components.websocket_api.decorators import websocket_command
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, Unauthorized
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import entity_registry as er

from .const import DOMAIN
from .live_audio import SUPPORTED_RATES, LiveAudio, LiveAudioError
from .talk import TalkManager

_LOGGER = logging.getLogger(__name__)

WS_TALK_START = f"{DOMAIN}/talk/start"


@callback
def async_setup_websocket_api(hass: HomeAssistant) -> None:
    async_register_command(hass, ws_talk_start)


class _TalkError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _talk_manager(hass: HomeAssistant, entity_id: str) -> TalkManager:
    """The talk path of a loaded ipcam camera entity, or a clear error."""
    entry_id = None
    if (registered := er.async_get(hass).async_get(entity_id)) is not None and (
        registered.platform == DOMAIN and registered.domain == Platform.CAMERA
    ):
        entry_id = registered.config_entry_id
    entry = hass.config_entries.async_get_entry(entry_id) if entry_id else None
    if entry is None or entry.domain != DOMAIN:
        raise _TalkError(ERR_NOT_FOUND, f"{entity_id} is not an ipcam camera")
    if entry.state is not ConfigEntryState.LOADED:
        raise _TalkError(ERR_NOT_FOUND, f"{entity_id} is not loaded (camera offline?)")
    talk: TalkManager = entry.runtime_data.coordinator.talk
    if not talk.supported:
        raise _TalkError(ERR_NOT_SUPPORTED, f"{entity_id} has no talk-back channel (no speaker)")
    return talk


@websocket_command(
    {
        vol.Required("type"): WS_TALK_START,
        vol.Required("entity_id"): cv.entity_id,
        vol.Optional("sample_rate", default=16000): vol.In(SUPPORTED_RATES),
    }
)
@callback
def ws_talk_start(hass: HomeAssistant, connection: ActiveConnection, msg: dict[str, Any]) -> None:
    """Open a push-to-talk session to a camera's speaker."""
    entity_id: str = msg["entity_id"]
    user = connection.user
    if not user.is_admin and not user.permissions.check_entity(entity_id, POLICY_CONTROL):
        raise Unauthorized(
            context=connection.context(msg), entity_id=entity_id, permission=POLICY_CONTROL
        )
    try:
        talk = _talk_manager(hass, entity_id)
    except _TalkError as err:
        connection.send_error(msg["id"], err.code, str(err))
        return
    register = getattr(connection, "async_register_binary_handler", None)
    if register is None:  # pragma: no cover - present from 2023 through 2026.x
        connection.send_error(
            msg["id"], ERR_NOT_SUPPORTED, "this Home Assistant has no binary messages"
        )
        return

    audio = LiveAudio(msg["sample_rate"])

    def handle_binary(_hass: HomeAssistant, _connection: ActiveConnection, payload: bytes) -> None:
        try:
            audio.feed(payload)
        except LiveAudioError as err:
            audio.end(f"error: {err}")

    handler_id, unregister = register(handle_binary)

    @callback
    def released() -> None:
        """Unsubscribed or disconnected: play out what is buffered, then close the channel."""
        unregister()
        audio.end("released")

    connection.subscriptions[msg["id"]] = released
    connection.send_result(msg["id"])
    connection.send_event(msg["id"], {"type": "ready", "binary_handler_id": handler_id})

    async def run() -> None:
        try:
            reason, message = await _talk(talk, audio, started)
        finally:
            unregister()
            connection.subscriptions.pop(msg["id"], None)
        if reason != "released" or message:
            _LOGGER.debug("Live talk to %s ended: %s %s", entity_id, reason, message)
        connection.send_event(msg["id"], {"type": "ended", "reason": reason, "message": message})

    @callback
    def started() -> None:
        connection.send_event(msg["id"], {"type": "started"})

    hass.async_create_background_task(run(), f"{DOMAIN} live talk")


async def _talk(
    talk: TalkManager, audio: LiveAudio, started: Callable[[], None]
) -> tuple[str, str]:
    """Run one live talk; return why it ended and a message for the talker."""
    reason, message = "released", ""
    try:
        task = await talk.async_start_pcm(audio.chunks())
        if task is not None:
            started()
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if not task.cancelled():
                    raise  # this coroutine itself is being cancelled
                if talk.starting:
                    reason, message = "replaced", "another talk took over the camera's speaker"
                else:
                    reason, message = "stopped", "the talk was stopped"
            else:
                if talk.last_error and not audio.ended:
                    reason, message = "error", talk.last_error
    except HomeAssistantError as err:
        if not audio.ended or audio.received_bytes:
            reason, message = "error", str(err)
    finally:
        audio.end("released")
    if audio.end_reason and audio.end_reason.startswith("error: "):
        reason, message = "error", audio.end_reason.removeprefix("error: ")
    elif audio.end_reason == "no audio arrived" and reason == "released":
        reason, message = "idle", "no audio arrived for a while"
    return reason, message
