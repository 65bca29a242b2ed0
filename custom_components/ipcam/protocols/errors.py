"""Typed errors every camera client raises.

Callers (the coordinator, the probe, the config flow) map these to their own
reactions: ``AuthError`` stops retries (a camera may lock the account),
``CannotConnect`` and ``DeviceBusy`` are retried with back-off, ``ProtocolError``
means the camera said something we do not understand, ``NotSupported`` means the
camera (or this library) cannot do what was asked.
"""

from __future__ import annotations


class CameraError(Exception):
    """Base class of everything a camera client raises on purpose."""


class AuthError(CameraError):
    """The camera rejected the credentials (or the account is locked)."""


class AccountLocked(AuthError):
    """The camera locked the account after too many failed logins."""


class CannotConnect(CameraError):
    """The camera could not be reached, or stopped answering in time."""


class DeviceBusy(CameraError):
    """The camera refused because it has too many clients or is busy."""


class ProtocolError(CameraError):
    """The camera sent something malformed, oversized or unexpected."""


class NotSupported(CameraError):
    """The camera or this client cannot perform the requested operation."""


class InvalidValue(CameraError, ValueError):
    """A value given by the user is outside what the camera accepts."""
