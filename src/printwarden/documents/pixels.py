"""Neutrality of decoded pixels, computed by Pillow in C (no per-pixel Python)."""

from __future__ import annotations

from PIL import Image, ImageChops

from printwarden.documents.model import PIXEL_TOLERANCE, RICH_BLACK_K

_RICH_BLACK_LEVEL = round(RICH_BLACK_K * 255)


def _spread(a: Image.Image, b: Image.Image, c: Image.Image) -> Image.Image:
    hi = ImageChops.lighter(ImageChops.lighter(a, b), c)
    lo = ImageChops.darker(ImageChops.darker(a, b), c)
    return ImageChops.subtract(hi, lo)


def max_spread(img: Image.Image) -> int:
    """Largest difference between colour channels of any pixel (0 for grey modes)."""
    mode = img.mode
    if mode in ("1", "L", "LA", "I", "F", "I;16", "La"):
        return 0
    if mode == "P" or mode == "PA":
        img = img.convert("RGB")
        mode = "RGB"
    if mode == "CMYK":
        c, m, y, k = img.split()
        spread = _spread(c, m, y)
        # Where K is (nearly) full the pixel prints black whatever C, M and Y are.
        not_black = k.point(lambda v: 0 if v >= _RICH_BLACK_LEVEL else 255)
        spread = ImageChops.multiply(spread, not_black)
        return _top(spread)
    if mode not in ("RGB", "RGBA", "RGBX"):
        img = img.convert("RGB")
    r, g, b = img.split()[:3]
    return _top(_spread(r, g, b))


def _top(img: Image.Image) -> int:
    if img.width == 0 or img.height == 0:
        return 0
    extrema = img.getextrema()
    top = extrema[1] if extrema else 0
    return int(top) if isinstance(top, int | float) else 0


def is_neutral(img: Image.Image, tolerance: int = PIXEL_TOLERANCE) -> bool:
    return max_spread(img) <= tolerance


def colour_fraction(img: Image.Image, tolerance: int = PIXEL_TOLERANCE) -> float:
    """Share of pixels whose channel spread exceeds ``tolerance``."""
    if img.mode in ("1", "L", "LA", "I", "F", "I;16"):
        return 0.0
    rgb = img.convert("RGB") if img.mode not in ("RGB", "RGBA", "RGBX") else img
    r, g, b = rgb.split()[:3]
    hist = _spread(r, g, b).histogram()
    total = sum(hist)
    return sum(hist[tolerance + 1 :]) / total if total else 0.0
