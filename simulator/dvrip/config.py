"""The simulated XM camera's data: SystemInfo, abilities, the config tree and its rules.

Values follow the vendor capture and what public clients read (docs/protocols/dvrip.md,
"Config sections"); ``resolve`` and ``merge`` implement dotted config paths
(``Camera.Param.[0].DayNightColor``) and sparse writes.
"""

from __future__ import annotations

import re
from typing import Any

from .frames import resolution_mask

SERIAL = "58e7fa5e6e262535"  # the vendor capture's (a camera given no serial derives one)
OUI = "00:12:31"  # the capture's MAC prefix
ALLOWED_MAIN = ("D1", "CIF", "QCIF", "VGA", "QVGA", "720P", "1080P")
ALLOWED_EXTRA = ("CIF", "QCIF", "VGA", "QVGA")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
# A recorder's channels get cameras of different sizes (tests tell their video apart).
CHANNEL_RESOLUTIONS = ("VGA", "QVGA", "CIF", "QCIF")
WHITE_LIGHT_MODES = ("Auto", "Intelligent", "KeepOpen", "Close", "Timing")


def serial_for_port(port: int) -> str:
    """A serial number of the capture's form (16 hex digits) of its own for each port."""
    return f"{SERIAL[:8]}{port:08x}"


def alarm_inputs(channels: int) -> int:
    """Alarm inputs: one on a camera, four on a recorder (unless told otherwise)."""
    return 1 if channels == 1 else 4


def system_info(
    channels: int, serial: str = SERIAL, *, inputs: int | None = None, talk: bool = True
) -> dict[str, Any]:
    """SystemInfo; ``inputs`` alarm inputs (the usual number when None), ``talk``: a talk
    output (TalkOutChannel 1, else 0)."""
    return {
        "AlarmInChannel": alarm_inputs(channels) if inputs is None else inputs,
        "AlarmOutChannel": 1,
        "AudioInChannel": 1,
        "BuildTime": "2020-02-26 17:11:38",
        "CombineSwitch": 0,
        "DeviceModel": "",
        "DeviceRunTime": "0x00001278",
        "DeviceType": 40,
        "DigChannel": 0,
        "EncryptVersion": "Unknown",
        "ExtraChannel": 0,
        "HardWare": "HI3516D_83H50N",
        "HardWareVersion": "1.01",
        "SerialNo": serial,
        "SoftWareVersion": "V4.03.R12.G7914927.12012.145902.0020000",
        "TalkInChannel": 1,
        "TalkOutChannel": 1 if talk else 0,
        "UpdataTime": "",
        "UpdataType": "0x00000000",
        "VideoInChannel": channels,
        "VideoOutChannel": 1,
    }


def stream_format(resolution: str, fps: int, bitrate: int, audio: bool) -> dict[str, Any]:
    return {
        "AudioEnable": audio,
        "Video": {
            "BitRate": bitrate,
            "BitRateControl": "VBR",
            "Compression": "H.264",
            "FPS": fps,
            "GOP": 2,
            "Quality": 4,
            "Resolution": resolution,
        },
        "VideoEnable": True,
    }


def white_light() -> dict[str, Any]:
    return {
        "MoveTrigLight": {"Duration": 60, "Level": 3},
        "WorkMode": "Auto",
        "WorkPeriod": {"EHour": 6, "EMinute": 0, "Enable": 1, "SHour": 18, "SMinute": 0},
    }


