"""Config flow: pick the camera family, then log in for real before adding the camera."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import voluptuous as vol
from homeassistant import config_entries
from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.const import CONF_HOST, CONF_MAC, CONF_PASSWORD, CONF_PORT, CONF_USERNAME
from homeassistant.core import callback
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
from homeassistant.helpers.typing import DiscoveryInfoType

from .client_factory import connect_client
from .const import (
    CONF_CHANNEL,
    CONF_FAMILY,
    CONF_LAN_SEARCH,
    CONF_MOTION_TIMEOUT,
    CONF_STREAM,
    CONF_STREAM_SOURCE,
    DEFAULT_MOTION_TIMEOUT,
    DEFAULT_USERNAME,
    DOMAIN,
    STREAM_PRIMARY,
    STREAM_SECONDARY,
)
from .device_memory import async_offer
from .lan_search import DISCOVERY_UNIQUE_ID
from .protocols import address_based_id, family_for_mac, profile_for, supported_vendors
from .protocols.base import CameraProfile, DeviceIdentity, Vendor
from .protocols.errors import (
    AccountLocked,
    AuthError,
    CameraError,
    DeviceBusy,
    InvalidValue,
    ProtocolError,
)

if TYPE_CHECKING:
    _OptionsFlowBase = OptionsFlow
else:  # Home Assistant 2025.8+ reloads the entry after the options change by itself.
    _OptionsFlowBase = getattr(config_entries, "OptionsFlowWithReload", OptionsFlow)

_LOGGER = logging.getLogger(__name__)

_PORT_SELECTOR = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PASSWORD_SELECTOR = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_STREAM_SELECTOR = SelectSelector(
    SelectSelectorConfig(
        options=[STREAM_PRIMARY, STREAM_SECONDARY],
        translation_key="stream",
        mode=SelectSelectorMode.LIST,
    )
)


def _connection_schema(profile: CameraProfile, defaults: Mapping[str, Any]) -> vol.Schema:
    """The set-up form of a camera family, from what its client declares."""
    spec = profile.connection
    fields: dict[Any, Any] = {
        vol.Required(CONF_HOST, default=defaults.get(CONF_HOST, vol.UNDEFINED)): TextSelector(),
        vol.Required(CONF_PORT, default=defaults.get(CONF_PORT, spec.default_port)): (
            _PORT_SELECTOR
        ),
        vol.Required(
            CONF_USERNAME, default=defaults.get(CONF_USERNAME, DEFAULT_USERNAME)
        ): TextSelector(),
        vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
    }
    if spec.channel_count > 1 and not spec.whole_device:
        fields[vol.Required(CONF_CHANNEL, default=defaults.get(CONF_CHANNEL, 0))] = NumberSelector(
            NumberSelectorConfig(
                min=0, max=spec.channel_count - 1, step=1, mode=NumberSelectorMode.BOX
            )
        )
    if spec.secondary_stream:
        fields[vol.Required(CONF_STREAM, default=defaults.get(CONF_STREAM, STREAM_PRIMARY))] = (
            _STREAM_SELECTOR
        )
    return vol.Schema(fields)


def _normalise(profile: CameraProfile, user_input: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        CONF_FAMILY: profile.vendor.value,
        CONF_HOST: str(user_input[CONF_HOST]).strip(),
        CONF_PORT: int(user_input[CONF_PORT]),
        CONF_USERNAME: str(user_input.get(CONF_USERNAME, "")),
        CONF_PASSWORD: str(user_input.get(CONF_PASSWORD, "")),
    }
    spec = profile.connection
    if CONF_CHANNEL in user_input and spec.channel_count > 1 and not spec.whole_device:
        data[CONF_CHANNEL] = int(user_input[CONF_CHANNEL])
    if profile.connection.secondary_stream:
        stream = user_input.get(CONF_STREAM, STREAM_PRIMARY)
        data[CONF_STREAM] = (
            stream if stream in (STREAM_PRIMARY, STREAM_SECONDARY) else (STREAM_PRIMARY)
        )
    return data


def _port_missed(errors: Mapping[str, str]) -> bool:
    """Nothing (or not an RTSP server) answered on the port."""
    return errors.get("base") in ("cannot_connect", "protocol_error")


def _same_camera(stored: str | None, found: str) -> bool:
    """Whether a login reached the camera an entry was made for.

    An ID made from the address (a camera whose MAC could not be learnt) says
    nothing when the address is what changed: trust it then.
    """
    if stored is None or address_based_id(stored) or address_based_id(found):
        return True
    return stored == found


class IpcamConfigFlow(ConfigFlow, domain=DOMAIN):
    """Adds one camera per entry."""

    VERSION = 1

    def __init__(self) -> None:
        self._profile: CameraProfile | None = None
        # A camera found on the network or by DHCP: its family, host and port, and the
        # unique ID its answer promised (checked against the login).
        self._discovered: dict[str, Any] = {}
        self._expected_id: str | None = None
        self._port_guessed = False
        self._memory: Mapping[str, Any] | None = None  # what the last login learnt

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry) -> OptionsFlow:
        return IpcamOptionsFlow()

    async def _async_try_login(
        self, data: Mapping[str, Any]
    ) -> tuple[DeviceIdentity | None, dict[str, str]]:
        """Log in to the camera; return its identity or the form errors."""
        if not data[CONF_HOST]:
            return None, {CONF_HOST: "invalid_host"}
        try:
            client = await connect_client(self.hass, data)
        except AccountLocked:
            return None, {"base": "account_locked"}
        except AuthError:
            return None, {"base": "invalid_auth"}
        except DeviceBusy:
            return None, {"base": "device_busy"}
        except InvalidValue:
            return None, {"base": "invalid_value"}
        except ProtocolError:
            return None, {"base": "protocol_error"}
        except (CameraError, TimeoutError, OSError):
            return None, {"base": "cannot_connect"}
        except Exception:
            _LOGGER.exception("Unexpected error while logging in to the camera")
            return None, {"base": "unknown"}
        identity, self._memory = client.identity, client.memory()
        await client.close()
        return identity, {}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """First step: which kind of camera."""
        errors: dict[str, str] = {}
        if user_input is not None:
            vendor = Vendor(user_input[CONF_FAMILY])
            if vendor in supported_vendors():
                self._profile = profile_for(vendor)
                return await self.async_step_connect()
            errors[CONF_FAMILY] = "vendor_not_supported"
        return self.async_show_form(
            step_id="user",
            data_schema=vol.Schema(
                {
                    vol.Required(CONF_FAMILY, default=Vendor.CGI.value): SelectSelector(
                        SelectSelectorConfig(
                            options=[vendor.value for vendor in Vendor],
                            translation_key="vendor",
                            mode=SelectSelectorMode.LIST,
                        )
                    )
                }
            ),
            errors=errors,
        )

    async def async_step_connect(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Second step: where the camera is and how to log in."""
        assert self._profile is not None
        profile = self._profile
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _normalise(profile, user_input)
            identity, errors = await self._async_try_login(data)
            alternate = profile.connection.alternate_port
            if identity is None and alternate is not None and _port_missed(errors):
                # The user may have typed another port of the camera's (its web port):
                # the service port follows from it.
                other_port = alternate(data[CONF_PORT])
                if other_port is not None:
                    retry = {**data, CONF_PORT: other_port}
                    identity, retry_errors = await self._async_try_login(retry)
                    if identity is not None:
                        data = retry
                    elif not _port_missed(retry_errors):
                        errors = retry_errors
            if identity is not None:
                await self.async_set_unique_id(identity.unique_id)
                return self._finish(identity, data, update_address=True)
        return self.async_show_form(
            step_id="connect",
            data_schema=_connection_schema(profile, user_input or {}),
            errors=errors,
            description_placeholders={"vendor": profile.vendor.value},
        )

    def _finish(
        self, identity: DeviceIdentity, data: dict[str, Any], *, update_address: bool
    ) -> ConfigFlowResult:
        """Create the entry (the unique ID is set), or update the one that exists.

        An entry made for this recorder's first channel (older versions: one entry per
        channel) becomes the recorder's: it then takes over its other channels' entries
        (entry_migration.py).
        """
        legacy = next(
            (
                entry
                for entry in self._async_current_entries(include_ignore=False)
                if entry.unique_id == identity.unique_id
                and CONF_CHANNEL in entry.data
                and CONF_CHANNEL not in data
            ),
            None,
        )
        if legacy is not None:
            merged = {k: v for k, v in {**legacy.data, **data}.items() if k != CONF_CHANNEL}
            return self.async_update_reload_and_abort(legacy, data=merged, reason="recorder_merged")
        updates = {CONF_HOST: data[CONF_HOST], CONF_PORT: data[CONF_PORT]}
        self._abort_if_unique_id_configured(updates=updates if update_address else None)
        if identity.mac:
            data[CONF_MAC] = identity.mac  # lets DHCP find the camera at a new address
        if self._memory is not None:
            async_offer(self.hass, identity.unique_id, self._memory)
        return self.async_create_entry(title=identity.name or data[CONF_HOST], data=data)

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A device with a camera maker's MAC got an address.

        A camera we know is followed there once a login proves it is the same one; a
        new one of a family whose MAC prefix it has is offered (the login the user
        confirms with proves it is a camera of that family).
        """
        mac = format_mac(discovery_info.macaddress)
        entry = next(
            (
                entry
                for entry in self._async_current_entries(include_ignore=True)
                if mac in (entry.unique_id, entry.data.get(CONF_MAC))
            ),
            None,
        )
        if entry is not None:
            if entry.source == SOURCE_IGNORE:
                return self.async_abort(reason="already_configured")
            return await self._async_follow(entry, discovery_info.ip, mac=mac)
        family = family_for_mac(mac)
        if family is None:
            return self.async_abort(reason="not_ipcam_device")
        profile = profile_for(family)
        self._port_guessed = True  # DHCP says nothing of the port: the form asks
        return await self._async_offer(
            profile, discovery_info.ip, profile.connection.default_port, mac, name=""
        )

    async def async_step_integration_discovery(
        self, discovery_info: DiscoveryInfoType
    ) -> ConfigFlowResult:
        """A camera answered the LAN search (lan_search.py)."""
        try:
            profile = profile_for(str(discovery_info[CONF_FAMILY]))
            host = str(discovery_info[CONF_HOST]).strip()
            port = int(discovery_info[CONF_PORT])
            unique_id = str(discovery_info[DISCOVERY_UNIQUE_ID])
        except (KeyError, TypeError, ValueError, CameraError):
            return self.async_abort(reason="not_ipcam_device")
        if not host or not unique_id or not 0 < port < 65536:
            return self.async_abort(reason="not_ipcam_device")
        for entry in self._async_current_entries(include_ignore=False):
            if entry.unique_id == unique_id:
                return await self._async_follow(entry, host, port=port)
        name = str(discovery_info.get("name") or "")[:64]
        return await self._async_offer(profile, host, port, unique_id, name=name)

    async def _async_offer(
        self, profile: CameraProfile, host: str, port: int, unique_id: str, *, name: str
    ) -> ConfigFlowResult:
        """Offer a camera found on the network (ignored ones stay ignored)."""
        await self.async_set_unique_id(unique_id)
        self._abort_if_unique_id_configured()
        self._profile = profile
        self._expected_id = unique_id
        self._discovered = {CONF_FAMILY: profile.vendor.value, CONF_HOST: host, CONF_PORT: port}
        self.context["title_placeholders"] = {"name": name or f"{profile.vendor.value} {host}"}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Only the credentials are asked: family, host and port come from the camera."""
        assert self._profile is not None
        profile = self._profile
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _normalise(profile, {**self._discovered, **user_input})
            identity, errors = await self._async_try_login(data)
            if identity is not None:
                if not _same_camera(self._expected_id, identity.unique_id) and not (
                    identity.mac and format_mac(identity.mac) == self._expected_id
                ):
                    return self.async_abort(reason="wrong_camera")
                await self.async_set_unique_id(identity.unique_id, raise_on_progress=False)
                return self._finish(identity, data, update_address=False)
        fields: dict[Any, Any] = {}
        if self._port_guessed:
            fields[vol.Required(CONF_PORT, default=self._discovered[CONF_PORT])] = _PORT_SELECTOR
        fields[vol.Required(CONF_USERNAME, default=DEFAULT_USERNAME)] = TextSelector()
        fields[vol.Optional(CONF_PASSWORD, default="")] = _PASSWORD_SELECTOR
        if profile.connection.secondary_stream:
            fields[vol.Required(CONF_STREAM, default=STREAM_PRIMARY)] = _STREAM_SELECTOR
        return self.async_show_form(
            step_id="discovery_confirm",
            data_schema=vol.Schema(fields),
            errors=errors,
            description_placeholders={
                "vendor": profile.vendor.value,
                "host": str(self._discovered[CONF_HOST]),
                "port": str(self._discovered[CONF_PORT]),
            },
        )

    async def _async_follow(
        self, entry: ConfigEntry, host: str, *, port: int | None = None, mac: str | None = None
    ) -> ConfigFlowResult:
        """A configured camera reported at another address: move it there once a login
        proves it is the same camera (and only when it no longer answers where it is)."""
        if entry.data.get(CONF_HOST) == host and port in (None, entry.data.get(CONF_PORT)):
            return self.async_abort(reason="already_configured")
        runtime = getattr(entry, "runtime_data", None)
        if runtime is not None and runtime.coordinator.camera_available:
            # The camera answers where it is configured: the news is about another
            # interface or a stale lease; do not move it.
            return self.async_abort(reason="already_configured")
        updates: dict[str, Any] = {CONF_HOST: host}
        if port is not None:
            updates[CONF_PORT] = port
        identity, _errors = await self._async_try_login({**entry.data, **updates})
        same = identity is not None and (
            identity.mac == mac if mac is not None else identity.unique_id == entry.unique_id
        )
        if not same:
            _LOGGER.debug("The camera at the address reported is not this one")
            return self.async_abort(reason="already_configured")
        return self.async_update_reload_and_abort(
            entry, data_updates=updates, reason="already_configured"
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The camera rejected the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            identity, errors = await self._async_try_login(data)
            if identity is not None:
                if not _same_camera(entry.unique_id, identity.unique_id):
                    return self.async_abort(reason="wrong_camera")
                return self.async_update_reload_and_abort(entry, data_updates=user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=vol.Schema(
                {
                    vol.Required(
                        CONF_USERNAME, default=entry.data.get(CONF_USERNAME, DEFAULT_USERNAME)
                    ): TextSelector(),
                    vol.Optional(CONF_PASSWORD, default=""): _PASSWORD_SELECTOR,
                }
            ),
            errors=errors,
            description_placeholders={"name": entry.title},
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, port or credentials of an existing camera."""
        entry = self._get_reconfigure_entry()
        profile = profile_for(entry.data[CONF_FAMILY])
        errors: dict[str, str] = {}
        if user_input is not None:
            if not user_input.get(CONF_PASSWORD):
                # An untouched password field keeps the stored password (never an empty
                # login attempt that would count towards the camera's lock-out).
                user_input = {**user_input, CONF_PASSWORD: entry.data.get(CONF_PASSWORD, "")}
            data = _normalise(profile, user_input)
            if CONF_CHANNEL in entry.data and CONF_CHANNEL not in data:
                data[CONF_CHANNEL] = entry.data[CONF_CHANNEL]  # an entry made for one channel
            identity, errors = await self._async_try_login(data)
            if identity is not None:
                if not _same_camera(entry.unique_id, identity.unique_id):
                    return self.async_abort(reason="wrong_camera")
                return self.async_update_reload_and_abort(entry, data_updates=data)
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=_connection_schema(
                profile, {**(user_input or entry.data), CONF_PASSWORD: ""}
            ),
            errors=errors,
        )


class IpcamOptionsFlow(_OptionsFlowBase):
    """Options: how long an alarm stays on when the camera never says it stopped."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        if user_input is not None:
            options: dict[str, Any] = {CONF_MOTION_TIMEOUT: int(user_input[CONF_MOTION_TIMEOUT])}
            if CONF_STREAM_SOURCE in user_input:
                options[CONF_STREAM_SOURCE] = user_input[CONF_STREAM_SOURCE]
            options[CONF_LAN_SEARCH] = bool(user_input.get(CONF_LAN_SEARCH, True))
            result = self.async_create_entry(data=options)
            if not hasattr(config_entries, "OptionsFlowWithReload"):  # before 2025.8
                self.hass.config_entries.async_schedule_reload(self.config_entry.entry_id)
            return result
        current = self.config_entry.options
        fields: dict[Any, Any] = {
            vol.Required(
                CONF_MOTION_TIMEOUT,
                default=current.get(CONF_MOTION_TIMEOUT, DEFAULT_MOTION_TIMEOUT),
            ): NumberSelector(
                NumberSelectorConfig(
                    min=0, max=3600, step=1, unit_of_measurement="s", mode=NumberSelectorMode.BOX
                )
            )
        }
        sources = profile_for(self.config_entry.data[CONF_FAMILY]).stream_sources
        if len(sources) > 1:
            fields[
                vol.Required(
                    CONF_STREAM_SOURCE,
                    default=current.get(CONF_STREAM_SOURCE, sources[0].value),
                )
            ] = SelectSelector(
                SelectSelectorConfig(
                    options=[source.value for source in sources],
                    translation_key="stream_source",
                    mode=SelectSelectorMode.LIST,
                )
            )
        fields[vol.Required(CONF_LAN_SEARCH, default=current.get(CONF_LAN_SEARCH, True))] = (
            BooleanSelector()
        )
        return self.async_show_form(step_id="init", data_schema=vol.Schema(fields))
