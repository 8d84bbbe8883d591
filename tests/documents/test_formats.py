"""Format-specific behaviour beyond the corpus truth table."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from printwarden.documents import Limits, analyse
from tests.documents.corpus import Case, write_urf


def test_raster_page_limit_leaves_later_pages_unknown(case: Callable[[str], Case]) -> None:
    info = analyse(case("pwg_srgb").path, limits=Limits(max_pages_detailed=1))
    assert info.pages == 4 and info.estimated
    assert [p.color for p in info.page_info] == [False, None, None, None]


def test_pwg_sizes_and_orientation(case: Callable[[str], Case]) -> None:
    info = analyse(case("pwg_srgb").path)
    assert {p.orientation for p in info.page_info} == {"portrait"}
    assert round(info.page_info[0].width_mm) == 210


def test_urf_page_count_mismatch_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.urf"
    write_urf(path, [Image.new("L", (50, 70), 255)], dpi=25)
    data = bytearray(path.read_bytes())
    data[8:12] = struct.pack(">I", 3)
    path.write_bytes(bytes(data))
    info = analyse(path)
    assert info.pages == 1 and info.page_info[0].color is False
    assert any("declares 3 pages" in w for w in info.warnings)


def test_urf_white_fill_and_colour_in_last_run(tmp_path: Path) -> None:
    img = Image.new("RGB", (40, 10), "white")
    img.putpixel((0, 9), (255, 254, 0))
    path = tmp_path / "y.urf"
    write_urf(path, [img, Image.new("RGB", (40, 10), (90, 90, 90))], dpi=10)
    info = analyse(path)
    assert [p.color for p in info.page_info] == [True, False]
    assert info.page_info[0].media == "custom_25x102mm"


def test_image_without_resolution_takes_the_default_media(case: Callable[[str], Case]) -> None:
    info = analyse(case("png_palette_colour").path, default_media="na_letter_8.5x11in")
    assert info.sizes == {"na_letter_8.5x11in": 1}
    assert any("assumed" in w for w in info.warnings)


def test_pcl_copies_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "copies.pcl"
    path.write_bytes(b"\x1bE\x1b&l26A\x1b&l3XHello\x0c\x1bE")
    info = analyse(path)
    assert info.pages == 1 and info.sizes == {"iso_a4_210x297mm": 1}
    assert any("3 copies" in w for w in info.warnings)


def test_pcl_binary_payload_form_feeds_are_not_pages(tmp_path: Path) -> None:
    path = tmp_path / "raster.pcl"
    row = b"\x0c" * 8
    path.write_bytes(b"\x1bE\x1b&l2A\x1b*r1A" + (b"\x1b*b8W" + row) * 20 + b"\x1b*rB\x0c\x1bE")
    info = analyse(path)
    assert info.pages == 1 and info.sizes == {"na_letter_8.5x11in": 1}


@pytest.mark.skipif(shutil.which("gs") is None, reason="gs is not installed")
def test_postscript_dsc_count_disagreeing_with_the_program(tmp_path: Path) -> None:
    path = tmp_path / "liar.ps"
    path.write_text(
        "%!PS-Adobe-3.0\n%%Pages: 3\n%%EndComments\n%%Page: 1 1\nshowpage\n"
        "%%Page: 2 2\nshowpage\n%%EOF\n"
    )
    info = analyse(path)
    assert info.pages == 2
    assert any("DSC comments announce" in w for w in info.warnings)


def test_text_form_feeds_and_blank_pages(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\n\x0c\x0cb\n")
    assert analyse(path).pages == 3


def test_pjl_wrapped_pcl(tmp_path: Path) -> None:
    path = tmp_path / "pjl.pcl"
    path.write_bytes(
        b"\x1b%-12345X@PJL JOB\n@PJL SET COPIES=2\n@PJL ENTER LANGUAGE = PCL\n"
        b"\x1bE\x1b&l26AHello\x0c\x1bE\x1b%-12345X@PJL EOJ\n\x1b%-12345X"
    )
    info = analyse(path)
    assert (info.format, info.pages, info.sizes) == ("pcl5", 1, {"iso_a4_210x297mm": 1})
    assert any("2 copies" in w for w in info.warnings)
