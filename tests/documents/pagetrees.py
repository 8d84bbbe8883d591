"""PDFs whose page tree we write object by object: honest, lying, shared, cyclic, deep.

A tree is a dict of ``Node`` by object number; ``write_tree`` makes a PDF with a correct
cross-reference table around it (so no reader repairs the file: every disagreement is
about the tree). Page ``n`` shows the text "page n" on an A4 media box.
"""

from __future__ import annotations

import shutil
import subprocess
import zlib
from dataclasses import dataclass, field
from pathlib import Path

CATALOG, FONT = 1, 2
ROOT = 3  # the first node of every tree


@dataclass
class Node:
    kind: str  # "pages" or "page"
    kids: list[int] = field(default_factory=list)
    count: int | None = None
    type: str | None = "auto"  # "auto": /Pages or /Page by kind; None: no /Type
    kids_key: bool = False  # a page with a /Kids entry (type confusion)


def honest_tree(shape: list[object]) -> dict[int, Node]:
    """A well-formed tree from a nested list: a list is a /Pages node, anything else a
    page. ``[[0, 0], 0]`` is a root with a two-page subtree and a page."""
    nodes: dict[int, Node] = {}

    def add(item: object) -> tuple[int, int]:
        num = ROOT + len(nodes)
        if isinstance(item, list):
            node = Node("pages")
            nodes[num] = node
            total = 0
            for kid in item:
                kid_num, pages = add(kid)
                node.kids.append(kid_num)
                total += pages
            node.count = total
            return num, total
        nodes[num] = Node("page")
        return num, 1

    add(shape if isinstance(shape, list) else [shape])
    return nodes


def _content(number: int) -> bytes:
    return f"BT /F1 24 Tf 72 720 Td (page {number}) Tj ET".encode()


def write_tree(path: Path, nodes: dict[int, Node], *, trailer_extra: str = "",
               catalog_extra: str = "", head_object: str | None = None) -> Path:
    """Write ``nodes`` as a PDF at ``path``. ``head_object`` is an object body written
    first (object number 1000), e.g. a linearization dictionary."""
    parents: dict[int, int] = {}
    for num, node in nodes.items():
        for kid in node.kids:
            parents.setdefault(kid, num)
    objects: dict[int, bytes] = {
        CATALOG: f"<< /Type /Catalog /Pages {ROOT} 0 R {catalog_extra} >>".encode(),
        FONT: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    next_free = max(nodes) + 1
    page_number = 0
    for num in sorted(nodes):
        node = nodes[num]
        parts = []
        if node.type == "auto":
            parts.append("/Type /Pages" if node.kind == "pages" else "/Type /Page")
        elif node.type is not None:
            parts.append(f"/Type {node.type}")
        if num in parents:
            parts.append(f"/Parent {parents[num]} 0 R")
        if node.kind == "pages" or node.kids_key:
            parts.append("/Kids [" + " ".join(f"{k} 0 R" for k in node.kids) + "]")
        if node.count is not None:
            parts.append(f"/Count {node.count}")
        if node.kind == "page":
            page_number += 1
            data = zlib.compress(_content(page_number))
            objects[next_free] = (f"<< /Length {len(data)} /Filter /FlateDecode >>\nstream\n"
                                  .encode() + data + b"\nendstream")
            parts.append(f"/MediaBox [0 0 595 842] /Contents {next_free} 0 R "
                         f"/Resources << /Font << /F1 {FONT} 0 R >> >>")
            next_free += 1
        objects[num] = ("<< " + " ".join(parts) + " >>").encode()
    order = sorted(objects)
    if head_object is not None:
        objects[1000] = head_object.encode()
        order = [1000, *order]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: dict[int, int] = {}
    for num in order:
        offsets[num] = len(out)
        out += f"{num} 0 obj\n".encode() + objects[num] + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode()
    for num in range(1, size):
        if num in offsets:
            out += f"{offsets[num]:010d} 00000 n \n".encode()
        else:
            out += b"0000000000 65535 f \n"
    out += (f"trailer\n<< /Size {size} /Root {CATALOG} 0 R {trailer_extra} >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))
    return path


def million_page_pdf(path: Path, fan: int = 100, levels: int = 3) -> Path:
    """The issue's PDF: a root ``/Count 1`` over ``levels`` levels of ``fan`` shared kids
    ending in one page: 1 page to qpdf and PDFium, ``fan ** levels`` to Ghostscript."""
    nodes = {ROOT: Node("pages", count=1)}
    previous = ROOT
    for level in range(1, levels):
        nodes[ROOT + level] = Node("pages", count=fan ** (levels - level))
        nodes[previous].kids = [ROOT + level] * fan
        previous = ROOT + level
    leaf = ROOT + levels
    nodes[leaf] = Node("page")
    nodes[previous].kids = [leaf] * fan
    return write_tree(path, nodes)


def qpdf_pages(path: Path) -> int:
    """Pages as qpdf counts them (exit 0, or 3 for warnings)."""
    qpdf = shutil.which("qpdf")
    assert qpdf is not None
    done = subprocess.run([qpdf, "--show-npages", str(path)], capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode in (0, 3), done.stderr
    return int(done.stdout.split()[0])


def ghostscript_pages(path: Path) -> int:
    """Pages as Ghostscript's PDF interpreter counts them."""
    gs = shutil.which("gs")
    assert gs is not None
    done = subprocess.run(
        [gs, "-q", "-dNODISPLAY", "-dNOSAFER", "-dBATCH", "-dNOPAUSE", "-c",
         f"({path}) (r) file runpdfbegin pdfpagecount = quit"],
        capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout.split()[-1])
