"""The ``/mjpeg.cgi`` exchange as bytes in, parts out (sans-I/O; the client runs it on a socket).

The request is an HTTP/1.0 GET with Basic credentials (as the document's
clients send it); the answer's status becomes the library's error (401/403
``AuthError``, 503 ``DeviceBusy``, ... as for every CGI); its body goes through
``MjpegParser``. Reading the stream this way, the parts of one socket read are
cut in the read's own callback.
"""

from __future__ import annotations

from ..errors import CannotConnect, ProtocolError
from ..httpstream import ResponseStream, get_request
from .calls import MJPEG, check_status
from .mjpeg import MjpegParser, MjpegPart

ERROR_BODY = 1024  # bytes of an error answer kept for its message
USER_AGENT = "user"  # what D-Link's applet sends


def request(host: str, authorization: str) -> bytes:
    """The stream's request to ``host`` (``name:port`` as in a URL)."""
    return get_request(MJPEG, host, {"Authorization": authorization, "User-Agent": USER_AGENT})


class MjpegResponse:
    """The answer to ``request()``: ``feed`` received bytes, get the parts they completed.

    Raises the status's error once the head is in, ``ProtocolError`` for bytes
    that are no MJPEG stream, and ``CannotConnect`` (after the last part) when the
    answer ends; ``closed()`` says the same when the connection ends.
    """

    def __init__(self, max_frame: int) -> None:
        self._http = ResponseStream()
        self._parser = MjpegParser(max_frame)
        self.ended = False  # the answer is whole (a Content-Length, or the last chunk)

    @property
    def started(self) -> bool:
        """The camera answered 200: parts may follow."""
        return self._http.status == 200

    def feed(self, data: bytes) -> list[MjpegPart]:
        http = self._http
        body = http.feed(data)
        status = http.status
        if status != 200:
            if status is None:
                return []
            check_status(status, MJPEG, body[:ERROR_BODY])
            raise ProtocolError(f"{MJPEG}: unexpected HTTP status {status}")
        parts = self._parser.feed(body) if body else []
        if http.complete:  # a Content-Length, or the last chunk: nothing more comes
            self.ended = True
            parts += self._parser.close()
        return parts

    @property
    def buffered(self) -> int:
        """Bytes of the body held until the next read completes a part."""
        return self._parser.buffered

    def closed(self) -> list[MjpegPart]:
        """The camera closed the connection: the last part if it is whole; ``ProtocolError``
        if the stream stopped inside one."""
        if self._http.complete:
            return []
        self._http.close()
        self.ended = True
        return self._parser.close()

    @staticmethod
    def end_error() -> CannotConnect:
        return CannotConnect(f"{MJPEG}: the camera ended the stream")
