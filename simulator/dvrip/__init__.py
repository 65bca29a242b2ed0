"""A simulated Xiongmai (XM / XMEye) DVRIP camera; see ``camera.py`` for what it does."""

from .camera import EVENT_NAMES, DvripCamera

__all__ = ["EVENT_NAMES", "DvripCamera"]
