"""Grandstream Digest authentication: the vendor document's vectors, byte-exact.

The camera's side (challenge, verification) is the simulator's; it is checked here
against the same vectors.
"""

from __future__ import annotations

import pytest

from custom_components.ipcam.protocols.errors import InvalidValue, ProtocolError
from custom_components.ipcam.protocols.grandstream.digest import (
    DigestChallenge,
    authorization_header,
    digest_response,
    md5_hex,
    parse_challenge,
    parse_params,
)
from simulator.grandstream.rtsp_wire import (
    format_challenge,
    parse_authorization,
    verify_authorization,
)

URI = "rtsp://192.168.86.232:554/0"
NONCE = "30507280"
REALM = "Surveillance Server"


def test_ha1_vector() -> None:
    assert md5_hex("admin:Surveillance Server:admin") == "2bd4478d9ce035a2728c6efc45585d40"


@pytest.mark.parametrize(
    ("method", "ha2", "response"),
    [
        ("DESCRIBE", "aa629bd3f813ca085353d83281f05718", "5820de362eb72ee848e98105dfc24814"),
        ("SETUP", "7a24502d0ddacbf68692e3b7ba394490", "3f215bf93e81b5d1e1f7beb83d038dac"),
        ("PLAY", "ce5b69741855ce30d4a86a3ba994f45b", "b8244f6ce442e20f3131919dfa51f4e1"),
    ],
)
def test_vendor_vectors(method: str, ha2: str, response: str) -> None:
    assert md5_hex(f"{method}:{URI}") == ha2
    assert digest_response("admin", REALM, "admin", method, URI, NONCE) == response


def test_vector_is_sensitive_to_uri_form() -> None:
    # Without the port, with a trailing slash or the bare path it does not match
    # (docs/protocols/grandstream.md, "Test vectors").
    for uri in ("rtsp://192.168.86.232/0", URI + "/", "/0"):
        assert (
            digest_response("admin", REALM, "admin", "DESCRIBE", uri, NONCE)
            != "5820de362eb72ee848e98105dfc24814"
        )


def test_parse_vendor_challenge() -> None:
    challenge = parse_challenge('Digest realm="Surveillance Server", nonce="30507280"')
    assert challenge == DigestChallenge(realm=REALM, nonce=NONCE)
    assert format_challenge(REALM, NONCE) == 'Digest realm="Surveillance Server", nonce="30507280"'


def test_authorization_header_exact_form() -> None:
    header = authorization_header("admin", "admin", DigestChallenge(REALM, NONCE), "DESCRIBE", URI)
    # The vendor's DESCRIBE request, byte for byte (username first, ", " separators).
    assert header == (
        'Digest username="admin", realm="Surveillance Server", nonce="30507280", '
        'uri="rtsp://192.168.86.232:554/0", response="5820de362eb72ee848e98105dfc24814"'
    )
    assert header.startswith("Digest username=")


def test_server_side_verification() -> None:
    header = (
        'Digest username="admin", realm="Surveillance Server", nonce="30507280", '
        'uri="rtsp://192.168.86.232:554/0", response="3f215bf93e81b5d1e1f7beb83d038dac"'
    )
    params = parse_authorization(header)
    kwargs = {"username": "admin", "realm": REALM, "nonce": NONCE}
    assert verify_authorization(params, password="admin", method="SETUP", **kwargs)
    assert not verify_authorization(params, password="admin", method="PLAY", **kwargs)
    assert not verify_authorization(params, password="wrong", method="SETUP", **kwargs)
    stale = {**kwargs, "nonce": "11111111"}
    assert not verify_authorization(params, password="admin", method="SETUP", **stale)
    # A track URL as digest-uri (ffmpeg's way) is accepted when computed over it.
    track = URI + "/trackID=0"
    params["uri"] = track
    params["response"] = digest_response("admin", REALM, "admin", "SETUP", track, NONCE)
    assert verify_authorization(params, password="admin", method="SETUP", **kwargs)


def test_params_with_commas_and_escapes() -> None:
    params = parse_params(r'a="x, y", b=tok, c="q\"uote"')
    assert params == {"a": "x, y", "b": "tok", "c": 'q"uote'}


def test_username_with_quote_round_trips() -> None:
    header = authorization_header('ad"min', "pw", DigestChallenge(REALM, NONCE), "DESCRIBE", URI)
    assert parse_authorization(header)["username"] == 'ad"min'


@pytest.mark.parametrize(
    "bad",
    [
        'Basic realm="x"',
        'Digest realm="x"',  # no nonce
        'Digest realm="x, nonce="1',  # unterminated
        "Digest " + ", ".join(f"p{i}=1" for i in range(40)),
        "Digest novalue",
    ],
)
def test_bad_challenges(bad: str) -> None:
    with pytest.raises(ProtocolError):
        parse_challenge(bad)


@pytest.mark.parametrize(
    "challenge",
    [
        "Digest realm=,nonce=\x00",  # issue 13: a control character in the nonce
        'Digest realm="r\x7f", nonce="1"',
        'Digest realm="r", nonce="1", opaque="\x1b[2J"',
        'Digest realm="r", nonce="1", algorithm=MD5\rInjected',
        'Digest realm="r", nonce="1", algorithm="MD5 x"',
    ],
)
def test_challenge_that_cannot_be_answered_is_a_protocol_error(challenge: str) -> None:
    with pytest.raises(ProtocolError):
        parsed = parse_challenge(challenge)
        authorization_header("admin", "pw", parsed, "DESCRIBE", URI)


def test_unanswerable_values_raise_typed_errors() -> None:
    with pytest.raises(ProtocolError):  # built by hand, not parsed: still typed
        authorization_header("admin", "pw", DigestChallenge(REALM, "\x00"), "DESCRIBE", URI)
    with pytest.raises(InvalidValue):  # the user's own name cannot be sent
        authorization_header("ad\nmin", "pw", DigestChallenge(REALM, NONCE), "DESCRIBE", URI)
