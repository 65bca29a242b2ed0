"""The streamed HTTP response reader: head, identity / Content-Length / chunked bodies, bounds."""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError
from custom_components.ipcam.protocols.httpstream import ResponseStream, get_request

HEAD = b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=x\r\n\r\n"


def _feed_each(stream: ResponseStream, data: bytes, size: int) -> bytes:
    return b"".join(stream.feed(data[i : i + size]) for i in range(0, len(data), size))


def test_the_request_is_http_1_0_with_the_given_headers() -> None:
    assert get_request("/mjpeg.cgi", "cam:80", {"Authorization": "Basic eA=="}) == (
        b"GET /mjpeg.cgi HTTP/1.0\r\nHost: cam:80\r\nAuthorization: Basic eA==\r\n\r\n"
    )
    with pytest.raises(InvalidValue):
        get_request("/x", "cam\r\nX: y", {})
    with pytest.raises(InvalidValue):
        get_request("/x", "cam", {"User-Agent": "\u20ac"})


@pytest.mark.parametrize("size", [1, 7, 100_000])
def test_a_body_until_the_end_comes_as_it_arrives(size: int) -> None:
    stream = ResponseStream()
    body = bytes(range(256)) * 40
    assert _feed_each(stream, HEAD + body, size) == body
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("multipart/")
    assert not stream.complete
    stream.close()  # the server closing ends such a body cleanly


@pytest.mark.parametrize("size", [1, 5, 100_000])
def test_content_length_ends_the_body(size: int) -> None:
    stream = ResponseStream()
    data = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 5\r\n\r\nnope!and more"
    assert _feed_each(stream, data, size) == b"nope!"
    assert (stream.status, stream.complete) == (401, True)
    stream.close()
    short = ResponseStream()
    short.feed(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nabc")
    with pytest.raises(ProtocolError, match="Content-Length"):
        short.close()


@pytest.mark.parametrize("size", [1, 3, 100_000])
def test_a_chunked_body_is_decoded(size: int) -> None:
    stream = ResponseStream()
    data = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n1A\r\n" + b"z" * 26 + b"\r\n0\r\nTrailer: x\r\n\r\nignored"
    )
    assert _feed_each(stream, data, size) == b"hello" + b"z" * 26
    assert stream.complete
    stream.close()
    cut = ResponseStream()
    cut.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
    with pytest.raises(ProtocolError, match="chunk"):
        cut.close()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"RTSP/1.0 200 OK\r\n\r\n", "not an HTTP response"),
        (b"HTTP/1.0 200 OK\r\n" + b"X: y\r\n" * 5000, "head too long"),
        (b"HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"1" * 2000, "too long"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "line end"),
    ],
)
def test_what_is_no_http_response_is_refused(data: bytes, match: str) -> None:
    with pytest.raises(ProtocolError, match=match):
        ResponseStream().feed(data)


def test_a_head_cut_short_and_odd_header_lines() -> None:
    stream = ResponseStream()
    stream.feed(b"HTTP/1.0 200 OK\r\nServ")
    with pytest.raises(ProtocolError, match="inside its head"):
        stream.close()
    odd = ResponseStream()
    assert odd.feed(b"HTTP/1.0 200\r\nno colon here\r\nA:  b \r\n\r\nbody") == b"body"
    assert odd.headers == {"a": "b"}
