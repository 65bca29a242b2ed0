"""IPCamCGI v1.2 (generic CAS-3xx / D-Link DCS-930L class): HTTP CGI API with MJPEG.

``wire`` parses and formats the ``Name=Value`` CGI text and the MJPEG ``Date:``
state, ``mjpeg`` frames the multipart stream, ``client`` is the asyncio client.
"""
