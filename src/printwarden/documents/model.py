"""Pure value objects of document analysis: pages, documents, limits.

Nothing here does I/O. ``color`` on a page is a three-valued verdict:
``True`` (visible colour), ``False`` (neutral: black, greys, white) or ``None``
(not determined, e.g. past a limit or for a format whose colour cannot be read).

``DocumentInfo.estimated`` says that some figure is not exact (colour past a budget, a
page count read from a damaged file...). ``count_certain`` is the narrower promise the
print agent relies on: the page count is what any conforming reader of this very file
finds. It is False for a malformed PDF page tree, a repaired PDF, a truncated raster
stream, a PostScript program (its pages are those one interpreter drew), a PCL stream
the parser could not follow or that asks the printer for copies itself. Such a
document is rewritten to the counted pages (``documents.rewrite``) or refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS: tuple[str, ...] = (
    "pdf",
    "postscript",
    "pwg-raster",
    "urf",
    "pcl5",
    "pclxl",
    "jpeg",
    "png",
    "tiff",
    "text",
    "unknown",
)

#: Largest difference between colour components (0..1 scale) still counted as neutral
#: for colours given as numbers in a page description (PDF operators, PCL XL colours).
NEUTRAL_TOLERANCE = 0.01
#: Largest per-pixel difference between R, G and B (0..255) still counted as neutral in
#: decoded raster data (images, renders, raster formats): absorbs JPEG chroma noise.
PIXEL_TOLERANCE = 10
#: A CMYK colour whose black component is at least this is rendered black whatever C, M
#: and Y are: rich black is mono for billing.
RICH_BLACK_K = 0.99


@dataclass(frozen=True)
class Limits:
    """Budgets that bound the cost of one analysis.

    Past ``max_seconds`` or ``max_pages_detailed`` pages are still counted where the
    format allows it, but their colour is left unknown (``None``) and the result is
    marked ``estimated``. Past ``max_bytes`` the file is not analysed at all.
    """

    max_seconds: float = 30.0
    max_pages_detailed: int = 2000
    #: More pages than this and the document is not analysed (pages unknown).
    max_pages: int = 100_000
    #: PDF page trees deeper than this are malformed (real files stay below ~10).
    max_tree_depth: int = 64
    max_bytes: int = 1 << 30
    max_pixels: int = 200_000_000
    max_decompressed_bytes: int = 512 << 20
    use_external_tools: bool = True
    render_dpi: float = 30.0
    tool_timeout: float = 120.0


@dataclass(frozen=True)
class PageInfo:
    number: int
    width_mm: float
    height_mm: float
    media: str
    orientation: str
    color: bool | None
    coverage: tuple[float, float, float, float] | None = None

    def to_json_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "width_mm": round(self.width_mm, 1),
            "height_mm": round(self.height_mm, 1),
            "media": self.media,
            "orientation": self.orientation,
            "color": self.color,
            "coverage": list(self.coverage) if self.coverage is not None else None,
        }


@dataclass(frozen=True)
class DocumentInfo:
    format: str
    pages: int | None
    page_info: tuple[PageInfo, ...]
    color_pages: int | None
    mono_pages: int | None
    sizes: dict[str, int]
    method: str
    estimated: bool
    reason: str | None
    warnings: tuple[str, ...] = field(default=())
    count_certain: bool = True

    @property
    def unknown_color_pages(self) -> int | None:
        if self.pages is None or self.color_pages is None or self.mono_pages is None:
            return None
        return self.pages - self.color_pages - self.mono_pages

    def to_json_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "pages": self.pages,
            "color_pages": self.color_pages,
            "mono_pages": self.mono_pages,
            "unknown_color_pages": self.unknown_color_pages,
            "sizes": dict(self.sizes),
            "method": self.method,
            "estimated": self.estimated,
            "reason": self.reason,
            "warnings": list(self.warnings),
            "count_certain": self.count_certain,
            "page_info": [p.to_json_dict() for p in self.page_info],
        }


def build_document(
    fmt: str,
    pages: list[PageInfo] | tuple[PageInfo, ...],
    method: str,
    *,
    page_count: int | None = None,
    estimated: bool = False,
    reason: str | None = None,
    warnings: list[str] | tuple[str, ...] = (),
    count_certain: bool = True,
) -> DocumentInfo:
    """Summarise per-page facts into a document.

    ``page_count`` may exceed ``len(pages)`` when pages were counted but not described;
    then colour figures count only the described pages and the result is estimated.
    """
    count = len(pages) if page_count is None else page_count
    color = sum(1 for p in pages if p.color is True)
    mono = sum(1 for p in pages if p.color is False)
    unknown = count - color - mono
    sizes: dict[str, int] = {}
    for p in pages:
        sizes[p.media] = sizes.get(p.media, 0) + 1
    if count > len(pages):
        estimated = True
    return DocumentInfo(
        format=fmt,
        pages=count,
        page_info=tuple(pages),
        color_pages=color,
        mono_pages=mono,
        sizes=sizes,
        method=method,
        estimated=estimated or unknown > 0 or not count_certain,
        reason=reason,
        warnings=tuple(dict.fromkeys(warnings)),
        count_certain=count_certain,
    )


def failed(
    fmt: str, reason: str, method: str = "none", warnings: tuple[str, ...] = ()
) -> DocumentInfo:
    """A result for input that could not be analysed: pages unknown, with a reason."""
    return DocumentInfo(
        format=fmt,
        pages=None,
        page_info=(),
        color_pages=None,
        mono_pages=None,
        sizes={},
        method=method,
        estimated=True,
        reason=reason,
        warnings=warnings,
        count_certain=False,
    )
