"""Apple raster (URF): "UNIRAST\\0", a big-endian page count (0 when unknown), then per
page a 32-byte header (bits per pixel, colour space, duplex, quality, two reserved
words, width, height, resolution, two reserved words) and compressed lines in the PWG
scheme. Colour spaces: 0 sGray, 1 sRGB, 2 CIELab, 3 AdobeRGB, 4 gray, 5 RGB, 6 CMYK."""

from __future__ import annotations

import struct
import time

from printwarden.documents.model import DocumentInfo, Limits, PageInfo, failed
from printwarden.documents.raster_lines import (
    ChunkReader,
    Truncated,
    raster_page,
    raster_result,
    skip_page,
)

_KINDS = {0: "gray", 1: "rgb", 3: "rgb", 4: "gray", 5: "rgb", 6: "cmyk"}


def analyse_urf(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or not head.startswith(b"UNIRAST\x00"):
            return failed("urf", "no UNIRAST header")
        declared = struct.unpack(">I", head[8:12])[0]
        reader = ChunkReader(f)
        pages: list[PageInfo] = []
        reason: str | None = None
        warnings: list[str] = []
        while not reader.at_end():
            try:
                header = reader.read(32)
            except Truncated:
                reason = f"file truncated inside the header of page {len(pages) + 1}"
                break
            bits, space = header[0], header[1]
            width, height, dpi = struct.unpack_from(">III", header, 12)
            if bits not in (8, 16, 24, 32, 48, 64) or not 0 < dpi < 100000 or not width:
                reason = f"invalid header for page {len(pages) + 1}"
                break
            kind = _KINDS.get(space)
            if kind is None:
                warnings.append(f"URF colour space {space}: colour not determined")
            detail = len(pages) < limits.max_pages_detailed and time.monotonic() <= deadline
            if not detail and reason is None:
                reason = "colour examined for the first pages only (limits)"
            try:
                colour = skip_page(
                    reader, width * bits // 8, height, bits // 8, kind if detail else None
                )
            except Truncated:
                reason = f"file truncated inside page {len(pages) + 1}"
                break
            w_mm, h_mm = width / dpi * 25.4, height / dpi * 25.4
            pages.append(raster_page(len(pages) + 1, w_mm, h_mm, colour))
    truncated = reason is not None and reason.startswith(("file truncated", "invalid"))
    mismatch = bool(declared) and declared != len(pages) and not truncated
    if mismatch:
        warnings.append(f"header declares {declared} pages, {len(pages)} found")
        reason = reason or warnings[-1]
    return raster_result("urf", pages, reason, warnings, count_certain=not mismatch)
