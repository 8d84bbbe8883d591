"""What prints is what was counted: lying page trees, PostScript programs, cut raster."""

from __future__ import annotations

import shutil
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from printwarden.documents import Limits, analyse
from printwarden.documents.pdf_tree import PageTree, TooManyPages, TreeNode, walk_page_tree
from printwarden.documents.rewrite import rewrite_to_counted
from tests.documents.corpus import write_urf
from tests.documents.pagetrees import (
    ROOT,
    ghostscript_pages,
    honest_tree,
    million_page_pdf,
    qpdf_pages,
    write_tree,
)

needs_gs = pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is needed")


Spec = dict[int, dict[str, Any]]


def _inspector(nodes: Spec) -> Callable[[Any], TreeNode | None]:
    """walk_page_tree over plain dicts: a ref is an int, the node is nodes[ref]."""
    def inspect(ref: Any) -> TreeNode | None:
        node = nodes.get(ref) if isinstance(ref, int) else None
        if node is None:
            return None
        kids = node.get("kids")
        return TreeNode(key=ref, type=node.get("type"),
                        kids=kids if isinstance(kids, list) else None,
                        has_kids_key="kids" in node, count=node.get("count"))
    return inspect


def _dict_tree(nodes: Spec) -> PageTree:
    return walk_page_tree(1, _inspector(nodes))


def test_a_well_formed_tree_has_one_reading() -> None:
    tree = _dict_tree({1: {"type": "/Pages", "kids": [2, 3], "count": 2},
                       2: {"type": "/Page"}, 3: {"type": "/Page"}})
    assert [leaf.ref for leaf in tree.leaves] == [2, 3]
    assert tree.well_formed


@pytest.mark.parametrize(("nodes", "pages", "problem"), [
    ({1: {"type": "/Pages", "kids": [2, 2, 2], "count": 3}, 2: {"type": "/Page"}},
     1, "same object more than once"),
    ({1: {"type": "/Pages", "kids": [2, 3], "count": 2},
      2: {"type": "/Pages", "kids": [1, 3], "count": 1}, 3: {"type": "/Page"}},
     1, "cycle"),
    ({1: {"type": "/Pages", "kids": [2], "count": 1000}, 2: {"type": "/Page"}},
     1, "a /Count of 1000 over 1 pages"),
    ({1: {"type": "/Pages", "kids": [2, 9], "count": 2}, 2: {"type": "/Page"}},
     1, "not a dictionary"),
    ({1: {"type": "/Pages", "kids": [2], "count": 1}, 2: {"type": "/Page", "kids": [3]},
      3: {"type": "/Page"}}, 1, "a page object with /Kids"),
    ({1: {"type": "/Pages", "kids": [2], "count": 1}, 2: {}}, 1, "without /Type /Page"),
    ({1: {"type": "/Page"}}, 1, "root is a page"),
])
def test_every_deviation_is_a_problem_and_each_page_object_counts_once(
        nodes: Spec, pages: int, problem: str) -> None:
    tree = _dict_tree(nodes)
    assert len(tree.leaves) == pages
    assert any(problem in p for p in tree.problems), tree.problems


def test_a_deep_tree_is_malformed_and_a_huge_one_stops_at_the_limit() -> None:
    chain: Spec = {n: {"type": "/Pages", "kids": [n + 1], "count": 1} for n in range(1, 101)}
    chain[101] = {"type": "/Page"}
    tree = _dict_tree(chain)
    assert any("deeper than 64" in p for p in tree.problems)
    assert tree.leaves == ()  # nothing below the limit is counted
    wide: Spec = {1: {"type": "/Pages", "kids": list(range(2, 12)), "count": 10},
                  **{n: {"type": "/Page"} for n in range(2, 12)}}
    with pytest.raises(TooManyPages):
        walk_page_tree(1, _inspector(wide), max_pages=5)


def test_the_million_page_pdf_counts_one_page_and_is_not_certain(tmp_path: Path) -> None:
    pdf = million_page_pdf(tmp_path / "million.pdf")
    info = analyse(pdf)
    assert info.pages == 1 and info.estimated and not info.count_certain
    assert info.reason is not None and "malformed page tree" in info.reason


