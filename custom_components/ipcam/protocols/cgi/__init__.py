"""IPCamCGI v1.2 (generic CAS-3xx / D-Link DCS-930L class): HTTP CGI API with MJPEG.

Sans-I/O: ``query`` (``Name=Value`` text), ``fields`` and ``groups`` (typed CGI
groups), ``ptz`` (pan/tilt requests), ``iostate`` (the MJPEG ``Date:`` I/O state
and its digit order), ``mjpeg`` (the stream decoder), ``calls`` (which CGI answers
what), ``host`` (identity, capabilities, settings). ``client`` is the asyncio shell.
See ``docs/protocols/cgi.md``.
"""
