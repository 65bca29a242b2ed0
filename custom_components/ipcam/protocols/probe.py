"""Command-line probe: try a camera before adding it to Home Assistant.

``python -m custom_components.ipcam.protocols.probe --vendor cgi --host 192.0.2.10 ...``

Prints one JSON object on stdout. Exit status: 0 ok, 2 usage, 3 authentication
failed, 4 cannot connect or timed out, 5 protocol error or not supported.
Errors are one line on stderr, never a traceback, never the password.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from . import DEFAULT_PORTS, open_client
from .audio.decode import decode_to_pcm
from .audio.pcm import dominant_frequency, rms, wav_bytes
from .base import CameraClient, CameraEvent, PresetAction, PtzMove, SettingKey, Vendor
from .discovery import Target, broadcast_addresses, search
from .errors import (
    AuthError,
    CameraError,
    CannotConnect,
    DeviceBusy,
    InvalidValue,
    NotSupported,
    ProtocolError,
)
from .jpeg import jpeg_size

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_CONNECT = 4
EXIT_PROTOCOL = 5

OPERATION_SECONDS = 15.0
DISCOVER_SECONDS = 3.0
MAX_FRAMES = 100_000
MAX_SECONDS = 24 * 3600.0


class UsageError(Exception):
    """A command-line value is malformed."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m custom_components.ipcam.protocols.probe",
        description="Talk to an IP camera over its native protocol and report as JSON.",
    )
    parser.add_argument("--vendor", choices=[vendor.value for vendor in Vendor])
    parser.add_argument("--host")
    parser.add_argument(
        "--discover",
        action="store_true",
        help="search the LAN for cameras (DVRIP and Foscam searches) instead of probing one",
    )
    parser.add_argument(
        "--discover-address",
        action="append",
        default=[],
        metavar="HOST:PORT",
        help="send every family's search to this address and port (repeatable; default: "
        "broadcast on every interface)",
    )
    parser.add_argument("--port", type=int, help="default: the vendor's usual port")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="")
    parser.add_argument("--channel", type=int, default=None)
    parser.add_argument("--snapshot", metavar="FILE", help="save a JPEG snapshot")
    parser.add_argument("--frames", type=int, metavar="N", help="receive N live frames")
    parser.add_argument("--events", type=float, metavar="SECONDS", help="listen for alarms")
    parser.add_argument("--audio-seconds", type=float, metavar="S")
    parser.add_argument("--audio-out", metavar="FILE.wav")
    parser.add_argument("--talk", metavar="FILE", help="play an audio file on the speaker")
    parser.add_argument("--ptz", metavar="ACTION", help="up|down|left|right|stop|home|preset:N")
    parser.add_argument("--alarm-out", choices=["on", "off"])
    parser.add_argument("--led", choices=["on", "off"])
    parser.add_argument(
        "--white-light", metavar="MODE", help="auto|on|off|smart|... (a floodlight)"
    )
    parser.add_argument("--resolution", metavar="WIDTHxHEIGHT")
    parser.add_argument("--reboot", action="store_true")
    parser.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per operation (default 15), or to wait for answers with --discover "
        "(default 3)",
    )
    return parser


def _check_args(args: argparse.Namespace) -> None:
    if args.timeout is None:
        args.timeout = DISCOVER_SECONDS if args.discover else OPERATION_SECONDS
    if not 0 < args.timeout <= MAX_SECONDS:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.discover:
        for target in args.discover_address:
            _parse_target(target)
        return
    if args.vendor is None or args.host is None:
        raise UsageError("--vendor and --host are required (or --discover)")
    if args.port is not None and not 1 <= args.port <= 65535:
        raise UsageError("--port must be between 1 and 65535")
    if args.frames is not None and not 1 <= args.frames <= MAX_FRAMES:
        raise UsageError(f"--frames must be between 1 and {MAX_FRAMES}")
    for name in ("events", "audio_seconds", "timeout"):
        value = getattr(args, name)
        if value is not None and not 0 < value <= MAX_SECONDS:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number of seconds")
    if (args.audio_seconds is None) != (args.audio_out is None):
        raise UsageError("--audio-seconds and --audio-out go together")
    if args.ptz is not None:
        _parse_ptz(args.ptz)
    if args.resolution is not None:
        _parse_resolution(args.resolution)
    if args.channel is not None and args.channel < 0:
        raise UsageError("--channel must not be negative")