def test_the_million_page_pdf_is_rebuilt_to_its_one_page_for_every_reader(
        tmp_path: Path) -> None:
    pdf = million_page_pdf(tmp_path / "million.pdf", fan=10)  # gs counts 1000 in it
    out = tmp_path / "rebuilt.pdf"
    done = rewrite_to_counted(pdf, out, "pdf", 1)
    assert done.problem is None and done.info is not None
    assert (done.info.pages, done.info.count_certain, done.info.estimated) == (1, True, False)
    assert qpdf_pages(out) == 1
    assert len(PdfReader(out).pages) == 1
    assert len(pdfium.PdfDocument(str(out))) == 1
    if shutil.which("gs"):
        assert ghostscript_pages(pdf) == 1000  # the lie is real...
        assert ghostscript_pages(out) == 1  # ...and gone
    assert "page 1" in PdfReader(out).pages[0].extract_text()


def test_a_rebuilt_tree_keeps_inherited_sizes_and_page_order(tmp_path: Path) -> None:
    nodes = honest_tree([[0, 0], 0])
    nodes[ROOT].count = 7  # a lie at the root only
    pdf = write_tree(tmp_path / "lie.pdf", nodes)
    info = analyse(pdf)
    assert (info.pages, info.count_certain) == (3, False)
    out = tmp_path / "fixed.pdf"
    done = rewrite_to_counted(pdf, out, "pdf", 3)
    assert done.info is not None and done.info.sizes == {"iso_a4_210x297mm": 3}
    texts = [page.extract_text() for page in PdfReader(out).pages]
    assert texts == ["page 1", "page 2", "page 3"]


def test_a_rewrite_that_qpdf_reads_differently_is_refused(tmp_path: Path) -> None:
    pdf = write_tree(tmp_path / "two.pdf", honest_tree([0, 0]))
    done = rewrite_to_counted(pdf, tmp_path / "out.pdf", "pdf", 5)
    assert done.info is None and "qpdf reads 2 pages where the analysis counted 5" in (
        done.problem or "")


def test_a_linearization_dictionary_that_lies_makes_the_count_uncertain(
        tmp_path: Path) -> None:
    lin = "<< /Linearized 1 /L 1000 /H [0 0] /O 3 /E 0 /N 40 /T 0 >>"
    pdf = write_tree(tmp_path / "lin.pdf", honest_tree([0, 0]), head_object=lin)
    info = analyse(pdf)
    assert (info.pages, info.count_certain) == (2, False)
    assert "announces 40 pages" in (info.reason or "")
    done = rewrite_to_counted(pdf, tmp_path / "out.pdf", "pdf", 2)
    assert done.info is not None and done.info.count_certain
    assert b"/Linearized" not in (tmp_path / "out.pdf").read_bytes()


def test_num_copies_in_viewer_preferences_is_dropped_by_the_rewrite(tmp_path: Path) -> None:
    pdf = write_tree(tmp_path / "copies.pdf", honest_tree([0]),
                     catalog_extra="/ViewerPreferences << /NumCopies 50 >>")
    info = analyse(pdf)
    assert not info.count_certain and "50 copies" in (info.reason or "")
    done = rewrite_to_counted(pdf, tmp_path / "out.pdf", "pdf", 1)
    assert done.info is not None and done.info.count_certain
    assert b"NumCopies" not in (tmp_path / "out.pdf").read_bytes()


DEVICE_TEST = b"""%!PS-Adobe-3.0
%%Pages: 1
%%EndComments
/Helvetica findfont 24 scalefont setfont
currentpagedevice /OutputDevice get /pdfwrite eq
{ 72 720 moveto (analysed) show showpage }
{ 1 1 30 { pop 72 720 moveto (printed) show showpage } for } ifelse
%%EOF
"""


