"""JPEG, PNG and TIFF (every frame of a multi-page TIFF is a page).

The pixel count is checked before any decoding (bomb guard). Page size comes from the
image's resolution; without one the size is left to the caller's default media, as a
printer fits such an image to its paper. Large images are checked at a reduced scale
(JPEG by DCT scaling, others by box reduction), so colour specks smaller than the
reduction factor may be averaged away.
"""

from __future__ import annotations

import time

from PIL import Image

from printwarden.documents.detect import detect_bytes
from printwarden.documents.media import media_name, orientation
from printwarden.documents.model import (
    PIXEL_TOLERANCE,
    DocumentInfo,
    Limits,
    PageInfo,
    build_document,
    failed,
)
from printwarden.documents.pixels import max_spread

_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "TIFF": "tiff"}
_CHECK_EDGE = 1024  # longest edge examined


def _colour(img: Image.Image) -> bool:
    if img.mode in ("1", "L", "LA", "I", "I;16", "F"):
        return False
    if img.format == "JPEG":
        img.draft(img.mode, (_CHECK_EDGE, _CHECK_EDGE))
    img.load()
    factor = max(1, max(img.size) // _CHECK_EDGE)
    sample = img.reduce(factor) if factor > 1 and img.mode in ("RGB", "RGBA", "CMYK") else img
    return max_spread(sample) > PIXEL_TOLERANCE


def analyse_image(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    try:
        img = Image.open(path)
    except Image.DecompressionBombError as exc:
        return _bomb(path, str(exc))
    except Exception as exc:
        return failed("unknown", f"unreadable image: {exc}")
    with img:
        fmt = _FORMATS.get(img.format or "", "unknown")
        frames = getattr(img, "n_frames", 1)
        pages: list[PageInfo] = []
        warnings: list[str] = []
        reason: str | None = None
        for index in range(frames):
            try:
                img.seek(index)
            except EOFError:
                break
            w_px, h_px = img.size
            dpi = img.info.get("dpi")
            if dpi and float(dpi[0]) > 1 and float(dpi[1]) > 1:
                w_mm, h_mm = w_px / float(dpi[0]) * 25.4, h_px / float(dpi[1]) * 25.4
                media = media_name(w_mm, h_mm)
            else:
                w_mm, h_mm, media = float(w_px), float(h_px), ""  # default media applies
            colour: bool | None = None
            if w_px * h_px > limits.max_pixels:
                reason = f"image of {w_px}x{h_px} pixels exceeds the limit of {limits.max_pixels}"
            elif time.monotonic() > deadline or index >= limits.max_pages_detailed:
                reason = reason or "colour examined for the first pages only (limits)"
            else:
                try:
                    colour = _colour(img)
                except Exception as exc:
                    warnings.append(f"page {index + 1}: image data unreadable ({exc})")
            pages.append(PageInfo(index + 1, w_mm, h_mm, media, orientation(w_mm, h_mm), colour))
    if any(p.color is None for p in pages) and reason is None:
        reason = "image data could not be decoded"
    return build_document(fmt, pages, "image", reason=reason, warnings=warnings)


def _bomb(path: str, why: str) -> DocumentInfo:
    """Pillow refused to open an image with too many pixels: a JPEG or PNG is still one
    page, of unknown colour; a TIFF's page count is unknown."""
    with open(path, "rb") as f:
        fmt = detect_bytes(f.read(16))
    reason = f"image exceeds the pixel limit (bomb guard): {why}"
    if fmt in ("jpeg", "png"):
        page = PageInfo(1, 0.0, 0.0, "", "portrait", None)
        return build_document(fmt, [page], "image", reason=reason)
    return failed(fmt, reason)
