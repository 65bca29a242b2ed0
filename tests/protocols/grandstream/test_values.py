"""Values from the camera: numbers are short ASCII decimals; control characters are seen."""

from __future__ import annotations

from custom_components.ipcam.protocols.grandstream.values import ascii_decimal, has_control


def test_ascii_decimal() -> None:
    assert ascii_decimal("0120", 4) == 120
    assert ascii_decimal("12345", 4) is None
    assert ascii_decimal("\u0661\u0662", 4) is None  # Arabic-Indic digits
    assert ascii_decimal("\u00b2", 4) is None  # superscript two
    assert ascii_decimal("-1", 4) is None
    assert ascii_decimal("", 4) is None


def test_has_control() -> None:
    assert has_control("a\x00")
    assert has_control("\x7f")
    assert has_control("line\r\n")
    assert not has_control("Surveillance Server é")
