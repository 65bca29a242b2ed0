"""What a DVRIP client makes of its device's answers, without a connection: scopes,
channels, channel clients, the alarms it reports."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.ipcam.protocols.base import Capability, ChannelInfo, StreamSource
from custom_components.ipcam.protocols.dvrip import device
from custom_components.ipcam.protocols.dvrip.codes import MsgId
from custom_components.ipcam.protocols.dvrip.model import ClientModel
from custom_components.ipcam.protocols.errors import InvalidValue, NotSupported, ProtocolError
from simulator.dvrip import config


class Model(ClientModel):
    """A client without connections."""

    async def connect(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        pass

    def _channel_client(self, channel: int) -> ClientModel:
        return Model(self.host, self.port, "admin", "pw", channel=channel, shared=True)

    answers: dict[str, Any] = {}
    sent: list[tuple[int, str, object]] = []

    async def _command(self, msg_id: int, name: str, value: object = None) -> dict[str, Any]:
        self.sent.append((msg_id, name, value))
        return {name: self.answers[name]} if name in self.answers else {}


def _facts(channels: int) -> device.DeviceFacts:
    tree = config.default_config(channels)
    answers: dict[str, Any] = {**config.abilities(channels)}
    answers |= {
        "NetWork.NetCommon": tree["NetWork"]["NetCommon"],
        "Simplify.Encode": tree["Simplify"]["Encode"],
        "Camera.WhiteLight": tree["Camera"]["WhiteLight"],
        "Alarm.LocalAlarm": tree["Alarm"]["LocalAlarm"],
        "ChannelTitle": [f"Door {n}" for n in range(channels)],
    }
    login = device.LoginReply(channel_count=channels)
    return device.DeviceFacts.from_answers(login, config.system_info(channels, "SN1"), answers)


def test_a_recorder_and_its_channels_without_a_connection() -> None:
    recorder = Model("192.0.2.1", 34567, "admin", "pw", channel=None)
    recorder.learn(_facts(3), {"SystemFunction": {}})
    assert recorder.channels == tuple(ChannelInfo(n, f"Door {n}") for n in range(3))
    assert (recorder.alarm_channel, recorder.identity.unique_id) == (None, "SN1")
    assert Capability.VIDEO not in recorder.capabilities
    assert recorder.diagnostics()["scope"] == "recorder"
    two = recorder.channel_client(2)
    assert isinstance(two, Model)
    assert (two.identity.unique_id, two.alarm_channel, two.abilities) == (
        "SN1-2",
        2,
        {"SystemFunction": {}},
    )
    assert two.channels == (ChannelInfo(2, "Door 2"),)
    assert two.channel_client(2) is two
    assert {Capability.VIDEO, Capability.WHITE_LIGHT} <= two.capabilities
    assert two.stream_source_url(StreamSource.GO2RTC, None) == (
        "dvrip://admin:pw@192.0.2.1:34567?channel=2&subtype=0"
    )
    # The device's answers again (a reconnect): its channel clients learn them too.
    recorder.learn(_facts(3), {})
    assert recorder.channel_client(2) is two and two.abilities == {}
    with pytest.raises(InvalidValue):
        recorder.channel_client(3)


@pytest.mark.parametrize("channel", [None, 0])
def test_a_camera_is_its_own_channel(channel: int | None) -> None:
    camera = Model("192.0.2.1", 34567, "admin", "pw", channel=channel)
    camera.learn(_facts(1), {})
    assert camera.channel_client(0) is camera
    assert camera.alarm_channel is None
    assert {Capability.VIDEO, Capability.REBOOT} <= camera.capabilities


async def test_what_a_recorder_itself_cannot_do() -> None:
    recorder = Model("192.0.2.1", 34567, "admin", "pw", channel=None)
    recorder.learn(_facts(2), {})
    with pytest.raises(NotSupported):
        await recorder.ptz_presets()
    with pytest.raises(InvalidValue):
        Model("192.0.2.1", 34567, "admin", "pw", channel=-1)
    assert "pw" not in repr(recorder) and "pw" not in repr(recorder.diagnostics())


async def test_settings_requests_are_composed_without_a_connection() -> None:
    """The requests ``model.py`` composes over the shell's ``_command``: a config read by its
    dotted name, a reply without it refused, a write sent as given."""
    model = Model("192.0.2.1", 34567, "admin", "pw", channel=0)
    model.answers = {"Camera.WhiteLight": {"WorkMode": "Auto"}}
    model.sent = []
    assert await model.get_config("Camera.WhiteLight") == {"WorkMode": "Auto"}
    with pytest.raises(ProtocolError, match="without 'Detect.MotionDetect'"):
        await model.get_config("Detect.MotionDetect")
    await model.set_config("Camera.WhiteLight", {"WorkMode": "Close"})
    assert [(msg_id, name) for msg_id, name, _ in model.sent] == [
        (MsgId.CONFIG_GET, "Camera.WhiteLight"),
        (MsgId.CONFIG_GET, "Detect.MotionDetect"),
        (MsgId.CONFIG_SET, "Camera.WhiteLight"),
    ]
    assert model.sent[-1][2] == {"WorkMode": "Close"}
