"""The relay's sound through Home Assistant's HLS remux: the probe answers what the remux does.

The relay's MPEG-TS (our muxer: H.264 and ADTS AAC) is remuxed the way Home
Assistant's stream worker does it (its own choice of bitstream filter, fragmented
MP4 with its options), and the sound's place in the result is compared with the
picture's. ``adts_timing_survives`` must say whether that place is right, on
whatever PyAV this runs with.
"""

from __future__ import annotations

import io

import av
from homeassistant.components.stream.worker import get_audio_bitstream_filter

from custom_components.ipcam.hls_audio import adts_timing_survives
from custom_components.ipcam.protocols.audio.aac import FRAME_SAMPLES, OUTPUT_RATE, AacEncoder
from custom_components.ipcam.protocols.audio.pcm import tone_pcm
from custom_components.ipcam.protocols.mpegts import CLOCK_HZ, TsMuxer
from simulator.media import video_cycle

FPS = 25
# Home Assistant's LL-HLS muxer options (stream/worker.py, make_new_av).
SEGMENT_OPTIONS = {
    "movflags": "empty_moov+default_base_moof+frag_discont+negative_cts_offsets"
    "+skip_trailer+delay_moov",
    "avoid_negative_ts": "make_non_negative",
    "frag_duration": "450000",
}


def _relay_stream() -> bytes:
    """Two seconds of what the relay writes: H.264 at 25 fps with the sound it came with."""
    muxer, encoder, out = TsMuxer("h264", audio=True), AacEncoder(), []
    audio_pts = CLOCK_HZ
    for index, unit in enumerate(video_cycle(160, 96, FPS, "h264", count=50, gop=25)):
        out.append(muxer.mux(unit.data, CLOCK_HZ + index * CLOCK_HZ // FPS, unit.keyframe))
        for adts in encoder.encode(tone_pcm(1000, 1 / FPS)):
            out.append(muxer.mux_audio(adts, audio_pts))
            audio_pts += FRAME_SAMPLES * CLOCK_HZ // OUTPUT_RATE
    return b"".join(out)


def _remuxed_spans(stream: bytes) -> dict[str, tuple[float, float]]:
    """First and last timestamp (s) of each track of the fMP4 remux of ``stream``."""
    output = io.BytesIO()
    with av.open(io.BytesIO(stream), format="mpegts") as source:
        video, audio = source.streams.video[0], source.streams.audio[0]
        packets = [p for p in source.demux(video, audio) if p.dts is not None]
        name = get_audio_bitstream_filter(iter(packets), audio)
        bsf = av.BitStreamFilterContext(name, audio) if name else None
        target = av.open(output, "w", format="mp4", container_options=SEGMENT_OPTIONS)
        tracks = {
            video: target.add_stream(template=video),
            audio: target.add_stream(template=audio),
        }
        for packet in packets:
            track = tracks[packet.stream]
            for muxed in bsf.filter(packet) if bsf and packet.stream is audio else [packet]:
                muxed.stream = track
                target.mux(muxed)
        target.close()
    times: dict[str, list[float]] = {}
    output.seek(0)
    with av.open(output) as remuxed:
        for packet in remuxed.demux():
            if packet.dts is not None and packet.time_base is not None:
                times.setdefault(packet.stream.type, []).append(
                    float(packet.dts * packet.time_base)
                )
    return {kind: (found[0], found[-1]) for kind, found in times.items()}


def test_the_probe_answers_whether_the_sound_keeps_its_place() -> None:
    spans = _remuxed_spans(_relay_stream())
    (video_first, video_last), (audio_first, audio_last) = spans["video"], spans["audio"]
    kept = abs(audio_first - video_first) < 0.1 and abs(audio_last - video_last) < 0.3
    assert adts_timing_survives() is kept
