"""An XM / DVRIP camera in Home Assistant, against the DVRIP simulator."""

from __future__ import annotations

import asyncio
import io
import logging

import av
import pytest
from homeassistant.components.camera import async_get_image, async_get_stream_source
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from yarl import URL

from custom_components.ipcam.const import (
    CONF_CHANNEL,
    CONF_STREAM_SOURCE,
    DOMAIN,
)
from custom_components.ipcam.coordinator import CODED_READ_EVERY
from custom_components.ipcam.hls_audio import adts_timing_survives
from custom_components.ipcam.mpegts_relay import DATA_LIVE_SERVER, LiveStreamServer
from custom_components.ipcam.protocols.audio.pcm import dominant_frequency
from custom_components.ipcam.protocols.base import StreamSource
from custom_components.ipcam.protocols.jpeg import jpeg_size
from tests.conftest import SIM_PASSWORD, StartSimulator
from tests.integration.conftest import AddEntry, camera_port
from tests.integration.helpers import (
    coordinator,
    decode_audio,
    decode_video,
    entity_id,
    keys,
    wait_for,
)


async def test_entities_from_the_devices_abilities(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.client.identity.serial
    assert {"motion", "human", "input", "video_loss", "tamper"} <= keys(
        hass, entry, "binary_sensor"
    )
    assert "alarm_out" in keys(hass, entry, "switch")
    assert "resolution" in keys(hass, entry, "select")
    assert {"ptz_up", "ptz_stop", "ptz_zoom_in", "reboot"} <= keys(hass, entry, "button")


async def test_pushed_alarms_drive_binary_sensors(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    human = entity_id(hass, entry, "binary_sensor", "human")
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    assert hass.states.get(motion).state == STATE_OFF
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_ON)
    assert hass.states.get(human).state == STATE_OFF
    await camera.push_event("human", True, 0)
    await wait_for(hass, lambda: hass.states.get(human).state == STATE_ON)
    await camera.push_event("motion", False, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_OFF)


async def test_alarm_out_resolution_and_ptz_change_the_camera(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    switch = entity_id(hass, entry, "switch", "alarm_out")
    await hass.services.async_call("switch", "turn_on", {ATTR_ENTITY_ID: switch}, blocking=True)
    assert camera.vendor_state()["settings"]["alarm_out"][0] is True
    assert hass.states.get(switch).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: switch}, blocking=True)
    assert camera.vendor_state()["settings"]["alarm_out"][0] is False
    assert hass.states.get(switch).state == STATE_OFF

    select = entity_id(hass, entry, "select", "resolution")
    state = hass.states.get(select)
    target = next(option for option in state.attributes["options"] if option != state.state)
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: select, "option": target}, blocking=True
    )
    assert hass.states.get(select).state == target
    width, height = (int(v) for v in target.split("x"))
    assert camera.vendor_state()["settings"]["encode"][0]["size"] == [width, height]

    before = list(camera.vendor_state()["ptz_commands"])
    await hass.services.async_call(
        "button",
        "press",
        {ATTR_ENTITY_ID: entity_id(hass, entry, "button", "ptz_left")},
        blocking=True,
    )
    commands = camera.vendor_state()["ptz_commands"][len(before) :]
    assert len(commands) >= 2  # the move, then the stop that ends the nudge
    assert camera.vendor_state()["ptz"][0] != {}


