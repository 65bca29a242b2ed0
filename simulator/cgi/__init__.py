"""Simulated IPCamCGI camera: ``camera`` serves the CGIs, ``answers`` formats what the
camera sends, ``requests`` checks what it receives, ``pantilt`` is the pan/tilt head."""

from .camera import CgiCamera

__all__ = ["CgiCamera"]
