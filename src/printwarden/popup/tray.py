"""The tray icon, where the platform has one and pystray is installed (the optional
``tray`` extra; pystray is LGPL, so it is imported only here and only if present). Without
it the pop-up works the same: its windows appear on their own."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger("printwarden.popup")


def start_tray(title: str, on_quit: Callable[[], None]) -> Any | None:
    """A running tray icon (call ``.stop()`` on it), or None when there is none here."""
    try:
        import pystray  # type: ignore[import-not-found, import-untyped, unused-ignore]
        from PIL import Image, ImageDraw
    except ImportError:  # the extra is not installed, or no backend for this desktop
        return None
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((6, 14, 58, 50), radius=8, fill=(40, 90, 160, 255))
    draw.rectangle((18, 6, 46, 18), fill=(230, 230, 230, 255))
    draw.rectangle((18, 40, 46, 58), fill=(255, 255, 255, 255))
    try:
        icon = pystray.Icon("printwarden", image, title, menu=pystray.Menu(
            pystray.MenuItem(title, None, enabled=False),
            pystray.MenuItem("Quit", lambda _icon, _item: on_quit())))
        icon.run_detached()
    except Exception as exc:  # no tray on this display: the windows still work
        log.info("tray_unavailable", error=str(exc))
        return None
    return icon
