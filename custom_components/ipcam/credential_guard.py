"""One gate for every login to a camera.

Cameras lock an account after a few rejected logins, and every part of the
integration logs in on its own: the settings poll, the push channel, the video
upstream, stills, and Home Assistant's stream worker through the stream URL.
They all report rejections here and ask here before logging in; once the
camera's tolerance (declared by its client) is used up, reauthentication is
requested once and nothing logs in with the old credentials again.
"""

from __future__ import annotations

from collections.abc import Callable

from .protocols.errors import AccountLocked, AuthError


class CredentialsRejected(AuthError):
    """The stored credentials were rejected before; no login is attempted."""


class CredentialGuard:
    """Counts rejected logins from every source; closes the gate at the camera's limit."""

    def __init__(self, limit: int, on_rejected: Callable[[], None]) -> None:
        self._limit = max(1, limit)
        self._on_rejected = on_rejected
        self._listeners: list[Callable[[], None]] = []
        self.failures = 0
        self.locked = False
        self._reported = False

    @property
    def rejected(self) -> bool:
        """True once no login may be tried with the stored credentials."""
        return self.locked or self.failures >= self._limit

    def check(self, *, while_doubtful: bool = True) -> None:
        """Raise ``CredentialsRejected`` instead of letting a caller log in.

        ``while_doubtful=False`` also refuses while a rejection is unexplained (below the
        limit, no success since): for a caller that can wait, such as a still. The loops
        that retry anyway settle the doubt; attempts of their own on top, made at the same
        moment, would take the camera past its tolerance before the gate could close.
        """
        if self.rejected:
            raise CredentialsRejected("the stored credentials were rejected; re-authenticate")
        if not while_doubtful and self.failures:
            raise CredentialsRejected("the camera rejected the stored credentials just now")

    def note_rejection(self, err: AuthError) -> None:
        """A login was refused (from anywhere); ask the user once the limit is reached."""
        if isinstance(err, CredentialsRejected):
            return  # our own refusal, not the camera's
        self.failures += 1
        self.locked |= isinstance(err, AccountLocked)
        if self.rejected and not self._reported:
            self._reported = True
            self._on_rejected()
            for listener in list(self._listeners):
                listener()

    def note_success(self) -> None:
        """A login (or an authenticated request) succeeded: earlier doubts are forgotten."""
        if not self.rejected:
            self.failures = 0

    def add_listener(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` when the gate closes (e.g. to end open streams)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)
