"""The streamed HTTP response reader: head, identity / Content-Length / chunked bodies, bounds;
the requests; a whole bounded answer (``WholeResponse``)."""

from __future__ import annotations

import base64

import pytest

from custom_components.ipcam.protocols.errors import CannotConnect, InvalidValue, ProtocolError
from custom_components.ipcam.protocols.httpstream import (
    NoAnswer,
    ResponseStream,
    WholeResponse,
    basic_auth,
    get_request,
    request,
)

HEAD = b"HTTP/1.0 200 OK\r\nContent-Type: multipart/x-mixed-replace;boundary=x\r\n\r\n"


def _feed_each(stream: ResponseStream, data: bytes, size: int) -> bytes:
    return b"".join(stream.feed(data[i : i + size]) for i in range(0, len(data), size))


def _whole_each(answer: WholeResponse, data: bytes, size: int) -> list[bool]:
    """Every read fed (``feed`` says after each whether the answer is whole)."""
    return [answer.feed(data[i : i + size]) for i in range(0, len(data), size)]


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


def test_requests_carry_their_body_and_its_length() -> None:
    assert request("POST", "/a.cgi", "cam:80", {"X": "y"}, b"A=1") == (
        b"POST /a.cgi HTTP/1.0\r\nHost: cam:80\r\nX: y\r\nContent-Length: 3\r\n\r\nA=1"
    )
    assert request("POST", "/a.cgi", "cam", {}).endswith(b"\r\nContent-Length: 0\r\n\r\n")
    assert b"Content-Length" not in request("GET", "/a.cgi?b=%20", "cam", {})
    for target in ("a.cgi", "/a b", "/\u00e9", "/a\tb"):
        with pytest.raises(InvalidValue, match="target"):
            request("GET", target, "cam", {})


def test_basic_credentials() -> None:
    assert basic_auth("admin", "") == "Basic YWRtaW46"
    assert basic_auth("\u00e9", "p:w") == "Basic " + base64.b64encode(b"\xe9:p:w").decode()
    assert basic_auth("\u20ac", "x") == "Basic " + base64.b64encode("\u20ac:x".encode()).decode()
    with pytest.raises(InvalidValue, match="colon"):
        basic_auth("a:b", "x")


@pytest.mark.parametrize("status", [b"100 Continue", b"204 No Content", b"304 Not Modified"])
def test_statuses_without_a_body(status: bytes) -> None:
    stream = ResponseStream()
    assert stream.feed(b"HTTP/1.1 " + status + b"\r\nContent-Length: 5\r\n\r\nhello") == b""
    assert stream.complete


@pytest.mark.parametrize("size", [1, 4, 100_000])
def test_a_whole_answer_by_length_chunks_or_the_end(size: int) -> None:
    framed = WholeResponse(100, "/x.cgi")
    data = b"HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more"
    assert any(_whole_each(framed, data, size))
    assert (framed.status, framed.body, framed.complete) == (200, b"hello", True)
    framed.close()  # the end after a whole answer changes nothing
    chunked = WholeResponse(100, "/x.cgi")
    data = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n"
    assert any(_whole_each(chunked, data, size))
    assert chunked.body == b"hello"
    until = WholeResponse(100, "/x.cgi")
    data = b"HTTP/1.0 200 OK\r\n\r\nhello"
    assert not any(_whole_each(until, data, size))
    until.close()
    assert (until.body, until.complete) == (b"hello", True)


def test_a_whole_answer_is_bounded() -> None:
    with pytest.raises(ProtocolError, match=r"^/x\.cgi: HTTP answer of 101 bytes is over 100"):
        WholeResponse(100, "/x.cgi").feed(b"HTTP/1.0 200 OK\r\nContent-Length: 101\r\n\r\n")
    growing = WholeResponse(100, "/x.cgi")
    growing.feed(b"HTTP/1.0 200 OK\r\n\r\n" + b"x" * 60)
    with pytest.raises(ProtocolError, match="larger than 100 bytes"):
        growing.feed(b"x" * 41)
    assert len(growing.body) == 60  # nothing past the limit was kept
    chunks = WholeResponse(100, "/x.cgi")
    with pytest.raises(ProtocolError, match="larger than"):
        chunks.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n" + b"x" * 101)


@pytest.mark.parametrize(
    ("data", "error", "match"),
    [
        (b"", NoAnswer, "without answering"),
        (b"HTTP/1.0 200 OK\r\nServ", NoAnswer, "without answering"),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nabc", CannotConnect, "Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", CannotConnect, "chunk"),
    ],
)
def test_a_whole_answer_cut_short(data: bytes, error: type[Exception], match: str) -> None:
    answer = WholeResponse(100, "/x.cgi")
    answer.feed(data)
    with pytest.raises(error, match=match) as info:
        answer.close()
    assert str(info.value).startswith("/x.cgi: ")
    assert isinstance(info.value, CannotConnect)


def test_broken_framing_of_a_whole_answer_is_cannot_connect() -> None:
    with pytest.raises(CannotConnect, match=r"^/x\.cgi: not an HTTP response"):
        WholeResponse(100, "/x.cgi").feed(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    with pytest.raises(CannotConnect, match="head too long"):
        WholeResponse(100, "/x.cgi").feed(b"HTTP/1.0 200 OK\r\n" + b"X: y\r\n" * 5000)
