"""The printer icon behind printer-icons (PWG 5100.14): a PNG drawn with the standard
library (zlib), at the sizes IPP Everywhere clients ask for (48, 128 and 512 pixels).

The picture is a printer pictogram: a sheet of paper rising from a dark body with a
green light. Icons are made once per size and kept (a few kilobytes each).
"""

from __future__ import annotations

import functools
import struct
import zlib

__all__ = ["ICON_SIZES", "icon_png"]

ICON_SIZES = (48, 128, 512)
_CLEAR, _BODY, _PAPER, _LINE, _LIGHT = (
    (0, 0, 0, 0), (52, 58, 64, 255), (250, 250, 250, 255), (150, 160, 170, 255),
    (40, 200, 90, 255))


def _pixel(x: float, y: float) -> tuple[int, int, int, int]:
    """The colour at (x, y), both in 0..1 of the icon's side."""
    if 0.28 <= x <= 0.72 and 0.08 <= y <= 0.55:  # the sheet
        if 0.34 <= x <= 0.66 and any(abs(y - row) < 0.012 for row in (0.2, 0.28, 0.36)):
            return _LINE
        return _PAPER
    if 0.1 <= x <= 0.9 and 0.4 <= y <= 0.82:  # the body
        if 0.74 <= x <= 0.82 and 0.48 <= y <= 0.54:
            return _LIGHT
        return _BODY
    if 0.2 <= x <= 0.8 and 0.82 < y <= 0.9:  # the tray
        return _LINE
    return _CLEAR


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


@functools.cache
def icon_png(size: int) -> bytes:
    """The icon as a PNG of ``size`` x ``size`` pixels (RGBA, 8 bits per channel)."""
    if size not in ICON_SIZES:
        raise ValueError(f"no icon of {size} pixels")
    rows = bytearray()
    for row in range(size):
        rows.append(0)  # filter: none
        y = (row + 0.5) / size
        for column in range(size):
            rows.extend(_pixel((column + 0.5) / size, y))
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b""))