def default_config(
    channels: int, *, inputs: int | None = None, light: bool = True
) -> dict[str, Any]:
    """The config tree; a recorder (``channels`` > 1) has a white light per channel
    (UNCONFIRMED shape: a list, as ``Camera.Param``), a camera one object; without a white
    light (``light`` False) there is no ``Camera.WhiteLight`` at all."""
    inputs = alarm_inputs(channels) if inputs is None else inputs
    config: dict[str, Any] = {
        "Alarm": {
            "AlarmOut": [{"AlarmOutStatus": "OPEN", "AlarmOutType": "CLOSE"}],
            "LocalAlarm": [{"Enable": True, "SensorType": "NO"} for _ in range(inputs)],
        },
        "Simplify": {
            "Encode": [
                {
                    "MainFormat": stream_format(
                        CHANNEL_RESOLUTIONS[index % len(CHANNEL_RESOLUTIONS)], 25, 1024, True
                    ),
                    "ExtraFormat": stream_format("QVGA", 15, 256, False),
                }
                for index in range(channels)
            ]
        },
        "Camera": {
            "Param": [
                {
                    "AeSensitivity": 5,
                    "BLCMode": "0x00000000",
                    "DayNightColor": "0x00000000",
                    "DncThr": 30,
                    "IrcutSwap": 0,
                    "PictureFlip": "0x00000000",
                    "PictureMirror": "0x00000000",
                    "RejectFlicker": "0x00000000",
                }
                for _ in range(channels)
            ],
            "WhiteLight": (
                white_light() if channels == 1 else [white_light() for _ in range(channels)]
            ),
        },
        "Detect": {
            "MotionDetect": [{"Enable": True, "Level": 3} for _ in range(channels)],
            "HumanDetection": [{"Enable": True} for _ in range(channels)],
            "BlindDetect": [{"Enable": True} for _ in range(channels)],
            "LossDetect": [{"Enable": True} for _ in range(channels)],
        },
        "General": {
            "General": {
                "AutoLogout": 0,
                "LocalNo": 0,
                "MachineName": "LocalHost",
                "OverWrite": "OverWrite",
                "VideoOutPut": "Auto",
            }
        },
        "NetWork": {
            "NetCommon": {
                "GateWay": "0x0101A8C0",
                "HostIP": "0x0C01A8C0",
                "HostName": "LocalHost",
                "HttpPort": 80,
                "MAC": "00:12:31:47:e7:18",
                "MaxBps": 0,
                "MonMode": "TCP",
                "SSLPort": 8443,
                "Submask": "0x00FFFFFF",
                "TCPMaxConn": 10,
                "TCPPort": 34567,
                "TransferPlan": "Quality",
                "UDPPort": 34568,
                "UseHSDownLoad": False,
            }
        },
    }
    if not light:
        del config["Camera"]["WhiteLight"]
    return config


def abilities(channels: int, ptz_flag: str = "true", *, light: bool = True) -> dict[str, Any]:
    """The abilities; ``ptz_flag`` "false" (firmware that says no although the head moves)
    or "absent" (neither the PTZ flag nor the RS485 hint, like old firmware); ``light``
    False: the camera says it has no white light."""
    other: dict[str, Any] = {
        "SupportCameraWhiteLight": light,
        "SupportPTZDirectionControl": ptz_flag == "true",
        "SupportPTZTour": False,
        "SupportSetPTZPresetAttribute": True,
    }
    if ptz_flag == "absent":
        del other["SupportPTZDirectionControl"]
    main_mask = f"0x{resolution_mask(ALLOWED_MAIN):08X}"
    extra_mask = f"0x{resolution_mask(ALLOWED_EXTRA):08X}"
    return {
        "SystemFunction": {
            "AlarmFunction": {
                "AlarmConfig": True,
                "BlindDetect": True,
                "HumanDection": True,
                "LossDetect": True,
                "MotionDetect": True,
                "NetAlarm": True,
                "StorageFailure": True,
            },
            "CommFunction": {"CommRS232": False, "CommRS485": ptz_flag != "absent"},
            "EncodeFunction": {"DoubleStream": True, "SnapStream": True},
            "OtherFunction": other,
            "PreviewFunction": {"Tour": False},
        },
        "EncodeCapability": {
            "ChannelMaxSetSync": 0,
            "Compression": "0x00000008",
            "EncodeInfo": [
                {
                    "CompressionMask": "0x00000008",
                    "Enable": True,
                    "HaveAudio": True,
                    "ResolutionMask": main_mask,
                    "StreamType": "MainStream",
                },
                {
                    "CompressionMask": "0x00000008",
                    "Enable": True,
                    "HaveAudio": True,
                    "ResolutionMask": extra_mask,
                    "StreamType": "ExtraStream",
                },
            ],
            "ExImageSizePerChannel": [extra_mask] * channels,
            "ImageSizePerChannel": [main_mask] * channels,
            "MaxBitrate": 8192,
            "MaxEncodePower": 2488320 * channels,
        },
        "TalkAudioFormat": [
            {"BitRate": 128, "EncodeType": "G711_ALAW", "SampleBit": 16, "SampleRate": 8000}
        ],
    }