async def test_snapshot_is_a_jpeg(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    image = await async_get_image(hass, entity_id(hass, entry, "camera", "camera"))
    assert image.content.startswith(b"\xff\xd8")
    assert jpeg_size(image.content) != (0, 0)


async def test_live_view_from_the_dvrip_stream(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """stream_source() is ready at once and FFmpeg (PyAV) plays it; one camera stream."""
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    cam = entity_id(hass, entry, "camera", "camera")
    url = await async_get_stream_source(hass, cam)
    assert url is not None
    assert url.startswith("http://127.0.0.1:")
    assert SIM_PASSWORD not in url
    results = await asyncio.gather(
        asyncio.to_thread(decode_video, url, 30), asyncio.to_thread(decode_video, url, 30)
    )
    for codec, decoded, width, height in results:
        assert codec == "h264"
        assert decoded == 30
        size = camera.vendor_state()["settings"]["encode"][0]["size"]
        assert [width, height] == size
    assert camera.vendor_state()["streams_started"] == 1
    assert coordinator(entry).video.read_every == CODED_READ_EVERY  # batched reads, end to end
    await wait_for(hass, lambda: coordinator(entry).video.subscriber_count == 0)
    # A wrong token gets nothing.
    bad = url.replace("/live.ts", "x/live.ts")
    with pytest.raises(av.error.HTTPNotFoundError):
        await asyncio.to_thread(decode_video, bad.rsplit("/", 2)[0] + "/nope/live.ts", 1)


async def test_the_relay_carries_the_cameras_audio_as_aac(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """The camera's G.711 (a 1 kHz tone on channel 0) reaches FFmpeg as an AAC track of the
    relay, beside the copied H.264, on the one camera stream (a relay whose Home Assistant
    keeps the track's timing in HLS, whatever this PyAV does: test_hls_audio.py)."""
    hass.data[DATA_LIVE_SERVER] = LiveStreamServer(ask_pyav=False)
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = await async_get_stream_source(hass, entity_id(hass, entry, "camera", "camera"))
    assert url is not None
    (codec, rate, pcm), (video, decoded, _, _) = await asyncio.gather(
        asyncio.to_thread(decode_audio, url, 2.0), asyncio.to_thread(decode_video, url, 10)
    )
    assert (codec, rate) == ("aac", 16000)
    assert (video, decoded) == ("h264", 10)
    assert len(pcm) >= 2 * 16000 * 2
    assert abs(dominant_frequency(pcm[16000:], 16000) - 1000) <= 20  # past the encoder's delay
    assert camera.vendor_state()["streams_started"] == 1


async def test_a_relay_whose_hls_would_misplace_the_sound_leaves_it_out(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    """Where this PyAV would put the sound seconds after the picture in HLS, the relay
    serves the picture alone to Home Assistant's stream worker (this process's FFmpeg),
    although the camera sends sound; another consumer (go2rtc) still gets the sound."""
    major, minor, micro = av.library_versions["libavformat"]
    agent = f"Lavf/{major}.{minor}.{micro}"
    hass.data[DATA_LIVE_SERVER] = LiveStreamServer(silent_agent=agent, ask_pyav=False)
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = await async_get_stream_source(hass, entity_id(hass, entry, "camera", "camera"))
    assert url is not None
    assert camera.vendor_state()["settings"]["encode"][0]["audio"]
    assert await asyncio.to_thread(count_tracks, url) == (1, 0)
    session = async_get_clientsession(hass)
    async with session.get(url, headers={"User-Agent": "go2rtc/1.9.9"}) as response:
        head = await response.content.readexactly(64 * 1024)
    assert await asyncio.to_thread(count_tracks, io.BytesIO(head)) == (1, 1)


async def test_diagnostics_tell_whether_hls_gets_the_relays_sound(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    hass_client: ClientSessionGenerator,
) -> None:
    """Whether this installation's HLS has the camera's sound, without the relay's URL."""
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = await async_get_stream_source(hass, entity_id(hass, entry, "camera", "camera"))
    assert url is not None
    after = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    assert after["live"] == {"relayed": True, "hls_sound": adts_timing_survives()}
    token = URL(url).query["auth"]
    assert token not in repr(after)
    assert "live.ts" not in repr(after)


async def test_without_audio_the_relay_has_no_audio_track(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    camera.config["Simplify"]["Encode"][0]["MainFormat"]["AudioEnable"] = False
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = await async_get_stream_source(hass, entity_id(hass, entry, "camera", "camera"))
    assert url is not None
    assert await asyncio.to_thread(count_tracks, url) == (1, 0)


def count_tracks(url: str | io.BytesIO) -> tuple[int, int]:
    with av.open(url, timeout=10) as container:
        return len(container.streams.video), len(container.streams.audio)


async def test_stream_source_options(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, options={CONF_STREAM_SOURCE: StreamSource.GO2RTC.value})
    cam = entity_id(hass, entry, "camera", "camera")
    assert await async_get_stream_source(hass, cam) == (
        f"dvrip://admin:{SIM_PASSWORD}@127.0.0.1:{camera_port(camera)}?channel=0&subtype=0"
    )
    hass.config_entries.async_update_entry(
        entry, options={CONF_STREAM_SOURCE: StreamSource.RTSP.value}
    )
    assert await async_get_stream_source(hass, cam) == (
        f"rtsp://127.0.0.1:554/user=admin&password={SIM_PASSWORD}&channel=1&stream=0.sdp"
        "?real_stream"
    )


async def test_hls_stream_produces_segments(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry, hass_client
) -> None:
    """Home Assistant's own stream component opens the relay and cuts HLS segments."""
    from homeassistant.components.camera import _async_stream_endpoint_url

    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    cam = entity_id(hass, entry, "camera", "camera")
    camera_entity = hass.data["camera"].get_entity(cam)
    playlist_url = await _async_stream_endpoint_url(hass, camera_entity, "hls")
    client = await hass_client()
    async with asyncio.timeout(60):
        while True:
            response = await client.get(playlist_url)
            if response.status == 200:
                body = await response.text()
                if "#EXT-X-STREAM-INF" in body:
                    playlist_url = playlist_url.replace("master_playlist.m3u8", "playlist.m3u8")
                    continue
                if "#EXTINF" in body:
                    break
            await asyncio.sleep(0.5)
    segment = next(line for line in body.splitlines() if line and not line.startswith("#"))
    base = playlist_url.rsplit("/", 1)[0]
    response = await client.get(f"{base}/{segment}")
    assert response.status == 200
    media = await response.read()
    assert len(media) > 1000
    # The segment holds the copied H.264 and, where this PyAV keeps its place, the camera's
    # sound (AAC from the relay) alongside the picture.
    init = await (await client.get(f"{base}/init.mp4")).read()
    with av.open(io.BytesIO(init + media)) as fragment:
        assert fragment.streams.video[0].codec_context.name == "h264"
        tracks = [track.codec_context.name for track in fragment.streams.audio]
        assert tracks == (["aac"] if adts_timing_survives() else [])
        starts: dict[str, float] = {}
        for packet in fragment.demux():
            if packet.dts is not None and packet.time_base is not None:
                starts.setdefault(packet.stream.type, float(packet.dts * packet.time_base))
    if tracks:
        assert abs(starts["audio"] - starts["video"]) < 0.2
    stream = camera_entity.stream
    for provider in list(stream.outputs().values()):
        await stream.remove_provider(provider)  # clears the provider's idle timer
    await stream.stop()


async def test_dropped_connection_goes_unavailable_and_recovers(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    motion = entity_id(hass, entry, "binary_sensor", "motion")
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    await camera.inject_fault("refuse", 2)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_OFF, 30)
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    await camera.push_event("motion", True, 0)
    await wait_for(hass, lambda: hass.states.get(motion).state == STATE_ON)


async def test_wrong_password_starts_reauth_without_lockout(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, password="wrong")
    assert entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress_by_handler("ipcam")
    assert [flow["context"]["source"] for flow in flows] == ["reauth"]
    assert camera.vendor_state().get("locked", False) is False


async def test_the_relay_token_never_reaches_a_log_line(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Home Assistant's stream worker meets a relay with nothing to serve (503): it logs the
    URL, and with debug logging on, neither it nor the integration writes the token."""
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera, **{CONF_CHANNEL: 0})
    url = entry.runtime_data.live_url
    token = URL(url).query["auth"]
    caplog.set_level(logging.DEBUG)
    await camera.inject_fault("refuse", 60)
    await camera.inject_fault("drop", 0)
    cam = entity_id(hass, entry, "camera", "camera")
    entity = hass.data["camera"].get_entity(cam)
    stream = await entity.async_create_stream()
    assert stream is not None
    stream.add_provider("hls")
    await stream.start()
    try:
        await wait_for(hass, lambda: "Error opening stream" in caplog.text, 40)
    finally:
        await stream.stop()
    assert "live.ts" in caplog.text  # the URL was logged ...
    assert token not in caplog.text  # ... without its token


async def test_a_recorder_is_one_entry_with_a_device_per_channel(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip", channels=4)
    entry = await add_entry(camera)  # no channel: the whole recorder (new entries)
    layout = coordinator(entry).layout
    assert layout.recorder
    devices, entities = dr.async_get(hass), er.async_get(hass)
    recorder = devices.async_get_device(identifiers={(DOMAIN, layout.key_for(None))})
    assert recorder is not None
    sensors = {}
    for channel in range(4):
        key = layout.key_for(channel)
        # The key an entry made for this channel had: its entities carry over.
        assert key == (camera.serial if channel == 0 else f"{camera.serial}-{channel}")
        device = devices.async_get_device(identifiers={(DOMAIN, key)})
        assert device is not None and device.via_device_id == recorder.id
        assert device.name == f"CAM{channel + 1:02d}"
        sensors[channel] = entities.async_get_entity_id("binary_sensor", DOMAIN, f"{key}_motion")
        for platform, what in (("camera", "camera"), ("select", "white_light")):
            assert entities.async_get_entity_id(platform, DOMAIN, f"{key}_{what}"), (key, what)
    own = layout.key_for(None)
    assert entities.async_get_entity_id("switch", DOMAIN, f"{own}_alarm_out")
    assert entities.async_get_entity_id("switch", DOMAIN, f"{own}_input_armed")
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    await camera.push_event("motion", True, 3)
    await wait_for(hass, lambda: hass.states.get(sensors[3]).state == STATE_ON)
    assert [hass.states.get(sensors[n]).state for n in range(3)] == [STATE_OFF] * 3
    # One login for commands and one alarm connection for all four channels.
    assert camera.vendor_state()["guarded"] == 1
    assert camera.state()["logins"] == 2
    # A channel's settings go to that channel only.
    light = entities.async_get_entity_id("select", DOMAIN, f"{layout.key_for(2)}_white_light")
    assert light is not None
    assert hass.states.get(light).state == "auto"
    await hass.services.async_call(
        "select", "select_option", {ATTR_ENTITY_ID: light, "option": "on"}, blocking=True
    )
    assert camera.vendor_state()["settings"]["white_light"] == ["Auto", "Auto", "KeepOpen", "Auto"]
    assert coordinator(entry).channel_settings[2].values["white_light"] == "on"  # read back
    # ... and the select shows it (a channel's change alone notifies the entities).
    await wait_for(hass, lambda: hass.states.get(light).state == "on")


async def test_a_camera_as_a_new_entry_keeps_the_channel_0_id_and_gains_its_controls(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip")
    entry = await add_entry(camera)
    assert entry.runtime_data.client.identity.unique_id == camera.serial
    assert not coordinator(entry).layout.recorder
    assert "led" not in keys(hass, entry, "switch")  # the floodlight is a select of its modes
    assert {"motion_armed", "human_armed", "input_armed"} <= keys(hass, entry, "switch")
    assert "white_light" in keys(hass, entry, "select")
    light = entity_id(hass, entry, "select", "white_light")
    assert hass.states.get(light).attributes["options"] == ["auto", "on", "off", "smart"]
    motion = entity_id(hass, entry, "switch", "motion_armed")
    assert hass.states.get(motion).state == STATE_ON
    await hass.services.async_call("switch", "turn_off", {ATTR_ENTITY_ID: motion}, blocking=True)
    assert camera.vendor_state()["settings"]["motion_armed"] == [False]
    assert hass.states.get(motion).state == STATE_OFF


async def test_unconfirmed_pan_tilt_is_offered_disabled(
    hass: HomeAssistant, start_simulator: StartSimulator, add_entry: AddEntry
) -> None:
    camera = await start_simulator("dvrip", ptz_flag="false")
    entry = await add_entry(camera)
    assert entry.runtime_data.client.ptz_confirmed is False
    registry = er.async_get(hass)
    button = registry.async_get(entity_id(hass, entry, "button", "ptz_left"))
    assert button is not None and button.disabled_by is not None
    assert "ptz_zoom_in" not in keys(hass, entry, "button")


@pytest.mark.parametrize(
    ("options", "extra"),
    [
        ({}, {CONF_CHANNEL: 0}),  # the default camera
        ({"white_light": False, "talk": False, "alarm_inputs": 0}, {CONF_CHANNEL: 0}),
        ({"channels": 4}, {}),  # a recorder as one entry
    ],
    ids=["camera", "bare camera", "recorder"],
)
async def test_set_up_asks_the_camera_each_question_once(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    add_entry: AddEntry,
    options: dict[str, object],
    extra: dict[str, object],
) -> None:
    """A whole set-up (connect, the first settings read, the entities, the alarm connection)
    asks no config section, ability or SystemInfo twice: the first settings read takes what
    connect read (DVRIP has one request in flight per connection: each question is a round
    trip)."""
    camera = await start_simulator("dvrip", **options)
    entry = await add_entry(camera, **extra)
    assert entry.state is ConfigEntryState.LOADED
    await wait_for(hass, lambda: camera.vendor_state()["guarded"] >= 1)
    questions = {
        key: count
        for key, count in camera.requests.items()
        if key.split(" ")[0] in ("1020", "1042", "1048", "1360")
    }
    assert questions and all(count == 1 for count in questions.values()), questions
