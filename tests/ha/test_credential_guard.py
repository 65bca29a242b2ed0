"""The login gate: counts rejections from anywhere, closes at the camera's limit, once."""

from __future__ import annotations

import pytest

from custom_components.ipcam.credential_guard import CredentialGuard, CredentialsRejected
from custom_components.ipcam.protocols.errors import AccountLocked, AuthError


def test_the_gate_closes_at_the_limit_and_reports_once() -> None:
    reports: list[str] = []
    closed: list[str] = []
    guard = CredentialGuard(3, lambda: reports.append("reauth"))
    guard.add_listener(lambda: closed.append("closed"))
    for _ in range(2):
        guard.note_rejection(AuthError("no"))
        guard.check()  # still open
    assert not guard.rejected
    guard.note_rejection(AuthError("no"))
    assert guard.rejected
    with pytest.raises(CredentialsRejected):
        guard.check()
    guard.note_rejection(AuthError("again"))
    assert reports == ["reauth"]
    assert closed == ["closed"]


def test_a_success_forgives_earlier_rejections_until_the_gate_closes() -> None:
    guard = CredentialGuard(2, lambda: None)
    guard.note_rejection(AuthError("no"))
    guard.note_success()
    guard.note_rejection(AuthError("no"))
    assert not guard.rejected
    guard.note_rejection(AuthError("no"))
    assert guard.rejected
    guard.note_success()  # too late: the user must re-authenticate
    assert guard.rejected


def test_a_locked_account_closes_the_gate_at_once() -> None:
    guard = CredentialGuard(5, lambda: None)
    guard.note_rejection(AccountLocked("locked"))
    assert guard.rejected and guard.locked


def test_our_own_refusals_are_not_counted_as_the_cameras() -> None:
    guard = CredentialGuard(1, lambda: None)
    guard.note_rejection(CredentialsRejected("ours"))
    assert not guard.rejected
    assert guard.failures == 0


def test_a_listener_can_be_removed() -> None:
    calls: list[int] = []
    guard = CredentialGuard(1, lambda: None)
    remove = guard.add_listener(lambda: calls.append(1))
    remove()
    guard.note_rejection(AuthError("no"))
    assert calls == []


def test_a_caller_that_can_wait_is_refused_while_a_rejection_is_unexplained() -> None:
    """Stills do not add attempts of their own while the loops settle a rejection."""
    guard = CredentialGuard(3, lambda: None)
    guard.check(while_doubtful=False)
    guard.note_rejection(AuthError("no"))
    guard.check()  # the loops may try again
    with pytest.raises(CredentialsRejected):
        guard.check(while_doubtful=False)
    guard.note_success()
    guard.check(while_doubtful=False)
