"""Cut a PWG or Apple raster stream after its last whole page.

A truncated raster stream is counted by its whole pages; a printer given the partial
page may print it too. The rewritten stream holds exactly the counted pages: the bytes up
to the end of the last whole page, for URF a header whose page count says so, and for
PWG raster page headers whose NumCopies is at most 1.
"""

from __future__ import annotations

import os
import struct

from printwarden.documents.raster_lines import ChunkReader, Truncated, skip_page

__all__ = ["cut_raster"]

_PWG_HEADER = 1796
_NUM_COPIES = 340


def _whole_pages_end(path: str | os.PathLike[str],
                     fmt: str) -> tuple[int, int, list[int]]:
    """(pages, offset just after the last whole page, offsets of PWG page headers)."""
    with open(path, "rb") as f:
        start = 4 if fmt == "pwg-raster" else 12
        head = f.read(start)
        endian = "<" if head == b"2SaR" else ">"
        reader = ChunkReader(f)
        pages, end = 0, start
        headers: list[int] = []
        while not reader.at_end():
            try:
                if fmt == "pwg-raster":
                    at = start + reader.consumed + reader.pos
                    header = reader.read(_PWG_HEADER)
                    res_x, res_y, height, bits, bpl = (
                        struct.unpack_from(endian + "I", header, off)[0]
                        for off in (276, 280, 376, 388, 392))
                    if not (0 < res_x < 100000 and 0 < res_y < 100000) or not bpl \
                            or not height:
                        break
                    skip_page(reader, bpl, height, (bits + 7) // 8, None)
                    headers.append(at)
                else:
                    header = reader.read(32)
                    bits = header[0]
                    width, height, dpi = struct.unpack_from(">III", header, 12)
                    if bits not in (8, 16, 24, 32, 48, 64) or not 0 < dpi < 100000 \
                            or not width:
                        break
                    skip_page(reader, width * bits // 8, height, bits // 8, None)
            except Truncated:
                break
            pages += 1
            end = start + reader.consumed + reader.pos
    return pages, end, headers[:pages]


def cut_raster(source: str | os.PathLike[str], target: str | os.PathLike[str],
               fmt: str) -> int:
    """Write ``target`` with the whole pages of ``source``; answers their number."""
    pages, end, headers = _whole_pages_end(source, fmt)
    with open(source, "rb") as src, open(target, "wb") as dst:
        remaining = end
        while remaining > 0:
            chunk = src.read(min(remaining, 1 << 20))
            if not chunk:
                break
            dst.write(chunk)
            remaining -= len(chunk)
        if fmt == "urf":
            dst.seek(8)
            dst.write(struct.pack(">I", pages))
        src.seek(0)
        endian = "<" if src.read(4) == b"2SaR" else ">"
        for at in headers:
            src.seek(at + _NUM_COPIES)
            if struct.unpack(endian + "I", src.read(4))[0] > 1:
                dst.seek(at + _NUM_COPIES)
                dst.write(struct.pack(endian + "I", 1))
    return pages
