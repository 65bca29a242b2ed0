"""IPCamCGI MJPEG framing: the ``--video boundary--`` quirk, broken lengths, bounds.

Streams are built with the simulator's part encoder (``simulator.cgi.answers``).
"""

from __future__ import annotations

import random

import pytest

from custom_components.ipcam.protocols.cgi.mjpeg import (
    FrameClock,
    MjpegParser,
    MjpegPart,
    is_jpeg,
    jpeg_size,
)
from custom_components.ipcam.protocols.errors import ProtocolError
from simulator.cgi.answers import BOUNDARY, CONTENT_TYPE, format_part
from simulator.media import jpeg_cycle
from tests.protocols.cgi.inputs import cases, chunked


def make_jpeg(width: int, height: int, total: int | None = None, fill: int = 0x11) -> bytes:
    """A minimal JPEG-shaped blob: SOI, SOF0, an APP segment of padding, EOI."""
    sof = b"\xff\xc0\x00\x11\x08" + height.to_bytes(2, "big") + width.to_bytes(2, "big")
    sof += b"\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    head = b"\xff\xd8" + sof
    pad = 8 if total is None else total - len(head) - 4 - 2
    assert 0 <= pad <= 65533 - 2
    app = b"\xff\xe0" + (pad + 2).to_bytes(2, "big") + bytes([fill]) * pad
    data = head + app + b"\xff\xd9"
    assert total is None or len(data) == total
    return data


J1 = make_jpeg(160, 120, fill=0x01)
J2 = make_jpeg(320, 240, fill=0x02)
J3 = make_jpeg(640, 480, fill=0x03)
DATE = "2008-10-01 15:37:53 IO_00000001_PT_170_067"


def feed_all(parser: MjpegParser, chunks: list[bytes]) -> list[MjpegPart]:
    parts: list[MjpegPart] = []
    for chunk in chunks:
        parts += parser.feed(chunk)
    parts += parser.close()
    return parts


def parse(data: bytes, **kwargs: int) -> list[MjpegPart]:
    return feed_all(MjpegParser(**kwargs), [data])


def spec_stream() -> bytes:
    return b"".join(format_part(j, DATE) for j in (J1, J2, J3))


def test_content_type_has_the_quirky_boundary() -> None:
    assert CONTENT_TYPE == "multipart/x-mixed-replace;boundary=--video boundary--"


def test_format_part_layout() -> None:
    part = format_part(J1, DATE)
    head = (
        b"--video boundary--\r\n"
        + f"Content-length: {len(J1)}\r\n".encode()
        + f"Date: {DATE}\r\n".encode()
        + b"Content-type: image/jpeg\r\n\r\n"
    )
    assert part == head + J1 + b"\r\n\r\n"


def test_spec_stream() -> None:
    parts = parse(spec_stream())
    assert [p.jpeg for p in parts] == [J1, J2, J3]
    assert parts[0].state is not None
    assert (parts[0].state.io, parts[0].state.pan, parts[0].state.tilt) == ("00000001", 170, 67)
    assert parts[0].headers["content-type"] == "image/jpeg"
    assert parts[0].date == DATE


def test_every_split_point() -> None:
    data = spec_stream()
    expected = [J1, J2, J3]
    for cut in range(len(data) + 1):
        parts = feed_all(MjpegParser(), [data[:cut], data[cut:]])
        assert [p.jpeg for p in parts] == expected, cut


def test_byte_by_byte() -> None:
    data = spec_stream()
    parts = feed_all(MjpegParser(), [data[i : i + 1] for i in range(len(data))])
    assert [p.jpeg for p in parts] == [J1, J2, J3]
    assert all(p.state is not None for p in parts)


