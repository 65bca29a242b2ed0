"""Serve the talk card and load it in every dashboard (no manual resource step).

The card (``frontend/ipcam-talk-card.js``: a plain web component, no build
step) is served from the integration's folder and added to the frontend's extra
modules, with a content hash in the URL so a new version is never taken from a
browser cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN

URL_BASE = f"/{DOMAIN}_static"
CARD_FILE = "ipcam-talk-card.js"
FRONTEND_DIR = Path(__file__).parent / "frontend"
DATA_FRONTEND: HassKey[str] = HassKey(f"{DOMAIN}_frontend")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


async def async_register_frontend(hass: HomeAssistant) -> str | None:
    """Serve the card and add it to the frontend; return its URL (None without frontend)."""
    if (url := hass.data.get(DATA_FRONTEND)) is not None:
        return url
    if hass.http is None:  # pragma: no cover - http is a dependency
        return None
    version = await hass.async_add_executor_job(_digest, FRONTEND_DIR / CARD_FILE)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_BASE, str(FRONTEND_DIR), cache_headers=False)]
    )
    url = hass.data[DATA_FRONTEND] = f"{URL_BASE}/{CARD_FILE}?v={version}"
    if "frontend" in hass.config.components:
        add_extra_js_url(hass, url)
    return url
