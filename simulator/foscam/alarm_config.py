"""The simulated Foscam camera's alarm settings: ``set_alarm.cgi`` and ``get_params.cgi``."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from custom_components.ipcam.protocols.foscam import operation as op

if TYPE_CHECKING:
    from .camera import FoscamCamera

# Alarm kind -> the set_alarm.cgi parameter that arms its detector.
ARMED_PARAMS = {"motion": "motion_armed", "input": "input_armed", "sound": "sounddetect_armed"}
ALARM_PARAM_LIMITS = {
    "motion_armed": 1,
    "input_armed": 1,
    "sounddetect_armed": 1,
    "motion_compensation": 1,
    "ioin_level": 1,
    "iolinkage": 1,
    "ioout_level": 1,
    "mail": 1,
    "http": 1,
    "schedule_enable": 1,
    "motion_sensitivity": 9,
    "sounddetect_sensitivity": 9,
    "preset": 16,
}


def apply_set_alarm(camera: FoscamCamera, changes: dict[str, int]) -> bool:
    """Apply ``set_alarm.cgi`` parameters; False (nothing changed) when one is invalid.

    Disarming the detector whose alarm is active ends that alarm (op 25 type 0).
    """
    for name, value in changes.items():
        if name not in camera.alarm_config:
            continue  # parameters this firmware lacks are ignored
        limit = ALARM_PARAM_LIMITS.get(name, 65535)
        if not 0 <= value <= limit:
            return False
    for name, value in changes.items():
        if name in camera.alarm_config:
            camera.alarm_config[name] = value
    if camera.alarm is not None and not camera.armed(camera.alarm):
        camera.alarm = None
        camera.notify(op.AlarmType.STOP)
    return True


def params_vars(camera: FoscamCamera) -> dict[str, str | int]:
    """``get_params.cgi``: identity, users (without passwords), the alarm settings."""
    values: dict[str, str | int] = {
        "id": camera.camera_id,
        "sys_ver": camera.firmware,
        "app_ver": camera.webui,
        "alias": camera.alias,
        "now": int(time.time()),
        "tz": 0,
        "ntp_enable": 1,
        "ntp_svr": "time.nist.gov",
    }
    for index, (name, (_password, privilege)) in enumerate(list(camera.users.items())[:8], start=1):
        values[f"user{index}_name"] = name
        values[f"user{index}_pri"] = int(privilege)
    values["dev2_alias"] = ""
    values |= {f"alarm_{name}": value for name, value in camera.alarm_config.items()}
    values["decoder_baud"] = 12
    return values
