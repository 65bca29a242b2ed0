"""The simulated Grandstream GXV camera (RTSP + MCTP on one port) and its camera-side wire code."""

from __future__ import annotations

from .camera import GrandstreamCamera

__all__ = ["GrandstreamCamera"]
