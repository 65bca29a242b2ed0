"""What a simulated IPCamCGI camera sends: ``Name=Value`` answers and MJPEG parts.

The camera's side of ``docs/protocols/cgi.md``: answers are ``Name=Value``
lines (``Name =Value`` for the list CGIs, as the document prints them), the
``iocontrol.cgi`` read is one ``&``-joined line, and every MJPEG part carries
``Date: <time> IO_xxxxxxxx_PT_ppp_ttt`` with the I/O digits in the order the
camera is set to (the document's, or D-Link's applet's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from custom_components.ipcam.protocols.cgi.fields import CgiGroup, group_fields
from custom_components.ipcam.protocols.cgi.groups import (
    COMPRESSIONS,
    ImageConfig,
    NetworkConfig,
    SystemConfig,
    WirelessConfig,
)
from custom_components.ipcam.protocols.cgi.iostate import IoFlags, IoOrder

BOUNDARY: Final = "--video boundary--"
# As the document prints it: the delimiter line itself as the (unquoted) parameter.
CONTENT_TYPE: Final = f"multipart/x-mixed-replace;boundary={BOUNDARY}"


def format_params(pairs: Iterable[tuple[str, str]], *, spaced: bool = False) -> bytes:
    """A CGI answer: one ``Name=Value`` line per pair (``Name =Value`` when ``spaced``)."""
    sep = " =" if spaced else "="
    return "".join(f"{name}{sep}{value}\r\n" for name, value in pairs).encode("utf-8")


def to_pairs(group: CgiGroup) -> list[tuple[str, str]]:
    """Every field as ``(CGI name, text)`` in document order, unvalidated (answers)."""
    out = []
    for attr, name, kind in group_fields(type(group)):
        value = getattr(group, attr)
        if value is not None:
            out.append((name, kind.format(value)))
    return out


def system_info(
    system: SystemConfig, network: NetworkConfig, model: str, firmware: str, mac: str
) -> list[tuple[str, str]]:
    """``isystem.cgi`` (3.1.2); the MAC printed as the document's example does."""
    return [
        ("CameraName", system.camera_name),
        ("Location", system.location),
        ("Model", model),
        ("FirmwareVersion", firmware),
        ("MACAddress", mac.upper().replace(":", " ")),
        ("IPAddress", network.ip_address),
        ("EthernetLink", "Yes"),
        ("EthernetSpeed", "100M bps"),
        ("EthernetDuplex", "Full Duplex"),
    ]


def image_info(image: ImageConfig, frame_size: int) -> list[tuple[str, str]]:
    """``iimage.cgi`` (3.3.1): display strings."""
    width, height = image.size
    rate = image.frame_rate
    return [
        ("VideoResolution", f"{width} x {height}"),
        ("CompressionRate", COMPRESSIONS[image.compression_rate]),
        ("FrameRate", str(rate) if rate else "Auto"),
        ("FrameSize", str(frame_size)),
        ("LightFrequency", "60" if image.light_frequency else "50"),
    ]


def network_info(net: NetworkConfig) -> list[tuple[str, str]]:
    """``inetwork.cgi`` (3.4.1): status strings."""
    second = "Enable" if net.second_http_port_enable else "Disable"
    return [
        ("IPAddress", net.ip_address),
        ("SubnetMask", net.subnet_mask),
        ("DefaultGateway", net.default_gateway),
        ("PrimaryDNSAddress", net.dns1),
        ("SecondaryDNSAddress", net.dns2),
        ("DynamicDNS", "Enable" if net.ddns_enable else "Disable"),
        ("SecondaryHTTPPort", f"{second} (Port : {net.second_http_port})"),
        ("UpnP", f"Enable (IP : {net.ip_address})" if net.upnp_enable else "Disable"),
    ]


def wireless_info(wl: WirelessConfig) -> list[tuple[str, str]]:
    """``iwireless.cgi`` (3.4.4): status strings."""
    return [
        ("ConnectionMode", "Adhoc" if wl.connection_mode else "Infrastructure"),
        ("WirelessLink", "No"),
        ("SSID", wl.ssid),
        ("WirelessChannel", str(wl.wireless_channel)),
        ("TransmissionRate", wl.transmission_rate),
        ("WEPEncryption", "Disable" if wl.wep_encryption == 0 else "Enable"),
    ]


def io_status_line(io: Mapping[str, int], inputs: Mapping[int, int] | None, now: str) -> bytes:
    """The ``iocontrol.cgi`` read (5.1.1), ``Input1``/``Input2`` added when ``inputs``."""
    fields = [
        f"Trigger1={io['trigger1']}",
        f"Trigger2={io['trigger2']}",
        f"ImageUpload={io['image_upload']}",
        f"ImageEmail={io['image_email']}",
        f"CurrentTime={now}",
    ]
    if inputs is not None:
        fields += [f"Input1={inputs[1]}", f"Input2={inputs[2]}"]
    return ("&".join(fields) + "\r\n").encode()


def encode_io(flags: IoFlags, order: IoOrder = IoOrder.DOCUMENT) -> str:
    """Eight digits for ``flags`` (the inverse of ``iostate.decode_io``)."""
    outs = [flags.trigger1, flags.trigger2, flags.image_upload, flags.image_email]
    if order is IoOrder.DOCUMENT:
        bits = [*outs, False, False, False, False]
    else:
        bits = [bool(flags.input1), bool(flags.input2), False, False, *reversed(outs)]
    return "".join("1" if b else "0" for b in bits)


def format_date_header(time: str, io: str, pan: int, tilt: int) -> str:
    """A part's ``Date:`` value, e.g. ``2008-10-01 15:37:53 IO_00000000_PT_170_067``."""
    if not re.fullmatch(r"[01]{8}", io):
        raise ValueError(f"bad IO digits {io!r}")
    if not (0 <= pan <= 999 and 0 <= tilt <= 999):
        raise ValueError("pan/tilt out of range")
    return f"{time} IO_{io}_PT_{pan:03d}_{tilt:03d}"


def format_part(jpeg: bytes, date: str | None = None) -> bytes:
    """One part as the cameras send it: ``--video boundary--`` CRLF, ``Content-length``,
    ``Date``, ``Content-type``, blank line, the JPEG, CRLF CRLF."""
    lines = [BOUNDARY, f"Content-length: {len(jpeg)}"]
    if date is not None:
        lines.append(f"Date: {date}")
    lines.append("Content-type: image/jpeg")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return head + jpeg + b"\r\n\r\n"