@needs_gs
def test_a_postscript_program_is_sent_as_its_rendering_not_as_itself(tmp_path: Path) -> None:
    program = tmp_path / "sly.ps"
    program.write_bytes(DEVICE_TEST)
    info = analyse(program)
    assert (info.pages, info.count_certain) == (1, False)  # one page... under pdfwrite
    out = tmp_path / "rendered.ps"
    done = rewrite_to_counted(program, out, "postscript", 1)
    assert done.info is not None and (done.info.pages, done.info.count_certain) == (1, True)
    assert out.read_bytes().startswith(b"%!PS")
    # another device runs the original 30 times, the rendering once
    bbox = shutil.which("gs")
    assert bbox is not None

    def pages_on_bbox(path: Path) -> int:
        run = subprocess.run([bbox, "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=bbox",
                              str(path)], capture_output=True, text=True, timeout=60,
                             check=True)
        return run.stderr.count("%%BoundingBox")
    assert pages_on_bbox(program) == 30
    assert pages_on_bbox(out) == 1


@needs_gs
def test_an_endless_program_fails_and_is_never_counted_by_its_comments(
        tmp_path: Path) -> None:
    program = tmp_path / "loop.ps"
    program.write_bytes(b"%!PS-Adobe-3.0\n%%Pages: 1\n%%Page: 1 1\n{} loop\n%%EOF\n")
    started = time.monotonic()
    info = analyse(program, limits=Limits(max_seconds=2.0))
    assert info.pages is None and "did not finish" in (info.reason or "")
    assert time.monotonic() - started < 60  # bounded (not a speed assertion: a hang guard)


def _pwg_page(width: int = 8, height: int = 8) -> bytes:
    header = bytearray(1796)
    header[0:9] = b"PwgRaster"
    for offset, value in ((276, 72), (280, 72), (372, width), (376, height), (384, 8),
                          (388, 8), (392, width), (400, 18)):
        struct.pack_into(">I", header, offset, value)
    line = bytes([0, 0x80])  # repeat once, then "the rest of the line is white"
    return bytes(header) + line * height


def test_a_truncated_raster_stream_is_cut_after_its_last_whole_page(tmp_path: Path) -> None:
    stream = b"RaS2" + _pwg_page() + _pwg_page() + _pwg_page()[:900]
    path = tmp_path / "cut.pwg"
    path.write_bytes(stream)
    info = analyse(path)
    assert (info.pages, info.count_certain) == (2, False)
    out = tmp_path / "whole.pwg"
    done = rewrite_to_counted(path, out, "pwg-raster", 2)
    assert done.info is not None and (done.info.pages, done.info.count_certain) == (2, True)
    assert out.read_bytes() == b"RaS2" + _pwg_page() * 2


def test_a_urf_header_that_lies_about_its_pages_is_rewritten(tmp_path: Path) -> None:
    from PIL import Image

    path = tmp_path / "lie.urf"
    write_urf(path, [Image.new("RGB", (16, 16), "white")] * 2)
    data = bytearray(path.read_bytes())
    struct.pack_into(">I", data, 8, 99)
    path.write_bytes(bytes(data))
    info = analyse(path)
    assert (info.pages, info.count_certain) == (2, False)
    done = rewrite_to_counted(path, tmp_path / "out.urf", "urf", 2)
    assert done.info is not None and done.info.count_certain
    assert struct.unpack_from(">I", (tmp_path / "out.urf").read_bytes(), 8)[0] == 2


def test_pcl_that_asks_the_printer_for_copies_is_not_certain_and_not_rewritable(
        tmp_path: Path) -> None:
    path = tmp_path / "copies.pcl"
    path.write_bytes(b"\x1bE\x1b&l5XHello\x0c\x1bE")
    info = analyse(path)
    assert info.pages == 1 and not info.count_certain and "5 copies" in (info.reason or "")
    done = rewrite_to_counted(path, tmp_path / "out.pcl", "pcl5", 1)
    assert done.info is None and "cannot be rewritten" in (done.problem or "")


