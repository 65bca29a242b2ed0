"""What a simulated IPCamCGI camera accepts: request parameters checked like the camera.

Parameters come as a GET query string or a POST form body (URL-encoded, trailing
CRLFs allowed, names ``[A-Za-z0-9_]`` compared without case or white space);
configuration writes are checked against the group's field table and answered
400 when a name is unknown or a value invalid.
"""

from __future__ import annotations

import dataclasses
import urllib.parse
from typing import Any

from custom_components.ipcam.protocols.cgi.fields import CgiGroup, ValueKind, group_fields
from custom_components.ipcam.protocols.cgi.query import MAX_LINES, NAME_OK, decode_text, norm_name
from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError


class BadRequest(Exception):
    """Answer 400 with this text."""


def parse_request(text: bytes | str) -> list[tuple[str, str]]:
    """A request's query string or form body as ``(name, value)`` pairs; ``ProtocolError``
    when malformed or a name is not ``[A-Za-z0-9_]``."""
    raw = decode_text(text).strip("\r\n \t")
    if not raw:
        return []
    try:
        pairs = urllib.parse.parse_qsl(
            raw, keep_blank_values=True, strict_parsing=True, max_num_fields=MAX_LINES
        )
    except ValueError as err:
        raise ProtocolError(f"malformed parameters: {err}") from err
    for name, _ in pairs:
        if not NAME_OK.match(name.strip()):
            raise ProtocolError(f"invalid parameter name {name!r}")
    return [(name.strip(), value) for name, value in pairs]


def field_by_name(cls: type[CgiGroup], name: str) -> tuple[str, ValueKind] | None:
    """``(attribute, kind)`` of the CGI parameter ``name`` (case and space insensitive)."""
    wanted = norm_name(name)
    for attr, cgi_name, kind in group_fields(cls):
        if norm_name(cgi_name) == wanted:
            return attr, kind
    return None


def apply_changes(group: CgiGroup, params: list[tuple[str, str]]) -> tuple[CgiGroup, bool]:
    """Validate ``params`` against ``group``'s table; the new group and ``ConfigReboot``."""
    changes: dict[str, Any] = {}
    reboot = False
    for name, value in params:
        if norm_name(name) == "configreboot":
            if value.lower() not in ("yes", "no"):
                raise BadRequest(f"ConfigReboot={value!r}")
            reboot = value.lower() == "yes"
            continue
        found = field_by_name(type(group), name)
        if found is None:
            raise BadRequest(f"unknown parameter {name!r}")
        attr, kind = found
        try:
            parsed = kind.parse(value)
            kind.check(parsed)
        except (ProtocolError, InvalidValue) as err:
            raise BadRequest(f"{name}: {err}") from None
        changes[attr] = parsed
    return dataclasses.replace(group, **changes), reboot  # type: ignore[type-var]
