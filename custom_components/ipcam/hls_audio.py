"""Whether Home Assistant's HLS keeps the timing of the relay's AAC sound.

The MPEG-TS relay carries the camera's sound as ADTS AAC, the form MPEG-TS
requires. Home Assistant's stream worker passes ADTS through FFmpeg's
``aac_adtstoasc`` filter before it muxes the fMP4 segments of HLS. With PyAV
before 14 (Home Assistant 2025.4 and older) the filtered packets come back
without a time base, so their timestamps, ticks of 1/90,000 s, are taken as ticks
of the MP4 audio track's clock (1/16,000 s): the sound lands 5.6 times too late
and drifts away from the picture, and FFmpeg's interleaving then holds every
fragment of a segment back until the segment ends, which makes a cold live view
start about 1.3 s later. Newer PyAV keeps the time base and all is well.

``adts_timing_survives`` asks this process's PyAV what it does: it filters real
ADTS frames the way the stream worker does and looks at what comes out. Where the
answer is no, ``misplacing_agent`` names the consumer to serve without sound: the
stream worker's FFmpeg, which is this process's and introduces itself as
``Lavf/<libavformat version>``. Other consumers of the relay (go2rtc, which turns the
AAC into Opus for WebRTC) keep the sound.
"""

from __future__ import annotations

import functools
import io
import logging

from .protocols.audio.aac import AacEncoder

_LOGGER = logging.getLogger(__name__)

_PROBE_PCM = bytes(2 * 8000)  # a second of silence at the camera's 8 kHz


@functools.cache
def adts_timing_survives() -> bool:
    """Whether ADTS AAC keeps its time base through ``aac_adtstoasc`` here (blocking:
    imports and runs PyAV; the answer is kept for the life of the process). When the
    question cannot be asked, the sound is kept (what a current PyAV does)."""
    try:
        import av

        encoder = AacEncoder()
        frames = encoder.encode(_PROBE_PCM) + encoder.encode(_PROBE_PCM)
        with av.open(io.BytesIO(b"".join(frames)), "r", format="aac") as container:
            stream = container.streams.audio[0]
            bsf = av.BitStreamFilterContext("aac_adtstoasc", stream)
            for packet in container.demux(stream):
                if packet.dts is None:
                    continue
                time_base = packet.time_base
                filtered = bsf.filter(packet)
                if filtered:
                    return filtered[0].time_base == time_base
    except Exception:  # any failure here means "could not tell"
        _LOGGER.debug("Could not check how PyAV filters ADTS AAC", exc_info=True)
    return True


@functools.cache
def misplacing_agent() -> str | None:
    """The User-Agent of this process's FFmpeg (Home Assistant's stream worker) when its
    HLS remux would misplace the relay's sound; None when it keeps it (blocking)."""
    if adts_timing_survives():
        return None
    import av

    major, minor, micro = av.library_versions["libavformat"]
    return f"Lavf/{major}.{minor}.{micro}"