def test_a_pwg_page_that_asks_for_copies_is_rewritten_to_one(tmp_path: Path) -> None:
    page = bytearray(_pwg_page())
    struct.pack_into(">I", page, 340, 40)
    path = tmp_path / "copies.pwg"
    path.write_bytes(b"RaS2" + bytes(page))
    info = analyse(path)
    assert (info.pages, info.count_certain) == (1, False) and "40 copies" in (info.reason or "")
    out = tmp_path / "one.pwg"
    done = rewrite_to_counted(path, out, "pwg-raster", 1)
    assert done.info is not None and done.info.count_certain
    assert struct.unpack_from(">I", out.read_bytes(), 4 + 340)[0] == 1


def test_a_pjl_header_asking_for_copies_makes_any_format_uncertain(tmp_path: Path) -> None:
    pdf = write_tree(tmp_path / "plain.pdf", honest_tree([0]))
    wrapped = tmp_path / "pjl.pdf"
    wrapped.write_bytes(b"\x1b%-12345X@PJL SET QTY=25\r\n@PJL ENTER LANGUAGE=PDF\r\n"
                        + pdf.read_bytes())
    info = analyse(wrapped)
    assert info.format == "pdf" and not info.count_certain
    assert "PJL header asks the printer for 25 copies" in (info.reason or "")
    out = tmp_path / "bare.pdf"
    done = rewrite_to_counted(wrapped, out, "pdf", 1)
    assert done.info is not None and done.info.count_certain
    assert out.read_bytes().startswith(b"%PDF")  # the PJL header is gone


def test_pcl_xl_page_copies_make_the_count_uncertain(tmp_path: Path) -> None:
    # BeginPage, then EndPage with PageCopies (attribute 0x31) = 40, little-endian uint16
    path = tmp_path / "copies.pxl"
    path.write_bytes(b") HP-PCL XL;2;0\n\x43\xc1\x28\x00\xf8\x31\x44")
    info = analyse(path)
    assert info.format == "pclxl" and info.pages == 1 and not info.count_certain
    assert "40 copies of a page" in (info.reason or "")
    plain = tmp_path / "plain.pxl"
    plain.write_bytes(b") HP-PCL XL;2;0\n\x43\x44")
    assert analyse(plain).count_certain


def test_text_a_printer_would_wrap_is_counted_wrapped_and_rewritten_so(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes(b"x" * 8000 + b"\n")  # one line: 100 printed lines of 80 columns
    info = analyse(path, lines_per_page=60)
    assert (info.pages, info.count_certain) == (2, False)
    out = tmp_path / "wrapped.txt"
    done = rewrite_to_counted(path, out, "text", 2, lines_per_page=60)
    assert done.info is not None and (done.info.pages, done.info.count_certain) == (2, True)
    lines = out.read_bytes().split(b"\n")[:-1]
    assert len(lines) == 100 and {len(line) for line in lines} == {80}


def test_text_with_escape_sequences_and_bare_carriage_returns_is_cleaned(
        tmp_path: Path) -> None:
    path = tmp_path / "sly.txt"
    filler = b"an ordinary line of text\n" * 20  # few enough controls to look like text
    path.write_bytes(filler + b"hello\x1b&l99X world\n" + b"a\rb\rc\n"
                     + "Grüße\tund 漢字\n".encode())
    info = analyse(path)
    assert info.format == "text" and info.pages == 1 and not info.count_certain
    assert "control characters" in (info.reason or "")
    assert "carriage returns inside lines" in (info.reason or "")
    out = tmp_path / "clean.txt"
    done = rewrite_to_counted(path, out, "text", 1)
    assert done.info is not None and done.info.count_certain
    assert out.read_bytes() == (filler + b"hello&l99X world\na\nb\nc\n"
                                + "Grüße\tund 漢字\n".encode())


def test_plain_text_is_certain_and_wide_utf8_counts_by_columns(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_bytes(("ä" * 80 + "\n").encode() + ("漢" * 41 + "\n").encode())
    info = analyse(path, lines_per_page=1)
    assert info.pages == 3 and not info.count_certain  # 80 narrow fit, 41 wide wrap
    narrow = tmp_path / "narrow.txt"
    narrow.write_bytes(("ä" * 80 + "\r\n").encode() * 3 + b"\tindented\n")
    assert analyse(narrow).count_certain
