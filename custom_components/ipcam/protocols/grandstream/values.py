"""Checks of values read from the camera before they are used or sent back."""

from __future__ import annotations


def ascii_decimal(text: str, digits: int) -> int | None:
    """``text`` as a non-negative ASCII decimal of at most ``digits`` digits, else None.

    ``str.isdecimal`` alone accepts other scripts' digits and any length; a
    camera's number is short and ASCII, or it is not a number.
    """
    if text.isascii() and text.isdecimal() and len(text) <= digits:
        return int(text)
    return None


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (C0 or DEL)."""
    return any(ord(c) < 0x20 or c == "\x7f" for c in text)
