"""Paper sizes of document pages: the nearest PWG 5101.1 name for a page's size.

The table itself is ``printwarden.core.media`` (shared with the IPP printer model).
"""

from __future__ import annotations

from printwarden.core.media import PWG_MEDIA, MediaSize, media_by_name

__all__ = ["MEDIA_TOLERANCE_MM", "PWG_MEDIA", "media_name", "media_size", "orientation",
           "points_to_mm"]

#: Largest difference (mm) on each edge for a page to take a standard media name.
MEDIA_TOLERANCE_MM = 2.0
_INCH = 25.4


def media_name(width_mm: float, height_mm: float, tolerance_mm: float = MEDIA_TOLERANCE_MM) -> str:
    """The nearest PWG media name within ``tolerance_mm`` on both edges, whatever the
    orientation, else ``custom_<short>x<long>mm`` (rounded to whole millimetres)."""
    short, long_ = sorted((abs(width_mm), abs(height_mm)))
    best: MediaSize | None = None
    best_err = tolerance_mm * 2 + 1.0
    for m in PWG_MEDIA:
        d_short = abs(m.width_mm - short)
        d_long = abs(m.height_mm - long_)
        if d_short <= tolerance_mm and d_long <= tolerance_mm and d_short + d_long < best_err:
            best, best_err = m, d_short + d_long
    if best is not None:
        return best.name
    return f"custom_{round(short)}x{round(long_)}mm"


def media_size(name: str) -> tuple[float, float] | None:
    """(short, long) edge in mm of a known PWG name or of a ``custom_WxHmm`` name."""
    known = media_by_name(name)
    if known is not None:
        return known.width_mm, known.height_mm
    if name.startswith("custom_") and name.endswith("mm"):
        dims = name[len("custom_") : -2].rsplit("_", 1)[-1]
        w, sep, h = dims.partition("x")
        if sep:
            try:
                return float(w), float(h)
            except ValueError:
                return None
    return None


def orientation(width_mm: float, height_mm: float) -> str:
    """``landscape`` when the page as displayed is wider than tall, else ``portrait``."""
    return "landscape" if width_mm > height_mm + 0.01 else "portrait"


def points_to_mm(points: float) -> float:
    return points * _INCH / 72.0
