"""IPCamCGI text on the wire, client side: ``Name=Value`` answers and request parameters.

Answers are ``Name=Value`` lines, read tolerantly (``docs/protocols/cgi.md``,
"Answers"): split on the first ``=`` only, both sides stripped, CRLF or LF,
names compared without case or white space, ``<...>`` lines ignored, and the
``&``-joined form of the ``iocontrol.cgi`` read. Requests carry URL-encoded
``Name=Value&...`` as a GET query or a POST form body.

Pure functions; nothing here does I/O.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from typing import Final

from ..errors import ProtocolError

MAX_BODY: Final = 64 * 1024  # a CGI text answer is a few hundred bytes
MAX_LINES: Final = 1024

NAME_OK: Final = re.compile(r"^[A-Za-z0-9_]+$")


def norm_name(name: str) -> str:
    """The comparison form of a parameter name: no white space, lower case.

    The document prints ``FTPSchedule FileMode`` with a space while stating
    that names are only ``[A-Za-z0-9_]``; removing white space reconciles both.
    """
    return "".join(name.split()).lower()


class Params(Mapping[str, str]):
    """Parameters of one answer: a case-insensitive mapping (the last value wins).

    ``pairs`` keeps every ``(name, value)`` in order, for list answers such as
    ``userlist.cgi`` where names repeat.
    """

    __slots__ = ("_map", "pairs")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: list[tuple[str, str]] = list(pairs)
        self._map: dict[str, str] = {norm_name(k): v for k, v in self.pairs}

    def __getitem__(self, key: str) -> str:
        return self._map[norm_name(key)]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and norm_name(key) in self._map

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __repr__(self) -> str:
        return f"Params({[name for name, _ in self.pairs]!r})"


def decode_text(body: bytes | str) -> str:
    """A bounded answer as text (invalid UTF-8 replaced, never an exception)."""
    if isinstance(body, str):
        return body
    if len(body) > MAX_BODY:
        raise ProtocolError(f"CGI answer too large ({len(body)} bytes)")
    return body.decode("utf-8", errors="replace")


def parse_params(body: bytes | str, *, split_amp: bool = False) -> Params:
    """Parse ``Name=Value`` lines.

    Splits on the first ``=`` only and strips both sides; skips blank lines and
    ``<...>`` lines; a line without ``=`` is ignored unless nothing at all
    parses (then ``ProtocolError``: the body is not a CGI answer). With
    ``split_amp`` a line is first split on ``&`` (the ``iocontrol.cgi`` read
    format ``Trigger1=0&Trigger2=0&...``).
    """
    text = decode_text(body)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ProtocolError(f"CGI answer has too many lines ({len(lines)})")
    pairs: list[tuple[str, str]] = []
    saw_text = False
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("<"):
            continue
        saw_text = True
        pieces = line.split("&") if split_amp else [line]
        for piece in pieces:
            name, sep, value = piece.partition("=")
            name = name.strip()
            if not sep or not name:
                continue
            if not NAME_OK.match(name.replace(" ", "")):
                continue
            pairs.append((name, value.strip()))
    if saw_text and not pairs:
        raise ProtocolError("CGI answer holds no Name=Value line")
    return Params(pairs)


def format_query(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    """``Name=Value&...`` URL-encoded (spaces as ``%20``), for a GET query or a POST body."""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urllib.parse.urlencode(items, quote_via=urllib.parse.quote)


def format_form_body(params: Mapping[str, str] | Iterable[tuple[str, str]]) -> bytes:
    """A POST form body as D-Link's applet sends it: the query followed by CRLF CRLF."""
    return format_query(params).encode("ascii") + b"\r\n\r\n"
