"""Which simulated camera class serves which vendor."""

from __future__ import annotations

import importlib

from .base import SimulatedCamera

# vendor -> "module:Class"; a vendor appears here once its simulator exists.
SIMULATORS: dict[str, str] = {
    "cgi": "simulator.cgi:CgiCamera",
    "grandstream": "simulator.grandstream:GrandstreamCamera",
    "foscam": "simulator.foscam:FoscamCamera",
    "dvrip": "simulator.dvrip:DvripCamera",
}


def simulator_class(vendor: str) -> type[SimulatedCamera]:
    """The simulator class for ``vendor``; KeyError when there is none."""
    module_name, _, class_name = SIMULATORS[vendor].partition(":")
    cls: type[SimulatedCamera] = getattr(importlib.import_module(module_name), class_name)
    return cls
