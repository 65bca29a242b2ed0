"""DVRIP picture sizes: ``Resolution`` names and the bits of ``EncodeCapability`` masks.

See docs/protocols/dvrip.md, "Encoder settings and allowed resolutions".
"""

from __future__ import annotations

# Bit index of the EncodeCapability masks -> (Resolution string in Simplify.Encode, width, height).
# Names and sizes above bit 18 are not confirmed by the vendor documents.
RESOLUTIONS: tuple[tuple[str, int, int], ...] = (
    ("D1", 704, 576),
    ("HD1", 704, 288),
    ("BCIF", 352, 576),
    ("CIF", 352, 288),
    ("QCIF", 176, 144),
    ("VGA", 640, 480),
    ("QVGA", 320, 240),
    ("SVCD", 480, 480),
    ("QQVGA", 160, 120),
    ("ND1", 240, 192),
    ("960H", 928, 576),
    ("720P", 1280, 720),
    ("1_3M", 1280, 960),
    ("UXGA", 1600, 1200),
    ("1080P", 1920, 1080),
    ("WUXGA", 1920, 1200),
    ("2_5M", 1872, 1408),
    ("3M", 2048, 1536),
    ("5M", 3744, 1408),
    ("1080N", 960, 1080),
    ("4M", 2592, 1520),
    ("6M", 3072, 2048),
    ("8M", 3264, 2448),
    ("12M", 4000, 3000),
    ("4K", 3840, 2160),
    ("720N", 640, 720),
    ("WSVGA", 1024, 576),
    ("NHD", 640, 360),
    ("3M_N", 1024, 1536),
    ("4M_N", 1296, 1520),
)
_RESOLUTION_BY_NAME = {name.upper(): (w, h) for name, w, h in RESOLUTIONS}
_RESOLUTION_BY_SIZE = {(w, h): name for name, w, h in RESOLUTIONS}


def resolution_size(name: str) -> tuple[int, int] | None:
    """Width and height of a ``Resolution`` string ("1080P", "VGA", ...), None if unknown."""
    return _RESOLUTION_BY_NAME.get(name.strip().upper())


def resolution_name(width: int, height: int) -> str | None:
    """The ``Resolution`` string for a size, None if the protocol has no name for it."""
    return _RESOLUTION_BY_SIZE.get((width, height))


def resolutions_in_mask(mask: int) -> list[tuple[str, int, int]]:
    """The resolutions whose bit is set in a capability mask."""
    return [entry for index, entry in enumerate(RESOLUTIONS) if mask >> index & 1]


def parse_mask(value: object) -> int:
    """A hex-string (``"0x00006FCF"``) or integer mask; 0 when unusable."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value & 0xFFFFFFFF
    if isinstance(value, str):
        try:
            return int(value, 16) & 0xFFFFFFFF
        except ValueError:
            return 0
    return 0
