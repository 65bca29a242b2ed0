"""RFC 2617 Digest authentication as Grandstream cameras use it (no ``qop``).

response = MD5(MD5(user:realm:password) : nonce : MD5(method:digest-uri)).
The digest-uri is exactly the string sent in ``uri=``; Grandstream's own client
sends the DESCRIBE URL (``rtsp://host:554/0``) for SETUP and PLAY as well.

The camera's parser is strict: it expects the exact prefix ``Digest `` with
``username`` first and ``", "`` between parameters, so ``authorization_header``
formats exactly that (``docs/protocols/grandstream.md``, "Digest authentication").
The camera's side (the challenge, the check) is the simulator's.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..errors import CameraError, InvalidValue, ProtocolError
from .values import has_control

MAX_PARAM_LENGTH = 1024
MAX_PARAMS = 32
# ``algorithm`` is echoed unquoted: a token (RFC 2617 ``token``) or nothing.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]*")


def md5_hex(text: str) -> str:
    """Lower-case hex MD5 of the UTF-8 encoding of ``text``."""
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def digest_response(
    username: str, realm: str, password: str, method: str, uri: str, nonce: str
) -> str:
    """The RFC 2617 ``response`` value without qop."""
    ha1 = md5_hex(f"{username}:{realm}:{password}")
    ha2 = md5_hex(f"{method}:{uri}")
    return md5_hex(f"{ha1}:{nonce}:{ha2}")


@dataclass(frozen=True, slots=True)
class DigestChallenge:
    """A ``WWW-Authenticate: Digest ...`` challenge."""

    realm: str
    nonce: str
    algorithm: str = ""
    qop: str = ""
    opaque: str = ""


def parse_params(text: str) -> dict[str, str]:
    """Parse ``k="v", k2=v2`` (quoted values may hold commas); bounded."""
    params: dict[str, str] = {}
    i = 0
    n = len(text)
    if n > MAX_PARAMS * MAX_PARAM_LENGTH:
        raise ProtocolError("digest parameters too long")
    while i < n:
        while i < n and text[i] in " \t,":
            i += 1
        if i >= n:
            break
        eq = text.find("=", i)
        if eq < 0:
            raise ProtocolError("malformed digest parameter")
        name = text[i:eq].strip().lower()
        i = eq + 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            i += 1
            value_chars: list[str] = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                value_chars.append(text[i])
                i += 1
            if i >= n:
                raise ProtocolError("unterminated quoted digest parameter")
            i += 1
            value = "".join(value_chars)
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            value = text[i:end].strip()
            i = end
        if not name or len(value) > MAX_PARAM_LENGTH:
            raise ProtocolError("malformed digest parameter")
        params[name] = value
        if len(params) > MAX_PARAMS:
            raise ProtocolError("too many digest parameters")
    return params


def parse_challenge(header: str) -> DigestChallenge:
    """Parse a ``WWW-Authenticate`` value; ProtocolError unless it is a Digest challenge."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        raise ProtocolError(f"unsupported authentication scheme {scheme[:20]!r}")
    params = parse_params(rest)
    if "realm" not in params or "nonce" not in params:
        raise ProtocolError("digest challenge without realm or nonce")
    # Every value goes back to the camera in the Authorization header: one that cannot
    # (a control character, an algorithm that is not a token) is the camera's fault.
    if any(has_control(value) for value in params.values()):
        raise ProtocolError("control character in the digest challenge")
    if not _TOKEN.fullmatch(params.get("algorithm", "")):
        raise ProtocolError("invalid digest algorithm")
    return DigestChallenge(
        realm=params["realm"],
        nonce=params["nonce"],
        algorithm=params.get("algorithm", ""),
        qop=params.get("qop", ""),
        opaque=params.get("opaque", ""),
    )


def _quote(value: str, error: type[CameraError] = ProtocolError) -> str:
    """``value`` as a quoted-string body; ``error`` when it cannot be one."""
    if has_control(value):
        raise error("control characters are not allowed in digest parameters")
    return value.replace("\\", "\\\\").replace('"', '\\"')


def authorization_header(
    username: str, password: str, challenge: DigestChallenge, method: str, uri: str
) -> str:
    """The ``Authorization`` value in the exact form the camera's parser expects.

    ``Digest username="u", realm="r", nonce="n", uri="...", response="..."``
    (username first, one space after each comma). ``qop`` is never used: the
    cameras do not offer it.

    Raises ``InvalidValue`` for a user name or URI that cannot be sent and
    ``ProtocolError`` for a challenge that cannot be answered; nothing else.
    """
    response = digest_response(username, challenge.realm, password, method, uri, challenge.nonce)
    parts = [
        f'username="{_quote(username, InvalidValue)}"',
        f'realm="{_quote(challenge.realm)}"',
        f'nonce="{_quote(challenge.nonce)}"',
        f'uri="{_quote(uri, InvalidValue)}"',
        f'response="{response}"',
    ]
    if challenge.opaque:
        parts.append(f'opaque="{_quote(challenge.opaque)}"')
    if challenge.algorithm:
        if not _TOKEN.fullmatch(challenge.algorithm):
            raise ProtocolError("invalid digest algorithm")
        parts.append(f"algorithm={challenge.algorithm}")
    return "Digest " + ", ".join(parts)