_JFIF_APP0 = bytes.fromhex("ffe000104a46494600010100000100010000")


def jfif(jpeg: bytes) -> bytes:
    """Start the JPEG with a JFIF APP0 segment (``FF D8 FF E0``) as camera JPEGs do."""
    if jpeg[:2] == b"\xff\xd8" and jpeg[2:4] != b"\xff\xe0":
        return jpeg[:2] + _JFIF_APP0 + jpeg[2:]
    return jpeg


PATH_PART = re.compile(r"^\[(\d{1,4})\]$")


def resolve(tree: Any, path: str) -> tuple[Any, bool]:
    """Follow a dotted config path (``Camera.Param.[0].DayNightColor``)."""
    node = tree
    for part in path.split("."):
        match = PATH_PART.match(part)
        if match is not None:
            index = int(match.group(1))
            if not isinstance(node, list) or index >= len(node):
                return None, False
            node = node[index]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None, False
    return node, True


def merge(current: Any, value: Any) -> Any:
    """Merge a (sparse) written value into the current one, keeping the current shape."""
    if isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for key, item in value.items():
            merged[key] = merge(current[key], item) if key in current else item
        return merged
    if isinstance(current, list) and isinstance(value, list):
        merged_list = list(current)
        for index, item in enumerate(value[: len(current)]):
            merged_list[index] = merge(current[index], item)
        return merged_list
    return value


def validate(config: dict[str, Any]) -> str | None:
    """The first invalid field of a config candidate (a set is refused with Ret 608), or None."""
    valid_types = {"MANUAL", "CLOSE", "AUTO", "ManualAlarm", "ClosedAlarm", "ConfigAlarm"}
    for entry in config["Alarm"]["AlarmOut"]:
        if not isinstance(entry, dict) or entry.get("AlarmOutType") not in valid_types:
            return "AlarmOutType"
    for channel in config["Simplify"]["Encode"]:
        for fmt, allowed in (("MainFormat", ALLOWED_MAIN), ("ExtraFormat", ALLOWED_EXTRA)):
            video = channel.get(fmt, {}).get("Video", {})
            if video.get("Resolution") not in allowed:
                return "Resolution"
            fps = video.get("FPS")
            if not isinstance(fps, int) or isinstance(fps, bool) or not 1 <= fps <= 30:
                return "FPS"
            bitrate = video.get("BitRate")
            if not isinstance(bitrate, int) or not 16 <= bitrate <= 8192:
                return "BitRate"
            if video.get("Compression") not in ("H.264", "H.265"):
                return "Compression"
    lights = config["Camera"].get("WhiteLight", [])
    for light in lights if isinstance(lights, list) else [lights]:
        if not isinstance(light, dict) or light.get("WorkMode") not in WHITE_LIGHT_MODES:
            return "WorkMode"
    for section in ("MotionDetect", "HumanDetection"):
        for detector in config["Detect"][section]:
            if not isinstance(detector, dict) or not isinstance(detector.get("Enable"), bool):
                return "Enable"
    for entry in config["Alarm"]["LocalAlarm"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("Enable"), bool):
            return "Enable"
    return None
