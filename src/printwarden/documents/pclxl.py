"""PCL XL (PCL 6) binary streams: a tokeniser over data types, attribute ids, embedded
data and operators. Pages are BeginPage..EndPage; size from MediaSize (enumeration or
name) or CustomMediaSize, Orientation applied.

Colour: a page is colour when it sets a non-neutral RGBColor for the brush or pen, uses
a palette with non-neutral entries, or reads RGB image data whose pixels are not
neutral (uncompressed, RLE and JPEG blocks are decoded; delta-row RGB blocks are not,
and leave the page undetermined unless it is already known to be colour).
"""

from __future__ import annotations

import io
import mmap
import struct
import time
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from printwarden.documents.media import media_name, orientation
from printwarden.documents.model import (
    NEUTRAL_TOLERANCE,
    PIXEL_TOLERANCE,
    DocumentInfo,
    Limits,
    PageInfo,
    build_document,
    failed,
)
from printwarden.documents.pcl_media import PCLXL_NAMES, PCLXL_SIZES, oriented
from printwarden.documents.pixels import max_spread

_SCALAR = {0xC0: ("B", 1), 0xC1: ("H", 2), 0xC2: ("I", 4), 0xC3: ("h", 2), 0xC4: ("i", 4),
           0xC5: ("f", 4)}  # fmt: skip
_ARRAY = {0xC8: "B", 0xC9: "H", 0xCA: "I", 0xCB: "h", 0xCC: "i", 0xCD: "f"}
_SIZES = {"B": 1, "H": 2, "I": 4, "h": 2, "i": 4, "f": 4}
_XY = {0xD0: "B", 0xD1: "H", 0xD2: "I", 0xD3: "h", 0xD4: "i", 0xD5: "f"}
_BOX = {0xE0: "B", 0xE1: "H", 0xE2: "I", 0xE3: "h", 0xE4: "i", 0xE5: "f"}
_WHITESPACE = frozenset({0x00, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20})

BEGIN_PAGE, END_PAGE = 0x43, 0x44
SET_BRUSH, SET_PEN, SET_COLOR_SPACE = 0x63, 0x79, 0x6A
BEGIN_IMAGE, READ_IMAGE, READ_RAST_PATTERN, BEGIN_RAST_PATTERN = 0xB0, 0xB1, 0xB4, 0xB3
A_COLOR_SPACE, A_PALETTE_DATA, A_GRAY, A_RGB = 3, 6, 9, 11
A_MEDIA_SIZE, A_ORIENTATION, A_CUSTOM_SIZE, A_CUSTOM_UNITS = 37, 40, 47, 48
A_COLOR_MAPPING, A_COLOR_DEPTH, A_COMPRESS, A_SOURCE_WIDTH = 100, 98, 101, 108
A_BLOCK_HEIGHT, A_PAD = 99, 110
A_PAGE_COPIES = 49  # EndPage's PageCopies: the printer prints the page that many times
PAINTING = frozenset({0x86, 0x96, 0x98, 0x9E, 0xA0, 0xA2, 0xA8, 0xB1, 0xB9, 0xB4})


@dataclass
class _Page:
    size: tuple[float, float] | None = None
    landscape: bool = False
    colour: bool = False
    unknown: bool = False


@dataclass
class _State:
    rgb_space: bool = False
    palette_colour: bool = False
    image: dict[str, Any] = field(default_factory=dict)
    page: _Page | None = None
    endian: str = "<"
    page_copies: int = 1


