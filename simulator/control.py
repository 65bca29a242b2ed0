"""The simulator's control API: HTTP on the control port.

Routes (for a single camera; with several cameras, prefix them with
``/<vendor>``, e.g. ``/dvrip/event``):

- ``POST /event`` ``{"kind": "motion", "active": true, "channel": 0}``
- ``GET /state``
- ``GET /talk.wav`` (``DELETE /talk`` clears the recording)
- ``POST /fault`` ``{"kind": "drop"|"stall"|"refuse"|"reboot", "seconds": n}``
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from .base import FaultError, SimulatedCamera

MAX_BODY = 4096


class ControlServer:
    """Serves the control API for one or more simulated cameras."""

    def __init__(self, cameras: dict[str, SimulatedCamera]) -> None:
        self.cameras = cameras
        self._runner: web.AppRunner | None = None
        self.port = 0

    def _camera(self, request: web.Request) -> SimulatedCamera:
        vendor = request.match_info.get("vendor")
        if vendor is None:
            if len(self.cameras) != 1:
                raise web.HTTPBadRequest(text="several cameras: use /<vendor>/...")
            return next(iter(self.cameras.values()))
        camera = self.cameras.get(vendor)
        if camera is None:
            raise web.HTTPNotFound(text=f"no simulated {vendor} camera")
        return camera

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        raw = await request.content.read(MAX_BODY + 1)
        if len(raw) > MAX_BODY:
            raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY, actual_size=len(raw))
        try:
            body = json.loads(raw or b"{}")
        except ValueError as err:
            raise web.HTTPBadRequest(text=f"invalid JSON: {err}") from err
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="expected a JSON object")
        return body

    async def _event(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        body = await self._json_body(request)
        kind = body.get("kind", "motion")
        active = body.get("active", True)
        channel = body.get("channel", 0)
        if not isinstance(kind, str) or not isinstance(active, bool) or type(channel) is not int:
            raise web.HTTPBadRequest(text="kind must be a string, active a bool, channel an int")
        try:
            await camera.push_event(kind, active, channel)
        except FaultError as err:
            raise web.HTTPBadRequest(text=str(err)) from err
        return web.json_response({"ok": True})

    async def _fault(self, request: web.Request) -> web.Response:
        camera = self._camera(request)
        body = await self._json_body(request)
        kind = body.get("kind")
        seconds = body.get("seconds", 3)
        if not isinstance(kind, str) or not isinstance(seconds, int | float):
            raise web.HTTPBadRequest(text="kind must be a string and seconds a number")
        try:
            await camera.inject_fault(kind, float(seconds))
        except FaultError as err:
            raise web.HTTPBadRequest(text=str(err)) from err
        return web.json_response({"ok": True})

    async def _state(self, request: web.Request) -> web.Response:
        return web.json_response(self._camera(request).state())

    async def _talk_wav(self, request: web.Request) -> web.Response:
        return web.Response(body=self._camera(request).talk_wav(), content_type="audio/wav")

    async def _talk_reset(self, request: web.Request) -> web.Response:
        self._camera(request).reset_talk()
        return web.json_response({"ok": True})

    async def _index(self, request: web.Request) -> web.Response:
        return web.json_response({v: c.ports for v, c in self.cameras.items()})

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        for prefix in ("", "/{vendor}"):
            app.router.add_post(f"{prefix}/event", self._event)
            app.router.add_post(f"{prefix}/fault", self._fault)
            app.router.add_get(f"{prefix}/state", self._state)
            app.router.add_get(f"{prefix}/talk.wav", self._talk_wav)
            app.router.add_delete(f"{prefix}/talk", self._talk_reset)
        app.router.add_get("/", self._index)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # noqa: SLF001 - aiohttp exposes no public bound-port accessor
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = int(sockets[0].getsockname()[1]) if sockets else port
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
