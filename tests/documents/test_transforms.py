from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from printwarden.documents import analyse, downstream_attributes, to_grayscale_pdf
from tests.documents.corpus import Case


def test_downstream_attributes() -> None:
    assert downstream_attributes(monochrome=True, duplex=True) == {
        "print-color-mode": "monochrome",
        "sides": "two-sided-long-edge",
    }
    assert downstream_attributes(duplex=True, short_edge=True) == {"sides": "two-sided-short-edge"}
    assert downstream_attributes() == {}


@pytest.mark.parametrize("use_gs", [True, False])
def test_grayscale_pdf_has_no_colour_pages(
    case: Callable[[str], Case], tmp_path: Path, use_gs: bool
) -> None:
    if use_gs and shutil.which("gs") is None:
        pytest.skip("gs is not installed")
    src = case("pdf_images").path
    assert analyse(src).color_pages == 2
    out = tmp_path / "grey.pdf"
    result = to_grayscale_pdf(src, out, use_ghostscript=use_gs, dpi=50)
    assert result.ok, result.error
    assert result.method == ("ghostscript" if use_gs else "render")
    info = analyse(out)
    assert info.pages == 6 and info.color_pages == 0 and info.mono_pages == 6
    assert info.sizes == {"iso_a4_210x297mm": 6}


def test_grayscale_of_a_non_pdf_fails_cleanly(tmp_path: Path) -> None:
    src = tmp_path / "x.pdf"
    src.write_bytes(b"not a pdf")
    result = to_grayscale_pdf(src, tmp_path / "out.pdf", use_ghostscript=False)
    assert not result.ok and result.error


_COLOUR_PS = (b"%!PS-Adobe-3.0\n%%Pages: 2\n%%EndComments\n"
              b"%%Page: 1 1\n1 0 0 setrgbcolor 50 50 400 400 rectfill showpage\n"
              b"%%Page: 2 2\n0 0 1 setrgbcolor 50 50 400 400 rectfill showpage\n%%EOF\n")


@pytest.mark.skipif(shutil.which("gs") is None, reason="gs is not installed")
def test_grayscale_of_postscript_is_a_grey_pdf_of_the_same_pages(tmp_path: Path) -> None:
    src = tmp_path / "colour.ps"
    src.write_bytes(_COLOUR_PS)
    assert analyse(src).color_pages == 2
    out = tmp_path / "grey.pdf"
    result = to_grayscale_pdf(src, out, source_format="postscript")
    assert result.ok and result.method == "ghostscript" and result.pages == 2, result.error
    info = analyse(out)
    assert (info.format, info.pages, info.color_pages) == ("pdf", 2, 0)


def test_postscript_without_ghostscript_says_it_needs_it(tmp_path: Path) -> None:
    src = tmp_path / "colour.ps"
    src.write_bytes(_COLOUR_PS)
    result = to_grayscale_pdf(src, tmp_path / "out.pdf", use_ghostscript=False,
                              source_format="postscript")
    assert not result.ok and result.method == "none"
    assert result.error == ("converting PostScript to grayscale needs Ghostscript (gs), "
                            "which is not installed")
    assert not (tmp_path / "out.pdf").exists()


@pytest.mark.skipif(shutil.which("gs") is None, reason="gs is not installed")
def test_broken_postscript_is_not_handed_to_the_pdf_renderer(tmp_path: Path) -> None:
    src = tmp_path / "broken.ps"
    src.write_bytes(b"%!PS\n/undefinedthing execnow\n")
    result = to_grayscale_pdf(src, tmp_path / "out.pdf", source_format="postscript")
    assert not result.ok and result.method == "ghostscript" and result.error


@pytest.mark.parametrize("fmt", ["text", "pcl5", "jpeg", ""])
def test_other_formats_are_refused_by_name(tmp_path: Path, fmt: str) -> None:
    src = tmp_path / "doc"
    src.write_bytes(b"hello")
    result = to_grayscale_pdf(src, tmp_path / "out.pdf", source_format=fmt)
    assert not result.ok
    assert result.error is not None and "cannot be converted to grayscale" in result.error
