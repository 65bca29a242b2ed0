"""Xiongmai "XM" DVRIP (NetSurveillance / Sofia / XMEye) cameras, DVRs and NVRs on TCP 34567.

Sans-I/O: ``wire`` (packets, JSON, the packet decoder), ``codes`` (message ids,
``Ret`` to errors), ``media`` and ``live`` (media frames, the live stream),
``session`` (one connection's protocol), ``views`` (the camera's JSON checked for
its shape), ``device``, ``settings``, ``commands``, ``alarms``, ``snapshot``,
``resolutions``, ``discovery``, ``sharing`` (a device's shared connections, kept
as books), ``model`` (a client's state without I/O). ``client`` is the asyncio shell.
See ``docs/protocols/dvrip.md``.
"""
