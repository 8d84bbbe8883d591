"""Colour test documents built by hand (no renderer): every page filled with a colour,
so a grayscale conversion is visible on every page; and a check of what a printer got."""

from __future__ import annotations

from pathlib import Path

from printwarden.documents import analyse

_FILLS = (b"1 0 0 rg", b"0 0.6 0 rg", b"0 0 1 rg", b"0.9 0.5 0.1 rg")


def colour_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` A4 pages, each a coloured rectangle and a grey bar."""
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(pages)).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    for n in range(pages):
        content = _FILLS[n % len(_FILLS)] + b" 50 300 495 400 re f 0.5 g 50 100 495 50 re f"
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
                       b"/Contents %d 0 R >>" % (4 + 2 * n))
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content
                       + b"\nendstream")
    head = b"%PDF-1.4\n"
    body, offsets = b"", []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(head) + len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(head) + len(body)
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    table += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    trailer = b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return head + body + table + trailer


def colour_ps(pages: int) -> bytes:
    """A DSC PostScript document of ``pages`` A4 pages, each with a coloured rectangle."""
    lines = ["%!PS-Adobe-3.0", f"%%Pages: {pages}", "%%BoundingBox: 0 0 595 842",
             "%%EndComments"]
    for n in range(pages):
        fill = _FILLS[n % len(_FILLS)].decode().replace("rg", "setrgbcolor")
        lines += [f"%%Page: {n + 1} {n + 1}", fill, "50 300 495 400 rectfill", "showpage"]
    lines.append("%%EOF")
    return ("\n".join(lines) + "\n").encode()


def grey_pages(path: Path) -> tuple[int | None, list[bool | None]]:
    """(pages, each page's colour flag) of a received document, by printwarden's analysis:
    a grey document answers ``[False] * pages``."""
    info = analyse(path)
    return info.pages, [page.color for page in info.page_info]
