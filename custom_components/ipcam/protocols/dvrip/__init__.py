"""Xiongmai "XM" DVRIP (NetSurveillance / Sofia / XMEye): wire format, media framing, client."""
