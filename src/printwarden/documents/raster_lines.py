"""Streaming decoder for the line compression shared by PWG raster and Apple raster
(URF): per line a repeat byte (count - 1), then runs until the line is full: a byte
0..127 repeats the next pixel (n + 1) times, 129..255 copies (257 - n) literal pixels,
and 128 fills the rest of the line with white.

Page data has no stored length, so the only way to the next page is through every
run. The decoder reads the file in large chunks and never keeps a page: it only
checks, while colour is still undecided, whether pixel values are neutral.
"""

from __future__ import annotations

from typing import BinaryIO

from PIL import Image

from printwarden.documents.media import media_name, orientation
from printwarden.documents.model import (
    PIXEL_TOLERANCE,
    DocumentInfo,
    PageInfo,
    build_document,
    failed,
)
from printwarden.documents.pixels import max_spread

CHUNK = 1 << 20


class Truncated(Exception):
    """The data ended inside a page."""


class ChunkReader:
    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.buf = b""
        self.pos = 0
        self.consumed = 0  # bytes before buf[0]

    def ensure(self, need: int) -> bool:
        """Make ``need`` bytes available from pos; False when the file has fewer."""
        if self.pos + need <= len(self.buf):
            return True
        rest = self.buf[self.pos :]
        self.consumed += self.pos
        chunk = self.stream.read(max(CHUNK, need))
        self.buf = rest + chunk
        self.pos = 0
        return need <= len(self.buf)

    def read(self, n: int) -> bytes:
        if not self.ensure(n):
            raise Truncated
        data = self.buf[self.pos : self.pos + n]
        self.pos += n
        return data

    def at_end(self) -> bool:
        return not self.ensure(1)


def pixels_neutral(data: bytes, bpp: int, kind: str) -> bool:
    """Whether chunky 8-bit pixels are neutral. ``kind`` is ``rgb`` or ``cmyk``."""
    if len(data) < bpp:
        return True
    data = data[: len(data) - len(data) % bpp]
    if kind == "rgb" and bpp == 3:
        if data[0::3] == data[1::3] == data[2::3]:
            return True
        img = Image.frombytes("RGB", (len(data) // 3, 1), data)
        return max_spread(img) <= PIXEL_TOLERANCE
    if kind == "cmyk" and bpp == 4:
        if data[0::4] == data[1::4] == data[2::4]:
            return True
        img = Image.frombytes("CMYK", (len(data) // 4, 1), data)
        return max_spread(img) <= PIXEL_TOLERANCE
    if kind in ("rgb", "cmyk") and bpp in (6, 8):  # 16 bits per colour: high bytes
        return pixels_neutral(data[0::2], bpp // 2, kind)
    return True


def skip_page(
    reader: ChunkReader,
    bytes_per_line: int,
    height: int,
    bpp: int,
    colour_kind: str | None,
) -> bool | None:
    """Consume one compressed page. Returns its colour verdict when ``colour_kind`` is
    ``rgb``/``cmyk`` (True if any pixel is not neutral), False for grey kinds and None
    when the kind is unknown. Raises ``Truncated`` if the data ends early."""
    check = colour_kind in ("rgb", "cmyk")
    colour = False
    unit = max(bpp, 1)
    max_run = 128 * unit + 2
    y = 0
    buf = reader.buf
    pos = reader.pos
    blen = len(buf)
    while y < height:
        if pos + 1 + max_run > blen:
            reader.pos = pos
            reader.ensure(1 + max_run)
            buf, pos, blen = reader.buf, reader.pos, len(reader.buf)
            if pos >= blen:
                raise Truncated
        y += buf[pos] + 1
        pos += 1
        x = 0
        while x < bytes_per_line:
            if pos + max_run > blen:
                reader.pos = pos
                reader.ensure(max_run)
                buf, pos, blen = reader.buf, reader.pos, len(reader.buf)
            if pos >= blen:
                raise Truncated
            n = buf[pos]
            pos += 1
            if n < 128:
                if check and not pixels_neutral(buf[pos : pos + unit], unit, colour_kind or ""):
                    colour, check = True, False
                pos += unit
                x += (n + 1) * unit
            elif n == 128:
                x = bytes_per_line
            else:
                size = (257 - n) * unit
                if check and not pixels_neutral(buf[pos : pos + size], unit, colour_kind or ""):
                    colour, check = True, False
                pos += size
                x += size
            if pos > blen:
                raise Truncated
    reader.pos = pos
    if colour_kind is None:
        return None
    return colour


def raster_page(number: int, width_mm: float, height_mm: float,
                colour: bool | None) -> PageInfo:
    """The page record of a raster page of the given size."""
    return PageInfo(number, width_mm, height_mm, media_name(width_mm, height_mm),
                    orientation(width_mm, height_mm), colour)


def raster_result(fmt: str, pages: list[PageInfo], reason: str | None,
                  warnings: list[str], *, count_certain: bool = True) -> DocumentInfo:
    """Finish a raster scan: a truncated or invalid stream is estimated (or failed if empty)
    and its count uncertain: a printer may print the partial page too."""
    if reason is not None and reason.startswith(("file truncated", "invalid")):
        if not pages:
            return failed(fmt, reason, fmt, tuple(warnings))
        return build_document(fmt, pages, fmt, reason=reason, estimated=True,
                              warnings=[*warnings, reason], count_certain=False)
    return build_document(fmt, pages, fmt, reason=reason, warnings=warnings,
                          count_certain=count_certain)


__all__ = ["ChunkReader", "Truncated", "pixels_neutral", "raster_page", "raster_result",
           "skip_page"]
