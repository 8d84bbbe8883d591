"""Plain text: pages of ``lines_per_page`` lines, a form feed starts a new page.

The count is exact for a printer that prints ``lines_per_page`` lines of up to
``COLUMNS`` columns per page. Text that a printer would lay out otherwise is not
``count_certain``, and ``clean_text`` writes the version the count is of:

- a line wider than ``COLUMNS`` columns (a printer wraps it): wrapped at ``COLUMNS``,
  tabs expanded (stops every 8 columns);
- a carriage return inside a line (some printers start a new line, others overprint):
  a new line;
- other control characters, ESC above all (sent to a raw port, ``ESC &l99X`` is a PCL
  command asking for 99 copies): removed.

Columns are counted in characters when the file is UTF-8 (East Asian wide characters
count two), else in bytes. Both the count and ``clean_text`` read the file through
``_events``, so the rewritten text has exactly the pages counted. Text is always mono.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from printwarden.documents.model import DocumentInfo, Limits, PageInfo, build_document

COLUMNS = 80
_TAB = 8
_CONTROLS = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
PAGE = None  # an event: a form feed


@dataclass
class _Changes:
    wide: bool = False
    controls: bool = False
    bare_cr: bool = False

    @property
    def any(self) -> bool:
        return self.wide or self.controls or self.bare_cr


def _is_utf8(path: str) -> bool:
    with open(path, "rb") as f:
        try:
            for raw in f:
                raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _wrap(line: bytes, utf8: bool) -> list[bytes]:
    """``line`` (no control characters) in pieces of at most ``COLUMNS`` columns."""
    if b"\t" not in line and len(line) <= COLUMNS:
        return [line]  # fast path: narrow whatever the encoding
    units: list[tuple[bytes, int]] = []
    column = 0
    text = line.decode("utf-8") if utf8 else line.decode("latin-1")
    for ch in text:
        if ch == "\t":
            spaces = _TAB - column % _TAB
            units.extend((b" ", 1) for _ in range(spaces))
            column += spaces
            continue
        units.append((ch.encode("utf-8") if utf8 else ch.encode("latin-1"),
                      _width(ch) if utf8 else 1))
        column += units[-1][1]
    if column <= COLUMNS:
        return [line]
    pieces, piece, used = [], bytearray(), 0
    for data, width in units:
        if used + width > COLUMNS:
            pieces.append(bytes(piece))
            piece, used = bytearray(), 0
        piece += data
        used += width
    pieces.append(bytes(piece))
    return pieces


def _events(path: str, changes: _Changes) -> Iterator[bytes | None]:
    """The printed lines of the file (``bytes``) and its page breaks (``PAGE``)."""
    utf8 = _is_utf8(path)
    with open(path, "rb") as f:
        for raw in f:
            ended = raw.endswith(b"\n")
            body = raw[:-1] if ended else raw
            if body.endswith(b"\r") and ended:
                body = body[:-1]
            segments = body.split(b"\f")
            for index, segment in enumerate(segments):
                if index > 0:
                    yield PAGE
                last = index == len(segments) - 1
                if not segment and not (last and ended):
                    continue
                if b"\r" in segment:
                    changes.bare_cr = True
                for part in segment.split(b"\r"):
                    clean = _CONTROLS.sub(b"", part)
                    if clean != part:
                        changes.controls = True
                    pieces = _wrap(clean, utf8)
                    if len(pieces) > 1 or pieces[0] != clean:
                        changes.wide = True
                    yield from pieces


def _paginate(events: Iterator[bytes | None], lines_per_page: int) -> int:
    lines_per_page = max(1, lines_per_page)
    pages = lines = 0
    for event in events:
        if event is PAGE:
            pages += 1
            lines = 0
            continue
        if lines == lines_per_page:
            pages += 1
            lines = 0
        lines += 1
    return pages + (1 if lines else 0)


def count_text_pages(path: str, lines_per_page: int) -> tuple[int, bool]:
    """(pages, whether a printer would lay the file out otherwise than counted)."""
    changes = _Changes()
    pages = _paginate(_events(path, changes), lines_per_page)
    return pages, changes.any


def clean_text(source: str, target: str) -> None:
    """Write ``target``: the lines ``count_text_pages`` counted, as a printer prints them."""
    with open(target, "wb") as out:
        for event in _events(source, _Changes()):
            out.write(b"\f" if event is PAGE else event + b"\n")


def analyse_text(
    path: str, limits: Limits, deadline: float, lines_per_page: int, default_media: str
) -> DocumentInfo:
    changes = _Changes()
    count = _paginate(_events(path, changes), lines_per_page)
    pages = [PageInfo(i + 1, 0.0, 0.0, "", "portrait", False) for i in range(count)]
    warnings = [f"{lines_per_page} lines per page"]
    reason = None
    if changes.any:
        why = [w for w, hit in ((f"lines wider than {COLUMNS} columns", changes.wide),
                                ("control characters", changes.controls),
                                ("carriage returns inside lines", changes.bare_cr)) if hit]
        reason = f"text with {', '.join(why)}: a printer may lay it out otherwise"
        warnings.append(reason)
    return build_document("text", pages, "text-lines", warnings=warnings, reason=reason,
                          count_certain=not changes.any)
