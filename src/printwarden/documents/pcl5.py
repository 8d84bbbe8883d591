"""PCL 5 (and 5c): pages end at form feed, or at a reset / page-size / orientation /
paper-source command after something was printed. Binary payloads (``ESC *b#W``,
``ESC (s#W``, ``ESC &p#X``...) are skipped by their length, never searched.

Colour (PCL 5c): a mark made while the foreground is a non-neutral palette entry
(``ESC *r3U`` / ``ESC *r-3U`` simple palettes, ``ESC *v#A/B/C`` + ``ESC *v#I`` custom
entries, ``ESC *v#S`` selection), or colour raster rows whose planes differ. HP-GL/2
sections count as marks; their pen colours are read only as ``SPn`` selections.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from printwarden.documents.media import media_name, orientation
from printwarden.documents.model import (
    NEUTRAL_TOLERANCE,
    DocumentInfo,
    Limits,
    PageInfo,
    build_document,
    failed,
)
from printwarden.documents.pcl_media import PCL5_SIZES, oriented

_EVENT = re.compile(rb"[\x1b\x0c]")
_PRINTABLE = re.compile(rb"[\x21-\x7e\x80-\xff]")
_VALUE = re.compile(rb"[+-]?\d*(?:\.\d*)?")
_HPGL_PEN = re.compile(rb"SP\s*(\d+)")
_DATA_TERMINATORS = {b"W", b"V"}
_UEL = b"\x1b%-12345X"
_PJL_COPIES = re.compile(rb"@PJL\s+SET\s+(?:COPIES|QTY)\s*=\s*(\d+)", re.IGNORECASE)

_SIMPLE_RGB = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0), (0, 0, 1), (1, 0, 1), (0, 1, 1),
               (1, 1, 1)]  # fmt: skip
_SIMPLE_CMY = [(1, 1, 1), (0, 1, 1), (1, 0, 1), (0, 0, 1), (1, 1, 0), (0, 1, 0), (1, 0, 0),
               (0, 0, 0)]  # fmt: skip


@dataclass
class _State:
    size_code: int | None = None
    landscape: bool = False
    palette: list[tuple[float, float, float]] = field(default_factory=list)
    colour_mode: bool = False
    fg: int = 0
    comps: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    marked: bool = False
    colour: bool = False
    copies: int = 1
    planes: list[bytes] = field(default_factory=list)

    def fg_neutral(self) -> bool:
        if not self.colour_mode or not self.palette:
            return True
        r, g, b = self.palette[self.fg % len(self.palette)]
        return max(r, g, b) - min(r, g, b) <= NEUTRAL_TOLERANCE

    def mark(self) -> None:
        self.marked = True
        if not self.fg_neutral():
            self.colour = True

    def reset_palette(self, mode: int) -> None:
        self.colour_mode = mode in (3, -3)
        self.palette = list(_SIMPLE_RGB if mode == 3 else _SIMPLE_CMY if mode == -3 else [])
        self.fg = 0


def analyse_pcl5(path: str, limits: Limits, deadline: float) -> DocumentInfo:
    with open(path, "rb") as f:
        try:
            data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            return failed("pcl5", "empty file")
        with data:
            pages, st, warning = _parse(data)
    warnings = [warning] if warning else []
    if st.copies > 1:  # the printer would make them: pages counted once would be a lie
        warnings.append(f"the job asks the printer for {st.copies} copies")
        warning = warning or warnings[-1]
    if not pages and warning:
        return failed("pcl5", warning, "pcl5-commands", tuple(warnings))
    return build_document(
        "pcl5",
        pages,
        "pcl5-commands",
        warnings=warnings,
        reason=warning,
        estimated=warning is not None,
        count_certain=warning is None,
    )


def _parse(data: mmap.mmap) -> tuple[list[PageInfo], _State, str | None]:
    st = _State()
    pages: list[PageInfo] = []

    def end_page() -> None:
        if st.size_code is not None and st.size_code in PCL5_SIZES:
            w, h = oriented(PCL5_SIZES[st.size_code], st.landscape)
            media = media_name(w, h)
        else:
            w, h = (1.0, 0.0) if st.landscape else (0.0, 1.0)
            media = ""  # not stated: the caller's default media applies
        pages.append(PageInfo(len(pages) + 1, w, h, media, orientation(w, h), st.colour))
        st.marked = False
        st.colour = False

    pos, n = 0, len(data)
    hpgl = False
    while pos < n:
        m = _EVENT.search(data, pos)
        stop = m.start() if m else n
        if stop > pos:
            chunk = data[pos:stop]
            if hpgl:
                st.marked = True
                for pen in _HPGL_PEN.findall(chunk):
                    if st.colour_mode and int(pen) > 1:
                        st.colour = True
            elif _PRINTABLE.search(chunk):
                st.mark()
        if m is None:
            break
        if data[stop] == 0x0C:
            end_page()
            pos = stop + 1
            continue
        if data[stop : stop + 9] == _UEL:
            pos = _skip_pjl(data, stop + 9, st)
            continue
        try:
            pos, hpgl = _escape(data, stop, st, end_page, hpgl)
        except IndexError:
            if st.marked:
                end_page()
            return pages, st, "file truncated inside a PCL command"
    if st.marked:
        end_page()
    return pages, st, None


def _skip_pjl(data: mmap.mmap, pos: int, st: _State) -> int:
    """Skip the PJL command lines that follow a Universal Exit Language sequence."""
    while data[pos : pos + 4] == b"@PJL":
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end + 1
        m = _PJL_COPIES.match(data[pos:end])
        if m is not None:
            st.copies = max(st.copies, int(m.group(1)))
        pos = end
        while data[pos : pos + 1] in (b"\r", b"\n"):
            pos += 1
    return pos


def _escape(
    data: mmap.mmap, at: int, st: _State, end_page: Callable[[], None], hpgl: bool
) -> tuple[int, bool]:
    c = data[at + 1]
    if c == 0x45:  # ESC E: reset
        if st.marked:
            end_page()
        st.reset_palette(1)
        return at + 2, False
    if not 0x21 <= c <= 0x2F:
        return at + 2, hpgl  # two-character escape
    pos = at + 2
    group = b""
    if 0x60 <= data[pos] <= 0x7E:
        group = bytes([data[pos]])
        pos += 1
    param = bytes([c])
    while True:
        m = _VALUE.match(data, pos)
        raw = m.group(0) if m else b""
        pos += len(raw)
        letter = data[pos : pos + 1]
        if not letter:
            raise IndexError
        pos += 1
        try:
            value = float(raw) if raw not in (b"", b"+", b"-", b".") else 0.0
        except ValueError:
            value = 0.0
        final = letter.upper()
        if final in _DATA_TERMINATORS or (param + group + final) == b"&pX":
            length = int(value)
            payload = data[pos : pos + length]
            if len(payload) < length:
                raise IndexError
            _data_command(param + group + final, payload, st)
            pos += length
        else:
            hpgl = _command(param + group + final, value, st, end_page, hpgl)
        if letter.isupper() or not letter.isalpha():
            return pos, hpgl


def _command(
    cmd: bytes, value: float, st: _State, end_page: Callable[[], None], hpgl: bool
) -> bool:
    v = int(value)
    if cmd in (b"&lA", b"&lO", b"&lH") and st.marked:
        end_page()
    if cmd == b"&lA":
        st.size_code = v
    elif cmd == b"&lO":
        st.landscape = v in (1, 3)
    elif cmd == b"&lX":
        st.copies = max(1, v)
    elif cmd == b"*rU":
        st.reset_palette(v)
    elif cmd == b"*vS":
        st.fg = max(0, v)
    elif cmd in (b"*vA", b"*vB", b"*vC"):
        st.comps["ABC".index(chr(cmd[-1]))] = value
    elif cmd == b"*vI":
        entry = tuple(min(1.0, max(0.0, x / 255.0)) for x in st.comps)
        while len(st.palette) <= v:
            st.palette.append((0.0, 0.0, 0.0))
        st.palette[v] = (entry[0], entry[1], entry[2])
    elif cmd == b"*cP":
        if v in (0, 2, 3):
            st.mark()
    elif cmd == b"%B":
        return True
    elif cmd == b"%A":
        return False
    elif cmd == b"*rB" or cmd == b"*rC":
        st.planes = []
    return hpgl


def _data_command(cmd: bytes, payload: bytes, st: _State) -> None:
    if cmd == b"*vW" and len(payload) >= 6:
        st.colour_mode = True  # configure image data: palette by the job
        bits = payload[2]
        st.palette = [(0.0, 0.0, 0.0)] * (1 << min(bits, 8))
        st.palette[0] = (1.0, 1.0, 1.0) if payload[0] == 0 else (0.0, 0.0, 0.0)
        return
    if cmd == b"*bV":
        st.planes.append(payload)
        return
    if cmd == b"*bW":
        st.marked = True
        if st.colour_mode and st.planes and any(p != payload for p in st.planes):
            st.colour = True
        elif st.colour_mode and not st.planes and any(payload):
            st.mark()
        st.planes = []
