"""Plain text: pages of ``lines_per_page`` lines, a form feed starts a new page.

Long lines are not wrapped (the result is exact for a printer that truncates or
for the given line count); text is always mono.
"""

from __future__ import annotations

from printwarden.documents.model import DocumentInfo, Limits, PageInfo, build_document

_LONG_LINE = 132


def count_text_pages(path: str, lines_per_page: int) -> tuple[int, bool]:
    """(pages, has long lines) for the text file at ``path``."""
    lines_per_page = max(1, lines_per_page)
    pages = 0
    lines = 0
    long_lines = False
    with open(path, "rb") as f:
        for raw in f:
            parts = raw.split(b"\f")
            for j, part in enumerate(parts):
                if j > 0:
                    pages += 1
                    lines = 0
                if part:
                    if len(part) > _LONG_LINE:
                        long_lines = True
                    if lines == lines_per_page:
                        pages += 1
                        lines = 0
                    lines += 1
    if lines:
        pages += 1
    return pages, long_lines


def analyse_text(
    path: str, limits: Limits, deadline: float, lines_per_page: int, default_media: str
) -> DocumentInfo:
    count, long_lines = count_text_pages(path, lines_per_page)
    pages = [PageInfo(i + 1, 0.0, 0.0, "", "portrait", False) for i in range(count)]
    warnings = [f"{lines_per_page} lines per page"]
    if long_lines:
        warnings.append(f"lines longer than {_LONG_LINE} characters may wrap on paper")
    return build_document("text", pages, "text-lines", warnings=warnings)
