"""The vendor document's sample replies, byte for byte (with its odd spellings)."""

from __future__ import annotations

# The vendor document's DESCRIBE reply body: only the eight media lines.
VENDOR_SDP = (
    b"m=video 0 RTP/AVP 96\r\n"
    b"a=control:trackID=0\r\n"
    b"a=rtpmap:96 H264/90000\r\n"
    b"a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LgHtoCwPRA,aM4wpIA=\r\n"
    b"m=audio 0 RTP/AVP 0\r\n"
    b"a=control:trackID=1\r\n"
    b"a=rtpmap:0 PCMU/8000\r\n"
    b"a=ptime:20\r\n"
)

VENDOR_401 = (
    b"RTSP/1.0 401 Unauthorized\r\n"
    b"Cseq: 1 \r\n"
    b"Server: GrandStream Rtsp Server V100R001\r\n"
    b'WWW-Authenticate: Digest realm="Surveillance Server", nonce="30507280"\r\n'
    b"\r\n"
)

VENDOR_200 = (
    b"RTSP/1.0 200 OK\r\n"
    b"Cseq: 2 \r\n"
    b"Server: GrandStream Rtsp Server 704*480*30*1024\r\n"
    b"Content-Type: application/sdp\r\n"
    b"Content-length: 219\r\n"
    b"Content-Base: rtsp://192.168.86.232/0\r\n"
    b"\r\n" + VENDOR_SDP
)

VENDOR_SETUP_200 = (
    b"RTSP/1.0 200 OK\r\n"
    b"CSeq: 3\r\n"
    b"Server: GrandStream Rtsp Server V100R001\r\n"
    b"Session: 09682642;timeout=120\r\n"
    b"Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n"
    b"\r\n"
)
