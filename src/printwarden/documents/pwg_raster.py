"""PWG raster (PWG 5102.4): "RaS2", then per page a 1796-byte big-endian header and
compressed lines. sGray/black spaces are mono by definition; sRGB/AdobeRGB/RGB and
CMYK pages are colour when any pixel is not neutral."""

from __future__ import annotations

import struct
import time

from printwarden.documents.media import points_to_mm
from printwarden.documents.model import DocumentInfo, Limits, PageInfo, failed
from printwarden.documents.raster_lines import (
    ChunkReader,
    Truncated,
    raster_page,
    raster_result,
    skip_page,
)

HEADER = 1796
NUM_COPIES = 340  # offset of the header's NumCopies
_GREY = {0, 3, 18, 48}  # W, K, sGray (SW), Device1
_RGB = {1, 17, 19, 20}  # RGB, RGBW, sRGB, AdobeRGB
_CMYK = {6}


def colour_kind(space: int) -> str | None:
    if space in _GREY:
        return "gray"
    if space in _RGB:
        return "rgb"
    if space in _CMYK:
        return "cmyk"
    return None


def _u32(h: bytes, off: int, endian: str) -> int:
    value: int = struct.unpack_from(endian + "I", h, off)[0]
    return value


def analyse_pwg_raster(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    with open(path, "rb") as f:
        sync = f.read(4)
        if sync not in (b"RaS2", b"2SaR"):
            return failed("pwg-raster", "no PWG raster sync word")
        endian = ">" if sync == b"RaS2" else "<"
        reader = ChunkReader(f)
        pages: list[PageInfo] = []
        warnings: list[str] = []
        reason: str | None = None
        asks_copies = 1
        while not reader.at_end():
            try:
                header = reader.read(HEADER)
            except Truncated:
                reason = f"file truncated inside the header of page {len(pages) + 1}"
                break
            res_x, res_y = _u32(header, 276, endian), _u32(header, 280, endian)
            pw_pt, ph_pt = _u32(header, 352, endian), _u32(header, 356, endian)
            width, height = _u32(header, 372, endian), _u32(header, 376, endian)
            bits = _u32(header, 388, endian)
            copies = _u32(header, NUM_COPIES, endian)
            if copies > 1:
                asks_copies = max(asks_copies, copies)
            bpl = _u32(header, 392, endian)
            order = _u32(header, 396, endian)
            space = _u32(header, 400, endian)
            if not (0 < res_x < 100000 and 0 < res_y < 100000) or bpl == 0 or height == 0:
                reason = f"invalid header for page {len(pages) + 1}"
                break
            kind = colour_kind(space) if order == 0 else None
            if kind is None:
                warnings.append(f"colour space {space} order {order}: colour not determined")
            if pw_pt and ph_pt:
                w_mm, h_mm = points_to_mm(pw_pt), points_to_mm(ph_pt)
            else:
                w_mm, h_mm = width / res_x * 25.4, height / res_y * 25.4
            detail = len(pages) < limits.max_pages_detailed and time.monotonic() <= deadline
            if not detail and reason is None:
                reason = "colour examined for the first pages only (limits)"
            try:
                colour = skip_page(reader, bpl, height, (bits + 7) // 8, kind if detail else None)
            except Truncated:
                reason = f"file truncated inside page {len(pages) + 1}"
                break
            pages.append(raster_page(len(pages) + 1, w_mm, h_mm, colour))
    if asks_copies > 1:  # a printer may print the page that many times
        warnings.append(f"a page header asks for {asks_copies} copies (NumCopies)")
        reason = reason or warnings[-1]
    return raster_result("pwg-raster", pages, reason, warnings,
                         count_certain=asks_copies == 1)
