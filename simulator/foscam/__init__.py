"""A simulated legacy Foscam MJPEG camera (FI89xx): MO_O/MO_V binary protocol + HTTP CGIs."""

from .camera import FoscamCamera

__all__ = ["FoscamCamera"]
