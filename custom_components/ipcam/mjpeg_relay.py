"""Live MJPEG for JPEG cameras: each picture framed once, the same bytes to every viewer.

The camera's pictures come from one upstream (``VideoHub``), parsed once. For
each picture the multipart part (and the HTTP/1.1 chunk around it) is built once
and written to every viewer's socket as it arrives: a viewer is a sink of the
hub, not a task with a queue, so N viewers cost N socket writes per picture and
nothing else. A viewer whose socket does not keep up skips pictures (at most a
few pictures' worth of bytes wait for it) instead of delaying the others.
"""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.http import HttpVersion11

from .protocols.base import VideoFrame
from .video_hub import VideoHub

BOUNDARY = "ipcamframe"
CONTENT_TYPE = f"multipart/x-mixed-replace;boundary={BOUNDARY}"
_PART_HEAD = f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n".encode()
# Pictures' worth of bytes that may wait in a viewer's socket buffer before it skips some.
BUFFERED_FRAMES = 4


class MjpegRelay:
    """The MJPEG live view of one camera, for any number of viewers."""

    def __init__(self, hub: VideoHub) -> None:
        self._hub = hub
        self._frame: VideoFrame | None = None  # the picture the bytes below belong to
        self._part = b""
        self._chunk = b""
        self.skipped = 0  # pictures a slow viewer did not get

    def _bytes(self, frame: VideoFrame, chunked: bool) -> bytes:
        """The picture as a multipart part (in an HTTP/1.1 chunk), built once per picture."""
        if frame is not self._frame:
            self._frame, self._part, self._chunk = frame, b"", b""
        if chunked:
            if not self._chunk:
                data = frame.data
                head = _PART_HEAD % len(data)
                size = b"%x\r\n" % (len(head) + len(data) + 2)
                self._chunk = b"".join((size, head, data, b"\r\n\r\n"))
            return self._chunk
        if not self._part:
            data = frame.data
            self._part = b"".join((_PART_HEAD % len(data), data, b"\r\n"))
        return self._part

    async def serve(self, request: web.Request) -> web.StreamResponse:
        """Stream the camera's pictures to this viewer until it leaves or the stream ends."""
        response = web.StreamResponse()
        response.content_type = CONTENT_TYPE
        # Chunked as aiohttp would make it, but framed here once for every viewer.
        chunked = request.version >= HttpVersion11
        if chunked:
            response.enable_chunked_encoding()
        try:
            await response.prepare(request)
        except ConnectionError:
            return response  # the viewer left before the first byte
        transport = request.transport
        if transport is None or transport.is_closing():
            return response
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def deliver(frame: VideoFrame | None) -> None:
            if frame is None or transport.is_closing():
                if not done.done():
                    done.set_result(None)
                return
            # Built by the first viewer the picture reaches; the others take it as it is
            # (every Python call here is paid once per viewer and picture).
            data = self._chunk if chunked else self._part
            if frame is not self._frame or not data:
                data = self._bytes(frame, chunked)
            if transport.get_write_buffer_size() > BUFFERED_FRAMES * len(data):
                self.skipped += 1  # this viewer is behind: it gets a later picture
                return
            transport.write(data)

        detach = self._hub.attach(deliver)
        try:
            await done
        finally:
            detach()
        return response