def test_dcs5000l_capture_layout() -> None:
    """Test vector (docs/protocols/cgi.md): ``Content-length: 42050`` -> 42050 bytes."""
    jpeg = make_jpeg(640, 480, total=42050)
    part = (
        b"Content-length: 42050\r\n"
        b"Date: 03-28-2025 12:32:19 AM IO_00000000_PT_191_010\r\n"
        b"Content-type: image/jpeg\r\n\r\n" + jpeg + b"\r\n\r\n--video boundary--\r\n"
    )
    parts = parse(part * 3)
    assert [len(p.jpeg) for p in parts] == [42050] * 3
    assert parts[0].state is not None
    assert parts[0].state.time == "03-28-2025 12:32:19 AM"
    assert (parts[0].state.pan, parts[0].state.tilt) == (191, 10)


def test_spec_capitalisation_and_case_insensitive_headers() -> None:
    part = (
        (
            f"{BOUNDARY}\r\nCONTENT-LENGTH: {len(J2)}\r\nDATE: {DATE}\r\n"
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + J2
        + b"\r\n\r\n"
    )
    parts = parse(part)
    assert [p.jpeg for p in parts] == [J2]
    assert parts[0].state is not None


def test_rfc_style_delimiters_and_lf_only() -> None:
    data = b""
    for jpeg in (J1, J2):
        data += b"\n----video boundary--\nContent-Type: image/jpeg\n"
        data += f"Content-Length: {len(jpeg)}\n\n".encode() + jpeg
    data += b"\n----video boundary----\n"
    assert [p.jpeg for p in parse(data)] == [J1, J2]


@pytest.mark.parametrize(
    "length",
    ["", "abc", "-5", "10", "70", "{n_minus}", "{n_plus}", "{far}"],
    ids=["missing", "text", "negative", "short", "short2", "n-1", "n+1", "far"],
)
def test_broken_content_length(length: str) -> None:
    """Wrong or missing Content-length: fall back to the JPEG end marker."""
    data = b""
    for jpeg in (J1, J2, J3):
        value = length.format(n_minus=len(jpeg) - 1, n_plus=len(jpeg) + 1, far=len(jpeg) + 5000)
        header = f"Content-length: {value}\r\n" if value else ""
        data += f"--video boundary--\r\n{header}Date: {DATE}\r\n\r\n".encode()
        data += jpeg + b"\r\n\r\n"
    parts = parse(data)
    assert [p.jpeg for p in parts] == [J1, J2, J3]
    # And at every split point.
    for cut in range(0, len(data) + 1, 7):
        parts = feed_all(MjpegParser(), [data[:cut], data[cut:]])
        assert [p.jpeg for p in parts] == [J1, J2, J3], cut


def test_two_extra_bytes_after_jpeg() -> None:
    data = b""
    for jpeg in (J1, J2):
        data += f"Content-length: {len(jpeg)}\r\n\r\n".encode() + jpeg + b"\x00\x00"
        data += b"\r\n\r\n--video boundary--\r\n"
    assert [p.jpeg for p in parse(data)] == [J1, J2]


def test_headerless_concatenated_jpegs() -> None:
    assert [p.jpeg for p in parse(J1 + J2 + b"\r\n" + J3)] == [J1, J2, J3]


def test_real_jpegs_from_the_simulator_media() -> None:
    frames = jpeg_cycle(160, 120)[:3]
    data = b"".join(format_part(f, DATE) for f in frames)
    parts = feed_all(MjpegParser(), [data[i : i + 1000] for i in range(0, len(data), 1000)])
    assert [p.jpeg for p in parts] == list(frames)
    assert all(jpeg_size(p.jpeg) == (160, 120) for p in parts)
    assert all(is_jpeg(p.jpeg) for p in parts)
    # Without Content-length the scan must find the true end of a real JPEG too.
    stripped = b"".join(
        b"--video boundary--\r\nContent-type: image/jpeg\r\n\r\n" + f + b"\r\n\r\n" for f in frames
    )
    assert [p.jpeg for p in parse(stripped)] == list(frames)


def test_invalid_date_header_gives_no_state() -> None:
    data = b"Content-length: %d\r\nDate: Mon, 01 Jan 2024\r\n\r\n" % len(J1) + J1
    (part,) = parse(data)
    assert part.state is None
    assert part.date == "Mon, 01 Jan 2024"


# --- truncated streams ---


def test_truncated_inside_jpeg() -> None:
    data = spec_stream()
    cut = data.index(J3) + len(J3) // 2
    parser = MjpegParser()
    assert [p.jpeg for p in parser.feed(data[:cut])] == [J1, J2]
    with pytest.raises(ProtocolError, match="inside a frame"):
        parser.close()


def test_truncated_inside_headers() -> None:
    data = format_part(J1, DATE) + b"--video boundary--\r\nContent-length: 12"
    parser = MjpegParser()
    assert [p.jpeg for p in parser.feed(data)] == [J1]
    with pytest.raises(ProtocolError):
        parser.close()
    parser = MjpegParser()
    parser.feed(format_part(J1, DATE) + b"--video boundary--\r\nContent-length: 12\r\n")
    with pytest.raises(ProtocolError, match="headers"):
        parser.close()


def test_clean_end_after_last_part() -> None:
    parser = MjpegParser()
    parts = parser.feed(spec_stream() + b"--video boundary--")
    assert len(parts) == 3
    assert parser.close() == []


def test_last_part_without_length_completes_at_close() -> None:
    data = b"--video boundary--\r\nContent-type: image/jpeg\r\n\r\n" + J1 + b"\r\n"
    parser = MjpegParser()
    assert parser.feed(data) == []  # the end is only certain at the next part or the end
    assert [p.jpeg for p in parser.close()] == [J1]


# --- malformed and oversize ---


def test_part_that_is_not_a_jpeg() -> None:
    data = b"--video boundary--\r\nContent-length: 5\r\n\r\nhello\r\n\r\n"
    with pytest.raises(ProtocolError, match="not a JPEG"):
        parse(data)


def test_malformed_header_line() -> None:
    data = b"--video boundary--\r\nContent-length: 5\r\nthis is no header\r\n\r\n" + J1
    with pytest.raises(ProtocolError, match="header"):
        parse(data)


def test_header_block_too_long() -> None:
    parser = MjpegParser()
    with pytest.raises(ProtocolError, match="too long"):
        parser.feed(b"--video boundary--\r\nContent-type: image/jpeg\r\nX-Pad: " + b"a" * 10_000)
    # An endless first line is garbage: skipped with bounded memory, then an error.
    parser = MjpegParser(max_frame=50_000)
    with pytest.raises(ProtocolError, match="no JPEG"):
        for _ in range(100):
            parser.feed(b"a" * 1000)
            assert len(parser._buf) <= 5000
    parser = MjpegParser()
    many = b"".join(b"X-H%d: 1\r\n" % i for i in range(40))
    with pytest.raises(ProtocolError, match="too many"):
        parser.feed(b"--video boundary--\r\n" + many)


def test_oversize_content_length() -> None:
    parser = MjpegParser()
    with pytest.raises(ProtocolError, match="exceeds"):
        parser.feed(b"--video boundary--\r\nContent-length: 5000000\r\n\r\n\xff\xd8")
    parser = MjpegParser(max_frame=1000)
    with pytest.raises(ProtocolError, match="exceeds"):
        parser.feed(b"Content-length: 1001\r\n\r\n\xff\xd8")


def test_oversize_frame_without_length() -> None:
    parser = MjpegParser(max_frame=1000)
    parser.feed(b"--video boundary--\r\nContent-type: image/jpeg\r\n\r\n\xff\xd8")
    with pytest.raises(ProtocolError, match="exceeds"):
        for _ in range(20):
            parser.feed(b"\x00" * 100)
    # A valid frame just under the cap passes.
    small = make_jpeg(8, 8, total=990)
    assert [p.jpeg for p in parse(format_part(small), max_frame=1000)] == [small]
    with pytest.raises(ProtocolError):
        parse(format_part(make_jpeg(8, 8, total=1010)), max_frame=1000)


def test_garbage_between_parts_is_bounded() -> None:
    # Some garbage lines are skipped...
    data = format_part(J1, DATE) + b"garbage line\r\n" + format_part(J2, DATE)
    assert [p.jpeg for p in parse(data)] == [J1, J2]
    # ...but endless garbage without a JPEG is an error, with bounded memory.
    parser = MjpegParser(max_frame=10_000)
    with pytest.raises(ProtocolError, match="no JPEG"):
        for _ in range(100):
            parser.feed(b"z" * 1000)
    assert len(parser._buf) < 20_000
    parser = MjpegParser(max_frame=10_000)
    with pytest.raises(ProtocolError, match="no JPEG"):
        for _ in range(100):
            parser.feed(b"noise\r\n" * 100)


def test_garbage_at_end_of_stream() -> None:
    parser = MjpegParser()
    parser.feed(format_part(J1, DATE) + b"xx")
    with pytest.raises(ProtocolError):
        parser.close()


# --- JPEG geometry ---


def test_jpeg_size() -> None:
    assert jpeg_size(J1) == (160, 120)
    assert jpeg_size(J3) == (640, 480)
    assert jpeg_size(jpeg_cycle(320, 240)[0]) == (320, 240)
    for bad in (b"", b"GIF89a", b"\xff\xd8\xff\xd9", b"\xff\xd8\xff\xe0\x00", b"\xff\xd8\xff\xc0"):
        with pytest.raises(ProtocolError):
            jpeg_size(bad)
    assert not is_jpeg(b"\xff\xd8hello")
    assert is_jpeg(J2 + b"\r\n")


def test_fuzzed_streams_only_raise_protocol_error() -> None:
    """Mutated streams in random chunks: frames or ProtocolError, never anything else."""
    rng = random.Random(1234)
    data = spec_stream()
    for _ in range(400):
        mutated = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        if rng.random() < 0.3:
            del mutated[rng.randrange(len(mutated)) :]
        parser = MjpegParser(max_frame=4096)
        position = 0
        try:
            while position < len(mutated):
                size = rng.randrange(1, 64)
                for part in parser.feed(bytes(mutated[position : position + size])):
                    assert part.jpeg.startswith(b"\xff\xd8")
                    assert len(part.jpeg) <= 4096
                position += size
                assert len(parser._buf) <= 4096 + 64 + 8192
            parser.close()
        except ProtocolError:
            pass


def test_content_length_in_other_scripts_digits_is_no_length() -> None:
    """``str.isdigit()`` accepts superscripts ``int()`` refuses: scanned, not a crash."""
    for value in ("\u00b2\u00b3", "\u0663\u0661", "1\u00b9"):
        data = f"--video boundary--\r\nContent-length: {value}\r\n\r\n".encode() + J1 + b"\r\n"
        assert [p.jpeg for p in parse(data)] == [J1]


def test_frame_clock() -> None:
    clock = FrameClock(start=100.0)
    first = clock.frame(MjpegPart(J2), 100.0)
    assert (first.codec, first.width, first.height, first.timestamp, first.fps) == (
        "jpeg",
        320,
        240,
        0.0,
        0.0,
    )
    clock.frame(MjpegPart(J2), 100.5)
    third = clock.frame(MjpegPart(b"\xff\xd8broken\xff\xd9"), 101.0)
    assert (third.width, third.height, third.timestamp, third.fps) == (0, 0, 1.0, 2.0)
    assert third.keyframe


def test_property_any_bytes_give_jpeg_parts_or_protocol_error() -> None:
    """Random and mutated streams, in random pieces: JPEG parts or ProtocolError only."""
    rng = random.Random(7)
    valid = [spec_stream(), format_part(J1, DATE) + format_part(J2)]
    for data in cases(seed=11, valid=valid, count=400):
        parser = MjpegParser(max_frame=8192)
        try:
            for piece in chunked(data, rng):
                for part in parser.feed(piece):
                    assert part.jpeg.startswith(b"\xff\xd8")
                    assert len(part.jpeg) <= 8192
            parser.close()
        except ProtocolError:
            pass


# Pieces of well-formed and odd streams: the parts cut straight out of a read must be those
# the general path finds when every byte comes on its own.
_PIECES = (
    b"--video boundary--\r\n",
    b"--b\r\n",
    b"--x\r\r\n",
    b"\r\n",
    b"\n",
    b"\r\r\n",
    b"Content-length: ",
    b"Content-Length:",
    b"Content-length: 0012\r\n",
    b"Content-length:\x0b",
    b"content-type: image/jpeg\r\n",
    b"Date: 2026-01-01 10:00:00 IO_00000000_PT_001_002\r\n",
    b"Date:\x1c x\r\n",
    b"X:\t v \r\n",
    b"X\x0c: y\r\n",
    b"A: b\r\r\n",
    b"Name : x\r\n",
    b"\xff\xd8",
    b"\xff\xd9",
    b"\xff\xd8\xff\xe0JFIF\xff\xd9",
    b"12",
    b"\x00",
    b"\xc2\xa0",
    b" ",
)


def _random_part(rnd: random.Random) -> bytes:
    body = bytes(rnd.randrange(256) for _ in range(rnd.randrange(40))).replace(b"\xff", b"\xff\x00")
    body = b"\xff\xd8" + body + b"\xff\xd9"
    length = len(body) + rnd.choice((0, 0, 0, 0, 1, -1, 5))
    # Spellings of the length line the repeated-head path takes, and ones it leaves.
    length_line = rnd.choice(
        (
            *(b"Content-length: %d\r\n", b"Content-Length:%d\n", b"content-length :  %d \r\n"),
            *(b"CONTENT-LENGTH: %d\r\n", b"Content-length: %d\xc2\xa0\r\n"),
        )
    )
    headers = [
        length_line % length,
        b"Date: 2026-01-01 10:00:%02d IO_%08d_PT_001_002\r\n"
        % (rnd.randrange(3), rnd.randrange(2)),
        b"Content-type: image/jpeg\r\n",
        # Values that are no (or not only) UTF-8: each is read the same way in a block.
        rnd.choice((b"X-Name: caf\xc3\xa9\r\n", b"X-Name: \xe2\x82\r\n", b"X-Name: \xff\xfe \r\n")),
    ]
    if rnd.random() < 0.1:  # a second length: the last one counts
        headers.append(b"Content-Length: %d\r\n" % (length + rnd.choice((0, 2))))
    rnd.shuffle(headers)
    if rnd.random() < 0.5:  # the cameras' order: the length first
        headers.remove(length_line % length)
        headers.insert(0, length_line % length)
    return (
        rnd.choice((b"", b"\r\n"))
        + b"--video boundary--\r\n"
        + b"".join(headers[: rnd.randrange(1, 5)])
        + b"\r\n"
        + body
        + rnd.choice((b"\r\n", b"", b"\r\n\r\n"))
    )


class _GeneralPathOnly(MjpegParser):
    def _whole_parts(self, data: bytes, parts: list[MjpegPart]) -> int:
        return 0


def _parse(chunks: list[bytes], parser_class: type[MjpegParser] = MjpegParser) -> list[object]:
    parser = parser_class(max_frame=4096)
    found: list[object] = []
    try:
        for chunk in chunks:
            found += [(p.jpeg, p.headers, p.state) for p in parser.feed(chunk)]
        found += [(p.jpeg, p.headers, p.state) for p in parser.close()]
    except ProtocolError as err:
        found.append(str(err))
    return found


def test_whole_parts_in_one_read_are_those_of_the_general_path() -> None:
    rnd = random.Random(7)
    for _ in range(3000):
        stream = b"".join(
            _random_part(rnd) if rnd.random() < 0.6 else rnd.choice(_PIECES)
            for _ in range(rnd.randrange(1, 12))
        )
        cuts = sorted(rnd.sample(range(len(stream) + 1), min(len(stream), rnd.randrange(3))))
        chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        assert _parse(chunks) == _parse(chunks, _GeneralPathOnly), chunks


def test_the_frame_size_follows_pictures_whose_headers_change() -> None:
    clock = FrameClock(0.0)
    sizes = []
    for data in (J1, J1, J2, J3, J3, b"\xff\xd8\xff\xd9", J1):
        frame = clock.frame(MjpegPart(jpeg=data), 1.0)
        sizes.append((frame.width, frame.height))
    assert sizes == [(160, 120), (160, 120), (320, 240), (640, 480), (640, 480), (0, 0), (160, 120)]


def test_parts_each_read_whole_with_line_ends_after_them_never_count_as_garbage() -> None:
    """A camera putting line ends after each JPEG, a part per read, for longer than the
    garbage bound (4 bytes a part: ~14 h at 20 fps with the 4 MiB bound; here 1,000
    bytes): the stream goes on, whole reads or not; line ends alone still end it."""
    jpeg = b"\xff\xd8" + bytes(96) + b"\xff\xd9"
    part = (
        b"--video boundary--\r\nContent-length: %d\r\nContent-type: image/jpeg\r\n\r\n" % len(jpeg)
        + jpeg
        + b"\r\n\r\n"
    )
    for parser_class in (MjpegParser, _GeneralPathOnly):
        parser = parser_class(max_frame=1000)
        assert sum(len(parser.feed(part)) for _ in range(2000)) == 2000
    parser = MjpegParser(max_frame=1000)
    assert len(parser.feed(part)) == 1
    with pytest.raises(ProtocolError, match="no JPEG"):
        for _ in range(300):
            parser.feed(b"\r\n\r\n")


def test_what_the_parser_holds_between_reads_is_told() -> None:
    jpeg = b"\xff\xd8" + bytes(96) + b"\xff\xd9"
    part = b"--video boundary--\r\nContent-length: %d\r\n\r\n" % len(jpeg) + jpeg + b"\r\n"
    parser = MjpegParser()
    assert parser.feed(part[:-30]) == [] and parser.buffered == len(jpeg) + 2 - 30
    assert len(parser.feed(part[-30:])) == 1 and parser.buffered == 0


def _camera_part(length: bytes, rest: bytes, body: bytes = b"\xff\xd8abc\xff\xd9") -> bytes:
    return b"--video boundary--\r\nContent-length: " + length + b"\r\n" + rest + b"\r\n" + body


def test_a_repeated_head_is_read_as_the_general_path_reads_it() -> None:
    """The head a camera repeats is matched against the one before it (its bytes around the
    length's digits): other digits, other lines after them, or no digits at all are read
    exactly as a head never seen."""
    date_x = b"Date: 2026-01-01 10:00:00 IO_00000000_PT_001_002\r\n"
    date_y = b"Date: 2026-01-01 10:00:01 IO_00000001_PT_001_002\r\n"
    second_length = b"Content-Length: 7\r\n"  # the last length counts
    odd_lengths = (b"7a", b"", b"000000000007", b"+7", b"\xd9\xa7", b" 7", b"7 ", b"07")
    streams = [
        [
            _camera_part(b"7", date_x),
            _camera_part(b"9", date_y + second_length),
            _camera_part(b"7", date_x),
            _camera_part(b"7", date_y),
        ],
        *(
            [_camera_part(b"7", date_x), _camera_part(odd, date_x), _camera_part(b"7", date_x)]
            for odd in odd_lengths
        ),
    ]
    for parts in streams:
        whole = b"".join(parts)
        assert _parse([whole]) == _parse([whole], _GeneralPathOnly), parts
        # One part per read, as the cameras send them.
        assert _parse(parts) == _parse(parts, _GeneralPathOnly), parts
