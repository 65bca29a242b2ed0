"""What the demo installs in Home Assistant: the dashboard, a sample automation, a chime."""

from __future__ import annotations

from typing import Any

FAMILIES = ("cgi", "foscam", "dvrip", "grandstream")
FAMILY_TITLES = {
    "cgi": "IPCamCGI",
    "foscam": "Foscam",
    "dvrip": "XMEye (DVRIP)",
    "grandstream": "Grandstream",
}


def doorbell_chime() -> bytes:
    """A two-tone chime (1.2 s, 16 kHz WAV) for the Speaker's Browse media."""
    import math
    import struct

    rate = 16000
    samples = []
    for hz, seconds in ((660, 0.45), (520, 0.75)):
        count = int(rate * seconds)
        for i in range(count):
            fade = min(1.0, (count - i) / (rate * 0.3))
            samples.append(int(12000 * fade * math.sin(2 * math.pi * hz * i / rate)))
    data = struct.pack(f"<{len(samples)}h", *samples)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(data),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        len(data),
    )
    return header + data


def dashboard(
    entities: dict[str, dict[str, list[str]]], names: dict[str, str] | None = None
) -> dict[str, Any]:
    """One view: per camera its live view (with talk where it has a speaker) and controls."""
    names = names or {}

    def row(entity_id: str) -> dict[str, str]:
        return {"entity": entity_id, "name": names.get(entity_id, entity_id)}

    cards: list[dict[str, Any]] = [
        {
            "type": "entities",
            "title": "Demo automation",
            "entities": ["counter.ipcam_motion_events", "input_text.ipcam_last_alarm"],
            "footer": {
                "type": "buttons",
                "entities": [{"entity": "automation.ipcam_demo_alarm_seen", "name": "Automation"}],
            },
        }
    ]
    for family in FAMILIES:
        domains = entities.get(family)
        if not domains or not domains.get("camera"):
            continue
        camera = domains["camera"][0]
        stack: list[dict[str, Any]] = []
        # Live view, with push-to-talk where the camera has a speaker.
        talk_card: dict[str, Any] = {"type": "custom:ipcam-talk-card", "entity": camera}
        if not domains.get("media_player"):
            talk_card["talk"] = False
        stack.append(talk_card)
        rows: list[Any] = []
        alarms = domains.get("binary_sensor", []) + domains.get("event", [])
        if alarms:
            rows += [{"type": "section", "label": "Alarms"}, *map(row, alarms)]
        controls = domains.get("switch", []) + domains.get("select", [])
        if controls:
            rows += [{"type": "section", "label": "Settings"}, *map(row, controls)]
        if domains.get("media_player"):
            rows += map(row, domains["media_player"])
        if rows:
            stack.append({"type": "entities", "entities": rows, "state_color": True})
        buttons = domains.get("button", [])
        if buttons:
            stack.append(
                {
                    "type": "grid",
                    "columns": 4,
                    "square": False,
                    "cards": [
                        {
                            "type": "button",
                            "entity": button,
                            "name": names.get(button, button),
                            "show_state": False,
                            "tap_action": {
                                "action": "perform-action",
                                "perform_action": "button.press",
                                "target": {"entity_id": button},
                            },
                        }
                        for button in buttons
                    ],
                }
            )
        cards.append(
            {"type": "vertical-stack", "title": FAMILY_TITLES.get(family, family), "cards": stack}
        )
    view = {"title": "Cameras", "path": "cameras", "cards": cards}
    return {"title": "ipcam demo", "views": [view]}


def sample_automation(alarm_sensors: list[str]) -> dict[str, Any]:
    """Count every alarm a camera pushes and say which one it was."""
    return {
        "id": "ipcam_demo_alarm_seen",
        "alias": "ipcam demo: alarm seen",
        "description": "Counts camera alarms and shows the last one on the dashboard.",
        "triggers": [{"trigger": "state", "entity_id": alarm_sensors, "to": "on"}],
        "actions": [
            {"action": "counter.increment", "target": {"entity_id": "counter.ipcam_motion_events"}},
            {
                "action": "input_text.set_value",
                "target": {"entity_id": "input_text.ipcam_last_alarm"},
                "data": {
                    "value": "{{ trigger.to_state.name }} at {{ now().strftime('%H:%M:%S') }}"
                },
            },
        ],
        "mode": "queued",
    }