def _parse_target(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise UsageError("--discover-address must look like HOST:PORT")
    return host.strip("[]"), int(port)


async def discover(args: argparse.Namespace) -> dict[str, Any]:
    """The search: one JSON object listing every camera that answered."""
    targets: list[Target] = [_parse_target(value) for value in args.discover_address]
    seconds = min(args.timeout, 30.0)
    cameras = await search(targets or broadcast_addresses(), seconds=seconds)
    return {"cameras": [camera.as_dict() for camera in cameras]}


def _parse_ptz(action: str) -> tuple[PtzMove | None, int | None]:
    if action.startswith("preset:"):
        number = action.removeprefix("preset:")
        if not number.isdigit():
            raise UsageError("--ptz preset:N needs a preset number")
        return None, int(number)
    try:
        return PtzMove(action), None
    except ValueError:
        raise UsageError(f"--ptz: unknown action {action!r}") from None


def _parse_resolution(value: str) -> str:
    width, sep, height = value.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise UsageError("--resolution must look like 640x480")
    return f"{int(width)}x{int(height)}"


async def _with_timeout(seconds: float, awaitable: Any) -> Any:
    try:
        async with asyncio.timeout(seconds):
            return await awaitable
    except TimeoutError:
        raise CannotConnect(f"no answer within {seconds:g} s") from None


async def _snapshot(client: CameraClient, path: str, timeout: float) -> dict[str, Any]:
    image: bytes = await _with_timeout(timeout, client.snapshot())
    await asyncio.to_thread(Path(path).write_bytes, image)
    width, height = jpeg_size(image)
    return {"bytes": len(image), "width": width, "height": height, "file": path}


async def _frames(client: CameraClient, count: int, timeout: float) -> dict[str, Any]:
    received = 0
    codec = ""
    width = height = 0
    keyframes = 0
    started = time.monotonic()
    first_at: float | None = None
    iterator = client.video().__aiter__()
    try:
        while received < count:
            frame = await _with_timeout(timeout, iterator.__anext__())
            if first_at is None:
                first_at = time.monotonic()
            received += 1
            codec = frame.codec
            keyframes += frame.keyframe
            if frame.width:
                width, height = frame.width, frame.height
            elif frame.codec == "jpeg":
                width, height = jpeg_size(frame.data)
    except StopAsyncIteration:
        pass
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    elapsed = time.monotonic() - (first_at or started)
    fps = round((received - 1) / elapsed, 2) if received > 1 and elapsed > 0 else 0.0
    return {
        "count": received,
        "codec": codec,
        "width": width,
        "height": height,
        "fps": fps,
        "keyframes": keyframes,
    }


async def _events(client: CameraClient, seconds: float) -> list[dict[str, Any]]:
    events: list[CameraEvent] = []

    async def collect() -> None:
        async for event in client.events():
            events.append(event)

    try:
        async with asyncio.timeout(seconds):
            await collect()
    except TimeoutError:
        pass
    return [
        {"kind": e.kind.value, "active": e.active, "channel": e.channel, "raw": e.raw}
        for e in events
    ]


async def _audio(client: CameraClient, seconds: float, path: str) -> dict[str, Any]:
    pcm = bytearray()
    wanted = int(seconds * 8000) * 2
    iterator = client.audio().__aiter__()
    try:
        async with asyncio.timeout(seconds + 10):
            while len(pcm) < wanted:
                chunk = await iterator.__anext__()
                pcm.extend(chunk.pcm)
    except (TimeoutError, StopAsyncIteration):
        pass
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
    data = bytes(pcm[:wanted])
    await asyncio.to_thread(Path(path).write_bytes, wav_bytes(data))
    return {
        "seconds": round(len(data) / 16000, 3),
        "rms": round(rms(data), 1),
        "dominant_hz": round(dominant_frequency(data), 1),
        "file": path,
    }


async def _talk(client: CameraClient, path: str) -> dict[str, Any]:
    if not await asyncio.to_thread(Path(path).is_file):
        raise UsageError(f"--talk: no such file {path!r}")
    source: AsyncIterator[bytes] = decode_to_pcm(path, max_seconds=600)
    seconds = await client.talk(source)
    return {"seconds": round(seconds, 3)}


async def _ptz(client: CameraClient, action: str, timeout: float) -> dict[str, Any]:
    move, preset = _parse_ptz(action)
    if preset is not None:
        await _with_timeout(timeout, client.ptz_preset(PresetAction.GOTO, preset))
    else:
        assert move is not None
        await _with_timeout(timeout, client.ptz(move))
    return {"action": action, "ok": True}


async def _write_and_read(
    client: CameraClient, key: SettingKey, value: bool | str, timeout: float
) -> Any:
    await _with_timeout(timeout, client.write_setting(key, value))
    settings = await _with_timeout(timeout, client.read_settings())
    return settings.values.get(key)


def _on_off(value: Any) -> Any:
    if isinstance(value, bool):
        return "on" if value else "off"
    return value


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Connect, perform the requested actions, return the JSON report."""
    options: dict[str, Any] = {"timeout": args.timeout}
    if args.channel is not None:
        options["channel"] = args.channel
    client = open_client(
        args.vendor,
        args.host,
        args.port or DEFAULT_PORTS[Vendor(args.vendor)],
        args.username,
        args.password,
        **options,
    )
    try:
        await _with_timeout(args.timeout, client.connect())
        identity = client.identity
        report: dict[str, Any] = {
            "vendor": args.vendor,
            "device": {
                "serial": identity.serial,
                "mac": identity.mac,
                "model": identity.model,
                "firmware": identity.firmware,
                "name": identity.name,
            },
            "capabilities": sorted(capability.value for capability in client.capabilities),
        }
        if args.snapshot:
            report["snapshot"] = await _snapshot(client, args.snapshot, args.timeout)
        if args.frames:
            report["frames"] = await _frames(client, args.frames, args.timeout)
        if args.events:
            report["events"] = await _events(client, args.events)
        if args.audio_seconds:
            report["audio"] = await _audio(client, args.audio_seconds, args.audio_out)
        if args.talk:
            report["talk"] = await _talk(client, args.talk)
        if args.ptz:
            report["ptz"] = await _ptz(client, args.ptz, args.timeout)
        if args.alarm_out:
            value = await _write_and_read(
                client, SettingKey.ALARM_OUT, args.alarm_out == "on", args.timeout
            )
            report["alarm_out"] = _on_off(value)
        if args.led:
            value = await _write_and_read(client, SettingKey.LED, args.led == "on", args.timeout)
            report["led"] = _on_off(value)
        if args.white_light:
            report["white_light"] = await _write_and_read(
                client, SettingKey.WHITE_LIGHT, args.white_light, args.timeout
            )
        if args.resolution:
            report["resolution"] = await _write_and_read(
                client, SettingKey.RESOLUTION, _parse_resolution(args.resolution), args.timeout
            )
        if args.reboot:
            await _with_timeout(args.timeout, client.reboot())
            report["reboot"] = True
        return report
    finally:
        await client.close()


def _exit_code(err: BaseException) -> int:
    if isinstance(err, UsageError | InvalidValue):
        return EXIT_USAGE if isinstance(err, UsageError) else EXIT_PROTOCOL
    if isinstance(err, AuthError):
        return EXIT_AUTH
    if isinstance(err, CannotConnect | DeviceBusy | TimeoutError | OSError):
        return EXIT_CONNECT
    if isinstance(err, ProtocolError | NotSupported | CameraError):
        return EXIT_PROTOCOL
    return EXIT_PROTOCOL


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        _check_args(args)
        report = asyncio.run(discover(args) if args.discover else run(args))
    except KeyboardInterrupt:
        print("probe: interrupted", file=sys.stderr)
        return EXIT_CONNECT
    except Exception as err:
        message = str(err) or type(err).__name__
        if args.password:
            message = message.replace(args.password, "***")
        print(f"probe: {type(err).__name__}: {message}", file=sys.stderr)
        return _exit_code(err)
    print(json.dumps(report, sort_keys=False))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
