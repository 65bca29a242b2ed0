"""Simulated cameras for all four vendors, driven by an HTTP control API."""