def analyse_pclxl(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    with open(path, "rb") as f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            return failed("pclxl", "empty file")
        with data:
            start = max(data.find(b") HP-PCL XL"), data.find(b"( HP-PCL XL"))
            if start < 0:
                return failed("pclxl", "no PCL XL stream header")
            big = data[start] == ord("(")
            pos = data.find(b"\n", start) + 1
            pages, problem = _parse(data, pos, ">" if big else "<", limits, deadline)
    infos = []
    for i, pg in enumerate(pages):
        if pg.size is not None:
            w, h = oriented(pg.size, pg.landscape)
            media = media_name(w, h)
        else:
            w, h, media = (1.0, 0.0, "") if pg.landscape else (0.0, 1.0, "")
        colour = True if pg.colour else (None if pg.unknown else False)
        infos.append(PageInfo(i + 1, w, h, media, orientation(w, h), colour))
    if problem and not infos:
        return failed("pclxl", problem, "pclxl-operators")
    return build_document(
        "pclxl",
        infos,
        "pclxl-operators",
        reason=problem,
        estimated=problem is not None,
        warnings=[problem] if problem else [],
        count_certain=problem is None,
    )


def _parse(
    data: mmap.mmap, pos: int, endian: str, limits: Limits, deadline: float
) -> tuple[list[_Page], str | None]:
    st = _State(endian=endian)
    pages: list[_Page] = []
    attrs: dict[int, Any] = {}
    value: Any = None
    n = len(data)
    unpack = struct.unpack_from
    try:
        while pos < n:
            tag = data[pos]
            if tag in _WHITESPACE:
                pos += 1
            elif tag in _SCALAR:
                fmt, size = _SCALAR[tag]
                value = unpack(endian + fmt, data, pos + 1)[0]
                pos += 1 + size
            elif tag in _ARRAY:
                fmt = _ARRAY[tag]
                ltag = data[pos + 1]
                lfmt, lsize = _SCALAR[ltag]
                count = unpack(endian + lfmt, data, pos + 2)[0]
                start = pos + 2 + lsize
                end = start + count * _SIZES[fmt]
                if end > n:
                    raise IndexError
                value = (fmt, data[start:end]) if count <= 4096 else (fmt, b"")
                pos = end
            elif tag in _XY or tag in _BOX:
                fmt = _XY.get(tag) or _BOX[tag]
                k = 2 if tag in _XY else 4
                value = unpack(endian + fmt * k, data, pos + 1)
                pos += 1 + k * _SIZES[fmt]
            elif tag == 0xF8:
                attrs[data[pos + 1]] = value
                pos += 2
            elif tag == 0xF9:
                attrs[unpack(endian + "H", data, pos + 1)[0]] = value
                pos += 3
            elif tag in (0xFA, 0xFB):
                if tag == 0xFA:
                    length = unpack(endian + "I", data, pos + 1)[0]
                    pos += 5
                else:
                    length = data[pos + 1]
                    pos += 2
                if pos + length > n:
                    raise IndexError
                if st.page is not None and st.image and not st.page.colour:
                    _judge_block(data[pos : pos + length], st)
                pos += length
            elif tag == 0x1B:  # UEL: end of this stream; look for another
                nxt = max(data.find(b") HP-PCL XL", pos), data.find(b"( HP-PCL XL", pos))
                if nxt < 0:
                    break
                pos = data.find(b"\n", nxt) + 1
            elif 0x41 <= tag <= 0xBF:
                _operator(tag, attrs, st, pages, limits, deadline)
                attrs = {}
                pos += 1
            else:
                return pages, f"unknown PCL XL tag 0x{tag:02x} at offset {pos}"
    except (IndexError, struct.error, KeyError):
        return pages, "file truncated or damaged inside a PCL XL stream"
    if st.page is not None:
        return pages, "file ends inside a page"
    if st.page_copies > 1:
        return pages, f"the job asks the printer for {st.page_copies} copies of a page"
    return pages, None


def _operator(
    op: int,
    attrs: dict[int, Any],
    st: _State,
    pages: list[_Page],
    limits: Limits,
    deadline: float,
) -> None:
    if op == BEGIN_PAGE:
        page = _Page()
        size = attrs.get(A_MEDIA_SIZE)
        if isinstance(size, int):
            page.size = PCLXL_SIZES.get(size)
        elif isinstance(size, tuple) and size and size[0] == "B":
            page.size = PCLXL_NAMES.get(size[1].rstrip(b"\x00").decode("latin-1").upper())
        custom = attrs.get(A_CUSTOM_SIZE)
        if isinstance(custom, tuple) and len(custom) == 2 and not isinstance(custom[0], str):
            unit = {0: 25.4, 1: 1.0, 2: 25.4 / 10}.get(attrs.get(A_CUSTOM_UNITS, 0), 25.4)
            w, h = sorted((float(custom[0]) * unit, float(custom[1]) * unit))
            page.size = (w, h)
        page.landscape = attrs.get(A_ORIENTATION, 0) in (1, 3)
        st.page = page
        return
    current = st.page
    if current is None:
        return
    page = current
    if op == END_PAGE:
        copies = attrs.get(A_PAGE_COPIES)
        if isinstance(copies, int) and copies > 1:
            st.page_copies = max(st.page_copies, copies)
        pages.append(page)
        st.page = None
        st.image = {}
        return
    if len(pages) >= limits.max_pages_detailed or time.monotonic() > deadline:
        page.unknown = True
        return
    if op == SET_COLOR_SPACE:
        st.rgb_space = attrs.get(A_COLOR_SPACE, 1) in (2, 6)
        palette = attrs.get(A_PALETTE_DATA)
        st.palette_colour = False
        if st.rgb_space and isinstance(palette, tuple) and palette[0] == "B":
            raw = palette[1]
            st.palette_colour = any(
                max(raw[i : i + 3]) - min(raw[i : i + 3]) > NEUTRAL_TOLERANCE * 255
                for i in range(0, len(raw) - 2, 3)
            )
    elif op in (SET_BRUSH, SET_PEN):
        rgb = attrs.get(A_RGB)
        by_palette = rgb is None and A_GRAY not in attrs and st.palette_colour
        if by_palette or (rgb is not None and _rgb_colour(rgb, st.endian)):
            page.colour = True
    elif op in (BEGIN_IMAGE, BEGIN_RAST_PATTERN):
        st.image = {}
        if st.rgb_space:
            if attrs.get(A_COLOR_MAPPING, 0) == 1:
                page.colour = page.colour or st.palette_colour
            elif attrs.get(A_COLOR_DEPTH, 2) == 2:
                st.image = {"width": attrs.get(A_SOURCE_WIDTH, 0), "pad": 4}
            else:
                page.unknown = True
    elif op in (READ_IMAGE, READ_RAST_PATTERN) and st.image:
        st.image["compress"] = attrs.get(A_COMPRESS, 0)
        st.image["pad"] = attrs.get(A_PAD, 4) or 4
        st.image["page"] = page


def _rgb_colour(rgb: Any, endian: str) -> bool:
    if isinstance(rgb, tuple) and len(rgb) == 2 and isinstance(rgb[0], str):
        fmt, raw = rgb
        values = list(struct.unpack(endian + fmt * (len(raw) // _SIZES[fmt]), raw))
        scale = 255.0 if fmt != "f" else 1.0
    else:
        return False
    if len(values) < 3:
        return False
    return bool((max(values[:3]) - min(values[:3])) / scale > NEUTRAL_TOLERANCE)


def _judge_block(block: bytes, st: _State) -> None:
    page = st.image.get("page")
    if not isinstance(page, _Page):
        return
    width = int(st.image.get("width") or 0)
    compress = st.image.get("compress", 0)
    try:
        if compress == 2:
            img = Image.open(io.BytesIO(block))
            img.draft(img.mode, (256, 256))
            img.load()
            if max_spread(img) > PIXEL_TOLERANCE:
                page.colour = True
            return
        if compress == 1:
            block = _unpackbits(block)
        elif compress != 0:
            page.unknown = True
            return
        row = width * 3
        pad = int(st.image.get("pad", 4))
        stride = -(-row // pad) * pad if row else 0
        if not stride:
            return
        rows = b"".join(block[i : i + row] for i in range(0, len(block) - row + 1, stride))
        if rows and max_spread(Image.frombytes("RGB", (width, len(rows) // row), rows)) > (
            PIXEL_TOLERANCE
        ):
            page.colour = True
    except Exception:
        page.unknown = True


def _unpackbits(data: bytes) -> bytes:
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        i += 1
        if c < 128:
            out += data[i : i + c + 1]
            i += c + 1
        elif c > 128:
            out += data[i : i + 1] * (257 - c)
            i += 1
    return bytes(out)
