"""The Foscam camera's second protocol: its HTTP CGIs (snapshot, pan/tilt, settings, arming).

A thin shell over ``protocols/http.py`` (which bounds every answer and its time):
credentials go the way the camera accepts — Basic first, else in the query, and
the one that worked is remembered (docs/protocols/foscam.md, "HTTP CGI") — and
every answer is read by the sans-I/O helpers of ``cgi.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import aiohttp
from yarl import URL

from .. import base
from ..base import PtzMove, SettingKey, Settings
from ..errors import AuthError, NotSupported, ProtocolError
from ..http import HttpShell
from . import cgi

_LOGGER = logging.getLogger(__name__)


class FoscamCgi:
    """The CGIs of one camera, with the credentials the camera accepts."""

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        password: str,
        http: HttpShell,
        *,
        swap_left_right: bool = True,
    ) -> None:
        self._host, self._port = host, port
        self._username, self._password = username, password
        self._http = http
        self.auth = cgi.CgiAuth()
        self.ptz_commands = cgi.PtzCommands(swap_left_right=swap_left_right)

    async def get(self, name: str, params: Mapping[str, str | int], *, limit: int = 0) -> bytes:
        """GET a CGI with the credentials the camera accepts (URLs are never logged)."""
        url = URL.build(scheme="http", host=self._host, port=self._port, path=f"/{name}")
        for method in self.auth.methods():
            query = cgi.query_for(params, method, self._username, self._password)
            auth = None
            if method is cgi.AuthMethod.BASIC:
                auth = aiohttp.BasicAuth(self._username, self._password)
            answer = await self._http.request(
                url.with_query(query), limit=limit or cgi.MAX_CGI_BODY, what=name, auth=auth
            )
            if answer.status == 401:
                self.auth.refused(method)
                continue
            cgi.check_status(name, answer.status)
            if self.auth.accepted(method) and method is cgi.AuthMethod.QUERY:
                _LOGGER.debug("%s: camera needs query-string credentials for CGIs", self._host)
            return answer.body
        raise AuthError(f"the camera rejected the credentials for {name}")

    async def command(self, name: str, params: Mapping[str, str | int]) -> None:
        if cgi.is_error_body(await self.get(name, params)):
            raise ProtocolError(f"{name} refused {params}")

    async def status(self) -> dict[str, str]:
        """``get_status.cgi`` as a dict (id, sys_ver, app_ver, alias, alarm_status, ...)."""
        return cgi.decode_vars(await self.get("get_status.cgi", {}))

    async def params(self) -> dict[str, str]:
        """``get_params.cgi`` as a dict (administrator): alarm_motion_armed, users, ..."""
        return cgi.decode_vars(await self.get("get_params.cgi", {}))

    async def snapshot(self) -> bytes:
        return cgi.check_jpeg(await self.get("snapshot.cgi", {}, limit=cgi.MAX_SNAPSHOT))

    async def ptz(self, move: PtzMove) -> None:
        await self.command("decoder_control.cgi", {"command": self.ptz_commands.command(move)})

    async def ptz_preset(self, action: base.PresetAction, preset: int) -> None:
        command = cgi.preset_command(action, preset)
        await self.command("decoder_control.cgi", {"command": command})

    async def reboot(self) -> None:
        await self.get("reboot.cgi", {})

    async def read_settings(
        self,
        capabilities: frozenset[base.Capability],
        login_resolution: int | None,
        ir: bool | None,
    ) -> Settings:
        """Resolution (``get_camera_params.cgi``, else what the MO_O login fetched), arming,
        and the IR lamp's last value written (no CGI reports it)."""
        settings = Settings()
        settings.values[SettingKey.IR] = ir
        switches = [a for a in cgi.ARMING if a.capability in capabilities]
        try:
            values = cgi.decode_vars(await self.get("get_camera_params.cgi", {}))
        except (NotSupported, AuthError) as err:
            if switches and isinstance(err, AuthError):
                raise  # an administrator refused: the credentials changed (one login spent)
            values = {} if login_resolution is None else {"resolution": str(login_resolution)}
        settings.values[SettingKey.RESOLUTION] = cgi.resolution_of(values)
        settings.options[SettingKey.RESOLUTION] = tuple(cgi.RESOLUTIONS.values())
        if switches:
            armed = cgi.armed_from(await self.params())
            for switch in switches:
                settings.values[switch.setting] = armed.get(switch.setting)
        return settings

    async def write_setting(
        self, key: str, value: bool | int | str, capabilities: frozenset[base.Capability]
    ) -> None:
        for arming in cgi.ARMING:
            if key == arming.setting and arming.capability not in capabilities:
                raise NotSupported(f"this camera reports no {key} switch")
        await self.command(*cgi.setting_request(key, value))
